#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: build the lab's debug kernel (cached, see
# scripts/lab/debug-kernel.sh), build our modules against it with W=1, and
# run the boots of tests/lab/check-debug.plan on it.  Every check counts as
# one test; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0
failed=0
failures=
LOGS=results/check-debug-$(date +%Y%m%d-%H%M%S)
mkdir -p "$LOGS"

record() { # name status
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS: $1"
	else
		failed=$((failed + 1))
		failures="$failures\n  $1"
		echo "FAIL: $1"
	fi
}

step() { # name command...: run, keep its log and its time, show the tail when it fails
	local name=$1 rc t0=$SECONDS
	shift
	"$@" > "$LOGS/$name.log" 2>&1
	rc=$?
	echo "    ($name: $((SECONDS - t0)) s)"
	[ $rc -eq 0 ] || tail -n 40 "$LOGS/$name.log" | sed 's/^/    /'
	record "$name" $rc
	return $rc
}

finish() {
	echo
	[ -n "$failures" ] && printf 'failed:%b\n' "$failures"
	echo "logs: $LOGS"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

echo "== setup and debug kernel"
step setup scripts/lab/setup.sh 6.12 || finish
step debug-kernel scripts/lab/debug-kernel.sh || finish
step debug-kernel-w1 env SERIES=6.12-debug scripts/static-check.sh w1

echo "== lab (debug kernel)"
n=0
while read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	conf=${line%%:*}
	tests=${line#*:}
	set -- $conf
	kver=$1 front=$2 back=$3
	shift 3
	fp= bp=
	for kv in "$@"; do
		case "$kv" in
		FRONT_PARAMS=*) fp=$(echo "${kv#FRONT_PARAMS=}" | tr ',' ' ') ;;
		BACK_PARAMS=*) bp=$(echo "${kv#BACK_PARAMS=}" | tr ',' ' ') ;;
		esac
	done
	tag="$kver $front/$back${fp:+ front:$fp}${bp:+ back:$bp}"
	echo "-- boot $n: $tag"
	t0=$SECONDS
	out=$(LAB_QUICK=${LAB_QUICK:-1} KVER=$kver FRONT=$front BACK=$back FRONT_PARAMS="$fp" \
		BACK_PARAMS="$bp" TESTS="$tests" RESULTS="$LOGS/boot$n-$kver-$front-$back" \
		scripts/lab/boot.sh 2>&1 < /dev/null)
	echo "    (boot $n: $((SECONDS - t0)) s)"
	echo "$out" | grep -v -E '^(PASS|FAIL) ' | sed 's/^/    /'
	grep -h 'SUMMARY: debug kernel' "$LOGS/boot$n-$kver-$front-$back"/scenarios/*.log 2>/dev/null |
		sed 's/.*SUMMARY: /    /'
	for t in $tests; do
		v=$(echo "$out" | awk -v t="$t" '($1 == "PASS" || $1 == "FAIL") && $2 == t { print $1; exit }')
		ev=$(echo "$out" | awk -v t="$t" '$2 == t { print; f = 1; next } f && /^    / { print; next } { f = 0 }' | tail -n +2)
		[ -n "$ev" ] && echo "$ev"
		record "lab[$tag] $t" "$([ "$v" = PASS ] && echo 0 || echo 1)"
	done
done < tests/lab/check-debug.plan
finish
