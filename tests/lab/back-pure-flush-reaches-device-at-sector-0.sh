# A cache flush without data (BLKIF_OP_FLUSH_DISKCACHE, no segments)
# reaches the backing device as an empty flush at sector 0, whatever sector
# the frontend wrote into the request: the sector of a pure flush means
# nothing and is never checked, so it must not travel (upstream's backend
# builds that bio at sector 0 too).  blkif-evil (the guest's hand-played
# frontend, see back-hostile-frontend.sh) sends such a flush naming sector
# 12345; dom0's block_bio_queue tracepoint shows where the bio went.
[ "$(cat $LAB_RUN/back)" = ours ] || { fail "needs BACK=ours (nothing to run with the distro backend, not a pass)"; exit 1; }
finished=
trap '[ -n "$finished" ] || guest_restart' EXIT
T=/sys/kernel/tracing

guest_hand_frontend
[ -d $T/events/block ] || mount -t tracefs nodev $T
check "tracefs with block events in dom0" test -d $T/events/block/block_bio_queue

lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
set -- $(stat -L -c '%t %T' "$lo")
mm="$((0x$1)),$((0x$2))"
v=xvdb
if xl block-attach $DOMU "format=raw,vdev=$v,access=w,script=lab-block,target=$lo"; then
	echo 0 > $T/tracing_on
	# no task names: their hook on sched_switch patches __schedule()
	# (see trace-counts-match-statistics)
	echo 0 > $T/options/record-cmd
	echo > $T/trace
	echo 1 > $T/events/block/block_bio_queue/enable
	echo 1 > $T/tracing_on
	out=$(g "blkif-evil $(vdev_devid $v) flush-at")
	echo 0 > $T/tracing_on
	echo 0 > $T/events/block/block_bio_queue/enable
	echo "$out"
	check_eq "$v: the flush is answered" \
		"$(echo "$out" | sed -n 's/^RESULT flush-at //p')" "status=0 id=echoed op=3"
	flushes=$(grep "block_bio_queue: $mm F" $T/trace)
	echo "$flushes"
	check_eq "$v: empty flushes that reached $lo ($mm)" \
		"$(echo "$flushes" | grep -c ' + 0 ')" 1
	check_eq "$v: ... at sector 0" "$(echo "$flushes" | grep -c ' 0 + 0 ')" 1
	dir=$(bk_dir $v)
	xl block-detach $DOMU $v || fail "xl block-detach $v"
	i=0
	while [ -d "$dir" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	check_eq "$v: backend device released" "$(ls -d "$dir" 2>/dev/null | wc -l)" 0
else
	fail "xl block-attach $lo as $v"
fi
guest_restart
finished=1
f=$(cat /sys/block/${lo#/dev/}/loop/backing_file 2>/dev/null)
check "$lo released" losetup -d "$lo"
[ -n "$f" ] && rm -f "$f"
