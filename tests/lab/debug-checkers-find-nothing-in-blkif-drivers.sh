# On the lab's debug kernel (KVER=6.12-debug, scripts/lab/debug-kernel.sh),
# run last, after the scenarios that drive our modules: the kernel's checkers
# found nothing in xen-blkfront or xen-blkback, in the guest or in dom0.
# Lockdep is still on in both domains (a first report switches it off, and
# everything after it would go unchecked); a kmemleak scan, with every disk
# detached and the guest gone from dom0, names none of our modules; no
# lockdep, atomic-sleep, KFENCE, debug-objects, list, SLUB, WARN or oops
# report of the whole boot has a stack frame in them.  Reports about other
# code are printed as evidence and counted apart.  The guest is restarted
# at the end, as the scenarios found it.
KM=/sys/kernel/debug/kmemleak

# kmemleak_scan: two scans (an object must stay unreferenced across both),
# then the report; prints nothing when kmemleak is off
kmemleak_scan='
	grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs none /sys/kernel/debug
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak; sleep 1
		echo scan > /sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak
	else
		echo "kmemleak: not available" >&2
		exit 1
	fi'

case "$(uname -r)" in
*-debug) ;;
*) fail "not the debug kernel: $(uname -r) (run with KVER=6.12-debug)"; exit 1 ;;
esac

# ---- the guest: its frontend loaded, no disk attached ----
check "guest: no disk attached" g '! ls /sys/block | grep -q xvd'
g 'grep debug_locks /proc/lockdep_stats'
check_eq "guest: lockdep still on (debug_locks)" \
	"$(g "awk '/debug_locks:/ { print \$2 }' /proc/lockdep_stats")" 1
check "guest: kmemleak scan" g "( $kmemleak_scan ) > /tmp/kmemleak.txt"
g 'dmesg > /tmp/dmesg.txt; lab-debug-reports guest /tmp/dmesg.txt /tmp/kmemleak.txt > /tmp/reports.txt; echo $? > /tmp/reports.rc'
g 'grep "^DEBUG-REPORT" /tmp/reports.txt | grep -v "^DEBUG-REPORT-END"'
g 'head -c 40000 /tmp/reports.txt | grep -v "^DEBUG-REPORT"'
gsum=$(g 'grep "^DEBUG-REPORTS" /tmp/reports.txt')
check_eq "guest: reports naming xen-blkfront/xen-blkback" \
	"$(echo "$gsum" | sed -n 's/^DEBUG-REPORTS guest ours=\([0-9]*\) .*/\1/p')" 0

# ---- dom0: our backend loaded, no guest left to serve ----
guest_stop
i=0
while ls /sys/bus/xen-backend/devices 2>/dev/null | grep -q vbd && [ $i -lt 60 ]; do
	sleep 0.5
	i=$((i + 1))
done
check "dom0: no backend device left" sh -c '! ls /sys/bus/xen-backend/devices 2>/dev/null | grep -q vbd'
grep debug_locks /proc/lockdep_stats
check_eq "dom0: lockdep still on (debug_locks)" \
	"$(awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats)" 1
check "dom0: kmemleak scan" sh -c "( $kmemleak_scan ) > /tmp/kmemleak.txt"
dmesg > /tmp/dmesg.txt
/lab/lab-debug-reports dom0 /tmp/dmesg.txt /tmp/kmemleak.txt > /tmp/reports.txt
grep '^DEBUG-REPORT' /tmp/reports.txt | grep -v '^DEBUG-REPORT-END'
head -c 60000 /tmp/reports.txt | grep -v '^DEBUG-REPORT'
check_eq "dom0: reports naming xen-blkfront/xen-blkback" \
	"$(sed -n 's/^DEBUG-REPORTS dom0 ours=\([0-9]*\) .*/\1/p' /tmp/reports.txt)" 0
summary "debug kernel: $gsum; $(grep -h '^DEBUG-REPORTS' /tmp/reports.txt)"

guest_start
