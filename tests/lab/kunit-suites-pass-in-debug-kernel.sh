# On the lab's debug kernel (KVER=6.12-debug), the pure-logic unit tests
# of tests/unit pass as KUnit suites in the kernel, next to their userspace
# runs (make unit): the same sources (tests/unit/unit.h), one test module
# per test file, shipped by build-images.sh in dom0's /lib/modules/kunit
# with "cases": per module its suite and the cases its source lists
# (make -C tests/unit cases, the preprocessor's reading of the source, not
# the module's).  Every module loads and runs its suite; the suite's KTAP
# results (debugfs) plan as many cases as the source lists, every listed
# case passed by name, none failed or was skipped, and the suite passed.
# The logic is pure, so dom0 runs the suites of both drivers.
D=/lib/modules/kunit
K=/sys/kernel/debug/kunit

case "$(uname -r)" in
*-debug) ;;
*) fail "not the debug kernel: $(uname -r) (run with KVER=6.12-debug)"; exit 1 ;;
esac
[ -s $D/cases ] || { fail "no KUnit test modules in this image ($D/cases)"; exit 1; }
grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs none /sys/kernel/debug

check_eq "test modules shipped = test files listed" \
	"$(ls $D/*.ko | wc -l)" "$(wc -l < $D/cases)"
suites=0
listed=0
passed=0
while read -r mod suite cases; do
	n=$(echo $cases | wc -w)
	suites=$((suites + 1))
	listed=$((listed + n))
	# the suite runs while the module loads
	check "$suite: $mod loads" insmod $D/$mod.ko || continue
	f=/tmp/kunit-$suite.ktap
	if ! cat $K/$suite/results > $f; then
		fail "$suite: no results in $K/$suite: the suite did not run"
		rmmod $mod
		continue
	fi
	cat $f
	check_eq "$suite: cases planned" "$(sed -n 's/^    1\.\.\([0-9]*\)$/\1/p' $f)" $n
	check_eq "$suite: cases not ok" "$(grep -c '^    not ok ' $f)" 0
	check_eq "$suite: cases skipped" "$(grep -c '^    ok .* # SKIP' $f)" 0
	ok=0
	for c in $cases; do
		if grep -q "^    ok [0-9]* $c\$" $f; then
			ok=$((ok + 1))
		else
			fail "$suite: case $c did not pass"
		fi
	done
	check_eq "$suite: listed cases passed" $ok $n
	check "$suite: suite passed" grep -q "^ok 1 $suite\$" $f
	passed=$((passed + ok))
	check "$suite: $mod unloads" rmmod $mod
done < $D/cases
summary "kunit: $suites suites, $passed of $listed listed cases passed in $(uname -r)"
