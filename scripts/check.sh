#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: static checks, unit tests and the lab boots of
# tests/lab/check.plan.  Every check counts as one test; the last line is
# "N passed, N failed" and the exit status is non-zero when any failed.
# CHECK_LAB=0 skips the lab boots (and says so; skipped is not passed).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/check-lib.sh

echo "== setup"
step setup-host scripts/lab/setup.sh --host || finish
# A boot on the lab's debug kernel: build it, or find it in the cache.  A
# cold build takes 9-13 minutes of both cores.  It needs only the host's
# packages, so it starts before the rest of the setup (downloads, kernel
# headers) and runs in the background while that, the static checks and
# the unit tests run; the lab waits for it before its first boot: a build
# beside a boot starves the emulated CPUs (CI saw an RCU stall report in
# dom0 that way) and saves nothing, since a busy boot needs both cores.
# CHECK_LAB=0 runs no boot and so needs no debug kernel.
if [ "${CHECK_LAB:-1}" != 0 ] && plan_kvers tests/lab/check.plan | grep -qx 6.12-debug; then
	echo "== debug kernel: building in the background (log: $LOGS/debug-kernel.log)"
	scripts/lab/debug-kernel.sh > "$LOGS/debug-kernel.log" 2>&1 &
	debug_pid=$!
	debug_t0=$SECONDS
fi
step setup scripts/lab/setup.sh || { debug_kernel_ready; finish; }

echo "== static checks"
for c in w1 sparse checkpatch; do
	step "static-$c" scripts/static-check.sh $c
done
# the modules of the W=1 build: version, and every parameter of the
# distro's modules accepted (seconds)
step modinfo-version-and-dropin-params env PARAMS_TREE=w1- scripts/modinfo-check.sh
# the in-tree series against linux-source-6.12 (installed by the setup
# step above): git am, checkpatch --strict, allmodconfig W=1 build.  CPU
# time (user + sys, 2026-11-27): 161 s cold (source unpacked, tree
# prepared), 79 s warm, spread over both cores
step series-check scripts/series-check.sh

echo "== unit tests"
make -s -C tests/unit run > "$LOGS/unit.log" 2>&1
urc=$?
grep -E '^(PASS|FAIL): ' "$LOGS/unit.log" | while read -r v n; do echo "$v unit/$n"; done
up=$(grep -c '^PASS: ' "$LOGS/unit.log")
uf=$(grep -c '^FAIL: ' "$LOGS/unit.log")
passed=$((passed + up))
failed=$((failed + uf))
[ "$uf" -gt 0 ] && failures="$failures\n  unit tests ($uf)"
if [ $urc -ne 0 ] && [ "$uf" -eq 0 ]; then
	tail -n 30 "$LOGS/unit.log" | sed 's/^/    /'
	record "unit-build" 1
fi

# the debug kernel's build before any boot; a failed build still lets the
# lab run: the debug boot's scenarios fail
debug_kernel_ready
if [ "${CHECK_LAB:-1}" = 0 ]; then
	echo "== lab: skipped (CHECK_LAB=0); not counted as passed"
else
	echo "== lab"
	run_plan tests/lab/check.plan
fi

finish
