# On the lab's debug kernel (KVER=6.12-debug), FRONT=ours: the toolstack
# marks the backend untrusted (trusted=0 in the frontend's XenStore
# directory), and the frontend's read of that node fails: the first
# allocation made under blkfront_talk_to_backend() fails (failslab, stack
# filter on that function), and that is the read of "trusted".  Only a
# missing node means trusted; a frontend that could not read it must not
# trust the backend with its pages: it bounces data through pages of its
# own (sysfs trusted=0, bounce=1; without persistent grants, where only
# trust decides), and data stays intact.
. /lab/attach-fault.sh
af_require front
guest_ensure || exit 1
P=/sys/module/xen_blkfront/parameters/feature_persistent
persistent=$(g "cat $P") || { fail "no xen_blkfront in the guest"; exit 1; }
# read at the next connect
g "echo 0 > $P" >/dev/null || { fail "feature_persistent=0"; exit 1; }
dev=$(disk_loop 16) || { fail "no loop device"; exit 1; }
v=xvdb
fe=/local/domain/$(cat $LAB_RUN/domid)/device/vbd/$(vdev_devid $v)
af_lab_fault guest arm failslab fn:blkfront_talk_to_backend 0 1 ||
	{ fail "arm failslab in the guest"; exit 1; }
# the node is in place before the frontend can look at the new device
xl pause $DOMU
xl block-attach $DOMU "format=raw,vdev=$v,access=w,script=lab-block,target=$dev" ||
	fail "xl block-attach"
xenstore-write $fe/trusted 0
xl unpause $DOMU
g "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; [ -b /dev/$v ]" >/dev/null ||
	fail "/dev/$v did not appear in the guest"
fired=no
af_lab_fault guest fired failslab && fired=yes
af_lab_fault guest disarm failslab
check_eq "the read of trusted failed (injected)" "$fired" yes
check_eq "trusted=0 in XenStore" "$(xenstore-read $fe/trusted 2>/dev/null)" 0
s=/sys/block/$v/device/xen-blkfront
check_eq "trusted, when the node could not be read" "$(g "cat $s/trusted")" 0
check_eq "bounce, when the node could not be read" "$(g "cat $s/bounce")" 1
check "fio verify through the bounce pages" \
	fio_verify $v --rw=randwrite --bsrange=4k-128k --iodepth=8 --size=4M
check_ge "bounce copies counted" "$(g "cat $s/bounce_copies")" 1
detach $v
losetup -d "$dev" 2>/dev/null
g "echo $persistent > $P" >/dev/null
