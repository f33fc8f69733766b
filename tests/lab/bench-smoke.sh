# The benchmark cannot rot: short fio jobs (4k random read, 1 s: libaio at
# depth 8, io_uring batched at depth 32, and the same with hipri) through
# every FRONT x BACK combination and in dom0, with the same machinery as
# make bench (tests/lab/bench-matrix.sh); every combination must give a
# non-zero IOPS figure and work counts, and the round's table must come out
# with one row per job and a figure in every column.  The hipri job polls
# on our frontend's poll ring (at most 2 guest interrupts per 100 I/Os)
# and falls back to interrupts on upstream's, which has no polled queues.
BENCH_RUNTIME=${BENCH_RUNTIME:-1}
BENCH_RAMP=${BENCH_RAMP:-0}
BENCH_KINDS=${BENCH_KINDS:-rr ur up}
BENCH_QDS=${BENCH_QDS:-8}
BENCH_UQDS=${BENCH_UQDS:-32}
BENCH_NJS=${BENCH_NJS:-1}
BENCH_MIB=${BENCH_MIB:-64}
. /tests/bench-matrix.sh

field() { # <combo> <job> <key>
	awk -v c="combo=$1" -v j="job=$2" -v k="$3" '$3 == c && $4 == j {
		for (i = 5; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' $BD/round$BENCH_ROUND.data
}
positive() { awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'; }

for j in $(bench_jobs); do
	for c in dom0 $BENCH_COMBOS; do
		v=$(field $c $j iops)
		check "$c $j: IOPS $v > 0" positive "$v"
		v=$(field $c $j ios)
		check "$c $j: I/Os counted in the interval ($v) > 0" positive "$v"
		[ $c = dom0 ] && continue
		v=$(field $c $j girq)
		case $c/$j in
		ours/*/up-*)
			check_eq "$c $j: polled" "$(field $c $j polled)" 1
			n=$(field $c $j ios)
			check "$c $j: guest ring interrupts ($v) <= 2 per 100 I/Os ($n)" \
				awk -v i="$v" -v n="$n" 'BEGIN { exit !(n > 0 && i * 100 <= 2 * n) }' ;;
		*)
			[ "${j%%-*}" = up ] && check_eq "$c $j: not polled (no polled queues)" "$(field $c $j polled)" 0
			check "$c $j: guest ring interrupts ($v) > 0" positive "$v" ;;
		esac
		v=$(field $c $j dirq)
		check "$c $j: backend ring interrupts ($v) > 0" positive "$v"
		v=$(field $c $j reqs)
		check "$c $j: backend requests ($v) > 0" positive "$v"
		case $c in
		*/ours) v=$(field $c $j maps)
			check "$c $j: our backend's map_ops counted ($v)" test -n "$v" -a "$v" != - ;;
		esac
	done
done
rows=$(grep -c . $BD/round.table)
check_eq "table rows (header + jobs)" "$rows" "$(($(bench_jobs | wc -l) + 1))"
check "every cell of the table filled" awk 'NR > 1 && NF != 7 { exit 1 }' $BD/round.table
