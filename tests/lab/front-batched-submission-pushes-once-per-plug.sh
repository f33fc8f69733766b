# Batched submission (blk-mq's .queue_rqs): fio on io_uring, 16 I/Os per
# submission at depth 32 (reaping 16 at a time), with no I/O scheduler,
# reaches the rings as plugs of several requests, each pushed with at most
# one notification of the backend, and everything it wrote reads back
# verified (crc32c).  The frontend's per-ring batches and batch_requests
# grow, a batch holds 4 requests on average at least, and dom0 takes no
# more ring interrupts
# than there were pushes (one per batch, at most one per request that
# went singly).  With an I/O scheduler blk-mq never calls .queue_rqs: the
# same job leaves batches as they were.
# Requests of a batch are in flight for the block layer too: 16 reads of
# one io_uring submission held by a suspended device (dm-linear) in dom0
# show in /sys/block/xvdc/inflight as in the frontend's own in_flight
# (on 6.1 a request issued through .queue_rqs that the driver does not
# enter in the tag table is invisible to tag walks: inflight, timeouts).
# (Needs FRONT=ours.)
# (the distro frontend has none of this: nothing to run, not a pass)
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours"; exit 1; }
held=
trap '[ -n "$held" ] && dmsetup resume "$held"' EXIT
dev=$(disk_null 64 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdb w || exit 1
s=/sys/block/xvdb/device/xen-blkfront
q=/sys/block/xvdb/queue/scheduler

# "<batches> <batch_requests> <reads + writes>", summed over the rings
front_sample() {
	g "cd $s && awk '{ for (i = 1; i <= NF; i++) t[FILENAME] += \$i }
		END { printf \"%d %d %d\\n\", t[\"batches\"], t[\"batch_requests\"],
			t[\"requests_read\"] + t[\"requests_write\"] }' \
		batches batch_requests requests_read requests_write"
}
# event channel interrupts of dom0's ring handlers (only this guest's
# disk is attached, and only its frontend signals them)
backend_irqs() {
	awk '$NF == "blkif-backend" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
		END { print n + 0 }' /proc/interrupts
}
# fio reaps 16 completions before it submits again, 16 at a time: with
# the default (reap one, submit one) a full queue submits one I/O per call
# after the first, and plugs hold one request (2026-11-27: mean 1.0)
job="--ioengine=io_uring --rw=randwrite --bs=4k --iodepth=32 --iodepth_batch_submit=16
	--iodepth_batch_complete_min=16"

summary "negotiated: $(negotiated xvdb); scheduler was: $(g "cat $q")"
check "no I/O scheduler" g "echo none > $q && grep -q '\[none\]' $q"

set -- $(front_sample); b0=$1 br0=$2 r0=$3
i0=$(backend_irqs)
check "fio io_uring, 16 per submission, depth 32, crc32c verified" \
	fio_verify xvdb $job --size=16M
set -- $(front_sample); b1=$1 br1=$2 r1=$3
i1=$(backend_irqs)
db=$((b1 - b0)) dbr=$((br1 - br0)) dr=$((r1 - r0)) di=$((i1 - i0))
summary "no scheduler: $dr requests, $dbr of them in $db batches (mean $(awk -v a=$dbr -v b=$db 'BEGIN { printf "%.1f", b ? a / b : 0 }')), dom0 ring interrupts $di ($(awk -v a=$di -v b=$dr 'BEGIN { printf "%.3f", b ? a / b : 0 }') per request); per ring: batches $(g "cat $s/batches"), batch_requests $(g "cat $s/batch_requests")"
check_ge "requests over the run (4096 writes, read back; few merge)" "$dr" 4096
check_ge "batches pushed" "$db" 1
check_ge "requests in batches: at least 4 per batch on average" "$dbr" $((4 * db))
check_le "requests in batches: no more than all requests" "$dbr" "$dr"
check_le "dom0 ring interrupts: at most one per push" "$di" $((db + dr - dbr))

if g "grep -q mq-deadline $q"; then
	check "mq-deadline as the I/O scheduler" g "echo mq-deadline > $q && grep -q '\[mq-deadline\]' $q"
	set -- $(front_sample); b0=$1 br0=$2 r0=$3
	check "fio io_uring under mq-deadline, crc32c verified" \
		fio_verify xvdb $job --size=4M --offset=32M
	set -- $(front_sample)
	summary "mq-deadline: $(($3 - r0)) requests, $(($1 - b0)) batches"
	check_ge "requests under mq-deadline (1024 writes, read back)" "$(($3 - r0))" 1024
	check_eq "no batches through an I/O scheduler" "$(($1 - b0))" 0
	check_eq "no batched requests through an I/O scheduler" "$(($2 - br0))" 0
else
	fail "the guest kernel has no mq-deadline: the scheduler half did not run"
fi
detach xvdb

# ---- 16 reads of one submission, held in dom0: in flight for blk-mq ----
dev=$(disk_dm_linear 16) || { fail "no dm-linear device"; exit 1; }
dm=$(cat /sys/block/${dev#/dev/}/dm/name)
attach "$dev" xvdc w || exit 1
s=/sys/block/xvdc/device/xen-blkfront
check "xvdc: no I/O scheduler" g "echo none > /sys/block/xvdc/queue/scheduler"
set -- $(g "cat $s/batches"); b0=$(echo "$@" | awk '{ for (i = 1; i <= NF; i++) n += $i; print n + 0 }')
check "dmsetup suspend $dm" dmsetup suspend --noflush "$dm" && held=$dm
g "setsid fio --name=held --filename=/dev/xvdc --direct=1 --ioengine=io_uring \
	--rw=randread --bs=4k --size=8M --iodepth=16 --iodepth_batch_submit=16 \
	--number_ios=16 > /tmp/held.out 2>&1 < /dev/null & echo \$! > /tmp/held.pid"
# the frontend's requests in flight, over its rings, once they are 16
fl=$(g "i=0; while [ \$i -lt 300 ]; do
		n=\$(awk '{ for (j = 1; j <= NF; j++) n += \$j; print n + 0 }' $s/in_flight)
		[ \$n -ge 16 ] && break; sleep 0.1; i=\$((i + 1)); done; echo \$n")
inf=$(g "cat /sys/block/xvdc/inflight")
set -- $(g "cat $s/batches"); b1=$(echo "$@" | awk '{ for (i = 1; i <= NF; i++) n += $i; print n + 0 }')
summary "held batch: frontend in_flight $fl, /sys/block/xvdc/inflight '$inf', batches +$((b1 - b0))"
check_eq "xvdc: the frontend's requests in flight" "$fl" 16
check_ge "xvdc: they came in a batch" "$((b1 - b0))" 1
check_eq "xvdc: block layer's reads in flight (inflight) as the frontend's" \
	"$(echo $inf | awk '{ print $1 }')" 16
check "dmsetup resume $dm" dmsetup resume "$dm" && held=
check "the held reads end" g "i=0; while kill -0 \$(cat /tmp/held.pid) 2>/dev/null && [ \$i -lt 300 ]; do
		sleep 0.1; i=\$((i + 1)); done; ! kill -0 \$(cat /tmp/held.pid) 2>/dev/null"
check_eq "xvdc: nothing in flight afterwards" "$(g "cat /sys/block/xvdc/inflight" | awk '{ print $1 + $2 }')" 0
detach xvdc
