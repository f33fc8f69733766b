# When a disk connects, the backend writes back and then drops what dom0
# has cached of the backing device (as upstream's does), so that dom0 does
# not read stale data once the guest has written the device.  dom0 holds
# the device open (so its page cache outlives each reader) and reads a
# block through the page cache; the guest attaches the disk, writes that
# block with O_DIRECT and lets it go; dom0's buffered read must now show
# the guest's data.
OLD=dom0-cached-old-data
NEW=guest-wrote-new-data
BLK=256		# 4 KiB block 256: 1 MiB into the disk

lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
printf '%s' "$OLD" | dd of="$lo" bs=4096 seek=$BLK conv=notrunc 2>/dev/null
sync
# readers of the page cache; the device's own data (O_DIRECT)
cached() { dd if="$lo" bs=4096 skip=$BLK count=1 2>/dev/null | head -c ${#OLD}; }
ondisk() { dd if="$lo" bs=4096 skip=$BLK count=1 iflag=direct 2>/dev/null | head -c ${#OLD}; }

exec 3<"$lo"	# keeps dom0's page cache of the device across readers
check_eq "dom0 reads the block (now cached)" "$(cached)" "$OLD"
if attach "$lo" xvdb w; then
	check "the guest writes the block (O_DIRECT)" g "
		printf '%s' '$NEW' > /tmp/blk.in
		dd if=/tmp/blk.in of=/tmp/blk bs=4096 count=1 conv=sync 2>/dev/null &&
		dd if=/tmp/blk of=/dev/xvdb bs=4096 seek=$BLK count=1 oflag=direct conv=fsync"
	detach xvdb
fi
check_eq "the device holds the guest's data (O_DIRECT read in dom0)" "$(ondisk)" "$NEW"
check_eq "dom0's buffered read sees the guest's data" "$(cached)" "$NEW"
exec 3<&-

f=$(cat /sys/block/${lo#/dev/}/loop/backing_file 2>/dev/null)
check "$lo released" losetup -d "$lo"
[ -n "$f" ] && rm -f "$f"
