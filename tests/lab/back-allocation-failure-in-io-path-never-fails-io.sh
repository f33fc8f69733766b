# On the lab's debug kernel (KVER=6.12-debug), BACK=ours: while fio in the
# guest writes and verifies, every third page and slab allocation made from
# xen-blkback's code in dom0 fails (lab-fault, stack filter on the module):
# the pages the grants are mapped onto (max_buffer_pages=0 trims the pool
# every second, so it keeps asking for new ones), bios, and persistent
# grants' records; without persistent grants every request maps its
# grants, with them the first use of each.  No I/O fails for it: fio
# verify passes (a request whose mapping ran out of memory is tried again,
# not failed), the backend counts no failed map and no I/O error,
# allocations did fail in every round, and at the end no grant is mapped
# and no page is lost.
. /lab/attach-fault.sh
af_require back
P=/sys/module/xen_blkback/parameters
saved_p=$(cat $P/feature_persistent)
saved_b=$(cat $P/max_buffer_pages)
echo 0 > $P/max_buffer_pages
for p in 0 1; do
	echo $p > $P/feature_persistent
	dev=$(disk_loop 32) || { fail "no loop device"; break; }
	attach "$dev" xvdb w || break
	note "persistent=$p: $(negotiated xvdb)"
	IOF_PAGE=
	IOF_SLAB=
	check "persistent=$p: fio verify while allocations fail" \
		io_fault_fio dom0 xen_blkback 3 xvdb --rw=randwrite --bsrange=4k-256k --iodepth=16 --size=8M
	check_ge "persistent=$p: allocations failed" "$((IOF_PAGE + IOF_SLAB))" 1
	check_eq "persistent=$p: failed grant maps" "$(bk_stat xvdb err_grant_map)" 0
	check_eq "persistent=$p: I/O errors" "$(bk_stat xvdb err_io)" 0
	summary "xen-blkback persistent=$p, every 3rd allocation failing during fio verify:" \
		"$IOF_PAGE page and $IOF_SLAB slab allocations failed," \
		"$(bk_stat xvdb nomem_retries) requests tried again for want of memory"
	detach xvdb
	losetup -d "$dev" 2>/dev/null
done
echo "$saved_p" > $P/feature_persistent
echo "$saved_b" > $P/max_buffer_pages
bk_released 10
