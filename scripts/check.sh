#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: static checks, unit tests and the lab boots of
# tests/lab/check.plan.  Every check counts as one test; the last line is
# "N passed, N failed" and the exit status is non-zero when any failed.
# CHECK_LAB=0 skips the lab boots (and says so; skipped is not passed).
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0
failed=0
failures=
LOGS=results/check-$(date +%Y%m%d-%H%M%S)
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

step() { # name command...: run, keep its log, show the tail when it fails
	local name=$1 rc
	shift
	"$@" > "$LOGS/$name.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 40 "$LOGS/$name.log" | sed 's/^/    /'
	record "$name" $rc
	return $rc
}

echo "== setup"
step setup scripts/lab/setup.sh || { echo "$passed passed, $((failed)) failed"; exit 1; }

echo "== static checks"
for c in w1 sparse checkpatch; do
	step "static-$c" scripts/static-check.sh $c
done

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

if [ "${CHECK_LAB:-1}" = 0 ]; then
	echo "== lab: skipped (CHECK_LAB=0); not counted as passed"
else
	echo "== lab"
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
		boot() {
			LAB_QUICK=${LAB_QUICK:-1} KVER=$kver FRONT=$front BACK=$back FRONT_PARAMS="$fp" BACK_PARAMS="$bp" \
				TESTS="$tests" RESULTS="$LOGS/boot$n$1-$kver-$front-$back" \
				scripts/lab/boot.sh 2>&1 < /dev/null
		}
		out=$(boot "")
		if echo "$out" | grep -q '^LAB-FLAKE'; then
			# a kernel oops outside our drivers: rerun once, report both
			echo "$out" | grep '^LAB-FLAKE' | sed 's/^/    /'
			echo "    lab flake: rerunning boot $n once"
			out=$(boot "-rerun")
		fi
		echo "$out" | grep -v -E '^(PASS|FAIL) ' | sed 's/^/    /'
		for t in $tests; do
			v=$(echo "$out" | awk -v t="$t" '($1 == "PASS" || $1 == "FAIL") && $2 == t { print $1; exit }')
			ev=$(echo "$out" | awk -v t="$t" '$2 == t { print; f = 1; next } f && /^    / { print; next } { f = 0 }' | tail -n +2)
			[ -n "$ev" ] && echo "$ev"
			record "lab[$tag] $t" "$([ "$v" = PASS ] && echo 0 || echo 1)"
		done
	done < tests/lab/check.plan
fi

echo
[ -n "$failures" ] && printf 'failed:%b\n' "$failures"
echo "logs: $LOGS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
