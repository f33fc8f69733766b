#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dom0's /init in the lab: bring up the Xen toolstack, load the chosen
# backend, run the scenarios named in /etc/lab.conf one after the other, report
# each on the serial console, power off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# /etc/xen/scripts/locking.sh stats /dev/stdin: devtmpfs has no such links
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs run /run
mount -t tmpfs -o size=2g tmp /tmp
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen /var/lock /run/lab

. /etc/lab.conf
. /lab/lib.sh
echo "LAB-DOM0-UP uptime=$(up) kernel=$(uname -r) front=$FRONT back=$BACK"

boot_fail() {
	echo "LAB-BOOT-FAIL $*"
	echo "LAB-RESULT FAIL"
	poweroff -f
}

for m in configfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs loop dm-mod dm-flakey; do
	lab_modprobe $m || boot_fail "modprobe $m"
done
lab_modprobe null_blk nr_devices=0 || boot_fail "modprobe null_blk"
mount -t configfs none /sys/kernel/config 2>/dev/null
mount -t xenfs xenfs /proc/xen || boot_fail "mount xenfs"
back_load "$BACK" $BACK_PARAMS || boot_fail "load $BACK xen-blkback $BACK_PARAMS"
echo "$FRONT" > $LAB_RUN/front
echo "$FRONT_PARAMS" > $LAB_RUN/fparams
xenstored --pid-file=/run/xenstored.pid || boot_fail xenstored
xen-init-dom0 >/dev/null || boot_fail xen-init-dom0
xenconsoled --pid-file=/run/xen/xenconsoled.pid --log=guest --log-dir=/var/log/xen || boot_fail xenconsoled
echo "LAB-TOOLSTACK-READY uptime=$(up)"
# what the lab's own steps cost on this host (a scenario's check is a few
# of them): 20 XenStore reads, 5 xl commands, 20 processes
cost() {
	local t0 t1 i=0 n=$1
	shift
	read -r t0 t1 < /proc/uptime
	while [ $i -lt "$n" ]; do "$@" > /dev/null 2>&1; i=$((i + 1)); done
	read -r t1 i < /proc/uptime
	awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%d", (b - a) * 1000 / n }'
}
echo "LAB-COST ms per step: xenstore-read $(cost 20 xenstore-read /local/domain/0/name)" \
	"xl $(cost 5 xl domid Domain-0) process $(cost 20 /bin/busybox true)"

# the guest's console, on ours, for the record
(
	while [ ! -f $GUEST_LOG ]; do sleep 0.2; done
	tail -n +1 -F $GUEST_LOG 2>/dev/null | while IFS= read -r l; do echo "DOMU> $l"; done
) &

# Kernel trouble in dom0 or the guest fails the scenario it happened in.
BAD='WARNING:|BUG:|Oops|general protection|Call Trace|UBSAN|kernel BUG|refcount_t|list_(add|del) corruption|INFO: task .* blocked|lab: kernel log wrapped'

# The kernel log since the mark.  Lines are counted, so a log that wrapped
# (its first line changed) would hide what came since: then say so, in a
# line that fails the scenario, and give the whole log (log_buf_len on the
# kernel command lines keeps that from happening: boot.sh, lib.sh).
dmesg_mark() {
	dmesg > $LAB_RUN/dmesg.now
	wc -l < $LAB_RUN/dmesg.now > $LAB_RUN/dmesg.mark
	head -n 1 $LAB_RUN/dmesg.now > $LAB_RUN/dmesg.first
}
dmesg_new() {
	dmesg > $LAB_RUN/dmesg.now
	if [ "$(head -n 1 $LAB_RUN/dmesg.now)" = "$(cat $LAB_RUN/dmesg.first)" ]; then
		tail -n +$(($(cat $LAB_RUN/dmesg.mark) + 1)) $LAB_RUN/dmesg.now
	else
		echo "lab: kernel log wrapped since the scenario began"
		cat $LAB_RUN/dmesg.now
	fi
}

# run_scenario <name>: one tests/lab/<name>.sh in a subshell, with a timeout
run_scenario() {
	local name=$1 f=/tests/$1.sh t0 rc verdict bad
	t0=$(up)
	rm -f $LAB_RUN/failed
	# a marker starts a line of its own even after a kernel message without one
	printf '\nLAB-BEGIN %s\n' "$name"
	if [ ! -f "$f" ]; then
		echo "FAIL: no scenario file tests/lab/$name.sh"
		rc=1
	else
		dmesg_mark
		G_TIMEOUT=60
		guest_running && g 'lab-dmesg-new >/dev/null' >/dev/null
		timeout "${SCENARIO_TIMEOUT:-900}" sh -c "G_TIMEOUT=600; . /lab/lib.sh; . $f"
		rc=$?
		[ $rc -eq 143 ] && echo "FAIL: timed out after ${SCENARIO_TIMEOUT:-900} s"
		bad=$(dmesg_new | grep -E "$BAD")
		if [ -n "$bad" ]; then
			echo "FAIL: dom0 kernel log:"
			dmesg_new | grep -E -B 8 -A 12 "$BAD" | head -n 80
			rc=1
		fi
		if guest_running; then
			bad=$(g 'lab-dmesg-new' | grep -E "$BAD")
			if [ -n "$bad" ]; then
				echo "FAIL: guest kernel log:"
				echo "$bad" | head -n 40
				rc=1
			fi
		fi
	fi
	verdict=PASS
	{ [ $rc -ne 0 ] || [ -s $LAB_RUN/failed ]; } && verdict=FAIL
	printf '\n'
	echo "LAB-END $name $verdict $(echo "$(up) $t0" | awk '{printf "%.1f", $1-$2}')s"
	[ $verdict = PASS ]
}

# lab_pair <front>/<back>:<front params>:<back params> (params comma
# separated): the pair for the scenarios that follow, when one boot runs
# several (scripts/check-lib.sh run_plan merges a kernel's plan lines):
# the guest stops, the backend is swapped when it or its parameters
# change, and the next guest_start takes the frontend.  When the swap
# fails, every scenario of that pair fails.
lab_pair() {
	local pair=${1%%:*} rest=${1#*:} front back fp bp i
	front=${pair%/*}
	back=${pair#*/}
	fp=$(echo "${rest%%:*}" | tr ',' ' ')
	bp=$(echo "${rest#*:}" | tr ',' ' ')
	printf '\nLAB-PAIR front=%s back=%s front-params=%s back-params=%s\n' "$front" "$back" "$fp" "$bp"
	rm -f $LAB_RUN/pair-failed
	guest_stop
	if [ "$back" != "$(cat $LAB_RUN/back)" ] || [ "$bp" != "$(cat $LAB_RUN/bparams)" ]; then
		# the destroyed guest's vbds may still be going away
		i=0
		while ! back_unload 2>/dev/null && [ $i -lt 20 ]; do
			sleep 0.5
			i=$((i + 1))
		done
		if ! (back_reload "$back" $bp); then
			echo "LAB-PAIR-FAIL could not load $back xen-blkback $bp"
			echo "$1" > $LAB_RUN/pair-failed
		fi
	fi
	echo "$front" > $LAB_RUN/front
	echo "$fp" > $LAB_RUN/fparams
}

result=PASS
for t in $TESTS; do
	case "$t" in
	@*)
		lab_pair "${t#@}"
		continue
		;;
	esac
	if [ -f $LAB_RUN/pair-failed ]; then
		printf '\nLAB-BEGIN %s\nFAIL: the pair %s could not be set up\n\nLAB-END %s FAIL 0.0s\n' \
			"$t" "$(cat $LAB_RUN/pair-failed)" "$t"
		result=FAIL
		continue
	fi
	run_scenario "$t" || result=FAIL
done
guest_stop
echo "LAB-RESULT $result uptime=$(up)"
sync
poweroff -f
