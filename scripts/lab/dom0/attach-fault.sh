# SPDX-License-Identifier: GPL-2.0
# attach_fault_rounds, for the fault-injection scenarios of the debug
# kernel (sourced after lib.sh).  Each round arms one allocation failure in
# one of our modules (lab-fault, in the domain that runs the module), a
# little later in the attach than the round before, attaches a disk and
# judges:
#   connected  the disk came up anyway: verified I/O must work on it
#   failed     the disk did not connect: a fault fired, and the failure was
#              reported (the module's XenStore error node, a state of
#              Closing/Closed, or xl block-attach failing)
#   hung       neither within 60 s: a failure
# then detaches, and checks that the next connection, without the fault,
# attaches and serves verified I/O.  Rounds end when the fault no longer
# fires (every allocation of the attach came before it).
#
# attach_fault_rounds <dom0|guest> <module> <backing device>
# sets AF_ROUNDS and AF_FAILED (rounds, rounds whose attach failed).
#
# Also for the other fault scenarios: af_require (the debug kernel and our
# module), af_lab_fault (lab-fault in either domain), af_back_shortage and
# af_pool_drained (xen-blkback short of memory, its pool empty) and io_fault_fio
# (allocations failing again and again during fio verify).

af_require() { # front|back: the debug kernel, and our module on that side
	case "$(uname -r)" in
	*-debug) ;;
	*) fail "not the debug kernel: $(uname -r) (run with KVER=6.12-debug)"; exit 1 ;;
	esac
	[ "$(cat $LAB_RUN/$1)" = ours ] || { fail "needs $1=ours"; exit 1; }
}

af_lab_fault() { # where args...: lab-fault in dom0 or in the guest
	local where=$1
	shift
	if [ "$where" = dom0 ]; then
		/lab/lab-fault "$@"
	else
		g "lab-fault $*"
	fi
}

# af_back_shortage on|off [fn:<function>]: every page and slab allocation
# made from xen-blkback's code fails (on), or none (off); with a function,
# only those made while it runs (fn:blkback_ring_thread: the ring threads',
# so that a frontend still connects during the shortage)
af_back_shortage() {
	local f
	for f in failslab fail_page_alloc; do
		if [ "$1" = on ]; then
			af_lab_fault dom0 arm $f "${2:-xen_blkback}" 0 1000000 1 || fail "arm $f in dom0"
		else
			af_lab_fault dom0 disarm $f
		fi
	done
}

# af_pool_drained <vdev>: wait until the ring's page pool is empty (the
# partition scan's pages back in it, then trimmed on an idle ring)
af_pool_drained() {
	local i=0
	while [ "$(bk_stat "$1" pool_pages)" != 0 ] && [ $i -lt 40 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	check_eq "pool pages before the shortage" "$(bk_stat "$1" pool_pages)" 0
}

af_outcome() { # vdev errnode errnode2: connected, failed or hung
	local i=0 st fst
	while [ $i -lt 120 ]; do
		if g "[ -b /dev/$1 ]" >/dev/null; then echo connected; return; fi
		xenstore-exists "$2" 2>/dev/null && { echo failed; return; }
		xenstore-exists "$3" 2>/dev/null && { echo failed; return; }
		st=$(xs_back "$1" state)
		fst=$(xs_front "$1" state)
		case "$st/$fst" in 5/*|6/*|*/5|*/6) echo failed; return ;; esac
		sleep 0.5
		i=$((i + 1))
	done
	echo hung
}

af_cleanup() { # vdev errnodes...: the disk gone from both ends, error nodes removed
	local v=$1 i=0 e
	shift
	xl block-detach $DOMU $v >/dev/null 2>&1 || xl block-detach -f $DOMU $v >/dev/null 2>&1
	while xenstore-exists "$(bk_path $v)" 2>/dev/null && [ $i -lt 120 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	xenstore-exists "$(bk_path $v)" 2>/dev/null && fail "backend of $v still in XenStore"
	for e in "$@"; do xenstore-rm "$e" 2>/dev/null; done
	g "i=0; while [ -b /dev/$v ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done; [ ! -b /dev/$v ]" >/dev/null ||
		fail "/dev/$v still present in the guest"
}

attach_fault_rounds() {
	local where=$1 mod=$2 dev=$3 v=xvdb domid devid eback efront space xlrc outcome fired t0
	guest_ensure || return 1
	domid=$(cat $LAB_RUN/domid)
	devid=$(vdev_devid $v)
	eback=/local/domain/0/error/backend/vbd/$domid/$devid/error
	efront=/local/domain/$domid/error/device/vbd/$devid/error
	AF_ROUNDS=0
	AF_FAILED=0
	t0=$(up)
	for space in 0 64 256 1024 4096 16384 65536 262144; do
		# no round starts after 600 s: each may take 3 minutes on the
		# debug kernel, and the scenario has 900 s
		[ "$(echo "$(up) $t0" | awk '{print int($1 - $2)}')" -lt 600 ] || break
		AF_ROUNDS=$((AF_ROUNDS + 1))
		af_lab_fault $where arm failslab $mod $space 1 || { fail "arm failslab in $where"; return 1; }
		xl block-attach $DOMU "format=raw,vdev=$v,access=w,script=lab-block,target=$dev" \
			> /tmp/xl-attach.log 2>&1
		xlrc=$?
		outcome=$(af_outcome $v $eback $efront)
		fired=no
		af_lab_fault $where fired failslab && fired=yes
		af_lab_fault $where disarm failslab
		note "space=$space: fault fired=$fired, xl block-attach rc=$xlrc, outcome=$outcome" \
			"($(xenstore-read $eback 2>/dev/null)$(xenstore-read $efront 2>/dev/null))"
		case "$outcome" in
		hung)
			fail "space=$space: the attach neither connected nor reported an error in 60 s"
			cat /tmp/xl-attach.log
			xenstore-ls "$(bk_path $v)" 2>/dev/null | head -n 20 ;;
		connected)
			fio_verify $v --rw=randwrite --bs=4k --iodepth=8 --size=2M >/dev/null ||
				fail "space=$space: verified I/O on a connection that survived the fault" ;;
		failed)
			AF_FAILED=$((AF_FAILED + 1))
			[ "$fired" = yes ] || fail "space=$space: the attach failed without an injected fault"
			{ xenstore-exists $eback 2>/dev/null || xenstore-exists $efront 2>/dev/null ||
			  [ "$(xs_back $v state)" = 5 ] || [ "$(xs_back $v state)" = 6 ] || [ $xlrc -ne 0 ]; } ||
				fail "space=$space: the attach failed and nobody was told" ;;
		esac
		af_cleanup $v $eback $efront
		if attach "$dev" $v w; then
			fio_verify $v --rw=randwrite --bs=4k --iodepth=8 --size=2M >/dev/null ||
				fail "space=$space: verified I/O on the connection after the fault"
			detach $v
		else
			fail "space=$space: the disk does not attach once the fault is gone"
			af_cleanup $v $eback $efront
		fi
		[ "$fired" = yes ] || break
	done
}

# io_fault_fio <dom0|guest> <module> <interval> <vdev> <fio options...>:
# fio_verify on the disk while every <interval>th slab and page allocation
# made from the module's code fails; returns fio's status and sets IOF_SLAB
# and IOF_PAGE to how many of each were injected
io_fault_fio() {
	local where=$1 mod=$2 n=$3 v=$4 rc f
	shift 4
	for f in failslab fail_page_alloc; do
		af_lab_fault $where arm $f $mod 0 1000000 "$n" || { fail "arm $f in $where"; return 1; }
	done
	fio_verify "$v" "$@"
	rc=$?
	IOF_SLAB=$(af_lab_fault $where injected failslab)
	IOF_PAGE=$(af_lab_fault $where injected fail_page_alloc)
	af_lab_fault $where disarm failslab
	af_lab_fault $where disarm fail_page_alloc
	note "$mod in $where, every ${n}th allocation failing: failslab injected $IOF_SLAB, fail_page_alloc injected $IOF_PAGE, fio rc=$rc"
	return $rc
}
