# The hostile-frontend fuzzer (issue 11): with the guest's xen-blkfront
# unloaded, blkif-fuzzfront (tests/lab/tools/blkif-fuzzfront.c, /lab in the
# guest) is the frontend of a memory-backed disk and plays FUZZ_COUNT
# requests (default 10000, the slice meant for make check) of the seeded
# stream FUZZ_SEED (default 1), split over six connections: both guest
# ABIs, ring orders 0 to 4, persistent grants on and off, 512-byte and
# 4 KiB sectors, one read-only disk, and one whose backend keeps at most
# 64 persistent grants (the fuzzer grants about 980 pages: purges run
# under I/O).  Every answer must
# be one the oracle allows (blkif-fuzz.c, written from io/blkif.h and
# Documentation/xen-blkback.rst) with the request's id and operation, and
# every read must return what the disk model holds.
# Before the stream, the requests of tests/lab/fuzz-corpus/backend.corpus
# (each once found a defect) are replayed and must draw no finding.
# Afterwards the backend counted every request, holds no grant (its own
# count and Xen's) and lost no page; it unloads.
#
# Every finding against our backend fails.  With BACK=upstream the distro
# backend is the reference: its findings are printed as REFERENCE,
# differences to read, not failures.
# FUZZ_REFERENCE=1 runs the reference after ours in the same boot, with
# FUZZ_REF_COUNT requests of the same stream (default FUZZ_COUNT): the
# distro backend sleeps 1 ms after each request it refuses, so it plays
# about 45 requests a second where ours plays 300.
#
# The fuzzer plays the stream in batches of up to FUZZ_BATCH requests in
# flight (default: the fuzzer's, -b); 1 plays them one at a time.  A list
# (FUZZ_BATCH="1 32") plays the whole stream once per batch size against
# each backend, to compare their rates: every size must play the same
# requests of each category.
# Each run ends with "fuzz-backend-rate: <r> requests/s, batch <b> (<backend>)"
# (the fuzzer's own time, without connecting).
#
# One request in 64 of the stream is raced (category race): a second thread
# of the fuzzer rewrites its slot and indirect pages while the backend may
# be reading them (tests/lab/tools/blkif-fuzz.h, Races).  It must be
# answered once, with its id, any status and an operation of its layout;
# it is confined to the disk's last MiB, which the model forgets after it;
# the requests after it are judged as always, and the end checks (every
# request counted, no grant left mapped, no page lost, Xen's count back)
# cover it too.
#
# Event floods, on the first connection: FUZZ_FLOOD notifications (default
# 0, none, here: two floods of 10^4 cost make check about 70 s of a budget
# it does not have; 10^6 in make fuzz) in a tight loop on an empty ring
# before the stream and on a ring of consumed requests after it; 32 honest requests
# must then be answered within 3 s (the kernel may hold an event channel it
# saw flooded masked for up to a second: lateeoi).  dom0 measures the CPU
# time the vbd's ring threads took during each flood (blkif-fuzzfront -E: a
# XenStore handshake around it), and over 2 s of the idle ring before the
# first, and fails above MAX_FLOOD_CPU percent of a CPU.
#
# Queues: FUZZ_QUEUES (blkif-fuzzfront -q: a number, or lo-hi for a draw per
# connection from the seed, the ABI, the ring order and persistent grants;
# default 1, one ring, as in make check; make fuzz 1-4) gives each
# connection that many rings (queue-N/ keys), xen-blkback's max_queues
# raised to 4 meanwhile.  The stream and its batches are the same whatever
# the queues; each request goes on the ring its index draws, and each ring
# must answer its own.  The backend must serve as many rings as the fuzzer
# made (connection/nr_rings, read while connected), and the end checks (statistics/requests = PUSHED over all
# rings, no grant left mapped, Xen's count back) cover all of them.
# Floods stay on ring 0's event channel.
#
# FUZZ_HONEST=1 (make fuzz sets it; about 20 s more for a guest's start
# under TCG) gives the run's backend an honest neighbour while it is fuzzed
# (the reference run apart): a second guest verifies data with fio on a
# disk of its own and times a 4 KiB read every 2 s, and the fuzzed guest's
# ring threads must take little CPU per request (honest_start and
# honest_stop in lib.sh have the bounds).
seed=$(conf FUZZ_SEED)
seed=${seed:-1}
count=$(conf FUZZ_COUNT)
count=${count:-10000}
reference=$(conf FUZZ_REFERENCE)
refcount=$(conf FUZZ_REF_COUNT)
refcount=${refcount:-$count}
batches=$(conf FUZZ_BATCH)
flood=$(conf FUZZ_FLOOD)
flood=${flood:-0}
queues=$(conf FUZZ_QUEUES)
queues=${queues:-1}
# The most CPU the vbd's ring threads may take while a guest floods their
# event channel, in percent of one CPU over the flood: the bound of a flood
# of refused requests (back-refused-request-flood-bounded-cpu.sh, 15%), for
# the same reason: a guest must not keep a dom0 CPU busy, and notifying
# costs it less than queueing requests.  Measured (2026-11-27, 6.1, TCG
# lab): 10^5 notifications in 15.6 s (7,100 a second), the ring thread at
# 9.7% and 10.0% of a CPU (1.5 s, 0.15 s per 10^4 notifications) with an
# empty ring and with a consumed one; dom0 57% busy, mostly the lab's own
# XenStore polling.  The CPU per 10^4 notifications is printed too.
MAX_FLOOD_CPU=15
back=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)

# <abi>:<ring order>:<persistent>:<sector size>:<mode>[:<max_persistent_grants>]
CONFIGS="x86_64:0:0:512:w x86_32:0:1:512:w x86_64:2:1:4096:w x86_32:3:0:512:w x86_64:1:1:512:r
x86_64:4:1:512:w:64"
PGRANTS=/sys/module/xen_blkback/parameters/max_persistent_grants
QUEUES=/sys/module/xen_blkback/parameters/max_queues
# with FUZZ_QUEUES, the queues the backend offers meanwhile (dom0 has 2 CPUs:
# max_queues would offer 2)
MQ_OFFER=4
qopt=
[ "$queues" = 1 ] || qopt="-q $queues"
nconf=$(echo $CONFIGS | wc -w)

# however this ends, the next scenario gets a guest with its xen-blkfront
finished=
trap '[ -n "$finished" ] || guest_restart; guest2_stop' EXIT

total=0
findings=0
# judge <backend> <config> <fuzzer output>: its findings, by kind
judge() {
	local b=$1 cfg=$2 n line
	echo "$3" | grep '^KIND ' | while read -r line; do
		set -- $line
		n=$2
		if [ "$b" != ours ]; then
			summary "REFERENCE $b $cfg: $n x ${line#KIND $n }"
		else
			fail "$cfg: $n findings: ${line#KIND $n }"
		fi
	done
}

# dom0_busy: dom0's CPU time outside idle, all CPUs, in 1/100 s
dom0_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# evt_counts <vdev>: what Linux counted on the vbd's event channels (the
# xenbus device's attributes, in its xenbus/ group): events, spurious ones,
# jiffies of EOI held back; x for a count it could not read (it read the
# device's own directory until 2026-11-27, where they are not: every
# count printed was 0, never measured)
evt_counts() {
	local d s n
	d=$(bk_dir "$1")
	for s in events spurious_events jiffies_eoi_delayed; do
		n=
		read -r n < "$d/xenbus/$s" 2>/dev/null
		printf '%s ' "${n:-x}"
	done
}

# flood_watch <backend> <config> <vdev> <phase> <seconds> [<poll every>]:
# dom0's half of the fuzzer's handshake around one flood (blkif-fuzzfront
# -E): the CPU the vbd's ring threads (and dom0 as a whole) took from go to
# done
flood_watch() {
	local b=$1 cfg=$2 key phase=$4 c0 c1 d0 d1 t0 t1 e0 e1 ticks per cpu idle=
	key="$(fe_path "$3")/fuzz-flood"
	xs_wait "$key" "ready-$phase" "$5" "$6" ||
		{ fail "$b $cfg: no flood ($phase) from the fuzzer"; return 1; }
	if [ "$phase" = empty ]; then
		# what the ring threads take with nothing to do, for comparison
		c0=$(ring_ticks "$domid")
		sleep 2
		idle=$(($(ring_ticks "$domid") - c0))
	fi
	e0=$(evt_counts "$3")
	c0=$(ring_ticks "$domid")
	d0=$(dom0_busy)
	t0=$(up)
	xenstore-write "$key" "go-$phase"
	xs_wait "$key" "done-$phase" 600 ||
		{ fail "$b $cfg: the flood ($phase) never ended"; return 1; }
	c1=$(ring_ticks "$domid")
	d1=$(dom0_busy)
	t1=$(up)
	e1=$(evt_counts "$3")
	xenstore-write "$key" "ack-$phase"
	ticks=$((c1 - c0))
	# per 10^4 notifications, rounded up; percent of one CPU, rounded
	per=$(((ticks * 10000 + flood - 1) / flood))
	cpu=$(echo "$ticks $t0 $t1" | awk '{ printf "%d", $1 / ($3 - $2) + 0.5 }')
	summary "$b $cfg: flood ($phase) of $flood notifications in $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s: ring threads $ticks/100 s of CPU, ${cpu}% ($per/100 s per 10^4)${idle:+, $idle/100 s over 2 s idle before}, dom0 $((d1 - d0))/100 s; $(echo "$e0 $e1" | awk '/x/ { printf "event counts unreadable (%s)", $0; next } { printf "events %d, spurious %d, EOI held back %d jiffies", $4 - $1, $5 - $2, $6 - $3 }')"
	[ "$b" = ours ] &&
		check_le "$cfg: ring threads' CPU during a flood ($phase), percent of a CPU" \
			"$cpu" $MAX_FLOOD_CPU
}

# ring_watch <vdev> <file>: once our backend serves the vbd, the rings it
# mapped (connection/nr_rings, 0 until connected) into <file>; gives up
# after 120 s.  Read while connected: the attribute says 0 again once the
# frontend closed.
ring_watch() {
	local d n i=0
	d=$(bk_dir "$1")
	while [ $i -lt 600 ]; do
		n=$(cat "$d/connection/nr_rings" 2>/dev/null)
		if [ "${n:-0}" != 0 ]; then
			echo "$n" > "$2"
			return 0
		fi
		sleep 0.2
		i=$((i + 1))
	done
}

# fuzz_one <backend> <config> <requests> [<batch>]: one connection, one disk;
# the first one also floods the backend with events (FUZZ_FLOOD)
fuzz_one() {
	local b=$1 cfg=$2 n=$3 bopt= v=xvdb abi order p bs mode cap oldcap= oldq= dev out played f t fopt= secs nq rings wpid=
	[ -n "$4" ] && bopt="-b $4"
	[ "$cfg" = "${CONFIGS%% *}" ] && [ "$flood" -gt 0 ] && fopt="-e $flood -E"
	IFS=: read -r abi order p bs mode cap <<EOF
$cfg
EOF
	dev=$(disk_null 16 "$bs") || { fail "no null_blk disk"; return 1; }
	# the offer is made when the vbd appears: before it
	if [ -n "$qopt" ]; then
		oldq=$(cat $QUEUES)
		echo $MQ_OFFER > $QUEUES || fail "$b: max_queues=$MQ_OFFER"
	fi
	hand_attach "$dev" $v "$mode" || return 1
	if [ -n "$cap" ]; then
		oldcap=$(cat $PGRANTS)
		echo "$cap" > $PGRANTS || fail "$b: max_persistent_grants=$cap"
	fi
	# at least 10 requests a second, or the guest is stuck
	secs=$((120 + n / 10))
	if [ "$b" = ours ]; then
		rm -f $LAB_RUN/fuzz-nrings
		ring_watch $v $LAB_RUN/fuzz-nrings &
		wpid=$!
	fi
	if [ -n "$fopt" ]; then
		# in the background: dom0 measures around its floods meanwhile
		g "rm -f /tmp/fuzz.out /tmp/fuzz.rc
		   setsid sh -c 'blkif-fuzzfront -s $seed -n $n -a $abi -o $order $qopt -p $p -z $bopt $fopt $(vdev_devid $v) >/tmp/fuzz.out 2>&1; echo EXIT=\$? >/tmp/fuzz.rc' </dev/null >/dev/null 2>&1 &" >/dev/null
		flood_watch "$b" "$cfg" $v empty 120
		flood_watch "$b" "$cfg" $v consumed "$secs" 1
	fi
	out=$(G_TIMEOUT=$((secs + 60)) g "if [ -n '$fopt' ]; then
			i=0
			while [ ! -s /tmp/fuzz.rc ] && [ \$i -lt $((secs * 2)) ]; do
				sleep 0.5; i=\$((i + 1))
			done
		else
			blkif-fuzzfront -s $seed -n $n -a $abi -o $order $qopt -p $p -z $bopt $(vdev_devid $v) >/tmp/fuzz.out 2>&1
			echo EXIT=\$? >/tmp/fuzz.rc
		fi
		cat /tmp/fuzz.rc
		grep -v -e '^FINDING' -e '^CORPUS' /tmp/fuzz.out
		awk '/^FINDING/ { k = \$4 \" \" \$5 \" \" \$6; if (n[k]++ < 3) print }' /tmp/fuzz.out
		grep '^CORPUS' /tmp/fuzz.out | head -n 20 | cut -c 1-400")
	echo "$out"
	if [ -n "$wpid" ]; then
		kill $wpid 2>/dev/null
		wait $wpid 2>/dev/null
	fi
	check_eq "$b $cfg: the fuzzer ran (exit 0: no finding, 1: findings)" \
		"$(echo "$out" | sed -n 's/^EXIT=\([01]\)$/ran/p')" ran
	played=$(echo "$out" | sed -n 's/^fuzz-backend: \([0-9]*\) requests, .*/\1/p')
	f=$(echo "$out" | sed -n 's/^fuzz-backend: [0-9]* requests, \([0-9]*\) findings.*/\1/p')
	if [ "$b" = ours ]; then
		check_eq "$b $cfg: requests played (the ring never stopped)" "$played" "$n"
		check_eq "$b $cfg: findings" "$f" 0
	elif [ "$played" != "$n" ]; then
		summary "REFERENCE $b $cfg: the stream ended after ${played:-?} of $n requests"
	fi
	# the model judged reads, and the fuzzer had pages for every request
	check_ge "$b $cfg: sectors read and checked against the disk model" \
		"$(echo "$out" | sed -n 's/^READS \([0-9]*\) sectors checked.*/\1/p')" 1
	check_eq "$b $cfg: requests skipped by the fuzzer" \
		"$(echo "$out" | sed -n 's/^SKIPPED \([0-9]*\) .*/\1/p')" ""
	check_eq "$b $cfg: the backend closed with the frontend" \
		"$(echo "$out" | sed -n 's/^CLOSED //p')" "backend-state=6"
	check_ge "$b $cfg: raced requests" \
		"$(echo "$out" | sed -n 's/^RACE requests=\([0-9]*\) .*/\1/p')" 1
	echo "$out" | grep '^RACE ' >> $LAB_RUN/fuzz-race.$b
	if [ -n "$fopt" ]; then
		check_eq "$b $cfg: floods played, each followed by its probes" \
			"$(echo "$out" | sed -n 's/^FLOOD phase=\([a-z]*\) notifications=\([0-9]*\) .* probes=\([0-9]*\) .*/\1:\2:\3/p' | tr '\n' ' ')" \
			"empty:$flood:32 consumed:$flood:32 "
	fi
	echo "$out" | grep '^CAT ' >> $LAB_RUN/fuzz-cat.$b
	# the queues: as many as asked (1 without FUZZ_QUEUES), each ring
	# carried requests, and together every request pushed
	nq=$(echo "$out" | sed -n 's/^QUEUES \([0-9]*\) .*/\1/p')
	rings=$(echo "$out" | sed -n 's/^RINGS //p')
	if [ -z "$qopt" ]; then
		check_eq "$b $cfg: queues (one without FUZZ_QUEUES)" "$nq" 1
	else
		check_ge "$b $cfg: queues" "${nq:-0}" 1
		echo "$nq" >> $LAB_RUN/fuzz-queues.$b
	fi
	# (a ring left out of 32 draws a ring: one chance in e^32)
	[ "$n" -ge $((32 * ${nq:-1})) ] &&
		check_eq "$b $cfg: rings that carried requests" \
			"$(echo "$rings" | awk '{ for (i = 1; i <= NF; i++) n += ($i > 0); print n + 0 }')" "${nq:-?}"
	check_eq "$b $cfg: requests over the rings" \
		"$(echo "$rings" | awk '{ for (i = 1; i <= NF; i++) n += $i; print n + 0 }')" \
		"$(echo "$out" | sed -n 's/^PUSHED \([0-9]*\) requests.*/\1/p')"
	summary "$b $cfg: ${nq:-?} queue(s), requests per ring: $rings"
	total=$((total + ${played:-0}))
	t=$(echo "$out" | sed -n 's/^TIME [0-9]* requests in \([0-9]*\) ms$/\1/p')
	ms=$((ms + ${t:-0}))
	findings=$((findings + ${f:-0}))
	judge "$b" "$cfg" "$out"
	if [ "$b" = ours ]; then
		# our backend served as many rings as the fuzzer made
		check_eq "$cfg: connection/nr_rings while connected" \
			"$(cat $LAB_RUN/fuzz-nrings 2>/dev/null)" "${nq:-?}"
		# every request taken off the ring (the stream's and the
		# probes'), nothing left in flight
		check_eq "$cfg: statistics/requests" "$(bk_stat $v requests)" \
			"$(echo "$out" | sed -n 's/^PUSHED \([0-9]*\) requests.*/\1/p')"
		check_eq "$cfg: statistics/inflight" "$(bk_stat $v inflight)" 0
		check_eq "$cfg: statistics/persistent_grants" \
			"$(bk_stat $v persistent_grants)" 0
		[ -n "$cap" ] && check_ge "$cfg: persistent grants purged under I/O" \
			"$(bk_stat $v lru_purged)" 1
		summary "$cfg: backend errors: $(for s in err_bad_op err_unsupported \
			err_bad_nseg err_bad_segment err_misaligned err_out_of_range \
			err_read_only err_grant_map err_io; do
			printf '%s=%s ' ${s#err_} "$(bk_stat $v $s)"; done)"
	fi
	# the frontend closed: the disk's own mappings went with it (a count
	# that an honest neighbour's I/O leaves alone), and after the detach
	# none is left but the neighbour's
	[ "$b" = ours ] && bk_vbd_released $v 10
	hand_detach $v
	[ -n "$oldcap" ] && echo "$oldcap" > $PGRANTS
	[ -n "$oldq" ] && echo "$oldq" > $QUEUES
	[ "$b" = ours ] && bk_released 10
	# the memory-backed disk gives its memory back
	echo 0 > /sys/kernel/config/nullb/${dev#/dev/}/power
	rmdir /sys/kernel/config/nullb/${dev#/dev/}
}

# replay_corpus <backend>: the requests that once found a defect
# (tests/lab/fuzz-corpus/backend.corpus), on the connection they name
replay_corpus() {
	local b=$1 v=xvdb dev out n
	dev=$(disk_null 16 512) || { fail "no null_blk disk"; return 1; }
	hand_attach "$dev" $v w || return 1
	out=$(g "blkif-fuzzfront -s $seed -a x86_64 -o 0 -p 0 -z -r /lab/backend.corpus $(vdev_devid $v) 2>&1
		echo EXIT=\$?
		echo REQS=\$(grep -c '^req ' /lab/backend.corpus)")
	echo "$out"
	n=$(echo "$out" | sed -n 's/^REQS=//p')
	check_ge "$b corpus: requests in it" "${n:-0}" 1
	check_eq "$b corpus: every request played" \
		"$(echo "$out" | sed -n 's/^fuzz-backend: \([0-9]*\) requests, .*/\1/p')" "$n"
	if [ "$b" = ours ]; then
		check_eq "$b corpus: no finding (exit status)" "$(echo "$out" | sed -n 's/^EXIT=//p')" 0
	else
		judge "$b" corpus "$out"
	fi
	hand_detach $v
	echo 0 > /sys/kernel/config/nullb/${dev#/dev/}/power
	rmdir /sys/kernel/config/nullb/${dev#/dev/}
}

# fuzz_all <backend> [<batch>]: the corpus, then the six connections,
# FUZZ_COUNT requests in all
fuzz_all() {
	local b=$1 batch=$2 cfg n first=1 base after
	# Xen's count of the fuzzing guest's grants that some domain maps:
	# before the stream, dom0's consoled and XenStore map its console and
	# XenStore rings (2), and the backend nothing
	base=$(active_grants "$domid")
	check_ge "$b: grants of the guest mapped before the stream (Xen's count)" "$base" 0
	replay_corpus "$b"
	rm -f $LAB_RUN/fuzz-cat.$b $LAB_RUN/fuzz-race.$b $LAB_RUN/fuzz-queues.$b
	total=0
	findings=0
	ms=0
	for cfg in $CONFIGS; do
		n=$((count / nconf))
		[ -n "$first" ] && n=$((n + count % nconf))
		first=
		fuzz_one "$b" "$cfg" "$n" "$batch"
	done
	# the counts per category, over all connections
	awk -v b="$b" '{
		if (!($2 in seen)) { seen[$2] = 1; cats[++nc] = $2 }
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (!(kv[1] in known)) { known[kv[1]] = 1; keys[++nk] = kv[1] }
			sum[$2 "/" kv[1]] += kv[2]
		}
	} END {
		for (j = 1; j <= nc; j++) {
			line = "CAT-TOTAL " b " " cats[j]
			for (i = 1; i <= nk; i++)
				line = line " " keys[i] "=" sum[cats[j] "/" keys[i]]
			print line
		}
	}' $LAB_RUN/fuzz-cat.$b | tee $LAB_RUN/fuzz-cat-total.$b
	# every category but ring-break (which stops the ring) was played
	check_eq "$b: categories played" \
		"$(awk '{ print $2 }' $LAB_RUN/fuzz-cat.$b | sort -u | wc -l)" 15
	# the racer, over all connections: it was still rewriting when
	# answers came (so while the backend read), for some at least
	check_ge "$b: raced requests answered while their rewrites went on" \
		"$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^answered-while-rewriting=/) { sub(/.*=/, "", $i); n += $i } } END { print n + 0 }' $LAB_RUN/fuzz-race.$b)" 1
	summary "$b: $(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } }
		END { printf "raced %d requests, %d rewrites, %d answered while rewritten, %d past the window", s["requests"], s["rewrites"], s["answered-while-rewriting"], s["window-over"] }' $LAB_RUN/fuzz-race.$b)"
	# a draw of queues (FUZZ_QUEUES lo-hi): some connection had several
	# (seed 1, 1-4: 2 1 3 4 4 1, host/test_blkif_fuzzfront_queues.c);
	# for a seed whose six draws are all 1 (one in 4^6 with 1-4), pick
	# another or ask for a count
	if [ -n "$qopt" ] && [ "${queues#*-}" != 1 ]; then
		check_ge "$b: connections with several queues" \
			"$(awk '$1 > 1 { n++ } END { print n + 0 }' $LAB_RUN/fuzz-queues.$b)" 1
	fi
	after=$(active_grants "$domid")
	check_eq "$b: grants of the guest mapped (Xen's count) back to before the stream" "$after" "$base"
	echo "fuzz-backend: $total requests, $findings findings, seed $seed ($b)"
	summary "fuzz-backend: $total requests, $findings findings, seed $seed ($b)"
	echo "fuzz-backend-rate: $((total * 1000 / (ms ? ms : 1))) requests/s, batch ${batch:-default} ($b)"
	summary "fuzz-backend-rate: $((total * 1000 / (ms ? ms : 1))) requests/s, batch ${batch:-default} ($b)"
}

# the requests sent per category (CAT-TOTAL lines of fuzz_all)
sent_per_cat() {
	sed 's/^CAT-TOTAL [^ ]* \([^ ]*\) .*sent=\([0-9]*\).*/\1=\2/' "$1"
}

# ---- the guest becomes the fuzzer ----
guest_hand_frontend
domid=$(cat $LAB_RUN/domid)
honest_start "$domid"

# fuzz_sizes <backend>: the stream once per batch size of FUZZ_BATCH
fuzz_sizes() {
	local b=$1 bt sent=
	set -- $batches
	[ $# = 0 ] && set -- ""
	for bt in "$@"; do
		fuzz_all "$b" "$bt"
		# one stream, whatever the batch size
		[ -n "$sent" ] && check_eq "$b: batch $bt plays the requests of batch $1" \
			"$(sent_per_cat $LAB_RUN/fuzz-cat-total.$b)" "$sent"
		sent=$(sent_per_cat $LAB_RUN/fuzz-cat-total.$b)
	done
}

fuzz_sizes "$back"
# the requests of every batch size, for the CPU per request
honest_stop $((total * $(echo ${batches:-default} | wc -w)))
if [ "$back" = ours ] && [ "$reference" = 1 ]; then
	count=$refcount
	back_reload upstream && fuzz_sizes upstream
	back_reload ours $bparams
fi

bad=$(g "dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|still in use|leaking'")
check_eq "guest kernel log clean" "$bad" ""
guest_restart
finished=1
check "the backend module unloads" back_unload
check "and loads again" back_load "$back" $bparams
