# trusted=0: the frontend copies all data through its own pages (bounce),
# with and without persistent grants, and data stays intact.  (FRONT=ours.)
# (the distro frontend has none of this: nothing to run, not a pass)
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours"; exit 1; }
fparams=$(cat $LAB_RUN/fparams)
for p in 1 0; do
	guest_restart ours trusted=0 feature_persistent=$p || exit 1
	dev=$(disk_loop 64) || { fail "no loop device"; exit 1; }
	attach "$dev" xvdb w || exit 1
	s=/sys/block/xvdb/device/xen-blkfront
	check_eq "trusted=0 (persistent=$p)" "$(g "cat $s/trusted")" 0
	check_eq "bounce on (persistent=$p)" "$(g "cat $s/bounce")" 1
	check "fio verify, bounced, persistent=$p" fio_verify xvdb --rw=randwrite --bsrange=512-256k --iodepth=16 --size=16M
	check_ge "bounce copies counted" "$(g "cat $s/bounce_copies")" 1
	detach xvdb
done
# shellcheck disable=SC2086
guest_restart ours $fparams
