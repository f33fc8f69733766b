# Module parameters changed at runtime shape the next connection: offering
# one queue, a one-page ring, no indirect segments and no persistent
# grants shows in XenStore and in what the frontend then uses; restoring
# them restores the offer.
ours=$(cat $LAB_RUN/back)
conn() { local d f l=; d=$(bk_dir "$1")/connection; for f in nr_rings ring_pages protocol persistent indirect_segments; do l="$l $f=$(cat $d/$f)"; done; echo "backend:$l"; }
[ "$ours" = ours ] || { fail "needs BACK=ours (nothing to run with the distro backend, not a pass)"; exit 1; }
P=/sys/module/xen_blkback/parameters
save_q=$(cat $P/max_queues) save_o=$(cat $P/max_ring_page_order)
save_i=$(cat $P/max_indirect_segments) save_p=$(cat $P/feature_persistent)
lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)

echo 1 > $P/max_queues
echo 0 > $P/max_ring_page_order
echo 0 > $P/max_indirect_segments
echo N > $P/feature_persistent
attach "$lo" xvdb w || exit 1
summary "restricted: $(negotiated xvdb); $(conn xvdb)"
check_eq "multi-queue-max-queues" "$(xs_back xvdb multi-queue-max-queues)" 1
check_eq "max-ring-page-order" "$(xs_back xvdb max-ring-page-order)" 0
check_eq "no feature-max-indirect-segments" "$(xs_back xvdb feature-max-indirect-segments)" ""
check_eq "feature-persistent" "$(xs_back xvdb feature-persistent)" 0
check_eq "backend uses one ring" "$(cat $(bk_dir xvdb)/connection/nr_rings)" 1
check_eq "of one page" "$(cat $(bk_dir xvdb)/connection/ring_pages)" 1
check_eq "without persistent grants" "$(cat $(bk_dir xvdb)/connection/persistent)" 0
check "I/O works restricted" fio_verify xvdb --rw=randwrite --bs=64k --iodepth=8 --size=4M
check_eq "no indirect requests" "$(bk_stat xvdb indirect_req)" 0
check_eq "no persistent grants" "$(bk_stat xvdb persistent_grants)" 0
detach xvdb

echo "$save_q" > $P/max_queues
echo "$save_o" > $P/max_ring_page_order
echo "$save_i" > $P/max_indirect_segments
echo "$save_p" > $P/feature_persistent
attach "$lo" xvdb w || exit 1
summary "restored: $(negotiated xvdb); $(conn xvdb)"
check_eq "max-ring-page-order restored" "$(xs_back xvdb max-ring-page-order)" "$save_o"
check_eq "feature-max-indirect-segments restored" "$(xs_back xvdb feature-max-indirect-segments)" "$save_i"
check "I/O works restored" fio_verify xvdb --rw=randwrite --bs=64k --iodepth=8 --size=4M
detach xvdb
losetup -d "$lo"
rm -f "$file"
