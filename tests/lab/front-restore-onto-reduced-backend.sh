# Save with fio running, switch the backend's persistent grants and indirect
# requests off (and go down to one queue), restore: the frontend
# renegotiates, requeues what was in flight and fio verifies clean.
back=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
dev=$(disk_null 128 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdb w || exit 1
summary "before: $(negotiated xvdb)"
g "rm -f /tmp/stop /tmp/fio.fail /tmp/fio.runs; (n=0; while [ ! -f /tmp/stop ]; do
	fio --name=v --filename=/dev/xvdb --direct=1 --ioengine=libaio --verify=crc32c \
		--do_verify=1 --verify_fatal=1 --rw=randwrite --bsrange=4k-1m --iodepth=16 \
		--size=16M > /tmp/fio.\$n.log 2>&1 || echo \$n >> /tmp/fio.fail; n=\$((n + 1));
	done; echo \$n > /tmp/fio.runs) >/dev/null 2>&1 &"
sleep 8
check "xl save" xl save $DOMU /tmp/domu.save
if [ "$back" = ours ]; then
	check "reload our backend without persistent grants and indirect" \
		back_reload ours feature_persistent=0 max_indirect_segments=0 max_queues=1
else
	# the in-tree backend cannot switch indirect off: persistent and queues only
	orig_mq=$(cat /sys/module/xen_blkback/parameters/max_queues)
	echo 0 > /sys/module/xen_blkback/parameters/feature_persistent
	echo 1 > /sys/module/xen_blkback/parameters/max_queues
	note "upstream backend: indirect segments stay on"
fi
check "xl restore" xl restore /tmp/domu.save
rm -f /tmp/domu.save
guest_domid > $LAB_RUN/domid
summary "after: $(negotiated xvdb)"
check_eq "backend no longer offers persistent grants" "$(xs_back xvdb feature-persistent || echo 0)" 0
if [ "$(cat $LAB_RUN/front)" = ours ]; then
	s=/sys/block/xvdb/device/xen-blkfront
	check_eq "frontend: persistent grants off" "$(g "cat $s/persistent_grants")" 0
	check_eq "frontend: one ring" "$(g "cat $s/nr_rings")" 1
	[ "$back" = ours ] && check_eq "frontend: indirect off" "$(g "cat $s/max_indirect_segments")" 0
	summary "frontend sysfs: $(g "cd $s && for a in *; do printf '%s=%s ' \$a \"\$(cat \$a)\"; done")"
fi
sleep 10
g 'touch /tmp/stop; i=0; while [ ! -f /tmp/fio.runs ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done' >/dev/null
summary "fio verify runs: $(g 'cat /tmp/fio.runs'), failed: $(g 'cat /tmp/fio.fail 2>/dev/null | wc -l')"
check "zero fio verify failures across the restore" g 'if [ -s /tmp/fio.fail ]; then for n in $(cat /tmp/fio.fail); do tail -n 15 /tmp/fio.$n.log; done; exit 1; fi'
check "fresh fio verify after the restore" fio_verify xvdb --rw=randwrite --bsrange=512-1m --iodepth=16 --size=16M
detach xvdb
# put the run's backend back as it was
if [ "$back" = ours ]; then
	# shellcheck disable=SC2086
	check "restore the run's backend" back_reload ours $bparams
else
	echo 1 > /sys/module/xen_blkback/parameters/feature_persistent
	echo "$orig_mq" > /sys/module/xen_blkback/parameters/max_queues
fi
