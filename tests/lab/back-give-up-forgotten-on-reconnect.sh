# On the lab's debug kernel (KVER=6.12-debug), BACK=ours: a give-up for
# want of memory belongs to the connection it happened on.  After a
# request failed so (dom0 short of memory for the backend's whole wait,
# 1000 tries, about 16 s here), the disk's next requests that run short get
# 10 tries only, for 10 s: that is for a shortage that lasts, seen by the
# same frontend.  A frontend that connects again to the same vbd (after
# kexec in an HVM guest, say) starts afresh, and its first request that runs
# short must get the whole wait again, not 0.1 s and an I/O error for a
# failure that was not its own.  The backend device (struct blkback_dev)
# outlives the connection, so a give-up it kept would reach the new one.
#
# The guest plays the frontend by hand (blkif-evil, no persistent grants:
# each read maps its grant onto a new page; xen-blkfront reloaded in a PV
# guest does not connect again, xenbus leaves its vbd Closed) and
# reconnects within seconds of the give-up, in one guest command; every
# allocation the ring threads make fails throughout (lab-fault on
# blkback_ring_thread, so that the connections themselves are set up).
# Each connection's one read must fail after the long wait: 999 counted
# tries each, 1998 in all, where a give-up kept across the reconnect gives
# the second read 9 (1008 in all).  The reconnect must come within 9.3 s of
# the first answer, or the give-up would have lapsed anyway and the test
# proves nothing (that fails too).  Once the shortage is over, a third
# connection reads.
. /lab/attach-fault.sh
af_require back
finished=
trap '[ -n "$finished" ] || { af_back_shortage off; guest_restart; }' EXIT

guest_ensure || exit 1
devid=$(vdev_devid xvdb)
dev=$(disk_loop 16) || { fail "no loop device"; exit 1; }
guest_hand_frontend
xl block-attach $DOMU "format=raw,vdev=xvdb,access=w,script=lab-block,target=$dev" ||
	{ fail "xl block-attach $dev as xvdb"; exit 1; }

tries0=$(bk_stat xvdb nomem_retries)
maps0=$(bk_stat xvdb err_grant_map)
af_back_shortage on fn:blkback_ring_thread
# each line stamped with the guest's uptime, to time the reconnect
out=$(g "stamp() { while read -r l; do echo \"\$(cut -d' ' -f1 /proc/uptime) \$l\"; done; }
	blkif-evil $devid read-patient 2>&1 | stamp
	blkif-evil -r $devid read-patient 2>&1 | stamp")
echo "$out"
injected=$(($(af_lab_fault dom0 injected failslab) + $(af_lab_fault dom0 injected fail_page_alloc)))
af_back_shortage off
tries=$(($(bk_stat xvdb nomem_retries) - tries0))
maps=$(($(bk_stat xvdb err_grant_map) - maps0))
# guest uptime of the first read's answer, of the second connection, of
# the second read's answer
at() { echo "$out" | awk -v w="$1" -v n="$2" '$2 == w && ++k == n { print $1; exit }'; }
r1=$(at RESULT 1)
c2=$(at CONNECTED 2)
r2=$(at RESULT 2)
# whole seconds, rounded up; nothing when a stamp is missing
secs() {
	[ -n "$1" ] && [ -n "$2" ] || return 0
	echo "$1 $2" | awk '{ d = $1 - $2; printf "%d", (d > int(d) ? int(d) + 1 : d) }'
}
wait2=$(secs "$r2" "$c2")

check_ge "allocations failed" "$injected" 1
check_eq "connections made" "$(echo "$out" | grep -c ' CONNECTED ')" 2
check_eq "the backend closed before the reconnect" \
	"$(echo "$out" | sed -n 's/^[0-9.]* RECONNECT //p')" "backend-state=6"
check_eq "reads answered BLKIF_RSP_ERROR after the wait" \
	"$(echo "$out" | grep -c ' RESULT read-patient status=-1 id=echoed op=0$')" 2
# counted by one backend device across both connections (a new one
# would start from 0)
check_eq "requests failed for want of memory" "$maps" 2
# the give-up lapses 10 s after it was made (just before the first
# answer): the second read's 10 short tries (0.1 s) must end before that,
# so the reconnect must come within 9.3 s of the first answer (both stamps
# lag their events alike); hundredths of a second, rounded up
gapcs=$(echo "$c2 $r1" | awk 'NF == 2 { d = ($1 - $2) * 100; printf "%d", (d > int(d) ? int(d) + 1 : d) }')
check_le "hundredths of a second from the first answer to the reconnect (the give-up still fresh)" \
	"${gapcs:-missing}" 930
check_ge "tries of the two reads (a whole wait each: 999 + 999)" "$tries" $((2 * 999))
check_le "tries of the two reads (999 + 999)" "$tries" $((2 * 999))
summary "xen-blkback, a reconnect $(awk -v c="${gapcs:-0}" 'BEGIN { printf "%.2f", c / 100 }') s after a give-up: $tries tries for its two reads, the second answered after ${wait2} s"

# the shortage over, a new connection reads
out=$(g "blkif-evil -r $devid read-ok 2>&1")
echo "$out"
check_eq "a read once the shortage is over" \
	"$(echo "$out" | sed -n 's/^RESULT read-ok \(status=[^ ]* id=[^ ]* op=[^ ]*\).*/\1/p')" \
	"status=0 id=echoed op=0"

hand_detach xvdb
check "xen-blkfront loaded again in the guest" \
	g "lab-front $(cat $LAB_RUN/front) $(cat $LAB_RUN/fparams)"
finished=1
losetup -d "$dev" 2>/dev/null
bk_released 10
