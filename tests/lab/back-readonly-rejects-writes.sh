# A disk attached read-only ("r") is opened read-only in dom0 and offered
# with VDISK_READONLY: the guest reads it, its writes fail, and the data in
# dom0 is unchanged afterwards.
ours=$(cat $LAB_RUN/back)
lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
dd if=/dev/urandom of="$lo" bs=1M count=16 2>/dev/null
sync
before=$(md5sum < "$lo" | cut -d' ' -f1)
attach "$lo" xvdb r || exit 1
check_eq "info has VDISK_READONLY" "$(( $(xs_back xvdb info) & 4 ))" 4
check_eq "mode in sysfs" "$(cat $(bk_dir xvdb)/mode)" r
inguest=$(g 'dd if=/dev/xvdb bs=1M iflag=direct 2>/dev/null | md5sum | cut -d" " -f1')
check_eq "the guest reads the data" "$inguest" "$before"
check "a write in the guest fails" \
	g '! dd if=/dev/zero of=/dev/xvdb bs=4k count=16 oflag=direct 2>/dev/null'
check "fio write in the guest fails" \
	g '! fio --name=w --filename=/dev/xvdb --rw=write --bs=4k --size=1M --direct=1 --readonly=0 >/dev/null 2>&1'
g 'sync'
after=$(md5sum < "$lo" | cut -d' ' -f1)
check_eq "data unchanged in dom0" "$after" "$before"
[ "$ours" = ours ] && check_eq "no write reached the device" "$(bk_stat xvdb wr_req)" 0
detach xvdb
losetup -d "$lo"
rm -f "$file"
