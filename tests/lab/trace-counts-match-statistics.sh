# The tracepoints and the statistics tell the same story: over a fio run
# (reads, writes, flushes) and a discard on a fresh disk, with the
# request tracepoints enabled through tracefs in dom0 (xen_blkback) and in
# the guest (xen_blkfront), each side traced exactly one req_queued and
# one req_completed event per request its sysfs counters gained, the
# latency_* histograms counted each answered request once, and
# xen-blkstat (--json, and its text report) says what the counters say.
# Each side is checked where it runs our driver (the other has no such
# tracepoints); with neither, there is nothing to run, which is not a pass.
front=$(cat $LAB_RUN/front) back=$(cat $LAB_RUN/back)
if [ "$front" != ours ] && [ "$back" != ours ]; then
	fail "needs FRONT=ours or BACK=ours"
	exit 1
fi
T=/sys/kernel/tracing

# trace_on <system> <event prefix>: the two request events of a driver,
# into an empty buffer big enough for the run (run in dom0 or, quoted, in
# the guest).  Without task names (record-cmd 0): recording them hooks
# sched_switch, and switching that hook on and off patches __schedule()
# while every CPU runs it, which twice oopsed a 6.12 PV guest ("Oops:
# int3" at __schedule+0x339, make check 2026-11-27, outside our drivers);
# the counts need no names.
trace_on='t=/sys/kernel/tracing; [ -d $t/events ] || mount -t tracefs nodev $t || exit 1;
	echo 0 > $t/tracing_on; echo 0 > $t/options/record-cmd; echo 4096 > $t/buffer_size_kb;
	echo 1 > $t/events/$1/$2_req_queued/enable; echo 1 > $t/events/$1/$2_req_completed/enable;
	echo > $t/trace; echo 1 > $t/tracing_on'
# trace_count <event> <device>: events of one device; fails when the buffer
# lost any
trace_count='t=/sys/kernel/tracing; echo 0 > $t/tracing_on;
	for s in $t/per_cpu/cpu*/stats; do
		o=$(sed -n "s/^overrun: //p" $s); [ "${o:-0}" = 0 ] || { echo "overrun $o in $s" >&2; exit 1; }
	done
	grep -c " $1: $2 " $t/trace'
trace_off='t=/sys/kernel/tracing; echo 0 > $t/tracing_on;
	for e in $t/events/$1/*/enable; do echo 0 > $e; done; echo > $t/trace'

# the sum of a file of lines of counts
sum_file='awk "{ for (i = 1; i <= NF; i++) s += \$i } END { printf \"%.0f\\n\", s }"'

# json_dev <json> <device>: the object of one device in xen-blkstat --json
json_dev() {
	echo "$1" | awk -v dev="$2" '{
		p = index($0, "{\"name\":\"" dev "\"")
		if (!p)
			exit
		s = substr($0, p + 1)
		q = index(s, "{\"name\":\"")
		if (q)
			s = substr(s, 1, q - 1)
		print s
	}'
}
# json_get <json> <device> <section> <key>: one of its values
json_get() {
	json_dev "$1" "$2" | awk -v sec="$3" -v key="$4" '{
		p = index($0, "\"" sec "\":{")
		if (!p)
			exit
		s = substr($0, p)
		s = substr(s, 1, index(s, "}"))
		p = index(s, "\"" key "\":")
		if (!p)
			exit
		s = substr(s, p + length(key) + 3)
		sub(/[],}].*/, "", s)
		print s
	}'
}
# json_rings_sum <json> <device> <key>: a per-ring value, summed over rings
json_rings_sum() {
	json_dev "$1" "$2" | awk -v key="$3" '{
		p = index($0, "\"rings\":[")
		s = p ? substr($0, p) : ""
		t = 0
		while ((p = index(s, "\"" key "\":")) > 0) {
			s = substr(s, p + length(key) + 3)
			v = s
			sub(/[],}].*/, "", v)
			t += v
		}
		printf "%.0f\n", t
	}'
}

lo=$(disk_loop 128) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
attach "$lo" xvdb w || exit 1
bdir=$(bk_dir xvdb)
bdev=${bdir##*/}
fdev=$(g 'basename "$(readlink /sys/block/xvdb/device)"')
fdir=/sys/bus/xen/devices/$fdev/xen-blkfront
summary "negotiated: $(negotiated xvdb); backend $bdev, frontend $fdev"

# the counters of each side, as one line of numbers
back_counts() {
	echo "$(bk_stat xvdb requests) $(bk_stat xvdb rd_req) $(bk_stat xvdb wr_req) $(bk_stat xvdb f_req) $(bk_stat xvdb ds_req)"
}
front_counts() {
	g "cd $fdir && echo \$((\$(cat requests_read) + \$(cat requests_write) + \$(cat requests_flush) + \$(cat requests_discard))) \$(cat requests_read) \$(cat requests_write) \$(cat requests_flush) \$(cat requests_discard)"
}
back_lat() { cat $bdir/statistics/latency_* | eval "$sum_file"; }
front_lat() { g "cat $fdir/latency_* | $sum_file"; }

if [ "$back" = ours ]; then
	check "dom0: request tracepoints on" sh -c "$trace_on" - xen_blkback blkback
	b0=$(back_counts) bl0=$(back_lat)
fi
if [ "$front" = ours ]; then
	check "guest: request tracepoints on" g "set -- xen_blkfront blkfront; $trace_on"
	f0=$(front_counts) fl0=$(front_lat)
fi

# reads, writes and a flush every 16 writes, then a discard
check "fio verify with flushes" fio_verify xvdb --rw=randwrite --bs=4k --iodepth=8 --size=4M --fsync=16
check "blkdiscard in the guest" g "blkdiscard -o 64M -l 4M /dev/xvdb"

if [ "$back" = ours ]; then
	b1=$(back_counts) bl1=$(back_lat)
	set -- $b0; r0=$1; set -- $b1; r1=$1
	dr=$((r1 - r0))
	q=$(sh -c "$trace_count" - blkback_req_queued "$bdev") || fail "dom0: trace buffer lost events"
	c=$(sh -c "$trace_count" - blkback_req_completed "$bdev") || fail "dom0: trace buffer lost events"
	sh -c "$trace_off" - xen_blkback
	summary "backend: $dr requests ($b0 -> $b1), traced $q queued, $c completed; histograms +$((bl1 - bl0))"
	check_ge "backend: requests over the run" "$dr" 100
	check_eq "backend: req_queued events = delta of statistics/requests" "$q" "$dr"
	check_eq "backend: req_completed events = delta of statistics/requests" "$c" "$dr"
	check_eq "backend: latency_* histograms gained one count per request" "$((bl1 - bl0))" "$dr"
	# xen-blkstat, with the disk idle: the counters as they are now
	js=$(xen-blkstat -c 1 --json)
	check_eq "backend: xen-blkstat requests" "$(json_get "$js" "$bdev" counters requests)" "$(bk_stat xvdb requests)"
	check_eq "backend: xen-blkstat rd_req" "$(json_get "$js" "$bdev" counters rd_req)" "$(bk_stat xvdb rd_req)"
	check_eq "backend: xen-blkstat wr_req" "$(json_get "$js" "$bdev" counters wr_req)" "$(bk_stat xvdb wr_req)"
	check_eq "backend: xen-blkstat f_req" "$(json_get "$js" "$bdev" counters f_req)" "$(bk_stat xvdb f_req)"
	check_eq "backend: xen-blkstat ds_req" "$(json_get "$js" "$bdev" counters ds_req)" "$(bk_stat xvdb ds_req)"
	check_eq "backend: xen-blkstat map_ops" "$(json_get "$js" "$bdev" counters map_ops)" "$(bk_stat xvdb map_ops)"
	check_eq "backend: xen-blkstat answered, all rings" "$(json_rings_sum "$js" "$bdev" answered)" "$bl1"
	check_eq "backend: xen-blkstat requests, all rings" "$(json_rings_sum "$js" "$bdev" requests)" \
		"$(tr ' ' '\n' < $bdir/statistics/ring_requests | eval "$sum_file")"
	check "backend: xen-blkstat text report names the disk" sh -c "xen-blkstat -c 1 | grep -q '^$bdev (backend, ours)'"
fi

if [ "$front" = ours ]; then
	f1=$(front_counts) fl1=$(front_lat)
	set -- $f0; r0=$1; set -- $f1; r1=$1
	dr=$((r1 - r0))
	q=$(g "set -- blkfront_req_queued $fdev; $trace_count") || fail "guest: trace buffer lost events"
	c=$(g "set -- blkfront_req_completed $fdev; $trace_count") || fail "guest: trace buffer lost events"
	g "set -- xen_blkfront; $trace_off"
	summary "frontend: $dr requests ($f0 -> $f1), traced $q queued, $c completed; histograms +$((fl1 - fl0))"
	check_ge "frontend: requests over the run" "$dr" 100
	check_eq "frontend: req_queued events = delta of requests_*" "$q" "$dr"
	check_eq "frontend: req_completed events = delta of requests_*" "$c" "$dr"
	check_eq "frontend: latency_* histograms gained one count per request" "$((fl1 - fl0))" "$dr"
	# one value a line on the way (the agent carries lines, in chunks
	# under XenStore's size limit), one line again here
	js=$(g "xen-blkstat -c 1 --json | tr ',' '\n'" | tr '\n' ',')
	set -- $f1
	check_eq "frontend: xen-blkstat rd_req" "$(json_get "$js" "$fdev" counters rd_req)" "$2"
	check_eq "frontend: xen-blkstat wr_req" "$(json_get "$js" "$fdev" counters wr_req)" "$3"
	check_eq "frontend: xen-blkstat f_req" "$(json_get "$js" "$fdev" counters f_req)" "$4"
	check_eq "frontend: xen-blkstat ds_req" "$(json_get "$js" "$fdev" counters ds_req)" "$5"
	check_eq "frontend: xen-blkstat answered, all rings" "$(json_rings_sum "$js" "$fdev" answered)" "$fl1"
	check_eq "frontend: xen-blkstat map_ops = grants_granted" "$(json_get "$js" "$fdev" counters map_ops)" \
		"$(g "cat $fdir/grants_granted")"
	check "frontend: xen-blkstat text report names the disk" g "xen-blkstat -c 1 | grep -q '^$fdev (frontend, ours, xvdb)'"
fi

detach xvdb
losetup -d "$lo"
rm -f "$file"
