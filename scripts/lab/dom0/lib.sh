# SPDX-License-Identifier: GPL-2.0
# The scenario library of the lab, sourced in dom0 (busybox sh) by the
# scenario runner before each tests/lab/<name>.sh.  Scenario state that must
# outlive one scenario (the guest, its command counter, disks made) lives in
# files under $LAB_RUN, since every scenario runs in a subshell of its own.
#
# Reference: scripts/lab/README.md.

LAB_RUN=/run/lab
# The guest that g, attach and the guest_* functions act on: its name, and
# the directory of its state (domid, seq, front, fparams, its xl config).
# The run's guest keeps its state in $LAB_RUN itself; guest2 (below)
# points both at the second guest for one call.
DOMU=domu
GUEST_DIR=$LAB_RUN
GUEST_LOG=/var/log/xen/guest-$DOMU.log
G_TIMEOUT=${G_TIMEOUT:-600}
mkdir -p $LAB_RUN

up() { cut -d' ' -f1 /proc/uptime; }
note() { echo "$*"; }
# conf <NAME>: a knob of the run, as boot.sh wrote it to /etc/lab.conf
conf() { (. /etc/lab.conf; eval "echo \"\${$1:-}\""); }
# lab_quick: true under LAB_QUICK=1 (make check's shorter workloads)
lab_quick() { [ "$(conf LAB_QUICK)" = 1 ]; }

# ------------------------------------------------------------------
# Verdicts.  A scenario fails when it exits non-zero or when any check
# failed; both print the evidence.
# ------------------------------------------------------------------

fail() {
	echo "FAIL: $*"
	echo "$*" >> $LAB_RUN/failed
	return 1
}

# check <what> <command...>: run the command, record ok or FAIL
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		fail "$what (command: $*)"
	fi
}

# check_eq <what> <actual> <expected>
check_eq() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1 = $2"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

# check_ge <what> <actual> <minimum>   (integers)
check_ge() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ] 2>/dev/null; then
		echo "ok: $1 = $2 (>= $3)"
	else
		fail "$1: got '$2', expected >= $3"
	fi
}

# check_le <what> <actual> <maximum>   (integers)
check_le() {
	if [ -n "$2" ] && [ "$2" -le "$3" ] 2>/dev/null; then
		echo "ok: $1 = $2 (<= $3)"
	else
		fail "$1: got '$2', expected <= $3"
	fi
}

# summary <text>: a line for the run's summary (make lab prints them)
summary() { echo "SUMMARY: $*"; }

# ------------------------------------------------------------------
# Modules
# ------------------------------------------------------------------

mod_loaded() { [ -d "/sys/module/$(echo "$1" | tr - _)" ]; }

# lab_modprobe <name> [params...]: load a distro module and its dependencies
# in the order build-images.sh recorded
lab_modprobe() {
	local name=$1 files f m
	shift
	files=$(sed -n "s|^$name: ||p" /lib/modules/order)
	# built in (no file): /sys/module has it only when it has parameters
	if [ -z "$files" ] && grep -q "^$name: *$" /lib/modules/order; then
		return 0
	fi
	[ -n "$files" ] || { mod_loaded "$name" && return 0; echo "lab_modprobe: $name unknown"; return 1; }
	for f in $files; do
		m=$(basename "$f" .ko)
		mod_loaded "$m" && continue
		if [ "$m" = "$(echo "$name" | tr - _)" ] || [ "$m" = "$name" ]; then
			insmod "$f" "$@" || return 1
		else
			insmod "$f" || return 1
		fi
	done
}

# back_load ours|upstream [params...]: load a xen-blkback module
back_load() {
	local which=$1
	shift
	if [ "$which" = ours ]; then
		insmod /lib/modules/ours/xen-blkback.ko "$@" || return 1
	else
		lab_modprobe xen-blkback "$@" || return 1
	fi
	echo "$which" > $LAB_RUN/back
	echo "$*" > $LAB_RUN/bparams
}

back_unload() {
	mod_loaded xen_blkback || return 0
	rmmod xen_blkback
}

# back_reload ours|upstream [params...]: swap the backend; the guest must
# have no disks attached (detach them first)
back_reload() {
	back_unload || { fail "rmmod xen-blkback"; return 1; }
	back_load "$@" || { fail "load xen-blkback $*"; return 1; }
}

# mod_facts <module> [g]: "<origin> <version> <release> <debian>" of the
# module loaded in dom0 (with g: in the guest).  <origin> is "ours" for a
# module built out of tree (the O of its taint: in the lab's images only our
# builds are), "upstream" for the kernel's own (as FRONT and BACK name
# them), "none" when it is not loaded;
# <version> that of MODULE_VERSION, "-" without one; <release> the kernel's
# uname -r; <debian> the Debian version of the kernel's package, or "-".
mod_facts() {
	local cmd
	cmd="m=/sys/module/$(echo "$1" | tr - _)"'
		if [ ! -d $m ]; then o=none
		else case "$(cat $m/taint 2>/dev/null)" in *O*) o=ours ;; *) o=upstream ;; esac
		fi
		v=$(cat $m/version 2>/dev/null)
		u=$(uname -v) d=
		case "$u" in *"Debian "*) d=${u#*Debian }; d=${d%% *} ;; esac
		echo "$o ${v:--} $(uname -r) ${d:--}"'
	if [ "${2:-}" = g ]; then g "$cmd"; else sh -c "$cmd"; fi
}

# mod_origin <module> [g]: ours, upstream or none (mod_facts)
mod_origin() { mod_facts "$@" | cut -d' ' -f1; }

# mod_describe <module> [g]: which build of the module runs, for people
# (mod_text of its mod_facts)
mod_describe() { mod_text $(mod_facts "$@"); }

# mod_text <mod_facts words>: ours with its version (or, when it has none,
# the commit the lab built it from), or the distribution's with its kernel's
# version
mod_text() {
	local build
	case "$1" in
	ours)
		if [ "$2" != - ]; then
			echo "ours, version $2"
		else
			build=$(. /etc/lab.conf; echo "${OURS_BUILD:-}")
			echo "ours (version unknown${build:+; built from $build})"
		fi ;;
	upstream) echo "the distribution's (Linux $3$([ "$4" = - ] || echo ", Debian $4"))" ;;
	*) echo "not loaded" ;;
	esac
}

# mod_brief <mod_facts words>: the same in a table's cell
mod_brief() {
	case "$1" in
	ours) [ "$2" != - ] && echo "ours $2" || echo "ours (no version)" ;;
	upstream) [ "$4" != - ] && echo "Debian $4" || echo "Linux $3" ;;
	*) echo "not loaded" ;;
	esac
}

# figure <label> <value>: a row of make lab's side-by-side table
# (COMPARE=1, scripts/lab/lab.sh), in the column of the pair in force
figure() { echo "LAB-FIGURE $(cat $LAB_RUN/front)/$(cat $LAB_RUN/back) $1: $2"; }

# ------------------------------------------------------------------
# The guest
# ------------------------------------------------------------------

guest_domid() { xl domid $DOMU 2>/dev/null; }
guest_running() { [ -n "$(guest_domid)" ]; }
# guest_alive: the guest recorded in $GUEST_DIR/domid still exists.  It asks
# XenStore, not xl: g polls it ten times a second, and every xl command
# costs dom0 a good part of a second under TCG.  A destroyed domain's
# directory goes with it, and domids are not reused within a boot.
guest_alive() {
	local d=
	[ -f $GUEST_DIR/domid ] && read -r d < $GUEST_DIR/domid
	[ -n "$d" ] && [ "$(xenstore-read /local/domain/$d/name 2>/dev/null)" = "$DOMU" ]
}

# guest_start [ours|upstream] [params...]: start the guest with that
# frontend (default: the one in force, with its parameters) and wait for
# its agent.  GUEST_DISKS, when set, is the guest's disk list in xl's
# syntax ("'spec', 'spec'"): a disk with backendtype=qdisk there makes
# libxl start QEMU as the guest's device model, which then also serves
# the qdisk disks attached later (libxl starts none for a hot-plug).
# GUEST_MEM: its memory in MiB (default 512)
guest_start() {
	local front=${1:-$(cat $GUEST_DIR/front)} d i params mitig
	if [ $# -gt 0 ]; then
		shift
	else
		# no arguments: the frontend and parameters in force
		set -- $(cat $GUEST_DIR/fparams)
	fi
	params=$(echo "$*" | tr ' ' ':')
	mitig=$(conf LAB_MITIGATIONS)
	[ "${mitig:-off}" = off ] && mitig=" mitigations=off" || mitig=
	guest_running && guest_stop
	cat > $GUEST_DIR/$DOMU.cfg <<CFG
name = "$DOMU"
type = "pv"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd.cpio"
extra = "console=hvc0 loglevel=6 log_buf_len=4M$mitig xenlab.front=$front xenlab.fparams=$params"
memory = ${GUEST_MEM:-512}
vcpus = 2
on_poweroff = "destroy"
on_crash = "destroy"
CFG
	[ -z "${GUEST_DISKS:-}" ] || echo "disk = [ $GUEST_DISKS ]" >> $GUEST_DIR/$DOMU.cfg
	echo "$front" > $GUEST_DIR/front
	echo "$*" > $GUEST_DIR/fparams
	echo 0 > $GUEST_DIR/seq
	local t0
	t0=$(up)
	if ! xl create $GUEST_DIR/$DOMU.cfg >$GUEST_DIR/xl-create.log 2>&1; then
		# The toolstack gives up on a guest whose console xenconsoled
		# has not announced within its timeout, which a loaded TCG host
		# can miss (seen once in make check, 2026-11-25: "console tty:
		# timed out").
		# That is the lab's toolstack, not a disk driver: once more,
		# after clearing what is left of the first attempt.
		cat $GUEST_DIR/xl-create.log
		note "xl create failed; once more"
		xl destroy $DOMU > /dev/null 2>&1
		xl create $GUEST_DIR/$DOMU.cfg >$GUEST_DIR/xl-create.log 2>&1 ||
			{ cat $GUEST_DIR/xl-create.log; fail "xl create"; return 1; }
	fi
	d=$(guest_domid)
	echo "$d" > $GUEST_DIR/domid
	i=0
	while [ "$(xenstore-read /local/domain/$d/data/agent 2>/dev/null)" != ready ]; do
		sleep 0.2
		i=$((i + 1))
		if [ $i -gt 900 ] || ! guest_alive; then
			tail -n 30 /var/log/xen/guest-$DOMU.log
			fail "guest $DOMU: agent did not come up"
			return 1
		fi
	done
	note "guest $DOMU (domid $d, front=$front $*) up after $(echo "$(up) $t0" | awk '{print $1-$2}') s"
	restart_trace_stop
}

guest_ensure() { guest_alive || guest_start; }

# guest_stop: the guest destroyed; notes how long it took.  Under
# LAB_TRACE_RESTART=1 it also waits until Xen has let go of the old domain
# (a dying domain keeps its memory until every page it granted is
# unmapped), notes when, and a sampler records Xen's view until the next
# guest is up (restart_trace_start)
guest_stop() {
	local d= t0 t1
	guest_running || return 0
	# the run's guest only (not domu2, guest2)
	if [ "$(conf LAB_TRACE_RESTART)" = 1 ] && [ "$GUEST_DIR" = "$LAB_RUN" ]; then
		[ -f $GUEST_DIR/domid ] && read -r d < $GUEST_DIR/domid
		restart_trace_start
	fi
	t0=$(up)
	xl destroy $DOMU
	t1=$(up)
	# xl list names a dying domain "(null)" until Xen frees it (120 s at most)
	while [ -n "$d" ] && xl list "$d" >/dev/null 2>&1 &&
	      [ "$(echo "$(up) $t0" | awk '{ print ($1 - $2 < 120) }')" = 1 ]; do
		sleep 0.2
	done
	if [ -n "$d" ]; then
		note "guest $DOMU (domid $d) destroyed in $(echo "$t1 $t0" | awk '{print $1-$2}') s, gone after $(echo "$(up) $t0" | awk '{print $1-$2}') s"
	else
		note "guest $DOMU destroyed in $(echo "$t1 $t0" | awk '{print $1-$2}') s"
	fi
	rm -f $GUEST_DIR/domid
}

# restart_trace_start: until restart_trace_stop (the next guest is up), for
# 50 samples at most, every 3 s: Xen's free memory, the domain list, dom0's
# balloon and Xen's run queues (debug key r, on Xen's console); every 9 s
# also every physical CPU's registers and stack (debug key d)
restart_trace_start() {
	local token
	token=$(up)
	# the sampler runs while $LAB_RUN/rtrace holds its token
	echo "$token" > $LAB_RUN/rtrace
	# boot.sh's host side types debug keys into Xen's console from here on
	# (the samples below stop whenever dom0 does)
	echo "RTRACE-BEGIN $token" > /dev/console
	(
		n=0
		while [ $n -lt 50 ] && [ "$(cat $LAB_RUN/rtrace 2>/dev/null)" = "$token" ]; do
			n=$((n + 1))
			echo "RTRACE $(up) free_mb=$(xl info 2>/dev/null | awk '/^free_memory/ {print $3}') balloon_kb=$(cat /sys/devices/system/xen_memory/xen_memory0/info/current_kb 2>/dev/null)/$(cat /sys/devices/system/xen_memory/xen_memory0/target_kb 2>/dev/null) load=$(cut -d' ' -f1-3 /proc/loadavg)"
			xl list 2>&1 | sed 's/^/RTRACE   /'
			xl debug-keys r
			[ $((n % 3)) = 1 ] && xl debug-keys d
			sleep 3
		done
	) > /dev/console 2>&1 &
}

restart_trace_stop() { rm -f $LAB_RUN/rtrace; }

# qdisk_guest_end: after a scenario whose guest had qdisk disks, the run's
# guest again without them (frontend and parameters in force): QEMU, the
# device model of the old guest, must end with it
qdisk_guest_end() {
	local i=0
	# shellcheck disable=SC2046
	GUEST_DISKS= guest_restart "$(cat $LAB_RUN/front)" $(cat $LAB_RUN/fparams)
	while pidof xen-qemu-system-i386 >/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "QEMU ended with its guest" sh -c '! pidof xen-qemu-system-i386 >/dev/null'
}

# guest_restart [ours|upstream] [params...]
guest_restart() {
	guest_stop
	guest_start "$@"
}

# front_swap ours|upstream [params...]: the running guest's xen-blkfront
# replaced (lab-front), the guest kept: a guest's start costs about 20 s
# under TCG, a module's reload a second or two.  No disk may be attached.
# Starts the guest when none runs.
front_swap() {
	guest_alive || { guest_start "$@"; return; }
	g "lab-front $*" || { fail "lab-front $*"; return 1; }
	echo "$1" > $GUEST_DIR/front
	shift
	echo "$*" > $GUEST_DIR/fparams
}

# g <command...>: run a shell command in the guest; prints its output and
# returns its exit status (1 with a note when the guest does not answer
# within G_TIMEOUT seconds, or goes away).  lab-xs (tests/lab/tools/lab-xs.c)
# speaks XenStore itself, woken by a watch on the guest's answer: one
# static process per command, where xenstore-read and friends cost dom0 a
# process each, and polling a dozen more.
g() {
	local d seq
	guest_ensure || return 1
	read -r d < $GUEST_DIR/domid
	read -r seq < $GUEST_DIR/seq
	seq=$((seq + 1))
	echo $seq > $GUEST_DIR/seq
	/lab/lab-xs ask "$d" "$seq" "$G_TIMEOUT" "$*"
}

# The second guest, "domu2": 256 MiB (with dom0's 1536 and the run's
# guest's 512 it fits the 3584 MiB that boot.sh gives QEMU, Xen's own
# needs included), our xen-blkfront without parameters, its state in
# $LAB_RUN/domu2.  It starts only when asked (about 20 s under TCG) and
# is no scenario's business but the one that started it: that one stops it.
DOMU2=domu2

# guest2 <function> [args...]: a function of this library that acts on the
# guest (g, attach, detach, bk_stat, fio_loop_start, ...) acting on the
# second guest instead
guest2() { DOMU=$DOMU2 GUEST_DIR=$LAB_RUN/$DOMU2 GUEST_MEM=256 "$@"; }

# guest2_start: start the second guest (GUEST_DISKS does not apply) and
# copy its console to dom0's, its lines prefixed "DOMU2>" as the run's
# guest's are "DOMU>"
guest2_start() {
	mkdir -p $LAB_RUN/$DOMU2
	GUEST_DISKS= guest2 guest_start ours || return 1
	[ -f $LAB_RUN/$DOMU2/console ] && return 0
	touch $LAB_RUN/$DOMU2/console
	tail -n +1 -F /var/log/xen/guest-$DOMU2.log 2>/dev/null |
		while IFS= read -r l; do echo "DOMU2> $l"; done > /dev/console 2>&1 &
}

# g2 <command...>: g in the second guest
g2() { guest2 g "$@"; }

# guest2_stop: the second guest destroyed, when it runs (asks no xl when
# it was never started: scenarios call this on every exit)
guest2_stop() {
	rm -f $LAB_RUN/$DOMU2/vbd
	[ -f $LAB_RUN/$DOMU2/domid ] || return 0
	guest2 guest_stop
	rm -f $LAB_RUN/$DOMU2/domid
}

# back_again <loop device>: after a scenario played the backend itself, the
# run's xen-blkback loads again, <loop device> and its file go, and a fresh
# disk that xen-blkback serves passes fio verify
back_again() {
	local lo=$1 file
	check "xen-blkback loads again" back_load "$(cat $LAB_RUN/back)" $(cat $LAB_RUN/bparams)
	file=$(cat /sys/block/${lo#/dev/}/loop/backing_file 2>/dev/null)
	losetup -d "$lo"
	rm -f "$file"
	lo=$(disk_loop 16) || { fail "no loop device"; return 1; }
	file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
	attach "$lo" xvdb w && check "I/O through the real backend" \
		fio_verify xvdb --rw=randwrite --bs=4k --iodepth=8 --size=2M
	detach xvdb
	losetup -d "$lo"
	rm -f "$file"
}

# hand_attach <dev> <vdev> <r|w>: attach a disk that a lab tool in the guest
# plays the frontend of (blkif-evil, blkif-fuzzfront): nothing else in the
# guest answers for it
hand_attach() {
	xl block-attach $DOMU "format=raw,vdev=$2,access=$3,script=lab-block,target=$1" ||
		{ fail "xl block-attach $1 as $2"; return 1; }
}

# hand_detach <vdev>: detach and wait until dom0 released the device
hand_detach() {
	local dir i=0
	dir=$(bk_dir "$1")
	xl block-detach $DOMU "$1" || { fail "xl block-detach $1"; return 1; }
	while [ -d "$dir" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "$1: backend device released" "$(ls -d "$dir" 2>/dev/null | wc -l)" 0
}

# guest_hand_frontend: the guest without xen-blkfront, with the devices
# through which blkif-evil plays a frontend by hand (event channels and
# grant allocation)
guest_hand_frontend() {
	check "xen-blkfront unloaded in the guest" \
		g '[ ! -d /sys/module/xen_blkfront ] || rmmod xen_blkfront'
	check "xen-evtchn and xen-gntalloc in the guest" g '
		for m in xen-evtchn xen-gntalloc; do
			for f in $(sed -n "s|^$m: ||p" /lib/modules/order); do
				[ -d /sys/module/$(basename $f .ko | tr - _) ] || insmod $f || exit 1
			done
		done
		i=0
		while ! { [ -c /dev/xen/evtchn ] && [ -c /dev/xen/gntalloc ]; } && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		[ -c /dev/xen/evtchn ] && [ -c /dev/xen/gntalloc ]'
}

# ------------------------------------------------------------------
# Backing devices
# ------------------------------------------------------------------

next_id() { # a counter per kind, so names never repeat within a boot
	local f=$LAB_RUN/n.$1 n
	n=$(($(cat $f 2>/dev/null || echo 0) + 1))
	echo $n > $f
	echo $n
}

# disk_loop <MiB>: a sparse file on dom0's tmpfs behind a loop device
disk_loop() {
	local n f dev
	n=$(next_id loop)
	f=/tmp/disk$n.img
	dd if=/dev/zero of=$f bs=1M count=0 seek="$1" 2>/dev/null
	dev=$(losetup -f) || return 1
	losetup "$dev" $f || return 1
	echo "$dev"
}

# disk_null <MiB> <block size>: memory-backed null_blk (contents kept)
disk_null() {
	local n d
	n=$(next_id null)
	d=/sys/kernel/config/nullb/lab$n
	mkdir $d || return 1
	echo "$1" > $d/size
	echo "$2" > $d/blocksize
	echo 1 > $d/memory_backed
	echo 1 > $d/discard 2>/dev/null
	echo 1 > $d/power || return 1
	echo /dev/lab$n
}

# disk_dm_error <MiB>: every I/O fails
disk_dm_error() {
	local n
	n=$(next_id dm)
	dmsetup create lab-err$n --noudevsync --table "0 $(($1 * 2048)) error" || return 1
	echo "/dev/$(dmsetup info -c --noheadings -o blkdevname lab-err$n)"
}

# disk_dm_flakey <MiB> <up s> <down s>: a loop disk that fails all I/O for
# <down> seconds after every <up> seconds
disk_dm_flakey() {
	local n lo
	lo=$(disk_loop "$1") || return 1
	n=$(next_id dm)
	dmsetup create lab-flakey$n --noudevsync \
		--table "0 $(($1 * 2048)) flakey $lo 0 $2 $3" || return 1
	echo "/dev/$(dmsetup info -c --noheadings -o blkdevname lab-flakey$n)"
}

# disk_dm_linear <MiB>: a loop disk behind dm-linear; `dmsetup suspend
# --noflush` on its name (/sys/block/dm-N/dm/name) holds every new I/O until
# `dmsetup resume`
disk_dm_linear() {
	local n lo
	lo=$(disk_loop "$1") || return 1
	n=$(next_id dm)
	dmsetup create lab-linear$n --noudevsync \
		--table "0 $(($1 * 2048)) linear $lo 0" || return 1
	echo "/dev/$(dmsetup info -c --noheadings -o blkdevname lab-linear$n)"
}

# ------------------------------------------------------------------
# Attaching disks to the guest
# ------------------------------------------------------------------

# vdev_devid xvdX: the Xen device id of a virtual disk name
vdev_devid() {
	local l i
	l=${1#xvd}
	i=$(printf '%d' "'$l")
	echo $(((202 << 8) | ((i - 97) << 4)))
}

# attach <dev> <vdev> [r|w] [xen|qdisk]: xl block-attach; "xen" uses Xen's
# own hotplug script (slow under TCG), the default the lab's minimal one;
# "qdisk": QEMU's backend serves <dev> (an image file or a device), which
# needs a guest started with a qdisk disk (GUEST_DISKS) and BK_TYPE=qdisk
# for the bk_* and xs_back functions
attach() {
	local dev=$1 vdev=$2 mode=${3:-w} script=",script=lab-block"
	case "${4:-}" in
	xen) script= ;;
	qdisk) script=",backendtype=qdisk" ;;
	esac
	guest_ensure || return 1
	xl block-attach $DOMU "format=raw,vdev=$vdev,access=$mode$script,target=$dev" ||
		{ fail "xl block-attach $dev as $vdev"; return 1; }
	g "i=0; while [ ! -b /dev/$vdev ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; [ -b /dev/$vdev ]" >/dev/null ||
		{ fail "/dev/$vdev did not appear in the guest"; g "dmesg | tail -n 20"; return 1; }
}

# detach <vdev>: xl block-detach and wait until the guest lost the disk
detach() {
	xl block-detach $DOMU "$1" || { fail "xl block-detach $1"; return 1; }
	g "i=0; while [ -b /dev/$1 ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done; [ ! -b /dev/$1 ]" >/dev/null ||
		{ fail "/dev/$1 still present in the guest"; return 1; }
}

# XenStore and sysfs of an attached disk (BK_TYPE=qdisk: of a disk QEMU
# serves)
bk_path() { echo "/local/domain/0/backend/${BK_TYPE:-vbd}/$(cat $GUEST_DIR/domid)/$(vdev_devid "$1")"; }
fe_path() { echo "/local/domain/$(cat $GUEST_DIR/domid)/device/vbd/$(vdev_devid "$1")"; }
xs_back() { xenstore-read "$(bk_path "$1")/$2" 2>/dev/null; }
xs_front() { xenstore-read "$(fe_path "$1")/$2" 2>/dev/null; }
# xs_wait <key> <value> <seconds> [<poll every, s>]: until XenStore <key>
# holds <value>; non-zero when it does not within <seconds> (polled every
# 0.2 s, or less often through a whole stream: each look costs dom0 a
# process)
xs_wait() {
	local end=$(($(date +%s) + $3))
	while [ "$(xenstore-read "$1" 2>/dev/null)" != "$2" ]; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep ${4:-0.2}
	done
}
bk_dir() { echo "/sys/bus/xen-backend/devices/vbd-$(cat $GUEST_DIR/domid)-$(vdev_devid "$1")"; }
bk_stat() { cat "$(bk_dir "$1")/statistics/$2" 2>/dev/null; }

# The backend's ring threads.  Both backends' are kernel threads, so
# children of kthreadd (pid 2), which its children file lists, and each
# one's comm names it (ours: blkback.<domid>.<ring>; the distro's:
# blkback.<domid>.<vdev>-<ring>, cut to 15 characters).  awk reads them:
# busybox sh's read takes a byte per system call, which in a PV dom0
# under TCG cost the CPU watch below 6.5% of a CPU (2026-11-27), and a
# look through all of /proc in the shell took 0.3 s.
# RT_AWK, awk functions for lib.sh's awk programs:
#   rt_look(d): ring[] = the ring threads of domain d (pid -> 1).  seen[]
#     remembers every kernel thread classified (1: a ring thread of d, 0:
#     not), across calls of one program, so that only new ones are read;
#     pids no longer listed are forgotten (a pid may be reused).  A thread
#     still named kthreadd is not named yet: it is read again next time.
#   rt_ticks(p, d): user + system CPU time of thread p in 1/100 s, or -1
#     when it is gone (or, with d, is no ring thread of d: a pid reused)
RT_AWK='
function rt_look(d,    f, line, n, i, k, p, c, now) {
	for (p in ring)
		delete ring[p]
	f = "/proc/2/task/2/children"
	line = ""
	getline line < f
	close(f)
	n = split(line, k, " ")
	for (i = 1; i <= n; i++) {
		p = k[i]
		now[p] = 1
		if (!(p in seen)) {
			f = "/proc/" p "/comm"
			c = ""
			if ((getline c < f) > 0 && c != "kthreadd")
				seen[p] = index(c, "blkback." d ".") == 1
			close(f)
		}
		if ((p in seen) && seen[p])
			ring[p] = 1
	}
	for (p in seen)
		if (!(p in now))
			delete seen[p]
}
function rt_ticks(p, d,    f, s, v) {
	f = "/proc/" p "/stat"
	s = ""
	getline s < f
	close(f)
	if (split(s, v, " ") < 15)
		return -1
	if (d != "" && index(v[2], "(blkback." d ".") != 1)
		return -1
	return v[14] + v[15]
}
'

# ring_threads <domid>: the pids of the domain's ring threads now
ring_threads() {
	awk -v d="$1" "$RT_AWK"'BEGIN { rt_look(d); for (p in ring) print p }'
}

# thread_ticks <pid>...: the user + system CPU time of these threads, in
# 1/100 s; a thread gone counts nothing
thread_ticks() {
	awk -v pids="$*" "$RT_AWK"'BEGIN {
		n = split(pids, k, " ")
		for (i = 1; i <= n; i++)
			if ((v = rt_ticks(k[i], "")) > 0)
				t += v
		print t + 0
	}'
}

# ring_ticks <domid>: thread_ticks of the domain's ring threads now
ring_ticks() {
	awk -v d="$1" "$RT_AWK"'BEGIN {
		rt_look(d)
		for (p in ring)
			if ((v = rt_ticks(p, d)) > 0)
				t += v
		print t + 0
	}'
}

# bk_released [seconds]: our backend holds no grant of any guest (after
# waiting up to <seconds> for its unmaps, default none) and lost no page.
# While an honest neighbour runs (honest_start), its disk's own mappings
# are left out: bk_unreleased.
bk_released() {
	local d=/sys/bus/xen-backend/drivers/vbd i=0 left nb=
	[ -f $LAB_RUN/$DOMU2/vbd ] && read -r nb < $LAB_RUN/$DOMU2/vbd
	while left=$(bk_unreleased "$nb"); [ "$left" != 0 ] &&
		[ $i -lt $((${1:-0} * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "grants still mapped by the backend${nb:+, the honest neighbour disk apart}" \
		"$left" 0
	check_eq "pages lost to failed unmaps" "$(cat $d/pages_leaked)" 0
}

# bk_unreleased [<vbd dir>]: the grants our backend maps now
# (drivers/vbd/grants_mapped), less those of the disk <vbd dir>
# (statistics/grants_mapped, which moves in step with the driver's
# count), or "moving" when that disk's count changed while it was read
bk_unreleased() {
	local drv=/sys/bus/xen-backend/drivers/vbd/grants_mapped all a b
	if [ -z "$1" ]; then
		read -r all < $drv
		echo "$all"
		return
	fi
	read -r a 2>/dev/null < "$1/statistics/grants_mapped" || { echo "no $1"; return; }
	read -r all < $drv
	read -r b 2>/dev/null < "$1/statistics/grants_mapped"
	if [ "$a" = "$b" ]; then
		echo $((all - a))
	else
		echo moving
	fi
}

# bk_vbd_released <vdev> [seconds]: the disk's own grants are all unmapped
# (statistics/grants_mapped 0, after waiting up to <seconds>): for a disk
# whose frontend has closed, before it is detached (our backend)
bk_vbd_released() {
	local i=0 n
	while n=$(bk_stat "$1" grants_mapped); [ "$n" != 0 ] &&
		[ $i -lt $((${2:-0} * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "$1: grants of the disk still mapped (statistics/grants_mapped)" "$n" 0
}

# active_grants <domid>: entries of the domain's grant table that some
# domain maps right now, as Xen itself counts them (debug key 'g'), or
# "lost" (and a failure) when the dump did not reach dom0 whole.  Xen
# prints every domain's table into its console ring, which xl dmesg reads:
# boot.sh makes that ring 1 MiB (conring_size), as with the default 16 KiB
# a busy guest's table (an honest neighbour's persistent grants: 400 and
# more lines) pushed the tables printed before it out of the ring
# (2026-11-27: the fuzzed guest's two rings read as 0).
active_grants() {
	local i=0 n
	xl dmesg -c >/dev/null
	xl debug-keys g
	while ! xl dmesg | grep -q 'gnttab_usage_print_all \] done' && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	n=$(xl dmesg | awk -v d="remote d$1 " '
		/gnttab_usage_print_all \[ key/ { begun = 1 }
		/gnttab_usage_print_all \] done/ { ended = 1 }
		/grant-table for remote d/ { on = index($0, d) > 0; seen += on; next }
		/-------- active|\] done/ { on = 0 }
		on && /\[0x[0-9a-f]+\]/ { n++ }
		END { if (begun && ended && seen == 1) print n + 0; else print "lost" }')
	[ "$n" = lost ] &&
		fail "Xen's grant table dump of d$1 did not reach dom0 whole (xl dmesg)" >&2
	echo "$n"
}

# negotiated <vdev>: one line of what the two ends agreed on
negotiated() {
	local v=$1 q
	q=$(xs_front "$v" multi-queue-num-queues)
	echo "rings=${q:-1} ring-page-order=$(xs_front "$v" ring-page-order || echo 0)" \
		"indirect-segments=$(xs_back "$v" feature-max-indirect-segments || echo 0)" \
		"persistent=back:$(xs_back "$v" feature-persistent || echo 0)/front:$(xs_front "$v" feature-persistent || echo 0)" \
		"flush=$(xs_back "$v" feature-flush-cache || echo 0) barrier=$(xs_back "$v" feature-barrier || echo 0)" \
		"discard=$(xs_back "$v" feature-discard || echo 0) protocol=$(xs_front "$v" protocol || echo native)"
}

# ------------------------------------------------------------------
# fio in the guest
# ------------------------------------------------------------------

# fio_verify <vdev> <fio options...>: write then read back with crc32c
# verification; returns fio's status and prints its errors
fio_verify() {
	local v=$1
	shift
	g "fio --name=verify --filename=/dev/$v --direct=1 --ioengine=libaio --verify=crc32c \
		--do_verify=1 --verify_fatal=1 --output-format=terse --terse-version=3 $* >/tmp/fio.out 2>&1; \
		rc=\$?; [ \$rc -eq 0 ] || tail -n 20 /tmp/fio.out; exit \$rc"
}

# fio_iops <vdev> <fio options...>: prints "read_iops write_iops read_kBps write_kBps"
fio_iops() {
	local v=$1
	shift
	g "fio --name=perf --filename=/dev/$v --direct=1 --ioengine=libaio --output-format=terse \
		--terse-version=3 $* 2>&1 | awk -F';' 'NF > 50 { print \$8, \$49, \$7, \$48 }'"
}

# fio_loop_start <vdev> [size [fio options...]]: in the guest, fio verify
# runs back to back on the disk (random writes of 4k-256k at depth 16,
# <size> each, default 16M, then the options) until fio_loop_stop
fio_loop_start() {
	local v=$1 size=${2:-16M}
	shift
	[ $# -gt 0 ] && shift
	g "rm -f /tmp/stop /tmp/fio.fail /tmp/fio.runs /tmp/fio.*.log; (n=0; while [ ! -f /tmp/stop ]; do
		fio --name=v --filename=/dev/$v --direct=1 --ioengine=libaio --verify=crc32c \
			--do_verify=1 --verify_fatal=1 --rw=randwrite --bsrange=4k-256k --iodepth=16 \
			--size=$size $* > /tmp/fio.\$n.log 2>&1 || echo \$n >> /tmp/fio.fail; n=\$((n + 1));
		done; echo \$n > /tmp/fio.runs) >/dev/null 2>&1 &"
}

# fio_loop_stop [eio]: stop the loop of fio_loop_start and judge it: it
# ended, and no run failed; with "eio", runs may have failed, but each only
# on an I/O error (or a disk gone), never on data that read back wrong
fio_loop_stop() {
	g 'touch /tmp/stop; i=0; while [ ! -f /tmp/fio.runs ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done; cat /tmp/fio.runs' >/dev/null
	summary "fio verify runs completed: $(g 'cat /tmp/fio.runs'), failed: $(g 'cat /tmp/fio.fail 2>/dev/null | wc -l')"
	check "fio loop finished" g '[ -f /tmp/fio.runs ]'
	if [ "${1:-}" = eio ]; then
		check "fio runs failed only on I/O errors, never on verify" g '
			for n in $(cat /tmp/fio.fail 2>/dev/null); do
				if grep -qiE "verify failed|bad magic|bad header|verify type mismatch|bad pattern" /tmp/fio.$n.log ||
				   ! grep -qE "Input/output error|No such device|No such file" /tmp/fio.$n.log; then
					tail -n 15 /tmp/fio.$n.log; exit 1
				fi
			done'
	else
		check "zero fio verify failures" g 'if [ -s /tmp/fio.fail ]; then for n in $(cat /tmp/fio.fail); do tail -n 15 /tmp/fio.$n.log; done; exit 1; fi'
	fi
}

# ------------------------------------------------------------------
# An honest neighbour of a fuzzed backend (FUZZ_HONEST=1)
# ------------------------------------------------------------------

# The slowest a 4 KiB read of the honest disk may be while another guest
# fuzzes the backend, in ms.  Measured (6.1, TCG, 3000 requests of seed
# 1, 2026-11-27): slowest 116 ms and 77 ms in two boots (about 100 reads
# each, mean 17 ms); the bound leaves a loaded host's TCG stalls room.
HONEST_MAX_MS=1000
# The most CPU time the fuzzed guest's ring threads may take per request
# played, in microseconds.  Measured as above: 1740 and 1903 us (the
# threads' CPU over the whole stream, refused and raced requests, purges
# and connection setup included).
HONEST_MAX_CPU_US=5000

# honest_on: the run asked for an honest neighbour (FUZZ_HONEST=1)
honest_on() { [ "$(conf FUZZ_HONEST)" = 1 ]; }

# How often vbd_cpu_start notes the ring threads' CPU time, in seconds.
# One awk reads their stat files at each note (a system call or two per
# file); the shell in front of it only waits on a FIFO (read -t) and
# expands the domain's disks' connection/nr_rings: no process is started
# per note.  It looks for threads (rt_look, which reads only kernel
# threads it has not seen) only when a thread noted is gone or the disks
# have more rings than threads are known (a connection began).  The first
# version read all of /proc every 0.5 s in the shell: 300 s of dom0's CPU
# in 499 s (2026-11-27, 6.1, TCG).  This one, measured 2026-11-27 (6.1,
# TCG): 27/1000 of a CPU over the
# hostile-frontend stream (26 ms a note) and 15/1000 over the
# control-plane fuzzer's (15 ms a note, mostly with no thread to read): a
# note wakes two processes, and in a PV dom0 under TCG that alone costs
# about 15 ms.  A longer period would miss most of each connection's
# threads, which live a few seconds and are busiest at their end.
VBD_CPU_PERIOD=1
# The most CPU the watching may take, in 1/1000 of a CPU over the time it
# watched.  The bound keeps the instrument from disturbing what it
# measures: the ring threads it watches take 1700-1900 us a request at
# 100-400 requests a second (17-76% of a CPU), and the first version of
# the watch took 60% of one.  Twice the measured 27/1000, under a tenth
# of the smallest load it measures.  Accounting that needs no polling
# (CPU time kept by the backend per disk) would take the watch away.
VBD_CPU_MAX_OWN=50

# vbd_cpu_start <domid>: every VBD_CPU_PERIOD seconds, the CPU time (user
# + system, 1/100 s) of each xen-blkback ring thread serving <domid> is
# noted.  A connection's threads end with it, so the last note of each
# thread is what it took, short of its last period at most.  Until
# vbd_cpu_stop, or the end of the scenario's shell.  With the distro's
# backend, whose disks show no ring count, it looks again every 5 periods
# while it knows no thread.
vbd_cpu_start() {
	local sh=$$ fifo=$LAB_RUN/cpu.fifo counted=0
	rm -f $fifo $LAB_RUN/cpu.result $LAB_RUN/cpu.own
	mkfifo $fifo || { fail "mkfifo $fifo"; return 1; }
	[ "$(cat $LAB_RUN/back)" = ours ] && counted=1
	(
		exec 3<> $fifo
		# a line per note: the disks' ring counts (an unmatched
		# pattern when there is none)
		while [ -d /proc/$sh ]; do
			echo /sys/bus/xen-backend/devices/vbd-$1-*/connection/nr_rings
			read -r -t $VBD_CPU_PERIOD -u 3 w && [ "$w" = stop ] && break
		done | awk -v d="$1" -v counted=$counted -v out=$LAB_RUN/cpu.result "$RT_AWK"'
		BEGIN { look = 1 }
		{
			if (look) {
				rt_look(d)
				looks++
			}
			look = 0
			n = 0
			for (p in ring) {
				if ((v = rt_ticks(p, d)) < 0) {
					look = 1
					continue
				}
				last[p] = v
				n++
			}
			want = 0
			for (i = 1; i <= NF; i++) {
				f = $i
				r = 0
				getline r < f
				close(f)
				want += r
			}
			if (counted ? (n < want) : (n == 0 && NR % 5 == 0))
				look = 1
		}
		END {
			for (p in last) {
				t += last[p]
				k++
			}
			print t + 0, k + 0, looks + 0 > out
		}'
		# what the watching took: this shell and its children, the
		# loop and awk
		read -r st < /proc/self/stat
		set -- $st
		echo $((${14} + ${15} + ${16} + ${17})) > $LAB_RUN/cpu.own
	) &
	echo "$! $(up)" > $LAB_RUN/cpu.run
}

# vbd_cpu_stop: stop the notes of vbd_cpu_start and print
# "<ticks> <threads> <seconds> <own ticks> <looks>": the CPU time of the
# threads seen (1/100 s), how many there were, the seconds it watched, the
# CPU time the watching itself took (1/100 s) and how often it looked for
# threads; nothing when the watching ended on its own
vbd_cpu_stop() {
	local t0 i=0 ticks threads looks own
	read -r _ t0 < $LAB_RUN/cpu.run
	# <> opens a FIFO without waiting for a reader
	echo stop 1<> $LAB_RUN/cpu.fifo
	while [ ! -s $LAB_RUN/cpu.own ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rm -f $LAB_RUN/cpu.fifo
	[ -s $LAB_RUN/cpu.result ] && [ -s $LAB_RUN/cpu.own ] || return 1
	read -r ticks threads looks < $LAB_RUN/cpu.result
	read -r own < $LAB_RUN/cpu.own
	echo "$ticks $threads $(echo "$(up) $t0" | awk '{ print int($1 - $2) }') $own $looks"
}

# honest_start <domid>: under FUZZ_HONEST=1, while the guest <domid> fuzzes
# the backend, the second guest's own disk (64 MiB of null_blk, served by
# the run's backend) runs fio verify back to back on its first 16 MiB
# (fio_loop_start), writing 2 MiB a second, and a probe reads 4 KiB with
# O_DIRECT every 2 s from its last 32 MiB, timing each read (fio: psync,
# think time 2 s); the ring threads of <domid>'s disks are timed
# (vbd_cpu_start).  honest_stop judges.
# Unpaced, the verify loop took most of the lab's two emulated CPUs
# (2026-11-27, 6.1, a loaded host: the fuzzer played 97 requests a second,
# and each of dom0's checks took seconds).  Paced (fio's rate: its verify
# reads are not paced), a pass takes 8 s of writes and its verify.  fio's
# rate_iops is no help: with a range of block sizes it paces bytes as if
# every block were the smallest.
honest_start() {
	local dev
	honest_on || return 0
	rm -f $LAB_RUN/cpu.run
	guest2_start || return 1
	dev=$(disk_null 64 512) || { fail "$DOMU2: no null_blk disk"; return 1; }
	echo "$dev" > $LAB_RUN/$DOMU2/disk
	guest2 attach "$dev" xvdb w || return 1
	# bk_released leaves this disk's mappings out
	guest2 bk_dir xvdb > $LAB_RUN/$DOMU2/vbd
	note "honest neighbour $DOMU2 (domid $(cat $LAB_RUN/$DOMU2/domid)): $(guest2 negotiated xvdb)"
	guest2 fio_loop_start xvdb 16M --rate=2m
	g2 'setsid fio --name=probe --filename=/dev/xvdb --direct=1 --ioengine=psync \
		--rw=randread --bs=4k --offset=32M --size=32M --thinktime=2s --time_based \
		--runtime=1000000 --output-format=terse --terse-version=3 --output=/tmp/probe.out \
		</dev/null >/tmp/probe.err 2>&1 & echo $! > /tmp/probe.pid' ||
		fail "$DOMU2: the probe did not start"
	vbd_cpu_start "$1"
}

# honest_stop [<requests>]: the end of honest_start, judged: every fio
# verify pass of the second guest verified, and there was one at least;
# the probe read, and no read took over HONEST_MAX_MS; its kernel log is
# clean.  With <requests> (those the fuzzer played meanwhile), the fuzzed
# guest's ring threads took at most HONEST_MAX_CPU_US of CPU per request
# (with our backend; with the distro's, the figure is printed).  Then the
# disk goes, and the second guest with it.
honest_stop() {
	local req=${1:-} cpu ticks threads secs own looks us out reads maxms meanms runs failed dir dev i n
	honest_on || return 0
	if [ ! -f $LAB_RUN/cpu.run ]; then
		fail "the honest neighbour did not start"
		guest2_stop
		return 1
	fi
	cpu=$(vbd_cpu_stop) || fail "the watch of the fuzzed guest's ring threads ended early"
	rm -f $LAB_RUN/cpu.run
	read -r ticks threads secs own looks <<CPU
$cpu
CPU
	check_ge "ring threads of the fuzzed guest seen" "$threads" 1
	summary "honest: the fuzzed guest's ring threads took $((ticks * 10)) ms of CPU in $secs s ($threads threads; watching them took $((own * 10)) ms, $looks looks for threads)"
	check_le "watching the ring threads: dom0 CPU (1/1000 of a CPU)" \
		"$(((own * 10 + secs - 1) / (secs ? secs : 1)))" $VBD_CPU_MAX_OWN
	if [ -n "$req" ]; then
		us=$((ticks * 10000 / (req ? req : 1)))
		summary "honest: the fuzzed guest's ring threads took $us us of CPU per request ($req requests)"
		figure "fuzzed ring threads' CPU per request (us)" "$us"
		[ "$(cat $LAB_RUN/back)" = ours ] &&
			check_le "fuzzed guest's ring threads: CPU per request (us)" "$us" $HONEST_MAX_CPU_US
	fi

	out=$(g2 'kill -TERM $(cat /tmp/probe.pid); i=0
		while kill -0 $(cat /tmp/probe.pid) 2>/dev/null && [ $i -lt 600 ]; do
			sleep 0.1; i=$((i + 1))
		done
		awk -F";" "NF > 50 { print \$6 / 4, int(\$39 / 1000), int(\$40 / 1000) }" /tmp/probe.out')
	read -r reads maxms meanms <<PROBE
$out
PROBE
	summary "honest: $DOMU2's probe: $reads reads of 4 KiB, slowest $maxms ms, mean $meanms ms"
	check_ge "$DOMU2's probe: reads" "$reads" 1
	check_le "$DOMU2's probe: slowest read (ms)" "$maxms" $HONEST_MAX_MS

	guest2 fio_loop_stop
	runs=$(g2 'cat /tmp/fio.runs')
	failed=$(g2 'cat /tmp/fio.fail 2>/dev/null | wc -l')
	summary "honest: $DOMU2's fio verify: $((${runs:-0} - ${failed:-0})) passes, ${failed:-?} failed"
	check_ge "$DOMU2: fio verify passes" "$((${runs:-0} - ${failed:-0}))" 1
	check_eq "$DOMU2: kernel log clean" \
		"$(g2 "dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|INFO: task .* blocked'")" ""

	dir=$(cat $LAB_RUN/$DOMU2/vbd)
	if [ "$(cat $LAB_RUN/back)" = ours ]; then
		# the scenario's disks are gone: the backend maps the
		# neighbour's grants, and its disk counts them all (the two
		# counts move in step)
		n=$(cat "$dir/statistics/grants_mapped")
		summary "honest: $DOMU2's disk maps $n grants (its statistics/grants_mapped), the backend $(cat /sys/bus/xen-backend/drivers/vbd/grants_mapped) in all"
		check_ge "$DOMU2's disk: grants mapped, by its own count" "$n" 1
		bk_released 10
	fi
	rm -f $LAB_RUN/$DOMU2/vbd
	guest2 detach xvdb
	guest2_stop
	i=0
	while [ -d "$dir" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "$DOMU2: backend device released" "$(ls -d "$dir" 2>/dev/null | wc -l)" 0
	# the scenario's disks are gone by now: every grant is unmapped,
	# the neighbour's too
	[ "$(cat $LAB_RUN/back)" = ours ] && bk_released 10
	dev=$(cat $LAB_RUN/$DOMU2/disk)
	echo 0 > /sys/kernel/config/nullb/${dev#/dev/}/power
	rmdir /sys/kernel/config/nullb/${dev#/dev/}
}
