# Every kind of backing device the lab offers serves the guest: null_blk
# with 512- and 4096-byte logical blocks shows the same block size in the
# guest and keeps a pattern; a dm-error disk turns guest reads and writes into
# I/O errors without hanging; a dm-flakey disk works while it is up.

pattern_roundtrip() { # vdev: 8 MiB random pattern written and read back
	g "dd if=/dev/urandom of=/tmp/p bs=1M count=8 2>/dev/null &&
	   dd if=/tmp/p of=/dev/$1 bs=1M oflag=direct 2>/dev/null &&
	   dd if=/dev/$1 of=/tmp/r bs=1M count=8 iflag=direct 2>/dev/null &&
	   cmp /tmp/p /tmp/r; rc=\$?; rm -f /tmp/p /tmp/r; exit \$rc"
}

for bs in 512 4096; do
	dev=$(disk_null 64 $bs) || { fail "null_blk $bs"; continue; }
	attach $dev xvdb || continue
	check_eq "null_blk $bs: sector-size in XenStore" "$(xs_back xvdb sector-size)" $bs
	check_eq "null_blk $bs: logical block size in the guest" "$(g 'blockdev --getss /dev/xvdb')" $bs
	check "null_blk $bs: pattern reads back" pattern_roundtrip xvdb
	detach xvdb
done

dev=$(disk_dm_error 16) || fail "dm-error device"
if [ -n "$dev" ]; then
	attach $dev xvdc
	check "dm-error: a guest read fails with an error" \
		g '! dd if=/dev/xvdc of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null'
	check "dm-error: a guest write fails with an error" \
		g '! dd if=/dev/zero of=/dev/xvdc bs=4k count=1 oflag=direct 2>/dev/null'
	detach xvdc
fi

dev=$(disk_dm_flakey 16 3600 0) || fail "dm-flakey device"
if [ -n "$dev" ]; then
	attach $dev xvdd
	check "dm-flakey (up): pattern reads back" pattern_roundtrip xvdd
	detach xvdd
fi
