#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lab: set the host up if needed, boot the lab once and print what the
# default workload measured.  Our modules are built for the kernel on the way
# (build-images.sh).  Knobs (environment or make variables):
#   KVER=6.1|6.12|6.12-debug  FRONT=ours|upstream  BACK=ours|upstream
#   (both default ours)  FRONT_PARAMS="k=v ..."  BACK_PARAMS="k=v ..."
#   TESTS="scenario ..."  (default: fio-verify-on-loop-disk)
#   COMPARE=1: the default workload also runs on upstream's pair (the
#   distribution's two modules) in the same boot, and the figures of both
#   pairs are printed side by side
set -uo pipefail
. "$(dirname "$0")/common.sh"
export KVER=${KVER:-6.1} FRONT=${FRONT:-ours} BACK=${BACK:-ours}
export TESTS=${TESTS:-fio-verify-on-loop-disk}
COMPARE=${COMPARE:-}
WORKLOAD=fio-verify-on-loop-disk
if [ "$COMPARE" = 1 ]; then
	[ "$FRONT/$BACK" != upstream/upstream ] ||
		lab_die "COMPARE=1 compares a pair with upstream's: FRONT and BACK are both upstream already"
	case " $TESTS " in *" $WORKLOAD "*) ;; *) TESTS="$TESTS $WORKLOAD" ;; esac
	TESTS="$TESTS $WORKLOAD-upstream-pair"
fi
case "$KVER" in
*-debug)
	"$LAB_SRC/scripts/lab/setup.sh" "${KVER%-debug}" || lab_die "setup failed"
	"$LAB_SRC/scripts/lab/debug-kernel.sh" >/dev/null || lab_die "debug kernel build failed" ;;
*) "$LAB_SRC/scripts/lab/setup.sh" "$KVER" || lab_die "setup failed" ;;
esac
export RESULTS=${RESULTS:-$LAB_SRC/results/lab-$(date +%Y%m%d-%H%M%S)-$KVER-$FRONT-$BACK$([ "$COMPARE" = 1 ] && echo -compare)}
"$LAB_SRC/scripts/lab/boot.sh"
rc=$?

# compare_table: the LAB-FIGURE rows of the scenarios (lib.sh's figure),
# in the order they ran, one column per pair
compare_table() {
	local t
	for t in $TESTS; do
		sed -n 's/.*LAB-FIGURE //p' "$RESULTS/scenarios/$t.log" 2>/dev/null
	done | tr -d '\r' | awk '
		{
			p = $1; sub(/^[^ ]+ /, "")
			i = index($0, ": ")
			if (i == 0) next
			l = substr($0, 1, i - 1); v = substr($0, i + 2)
			if (!(p in pseen)) { pseen[p] = 1; pair[++np] = p; w[p] = length(p) }
			if (!(l in lseen)) { lseen[l] = 1; label[++nl] = l }
			if (length(l) > lw) lw = length(l)
			if (length(v) > w[p]) w[p] = length(v)
			val[p, l] = v
		}
		END {
			if (np == 0) exit
			printf "  %-*s", lw, "front/back"
			for (j = 1; j <= np; j++) printf "  %*s", w[pair[j]], pair[j]
			if (np == 2) printf "  %s", "ratio"
			printf "\n"
			for (i = 1; i <= nl; i++) {
				printf "  %-*s", lw, label[i]
				for (j = 1; j <= np; j++) {
					c[j] = ((pair[j], label[i]) in val) ? val[pair[j], label[i]] : "-"
					printf "  %*s", w[pair[j]], c[j]
				}
				# the ratio of two measured figures
				if (np == 2 && label[i] ~ /IOPS|MB\/s/ && c[1] ~ /^[0-9.]+$/ &&
				    c[2] ~ /^[0-9.]+$/ && c[2] + 0 > 0)
					printf "  %.2f", c[1] / c[2]
				printf "\n"
			}
		}'
}

echo
echo "== xen-blk lab: Linux $KVER, front=$FRONT back=$BACK"
[ -s "$RESULTS/summary.txt" ] && cat "$RESULTS/summary.txt"
if [ "$COMPARE" = 1 ]; then
	compare_table > "$RESULTS/compare.txt"
	echo
	echo "== the default workload on both pairs, in one boot (ratio: first column over second)"
	if [ -s "$RESULTS/compare.txt" ]; then
		cat "$RESULTS/compare.txt"
	else
		echo "  (no figures: the workload did not run)"
	fi
fi
echo "results: $RESULTS"
if [ $rc -eq 0 ]; then echo "LAB PASS"; else echo "LAB FAIL"; fi
exit $rc
