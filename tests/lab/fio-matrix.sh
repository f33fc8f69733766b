# The fio verify matrix of both driver issues, for the run's FRONT/BACK:
# crc32c-verified fio on three kinds of disks (a loop device on a tmpfs
# file, null_blk with 512-byte and with 4096-byte blocks; each offer on two
# of them, see run_all): 4k random qd16,
# 1 MiB sequential qd4, mixed 512 B-1 MiB random writes at queue depth 1
# and 64, once per offer:
#   full:    every queue, persistent grants, 256 indirect segments, 4-page rings
#   lean:    one queue, no persistent grants, 32 indirect segments
#   direct:  every queue, persistent grants, no indirect requests
# Our side sets the offer: our backend through its runtime parameters, else
# our frontend through its parameters at a guest restart (upstream/upstream
# runs the matrix once, as configured).  Each connection must show what the
# offer implies; with our backend, the counters must have moved and no
# request may have been refused.
front=$(cat $LAB_RUN/front) back=$(cat $LAB_RUN/back)
fparams0=$(cat $LAB_RUN/fparams)
SIZE=${FIO_MATRIX_MIB:-4}
P=/sys/module/xen_blkback/parameters

# who makes the offer: our backend if there is one, else our frontend
setter=front
[ "$back" = ours ] && setter=back

conn_check() { # <label> <vdev>: what was negotiated follows the offer
	local label=$1 v=$2 q o i p fs=/sys/block/$2/device/xen-blkfront
	q=$(xs_front $v multi-queue-num-queues); q=${q:-1}
	o=$(xs_front $v ring-page-order); o=${o:-0}
	p=$(xs_front $v feature-persistent); p=${p:-0}
	i=$(xs_back $v feature-max-indirect-segments); i=${i:-0}
	summary "$label: rings=$q ring-page-order=$o indirect-offered=$i persistent=front:$p/back:$(xs_back $v feature-persistent)"
	case $offer/$setter in
	full/*) check_ge "$label: several rings" "$q" 2 ;;
	lean/*) check_eq "$label: one ring" "$q" 1 ;;
	esac
	case $offer/$setter in
	full/back) check_eq "$label: 256 indirect segments offered" "$i" 256 ;;
	lean/back) check_eq "$label: 32 indirect segments offered" "$i" 32 ;;
	direct/back) check_eq "$label: no indirect segments offered" "$i" 0 ;;
	full/front) check_eq "$label: 4-page rings" "$o" 2 ;;
	lean/front) check_eq "$label: one-page ring" "$o" 0 ;;
	esac
	if [ "$back" = ours ]; then
		local d f l=
		d=$(bk_dir $v)/connection
		for f in nr_rings ring_pages protocol persistent indirect_segments; do
			l="$l $f=$(cat $d/$f)"
		done
		summary "$label backend connection:$l"
		check_eq "$label: backend rings = frontend's" "$(cat $d/nr_rings)" "$q"
		[ $offer = lean ] && check_eq "$label: backend without persistent grants" "$(cat $d/persistent)" 0
		[ $offer = full ] && check_eq "$label: backend with persistent grants" "$(cat $d/persistent)" 1
	fi
	if [ "$front" = ours ]; then
		summary "$label frontend: $(g "cd $fs && for a in nr_rings ring_pages max_indirect_segments persistent_grants; do printf '%s=%s ' \$a \$(cat \$a); done")"
		case $offer in
		lean) check_eq "$label: frontend without persistent grants" "$(g "cat $fs/persistent_grants")" 0 ;;
		direct) check_eq "$label: frontend without indirect" "$(g "cat $fs/max_indirect_segments")" 0 ;;
		esac
		[ "$offer/$setter" = full/front ] && check_eq "$label: frontend with 256 indirect" "$(g "cat $fs/max_indirect_segments")" 256
	fi
}

run_disk() { # <label> <dev> <min block size>
	local label="$offer $1" dev=$2 bs=$3 small=512
	attach "$dev" xvdb w || return 1
	conn_check "$label" xvdb
	[ "$bs" -gt 512 ] && small=$bs
	check "$label: 4k random qd16" \
		fio_verify xvdb --rw=randwrite --bs=4k --iodepth=16 --size=${SIZE}M
	check "$label: 1M sequential qd4" \
		fio_verify xvdb --rw=write --bs=1M --iodepth=4 --offset=${SIZE}M --size=$((SIZE * 2))M
	check "$label: mixed ${small}-1M qd1" \
		fio_verify xvdb --rw=randwrite --bsrange=${small}-1M --blockalign=$small --iodepth=1 --size=${SIZE}M
	check "$label: mixed ${small}-1M qd64" \
		fio_verify xvdb --rw=randwrite --bsrange=${small}-1M --blockalign=$small --iodepth=64 --offset=$((SIZE * 3))M --size=${SIZE}M
	if [ "$back" = ours ]; then
		local s d=$(bk_dir xvdb)/statistics line=
		for s in requests rd_req wr_req indirect_req map_ops unmap_ops pgrant_hits pgrant_misses lru_purged persistent_grants pool_pages; do
			line="$line $s=$(cat $d/$s)"
		done
		summary "$label backend:$line"
		check_ge "$label: reads counted" "$(bk_stat xvdb rd_req)" 1
		check_ge "$label: writes counted" "$(bk_stat xvdb wr_req)" 1
		case $offer in
		direct) check_eq "$label: no indirect requests" "$(bk_stat xvdb indirect_req)" 0 ;;
		full) check_ge "$label: indirect requests served" "$(bk_stat xvdb indirect_req)" 1 ;;
		esac
		for s in err_bad_op err_unsupported err_bad_nseg err_bad_segment err_misaligned err_out_of_range err_read_only err_grant_map err_io; do
			check_eq "$label: $s" "$(bk_stat xvdb $s)" 0
		done
	fi
	detach xvdb
}

# run_all: each offer on two of the three kinds of disk, so that every
# kind meets two offers and every pair of them differs (loop + null4096
# with full, loop + null512 with lean, null512 + null4096 with direct)
run_all() {
	local kinds lo n512 n4k
	case $offer in
	full) kinds="loop null4096" ;;
	lean) kinds="loop null512" ;;
	direct) kinds="null512 null4096" ;;
	*) kinds="loop null512 null4096" ;;
	esac
	case " $kinds " in *" loop "*)
		lo=$(disk_loop $((SIZE * 4 + 4))) || { fail "no loop device"; return 1; }
		run_disk loop "$lo" 512
		losetup -d "$lo" ;;
	esac
	case " $kinds " in *" null512 "*)
		n512=$(disk_null $((SIZE * 4 + 4)) 512) || { fail "no null_blk 512"; return 1; }
		run_disk null512 "$n512" 512 ;;
	esac
	case " $kinds " in *" null4096 "*)
		n4k=$(disk_null $((SIZE * 4 + 4)) 4096) || { fail "no null_blk 4096"; return 1; }
		run_disk null4096 "$n4k" 4096 ;;
	esac
}

if [ "$front/$back" = upstream/upstream ]; then
	offer=as-configured
	run_all
	exit 0
fi
if [ "$back" = ours ]; then
	save_q=$(cat $P/max_queues) save_i=$(cat $P/max_indirect_segments)
	save_p=$(cat $P/feature_persistent) save_o=$(cat $P/max_ring_page_order)
fi
for offer in ${FIO_MATRIX_OFFERS:-full lean direct}; do
	if [ "$back" = ours ]; then
		case $offer in
		full) q=$save_q p=Y i=256 ;;
		lean) q=1 p=N i=32 ;;
		direct) q=$save_q p=Y i=0 ;;
		esac
		echo "$q" > $P/max_queues
		echo "$i" > $P/max_indirect_segments
		echo "$p" > $P/feature_persistent
		echo 4 > $P/max_ring_page_order
	else
		case $offer in
		full) fp="max_queues=4 max_ring_page_order=2 max_indirect_segments=256 feature_persistent=1" ;;
		lean) fp="max_queues=1 max_ring_page_order=0 max_indirect_segments=32 feature_persistent=0" ;;
		direct) fp="max_queues=4 max_ring_page_order=1 max_indirect_segments=11 feature_persistent=1" ;;
		esac
		check "guest with frontend offer $offer" front_swap ours $fp || continue
	fi
	run_all
done
if [ "$back" = ours ]; then
	echo "$save_q" > $P/max_queues
	echo "$save_i" > $P/max_indirect_segments
	echo "$save_p" > $P/feature_persistent
	echo "$save_o" > $P/max_ring_page_order
else
	front_swap "$front" $fparams0
fi
