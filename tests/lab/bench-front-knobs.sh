# Evidence for the frontend's interrupt placement (not part of make check;
# run it with make lab FRONT=ours TESTS=bench-front-knobs): the same 4k
# random read jobs on a null_blk disk with every ring's event on CPU 0 (off,
# Xen's default), ring r's on CPU r (on: where blk-mq submits for it) or on
# CPU r+1 (cross), alternated over rounds in one boot.  Prints one line per
# run
#   KNOBS round=.. variant=<off|on|cross> job=<job> iops=.. irqs=..
# and fails only when a run did not happen.  (Needs FRONT=ours.)
# (the distro frontend has none of these knobs: nothing to run, not a pass)
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours"; exit 1; }
: "${KNOBS_ROUNDS:=3}" "${KNOBS_SECS:=3}"
dev=$(disk_null 256 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdb w || exit 1

# the irqs of xvdb's rings, in ring order
ncpu=$(g 'grep -c ^processor /proc/cpuinfo')
irqs=$(g "awk '\$NF == \"blkif\" { sub(\":\", \"\", \$1); print \$1 }' /proc/interrupts" | tr '\n' ' ')
summary "rings' irqs: $irqs"
# steer <off|on|cross>: where the rings' events go
steer() {
	local r=0 i
	for i in $irqs; do
		case $1 in
		on) g "echo $r > /proc/irq/$i/smp_affinity_list" ;;
		cross) g "echo $(((r + 1) % ncpu)) > /proc/irq/$i/smp_affinity_list" ;;
		*) g "echo 0 > /proc/irq/$i/smp_affinity_list" ;;
		esac
		r=$((r + 1))
	done
}
irq_total() { g "awk '\$NF == \"blkif\" { for (i = 2; i <= NF && \$i ~ /^[0-9]+\$/; i++) t += \$i } END { print t + 0 }' /proc/interrupts"; }

for round in $(seq 1 $KNOBS_ROUNDS); do
	for variant in ${KNOBS_VARIANTS:-off on cross}; do
		steer $variant
		for job in "q1-j1 --iodepth=1 --numjobs=1" "q32-j1 --iodepth=32 --numjobs=1" "q128-j2 --iodepth=128 --numjobs=2"; do
			set -- $job
			name=$1
			shift
			i0=$(irq_total)
			r=$(fio_iops xvdb --rw=randread --bs=4k --norandommap --randrepeat=0 --group_reporting \
				--runtime=$KNOBS_SECS --time_based --ramp_time=500ms "$@")
			i1=$(irq_total)
			set -- $r
			check "run $variant $name" [ -n "${1:-}" ]
			echo "KNOBS round=$round variant=$variant job=$name iops=${1:-0} irqs=$((i1 - i0))"
		done
	done
done
steer off
detach xvdb
