# The run's frontend against QEMU's xen-block backend ("qdisk", Debian's
# QEMU 7.2) through a disk's whole life, in one guest whose configuration
# holds two disks:
#   xvdb  qdisk, read-write, a loop device in dom0 (a sparse file on tmpfs)
#   xvde  served by the run's Linux backend (xen-blkback), a loop device
# Steps:
#  1. read-only: QEMU 7.2's xen-block cannot serve a read-only disk (it
#     fails to create the device: "Block node is read-only"); a read-only
#     qdisk disk hot-plugged into the guest never appears, the toolstack
#     removes it, and the guest's other disks go on serving I/O;
#  2. flush and discard reach dom0: a guest fsync is a flush on the loop
#     device under QEMU, a guest discard a discard there, which punches a
#     hole in its file;
#  3. mkfs.ext4, a file tree, remount, checksums, fsck (the file system
#     stays mounted through step 5);
#  4. attach/detach cycles of a hot-plugged qdisk disk, fio verify in each;
#  5. save under fio verify on xvde, restore with xvde moved from the Linux
#     backend to qdisk: persistent grants and indirect segments disappear
#     under the guest, what was in flight completes once; then a qdisk to
#     qdisk save/restore under fio verify; the file system of step 3 is
#     intact and clean afterwards.
# Every step's outcome is checked; what qdisk negotiated goes to the
# summary.  With FRONT=upstream this is the reference.
BK_TYPE=qdisk
# a backend that stops answering fails a step in 5 minutes, not 10
G_TIMEOUT=300
front=$(cat $LAB_RUN/front)
fparams=$(cat $LAB_RUN/fparams)
cycles=5
lab_quick && cycles=3
qlog=/var/log/xen/qemu-dm-$DOMU.log
sf=/sys/block/xvde/device/xen-blkfront

rwdev=$(disk_loop 256) || { fail "no loop device"; exit 1; }
rwfile=$(cat /sys/block/${rwdev#/dev/}/loop/backing_file)
migdev=$(disk_loop 128) || { fail "no loop device"; exit 1; }
ro=/tmp/qro$(next_id qdisk).img
dd if=/dev/urandom of=$ro bs=1M count=16 2>/dev/null || { fail "no image file"; exit 1; }
ro_md5=$(md5sum < $ro | cut -d' ' -f1)
hot=/tmp/qhot$(next_id qdisk).img
dd if=/dev/zero of=$hot bs=1M count=0 seek=64 2>/dev/null

disks() { # <backendtype of xvde>
	local e="script=lab-block"
	[ "$1" = qdisk ] && e="backendtype=qdisk"
	echo "'format=raw,vdev=xvdb,access=rw,backendtype=qdisk,target=$rwdev'," \
		"'format=raw,vdev=xvde,access=rw,$e,target=$migdev'"
}

qlog_tail() {
	note "--- $qlog"
	tail -n 20 $qlog 2>/dev/null
}

# the run's guest again, without qdisk disks: QEMU goes with the old guest
qd_end() {
	umount_guest
	qdisk_guest_end
	for d in $rwdev $migdev; do
		f=$(cat /sys/block/${d#/dev/}/loop/backing_file)
		losetup -d $d
		rm -f "$f"
	done
	rm -f $ro $hot /tmp/domu.save
}
# the files of step 3 hold what was written
sums_equal() {
	g 'cd /mnt/tree && md5sum -c /tmp/sums >/tmp/sums.out 2>&1; rc=$?; grep -v ": OK$" /tmp/sums.out | head; exit $rc'
}
umount_guest() { g 'grep -q " /mnt " /proc/mounts && umount /mnt; true' >/dev/null 2>&1; }

# wait_disks <vdev...>: every one appears in the guest
wait_disks() {
	local v
	for v in "$@"; do
		g "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; [ -b /dev/$v ]" >/dev/null ||
			{ fail "/dev/$v did not appear in the guest"; g 'dmesg | tail -n 20'; qlog_tail; return 1; }
	done
}

# served_by <vdev> <qdisk|vbd>: the XenStore backend the frontend names
served_by() {
	local d
	d=$(cat $LAB_RUN/domid)
	check_eq "$1: backend the frontend names" "$(xs_front "$1" backend)" \
		"/local/domain/0/backend/$2/$d/$(vdev_devid "$1")"
}

# loop_stat <dev> <field>: a field of the loop device's stat (12: discards
# completed, 16: flushes completed)
loop_stat() { awk -v f="$2" '{ print $f }' /sys/block/${1#/dev/}/stat; }
# blocks of 512 bytes the file holds
file_blocks() { stat -c %b "$1"; }

# ---- the guest with its three disks
# shellcheck disable=SC2086
if ! GUEST_DISKS="$(disks vbd)" guest_restart "$front" $fparams || ! wait_disks xvdb xvde; then
	qlog_tail
	qd_end
	exit 1
fi
served_by xvdb qdisk
served_by xvde vbd
summary "qdisk negotiated, read-write ($front front): $(negotiated xvdb)"
summary "Linux backend negotiated, before the move ($front front): $(BK_TYPE=vbd negotiated xvde)"
mig_indirect=$(BK_TYPE=vbd xs_back xvde feature-max-indirect-segments || echo 0)
mig_persist=$(BK_TYPE=vbd xs_back xvde feature-persistent || echo 0)

# ---- 1. read-only: what QEMU 7.2 does with it
n0=$(wc -l < $qlog)
# qemu_refused <devid>: QEMU's log, since n0, says it could not create it
qemu_refused() { tail -n +$((n0 + 1)) $qlog | grep -q "device '$1'.*Block node is read-only"; }
timeout 60 xl block-attach $DOMU "format=raw,vdev=xvdc,access=ro,backendtype=qdisk,target=$ro" \
	> $LAB_RUN/xl-attach.log 2>&1
note "xl block-attach of a read-only qdisk disk: status $?"
i=0
while ! qemu_refused "$(vdev_devid xvdc)" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "QEMU refused the read-only disk (Block node is read-only)" qemu_refused "$(vdev_devid xvdc)"
check "xvdc: no disk in the guest" g 'sleep 2; [ ! -e /sys/block/xvdc ]'
timeout 60 xl block-detach $DOMU xvdc > /dev/null 2>&1 || xl block-detach -f $DOMU xvdc > /dev/null 2>&1
path=$(bk_path xvdc)
i=0
while xenstore-exists $path && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "xvdc: backend directory gone" sh -c "! xenstore-exists $path"
check_eq "xvdc: the file keeps the pattern (md5)" "$(md5sum < $ro | cut -d' ' -f1)" "$ro_md5"
check "xvdb still serves I/O" fio_verify xvdb --rw=randwrite --bs=4k --iodepth=8 --size=2M --offset=100M

# ---- 2. flush and discard reach the device under QEMU
f0=$(loop_stat $rwdev 16)
check "fsync'd 16 MiB write in the guest" \
	g 'dd if=/dev/urandom of=/dev/xvdb bs=1M count=16 seek=200 oflag=direct conv=fsync 2>/dev/null'
check_ge "flushes on the loop device under QEMU" "$(($(loop_stat $rwdev 16) - f0))" 1
b0=$(file_blocks "$rwfile")
check_ge "file blocks after the write" "$b0" 32768
d0=$(loop_stat $rwdev 12)
check "blkdiscard of those 16 MiB in the guest" g "blkdiscard -o $((200 << 20)) -l $((16 << 20)) /dev/xvdb"
# QEMU may complete the guest's discard before its own reaches the loop
i=0
while [ "$(loop_stat $rwdev 12)" = "$d0" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_ge "discards on the loop device under QEMU" "$(($(loop_stat $rwdev 12) - d0))" 1
check_le "file blocks after the discard (were $b0)" "$(file_blocks "$rwfile")" $((b0 - 30000))

# ---- 3. a file system, mounted until the end
check "mkfs.ext4 on xvdb" g 'mkfs.ext4 -q -F /dev/xvdb'
check "mount xvdb" g 'mount -t ext4 /dev/xvdb /mnt'
check "a file tree on xvdb" g 'mkdir -p /mnt/tree && cp -a /bin /lib /sbin /mnt/tree/ 2>/dev/null;
	dd if=/dev/urandom of=/mnt/tree/big bs=1M count=8 2>/dev/null;
	cd /mnt/tree && find . -type f | sort | xargs md5sum > /tmp/sums && cd / && umount /mnt'
g 'echo 3 > /proc/sys/vm/drop_caches'
check "fsck clean on xvdb" g 'e2fsck -f -n /dev/xvdb'
check "mount xvdb again" g 'mount -t ext4 /dev/xvdb /mnt'
check "checksums equal after the remount" sums_equal

# ---- 4. attach/detach cycles
n=0
while [ $n -lt $cycles ]; do
	n=$((n + 1))
	attach $hot xvdd w qdisk || { qlog_tail; break; }
	served_by xvdd qdisk
	check "xvdd: fio verify (cycle $n)" fio_verify xvdd --rw=randwrite --bs=4k --iodepth=16 --size=4M --offset=$((n * 4))M
	path=$(bk_path xvdd)
	detach xvdd || { qlog_tail; break; }
	check "xvdd: backend directory gone (cycle $n)" sh -c "! xenstore-exists $path"
done
check_eq "attach/detach cycles done" $n $cycles
check "the guest holds no xvdd" g '[ ! -e /sys/block/xvdd ]'

# ---- 5. save/restore: from the Linux backend onto qdisk, then qdisk to qdisk
# save_restore <what> <backendtype of xvde after>
save_restore() {
	local cfg=$LAB_RUN/domu-restore.cfg
	fio_loop_start xvde 16M
	sleep 8
	check "xl save ($1)" xl save $DOMU /tmp/domu.save || return 1
	grep -v '^disk' $LAB_RUN/domu.cfg > $cfg
	echo "disk = [ $(disks "$2") ]" >> $cfg
	check "xl restore ($1)" xl restore $cfg /tmp/domu.save || { qlog_tail; return 1; }
	rm -f /tmp/domu.save
	guest_domid > $LAB_RUN/domid
	cp $cfg $LAB_RUN/domu.cfg
	check "guest answers after the restore ($1)" g true
	served_by xvdb qdisk
	served_by xvde "$2"
	sleep 8
	fio_loop_stop
}

if save_restore "Linux backend onto qdisk" qdisk; then
	summary "qdisk negotiated after the move ($front front): $(negotiated xvde)"
	summary "was: indirect-segments=$mig_indirect persistent=$mig_persist"
	check_eq "xvde: no persistent grants offered now" "$(xs_back xvde feature-persistent || echo 0)" 0
	check_eq "xvde: no indirect segments offered now" "$(xs_back xvde feature-max-indirect-segments || echo 0)" 0
	check_eq "xvde: frontend state" "$(xs_front xvde state)" 4
	check_eq "xvde: guest max_segments" "$(g 'cat /sys/block/xvde/queue/max_segments')" 11
	if [ "$front" = ours ]; then
		summary "frontend sysfs after the move: $(g "cd $sf && for a in *; do printf '%s=%s ' \$a \"\$(cat \$a)\"; done")"
		check_eq "xvde: frontend persistent_grants" "$(g "cat $sf/persistent_grants")" 0
		check_eq "xvde: frontend max_indirect_segments" "$(g "cat $sf/max_indirect_segments")" 0
		check_eq "xvde: frontend nr_rings" "$(g "cat $sf/nr_rings")" 1
	fi
	check "xvde: fresh fio verify after the move" fio_verify xvde --rw=randwrite --bsrange=512-1m --iodepth=16 --size=16M
	save_restore "qdisk to qdisk" qdisk
fi
check "checksums equal after the restores" sums_equal
check "umount xvdb" g 'umount /mnt'
check "fsck clean on xvdb after the restores" g 'e2fsck -f -n /dev/xvdb'
qd_end
