#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: build the lab's debug kernel (cached, see
# scripts/lab/debug-kernel.sh), build our modules against it with W=1, and
# run the boots of tests/lab/check-debug.plan on it.  Every check counts as
# one test; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
CHECK_NAME=check-debug
. scripts/check-lib.sh

echo "== setup and debug kernel"
step setup scripts/lab/setup.sh 6.12 || finish
step debug-kernel scripts/lab/debug-kernel.sh || finish
step debug-kernel-w1 env SERIES=6.12-debug scripts/static-check.sh w1

echo "== lab (debug kernel)"
run_plan tests/lab/check-debug.plan
finish
