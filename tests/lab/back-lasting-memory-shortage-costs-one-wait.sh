# On the lab's debug kernel (KVER=6.12-debug), BACK=ours: dom0 stays short
# of memory for xen-blkback longer than the backend waits for it: every
# page and slab allocation made from its code fails (lab-fault, stack
# filter on the module), without persistent grants and with an empty page
# pool (max_buffer_pages 0), so each request needs new pages to map its
# grants onto.  The first request that runs short is tried again for
# about 10 s and then fails with an I/O error; from then on, until a
# request of the disk maps again (or no request of the disk failed so for
# 10 s), a request that runs short gets 10 tries (0.1 s) instead of 10 s
# more, on whichever ring: a lasting dom0-wide shortage (Xen's maptrack
# table filled by another guest, say) must cost a disk one long wait, not
# one per request, nor one per ring.  The reads take turns on the guest's
# CPUs, so on a disk of two rings they take turns on its rings: each
# ring's next read comes more than 10 s after its own last give-up (the
# other ring's long wait lies between), which a give-up known to its ring
# alone would forget (make check-debug, 2026-11-27: 3015 tries, three
# long waits).  The backend's counters show it: 999 tries for the first
# read, 9 for each other one, while all 5 failed.  Once the shortage ends,
# the disk serves verified I/O.
. /lab/attach-fault.sh
af_require back
P=/sys/module/xen_blkback/parameters
saved_p=$(cat $P/feature_persistent)
saved_b=$(cat $P/max_buffer_pages)
echo 0 > $P/feature_persistent
echo 0 > $P/max_buffer_pages
dev=$(disk_loop 16) || { fail "no loop device"; exit 1; }
attach "$dev" xvdb w || exit 1
af_pool_drained xvdb
tries0=$(bk_stat xvdb nomem_retries)
maps0=$(bk_stat xvdb err_grant_map)
af_back_shortage on
# one guest command, so that the reads follow each other closely: the
# short tries end once no request gave up for as long as the long wait
# (10 s), and a round trip to the guest costs seconds on a busy lab
out=$(g 'n=$(nproc); for i in 1 2 3 4 5; do
	if taskset -c $((i % n)) dd if=/dev/xvdb of=/dev/null bs=4k count=1 skip=$((i * 97)) iflag=direct 2>/dev/null
	then echo read-ok; else echo read-failed; fi
done')
note "reads during the shortage:" $out
note "$(bk_stat xvdb nomem_retries) tries, $(bk_stat xvdb err_grant_map) failed maps"
failed=$(echo "$out" | grep -c '^read-failed$')
injected=$(($(af_lab_fault dom0 injected failslab) + $(af_lab_fault dom0 injected fail_page_alloc)))
af_back_shortage off
tries=$(($(bk_stat xvdb nomem_retries) - tries0))
check_ge "allocations failed" "$injected" 1
check_eq "reads failed with an I/O error during the shortage" "$failed" 5
check_eq "requests failed for want of memory" "$(($(bk_stat xvdb err_grant_map) - maps0))" 5
# the first read: 999 tries (then it fails); each next one: 9, on either ring
rings=$(xs_front xvdb multi-queue-num-queues)
check_ge "rings of the disk (the reads take turns on them)" "${rings:-1}" 2
check_ge "tries during the shortage (one long wait)" "$tries" 999
check_le "tries during the shortage (one long wait for the disk, then short ones)" \
	"$tries" $((999 + 4 * 9))
check "verified I/O once the shortage is over" \
	fio_verify xvdb --rw=randwrite --bsrange=4k-64k --iodepth=8 --size=4M
summary "xen-blkback, a lasting memory shortage: $failed reads failed, $tries tries"
detach xvdb
losetup -d "$dev" 2>/dev/null
echo "$saved_p" > $P/feature_persistent
echo "$saved_b" > $P/max_buffer_pages
bk_released 10
