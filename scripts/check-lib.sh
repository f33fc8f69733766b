# SPDX-License-Identifier: GPL-2.0
# Shared by scripts/check.sh (make check) and scripts/check-debug.sh (make
# check-debug), sourced after `cd` to the tree: the tally of tests, steps
# with logs, and the lab boots of a plan file (tests/lab/*.plan).  Every
# check counts as one test; finish prints "N passed, N failed" last.
passed=0
failed=0
failures=
LOGS=results/${CHECK_NAME:-check}-$(date +%Y%m%d-%H%M%S)
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

finish() { # the summary; exits non-zero when any test failed
	echo
	[ -n "$failures" ] && printf 'failed:%b\n' "$failures"
	echo "logs: $LOGS"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# debug_kernel_ready: for a debug kernel built in the background (debug_pid,
# debug_t0: scripts/check.sh), before the lab's first boot: wait for it, count it as one
# test, and build our modules against it with W=1.  Non-zero when it
# failed.
debug_kernel_ready() {
	local rc
	[ -n "${debug_pid:-}" ] || return 0
	echo "-- debug kernel: waiting for its build"
	wait "$debug_pid"
	rc=$?
	debug_pid=
	echo "    (debug-kernel: $((SECONDS - debug_t0)) s since it started)"
	[ $rc -eq 0 ] || tail -n 40 "$LOGS/debug-kernel.log" | sed 's/^/    /'
	record debug-kernel $rc
	[ $rc -eq 0 ] || return $rc
	step static-w1-debug-kernel env SERIES=6.12-debug scripts/static-check.sh w1
}

plan_kvers() { # plan: the kernel series its boots use
	grep -v -E '^[[:space:]]*(#|$)' "$1" | awk '{ print $1 }' | sort -u
}

# run_plan <plan>: the boots of a plan (format: tests/lab/check.plan), each
# scenario of each line one test.  Consecutive lines on the same kernel
# share one boot, which changes the pair between them (boot.sh's @ words):
# a boot costs its image build, Xen's and dom0's start and the first
# guest's slow start, about a minute and a half under TCG.  LAB_MERGE=0
# gives each line its own boot.  A boot that hit a kernel oops outside our
# drivers (LAB-FLAKE) is rerun once and both are reported.
run_plan() {
	local plan=$1 n=0 i j k m nl line conf kver front back fp bp kv tag out t v ev t0 tests
	local -a lines tags kvers
	mapfile -t lines < <(grep -v -E '^[[:space:]]*(#|$)' "$plan")
	nl=${#lines[@]}
	for ((i = 0; i < nl; i++)); do
		kvers[i]=$(echo "${lines[i]}" | awk '{ print $1 }')
	done
	i=0
	while [ $i -lt "$nl" ]; do
		j=$((i + 1))
		if [ "${LAB_MERGE:-1}" != 0 ]; then
			while [ $j -lt "$nl" ] && [ "${kvers[j]}" = "${kvers[i]}" ]; do
				j=$((j + 1))
			done
		fi
		n=$((n + 1))
		# the boot's scenarios, with a pair word before each line's when
		# it runs more than one line
		tests=
		for ((k = i; k < j; k++)); do
			plan_line "${lines[k]}"
			tags[k]=$tag
			[ $((j - i)) -gt 1 ] &&
				tests="$tests @$front/$back:$(echo $fp | tr ' ' ','):$(echo $bp | tr ' ' ',')"
			tests="$tests ${line#*:}"
		done
		plan_line "${lines[i]}"
		if [ $((j - i)) -gt 1 ]; then
			rdir=boot$n-$kver-merged
			echo "-- boot $n: $kver, $((j - i)) pairs: $(for ((k = i; k < j; k++)); do printf '%s; ' "${tags[k]#* }"; done | sed 's/; $//')"
		else
			rdir=boot$n-$kver-$front-$back
			echo "-- boot $n: $tag"
		fi
		t0=$SECONDS
		out=$(plan_boot "")
		if echo "$out" | grep -q '^LAB-FLAKE'; then
			echo "$out" | grep '^LAB-FLAKE' | sed 's/^/    /'
			echo "    lab flake: rerunning boot $n once"
			out=$(plan_boot "-rerun")
		fi
		echo "    (boot $n: $((SECONDS - t0)) s)"
		# the boot's own lines; each scenario's evidence comes with its verdict
		echo "$out" | awk '/^(PASS|FAIL) / { f = 1; next } f && /^    / { next } { f = 0; print }' |
			sed 's/^/    /'
		grep -h 'SUMMARY: debug kernel' "$LOGS/$rdir"/scenarios/*.log \
			2>/dev/null | sed 's/.*SUMMARY: /    /'
		# verdicts in the order of the boot's scenarios; a scenario that
		# appears twice has two
		m=0
		for ((k = i; k < j; k++)); do
			line=${lines[k]}
			for t in ${line#*:}; do
				m=$((m + 1))
				v=$(echo "$out" | awk -v m="$m" '$1 == "PASS" || $1 == "FAIL" { if (++c == m) { print $1 " " $2; exit } }')
				ev=$(echo "$out" | awk -v m="$m" '$1 == "PASS" || $1 == "FAIL" { c++; f = (c == m); if (f) print; next }
					f && /^    / { print; next } { f = 0 }' | tail -n +2)
				[ -n "$ev" ] && echo "$ev"
				record "lab[${tags[k]}] $t" "$([ "$v" = "PASS $t" ] && echo 0 || echo 1)"
			done
		done
		i=$j
	done
}

# plan_line <line>: its kernel, pair, parameters (space separated) and tag
plan_line() {
	local conf kv
	line=$1
	conf=${line%%:*}
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
}

plan_boot() { # suffix: one boot of run_plan's current group
	LAB_QUICK=${LAB_QUICK:-1} KVER=$kver FRONT=$front BACK=$back FRONT_PARAMS="$fp" \
		BACK_PARAMS="$bp" TESTS="$tests" RESULTS="$LOGS/$rdir$1" \
		scripts/lab/boot.sh 2>&1 < /dev/null
}
