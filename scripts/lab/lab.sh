#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lab: set the host up if needed, boot the lab once and print what the
# default workload measured.  Knobs (environment or make variables):
#   KVER=6.1|6.12|6.12-debug  FRONT=ours|upstream  BACK=ours|upstream
#   FRONT_PARAMS="k=v ..."  BACK_PARAMS="k=v ..."
#   TESTS="scenario ..."  (default: fio-verify-on-loop-disk)
set -uo pipefail
. "$(dirname "$0")/common.sh"
export KVER=${KVER:-6.1} FRONT=${FRONT:-upstream} BACK=${BACK:-upstream}
export TESTS=${TESTS:-fio-verify-on-loop-disk}
case "$KVER" in
*-debug)
	"$LAB_SRC/scripts/lab/setup.sh" "${KVER%-debug}" || lab_die "setup failed"
	"$LAB_SRC/scripts/lab/debug-kernel.sh" >/dev/null || lab_die "debug kernel build failed" ;;
*) "$LAB_SRC/scripts/lab/setup.sh" "$KVER" || lab_die "setup failed" ;;
esac
export RESULTS=${RESULTS:-$LAB_SRC/results/lab-$(date +%Y%m%d-%H%M%S)-$KVER-$FRONT-$BACK}
"$LAB_SRC/scripts/lab/boot.sh"
rc=$?
echo
echo "== xen-blk lab: Linux $KVER, front=$FRONT back=$BACK"
[ -s "$RESULTS/summary.txt" ] && cat "$RESULTS/summary.txt"
echo "results: $RESULTS"
if [ $rc -eq 0 ]; then echo "LAB PASS"; else echo "LAB FAIL"; fi
exit $rc
