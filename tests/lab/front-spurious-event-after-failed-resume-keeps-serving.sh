# On the lab's debug kernel (KVER=6.12-debug), FRONT=ours: a resume that
# could not set up rings, then a spurious event.  With dom0's xen-blkback
# unloaded, blkif-evilback plays the backend of a disk across an xl
# save/restore.  Every allocation the guest makes under
# blkfront_talk_to_backend() fails (lab-fault), armed before the save: the
# frontend's resume cannot set up rings, nor report it (XenStore's
# transaction cannot start), so it stays Initialising with its disk in
# error (I/O fails).  Then allocations work again and the backend says
# InitWait once more: the frontend sets up rings for it.  blkif-evilback
# sends an event on the new channel a second before it says Connected (a
# spurious event: nothing was asked).  The disk must then serve reads that
# return the backend's data; it used to hang, the event channel left
# masked by the device in error.  At the end the run's backend is loaded
# again and serves a fio verify.
#
# (Making the frontend's directory read-only instead does not get there:
# xenbus then records Closing as the device's state even though it could
# not write it, and the frontend takes no InitWait any more.)
. /lab/attach-fault.sh
af_require front
EB=/lab/blkif-evilback
V=xvdb
DEVID=$(vdev_devid $V)
BE=/local/domain/0/backend/vbd
# a sector far from the partition scan; blkif-evilback's pattern names it
SKIP=4096
WANT="blkif-evilback sector $((SKIP * 8))"

# gread: a 4 KiB direct read of the disk in the guest, in the background
# so that a read that never completes cannot block the agent; prints
# "rc=<status> data=<first line read>" or "hang" after 30 s
gread() {
	g "rm -f /tmp/gr.rc /tmp/gr.out
	   (dd if=/dev/$V of=/tmp/gr.out bs=4k count=1 skip=$SKIP iflag=direct 2>/dev/null; echo \$? > /tmp/gr.rc) &
	   i=0
	   while [ ! -s /tmp/gr.rc ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	   if [ -s /tmp/gr.rc ]; then
		echo rc=\$(cat /tmp/gr.rc) data=\$(tr -d '\000' < /tmp/gr.out | head -n 1)
	   else
		echo hang
	   fi"
}

# eb_wait <pid> <log>: blkif-evilback ends within 30 s of the disk's close
eb_wait() {
	local i=0
	while kill -0 $1 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	kill $1 2>/dev/null && fail "blkif-evilback did not end ($2)"
	wait $1
	cat "$2"
}

guest_ensure || exit 1
domid=$(cat $LAB_RUN/domid)
lo=$(disk_loop 64) || { fail "no loop device"; exit 1; }
check "xen-blkback unloaded" back_unload || exit 1
restart=

log1=$LAB_RUN/evilback-before-save.out
$EB "$domid" "$DEVID" good > "$log1" 2>&1 &
pid1=$!
if timeout 60 xl block-attach $DOMU "format=raw,vdev=$V,access=w,script=lab-block,target=$lo" &&
   g "i=0; while [ ! -b /dev/$V ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; [ -b /dev/$V ]" >/dev/null; then
	check_eq "a read before the save" "$(gread)" "rc=0 data=$WANT"
else
	fail "$V attached with blkif-evilback as its backend"
fi
# the guest's log from here on (the restored guest keeps it)
n0=$(g 'dmesg | wc -l')

# the restored domain's backend: blkif-evilback again, once the toolstack
# made its directory (a new domid)
log2=$LAB_RUN/evilback-after-restore.out
(
	i=0
	while [ $i -lt 3000 ]; do
		for d in $(xenstore-list $BE 2>/dev/null); do
			if [ "$d" != "$domid" ] && xenstore-exists $BE/$d/$DEVID/frontend 2>/dev/null; then
				exec $EB "$d" "$DEVID" early-event
			fi
		done
		sleep 0.1
		i=$((i + 1))
	done
	echo "no backend directory for the restored domain"
) > "$log2" 2>&1 &
pid2=$!

# from the save on, whatever blkfront_talk_to_backend() allocates fails
af_lab_fault guest arm failslab fn:blkfront_talk_to_backend 0 1000000 1 ||
	fail "arm failslab in the guest"
if ! xl save $DOMU /tmp/domu.save > $LAB_RUN/xl-save.log 2>&1; then
	cat $LAB_RUN/xl-save.log
	fail "xl save"
fi
eb_wait $pid1 "$log1"
if ! xl restore -p /tmp/domu.save > $LAB_RUN/xl-restore.log 2>&1; then
	cat $LAB_RUN/xl-restore.log
	fail "xl restore -p"
fi
rm -f /tmp/domu.save
nd=$(guest_domid)
echo "$nd" > $LAB_RUN/domid
fe=/local/domain/$nd/device/vbd/$DEVID
# the guest is paused: no g until it runs
echo "restored as domain $nd (paused); frontend $fe"
xl unpause $DOMU
i=0
while [ $i -lt 120 ]; do
	l=$(g "dmesg | grep -c 'vbd-$DEVID: resume: no rings for the new backend'" 2>/dev/null)
	[ "${l:-0}" -ge 1 ] && break
	sleep 0.5
	i=$((i + 1))
done
check_ge "the resume failed (its log line)" "${l:-0}" 1
check_eq "the frontend stayed Initialising" "$(xenstore-read $fe/state)" 1
r=$(gread)
case "$r" in
rc=0*|hang) fail "I/O while the resume had failed: $r" ;;
*) echo "ok: I/O fails while the resume had failed: $r" ;;
esac

check_ge "allocations failed in the guest" "$(af_lab_fault guest injected failslab)" 1
af_lab_fault guest disarm failslab
xenstore-write $BE/$nd/$DEVID/state 2
i=0
while [ "$(xenstore-read $BE/$nd/$DEVID/state 2>/dev/null)" != 4 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "blkif-evilback sent its early event" "$(grep -c '^EARLY-EVENT' "$log2")" 1
check_eq "the backend connected" "$(xenstore-read $BE/$nd/$DEVID/state 2>/dev/null)" 4
i=0
while [ "$(xenstore-read $fe/state 2>/dev/null)" != 4 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "the frontend connected" "$(xenstore-read $fe/state 2>/dev/null)" 4
r=$(gread)
check_eq "a read after the spurious event" "$r" "rc=0 data=$WANT"
[ "$r" = hang ] && restart=1
check_eq "a second read" "$(gread)" "rc=0 data=$WANT"
l=$(g "dmesg | tail -n +$((n0 + 1))")
echo "$l" | grep -E "vbd-$DEVID|blkfront"
check_eq "guest kernel log clean" \
	"$(echo "$l" | grep -cE 'WARNING:|BUG:|Oops|general protection|Call Trace')" 0
summary "spurious event after a failed resume: $r"

if ! timeout 60 xl block-detach $DOMU $V; then
	fail "xl block-detach"
	timeout 60 xl block-detach -f $DOMU $V
	restart=1
fi
eb_wait $pid2 "$log2"
[ -n "$restart" ] && guest_restart
back_again "$lo"
