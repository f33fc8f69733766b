# On the lab's debug kernel (KVER=6.12-debug), BACK=ours: a read failed
# once after the backend's long wait for memory (about 10 s), and the ring
# then stayed idle for longer than that wait.  A brief shortage now (every
# page and slab allocation made from xen-blkback's code fails, for about a
# second) must get the long wait again and be waited out: the short tries
# (0.1 s) that follow a failed wait are for a shortage that lasts, not for
# one long over.  Without persistent grants and with an empty page pool,
# so that each read needs new pages to map its grants onto; one ring.
. /lab/attach-fault.sh
af_require back
P=/sys/module/xen_blkback/parameters
saved_p=$(cat $P/feature_persistent)
saved_b=$(cat $P/max_buffer_pages)
saved_q=$(cat $P/max_queues)
echo 0 > $P/feature_persistent
echo 0 > $P/max_buffer_pages
echo 1 > $P/max_queues
restore_params() {
	echo "$saved_p" > $P/feature_persistent
	echo "$saved_b" > $P/max_buffer_pages
	echo "$saved_q" > $P/max_queues
}
dev=$(disk_loop 16) || { fail "no loop device"; restore_params; exit 1; }
attach "$dev" xvdb w || { restore_params; exit 1; }
rings=$(xs_front xvdb multi-queue-num-queues)
check_eq "rings" "${rings:-1}" 1
af_pool_drained xvdb
maps0=$(bk_stat xvdb err_grant_map)
# the long wait, given up
af_back_shortage on
if g "dd if=/dev/xvdb of=/dev/null bs=4k count=1 skip=7 iflag=direct 2>&1"; then
	fail "the read during the lasting shortage succeeded"
fi
af_back_shortage off
check_eq "a request failed for want of memory" \
	"$(($(bk_stat xvdb err_grant_map) - maps0))" 1
# idle, longer than the long wait
sleep 15
# the brief shortage: it ends once the read has waited for a while
tries0=$(bk_stat xvdb nomem_retries)
af_back_shortage on
g "rm -f /tmp/brief.rc; (dd if=/dev/xvdb of=/dev/null bs=4k count=1 skip=9 iflag=direct; echo \$? > /tmp/brief.rc) </dev/null >/dev/null 2>&1 &" >/dev/null
i=0
while [ "$(bk_stat xvdb nomem_retries)" = "$tries0" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1
af_back_shortage off
tries=$(($(bk_stat xvdb nomem_retries) - tries0))
rc=$(g 'i=0; while [ ! -s /tmp/brief.rc ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; cat /tmp/brief.rc')
check_ge "tries during the brief shortage" "$tries" 1
check_eq "the read during the brief shortage (dd's exit status)" "$rc" 0
check_eq "requests failed for want of memory" \
	"$(($(bk_stat xvdb err_grant_map) - maps0))" 1
check "verified I/O once the shortage is over" \
	fio_verify xvdb --rw=randwrite --bsrange=4k-64k --iodepth=8 --size=4M
summary "xen-blkback, a brief memory shortage long after a give-up: $tries tries, read status $rc"
detach xvdb
losetup -d "$dev" 2>/dev/null
restore_params
bk_released 10
