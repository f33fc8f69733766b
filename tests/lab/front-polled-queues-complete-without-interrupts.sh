# Polled queues (poll_queues, issue 14): with max_queues=1 poll_queues=1
# and a backend set to offer two queues, the disk has an interrupt-driven
# ring 0 and a poll ring 1.  fio on io_uring with hipri (IOPOLL:
# REQ_POLLED requests, blk-mq's POLL map) writes 4 KiB blocks at random
# and reads them back verified (crc32c): the poller took every response of
# the job on the poll ring (polled_completions grows by fio's own count of
# its writes and reads, merging off), with at most 0.02 guest interrupts
# per I/O on either ring (the frontend leaves rsp_event behind: the
# backend raises no event).  The same job without hipri polls nothing.
# Two save/restore cycles under hipri fio: the poll ring comes back with
# requests in flight at the saves, and the data verifies.  Polled O_SYNC
# writes on a disk with a write cache, beside interrupt-driven ones: each
# is followed by a flush, which goes on the interrupt-driven ring, never
# on the poll ring (where it would wait for a poller), and ends the write
# there (on 6.1 its bios must then skip the per-CPU bio cache: no warning).  A
# backend offering one queue leaves no room for the poll ring: the frontend
# warns in one line; the disk keeps its polled queue (io_poll 1) on the
# interrupt-driven ring, and hipri I/O verifies there.  Without poll_queues
# the disk has no polled queue: 6.1 serves hipri I/O on interrupts, 6.12
# refuses it.  (A kernel warning in the guest, such as 6.1's for a bio put
# back to the bio cache in interrupt context, fails the scenario: the lab
# runner checks the guest's log.)  Our backend or the distro's
# (BACK=upstream).  (Needs FRONT=ours.)
# (upstream's frontend has no polled queues: nothing to run, not a pass)
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours"; exit 1; }
QUEUES=/sys/module/xen_blkback/parameters/max_queues
MQ=1
PQ=1
oldq=$(cat $QUEUES)
oldp=$(cat $LAB_RUN/fparams)
# whatever ends the scenario: its disks go, the backend and the frontend
# get their parameters back
cleanup() {
	for v in xvdb xvdc xvdd xvde; do
		g "[ -b /dev/$v ]" >/dev/null 2>&1 && detach $v
	done
	echo "$oldq" > $QUEUES
	[ "$(cat $LAB_RUN/fparams)" = "$oldp" ] || front_swap ours $oldp
}
trap cleanup EXIT
# one queue per ring asked for, whatever dom0's CPU count
echo $((MQ + PQ)) > $QUEUES || fail "backend max_queues=$((MQ + PQ))"
front_swap ours max_queues=$MQ poll_queues=$PQ || exit 1

# "<per-ring interrupts>/<per-ring polled_completions>/<reads + writes>"
# of the disk <vdev>
front_sample() {
	g "cd /sys/block/$1/device/xen-blkfront && echo \$(cat interrupts)/\$(cat polled_completions)/\
\$((\$(cat requests_read) + \$(cat requests_write)))"
}
# field <n> of "<a> <b> ..." (1-based), 0 when missing
ring() { echo "$2" | awk -v n="$1" '{ print ($n == "" ? 0 : $n) }'; }
# the I/Os of 4 KiB a fio job (all jobs: "") did, read and written, by
# its own account (the terse lines fio_verify leaves in /tmp/fio.out)
fio_ios() {
	g "awk -F';' -v j='$1' 'NF > 50 && (j == \"\" || \$3 == j) { n += (\$6 + \$47) / 4 } END { print n + 0 }' /tmp/fio.out"
}
# a / b with 4 decimals
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b ? a / b : 0 }'; }

s=/sys/block/xvdb/device/xen-blkfront
dev=$(disk_null 64 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdb w || exit 1
nr=$(g "cat $s/nr_rings")
pr=$nr	# the poll ring: the last one (fields of the per-ring files)
summary "negotiated: $(negotiated xvdb); rings $nr, poll rings $(g "cat $s/poll_rings"); queue io_poll $(g 'cat /sys/block/xvdb/queue/io_poll')"
check_eq "poll_queues in sysfs" "$(g 'cat /sys/module/xen_blkfront/parameters/poll_queues')" $PQ
check_eq "rings: max_queues plus poll_queues" "$nr" $((MQ + PQ))
check_eq "poll rings" "$(g "cat $s/poll_rings")" $PQ
check_eq "the queue polls (io_poll)" "$(g 'cat /sys/block/xvdb/queue/io_poll')" 1
check "no I/O scheduler, no merging" g "echo none > /sys/block/xvdb/queue/scheduler &&
	echo 2 > /sys/block/xvdb/queue/nomerges"

# ---- hipri: random writes and verifying reads, all polled ----
IFS=/ read -r i0 p0 r0 <<EOF
$(front_sample xvdb)
EOF
check "fio io_uring hipri, 4 KiB random writes, crc32c verified" \
	fio_verify xvdb --ioengine=io_uring --hipri --rw=randwrite --bs=4k --iodepth=16 --size=8M
ios=$(fio_ios)
IFS=/ read -r i1 p1 r1 <<EOF
$(front_sample xvdb)
EOF
dp=$(($(ring $pr "$p1") - $(ring $pr "$p0")))
di=$(($(ring $pr "$i1") - $(ring $pr "$i0")))
di0=$(($(ring 1 "$i1") - $(ring 1 "$i0")))
dr=$((r1 - r0))
summary "hipri: fio $ios I/Os, frontend $dr requests; poll ring: $dp polled, $di interrupts ($(per $di $ios) per I/O); interrupt ring: $di0 interrupts"
check_ge "fio did I/O" "$ios" 1
# (a probe of the disk by udev would add reads of its own, on ring 0)
check_ge "requests: at least fio's writes and reads" "$dr" "$ios"
check_eq "polled completions on the poll ring: every I/O of fio" "$dp" "$ios"
check_le "interrupts of the interrupt-driven ring: the job did not go there" "$di0" $((ios / 50))
check_le "interrupts of the poll ring: at most 0.02 per I/O" "$di" $((ios / 50))

# ---- the same job without hipri: nothing polled ----
IFS=/ read -r i0 p0 r0 <<EOF
$(front_sample xvdb)
EOF
check "fio io_uring without hipri, crc32c verified" \
	fio_verify xvdb --ioengine=io_uring --rw=randwrite --bs=4k --iodepth=16 --size=8M --offset=16M
ios=$(fio_ios)
IFS=/ read -r i1 p1 r1 <<EOF
$(front_sample xvdb)
EOF
dp=$(($(ring $pr "$p1") - $(ring $pr "$p0")))
di0=$(($(ring 1 "$i1") - $(ring 1 "$i0")))
summary "no hipri: fio $ios I/Os, frontend $((r1 - r0)) requests; interrupt ring: $di0 interrupts ($(per $di0 $ios) per I/O); polled $dp"
check_ge "requests without hipri: at least fio's" "$((r1 - r0))" "$ios"
# (a request sent to the poll ring would be polled: by blkfront_timeout())
check_eq "nothing polled without hipri" "$dp" 0
perf="--ioengine=io_uring --rw=randread --bs=4k --iodepth=16 --size=32M --runtime=3 --time_based"
summary "randread 4k depth 16, 3 s: hipri $(fio_iops xvdb $perf --hipri | awk '{ print $1 }') IOPS, interrupts $(fio_iops xvdb $perf | awk '{ print $1 }') IOPS"

# ---- save/restore under hipri fio ----
g "rm -f /tmp/stop /tmp/fio.fail /tmp/fio.runs /tmp/fio.*.log; (n=0; while [ ! -f /tmp/stop ]; do
	fio --name=v --filename=/dev/xvdb --direct=1 --ioengine=io_uring --hipri --verify=crc32c \
		--do_verify=1 --verify_fatal=1 --rw=randwrite --bs=4k --iodepth=16 \
		--size=8M > /tmp/fio.\$n.log 2>&1 || echo \$n >> /tmp/fio.fail; n=\$((n + 1));
	done; echo \$n > /tmp/fio.runs) >/dev/null 2>&1 &"
line="resumed: .* $PQ polled;"
n0=$(g "dmesg | grep -c '$line'")
fl=
inflight=0
i=1
while [ $i -le 2 ]; do
	sleep 4
	f=$(ring $pr "$(g "cat $s/in_flight")")
	fl="$fl $f"
	inflight=$((inflight + f))
	xl save $DOMU /tmp/domu.save >/tmp/xl-save.log 2>&1 || { cat /tmp/xl-save.log; fail "xl save #$i"; break; }
	xl restore /tmp/domu.save >/tmp/xl-restore.log 2>&1 || { cat /tmp/xl-restore.log; fail "xl restore #$i"; break; }
	rm -f /tmp/domu.save
	guest_domid > $LAB_RUN/domid
	check "guest answers after restore #$i" g 'true'
	i=$((i + 1))
done
pa=$(ring $pr "$(g "cat $s/polled_completions")")
sleep 4
pb=$(ring $pr "$(g "cat $s/polled_completions")")
fio_loop_stop
summary "after restores: rings $(g "cat $s/nr_rings"), poll rings $(g "cat $s/poll_rings"), polled on the poll ring +$((pb - pa)) in 4 s; its requests in flight just before each save:$fl"
check_ge "the poll ring had requests in flight when the guest was saved" "$inflight" 1
check_eq "the disk resumed twice with its poll ring" "$(($(g "dmesg | grep -c '$line'") - n0))" 2
check_eq "poll rings after the restores" "$(g "cat $s/poll_rings")" $PQ
check_ge "the poll ring polls after the restores" "$((pb - pa))" 1
check "hipri fio after the restores, crc32c verified" \
	fio_verify xvdb --ioengine=io_uring --hipri --rw=randwrite --bs=4k --iodepth=16 --size=4M --offset=32M
detach xvdb

# ---- polled O_SYNC writes, each with a flush after it ----
# A loop disk on dom0's tmpfs has a write cache: the frontend gets flush,
# claims no FUA, so the block layer flushes after every O_SYNC write.  The
# interrupt-driven job's requests share the flush sequence, whose flush
# goes to the ring of the request that waits first.
d=/sys/block/xvdd/device/xen-blkfront
dev=$(disk_loop 16) || { fail "no loop device"; exit 1; }
attach "$dev" xvdd w || exit 1
check_eq "loop disk: the guest's queue has a write cache" "$(g 'cat /sys/block/xvdd/queue/write_cache')" "write back"
check "loop disk: no I/O scheduler, no merging" g "echo none > /sys/block/xvdd/queue/scheduler &&
	echo 2 > /sys/block/xvdd/queue/nomerges"
# Polled O_SYNC writes alone first.  blk-mq sends the flush after a write
# to the queue of the first request waiting for it, here the polled
# queue, but a flush is not polled for: on the poll ring, which raises no
# interrupt, it would end only when the poller came back (if the
# application stopped reaping, at blk-mq's 30 s timeout), and every other
# flush of the disk would wait behind it.  Every flush must go on the
# interrupt-driven ring (the first line of latency_flush, the poll ring's
# the last): each ring's line counts the flushes it carried.
# the flushes timed on ring <n> of xvdd (the sum of its latency_flush line)
flushes() { g "awk 'NR == $1 { for (i = 1; i <= NF; i++) n += \$i } END { print n + 0 }' $d/latency_flush"; }
a0=$(flushes 1)
b0=$(flushes $pr)
check "fio O_SYNC writes, hipri alone, crc32c verified" \
	fio_verify xvdd --ioengine=io_uring --hipri --sync=1 --rw=randwrite --bs=4k --iodepth=8 --size=1M --offset=8M
fa=$(($(flushes 1) - a0))
fb=$(($(flushes $pr) - b0))
summary "O_SYNC, hipri alone: fio $(fio_ios) I/Os; flushes on the interrupt-driven ring $fa, on the poll ring $fb"
check_ge "O_SYNC, hipri alone: flushes on the interrupt-driven ring" "$fa" 1
check_eq "O_SYNC, hipri alone: flushes on the poll ring" "$fb" 0

f0=$(g "cat $d/requests_flush")
IFS=/ read -r i0 p0 r0 <<EOF
$(front_sample xvdd)
EOF
check "fio O_SYNC writes, hipri and not, side by side, crc32c verified" \
	g "fio --filename=/dev/xvdd --direct=1 --ioengine=io_uring --sync=1 --rw=randwrite \
		--bs=4k --size=2M --iodepth=8 --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--output-format=terse --terse-version=3 \
		--name=polled --hipri --offset=0 --name=irq --offset=4M >/tmp/fio.out 2>&1; \
		rc=\$?; [ \$rc -eq 0 ] || tail -n 20 /tmp/fio.out; exit \$rc"
ios=$(fio_ios polled)
IFS=/ read -r i1 p1 r1 <<EOF
$(front_sample xvdd)
EOF
df=$(($(g "cat $d/requests_flush") - f0))
dp=$(($(ring $pr "$p1") - $(ring $pr "$p0")))
summary "O_SYNC: polled job $ios I/Os, both $(fio_ios) I/Os; flushes $df; poll ring: $dp polled; interrupts per ring $(ring 1 "$i0")->$(ring 1 "$i1") $(ring $pr "$i0")->$(ring $pr "$i1")"
check_ge "O_SYNC: flushes sent" "$df" 1
# the polled job's writes and reads, no flush among them
check_ge "O_SYNC: the polled job's I/O polled on the poll ring" "$dp" "$ios"
detach xvdd
f=$(cat /sys/block/${dev#/dev/}/loop/backing_file 2>/dev/null)
losetup -d "$dev"
rm -f "$f"

# ---- a backend with one queue: no poll ring, and hipri still works ----
line="poll_queues: no poll ring: the backend offers 1 queue(s)"
n0=$(g "dmesg -r | grep -F '$line' | grep -c '^<4>'")
check "backend offers one queue" sh -c "echo 1 > $QUEUES"
dev=$(disk_null 16 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdc w || exit 1
c=/sys/block/xvdc/device/xen-blkfront
g "dmesg | grep -F poll_queues | tail -n 2"
summary "one queue: rings $(g "cat $c/nr_rings"), poll rings $(g "cat $c/poll_rings"), io_poll $(g 'cat /sys/block/xvdc/queue/io_poll')"
check_eq "one queue: one ring" "$(g "cat $c/nr_rings")" 1
check_eq "one queue: no poll ring" "$(g "cat $c/poll_rings")" 0
check_eq "one queue: the disk has its polled queue (io_poll)" "$(g 'cat /sys/block/xvdc/queue/io_poll')" 1
check_eq "one queue: one warning says so" "$(($(g "dmesg -r | grep -F '$line' | grep -c '^<4>'") - n0))" 1
i0=$(g "cat $c/interrupts")
check "one queue: fio io_uring hipri, crc32c verified" \
	fio_verify xvdc --ioengine=io_uring --hipri --rw=randwrite --bs=4k --iodepth=16 --size=4M
ios=$(fio_ios)
i1=$(g "cat $c/interrupts")
summary "one queue, hipri: fio $ios I/Os, interrupts $(ring 1 "$i0") -> $(ring 1 "$i1") ($(per $(($(ring 1 "$i1") - $(ring 1 "$i0"))) $ios) per I/O)"
detach xvdc
echo 1 > $QUEUES

# ---- without poll_queues: no polled queue ----
front_swap ours max_queues=$MQ poll_queues=0 || exit 1
dev=$(disk_null 16 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvde w || exit 1
check_eq "poll_queues=0: no polled queue (io_poll)" "$(g 'cat /sys/block/xvde/queue/io_poll')" 0
# "served" (verified), "refused" (EOPNOTSUPP) or "failed ..."
r=$(g "fio --name=h --filename=/dev/xvde --direct=1 --ioengine=io_uring --hipri \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --rw=randwrite --bs=4k --size=1M \
	--iodepth=4 > /tmp/fio-h.out 2>&1; rc=\$?
	if [ \$rc -eq 0 ]; then echo served
	elif grep -q 'Operation not supported' /tmp/fio-h.out; then echo refused
	else echo failed rc=\$rc; tail -n 5 /tmp/fio-h.out; fi")
k=$(g 'uname -r')
summary "poll_queues=0 ($k): hipri fio: $(echo $r)"
case "$k" in
6.1.*) check_eq "poll_queues=0 on 6.1: hipri I/O served on interrupts" "$r" served ;;
*) check_eq "poll_queues=0 on $k: hipri I/O refused" "$r" refused ;;
esac
detach xvde
