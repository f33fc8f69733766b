# QEMU's xen-block backend ("qdisk": Debian's qemu-system-xen 7.2, which
# libxl starts as the PV guest's device model) serves the run's frontend
# from a raw image file in dom0, twice:
#  1. the disk in the guest's configuration (libxl starts QEMU only for a
#     guest created with a qdisk disk; it starts none for a hot-plug), with
#     the frontend's parameters of the run;
#  2. the same file hot-plugged (xl block-attach backendtype=qdisk) into
#     that guest after reloading the frontend with max_ring_page_order=4,
#     the most QEMU offers.
# Each time: QEMU, not xen-blkback, serves the disk; its keys are what QEMU
# 7.2 offers (no persistent grants, no indirect segments, one queue, up to
# 16 ring pages, flush, discard); the frontend's choice follows; fio
# verifies 4 KiB random and 1 MiB sequential writes; a pattern the guest
# wrote is in the image file; on detach the disk leaves the guest, the
# backend's XenStore directory and QEMU.  Ends with the guest as the run
# had it, and QEMU gone with the old guest.
BK_TYPE=qdisk
# a backend that stops answering fails a step in 5 minutes, not 10
G_TIMEOUT=300
front=$(cat $LAB_RUN/front)
fparams=$(cat $LAB_RUN/fparams)
mib=256
# fio's sizes: LAB_QUICK=1 (make check) writes 8 MiB at random and 16 MiB in
# sequence instead of 32 and 64 (QEMU's grant copies are slow under TCG:
# the 32 MiB took 40-50 s a round)
rnd=32 seq=64
lab_quick && rnd=8 seq=16
img=/tmp/qdisk$(next_id qdisk).img
dd if=/dev/zero of=$img bs=1M count=0 seek=$mib 2>/dev/null || { fail "no image file"; exit 1; }
qlog=/var/log/xen/qemu-dm-$DOMU.log

# the ring-page-order the run's frontend parameters ask for, at most QEMU's 4
order1=$(echo " $fparams" | sed -n 's/.* max_ring_page_order=\([0-9]*\).*/\1/p')
order1=${order1:-0}
[ "$order1" -le 4 ] || order1=4

qdisk_log() {
	note "--- $qlog"
	tail -n 20 $qlog 2>/dev/null
}

# the run's guest again: the domain with QEMU goes, and QEMU with it
qdisk_end() {
	qdisk_guest_end
	rm -f $img
}

# qdisk_serves <vdev>: QEMU, not xen-blkback, is the disk's backend
qdisk_serves() {
	local d pid exe
	d=$(cat $LAB_RUN/domid)
	check_eq "backend path the frontend names" "$(xs_front "$1" backend)" "$(bk_path "$1")"
	check_eq "device model state" "$(xenstore-read /local/domain/0/device-model/$d/state 2>/dev/null)" running
	pid=$(xenstore-read /local/domain/$d/image/device-model-pid 2>/dev/null)
	exe=$(readlink /proc/${pid:-0}/exe 2>/dev/null)
	check_eq "device model binary" "$exe" /usr/libexec/xen-qemu-system-i386
	check "QEMU holds the image file open" sh -c "ls -l /proc/${pid:-0}/fd | grep -q '$img'"
	check "xen-blkback serves no disk of the guest" \
		sh -c "! ls -d /sys/bus/xen-backend/devices/vbd-$d-* 2>/dev/null"
	echo "$pid" > $LAB_RUN/qdisk.pid
}

# qdisk_negotiated <vdev> <ring-page-order the frontend chose>
qdisk_negotiated() {
	local v=$1 order=$2 s=/sys/block/$1/device/xen-blkfront
	summary "qdisk offers: $(for k in max-ring-page-order multi-queue-max-queues \
		feature-persistent feature-max-indirect-segments feature-flush-cache \
		feature-barrier feature-discard discard-granularity discard-alignment \
		discard-secure sector-size sectors info; do
			printf '%s=%s ' $k "$(xs_back "$v" $k || echo -)"
		done)"
	summary "qdisk negotiated ($front front): $(negotiated "$v")"
	summary "guest queue: $(g "cd /sys/block/$v/queue; echo hw_queues=\$(ls ../mq | wc -l) max_segments=\$(cat max_segments) max_sectors_kb=\$(cat max_sectors_kb) write_cache=\"\$(cat write_cache)\" discard_max_bytes=\$(cat discard_max_bytes)")"
	check_eq "backend state" "$(xs_back "$v" state)" 4
	check_eq "frontend state" "$(xs_front "$v" state)" 4
	# what QEMU 7.2's xen-block writes (hw/block/xen-block.c): ring pages
	# up to 2^4, flush and (libxl's discard-enable=1 default) discard;
	# no persistent grants, indirect segments, queues or barrier
	check_eq "qdisk max-ring-page-order" "$(xs_back "$v" max-ring-page-order)" 4
	check_eq "qdisk feature-flush-cache" "$(xs_back "$v" feature-flush-cache)" 1
	check_eq "qdisk feature-discard" "$(xs_back "$v" feature-discard)" 1
	check_eq "qdisk sector-size" "$(xs_back "$v" sector-size)" 512
	check_eq "qdisk sectors" "$(xs_back "$v" sectors)" $((mib * 2048))
	for k in feature-persistent feature-max-indirect-segments multi-queue-max-queues feature-barrier; do
		check_eq "qdisk $k" "$(xs_back "$v" $k || echo absent)" absent
	done
	# the frontend's side: one ring of 2^order pages, 11 segments a request
	check_eq "frontend ring-page-order" "$(xs_front "$v" ring-page-order || echo 0)" "$order"
	check_eq "frontend queues" "$(xs_front "$v" multi-queue-num-queues || echo 1)" 1
	check_eq "guest hardware queues" "$(g "ls /sys/block/$v/mq | wc -l")" 1
	check_eq "guest max_segments" "$(g "cat /sys/block/$v/queue/max_segments")" 11
	check_eq "guest write cache" "$(g "cat /sys/block/$v/queue/write_cache")" "write back"
	check_ge "guest discard_max_bytes" "$(g "cat /sys/block/$v/queue/discard_max_bytes")" 1
	if [ "$front" = ours ]; then
		summary "frontend sysfs: $(g "cd $s && for a in *; do printf '%s=%s ' \$a \"\$(cat \$a)\"; done")"
		check_eq "frontend nr_rings" "$(g "cat $s/nr_rings")" 1
		check_eq "frontend ring_pages" "$(g "cat $s/ring_pages")" $((1 << order))
		check_eq "frontend persistent_grants" "$(g "cat $s/persistent_grants")" 0
		check_eq "frontend max_indirect_segments" "$(g "cat $s/max_indirect_segments")" 0
		check_eq "frontend flush" "$(g "cat $s/flush")" flush-diskcache
		check_eq "frontend discard" "$(g "cat $s/discard")" 1
	fi
}

# qdisk_io <vdev> <round>: fio verify, and a pattern that lands in the file
qdisk_io() {
	local v=$1 r=$2 want got
	check "fio crc32c verify, $rnd MiB of 4 KiB random writes (round $r)" \
		fio_verify "$v" --rw=randwrite --bs=4k --iodepth=16 --offset=0 --size=${rnd}M
	check "fio crc32c verify, $seq MiB of 1 MiB sequential writes (round $r)" \
		fio_verify "$v" --rw=write --bs=1M --iodepth=8 --offset=64M --size=${seq}M
	g "dd if=/dev/urandom of=/tmp/qpat bs=1M count=8 2>/dev/null &&
	   dd if=/tmp/qpat of=/dev/$v bs=1M seek=$((160 + r * 16)) oflag=direct 2>/dev/null" ||
		fail "pattern write in the guest (round $r)"
	want=$(g "md5sum < /tmp/qpat | cut -d' ' -f1")
	got=$(g "dd if=/dev/$v bs=1M skip=$((160 + r * 16)) count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1")
	check_eq "pattern read back in the guest (round $r, md5)" "$got" "$want"
	echo "$want" > $LAB_RUN/qdisk.md5.$r
}

# qdisk_detach <vdev> <round>: the disk leaves the guest, XenStore and QEMU,
# and the file holds what the guest wrote
qdisk_detach() {
	local v=$1 r=$2 pid path i
	path=$(bk_path "$v")
	pid=$(cat $LAB_RUN/qdisk.pid)
	detach "$v" || { qdisk_log; return 1; }
	check "backend directory gone" sh -c "! xenstore-exists $path"
	i=0
	while ls -l /proc/$pid/fd 2>/dev/null | grep -q "$img" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "QEMU closed the image file" sh -c "! ls -l /proc/$pid/fd | grep -q '$img'"
	check "QEMU still runs for the guest" [ -d /proc/$pid ]
	check_eq "pattern in the image file seen from dom0 (round $r, md5)" \
		"$(dd if=$img bs=1M skip=$((160 + r * 16)) count=8 2>/dev/null | md5sum | cut -d' ' -f1)" \
		"$(cat $LAB_RUN/qdisk.md5.$r)"
}

# round 1: the disk in the guest's configuration
# shellcheck disable=SC2086
if ! GUEST_DISKS="'format=raw,vdev=xvdb,access=rw,backendtype=qdisk,target=$img'" \
     guest_restart "$front" $fparams; then
	qdisk_log
	qdisk_end
	exit 1
fi
if ! g 'i=0; while [ ! -b /dev/xvdb ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; [ -b /dev/xvdb ]' >/dev/null; then
	fail "/dev/xvdb did not appear in the guest"
	g 'dmesg | tail -n 20'
	qdisk_log
	qdisk_end
	exit 1
fi
qdisk_serves xvdb
qdisk_negotiated xvdb $order1
qdisk_io xvdb 1
qdisk_detach xvdb 1

# round 2: hot-plugged, the frontend asking for QEMU's 16 ring pages
# shellcheck disable=SC2086
check "frontend reloaded with max_ring_page_order=4" g "lab-front $front $fparams max_ring_page_order=4"
if attach $img xvdb w qdisk; then
	qdisk_serves xvdb
	qdisk_negotiated xvdb 4
	qdisk_io xvdb 2
	qdisk_detach xvdb 2
else
	qdisk_log
fi
qdisk_end
