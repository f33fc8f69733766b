# A file system through the frontend: mkfs.ext4 (4 KiB and 1 KiB blocks, the
# latter giving I/O that starts and ends inside pages), copy a file tree,
# remount, checksums equal, fsck clean.
roundtrip() { # <vdev> <mkfs block size>
	local v=$1 b=$2
	check "mkfs.ext4 -b $b on $v" g "mkfs.ext4 -q -F -b $b /dev/$v"
	check "mount $v" g "mount -t ext4 /dev/$v /mnt"
	check "copy a file tree to $v" g 'mkdir -p /mnt/tree && cp -a /bin /lib /sbin /usr /mnt/tree/ 2>/dev/null;
		dd if=/dev/urandom of=/mnt/tree/big bs=1M count=8 2>/dev/null;
		i=0; while [ $i -lt 100 ]; do head -c $((i * 37 + 1)) /dev/urandom > /mnt/tree/small.$i; i=$((i + 1)); done;
		cd /mnt/tree && find . -type f | sort | xargs md5sum > /tmp/sums && cd / && umount /mnt'
	g 'echo 3 > /proc/sys/vm/drop_caches'
	check "fsck clean on $v" g "e2fsck -f -n /dev/$v"
	check "mount $v again" g "mount -t ext4 /dev/$v /mnt"
	check "checksums equal after remount ($v, -b $b)" g 'cd /mnt/tree && md5sum -c /tmp/sums >/tmp/sums.out 2>&1; rc=$?; grep -v ": OK$" /tmp/sums.out | head; exit $rc'
	summary "$v -b $b: $(g 'wc -l < /tmp/sums') files verified"
	check "umount $v" g 'umount /mnt'
}

dev=$(disk_loop 256) || { fail "no loop device"; exit 1; }
attach "$dev" xvdb w || exit 1
roundtrip xvdb 4096
roundtrip xvdb 1024
detach xvdb
dev=$(disk_null 256 4096) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdc w || exit 1
roundtrip xvdc 4096
detach xvdc
