#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: the hostile-frontend fuzzer at scale, in one lab boot
# (tests/lab/back-fuzz-hostile-frontend.sh): FUZZ_COUNT requests (default
# 10^6) of the seeded stream FUZZ_SEED (default 1) against our backend, then
# as many against the distro's backend, the reference (FUZZ_REFERENCE=0
# leaves it out).  Ends with one "fuzz-backend: <n> requests, <k> findings,
# seed <s>" line per backend and the counts per category; exit status 0 when
# our backend had no finding.
#
# Knobs: KVER (6.1, 6.12; DEBUG=1: 6.12-debug, the lab's debug kernel,
# which make debug-kernel builds), FUZZ_SEED, FUZZ_COUNT, FUZZ_REFERENCE, and
# FUZZ_RATE, the fewest requests a second the time limits allow (default 25;
# the lab plays about 100 a second under TCG).
set -uo pipefail
cd "$(dirname "$0")/.."
KVER=${KVER:-6.1}
[ "${DEBUG:-}" = 1 ] && KVER=6.12-debug
export KVER FRONT=${FRONT:-ours} BACK=${BACK:-ours}
export FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_COUNT=${FUZZ_COUNT:-1000000}
export FUZZ_REFERENCE=${FUZZ_REFERENCE:-1}
runs=1
[ "$FUZZ_REFERENCE" = 1 ] && [ "$BACK" = ours ] && runs=2
export SCENARIO_TIMEOUT=${SCENARIO_TIMEOUT:-$((900 + runs * FUZZ_COUNT / ${FUZZ_RATE:-25}))}
export TIMEOUT=${TIMEOUT:-$((SCENARIO_TIMEOUT + 600))}
export TESTS=back-fuzz-hostile-frontend
export RESULTS=${RESULTS:-$PWD/results/fuzz-$(date +%Y%m%d-%H%M%S)-$KVER-seed$FUZZ_SEED}
start=$SECONDS
scripts/lab/boot.sh
rc=$?
echo "== make fuzz: $((SECONDS - start)) s, results in $RESULTS"
log=$RESULTS/scenarios/$TESTS.log
if [ -f "$log" ]; then
	sed -n -E 's/^\[ *[0-9.]+\] //; /^(CAT-TOTAL|SUMMARY: REFERENCE|FAIL:|fuzz-backend:)/p' "$log"
else
	echo "no scenario log: the boot did not reach the fuzzer"
fi
exit $rc
