# A disk of 4096-byte logical blocks and an O_DIRECT buffer aligned to 512
# bytes but not to 4096 (fio's iomem_align=512 puts the buffer 512 bytes
# into a page): no logical block may straddle two grant pages.  The block
# layer either takes the buffer and the data comes back intact, or refuses
# it up front (EINVAL, the O_DIRECT alignment rule) - never an I/O error
# from the backend.  A page-aligned buffer works.
dev=$(disk_null 64 4096) || { fail "no null_blk device"; exit 1; }
attach "$dev" xvdb w || exit 1
check_eq "xvdb: logical block size" \
	"$(g 'cat /sys/block/xvdb/queue/logical_block_size')" 4096
check "xvdb: page-aligned O_DIRECT buffers" fio_verify xvdb --rw=write --bs=4k --size=512k
g 'lab-dmesg-new > /dev/null'
r=$(g "fio --name=unaligned --filename=/dev/xvdb --direct=1 --ioengine=psync --rw=write \
	--bs=8k --size=256k --offset=4M --iomem_align=512 --verify=crc32c --do_verify=1 \
	--verify_fatal=1 > /tmp/fio-u.out 2>&1; echo rc=\$?; \
	grep -o 'Input/output error\|Invalid argument\|verify: bad' /tmp/fio-u.out | sort -u")
echo "xvdb: 512-aligned buffer: $r"
log=$(g 'lab-dmesg-new')
echo "$log" | tail -n 10
case "$r" in
"rc=0")
	echo "ok: xvdb: the data of a 512-aligned buffer comes back intact" ;;
*"Invalid argument"*)
	case "$r" in
	*"Input/output error"*|*"verify: bad"*) fail "xvdb: 512-aligned buffer: $r" ;;
	*) echo "ok: xvdb: a 512-aligned buffer is refused up front (EINVAL)" ;;
	esac ;;
*)
	fail "xvdb: 512-aligned O_DIRECT buffer on a 4096-byte-sector disk: $r" ;;
esac
check_eq "xvdb: no I/O error in the guest's log" \
	"$(echo "$log" | grep -c 'I/O error\|failed with status')" 0
detach xvdb
