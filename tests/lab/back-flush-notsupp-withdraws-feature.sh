# A backing device that answers a cache flush "not supported" makes the
# backend withdraw feature-flush-cache: the flush is answered EOPNOTSUPP,
# XenStore's feature-flush-cache becomes 0 (written from a work item, so
# that frontends connecting later do not use it) and dom0 logs it once, as
# upstream's backend does (issue 9 item 13).
#
# No real device of the lab's dom0 answers a flush that way (loop, dm-error
# and dm-flakey fail it with EIO; the block layer itself completes the
# flushes of a device without a write cache), so the disk is the lab's
# test-only device-mapper target dm-lab-noflush
# (tests/lab/tools/kmod/dm-lab-noflush.c): a write cache whose every flush
# ends BLK_STS_NOTSUPP; reads return zeros, writes are dropped; `dmsetup
# status` counts the flushes it refused.  The guest writes 64 KiB with
# O_DIRECT and fsyncs: exactly one flush reaches the device and is refused;
# the fsync succeeds (a cache that is not there has nothing to lose), the
# frontend stops sending flushes (a second fsync sends none), and the
# backend's counters say one flush, one I/O error, nothing refused by the
# backend itself.  Then the disk detaches, the dm device goes and the
# module unloads.
#
# The guest's view: upstream's frontend logs "<disk>: flush op failed"; up
# to 6.1 it also turns the queue's write cache off, from 6.12 on it keeps
# "write back" and completes later flushes itself; ours turns it off.
# Barriers are not covered here: both frontends use feature-flush-cache
# when it is offered (as ours offers both), so no barrier is ever sent; the
# unit test flush_not_supported_withdraws_feature covers the barrier case
# of the decision.
[ "$(cat $LAB_RUN/back)" = ours ] || { fail "needs BACK=ours (nothing to run with the distro backend, not a pass)"; exit 1; }
v=xvdb
KO=/lib/modules/lab/dm-lab-noflush.ko
MIB=16
mark=$(dmesg | wc -l)

# nf_stat <dm name> <key>: a counter of dm-lab-noflush's status line
nf_stat() {
	dmsetup status "$1" | sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}

# g_state [<write cache>]: in one round trip to the guest, three lines: the
# disk's queue/write_cache (after waiting up to 5 s for the value given),
# the kernel release, and how many times the frontend logged a refused flush
g_state() {
	g "i=0; while [ \"\$(cat /sys/block/$v/queue/write_cache)\" != '${1:-}' ] && [ -n '${1:-}' ] && [ \$i -lt 20 ]; do sleep 0.25; i=\$((i+1)); done; cat /sys/block/$v/queue/write_cache; uname -r; dmesg | grep -c 'blkfront: $v: flush op failed'"
}

check "dm-mod loaded" lab_modprobe dm-mod
check "dm-lab-noflush loaded" insmod $KO
name=lab-noflush$(next_id dm)
dmsetup create $name --noudevsync --table "0 $((MIB * 2048)) lab-noflush" ||
	{ fail "dmsetup create $name"; rmmod dm_lab_noflush; exit 1; }
dev=/dev/$(dmsetup info -c --noheadings -o blkdevname $name)
check_eq "$dev: dom0 sees a write cache" \
	"$(cat /sys/block/${dev#/dev/}/queue/write_cache)" "write back"

if attach "$dev" $v w; then
	summary "negotiated: $(negotiated $v)"
	check_eq "$v: feature-flush-cache offered" "$(xs_back $v feature-flush-cache)" 1
	st=$(g_state)
	check_eq "$v: the guest sees a write cache" "$(echo "$st" | sed -n 1p)" "write back"
	kver=$(echo "$st" | sed -n 2p)
	glog0=$(echo "$st" | sed -n 3p)
	front=$(cat $LAB_RUN/front)
	f0=$(bk_stat $v f_req)
	e0=$(bk_stat $v err_io)
	u0=$(bk_stat $v err_unsupported)
	s0=$(bk_stat $v wr_sect)
	nf0=$(nf_stat $name flushes)
	nw0=$(nf_stat $name writes)

	check "$v: 64 KiB O_DIRECT write and fsync in the guest succeed" \
		g "dd if=/dev/zero of=/dev/$v bs=64k count=1 oflag=direct conv=fsync 2>/dev/null"
	check_eq "$v: flushes that reached $dev and were refused" \
		"$(($(nf_stat $name flushes) - nf0))" 1
	check_ge "$v: writes that reached $dev" "$(($(nf_stat $name writes) - nw0))" 1

	# the XenStore write happens in a work item: give it 10 s by the clock
	# (a loaded dom0 makes each xenstore-read slow)
	t0=$(up)
	while [ "$(xs_back $v feature-flush-cache)" != 0 ] &&
	      [ "$(echo "$(up) $t0" | awk '{print ($1 - $2 < 10)}')" = 1 ]; do
		sleep 0.2
	done
	check_eq "$v: feature-flush-cache withdrawn in XenStore" \
		"$(xs_back $v feature-flush-cache)" 0
	summary "feature-flush-cache $(xs_back $v feature-flush-cache) after $(echo "$(up) $t0" | awk '{printf "%.1f", $1 - $2}') s;" \
		"feature-barrier $(xs_back $v feature-barrier) (only the refused feature goes, as upstream)"
	dev0=$(basename "$(bk_dir $v)")
	check_eq "$v: dom0 logged the withdrawal once" \
		"$(dmesg | tail -n +$((mark + 1)) | grep -c "$dev0: .*does not support flushes: withdrawn")" 1

	check_eq "$v: backend flush requests (f_req)" "$(($(bk_stat $v f_req) - f0))" 1
	check_eq "$v: backend I/O errors (err_io): the refused flush" \
		"$(($(bk_stat $v err_io) - e0))" 1
	check_eq "$v: requests the backend refused itself (err_unsupported)" \
		"$(($(bk_stat $v err_unsupported) - u0))" 0
	check_eq "$v: sectors written (wr_sect)" "$(($(bk_stat $v wr_sect) - s0))" 128
	check_eq "$v: nothing in flight" "$(bk_stat $v inflight)" 0

	# the guest took the refusal: no more flushes, fsync still succeeds
	wc="write through"
	[ "$front" = upstream ] && case "$kver" in 6.1.*) ;; *) wc="write back" ;; esac
	st=$(g_state "$wc")
	check_eq "$v: the guest's write cache ($front frontend, $kver)" \
		"$(echo "$st" | sed -n 1p)" "$wc"
	[ "$front" = upstream ] &&
		check_eq "$v: the guest logged the refused flush" \
			"$(($(echo "$st" | sed -n 3p) - glog0))" 1
	check "$v: a second write and fsync succeed" \
		g "dd if=/dev/zero of=/dev/$v bs=64k count=1 seek=1 oflag=direct conv=fsync 2>/dev/null"
	check_eq "$v: ... and send no flush" "$(($(bk_stat $v f_req) - f0))" 1
	check_eq "$v: ... none reached $dev" "$(($(nf_stat $name flushes) - nf0))" 1

	dir=$(bk_dir $v)
	detach $v
	i=0
	while [ -d "$dir" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	check_eq "$v: backend device released" "$(ls -d "$dir" 2>/dev/null | wc -l)" 0
fi
check "$name removed" dmsetup remove $name
check "dm-lab-noflush unloaded" rmmod dm_lab_noflush
