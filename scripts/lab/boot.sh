#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One lab boot: build the images, boot Xen + dom0 under QEMU (TCG), run the
# scenarios, split the serial log into one log per scenario and report.
#
# Environment: KVER=6.1|6.12  FRONT=ours|upstream  BACK=ours|upstream (both
#   default ours)
#   FRONT_PARAMS="k=v ..."  BACK_PARAMS="k=v ..."  TESTS="scenario ..."
#   TESTS may change the pair between scenarios: a word
#   @<front>/<back>:<front params>:<back params> (params comma separated)
#   applies to the scenarios after it (dom0/init.sh lab_pair); a scenario
#   may then appear more than once, and is reported once per appearance
#   FRONT_ALT_KO=<path>: another build of xen-blkfront.ko against the same
#   kernel (e.g. from the commit before a fix), in the guest as "alt"
#   (lab-front alt) for scenarios that compare it with ours
#   OURS_KO_DIR=<dir>: our two modules (xen-blkfront.ko*, xen-blkback.ko*)
#   from there instead of a build of this tree, e.g. the ones DKMS installed
#   in /lib/modules/<kernel>/updates/dkms (scripts/dkms-check.sh)
#   LAB_MITIGATIONS=on: Xen and both kernels with their speculative-execution
#   mitigations (default off: the lab runs only its own guests)
#   RESULTS=<dir> (default results/<time>-<kver>-<front>-<back>)
#   TIMEOUT=<s> for the whole boot (default: 300 + 400 s per scenario,
#   600 s on the debug kernel)
#   SCENARIO_TIMEOUT=<s> for one scenario (default 900)
#   FUZZ_SEED, FUZZ_COUNT, FUZZ_REFERENCE, FUZZ_REF_COUNT, FUZZ_BATCH,
#   FUZZ_FLOOD, FUZZ_QUEUES: back-fuzz-hostile-frontend.sh;
#   FUZZ_SEED, FUZZ_RESPONSES, FUZZ_CONN: front-fuzz-hostile-backend.sh;
#   FUZZ_SEED, FUZZ_XS_COUNT: back-fuzz-hostile-xenstore.sh;
#   FUZZ_HONEST=1: both back-fuzz-* scenarios with an honest second guest
#   LAB_XEN_ARGS="...": appended to Xen's command line
#   LAB_TRACE_RESTART=1: every guest restart waits for the old domain to be
#   gone and samples Xen meanwhile (dom0/lib.sh, guest_stop)
# Exit status 0 only when every scenario passed.
set -uo pipefail
. "$(dirname "$0")/common.sh"
KVER=${KVER:-6.1}
FRONT=${FRONT:-ours}
BACK=${BACK:-ours}
FRONT_PARAMS=${FRONT_PARAMS:-}
BACK_PARAMS=${BACK_PARAMS:-}
FRONT_ALT_KO=${FRONT_ALT_KO:-}
OURS_KO_DIR=${OURS_KO_DIR:-}
TESTS=${TESTS:?TESTS names the scenarios to run}
RESULTS=${RESULTS:-$LAB_SRC/results/$(date +%Y%m%d-%H%M%S)-$KVER-$FRONT-$BACK-$$}
scenarios=$(for t in $TESTS; do case "$t" in @*) ;; *) echo "$t" ;; esac; done)
n_tests=$(echo $scenarios | wc -w)
# about 4.5 times slower on the debug kernel, where a fault scenario takes
# up to 12 minutes: two of them and the checkers overran 300 + 400 * 3 s
per_test=400
case "$KVER" in *-debug) per_test=600 ;; esac
TIMEOUT=${TIMEOUT:-$((300 + per_test * n_tests))}

for t in $TESTS; do
	case "$t" in
	@*/*:*:*) continue ;;
	@*) lab_die "a pair in TESTS is @<front>/<back>:<front params>:<back params> (got $t)" ;;
	esac
	[ -f "$LAB_SRC/tests/lab/$t.sh" ] || lab_die "no scenario tests/lab/$t.sh"
done
[ -z "$FRONT_ALT_KO" ] || [ -f "$FRONT_ALT_KO" ] || lab_die "FRONT_ALT_KO: no file $FRONT_ALT_KO"
export FRONT_ALT_KO
[ -z "$OURS_KO_DIR" ] || [ -d "$OURS_KO_DIR" ] || lab_die "OURS_KO_DIR: no directory $OURS_KO_DIR"
export OURS_KO_DIR
case "$FRONT/$BACK" in
ours/ours|ours/upstream|upstream/ours|upstream/upstream) ;;
*) lab_die "FRONT and BACK are 'ours' or 'upstream' (got $FRONT/$BACK)" ;;
esac

mkdir -p "$RESULTS/scenarios"
cat > "$RESULTS/lab.conf" <<CONF
KVER='$KVER'
FUZZ_CONN='${FUZZ_CONN:-}'
FUZZ_XS_COUNT='${FUZZ_XS_COUNT:-}'
FRONT='$FRONT'
BACK='$BACK'
FRONT_PARAMS='$FRONT_PARAMS'
BACK_PARAMS='$BACK_PARAMS'
TESTS='$TESTS'
LAB_QUICK='${LAB_QUICK:-}'
LAB_MITIGATIONS='${LAB_MITIGATIONS:-off}'
FRONT_ALT_KO='$FRONT_ALT_KO'
OURS_KO_DIR='$OURS_KO_DIR'
FUZZ_SEED='${FUZZ_SEED:-}'
FUZZ_COUNT='${FUZZ_COUNT:-}'
FUZZ_RESPONSES='${FUZZ_RESPONSES:-}'
FUZZ_REFERENCE='${FUZZ_REFERENCE:-}'
FUZZ_BATCH='${FUZZ_BATCH:-}'
FUZZ_FLOOD='${FUZZ_FLOOD:-}'
FUZZ_QUEUES='${FUZZ_QUEUES:-}'
FUZZ_REF_COUNT='${FUZZ_REF_COUNT:-}'
FUZZ_HONEST='${FUZZ_HONEST:-}'
LAB_TRACE_RESTART='${LAB_TRACE_RESTART:-}'
SCENARIO_TIMEOUT='${SCENARIO_TIMEOUT:-900}'
OURS_BUILD='$(git -C "$LAB_SRC" describe --always --dirty 2>/dev/null)'
CONF
V=$(lab_kver_of "$KVER")
lab_log "kernel $V front=$FRONT${FRONT_ALT_KO:+ (alt: $FRONT_ALT_KO)} back=$BACK${OURS_KO_DIR:+ (ours from $OURS_KO_DIR)} tests: $TESTS"
"$LAB_SRC/scripts/lab/build-images.sh" "$KVER" "$RESULTS" > "$RESULTS/build.log" 2>&1 ||
	{ tail -n 30 "$RESULTS/build.log"; lab_die "image build failed (log: $RESULTS/build.log)"; }

# conring_size: Xen's console ring, which xl dmesg reads, holds a whole
# grant table dump (debug key 'g', lib.sh's active_grants) of a guest with
# hundreds of persistent grants; the default 16 KiB does not
XENCMD="console=com1 com1=115200,8n1 dom0_mem=1536M,max:1536M dom0_max_vcpus=2 loglvl=all guest_loglvl=all noreboot conring_size=1M"
DOM0CMD="console=hvc0 earlyprintk=xen loglevel=6 log_buf_len=16M"
# The lab's only guests are its own, so the speculative-execution
# mitigations of Xen and of both kernels guard nothing here, and under TCG
# they cost: every return through a thunk, every entry stuffing the
# return stack.  LAB_MITIGATIONS=on keeps them (the guest's command line
# follows, dom0/lib.sh).
if [ "${LAB_MITIGATIONS:-off}" = off ]; then
	XENCMD="$XENCMD spec-ctrl=no"
	DOM0CMD="$DOM0CMD mitigations=off"
fi
# LAB_XEN_ARGS: more of Xen's command line, for experiments
[ -n "${LAB_XEN_ARGS:-}" ] && XENCMD="$XENCMD $LAB_XEN_ARGS"
lab_log "booting (timeout ${TIMEOUT}s, log $RESULTS/serial.log)"
start=${EPOCHREALTIME/./}
# LAB_TRACE_RESTART=1: the serial line's input comes from the host, which
# switches it to Xen (Ctrl-A three times, once Xen offers it to dom0) and,
# for 100 s from every RTRACE-BEGIN of dom0 (a guest restart,
# dom0/lib.sh), types Xen's debug keys d (every CPU's registers and stack)
# and r (run queues) every 4 s: from outside, so that they come while dom0
# itself cannot run
serial_in=/dev/null
keys_pids=
# keys_stop: the typer gone (its tail matched with [+]: pkill reads a regex)
keys_stop() {
	[ -n "$keys_pids" ] || return 0
	kill $keys_pids 2>/dev/null
	pkill -f "tail -n [+]1 -F $RESULTS/serial.log" 2>/dev/null
	exec 3>&-
	rm -f "$serial_in" "$keys_until"
	keys_pids=
}
if [ "${LAB_TRACE_RESTART:-}" = 1 ]; then
	serial_in=$RESULTS/serial.in
	keys_until=$RESULTS/keys.until
	rm -f "$serial_in" "$keys_until"
	mkfifo "$serial_in"
	: > "$RESULTS/serial.log"
	exec 3<> "$serial_in"
	tail -n +1 -F "$RESULTS/serial.log" 2>/dev/null | while IFS= read -r l; do
		case $l in
		*"Serial input to DOM0"*) printf '\001\001\001' >&3 ;;
		*RTRACE-BEGIN*) echo $((SECONDS + 100)) > "$keys_until" ;;
		esac
	done &
	keys_pids=$!
	while :; do
		[ "$SECONDS" -lt "$(cat "$keys_until" 2>/dev/null || echo 0)" ] && printf 'dr' >&3
		sleep 4
	done &
	keys_pids="$keys_pids $!"
	trap keys_stop EXIT
fi
# RDRAND lets both kernels seed their RNG before the second CPU starts: the
# "crng ready" static key then flips while one CPU runs, away from the
# multi-threaded TCG race that turned a later flip into "Oops: int3".
timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=${LAB_TCG_THREAD:-multi} \
	-cpu ${LAB_CPU:-qemu64,+rdrand} -m 3584M -smp 2 -nographic -no-reboot -monitor none -serial stdio \
	-nodefaults -vga none -kernel "$LAB_CACHE/xen-4.17-amd64" -append "$XENCMD" \
	-initrd "$LAB_CACHE/k-$KVER/boot/vmlinuz-$V $DOM0CMD,$RESULTS/dom0-initrd.gz" < "$serial_in" 2>&1 |
while IFS= read -r line; do
	now=${EPOCHREALTIME/./}
	d=$(((now - start) / 10000))
	printf '[%4d.%02d] %s\n' $((d / 100)) $((d % 100)) "${line//$'\r'/}"
	# a dead dom0 runs nothing more: end the boot now, not at the timeout
	case "$line" in
	*"Hardware Dom0 crashed"*)
		pkill -TERM -f "qemu-system-x86_64 .*$RESULTS/dom0-initrd.gz" ;;
	esac
done > "$RESULTS/serial.log"
rm -f "$RESULTS/dom0-initrd.gz"
keys_stop

# split and judge
: > "$RESULTS/results.txt"
awk -v dir="$RESULTS/scenarios" '
	/LAB-BEGIN / { name = $NF; f = dir "/" name ".log" }
	f { print > f }
	/LAB-END / { f = "" }' "$RESULTS/serial.log"
rc=0
declare -A seen=()
for t in $scenarios; do
	# the k-th appearance of a scenario is its k-th end marker
	seen[$t]=$((${seen[$t]:-0} + 1))
	end=$(grep -a -E "LAB-END $t (PASS|FAIL)" "$RESULTS/serial.log" | sed -n "${seen[$t]}p" | sed 's/.*LAB-END //')
	if [ -z "$end" ]; then
		end="$t FAIL (did not finish: boot ended or timed out)"
	fi
	verdict=$(echo "$end" | awk '{print $2}')
	echo "$verdict $t ${end#* * }" >> "$RESULTS/results.txt"
	if [ "$verdict" = PASS ]; then
		echo "PASS $t ${end#* * }"
	else
		rc=1
		echo "FAIL $t ${end#* * }"
		log=$RESULTS/scenarios/$t.log
		[ -f "$log" ] || log=$RESULTS/serial.log
		grep -v 'DOMU>' "$log" | grep -E -B2 -A8 'FAIL|error|Oops|BUG' | head -n 60 | sed 's/^/    /'
	fi
done
grep -q 'LAB-BOOT-FAIL' "$RESULTS/serial.log" && { rc=1; grep 'LAB-BOOT-FAIL' "$RESULTS/serial.log"; }
if ! grep -q 'LAB-RESULT' "$RESULTS/serial.log"; then
	rc=1
	echo "boot did not finish; last lines of $RESULTS/serial.log:"
	tail -n 25 "$RESULTS/serial.log" | sed 's/^/    /'
fi
# A kernel oops whose RIP and call trace never name a blkif driver is a lab
# flake (seen: an int3 in crng_make_state under multi-threaded TCG): say so,
# so that the caller may rerun the boot; it never counts as a pass.  The
# "Modules linked in" line names our drivers in every oops and is skipped.
# Never after an injected fault: an oops then may be where our failure
# path led the kernel, and is a finding to explain, not a flake.
oops_blocks() {
	awk '/Oops|Kernel panic|BUG: |general protection fault/ { f = 1 }
	     f && !/Modules linked in/ { print }
	     /end trace|end Kernel panic/ { f = 0 }' "$RESULTS/serial.log"
}
if [ $rc -ne 0 ] && [ -n "$(oops_blocks)" ] &&
   ! grep -q 'FAULT_INJECTION: forcing a failure' "$RESULTS/serial.log" &&
   ! oops_blocks | grep -qE '\[xen_blk(front|back)\]|(RIP|PC): .*(blkif|blkfront|blkback)'; then
	echo "LAB-FLAKE: a kernel oopsed outside the block drivers (see $RESULTS/serial.log)"
fi
# in the order the scenarios ran (a scenario run twice has one log)
for t in $(echo "$scenarios" | awk '!seen[$0]++'); do
	grep -h 'SUMMARY: ' "$RESULTS/scenarios/$t.log" 2>/dev/null
done | sed 's/.*SUMMARY: /  /' > "$RESULTS/summary.txt"
end=${EPOCHREALTIME/./}
lab_log "boot took $(((end - start) / 1000000)) s; results in $RESULTS"
exit $rc
