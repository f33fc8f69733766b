# On the lab's debug kernel (KVER=6.12-debug), FRONT=ours: while fio
# writes and verifies, every third page and slab allocation made from
# xen-blkfront's code in the guest fails (lab-fault, stack filter on the
# module), from a fresh connection on, so that the slots' first pages come
# from allocations that may fail: bounce pages (trusted=0, with and without
# persistent grants) and indirect pages (requests of more than 11
# segments).  A failed allocation makes the request wait and go again; it
# never fails I/O (issue 9, item 7): fio verify passes, the frontend counts
# no failed request, and page allocations did fail in every round.
# With the lab's FRONT_ALT_KO (another build of the frontend, "alt" in the
# guest), the same rounds run on it too, as "alt".
. /lab/attach-fault.sh
af_require front
P=/sys/module/xen_blkfront/parameters

io_fault_rounds() { # label: the rounds on the frontend loaded now
	local tp t p dev s bounce saved
	saved=$(g "cat $P/trusted $P/feature_persistent" | tr '\n' ' ')
	for tp in "0 1" "0 0" "1 0"; do
		t=${tp% *}
		p=${tp#* }
		g "echo $t > $P/trusted; echo $p > $P/feature_persistent" ||
			{ fail "$1: setting trusted=$t feature_persistent=$p"; break; }
		dev=$(disk_loop 32) || { fail "no loop device"; break; }
		attach "$dev" xvdb w || break
		s=/sys/block/xvdb/device/xen-blkfront
		bounce=1
		[ "$t$p" = 10 ] && bounce=0
		check_eq "$1 trusted=$t persistent=$p: bounce" "$(g "cat $s/bounce")" $bounce
		IOF_PAGE=
		IOF_SLAB=
		check "$1 trusted=$t persistent=$p: fio verify while allocations fail" \
			io_fault_fio guest xen_blkfront 3 xvdb --rw=randwrite --bsrange=4k-256k --iodepth=16 --size=8M
		check_ge "$1 trusted=$t persistent=$p: page allocations failed" "$IOF_PAGE" 1
		check_eq "$1 trusted=$t persistent=$p: requests failed" "$(g "cat $s/request_errors")" 0
		summary "xen-blkfront ($1) trusted=$t persistent=$p, every 3rd allocation failing during fio verify:" \
			"$IOF_PAGE page and $IOF_SLAB slab allocations failed"
		detach xvdb
		losetup -d "$dev" 2>/dev/null
	done
	set -- $saved
	g "echo $1 > $P/trusted; echo $2 > $P/feature_persistent"
}

io_fault_rounds ours
if g '[ -f /lib/modules/alt/xen-blkfront.ko ]' >/dev/null; then
	if check "alt frontend loaded" g 'lab-front alt'; then
		io_fault_rounds alt
	fi
	check "our frontend loaded again" g "lab-front ours $(cat $LAB_RUN/fparams)"
fi
