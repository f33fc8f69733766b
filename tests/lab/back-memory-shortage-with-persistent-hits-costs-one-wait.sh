# On the lab's debug kernel (KVER=6.12-debug), BACK=ours, with persistent
# grants: dom0 stays short of memory for xen-blkback longer than the
# backend waits for it (every page and slab allocation made from its code
# fails, empty page pool), while the guest alternates reads whose grants
# the backend already keeps mapped (persistent hits: they need no new
# mapping and succeed) with reads that need new mappings (misses: they
# fail).  A read that succeeds without mapping anything says nothing of
# dom0's memory: the shortage must still cost the ring one long wait (999
# tries for the first miss, then 9 for each other one), not one per miss
# that follows a hit.  One ring, and the frontend's free slots are reused
# last in first out, so each read of one sequence takes the same slot:
# its first page's grant is the one the warm-up read left persistent, the
# other pages of a bigger read were never mapped.
. /lab/attach-fault.sh
af_require back
P=/sys/module/xen_blkback/parameters
saved_p=$(cat $P/feature_persistent)
saved_b=$(cat $P/max_buffer_pages)
saved_q=$(cat $P/max_queues)
echo 1 > $P/feature_persistent
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
check_eq "persistent grants offered by both ends" \
	"$(xs_back xvdb feature-persistent)$(xs_front xvdb feature-persistent)" 11
# warm-up: the slot's first grant becomes persistent
check "warm-up read" g "dd if=/dev/xvdb of=/dev/null bs=4k count=1 iflag=direct 2>&1"
af_pool_drained xvdb
tries0=$(bk_stat xvdb nomem_retries)
maps0=$(bk_stat xvdb err_grant_map)
hits0=$(bk_stat xvdb pgrant_hits)
miss0=$(bk_stat xvdb pgrant_misses)
af_back_shortage on
# one guest command: the reads follow each other closely
out=$(g 'for i in 1 2 3 4; do
	if dd if=/dev/xvdb of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
	then echo hit-read-ok; else echo hit-read-failed; fi
	if dd if=/dev/xvdb of=/dev/null bs=32k count=1 skip=$i iflag=direct 2>/dev/null
	then echo miss-read-ok; else echo miss-read-failed; fi
done')
note "reads during the shortage:" $out
injected=$(($(af_lab_fault dom0 injected failslab) + $(af_lab_fault dom0 injected fail_page_alloc)))
af_back_shortage off
tries=$(($(bk_stat xvdb nomem_retries) - tries0))
hits=$(($(bk_stat xvdb pgrant_hits) - hits0))
misses=$(($(bk_stat xvdb pgrant_misses) - miss0))
check_ge "allocations failed" "$injected" 1
check_eq "reads of persistent grants served during the shortage" \
	"$(echo "$out" | grep -c '^hit-read-ok$')" 4
check_ge "persistent hits (one per try of a read at least)" "$hits" 8
check_ge "persistent misses (one per try of a bigger read at least)" "$misses" 4
check_eq "reads needing new mappings failed" \
	"$(echo "$out" | grep -c '^miss-read-failed$')" 4
check_eq "requests failed for want of memory" \
	"$(($(bk_stat xvdb err_grant_map) - maps0))" 4
check_ge "tries of the first miss (one long wait)" "$tries" 999
check_le "tries during the shortage (999, then 9 per later miss)" \
	"$tries" $((999 + 3 * 9))
check "verified I/O once the shortage is over" \
	fio_verify xvdb --rw=randwrite --bsrange=4k-64k --iodepth=8 --size=4M
summary "xen-blkback, a lasting memory shortage with persistent hits: $tries tries, $hits hits, $misses misses"
detach xvdb
losetup -d "$dev" 2>/dev/null
restore_params
bk_released 10
