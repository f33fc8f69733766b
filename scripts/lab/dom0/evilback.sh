# SPDX-License-Identifier: GPL-2.0
# Helpers of the scenarios that play a disk's backend with blkif-evilback
# (tests/lab/tools/blkif-evilback.c), sourced after lib.sh:
#	. /lab/evilback.sh
# Our frontend only; dom0's xen-blkback must be unloaded (eb_setup) and is
# loaded again by eb_teardown.  State: v, devid, pid, log, n0, eb_restart.

EB=/lab/blkif-evilback

# eb_setup: a loop device for the toolstack's target; xen-blkback unloaded
eb_setup() {
	guest_ensure || return 1
	domid=$(cat $LAB_RUN/domid)
	eb_lo=$(disk_loop 64) || { fail "no loop device"; return 1; }
	eb_file=$(cat /sys/block/${eb_lo#/dev/}/loop/backing_file)
	eb_restart=
	check "xen-blkback unloaded" back_unload
}

# eb_teardown: the run's backend again; the guest restarted when a disk
# could not be taken away
eb_teardown() {
	check_eq "backend devices left in dom0" \
		"$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-* 2>/dev/null | wc -l)" 0
	[ -n "$eb_restart" ] && guest_restart
	check "xen-blkback loads again" back_load "$(cat $LAB_RUN/back)" $(cat $LAB_RUN/bparams)
	losetup -d "$eb_lo"
	rm -f "$eb_file"
}

# eb_alive <pid>: the process runs (a zombie waiting for "wait" does not)
eb_alive() { [ -e /proc/$1/stat ] && [ "$(cut -d' ' -f3 /proc/$1/stat)" != Z ]; }

# eb_start <vdev> <mode> [blkif-evilback options]: attach <vdev> with
# blkif-evilback as its backend; sets v, devid, log, pid, n0
eb_start() {
	v=$1
	local mode=$2
	shift 2
	devid=$(vdev_devid "$v")
	log=$LAB_RUN/evilback-$v.out
	n0=$(g 'dmesg | wc -l')
	$EB "$@" "$domid" "$devid" "$mode" > "$log" 2>&1 &
	pid=$!
	if ! timeout 60 xl block-attach $DOMU \
		"format=raw,vdev=$v,access=w,script=lab-block,target=$eb_lo" \
		> $LAB_RUN/xl-attach-$v.log 2>&1; then
		fail "$v: xl block-attach with blkif-evilback as the backend"
		tail -n 20 $LAB_RUN/xl-attach-$v.log
		eb_kill
		return 1
	fi
	g "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; [ -b /dev/$v ]" >/dev/null ||
		{ fail "$v: /dev/$v did not appear in the guest"; eb_guest_log; eb_kill; return 1; }
}

# eb_kill: stop blkif-evilback, force the disk away
eb_kill() {
	cat "$log"
	eb_alive $pid && kill $pid
	wait $pid
	timeout 60 xl block-detach -f $DOMU "$v" 2>/dev/null
	eb_restart=1
}

# eb_wait_end: wait up to 20 s for blkif-evilback to end; its log
eb_wait_end() {
	local i=0
	while eb_alive $pid && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if eb_alive $pid; then
		fail "$v: blkif-evilback still running"
		kill $pid
	fi
	wait $pid
	cat "$log"
}

# eb_gone: the disk left the guest within 30 s
eb_gone() {
	check "$v: gone from the guest" g "i=0; while [ -b /dev/$v ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done; [ ! -b /dev/$v ]" ||
		eb_restart=1
}

# eb_stop: xl block-detach; the disk leaves the guest, blkif-evilback ends
eb_stop() {
	if ! timeout 60 xl block-detach $DOMU "$v"; then
		fail "$v: xl block-detach"
		timeout 60 xl block-detach -f $DOMU "$v"
	fi
	eb_gone
	eb_wait_end
}

# eb_guest_log: the guest's kernel log since eb_start
# eb_wait_error <vdev> <tenths>: wait up to <tenths>/10 s for the disk's
# state to read "error"; prints what it read last.  A guest deadlocked on
# the disk blocks the read of the state too, so the guest gets 40 s, not
# G_TIMEOUT's 10 minutes (the answer is then g's "no answer" line)
eb_wait_error() {
	G_TIMEOUT=40 g "i=0; f=/sys/block/$1/device/xen-blkfront/state; while [ \"\$(cat \$f)\" != error ] && [ \$i -lt $2 ]; do sleep 0.1; i=\$((i+1)); done; cat \$f"
}

# eb_hung: the guest hangs on the disk: show where, then stop the guest and
# blkif-evilback (the disk cannot go while the guest hangs on it); sets
# g_hung and eb_restart
eb_hung() {
	g_hung=1 eb_restart=1
	grep -A12 'blocked for more than' $GUEST_LOG | head -n 40
	guest_stop
	kill $pid 2>/dev/null
	wait $pid
}

# eb_second_disk <vdev>: another disk, served well, attaches and reads
# (the guest's xenwatch is not stuck on the first); sets v, pid, log like
# eb_start, and eb_restart when the disk cannot be attached
eb_second_disk() {
	local r
	if eb_start "$1" good; then
		r=$(G_TIMEOUT=40 g "dd if=/dev/$1 bs=4k count=1 skip=4096 iflag=direct 2>/dev/null | tr -d '\000' | head -n 1")
		check_eq "$1: a second disk attaches and reads" "$r" "blkif-evilback sector 32768"
		eb_stop
	else
		eb_restart=1
	fi
}

eb_guest_log() { g "dmesg | tail -n +$((n0 + 1))"; }

# eb_gdd <dd operands>: dd in the guest, in the background so that a
# request that never completes cannot block the agent; prints
# "rc=<status>" and dd's messages, or "hang" after 30 s
eb_gdd() {
	g "rm -f /tmp/gdd.rc /tmp/gdd.err
	   (dd $* >/dev/null 2>/tmp/gdd.err; echo \$? > /tmp/gdd.rc) &
	   i=0
	   while [ ! -s /tmp/gdd.rc ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	   if [ -s /tmp/gdd.rc ]; then echo rc=\$(cat /tmp/gdd.rc); cat /tmp/gdd.err; else echo hang; fi"
}
