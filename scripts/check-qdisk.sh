#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-qdisk: QEMU's qdisk backend against our frontend and the
# distro's (the reference), on 6.1 and 6.12: the boots of
# tests/lab/qdisk.plan.  Every check counts as one test; the last line is
# "N passed, N failed".  The SUMMARY lines of each boot (what qdisk
# offered, what each frontend negotiated) are in the scenario logs under
# results/check-qdisk-*/.
set -uo pipefail
cd "$(dirname "$0")/.."
CHECK_NAME=check-qdisk
. scripts/check-lib.sh

echo "== setup"
step setup scripts/lab/setup.sh || finish

echo "== lab (qdisk)"
run_plan tests/lab/qdisk.plan
grep -h 'SUMMARY: qdisk\|SUMMARY: Linux backend\|SUMMARY: was:' "$LOGS"/boot*/scenarios/front-qdisk-*.log 2>/dev/null |
	sed 's/.*SUMMARY: /    /'
finish
