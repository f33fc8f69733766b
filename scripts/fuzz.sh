#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: both fuzzers at scale, in one lab boot with our pair:
#   backend side  tests/lab/back-fuzz-hostile-frontend.sh: FUZZ_COUNT
#                 requests (default 10^6) of the seeded stream FUZZ_SEED
#                 (default 1) against our backend, then against the
#                 distro's backend, the reference (FUZZ_REFERENCE=0 leaves it
#                 out), FUZZ_REF_COUNT requests of it (default 2 x 10^4:
#                 it refuses at about 45 requests a second, so 10^6 would
#                 take six hours);
#                 with one request in 64 raced and two floods of
#                 FUZZ_FLOOD event notifications (default 10^6), each
#                 connection on FUZZ_QUEUES queues (default 1-4: a draw
#                 per connection from the seed; make check plays one);
#                 tests/lab/back-fuzz-hostile-xenstore.sh: FUZZ_XS_COUNT
#                 handshake sequences (default 1,000 connect/disconnect
#                 cycles) of the control-plane fuzzer against our backend;
#   frontend side tests/lab/front-fuzz-hostile-backend.sh: FUZZ_RESPONSES
#                 responses (default 10^5) of the same seed's hostile backend
#                 against our frontend.
# FUZZ_SIDE=backend (both backend fuzzers) or frontend runs one side only,
# xenstore the control-plane fuzzer alone.  Ends with one
# "fuzz-backend: <n> requests, <k> findings, seed <s>" line per backend, one
# "fuzz-xenstore: <n> sequences, <k> findings, seed <s>" line and
# one "fuzz-frontend: <n> responses, <k> findings, seed <s>" line, and the
# counts per category; exit status 0 when our drivers had no finding.
#
# Knobs: KVER (6.1, 6.12; DEBUG=1: 6.12-debug, the lab's debug kernel,
# which make debug-kernel builds), FUZZ_SEED, FUZZ_COUNT, FUZZ_FLOOD,
# FUZZ_QUEUES, FUZZ_RESPONSES,
# FUZZ_REFERENCE, FUZZ_REF_COUNT, FUZZ_SIDE, FUZZ_BATCH (requests in
# flight, see scripts/lab/README.md), FUZZ_HONEST (default 1: while our
# backend is fuzzed, a second guest verifies data with fio on a disk of its
# own and times a 4 KiB read every 2 s, and the fuzzed guest's ring threads'
# CPU per request is bounded; 0 leaves it out, as make check does), and
# the fewest requests a second the time limits allow against our backend
# (FUZZ_RATE, default 100) and against the distro's (FUZZ_REF_RATE,
# default 20), and responses (FUZZ_RSP_RATE, default 25), and the most
# seconds a handshake sequence may take (FUZZ_XS_SECS, default 2).
# Measured on 6.1 in the TCG lab (2026-11-27, 10^4 requests of seed 1):
# our backend 188 requests/s one at a time, 329 in batches of 8; the
# distro's about 45 in batches (it sleeps 1 ms after each read or write it
# refuses: dispatch_rw_block_io());
# responses 58 a second over the long connections, 36 over a 10^4 run with
# its setup and the 13 short ones of the XenStore sweep; handshake
# sequences 0.75 s each (100 of seed 1 in 74 s, the scenario 288 s with
# its probes).  The defaults keep a margin of about 2 for a loaded host.
# A whole backend side on 6.1 (2026-11-27, seed 1): 10^6 requests against
# ours in 3931 s, 260 a second over the six connections (the read-only one
# at 120: most of its requests are refused, and a ring paces refusals, 64
# per window: Documentation/xen-blkback.rst), then 2 x 10^4 against the
# distro's at 161 a second.
set -uo pipefail
cd "$(dirname "$0")/.."
KVER=${KVER:-6.1}
[ "${DEBUG:-}" = 1 ] && KVER=6.12-debug
side=${FUZZ_SIDE:-both}
export KVER FRONT=ours BACK=ours
export FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_COUNT=${FUZZ_COUNT:-1000000}
export FUZZ_RESPONSES=${FUZZ_RESPONSES:-100000}
export FUZZ_REFERENCE=${FUZZ_REFERENCE:-1}
export FUZZ_REF_COUNT=${FUZZ_REF_COUNT:-20000}
export FUZZ_XS_COUNT=${FUZZ_XS_COUNT:-1000}
export FUZZ_FLOOD=${FUZZ_FLOOD:-1000000}
export FUZZ_QUEUES=${FUZZ_QUEUES:-1-4}
export FUZZ_HONEST=${FUZZ_HONEST:-1}
t_back=0 t_front=0 t_xs=0 TESTS=
case $side in
both|backend)
	t_back=$((900 + FUZZ_COUNT / ${FUZZ_RATE:-100}))
	[ "$FUZZ_REFERENCE" = 1 ] &&
		t_back=$((t_back + FUZZ_REF_COUNT / ${FUZZ_REF_RATE:-20}))
	TESTS=back-fuzz-hostile-frontend ;;
esac
case $side in
both|backend|xenstore)
	# the stream, its probes and the unknown-state disks
	t_xs=$((900 + FUZZ_XS_COUNT * ${FUZZ_XS_SECS:-2}))
	TESTS="$TESTS back-fuzz-hostile-xenstore" ;;
esac
case $side in
both|frontend)
	t_front=$((900 + FUZZ_RESPONSES / ${FUZZ_RSP_RATE:-25}))
	TESTS="$TESTS front-fuzz-hostile-backend" ;;
esac
[ -n "$TESTS" ] || { echo "FUZZ_SIDE is both, backend, xenstore or frontend (got $side)"; exit 2; }
t=$t_back
[ $t_xs -gt $t ] && t=$t_xs
[ $t_front -gt $t ] && t=$t_front
export TESTS SCENARIO_TIMEOUT=${SCENARIO_TIMEOUT:-$t}
export TIMEOUT=${TIMEOUT:-$((t_back + t_xs + t_front + 600))}
export RESULTS=${RESULTS:-$PWD/results/fuzz-$(date +%Y%m%d-%H%M%S)-$KVER-seed$FUZZ_SEED}
start=$SECONDS
scripts/lab/boot.sh
rc=$?
echo "== make fuzz: $((SECONDS - start)) s, results in $RESULTS"
for s in $TESTS; do
	log=$RESULTS/scenarios/$s.log
	if [ -f "$log" ]; then
		sed -n -E 's/^\[ *[0-9.]+\] //; /^(CAT-TOTAL|XSCAT-TOTAL|CTRLCAT-TOTAL|SUMMARY: REFERENCE|SUMMARY: honest|SUMMARY: .*(: flood \(|: raced |: [0-9]+ queue\(s\))|FAIL:|fuzz-backend:|fuzz-backend-rate:|fuzz-xenstore:|fuzz-frontend:)/p' "$log"
	else
		echo "$s: no scenario log, the boot did not reach it"
	fi
done
exit $rc
