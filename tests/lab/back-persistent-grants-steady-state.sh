# With persistent grants agreed on both sides, once the cache is warm a
# request costs (almost) no grant map operation: delta map_ops / delta
# requests < 0.1 over a second fio pass over the same range.  Needs our
# backend and a frontend with feature_persistent (upstream's default).
ours=$(cat $LAB_RUN/back)
conn() { local d f l=; d=$(bk_dir "$1")/connection; for f in nr_rings ring_pages protocol persistent indirect_segments; do l="$l $f=$(cat $d/$f)"; done; echo "backend:$l"; }
[ "$ours" = ours ] || { fail "needs BACK=ours (nothing to run with the distro backend, not a pass)"; exit 1; }
lo=$(disk_loop 32) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
attach "$lo" xvdb w || exit 1
summary "negotiated: $(negotiated xvdb); $(conn xvdb)"
if [ "$(xs_front xvdb feature-persistent)" != 1 ] || [ "$(xs_back xvdb feature-persistent)" != 1 ]; then
	note "persistent grants not agreed: checking they are unused instead"
	check "fio" fio_verify xvdb --rw=randwrite --bs=4k --iodepth=8 --size=4M
	check_eq "no persistent grants" "$(bk_stat xvdb persistent_grants)" 0
	detach xvdb; losetup -d "$lo"; rm -f "$file"
	exit 0
fi
check "warm-up fio" fio_verify xvdb --rw=randwrite --bs=4k --iodepth=16 --size=8M
m0=$(bk_stat xvdb map_ops)
r0=$(bk_stat xvdb requests)
check "steady-state fio" fio_verify xvdb --rw=randwrite --bs=4k --iodepth=16 --size=8M
m1=$(bk_stat xvdb map_ops)
r1=$(bk_stat xvdb requests)
dm=$((m1 - m0))
dr=$((r1 - r0))
summary "steady state: $dm map ops for $dr requests; persistent_grants=$(bk_stat xvdb persistent_grants) hits=$(bk_stat xvdb pgrant_hits) misses=$(bk_stat xvdb pgrant_misses)"
check_ge "requests in the second pass" "$dr" 100
check_le "map ops x10 per request (< 1 per 10 requests)" "$((dm * 10))" "$dr"
check_ge "persistent grants held" "$(bk_stat xvdb persistent_grants)" 1
detach xvdb
losetup -d "$lo"
rm -f "$file"
