# One round of the benchmark (make bench runs several in one boot): the same
# fio job file on the same memory-backed null_blk device, first in dom0
# directly on the device (the ceiling), then in the guest through each
# FRONT/BACK combination of ours and upstream, in an order that rotates from
# round to round.  Per job it prints one line
#   BENCH-DATA round=R combo=<front>/<back>|dom0 job=<job> iops=.. kbs=.. ios=..
#     polled=.. gcpu=.. dcpu=.. girq=.. dirq=.. maps=.. unmaps=.. reqs=..
# that scripts/lab/bench/report.py turns into tables, JSON and a plot:
#   iops, kbs  fio's figures (read + write) over the job's runtime
#   ios        I/Os of the job's size that crossed the block layer during the
#              job's interval: sectors of the disk's /sys/block/<d>/stat / bs
#   polled     1 for a hipri job (up-*) on a disk that polls (queue/io_poll),
#              else 0
#   gcpu/dcpu  CPU seconds of the guest / of dom0 in that interval: busy
#              jiffies (user+nice+system+irq+softirq) of each domain's own
#              /proc/stat, divided by USER_HZ (100)
#   girq/dirq  event channel interrupts of the ring(s) in the interval:
#              guest "blkif", dom0 "blkif-backend" lines of /proc/interrupts
#   maps/unmaps/reqs  the backend's statistics/ map_ops, unmap_ops and
#              requests (rd_req + wr_req for upstream, which exposes no
#              grant counters: "-")
# The interval of a job is delimited by fio's exec_prerun/exec_postrun:
# lab-bench-mark in the guest samples the guest and creates
# data/bench/m/<b|e>-<job> in XenStore without waiting; dom0 holds a watch
# on data/bench for the whole run and samples itself as each path arrives
# (its interval is late by the watch's latency at both ends).  An earlier
# handshake (the guest waiting for dom0's ack) cost 1.3 s per boundary.
#
# Knobs (set by scripts/lab/bench.sh in a generated scenario that sources
# this one): BENCH_ROUND, BENCH_RUNTIME, BENCH_RAMP, BENCH_QDS, BENCH_NJS,
# BENCH_KINDS, BENCH_SEQ_QD, BENCH_UQDS, BENCH_UBATCH, BENCH_MIB,
# BENCH_COMBOS, BENCH_FRONT_OURS, BENCH_BACK.
# Kinds: rr/rw 4 KiB random read/write and sr/sw 1 MiB sequential
# read/write with libaio (one I/O per system call); ur/uw 4 KiB random
# read/write with io_uring, submitted and reaped in batches of
# BENCH_UBATCH; up the same random read with hipri: io_uring polls for its
# completions (IOPOLL), on our frontend's poll ring.  A disk without
# polled queues (upstream's frontend) runs up without hipri,
# interrupt-driven: 6.12 refuses polled I/O there (EOPNOTSUPP), 6.1
# completes it by interrupt anyway.  The dom0 ceiling polls where its
# null_blk has poll queues (6.1's has one by default).  The job file says
# hipri=${BENCH_HIPRI}, which fio takes from the environment: the disk's
# queue/io_poll.
# Our frontend gets BENCH_FRONT_OURS (a poll ring beside its
# interrupt-driven ones), every backend BENCH_BACK (enough queues for
# them): the same parameters for every job and combination.
: "${BENCH_RUNTIME:=2}" "${BENCH_RAMP:=300ms}" "${BENCH_QDS:=1 8 32 128}" "${BENCH_NJS:=1 2}"
: "${BENCH_KINDS:=rr rw sr sw ur uw up}" "${BENCH_SEQ_QD:=8}" "${BENCH_MIB:=256}"
: "${BENCH_UQDS:=32 128}" "${BENCH_UBATCH:=16}"
: "${BENCH_FRONT_OURS=poll_queues=1}" "${BENCH_BACK=max_queues=3}"
: "${BENCH_COMBOS:=upstream/upstream ours/upstream ours/ours upstream/ours}"
BD=$LAB_RUN/bench
mkdir -p $BD
if [ -z "${BENCH_ROUND:-}" ]; then
	BENCH_ROUND=$(($(cat $BD/round 2>/dev/null || echo 0) + 1))
fi
echo "$BENCH_ROUND" > $BD/round
V=xvdb

# ---- the job file ------------------------------------------------------

bench_jobs() { # the job names, in order: <kind>-q<depth>-j<jobs>
	local k q n
	for k in $BENCH_KINDS; do
		case $k in
		rr|rw) for q in $BENCH_QDS; do for n in $BENCH_NJS; do echo "$k-q$q-j$n"; done; done ;;
		sr|sw) echo "$k-q$BENCH_SEQ_QD-j1" ;;
		ur|uw|up) for q in $BENCH_UQDS; do echo "$k-q$q-j1"; done ;;
		esac
	done
}

# bench_jobfile <device> <mark command>: the fio job file; each job is its
# own reporting group (stonewall) and calls "<mark command> b|e <job>"
bench_jobfile() {
	local j rw bs q n extra
	cat <<EOF
[global]
filename=$1
direct=1
ioengine=libaio
time_based=1
runtime=$BENCH_RUNTIME
ramp_time=$BENCH_RAMP
group_reporting=1
norandommap=1
randrepeat=0
EOF
	for j in $(bench_jobs); do
		case $j in
		rr-*) rw=randread bs=4k ;;
		rw-*) rw=randwrite bs=4k ;;
		sr-*) rw=read bs=1m ;;
		sw-*) rw=write bs=1m ;;
		ur-*|up-*) rw=randread bs=4k ;;
		uw-*) rw=randwrite bs=4k ;;
		esac
		q=${j#*-q}; q=${q%-j*}
		n=${j##*-j}
		case $j in
		u*) extra="ioengine=io_uring
iodepth_batch_submit=$BENCH_UBATCH
iodepth_batch_complete_min=$BENCH_UBATCH
iodepth_batch_complete_max=$q
" ;;
		*) extra= ;;
		esac
		case $j in
		up-*) extra="${extra}hipri=\${BENCH_HIPRI}
" ;;
		esac
		printf '[%s]\nstonewall\nrw=%s\nbs=%s\niodepth=%s\nnumjobs=%s\n%sexec_prerun=%s b %s\nexec_postrun=%s e %s\n' \
			"$j" $rw $bs "$q" "$n" "$extra" "$2" "$j" "$2" "$j"
	done
}

# ---- counters ------------------------------------------------------------

# one_sample <irq name> <files...>: "<busy jiffies> <irqs of that name>"
# then the first line of each extra file (counters), read by one process
# (every process costs tens of milliseconds under TCG)
one_sample() {
	local n=$1
	shift
	awk -v n="$n" '
		FILENAME == "/proc/stat" { if ($1 == "cpu") busy = $2 + $3 + $4 + $7 + $8; next }
		FILENAME == "/proc/interrupts" {
			if ($NF == n) for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) irq += $i
			next
		}
		FNR == 1 { v[FILENAME] = $1 }
		END {
			printf "%d %d", busy, irq
			for (i = 1; i < ARGC; i++)
				if (ARGV[i] != "/proc/stat" && ARGV[i] != "/proc/interrupts")
					printf " %s", v[ARGV[i]]
			printf "\n"
		}' /proc/stat /proc/interrupts "$@"
}

# dom0's side of one job boundary, one line:
#   D <b|e> <job> <busy> <blkif-backend irqs> <map_ops> <unmap_ops> <requests> <uptime>
# (upstream's backend has no grant counters: "-"; its requests are
# rd_req + wr_req)
dom0_sample() { # <b|e> <job>
	local d=$(bk_dir $V)/statistics
	if [ -e $d/map_ops ]; then
		one_sample blkif-backend $d/map_ops $d/unmap_ops $d/requests /proc/uptime |
			awk -v p="$1" -v j="$2" '{ print "D", p, j, $1, $2, $3, $4, $5, $6 }'
	else
		one_sample blkif-backend $d/rd_req $d/wr_req /proc/uptime |
			awk -v p="$1" -v j="$2" '{ print "D", p, j, $1, $2, "-", "-", $3 + $4, $5 }'
	fi
}

# bench_serve <domid>: sample dom0 at each of the guest's job boundaries
# until its fio run wrote data/bench/done.  The guest does not wait for
# dom0: it writes data/bench/m/<b|e>-<job> and goes on; one XenStore watch
# held for the whole run hands each of those paths to dom0 (blocked in the
# read meanwhile, so that dom0 spends no CPU polling), which samples at once.
# dom0's interval of a job is so late by the watch's latency at both ends.
bench_serve() {
	local p=/local/domain/$1/data/bench f=$BD/watch.fifo w ev k t0
	rm -f $f
	mkfifo $f || return 1
	xenstore-watch $p > $f 2>/dev/null &
	w=$!
	t0=$(up)
	exec 3< $f
	while :; do
		if read -r -t 10 ev <&3; then
			case $ev in
			$p/done) break ;;
			$p/m/[be]-*) k=${ev##*/}; dom0_sample "${k%%-*}" "${k#?-}" >> $BD/dom0.samples ;;
			esac
			continue
		fi
		xenstore-read $p/done >/dev/null 2>&1 && break
		if [ "$(echo "$(up) $t0" | awk '{ print ($1 - $2 > 850) }')" = 1 ]; then
			echo "bench_serve: the guest's fio did not finish"
			exec 3<&-
			kill $w 2>/dev/null
			return 1
		fi
	done
	exec 3<&-
	kill $w 2>/dev/null
	rm -f $f
	return 0
}

# merge <combo> <files...>: R (fio), G (guest) and D (dom0) lines into one
# BENCH-DATA line per job
bench_merge() {
	local combo=$1
	shift
	awk -v combo="$combo" -v round="$BENCH_ROUND" -v local="$([ "$combo" = dom0 ] && echo 1)" '
		$1 == "R" { iops[$2] = $3 + $4; kbs[$2] = $5 + $6; order[++n] = $2 }
		$1 == "G" { g[$3, $2] = $4 " " $5 " " $6 " " $7 }
		$1 == "D" { d[$3, $2] = $4 " " $5 " " $6 " " $7 " " $8 }
		$1 == "P" { poll = $2 }
		function dif(a, b) { return (a == "-" || b == "-") ? "-" : b - a }
		END {
			for (i = 1; i <= n; i++) {
				j = order[i]
				bs = (j ~ /^s/) ? 1048576 : 4096
				split(g[j, "b"], gb); split(g[j, "e"], ge)
				split(d[j, "b"], db); split(d[j, "e"], de)
				ios = ((ge[3] - gb[3]) + (ge[4] - gb[4])) * 512 / bs
				printf "BENCH-DATA round=%s combo=%s job=%s iops=%.1f kbs=%.0f ios=%.0f", round, combo, j, iops[j], kbs[j], ios
				# hipri jobs: whether the disk polled (queue/io_poll)
				printf " polled=%d", (j ~ /^up-/) ? poll + 0 : 0
				if (local) {
					# dom0 alone: its samples came as G lines
					printf " gcpu=0 dcpu=%.2f girq=0 dirq=0 maps=- unmaps=- reqs=-\n", (ge[1] - gb[1]) / 100
					continue
				}
				printf " gcpu=%.2f dcpu=%.2f girq=%s dirq=%s", (ge[1] - gb[1]) / 100, (de[1] - db[1]) / 100, ge[2] - gb[2], dif(db[2], de[2])
				printf " maps=%s unmaps=%s reqs=%s\n", dif(db[3], de[3]), dif(db[4], de[4]), dif(db[5], de[5])
			}
		}' "$@"
}

# ---- one run -------------------------------------------------------------

FIO_TERSE="--output-format=terse --terse-version=3"
AWK_R="awk -F';' 'NF > 50 { print \"R\", \$3, \$8, \$49, \$7, \$48 }'"

# bench_local: the job file in dom0, directly on the device
bench_local() {
	local dev=$1 name=${1#/dev/} poll
	cat > $BD/mark-local <<EOF
#!/bin/sh
# <b|e> <job>: dom0-local job boundary (first clone only)
mkdir $BD/local/lock.\$1.\$2 2>/dev/null || exit 0
echo "G \$1 \$2 \$(awk '/^cpu / { print \$2 + \$3 + \$4 + \$7 + \$8; exit }' /proc/stat) 0 \$(awk '{ print \$3, \$7 }' /sys/block/$name/stat)" >> $BD/local/samples
EOF
	rm -rf $BD/local
	mkdir -p $BD/local
	bench_jobfile "$dev" "sh $BD/mark-local" > $BD/local.fio
	poll=$(cat /sys/block/$name/queue/io_poll)
	(cd $BD/local && BENCH_HIPRI=$poll fio $FIO_TERSE --output=$BD/local/out.txt $BD/local.fio > $BD/local/fio.log 2>&1) ||
		{ fail "fio in dom0 on $dev"; tail -n 20 $BD/local/fio.log; return 1; }
	eval "$AWK_R $BD/local/out.txt" > $BD/local/r.txt
	echo "P $poll" >> $BD/local/r.txt
	# the "guest" columns of a dom0-local run are dom0's own: show them as dom0
	bench_merge dom0 $BD/local/r.txt $BD/local/samples
}

# bench_ship: the guest's job file, sent in pieces that fit a XenStore node
bench_ship() {
	local chunk= line
	bench_jobfile /dev/$V "lab-bench-mark" | sed "s/^\(exec_[a-z]*=.*\)/\1 $V/" > $BD/guest.fio
	g "mkdir -p /tmp/bench && : > /tmp/bench/job.fio" >/dev/null || return 1
	while IFS= read -r line; do
		chunk="$chunk$line
"
		if [ ${#chunk} -gt 2000 ]; then
			g "cat >> /tmp/bench/job.fio <<'EOF'
${chunk}EOF" >/dev/null || return 1
			chunk=
		fi
	done < $BD/guest.fio
	[ -n "$chunk" ] && { g "cat >> /tmp/bench/job.fio <<'EOF'
${chunk}EOF" >/dev/null || return 1; }
	check_eq "job file reached the guest intact" \
		"$(g 'md5sum < /tmp/bench/job.fio' | cut -d' ' -f1)" "$(md5sum < $BD/guest.fio | cut -d' ' -f1)"
}

# bench_switch <front> <back> [<front params> <back params>]: load that pair
# (detaching the disk if needed), each module with those parameters
# (default: the bench's, BENCH_FRONT_OURS for our frontend, BENCH_BACK for
# either backend)
bench_switch() {
	local f=$1 b=$2 fp bp cb cf
	if [ $# -gt 2 ]; then
		fp=$3 bp=$4
	else
		fp= bp=$BENCH_BACK
		[ "$f" = ours ] && fp=$BENCH_FRONT_OURS
	fi
	# as back_load and front_swap store them: one space between words
	# shellcheck disable=SC2086
	fp=$(echo $fp) bp=$(echo $bp)
	# the pair loaded now, each as "<name> <params>"
	cb="$(cat $LAB_RUN/back) $(cat $LAB_RUN/bparams 2>/dev/null)"
	cf="$(cat $LAB_RUN/front) $(cat $LAB_RUN/fparams 2>/dev/null)"
	[ "$cb" = "$b $bp" ] && [ "$cf" = "$f $fp" ] && return 0
	[ -f $BD/attached ] && { detach $V || return 1; rm -f $BD/attached; }
	if [ "$cb" != "$b $bp" ]; then
		# shellcheck disable=SC2086
		back_reload "$b" $bp || return 1
	fi
	if [ "$cf" != "$f $fp" ]; then
		g "lab-front $f $fp" || { fail "lab-front $f $fp"; return 1; }
		echo "$f" > $LAB_RUN/front
		echo "$fp" > $LAB_RUN/fparams
	fi
	return 0
}

# bench_use <front> <back>: the guest's disk through that pair
bench_use() {
	bench_switch "$1" "$2" || return 1
	if [ ! -f $BD/attached ]; then
		attach "$(cat $BD/dev)" $V w || return 1
		touch $BD/attached
	fi
}

# bench_guest <front>/<back>: the job file in the guest through that pair;
# fio runs in the background of the guest's agent, dom0 serves its marks
bench_guest() {
	local combo=$1 d rc out t0
	bench_use "${combo%/*}" "${combo#*/}" || return 1
	d=$(cat $LAB_RUN/domid)
	summary "bench round $BENCH_ROUND $combo: $(negotiated $V)"
	xenstore-rm /local/domain/$d/data/bench 2>/dev/null
	: > $BD/dom0.samples
	t0=$(up)
	g "cd /tmp/bench && rm -rf s && mkdir s && rm -f result.txt &&
		( t0=\$(cut -d' ' -f1 /proc/uptime)
		  poll=\$(cat /sys/block/$V/queue/io_poll)
		  BENCH_HIPRI=\$poll fio $FIO_TERSE --output=/tmp/bench/out.txt job.fio > /tmp/bench/fio.log 2>&1
		  rc=\$?
		  { $AWK_R out.txt; echo \"P \$poll\"; cat s/samples; echo \"T fio - \$t0 \$(cut -d' ' -f1 /proc/uptime)\"
		    cat s/trace; [ \$rc -eq 0 ] || tail -n 20 fio.log; } > result.txt 2>&1
		  xenstore-write data/bench/done \$rc ) < /dev/null > /dev/null 2>&1 &" >/dev/null ||
		{ fail "starting fio in the guest through $combo"; return 1; }
	bench_serve "$d" || { fail "fio in the guest through $combo did not finish"; return 1; }
	out=$(g 'cat /tmp/bench/result.txt; exit $(xenstore-read data/bench/done)')
	rc=$?
	echo "$out" | awk -v t="$(echo "$(up) $t0" | awk '{ print $1 - $2 }')" -v c="$combo" '
		$1 == "T" { if ($2 == "fio") f = $5 - $4; else m += $5 - $4 }
		END { printf "BENCH-TIME %s: %.1f s in dom0, fio %.1f s in the guest, %.1f s of it at job boundaries\n", c, t, f, m }'
	if [ $rc -ne 0 ]; then
		echo "$out"
		fail "fio in the guest through $combo"
		return 1
	fi
	echo "$out" > $BD/guest.out
	bench_merge "$combo" $BD/guest.out $BD/dom0.samples
}

# ---- the round -----------------------------------------------------------
# BENCH_STEPS (set by make bench, which runs a round as one scenario per step
# to keep each well inside the 900 s a scenario may take): which of "dom0"
# and the combinations this scenario runs; BENCH_LAST=1 on the round's last
# step prints the round's table and puts the guest back as the round found
# it.  Alone, a scenario runs a whole round.

if [ ! -s $BD/orig ]; then
	echo "$(cat $LAB_RUN/front) $(cat $LAB_RUN/back)" > $BD/orig
	cat $LAB_RUN/fparams > $BD/orig.fp 2>/dev/null
	cat $LAB_RUN/bparams > $BD/orig.bp 2>/dev/null
fi
if [ ! -s $BD/dev ]; then
	dev=$(disk_null "$BENCH_MIB" 512) || { fail "no null_blk device"; exit 1; }
	# written once, so reads find data and writes replace pages
	dd if=/dev/zero of="$dev" bs=1M count="$BENCH_MIB" oflag=direct 2>/dev/null ||
		{ fail "filling $dev"; exit 1; }
	echo "$dev" > $BD/dev
	g true >/dev/null
	echo "BENCH-META kernel=$(uname -r) mib=$BENCH_MIB runtime=$BENCH_RUNTIME ramp=$BENCH_RAMP ubatch=$BENCH_UBATCH" \
		"cpus=$(grep -c ^processor /proc/cpuinfo) dom0_vcpus=$(xl list Domain-0 | awk 'NR == 2 { print $4 }')"
fi
if [ "$(cat $BD/shipped 2>/dev/null)" != "$(bench_jobfile /dev/$V x | md5sum)" ]; then
	bench_ship || exit 1
	bench_jobfile /dev/$V x | md5sum > $BD/shipped
fi

if [ -z "${BENCH_STEPS:-}" ]; then
	# rotate the order: round r starts at combination (r - 1) mod 4
	set -- $BENCH_COMBOS
	i=$(((BENCH_ROUND - 1) % $#))
	while [ $i -gt 0 ]; do c=$1; shift; set -- "$@" "$c"; i=$((i - 1)); done
	BENCH_STEPS="dom0 $*"
	BENCH_LAST=1
fi
echo "BENCH-ORDER round=$BENCH_ROUND steps: $BENCH_STEPS"
for step in $BENCH_STEPS; do
	if [ "$step" = dom0 ]; then
		bench_local "$(cat $BD/dev)"
	else
		bench_guest "$step"
	fi | tee -a $BD/round$BENCH_ROUND.data
done

[ "${BENCH_LAST:-}" = 1 ] || exit 0

# the round's table: IOPS per job and combination (the host's report takes
# medians over the rounds)
{
	printf '%-12s' job
	for c in dom0 $BENCH_COMBOS; do printf ' %18s' "$c"; done
	echo
	for j in $(bench_jobs); do
		printf '%-12s' "$j"
		for c in dom0 $BENCH_COMBOS; do
			printf ' %18s' "$(awk -v c="combo=$c" -v j="job=$j" '$3 == c && $4 == j { sub("iops=", "", $5); print $5 }' $BD/round$BENCH_ROUND.data)"
		done
		echo
	done
} | sed 's/^/BENCH-TABLE /' | tee $BD/round.table

# leave the guest as the round found it
[ -f $BD/attached ] && { detach $V; rm -f $BD/attached; }
# shellcheck disable=SC2046
bench_switch $(cat $BD/orig) "$(cat $BD/orig.fp 2>/dev/null)" "$(cat $BD/orig.bp 2>/dev/null)"
