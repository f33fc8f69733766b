#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tools/xen-blkstat over a made-up sysfs tree (XEN_BLKSTAT_SYSFS): one disk
# of our backend (2 rings), one of upstream's, one of our frontend, one of
# upstream's frontend (the block layer's stat only); the counters, the
# per-ring sums and the percentiles it reports, in JSON and in text; the
# second report of -c 2 counts only its interval.  Run with the host's
# awk, and with busybox's (the lab's) when there is one.  Then, host only:
# stat lines of older kernels, a disk that goes mid-snapshot, and TERM.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tool=$here/../../../tools/xen-blkstat
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; failed=$((failed + 1)); }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi; }

S=$tmp/sys
put() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" > "$1"; }
zero="0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
b=$S/bus/xen-backend/devices/vbd-3-51728/statistics
for kv in oo_req=0 rd_req=100 wr_req=40 f_req=4 ds_req=2 rd_sect=800 wr_sect=320 \
	requests=147 indirect_req=0 pgrant_hits=90 pgrant_misses=10 map_ops=20 unmap_ops=5 \
	lru_purged=0 nomem_retries=0 persistent_grants=10 pool_pages=7 inflight=0 \
	err_bad_op=1 err_io=0 err_read_only=0; do
	put "$b/${kv%=*}" "${kv#*=}"
done
put "$b/ring_requests" "100 47"
put "$b/ring_inflight" "0 0"
put "$b/ring_inflight_peak" "9 4"
put "$b/ring_persistent_grants" "6 4"
# ring 0: 60 reads in [64, 128) us, 30 in [128, 256), 10 in [1024, 2048)
put "$b/latency_read" "0 0 0 0 0 0 60 30 0 0 10 0 0 0 0 0 0 0 0 0 0 0 0 0
$zero"
put "$b/latency_write" "$zero
0 0 0 0 0 0 0 0 40 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
put "$b/latency_flush" "$zero
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4"
put "$b/latency_discard" "$zero
0 0 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
# 3 rings, whose latency_* lines did not all fit in a page: the drivers
# list the first ones and end with "truncated <rings left out>"
t=$S/bus/xen-backend/devices/vbd-5-51712/statistics
for kv in requests=18 rd_req=18 wr_req=0 f_req=0 ds_req=0; do
	put "$t/${kv%=*}" "${kv#*=}"
done
put "$t/ring_requests" "5 6 7"
put "$t/ring_inflight_peak" "1 2 3"
put "$t/latency_read" "0 0 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
truncated 2"
for k in write flush discard; do put "$t/latency_$k" "$zero
truncated 2"; done
u=$S/bus/xen-backend/devices/vbd-4-51712/statistics
for kv in oo_req=1 rd_req=7 wr_req=3 f_req=0 ds_req=0 rd_sect=56 wr_sect=24; do
	put "$u/${kv%=*}" "${kv#*=}"
done
f=$S/bus/xen/devices/vbd-51728
mkdir -p "$f/block/xvdb"
put "$S/block/xvdb/stat" "100 0 800 5 40 0 320 6 0 7 8 2 0 16 9 4 10"
for kv in requests_read=100 requests_write=40 requests_flush=4 requests_discard=2 \
	requests_indirect=0 request_errors=3 grants_in_use=30 grants_granted=30 \
	grants_revoked=0 persistent_hits=170 bounce_copies=140; do
	put "$f/xen-blkfront/${kv%=*}" "${kv#*=}"
done
put "$f/xen-blkfront/in_flight" "0"
put "$f/xen-blkfront/in_flight_peak" "12"
put "$f/xen-blkfront/batches" "5"
put "$f/xen-blkfront/batch_requests" "40"
put "$f/xen-blkfront/latency_read" "0 0 0 0 0 0 0 0 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
put "$f/xen-blkfront/latency_write" "0 0 0 0 0 0 0 0 0 40 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
put "$f/xen-blkfront/latency_flush" "0 0 0 0 0 0 0 0 0 0 4 0 0 0 0 0 0 0 0 0 0 0 0 0"
put "$f/xen-blkfront/latency_discard" "0 0 0 0 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0 0 0 0 0 0"
# our frontend with a poll ring: ring 0 interrupt-driven (50 interrupts),
# ring 1 polled (1 interrupt, 80 polled completions), 130 requests
p=$S/bus/xen/devices/vbd-51760
mkdir -p "$p/block/xvdd"
put "$S/block/xvdd/stat" "130 0 1040 5 0 0 0 0 0 7 8 0 0 0 0 0 0"
for kv in requests_read=130 requests_write=0 requests_flush=0 requests_discard=0; do
	put "$p/xen-blkfront/${kv%=*}" "${kv#*=}"
done
put "$p/xen-blkfront/interrupts" "50 1"
put "$p/xen-blkfront/polled_completions" "0 80"
# upstream's frontend: only the block layer's stat, whose 17 fields (see
# the kernel's Documentation/block/stat.rst) end with discard I/Os,
# merges, sectors, ticks (12-15), then flush I/Os and ticks (16-17)
mkdir -p "$S/bus/xen/devices/vbd-51744/block/xvdc"
put "$S/block/xvdc/stat" "30 1 240 7 20 2 160 8 0 9 10 5 0 80 77 6 11"

# the value after "key": in a piece of JSON
val() {
	echo "$1" | awk -v k="\"$2\":" '{
		p = index($0, k)
		if (!p)
			exit
		s = substr($0, p + length(k))
		sub(/[],}].*/, "", s)
		print s
	}'
}
# the object of device $2 in report $1
dev() { echo "$1" | sed "s/.*{\"name\":\"$2\"//; s/{\"name\":\".*//"; }

run_checks() {
	label=$1
	js=$(XEN_BLKSTAT_SYSFS=$S sh "$tool" --json -c 1)
	[ "$(echo "$js" | wc -l)" -eq 1 ] && ok "$label: one JSON line per report" ||
		bad "$label: one JSON line per report"
	if command -v python3 >/dev/null; then
		echo "$js" | python3 -c 'import json, sys; json.load(sys.stdin)' &&
			ok "$label: valid JSON" || bad "$label: valid JSON"
	fi
	d=$(dev "$js" vbd-3-51728)
	eq "$label: backend driver" "$(val "$d" driver)" '"ours"'
	eq "$label: backend requests" "$(val "$d" requests)" 147
	eq "$label: backend hit rate" "$(val "$d" pgrant_hit_rate)" 0.900
	eq "$label: backend map/req" "$(val "$d" map_per_req)" 0.136
	eq "$label: backend ring 0 peak" "$(val "$d" inflight_peak)" 9
	eq "$label: backend ring 0 answered" "$(val "$d" answered)" 100
	r0=$(echo "$d" | sed 's/"latency_us":{"read":/\n/' | sed -n 2p)
	eq "$label: backend ring 0 read p50 (60 of 100 under 128 us)" "$(val "$r0" p50)" 128
	eq "$label: backend ring 0 read p90" "$(val "$r0" p90)" 256
	eq "$label: backend ring 0 read p99" "$(val "$r0" p99)" 2048
	r1=$(echo "$d" | sed 's/.*{"ring":1//')
	eq "$label: backend ring 1 answered" "$(val "$r1" answered)" 46
	fl=$(echo "$r1" | sed 's/.*"flush"://')
	eq "$label: a flush in the open last bucket has no p50" "$(val "$fl" p50)" null
	d=$(dev "$js" vbd-5-51712)
	eq "$label: truncated latency_*: rings left out" "$(val "$d" latency_rings_unlisted)" 2
	eq "$label: truncated latency_*: ring 0 answered" "$(val "$d" answered)" 5
	eq "$label: truncated latency_*: the last line is no ring's counts" \
		"$(echo "$d" | sed 's/.*{"ring":1//' | grep -c answered)" 0
	eq "$label: truncated latency_*: ring 2 still has its requests" \
		"$(val "$(echo "$d" | sed 's/.*{"ring":2//')" requests)" 7
	eq "$label: all rings listed: none left out" \
		"$(val "$(dev "$js" vbd-3-51728)" latency_rings_unlisted)" 0
	d=$(dev "$js" vbd-4-51712)
	eq "$label: upstream backend" "$(val "$d" driver)" '"upstream"'
	eq "$label: upstream rd_req" "$(val "$d" rd_req)" 7
	eq "$label: upstream has no rings" "$(echo "$d" | sed -n 's/.*"rings":\[\]}.*/none/p')" none
	d=$(dev "$js" vbd-51744)
	eq "$label: upstream frontend" "$(val "$d" driver)" '"upstream"'
	eq "$label: upstream frontend rd_req (stat field 1)" "$(val "$d" rd_req)" 30
	eq "$label: upstream frontend ds_req (stat field 12)" "$(val "$d" ds_req)" 5
	eq "$label: upstream frontend f_req is flush I/Os (field 16), not discard ticks" \
		"$(val "$d" f_req)" 6
	eq "$label: upstream frontend requests" "$(val "$d" requests)" 61
	eq "$label: upstream frontend has no map/req" "$(val "$d" map_per_req)" null
	eq "$label: upstream frontend has no hit rate" "$(val "$d" pgrant_hit_rate)" null
	d=$(dev "$js" vbd-51728)
	eq "$label: frontend disk" "$(val "$d" disk)" '"xvdb"'
	eq "$label: frontend rd_req" "$(val "$d" rd_req)" 100
	eq "$label: frontend sectors from the block layer" "$(val "$d" wr_sect)" 320
	eq "$label: frontend errors" "$(val "$d" err_response)" 3
	eq "$label: frontend hit rate (170 hits, 30 granted)" "$(val "$d" pgrant_hit_rate)" 0.850
	eq "$label: frontend requests" "$(val "$d" requests)" 146
	eq "$label: frontend ring 0 batches" "$(val "$d" batches)" 5
	eq "$label: frontend ring 0 batch_requests" "$(val "$d" batch_requests)" 40
	eq "$label: a backend ring has no batches" "$(dev "$js" vbd-3-51728 | grep -c '"batches"')" 0
	d=$(dev "$js" vbd-51760)
	eq "$label: polled frontend: interrupts per request (51 of 130)" "$(val "$d" interrupts_per_req)" 0.392
	eq "$label: polled frontend: polled completions per request (80 of 130)" "$(val "$d" polled_per_req)" 0.615
	eq "$label: polled frontend: ring 1 polled" "$(val "$(echo "$d" | sed 's/.*{"ring":1//')" polled)" 80
	eq "$label: polled frontend: ring 0 interrupts" "$(val "$(echo "$d" | sed 's/.*{"ring":0//')" interrupts)" 50
	eq "$label: a frontend without the files has no interrupt figures" \
		"$(dev "$js" vbd-51728 | grep -c '"interrupts_per_req"')" 0
	txt=$(XEN_BLKSTAT_SYSFS=$S sh "$tool")
	echo "$txt" | grep -q '^vbd-3-51728 (backend, ours)$' && ok "$label: text names the backend disk" ||
		bad "$label: text names the backend disk"
	echo "$txt" | grep -q '^vbd-51728 (frontend, ours, xvdb)$' && ok "$label: text names the frontend disk" ||
		bad "$label: text names the frontend disk"
	echo "$txt" | sed -n '/^vbd-51744 /,/^vbd/p' | grep -q '^  pgrant hit -  map/req -  unmap/req -' &&
		ok "$label: text: no grant figures for upstream's frontend" ||
		bad "$label: text: no grant figures for upstream's frontend"
	echo "$txt" | sed -n '/^vbd-51728 /,/^vbd/p' | grep -q '^  batches/s [0-9.]*  requests in batches/s [0-9.]*  per batch 8.000$' &&
		ok "$label: text: the frontend's batches, 8 requests each" ||
		bad "$label: text: the frontend's batches, 8 requests each"
	echo "$txt" | sed -n '/^vbd-51760 /,/^vbd/p' | grep -q '^  interrupts/s [0-9.]*  polled/s [0-9.]*  per request: interrupts 0.392  polled 0.615$' &&
		ok "$label: text: interrupts and polled completions per request" ||
		bad "$label: text: interrupts and polled completions per request"
	echo "$txt" | grep -q 'errors: bad_op=1$' && ok "$label: text errors by cause" ||
		bad "$label: text errors by cause"
	echo "$txt" | grep -q '^  latency of 2 more ring(s) not shown' &&
		ok "$label: text says latency_* left rings out" ||
		bad "$label: text says latency_* left rings out"
	two=$(XEN_BLKSTAT_SYSFS=$S sh "$tool" --json -i 1 -c 2)
	eq "$label: -c 2 prints two reports" "$(echo "$two" | wc -l)" 2
	second=$(echo "$two" | sed -n 2p)
	iv=$(dev "$second" vbd-3-51728 | sed 's/.*"interval":{//; s/}.*//')
	eq "$label: the second report counts its interval" "$(val "$iv" requests)" 0
	eq "$label: ... but shows gauges as they are" "$(val "$iv" pool_pages)" 7
	eq "$label: ... over -i seconds" "$(val "$second" seconds)" 1
	XEN_BLKSTAT_SYSFS=$S sh "$tool" -c 0 2>/dev/null && bad "$label: -c 0 refused" || ok "$label: -c 0 refused"
}

run_checks "host awk"

# a kernel older than 5.5 has no flush fields, one older than 4.18 no
# discard fields: no f_req (nor ds_req) then, rather than another field
put "$S/block/xvdc/stat" "30 1 240 7 20 2 160 8 0 9 10 5 0 80 77"
js=$(XEN_BLKSTAT_SYSFS=$S sh "$tool" --json -c 1)
eq "15 fields: no f_req" "$(val "$(dev "$js" vbd-51744)" f_req)" ""
put "$S/block/xvdc/stat" "30 1 240 7 20 2 160 8 0 9 10"
js=$(XEN_BLKSTAT_SYSFS=$S sh "$tool" --json -c 1)
eq "11 fields: no ds_req" "$(val "$(dev "$js" vbd-51744)" ds_req)" ""
eq "11 fields: requests are reads and writes" "$(val "$(dev "$js" vbd-51744)" requests)" 50
put "$S/block/xvdc/stat" "30 1 240 7 20 2 160 8 0 9 10 5 0 80 77 6 11"

# a disk removed while its files are read: a cat that finds the file gone
# (it removes it, then fails as cat does for a missing file); the report
# goes on without a word on stderr and without that value
mkdir -p "$tmp/gone"
{
	echo '#!/bin/sh'
	echo 'for a; do'
	echo '	case $a in'
	echo '	*/vbd-51728/xen-blkfront/requests_read|*/vbd-3-51728/statistics/rd_req)'
	echo '		rm -f "$a"; echo "cat: $a: No such file or directory" >&2; exit 1 ;;'
	echo '	esac'
	echo 'done'
	echo "exec $(command -v cat) \"\$@\""
} > "$tmp/gone/cat"
chmod +x "$tmp/gone/cat"
cp -r "$S" "$tmp/sys-gone"
PATH=$tmp/gone:$PATH XEN_BLKSTAT_SYSFS=$tmp/sys-gone sh "$tool" --json -c 1 \
	> "$tmp/gone.out" 2> "$tmp/gone.err"
eq "a file gone mid-snapshot: exit status" "$?" 0
eq "a file gone mid-snapshot: nothing on stderr" "$(cat "$tmp/gone.err")" ""
js=$(cat "$tmp/gone.out")
eq "a file gone mid-snapshot: the frontend counter is left out" \
	"$(dev "$js" vbd-51728 | grep -c '"rd_req"')" 0
eq "a file gone mid-snapshot: the backend counter is left out" \
	"$(dev "$js" vbd-3-51728 | grep -c '"rd_req"')" 0
eq "a file gone mid-snapshot: the others are there" "$(val "$(dev "$js" vbd-51728)" wr_req)" 40

# TERM (kill, a service manager) ends a run with -i at once, status
# 128 + 15, and its temporary directory goes with it
mkdir -p "$tmp/run"
TMPDIR=$tmp/run XEN_BLKSTAT_SYSFS=$S sh "$tool" -i 1 > /dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid"
n=0
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 30 ]; do
	sleep 0.1
	n=$((n + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	bad "TERM ends xen-blkstat -i 1 within 3 s"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
else
	ok "TERM ends xen-blkstat -i 1 within 3 s"
	wait "$pid"
	eq "TERM: exit status 143" "$?" 143
fi
eq "TERM: its temporary directory is gone" "$(ls "$tmp/run")" ""
if command -v busybox >/dev/null && busybox awk 'BEGIN { exit 0 }' 2>/dev/null; then
	mkdir -p "$tmp/bb"
	for t in awk sed cat date mktemp cut sleep; do ln -s "$(command -v busybox)" "$tmp/bb/$t"; done
	PATH=$tmp/bb:$PATH run_checks "busybox awk"
fi
echo "xen-blkstat: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
