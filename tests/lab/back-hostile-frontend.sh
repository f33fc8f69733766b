# A hostile frontend: with the guest's xen-blkfront unloaded, blkif-evil
# (tests/lab/tools/blkif-evil.c, /lab in the guest) plays the frontend of a
# disk by hand and writes malformed requests straight into the shared ring.
# The backend answers each with the right status and the frontend's id,
# counts it under its cause, leaves no grant of the guest mapped, stops a
# ring whose producer runs past its slots with one log line, keeps serving
# the guest's other disks, releases everything when the guest dies, and
# unloads cleanly.
ours=$(cat $LAB_RUN/back)
[ "$ours" = ours ] || { fail "needs BACK=ours (nothing to run with the distro backend, not a pass)"; exit 1; }
bparams=$(cat $LAB_RUN/bparams)
# blkif-evil reads one page at sector 2048 and prints its first 24 bytes
MARK=xen-blk-hostile-frontend
files=
# however this ends, the next scenario gets a guest with its xen-blkfront
finished=
trap '[ -n "$finished" ] || guest_restart' EXIT

# mkdisk: a 16 MiB loop disk with $MARK at sector 2048
mkdisk() {
	local lo
	lo=$(disk_loop 16) || return 1
	printf '%s' "$MARK" | dd of="$lo" bs=512 seek=2048 conv=notrunc 2>/dev/null
	sync
	echo "$lo"
}

# evil <vdev> <case>...: run blkif-evil on that disk; it closes when done
evil() {
	local v=$1
	shift
	g "blkif-evil $(vdev_devid "$v") $*"
}

# evil_hold <vdev> <case>...: the same, but blkif-evil stays, holding the
# connection and its grants, until the guest dies
evil_hold() {
	local v=$1
	shift
	g "setsid blkif-evil -k $(vdev_devid "$v") $* >/tmp/evil-$v.out 2>&1 </dev/null &
	   i=0
	   while ! grep -q -e '^HOLD' -e '^blkif-evil:' /tmp/evil-$v.out && [ \$i -lt 600 ]; do
		sleep 0.1; i=\$((i + 1))
	   done
	   cat /tmp/evil-$v.out; grep -q '^HOLD' /tmp/evil-$v.out"
}

# res <case>: what blkif-evil printed for it; expect <case> <result>
res() { echo "$out" | sed -n "s/^RESULT $1 //p"; }
expect() { check_eq "$v: $1" "$(res "$1")" "$2"; }

# stats <vdev> <name>=<value>...: the backend's counters of the disk
stats() {
	local v=$1 s
	shift
	for s in "$@"; do
		check_eq "$v: statistics/${s%%=*}" "$(bk_stat "$v" "${s%%=*}")" "${s#*=}"
	done
}

# stopped_lines <domid> <vdev>: dom0 log lines of that disk's stopped ring
stopped_lines() {
	dmesg | grep -c "vbd-$1-$(vdev_devid "$2"): ring 0: frontend of domain $1 published .* ring stopped"
}

# ---- the guest becomes the hostile frontend ----
guest_hand_frontend
domid=$(cat $LAB_RUN/domid)

# ---- every malformed request on a writable disk ----
base=
v=xvdb
lo=$(mkdisk) || { fail "no loop device"; exit 1; }
files="$files $lo"
if hand_attach "$lo" $v w; then
	base=$(active_grants "$domid")
	out=$(evil $v read-ok bad-op nseg0 nseg12 first-gt-last last-gt-7 past-end \
		span-end bad-gref ind-ok ind-too-many ind-op-barrier ind-op-garbage \
		ind-bad-gref ind-bad-seg discard-nothing discard-nothing-at-end \
		read-again)
	echo "$out"
	check_ge "$v: indirect segments offered" \
		"$(echo "$out" | sed -n 's/^CONNECTED .* indirect=\([0-9]*\) .*/\1/p')" 12
	expect read-ok "status=0 id=echoed op=0 data=$MARK"
	expect bad-op "status=-2 id=echoed op=99"
	expect nseg0 "status=-1 id=echoed op=0"
	expect nseg12 "status=-1 id=echoed op=0"
	expect first-gt-last "status=-1 id=echoed op=0"
	expect last-gt-7 "status=-1 id=echoed op=0"
	expect past-end "status=-1 id=echoed op=0"
	expect span-end "status=-1 id=echoed op=0"
	expect bad-gref "status=-1 id=echoed op=0"
	expect ind-ok "status=0 id=echoed op=0 data=$MARK"
	expect ind-too-many "status=-1 id=echoed op=0"
	# indirect_op must be READ or WRITE: anything else is an unknown
	# operation (err_bad_op), answered EOPNOTSUPP with the op echoed
	expect ind-op-barrier "status=-2 id=echoed op=2"
	expect ind-op-garbage "status=-2 id=echoed op=238"
	expect ind-bad-gref "status=-1 id=echoed op=0"
	expect ind-bad-seg "status=-1 id=echoed op=0"
	# a discard of zero sectors has nothing to discard, anywhere up to
	# the disk's end: OKAY, and the device is not asked (Linux 6.1 fails
	# an empty discard, which would come back as an I/O error)
	check_eq "$v: discard offered" "$(xs_back $v feature-discard)" 1
	expect discard-nothing "status=0 id=echoed op=5"
	expect discard-nothing-at-end "status=0 id=echoed op=5"
	expect read-again "status=0 id=echoed op=0 data=$MARK"
	check_eq "$v: one response per request" "$(echo "$out" | sed -n 's/^END //p')" \
		"sent=18 answered=18"
	check_eq "$v: the backend closed with the frontend" \
		"$(echo "$out" | sed -n 's/^CLOSED //p')" "backend-state=6"
	# without persistent grants every grant is mapped per request:
	# map_ops = 1 (read-ok) + 2 (bad-gref) + 3 (ind-ok) + 1 (ind-bad-gref)
	# + 1 (ind-bad-seg) + 1 (read-again); the two maps that fail (0xfffff)
	# are never unmapped, every other one is
	stats $v requests=18 rd_req=3 wr_req=0 indirect_req=1 ds_req=2 \
		err_bad_op=3 err_bad_nseg=3 err_bad_segment=3 err_out_of_range=2 \
		err_grant_map=2 err_unsupported=0 err_misaligned=0 err_read_only=0 \
		err_io=0 map_ops=9 unmap_ops=7 inflight=0 persistent_grants=0
	after=$(active_grants "$domid")
	summary "grants of the guest mapped (Xen's count): $base before blkif-evil, $after after"
	check_eq "$v: no grant of the guest left mapped" "$after" "$base"
	hand_detach $v
fi

# ---- a write to a read-only disk ----
v=xvdc
lo=$(mkdisk) || { fail "no loop device"; exit 1; }
files="$files $lo"
before=$(md5sum < "$lo" | cut -d' ' -f1)
if hand_attach "$lo" $v r; then
	out=$(evil $v read-ok write read-again)
	echo "$out"
	check_eq "$v: info offered at connection (VDISK_READONLY)" \
		"$(echo "$out" | sed -n 's/^CONNECTED .* info=//p')" 4
	expect read-ok "status=0 id=echoed op=0 data=$MARK"
	expect write "status=-1 id=echoed op=1"
	expect read-again "status=0 id=echoed op=0 data=$MARK"
	check_eq "$v: one response per request" "$(echo "$out" | sed -n 's/^END //p')" \
		"sent=3 answered=3"
	stats $v requests=3 rd_req=2 wr_req=0 wr_sect=0 err_read_only=1 \
		map_ops=2 unmap_ops=2 inflight=0
	hand_detach $v
fi
check_eq "$v: data unchanged in dom0" "$(md5sum < "$lo" | cut -d' ' -f1)" "$before"

# ---- a producer index far past the ring: the ring stops, once ----
v=xvdd
lo=$(mkdisk) || { fail "no loop device"; exit 1; }
files="$files $lo"
held=
if hand_attach "$lo" $v w; then
	# blkif-evil kicks five times after publishing 1000 requests
	out=$(evil_hold $v read-ok overflow) && held=1
	echo "$out"
	expect read-ok "status=0 id=echoed op=0 data=$MARK"
	expect overflow "status=none"
	check_eq "$v: one response per request" "$(echo "$out" | sed -n 's/^END //p')" \
		"sent=1 answered=1"
	check_eq "$v: one log line for the stopped ring" "$(stopped_lines "$domid" $v)" 1
	dmesg | grep "vbd-$domid-$(vdev_devid $v): .*ring stopped"
	stats $v requests=1 inflight=0
	# proves active_grants sees the backend's mappings: the ring, no more
	[ -n "$base" ] && check_eq "$v: grants of the guest mapped now" \
		"$(active_grants "$domid")" $((base + 1))
	check_eq "$v: protocol of the connection" "$(cat "$(bk_dir $v)/connection/protocol")" x86_64
	check_eq "$v: persistent grants not negotiated" "$(cat "$(bk_dir $v)/connection/persistent")" 0
fi

# ---- the guest's other disks are still served ----
v=xvde
lo=$(mkdisk) || { fail "no loop device"; exit 1; }
files="$files $lo"
if hand_attach "$lo" $v w; then
	out=$(evil $v read-ok ind-ok)
	echo "$out"
	expect read-ok "status=0 id=echoed op=0 data=$MARK"
	expect ind-ok "status=0 id=echoed op=0 data=$MARK"
	hand_detach $v
fi
[ -n "$held" ] && check_eq "xvdd: still one log line" "$(stopped_lines "$domid" xvdd)" 1

# a grant still mapped when blkif-evil let it go would show here too
bad=$(g "dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|still in use|leaking'")
check_eq "guest kernel log clean" "$bad" ""

# ---- the guest dies with the stopped ring connected ----
guest_restart
finished=1
i=0
while ls -d /sys/bus/xen-backend/devices/vbd-$domid-* >/dev/null 2>&1 && [ $i -lt 60 ]; do
	sleep 1
	i=$((i + 1))
done
check_eq "backend devices of the destroyed guest left" \
	"$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-* 2>/dev/null | wc -l)" 0
[ -n "$held" ] && check_eq "xvdd: no more log lines" "$(stopped_lines "$domid" xvdd)" 1
lo=$(disk_loop 16)
files="$files $lo"
attach "$lo" xvdb w && check "I/O in the new guest" \
	fio_verify xvdb --rw=randwrite --bs=4k --iodepth=8 --size=2M
detach xvdb
check "the backend module unloads" back_unload
check "and loads again" back_load ours $bparams
for lo in $files; do
	f=$(cat /sys/block/${lo#/dev/}/loop/backing_file 2>/dev/null)
	check "$lo released" losetup -d "$lo"
	if [ -n "$f" ]; then
		rm -f "$f"
	fi
done
