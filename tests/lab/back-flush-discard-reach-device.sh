# Cache flushes and discards issued in the guest reach the backing device:
# the backend offers flush and discard for a loop disk on a tmpfs file,
# counts the requests (f_req, ds_req), and a discard punches the file.
ours=$(cat $LAB_RUN/back)
lo=$(disk_loop 64) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
attach "$lo" xvdb w || exit 1
summary "negotiated: $(negotiated xvdb)"
check_eq "feature-flush-cache offered" "$(xs_back xvdb feature-flush-cache)" 1
check_eq "feature-discard offered" "$(xs_back xvdb feature-discard)" 1

f0=$(bk_stat xvdb f_req)
d0=$(bk_stat xvdb ds_req)
check "write 16 MiB and fsync in the guest" \
	g 'dd if=/dev/urandom of=/dev/xvdb bs=1M count=16 conv=fsync 2>/dev/null'
used=$(du -k "$file" | cut -f1)
check_ge "backing file holds the data (KiB)" "$used" 16000
check "blkdiscard in the guest" g 'blkdiscard /dev/xvdb'
g 'sync'
after=$(du -k "$file" | cut -f1)
check_le "backing file punched by the discard (KiB)" "$after" 1024
if [ "$ours" = ours ]; then
	check_ge "flush requests counted" "$(($(bk_stat xvdb f_req) - f0))" 1
	check_ge "discard requests counted" "$(($(bk_stat xvdb ds_req) - d0))" 1
	check_eq "no I/O errors" "$(bk_stat xvdb err_io)" 0
fi
check "zeroes read back after discard" \
	g '[ "$(dd if=/dev/xvdb bs=1M count=16 iflag=direct 2>/dev/null | tr -d "\000" | wc -c)" = 0 ]'
detach xvdb
losetup -d "$lo"
rm -f "$file"
