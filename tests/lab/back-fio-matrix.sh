# fio with crc32c verification through the backend on three kinds of disks
# (a loop device on a tmpfs file, null_blk with 512-byte and 4096-byte
# blocks): 4k random, 1 MiB sequential, and mixed 512 B-1 MiB random writes
# at queue depth 1 and 64.  The connection's parameters come from the run
# (FRONT_PARAMS / BACK_PARAMS select queues, persistent grants, indirect
# segments); the summary shows what was negotiated.  With our backend, the
# request counters must have moved and no request may have been refused.
ours=$(cat $LAB_RUN/back)
SIZE=${BACK_FIO_MIB:-4}

run_disk() { # <label> <dev> <min block size>
	local label=$1 dev=$2 bs=$3 small
	attach "$dev" xvdb w || return 1
	summary "$label: $(negotiated xvdb)"
	if [ "$ours" = ours ]; then
		local f l=
		for f in nr_rings ring_pages protocol persistent indirect_segments; do
			l="$l $f=$(cat $(bk_dir xvdb)/connection/$f)"
		done
		summary "$label backend connection:$l"
	fi
	small=512
	[ "$bs" -gt 512 ] && small=$bs
	check "$label: 4k random qd16" \
		fio_verify xvdb --rw=randwrite --bs=4k --iodepth=16 --size=${SIZE}M
	check "$label: 1M sequential qd4" \
		fio_verify xvdb --rw=write --bs=1M --iodepth=4 --offset=${SIZE}M --size=$((SIZE * 2))M
	check "$label: mixed ${small}-1M qd1" \
		fio_verify xvdb --rw=randwrite --bsrange=${small}-1M --blockalign=$small --iodepth=1 --size=${SIZE}M
	check "$label: mixed ${small}-1M qd64" \
		fio_verify xvdb --rw=randwrite --bsrange=${small}-1M --blockalign=$small --iodepth=64 --offset=$((SIZE * 3))M --size=${SIZE}M
	if [ "$ours" = ours ]; then
		local s d=$(bk_dir xvdb)/statistics line=
		for s in requests rd_req wr_req f_req indirect_req map_ops unmap_ops pgrant_hits pgrant_misses lru_purged persistent_grants pool_pages; do
			line="$line $s=$(cat $d/$s)"
		done
		summary "$label backend:$line"
		check_ge "$label: reads counted" "$(bk_stat xvdb rd_req)" 1
		check_ge "$label: writes counted" "$(bk_stat xvdb wr_req)" 1
		for s in err_bad_op err_unsupported err_bad_nseg err_bad_segment err_misaligned err_out_of_range err_read_only err_grant_map err_io; do
			check_eq "$label: $s" "$(bk_stat xvdb $s)" 0
		done
	fi
	detach xvdb
}

lo=$(disk_loop $((SIZE * 4 + 4))) || { fail "no loop device"; exit 1; }
run_disk loop "$lo" 512
losetup -d "$lo"

n512=$(disk_null $((SIZE * 4 + 4)) 512) || { fail "no null_blk 512"; exit 1; }
run_disk null512 "$n512" 512

n4k=$(disk_null $((SIZE * 4 + 4)) 4096) || { fail "no null_blk 4096"; exit 1; }
run_disk null4096 "$n4k" 4096
