# The default workload: a file-backed disk attached with Xen's own hotplug
# script, served and used by the run's pair (the modules loaded are the ones
# FRONT and BACK named); a random pattern written with dd reads back equal in
# the guest and in the backing file seen from dom0; fio measures 4k random
# and 1 MiB sequential I/O and verifies 32 MiB of random writes with crc32c.
# LAB_QUICK=1 (make check) moves 8 MiB instead of 32 and times 2 s runs.
# Its figures also go to make lab's side-by-side table (COMPARE=1).
mib=32 t=8
lab_quick && mib=8 t=2
dev=$(disk_loop 256) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${dev#/dev/}/loop/backing_file)
attach $dev xvda w xen || exit 1

# which modules serve the disk: the run's pair, and which build of each
front=$(mod_facts xen-blkfront g)
back=$(mod_facts xen-blkback)
summary "kernel $(uname -r)"
summary "modules: xen-blkfront (guest): $(mod_text $front)"
summary "modules: xen-blkback (dom0): $(mod_text $back)"
check_eq "xen-blkfront in the guest" "${front%% *}" "$(cat $LAB_RUN/front)"
check_eq "xen-blkback in dom0" "${back%% *}" "$(cat $LAB_RUN/back)"
figure xen-blkfront "$(mod_brief $front)"
figure xen-blkback "$(mod_brief $back)"
feat=$(negotiated xvda)
summary "negotiated: $feat"
for f in $feat; do
	figure "${f%%=*}" "${f#*=}"
done
summary "guest queue: $(g 'cd /sys/block/xvda; echo hw_queues=$(ls mq | wc -l) nr_requests=$(cat queue/nr_requests) max_sectors_kb=$(cat queue/max_sectors_kb) max_segments=$(cat queue/max_segments) write_cache=\"$(cat queue/write_cache)\" discard_max_bytes=$(cat queue/discard_max_bytes)')"

# dd pattern, read back in the guest and from the backing file in dom0
g "dd if=/dev/urandom of=/tmp/pat bs=1M count=$mib 2>/dev/null &&
   md5sum < /tmp/pat | cut -d' ' -f1 > /tmp/pat.md5 &&
   dd if=/tmp/pat of=/dev/xvda bs=1M oflag=direct 2>/dev/null && sync" ||
	fail "dd pattern write in the guest"
written=$(g 'cat /tmp/pat.md5')
g 'echo 3 > /proc/sys/vm/drop_caches'
readback=$(g "dd if=/dev/xvda bs=1M count=$mib iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1")
check_eq "pattern read back in the guest (md5)" "$readback" "$written"
backing=$(dd if=$file bs=1M count=$mib 2>/dev/null | md5sum | cut -d' ' -f1)
check_eq "pattern in the backing file seen from dom0 (md5)" "$backing" "$written"

# performance (a few seconds each: TCG numbers only compare within a boot)
set -- $(fio_iops xvda --rw=randrw --bs=4k --iodepth=16 --offset=64M --size=64M --runtime=$t --time_based)
check "fio 4k randrw ran" [ -n "${1:-}" ]
summary "fio 4k randrw qd16: read ${1:-?} IOPS, write ${2:-?} IOPS"
figure "4k randrw qd16 read IOPS" "${1:-?}"
figure "4k randrw qd16 write IOPS" "${2:-?}"
set -- $(fio_iops xvda --rw=read --bs=1M --iodepth=8 --offset=0 --size=128M --runtime=$(((t + 1) / 2 + 1)) --time_based)
r=${3:-0}
set -- $(fio_iops xvda --rw=write --bs=1M --iodepth=8 --offset=128M --size=64M --runtime=$(((t + 1) / 2 + 1)) --time_based)
summary "fio 1M sequential qd8: read $((r / 1024)) MB/s, write $((${4:-0} / 1024)) MB/s"
figure "1M sequential qd8 read MB/s" "$((r / 1024))"
figure "1M sequential qd8 write MB/s" "$((${4:-0} / 1024))"

check "fio crc32c verify of $mib MiB random 16k writes" \
	fio_verify xvda --rw=randwrite --bs=16k --iodepth=8 --offset=64M --size=${mib}M

stats=
for s in $(bk_dir xvda)/statistics/*; do
	# (the latency_* histograms are lines of 24 counts: xen-blkstat reads them)
	case $s in */latency_*) continue ;; esac
	[ -f "$s" ] && stats="$stats $(basename $s)=$(cat $s)"
done
summary "backend statistics:${stats:- none}"
check "the backend counted reads" [ "$(bk_stat xvda rd_req)" -gt 0 ]
check "the backend counted writes" [ "$(bk_stat xvda wr_req)" -gt 0 ]
detach xvda
losetup -d $dev
rm -f $file
