# fio with crc32c verification through the backend on three kinds of disks
# (a loop device on a tmpfs file, null_blk with 512-byte and 4096-byte
# blocks): 4k random qd16, 1 MiB sequential qd4, and mixed 512 B-1 MiB
# random writes at queue depth 1 and 64.  With our backend the matrix runs
# once per offer (module parameters written between connections):
#   full:    every queue, persistent grants, 256 indirect segments
#   lean:    one queue, no persistent grants, 32 indirect segments
#   direct:  every queue, persistent grants, no indirect requests
# The frontend's own limits come from FRONT_PARAMS (the check plan asks for
# 256 indirect segments and multi-page rings).  Each connection must have
# negotiated what was offered, its request counters must have moved and no
# request may have been refused.
ours=$(cat $LAB_RUN/back)
SIZE=${BACK_FIO_MIB:-4}

P=/sys/module/xen_blkback/parameters
run_disk() { # <label> <dev> <min block size>
	local label="$offer $1" dev=$2 bs=$3 small
	attach "$dev" xvdb w || return 1
	summary "$label: $(negotiated xvdb)"
	if [ "$ours" = ours ]; then
		local f l=
		for f in nr_rings ring_pages protocol persistent indirect_segments; do
			l="$l $f=$(cat $(bk_dir xvdb)/connection/$f)"
		done
		summary "$label backend connection:$l"
		check_eq "$label: persistent grants as offered" \
			"$(cat $(bk_dir xvdb)/connection/persistent)" "$want_persistent"
		[ "$want_queues" = 1 ] && check_eq "$label: one ring as offered" \
			"$(cat $(bk_dir xvdb)/connection/nr_rings)" 1
		[ "$want_indirect" = 0 ] && check_eq "$label: no indirect as offered" \
			"$(cat $(bk_dir xvdb)/connection/indirect_segments)" 0
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

run_all() {
	local lo n512 n4k
	lo=$(disk_loop $((SIZE * 4 + 4))) || { fail "no loop device"; return 1; }
	run_disk loop "$lo" 512
	losetup -d "$lo"
	n512=$(disk_null $((SIZE * 4 + 4)) 512) || { fail "no null_blk 512"; return 1; }
	run_disk null512 "$n512" 512
	n4k=$(disk_null $((SIZE * 4 + 4)) 4096) || { fail "no null_blk 4096"; return 1; }
	run_disk null4096 "$n4k" 4096
}

if [ "$ours" != ours ]; then
	offer=upstream
	run_all
	exit 0
fi
save_q=$(cat $P/max_queues) save_i=$(cat $P/max_indirect_segments) save_p=$(cat $P/feature_persistent)
for offer in ${BACK_MATRIX_OFFERS:-full lean direct}; do
	case $offer in
	full) q=$save_q want_persistent=1 i=256 ;;
	lean) q=1 want_persistent=0 i=32 ;;
	direct) q=$save_q want_persistent=1 i=0 ;;
	esac
	want_queues=$q want_indirect=$i
	echo "$q" > $P/max_queues
	echo "$i" > $P/max_indirect_segments
	[ $want_persistent = 1 ] && echo Y > $P/feature_persistent || echo N > $P/feature_persistent
	run_all
done
echo "$save_q" > $P/max_queues
echo "$save_i" > $P/max_indirect_segments
echo "$save_p" > $P/feature_persistent
