# Polled queues (poll_queues, issue 14): with max_queues=1 poll_queues=1
# (the lab's backends offer two queues, one per dom0 CPU) the disk has an
# interrupt-driven ring 0 and a poll ring 1.  fio on io_uring with hipri
# (IOPOLL: REQ_POLLED requests, blk-mq's POLL map) writes 4 KiB blocks at
# random and reads them back verified (crc32c): the poller took every
# response on ring 1 (polled_completions grows by exactly the writes plus
# the reads, merging off), with at most 0.02 guest interrupts per I/O there
# (the frontend leaves rsp_event behind: the backend raises no event).  The
# same job without hipri runs on ring 0 on interrupts and polls nothing.
# Two save/restore cycles under hipri fio: the poll ring comes back, its
# requests in flight at each save complete on the new backend, and the
# data verifies.  A backend offering one queue leaves no room for the
# poll ring: the frontend says so in one log line; the disk has its polled
# queue all the same (io_poll 1: 6.12 fails polled I/O on a queue without
# one), on the interrupt-driven ring, and hipri I/O verifies, completed by
# interrupts, nothing polled.  Our backend or the
# distro's (BACK=upstream), which offers queues too.  (Needs FRONT=ours.)
[ "$(cat $LAB_RUN/front)" = ours ] || { note "FRONT is not ours: nothing to check"; exit 0; }
QUEUES=/sys/module/xen_blkback/parameters/max_queues
oldq=$(cat $QUEUES)
oldp=$(cat $LAB_RUN/fparams)
trap 'echo "$oldq" > $QUEUES' EXIT
# two queues whatever dom0's CPU count: one per kind of ring
echo 2 > $QUEUES || fail "backend max_queues=2"
front_swap ours max_queues=1 poll_queues=1 || exit 1
s=/sys/block/xvdb/device/xen-blkfront
dev=$(disk_null 64 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdb w || exit 1

# "<per-ring interrupts> / <per-ring polled_completions> / <reads + writes>"
front_sample() {
	g "cd $s && echo \$(cat interrupts) / \$(cat polled_completions) / \
		\$((\$(cat requests_read) + \$(cat requests_write)))"
}
# field <n> of "<a> <b>" (1-based), 0 when missing
ring() { echo "$2" | awk -v n="$1" '{ print ($n == "" ? 0 : $n) }'; }

summary "negotiated: $(negotiated xvdb); rings $(g "cat $s/nr_rings"), poll rings $(g "cat $s/poll_rings"); queue io_poll $(g 'cat /sys/block/xvdb/queue/io_poll')"
check_eq "poll_queues in sysfs" "$(g 'cat /sys/module/xen_blkfront/parameters/poll_queues')" 1
check_eq "rings: one interrupt-driven, one polled" "$(g "cat $s/nr_rings")" 2
check_eq "poll rings" "$(g "cat $s/poll_rings")" 1
check_eq "the queue polls (io_poll)" "$(g 'cat /sys/block/xvdb/queue/io_poll')" 1
check "no I/O scheduler, no merging" g "echo none > /sys/block/xvdb/queue/scheduler &&
	echo 2 > /sys/block/xvdb/queue/nomerges"

# ---- hipri: 2048 writes and 2048 verifying reads, all polled ----
ios=$((2 * 8 * 1024 / 4))
IFS=/ read -r i0 p0 r0 <<EOF
$(front_sample)
EOF
check "fio io_uring hipri, 4 KiB random writes, crc32c verified" \
	fio_verify xvdb --ioengine=io_uring --hipri --rw=randwrite --bs=4k --iodepth=16 --size=8M
IFS=/ read -r i1 p1 r1 <<EOF
$(front_sample)
EOF
dp1=$(($(ring 2 "$p1") - $(ring 2 "$p0")))
dp0=$(($(ring 1 "$p1") - $(ring 1 "$p0")))
di1=$(($(ring 2 "$i1") - $(ring 2 "$i0")))
di0=$(($(ring 1 "$i1") - $(ring 1 "$i0")))
dr=$((r1 - r0))
summary "hipri: $dr requests; poll ring: $dp1 polled, $di1 interrupts ($(awk -v a=$di1 -v b=$ios 'BEGIN { printf "%.4f", a / b }') per I/O); interrupt ring: $dp0 polled, $di0 interrupts"
# (a probe of the disk by udev would add reads of its own, on ring 0)
check_ge "requests: the job's writes and reads" "$dr" $ios
check_eq "polled completions on the poll ring: every I/O of the job" "$dp1" $ios
check_le "interrupts of the interrupt-driven ring: the job did not go there" "$di0" $((ios / 50))
check_le "interrupts of the poll ring: at most 0.02 per I/O" "$di1" $((ios / 50))

# ---- the same job without hipri: interrupts, nothing polled ----
IFS=/ read -r i0 p0 r0 <<EOF
$(front_sample)
EOF
check "fio io_uring without hipri, crc32c verified" \
	fio_verify xvdb --ioengine=io_uring --rw=randwrite --bs=4k --iodepth=16 --size=8M --offset=16M
IFS=/ read -r i1 p1 r1 <<EOF
$(front_sample)
EOF
dp=$(($(ring 1 "$p1") + $(ring 2 "$p1") - $(ring 1 "$p0") - $(ring 2 "$p0")))
di0=$(($(ring 1 "$i1") - $(ring 1 "$i0")))
summary "no hipri: $((r1 - r0)) requests; interrupt ring: $di0 interrupts ($(awk -v a=$di0 -v b=$ios 'BEGIN { printf "%.4f", a / b }') per I/O); polled $dp"
check_ge "requests without hipri" "$((r1 - r0))" $ios
check_eq "nothing polled without hipri" "$dp" 0
check_ge "interrupts drive the requests without hipri" "$di0" 1
perf="--ioengine=io_uring --rw=randread --bs=4k --iodepth=16 --size=32M --runtime=3 --time_based"
summary "randread 4k depth 16, 3 s: hipri $(fio_iops xvdb $perf --hipri | awk '{ print $1 }') IOPS, interrupts $(fio_iops xvdb $perf | awk '{ print $1 }') IOPS"

# ---- save/restore under hipri fio ----
g "rm -f /tmp/stop /tmp/fio.fail /tmp/fio.runs /tmp/fio.*.log; (n=0; while [ ! -f /tmp/stop ]; do
	fio --name=v --filename=/dev/xvdb --direct=1 --ioengine=io_uring --hipri --verify=crc32c \
		--do_verify=1 --verify_fatal=1 --rw=randwrite --bs=4k --iodepth=16 \
		--size=8M > /tmp/fio.\$n.log 2>&1 || echo \$n >> /tmp/fio.fail; n=\$((n + 1));
	done; echo \$n > /tmp/fio.runs) >/dev/null 2>&1 &"
line='resumed: .* 1 polled;'
n0=$(g "dmesg | grep -c '$line'")
fl=
i=1
while [ $i -le 2 ]; do
	sleep 4
	fl="$fl $(g "cat $s/in_flight" | awk '{ print $2 }')"
	xl save $DOMU /tmp/domu.save >/tmp/xl-save.log 2>&1 || { cat /tmp/xl-save.log; fail "xl save #$i"; break; }
	xl restore /tmp/domu.save >/tmp/xl-restore.log 2>&1 || { cat /tmp/xl-restore.log; fail "xl restore #$i"; break; }
	rm -f /tmp/domu.save
	guest_domid > $LAB_RUN/domid
	check "guest answers after restore #$i" g 'true'
	i=$((i + 1))
done
set -- $(g "cat $s/polled_completions"); pa=$2
sleep 4
set -- $(g "cat $s/polled_completions"); pb=$2
fio_loop_stop
summary "after restores: rings $(g "cat $s/nr_rings"), poll rings $(g "cat $s/poll_rings"), polled on ring 1 +$((pb - pa)) in 4 s; poll ring's requests in flight just before each save:$fl"
check_eq "the disk resumed twice with its poll ring" "$(($(g "dmesg | grep -c '$line'") - n0))" 2
check_eq "poll ring back after the restores" "$(g "cat $s/poll_rings")" 1
check_ge "the poll ring polls after the restores" "$((pb - pa))" 1
check "hipri fio after the restores, crc32c verified" \
	fio_verify xvdb --ioengine=io_uring --hipri --rw=randwrite --bs=4k --iodepth=16 --size=4M --offset=32M
detach xvdb

# ---- a backend with one queue: no poll ring, and hipri still works ----
line='poll_queues: 0 poll ring(s) of 1: the backend offers 1 queue(s)'
n0=$(g "dmesg | grep -cF '$line'")
check "backend offers one queue" sh -c "echo 1 > $QUEUES"
dev=$(disk_null 16 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdc w || exit 1
c=/sys/block/xvdc/device/xen-blkfront
g "dmesg | grep -F poll_queues | tail -n 2"
summary "one queue: rings $(g "cat $c/nr_rings"), poll rings $(g "cat $c/poll_rings"), io_poll $(g 'cat /sys/block/xvdc/queue/io_poll')"
check_eq "one queue: one ring" "$(g "cat $c/nr_rings")" 1
check_eq "one queue: no poll ring" "$(g "cat $c/poll_rings")" 0
check_eq "one queue: the disk has its polled queue (io_poll)" "$(g 'cat /sys/block/xvdc/queue/io_poll')" 1
check_eq "one queue: one log line says so" "$(($(g "dmesg | grep -cF '$line'") - n0))" 1
i0=$(g "cat $c/interrupts")
check "one queue: fio io_uring hipri, crc32c verified" \
	fio_verify xvdc --ioengine=io_uring --hipri --rw=randwrite --bs=4k --iodepth=16 --size=4M
i1=$(g "cat $c/interrupts")
summary "one queue, hipri: interrupts $(ring 1 "$i0") -> $(ring 1 "$i1"), polled $(g "cat $c/polled_completions")"
check_eq "one queue: nothing polled" "$(g "cat $c/polled_completions" | awk '{ print $1 + $2 }')" 0
check_ge "one queue: interrupts complete hipri I/O" "$(($(ring 1 "$i1") - $(ring 1 "$i0")))" 1
detach xvdc
echo "$oldq" > $QUEUES
front_swap ours $oldp

# ---- for the record: a disk without polled queues (poll_queues=0) ----
if [ "$(g 'cat /sys/module/xen_blkfront/parameters/poll_queues')" = 0 ]; then
	dev=$(disk_null 16 512) || { fail "no null_blk"; exit 1; }
	attach "$dev" xvdd w || exit 1
	r=$(g "fio --name=h --filename=/dev/xvdd --direct=1 --ioengine=io_uring --hipri \
		--rw=randwrite --bs=4k --size=1M --iodepth=4 > /tmp/fio-h.out 2>&1; echo rc=\$?; \
		grep -o 'Operation not supported' /tmp/fio-h.out | sort -u")
	summary "no polled queues: io_poll $(g 'cat /sys/block/xvdd/queue/io_poll'), hipri fio: $(echo $r)"
	detach xvdd
fi
