# On the lab's debug kernel (KVER=6.12-debug), FRONT=ours: while a disk
# attaches, the first allocation made under request_threaded_irq() in the
# guest fails (failslab, stack filter on that function), so binding the
# ring's event channel fails after the events core had bound it, and the
# core closes the port as it undoes the binding.  The frontend must not
# close that port a second time: by then the port may be another driver's.
# Xen refuses a close of a free port, and the frontend logs that refusal
# ("freeing event channel"): none may appear.  The attach fails and is
# reported, and the next attach serves verified I/O.
. /lab/attach-fault.sh
af_require front
dev=$(disk_loop 16) || { fail "no loop device"; exit 1; }
v=xvdb
guest_ensure || exit 1
domid=$(cat $LAB_RUN/domid)
devid=$(vdev_devid $v)
eback=/local/domain/0/error/backend/vbd/$domid/$devid/error
efront=/local/domain/$domid/error/device/vbd/$devid/error
closes=$(g "dmesg | grep -c 'freeing event channel'")

af_lab_fault guest arm failslab fn:request_threaded_irq 0 1 ||
	{ fail "arm failslab in the guest"; exit 1; }
xl block-attach $DOMU "format=raw,vdev=$v,access=w,script=lab-block,target=$dev" \
	> /tmp/xl-attach.log 2>&1
outcome=$(af_outcome $v $eback $efront)
fired=no
af_lab_fault guest fired failslab && fired=yes
af_lab_fault guest disarm failslab
note "request_threaded_irq allocation failed: $fired; outcome=$outcome ($(xenstore-read $efront 2>/dev/null))"
check_eq "the injected fault fired" "$fired" yes
check_eq "the attach with a failed irq request" "$outcome" failed
check_eq "closes of a port that was already closed (guest log)" \
	"$(g "dmesg | grep -c 'freeing event channel'")" "$closes"
g "dmesg | grep -i -e 'event channel' -e 'vbd-$devid' | tail -n 4"
af_cleanup $v $eback $efront
if attach "$dev" $v w; then
	check "verified I/O on the next connection" \
		fio_verify $v --rw=randwrite --bs=4k --iodepth=8 --size=2M
	detach $v
else
	fail "the disk does not attach once the fault is gone"
fi
losetup -d "$dev" 2>/dev/null
