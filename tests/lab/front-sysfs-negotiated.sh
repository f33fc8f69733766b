# Our frontend's sysfs shows what the XenStore keys imply, and its counters
# move with I/O.  (Needs FRONT=ours.)
# (the distro frontend has none of this: nothing to run, not a pass)
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours"; exit 1; }
dev=$(disk_null 64 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdb w || exit 1
s=/sys/block/xvdb/device/xen-blkfront
sf() { g "cat $s/$1"; }
param() { g "cat /sys/module/xen_blkfront/parameters/$1"; }
min() { [ "$1" -lt "$2" ] && echo "$1" || echo "$2"; }

check_eq "state" "$(sf state)" connected
q=$(xs_front xvdb multi-queue-num-queues)
check_eq "nr_rings = multi-queue-num-queues" "$(sf nr_rings)" "${q:-1}"
o=$(xs_front xvdb ring-page-order)
check_eq "ring_pages = 1 << ring-page-order" "$(sf ring_pages)" $((1 << ${o:-0}))
check_eq "ring_slots = 32 per page" "$(sf ring_slots)" $((32 << ${o:-0}))
bi=$(xs_back xvdb feature-max-indirect-segments)
want=$(min "$(param max_indirect_segments)" "${bi:-0}")
[ "$want" -le 11 ] && want=0
check_eq "max_indirect_segments = min(param, backend)" "$(sf max_indirect_segments)" "$want"
bp=$(xs_back xvdb feature-persistent)
fp=$(xs_front xvdb feature-persistent)
check_eq "persistent_grants = back && front" "$(sf persistent_grants)" $(( ${bp:-0} && ${fp:-0} ))
f=none
[ "$(xs_back xvdb feature-barrier)" = 1 ] && f=barrier
[ "$(xs_back xvdb feature-flush-cache)" = 1 ] && f=flush-diskcache
check_eq "flush mode" "$(sf flush)" "$f"
check_eq "discard" "$(sf discard)" "$(xs_back xvdb feature-discard || echo 0)"
check_eq "trusted" "$(sf trusted)" 1
summary "sysfs: $(g "cd $s && for a in *; do printf '%s=%s ' \$a \"\$(cat \$a)\"; done")"

r0=$(sf requests_read)
w0=$(sf requests_write)
check "some I/O" fio_verify xvdb --rw=randwrite --bs=64k --iodepth=4 --size=8M
check_ge "requests_read grew" "$(sf requests_read)" $((r0 + 1))
check_ge "requests_write grew" "$(sf requests_write)" $((w0 + 128))
check_eq "nothing in flight when idle" "$(sf in_flight | tr -d ' 0')" ""
if [ "$(sf max_indirect_segments)" -gt 0 ]; then
	check_ge "64k writes used indirect requests" "$(sf requests_indirect)" 1
fi
if [ "$(sf persistent_grants)" = 1 ]; then
	check_ge "persistent grants reused" "$(sf persistent_hits)" 1
fi
detach xvdb
