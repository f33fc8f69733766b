# A backing device that fails every I/O (dm-error): the guest gets I/O
# errors promptly, nothing hangs, the backend counts the errors, and the
# disk detaches cleanly afterwards.
ours=$(cat $LAB_RUN/back)
dev=$(disk_dm_error 64) || { fail "no dm-error device"; exit 1; }
# the guest's partition scan at attach fails too: that must not hang either
attach "$dev" xvdb w || exit 1
t0=$(up)
check "a read in the guest fails" \
	g '! dd if=/dev/xvdb of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null'
check "a write in the guest fails" \
	g '! dd if=/dev/zero of=/dev/xvdb bs=64k count=4 oflag=direct 2>/dev/null'
check "fio sees errors and ends" \
	g '! fio --name=e --filename=/dev/xvdb --rw=randrw --bs=4k --iodepth=16 --size=4M --direct=1 --ioengine=libaio >/dev/null 2>&1'
took=$(echo "$(up) $t0" | awk '{printf "%d", $1 - $2}')
check_le "errors came back in time (s)" "$took" 120
[ "$ours" = ours ] && check_ge "backend counted I/O errors" "$(bk_stat xvdb err_io)" 1
[ "$ours" = ours ] && check_eq "nothing left in flight" "$(bk_stat xvdb inflight)" 0
detach xvdb
dmsetup remove "${dev#/dev/}" 2>/dev/null || dmsetup remove $(dmsetup ls | awk '/lab-err/ {print $1}' | tail -n 1)
