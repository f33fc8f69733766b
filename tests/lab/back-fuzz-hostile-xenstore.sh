# The control-plane fuzzer (issue 11): with the guest's xen-blkfront
# unloaded, blkif-fuzzxs (tests/lab/tools/blkif-fuzzxs.c, /lab in the guest)
# is the frontend of a memory-backed disk and plays FUZZ_XS_COUNT handshake
# sequences (default 100, the slice meant for make check) of the seeded
# stream FUZZ_SEED (default 1), one connect/disconnect cycle each: sane and
# insane ring-page-order, num-ring-pages, multi-queue-num-queues, protocol
# and queue-N/ rings (2 to 4 queues: max_queues is 4 here), one event
# channel for two queues, missing keys, states 2, 7, 8, 9, 255, -1,
# Closed under load, Closing then Connected, Initialised again with another
# ring, ABI or queue count.  The backend must connect and serve valid
# requests correctly on every ring, or refuse as
# Documentation/xen-blkback.rst documents (blkif-fuzzseq.c has the
# expectations); every cycle must end with the backend Closed.
#
# The stream runs in four parts; between them another disk attaches,
# connects (an honest cycle of the same tool), serves reads and writes and
# detaches: the xenbus thread is not stuck.  At the end a disk plays state 0
# and a state that is no number (the frontend gone, which the stream leaves
# out: the backend may drop the device), then a last disk must attach and
# serve.  Afterwards the backend holds no grant (its count and Xen's), lost
# no page, and unloads.
#
# Every finding against our backend fails.  With BACK=upstream the distro
# backend is the reference: its findings are printed as REFERENCE.
# FUZZ_HONEST=1 (make fuzz sets it) gives the backend an honest neighbour
# meanwhile, as in back-fuzz-hostile-frontend.sh: a second guest's fio
# verify and timed reads on a disk of its own (honest_start in lib.sh).
seed=$(conf FUZZ_SEED)
seed=${seed:-1}
count=$(conf FUZZ_XS_COUNT)
count=${count:-100}
back=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
QUEUES=/sys/module/xen_blkback/parameters/max_queues
PARTS=4

# however this ends, the next scenario gets a guest with its xen-blkfront,
# and the backend its number of queues
finished=
oldq=$(cat $QUEUES)
trap '[ -n "$finished" ] || guest_restart; echo "$oldq" > $QUEUES; guest2_stop' EXIT

total=0
findings=0
rm -f $LAB_RUN/fuzzxs-cat

# judge <what> <fuzzer output>: its findings, by kind
judge() {
	local what=$1 n line
	echo "$2" | grep '^KIND ' | while read -r line; do
		set -- $line
		n=$2
		if [ "$back" != ours ]; then
			summary "REFERENCE $back $what: $n x ${line#KIND $n }"
		else
			fail "$what: $n findings: ${line#KIND $n }"
		fi
	done
}

# run_fuzzxs <vdev> <timeout s> <options>: the tool on <vdev>; prints its
# output without the sequences' detail beyond the first few findings
run_fuzzxs() {
	local v=$1 t=$2
	shift 2
	G_TIMEOUT=$t g "blkif-fuzzxs $* $(vdev_devid $v) >/tmp/fuzzxs.out 2>&1
		echo EXIT=\$?
		grep -v -e '^FINDING' -e '^SEQ' /tmp/fuzzxs.out
		grep -e '^FINDING' -e '^SEQ' /tmp/fuzzxs.out | head -n 30 | cut -c 1-700"
}

# new_disk <vdev>: a memory-backed disk attached for the tool
new_disk() {
	local dev
	dev=$(disk_null 16 512) || { fail "no null_blk disk"; return 1; }
	echo "$dev" > $LAB_RUN/fuzzxs-dev.$1
	hand_attach "$dev" "$1" w
}

# drop_disk <vdev>: detach (forced if the backend let the device go) and
# give the memory back
drop_disk() {
	local v=$1 dev dir i=0
	dev=$(cat $LAB_RUN/fuzzxs-dev.$v)
	dir=$(bk_path $v)
	timeout 60 xl block-detach $DOMU $v >/dev/null 2>&1 ||
		timeout 30 xl block-detach -f $DOMU $v >/dev/null 2>&1
	while { [ -d "$(bk_dir $v)" ] || xenstore-exists "$dir"; } && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "$v: backend device and directory gone" \
		"$(ls -d "$(bk_dir $v)" 2>/dev/null | wc -l)$(xenstore-exists "$dir" && echo +xs)" 0
	echo 0 > /sys/kernel/config/nullb/${dev#/dev/}/power
	rmdir /sys/kernel/config/nullb/${dev#/dev/}
}

# probe <why>: another disk attaches, connects honestly, serves reads and
# writes checked against the model, and detaches
probe() {
	local v=xvdc out
	new_disk $v || return 1
	out=$(run_fuzzxs $v 180 -s "$seed" -c valid -n 2 -z)
	echo "$out"
	check_eq "$1: another disk connects and serves (2 honest cycles)" \
		"$(echo "$out" | grep -c -e '^EXIT=0$' -e '^fuzz-xenstore: 2 sequences, 0 findings')" 2
	drop_disk $v
}

# ---- the guest becomes the fuzzer ----
guest_hand_frontend
domid=$(cat $LAB_RUN/domid)
honest_start "$domid"
echo 4 > $QUEUES || fail "max_queues=4"
base=$(active_grants "$domid")
probe "before the stream"

# the stream, in parts, on one disk whose contents the parts share
v=xvdb
new_disk $v || exit 1
first=0
part=1
while [ $part -le $PARTS ]; do
	n=$((count / PARTS))
	[ $part = $PARTS ] && n=$((count - first))
	z=
	[ $first = 0 ] && z=-z
	# a cycle costs about a second under TCG: 10 s each is a hang
	out=$(run_fuzzxs $v $((120 + n * 10)) -s "$seed" -f $first -n $n $z)
	echo "$out"
	check_eq "part $part: the fuzzer ran (exit 0: no finding, 1: findings)" \
		"$(echo "$out" | sed -n 's/^EXIT=\([01]\)$/ran/p')" ran
	played=$(echo "$out" | sed -n 's/^fuzz-xenstore: \([0-9]*\) sequences, .*/\1/p')
	f=$(echo "$out" | sed -n 's/^fuzz-xenstore: [0-9]* sequences, \([0-9]*\) findings.*/\1/p')
	check_eq "part $part: sequences played (the stream never ended)" "$played" "$n"
	[ "$back" = ours ] && check_eq "part $part: findings" "$f" 0
	echo "$out" | grep '^CAT ' >> $LAB_RUN/fuzzxs-cat
	judge "part $part" "$out"
	total=$((total + ${played:-0}))
	findings=$((findings + ${f:-0}))
	check_eq "part $part: the backend is Closed" "$(xs_back $v state)" 6
	if [ "$back" = ours ]; then
		check_eq "part $part: statistics/inflight" "$(bk_stat $v inflight)" 0
		check_eq "part $part: statistics/persistent_grants" \
			"$(bk_stat $v persistent_grants)" 0
	fi
	probe "after part $part"
	first=$((first + n))
	part=$((part + 1))
done
drop_disk $v
[ "$back" = ours ] && bk_released 10

# the counts per category, over all parts
awk '{
	if (!($2 in seen)) { seen[$2] = 1; cats[++nc] = $2 }
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (!(kv[1] in known)) { known[kv[1]] = 1; keys[++nk] = kv[1] }
		sum[$2 "/" kv[1]] += kv[2]
	}
} END {
	for (j = 1; j <= nc; j++) {
		line = "CTRLCAT-TOTAL " cats[j]
		for (i = 1; i <= nk; i++)
			line = line " " keys[i] "=" sum[cats[j] "/" keys[i]]
		print line
	}
}' $LAB_RUN/fuzzxs-cat
# 12 categories in the stream (unknown-state apart); a short one may miss some
[ "$count" -ge 100 ] && check_eq "categories played" \
	"$(awk '{ print $2 }' $LAB_RUN/fuzzxs-cat | sort -u | wc -l)" 12

# the frontend gone: state 0 and no number, before and after connecting
for i in 0 1 2 3; do
	v=xvdd
	new_disk $v || break
	out=$(run_fuzzxs $v 120 -s "$seed" -f $i -n 1 -c unknown-state -z)
	echo "$out"
	check_eq "unknown state $i: the fuzzer ran" \
		"$(echo "$out" | sed -n 's/^EXIT=\([01]\)$/ran/p')" ran
	judge "unknown state $i" "$out"
	f=$(echo "$out" | sed -n 's/^fuzz-xenstore: [0-9]* sequences, \([0-9]*\) findings.*/\1/p')
	[ "$back" = ours ] && check_eq "unknown state $i: findings" "$f" 0
	total=$((total + 1))
	findings=$((findings + ${f:-0}))
	drop_disk $v
	[ "$back" = ours ] && bk_released 10
done
probe "after the frontend went"
honest_stop

check_eq "grants of the guest mapped (Xen's count) back to before" \
	"$(active_grants "$domid")" "$base"
echo "fuzz-xenstore: $total sequences, $findings findings, seed $seed ($back)"
summary "fuzz-xenstore: $total sequences, $findings findings, seed $seed ($back)"

bad=$(g "dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|still in use|leaking'")
check_eq "guest kernel log clean" "$bad" ""
guest_restart
finished=1
echo "$oldq" > $QUEUES
check "the backend module unloads" back_unload
check "and loads again" back_load "$back" $bparams
