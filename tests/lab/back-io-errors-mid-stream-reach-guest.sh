# On the lab's debug kernel (KVER=6.12-debug), BACK=ours: the backing
# device starts failing every bio (fail_make_request, make-it-fail on the
# loop device in dom0) while fio in the guest writes and verifies.  The
# guest sees EIO, promptly (fio ends with an I/O error, never with data that
# verified wrong, and a read fails), the backend counts the failed requests
# (err_io), and once the device works again verified I/O works on the same
# connection, with nothing left in flight.
. /lab/attach-fault.sh
af_require back
dev=$(disk_loop 32) || { fail "no loop device"; exit 1; }
attach "$dev" xvdb w || exit 1
check "verified I/O before the errors" fio_verify xvdb --rw=randwrite --bs=4k --iodepth=8 --size=2M
e0=$(bk_stat xvdb err_io)
w0=$(bk_stat xvdb wr_req)
g "rm -f /tmp/fio-err.rc; (fio --name=e --filename=/dev/xvdb --direct=1 --ioengine=libaio \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --rw=randwrite --bsrange=4k-64k \
	--iodepth=16 --size=32M > /tmp/fio-err.log 2>&1; echo \$? > /tmp/fio-err.rc) >/dev/null 2>&1 &"
# mid-stream: once the backend has served some of fio's writes
i=0
while [ "$(bk_stat xvdb wr_req)" -lt $((w0 + 32)) ] && [ $i -lt 120 ]; do
	sleep 0.5
	i=$((i + 1))
done
check_ge "writes served before the device failed" "$(bk_stat xvdb wr_req)" $((w0 + 32))
t0=$(up)
check "fail_make_request armed on ${dev#/dev/}" /lab/lab-fault arm-bio "${dev#/dev/}" 1000000
check "fio in the guest ended" g 'i=0; while [ ! -f /tmp/fio-err.rc ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; [ -f /tmp/fio-err.rc ]'
took=$(echo "$(up) $t0" | awk '{printf "%d", $1 - $2}')
check_le "fio saw the error within (s)" "$took" 120
check "fio failed with an I/O error, not on verify" g '
	tail -n 5 /tmp/fio-err.log
	[ "$(cat /tmp/fio-err.rc)" != 0 ] && grep -q "Input/output error" /tmp/fio-err.log &&
	! grep -qiE "verify failed|bad magic|bad header|verify type mismatch|bad pattern" /tmp/fio-err.log'
check "a read fails too" g '! dd if=/dev/xvdb of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null'
injected=$(/lab/lab-fault injected fail_make_request)
/lab/lab-fault disarm fail_make_request
check_ge "bios failed by fail_make_request" "$injected" 1
check_ge "requests the backend answered with an I/O error" "$(($(bk_stat xvdb err_io) - e0))" 1
check_ge "requests the frontend saw fail" "$(g 'cat /sys/block/xvdb/device/xen-blkfront/request_errors')" 1
# the same connection serves again
check_eq "backend still connected" "$(xs_back xvdb state)" 4
check_eq "frontend still connected" "$(xs_front xvdb state)" 4
check "verified I/O once the device works again" fio_verify xvdb --rw=randwrite --bsrange=4k-128k --iodepth=16 --size=4M
check_eq "nothing left in flight" "$(bk_stat xvdb inflight)" 0
summary "fail_make_request under guest fio: $injected bios failed, err_io +$(($(bk_stat xvdb err_io) - e0)) in $took s; verified I/O after"
detach xvdb
losetup -d "$dev" 2>/dev/null
