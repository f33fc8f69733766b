# A backing device that holds its I/O (dm-linear, suspended) under a
# frontend that filled the ring with writes and then closed: the backend
# goes Closed at once and leaves the writes to end on their own, so dom0's
# xenbus keeps working meanwhile -- another disk of the guest attaches,
# serves a read and detaches within seconds, and the held disk detaches.
# Resuming the device ends the teardown: every grant of the guest is
# unmapped, nothing leaks, later attach/detach cycles of the disk to the
# same guest work, and the backend module unloads and loads again.
ours=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
# 24 bytes: blkif-evil prints that many of the page
MARK=xen-blk-stuck-device-vbd
# however this ends, the next scenario gets a guest with its xen-blkfront
finished=
held=
trap '[ -n "$held" ] && dmsetup resume "$held"; [ -n "$finished" ] || guest_restart' EXIT

since() { echo "$(up) $1" | awk '{printf "%d", $1 - $2}'; }

# bk_gone <vdev> <s>: wait up to <s> seconds until dom0 has no backend
# device for it; prints the seconds it took
bk_gone() {
	local dir t0 i=0
	dir=$(bk_dir "$1")
	t0=$(up)
	while [ -d "$dir" ] && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	since "$t0"
}

guest_ensure || exit 1
domid=$(cat $LAB_RUN/domid)
# lines of dom0's log about this disk, new since the scenario began
logged() { dmesg | grep -c "vbd-$domid-$(vdev_devid xvdb): $1"; }
waits0=$(logged "ring 0: teardown waits for 32 requests")
done0=$(logged "teardown done")
dev=$(disk_dm_linear 64) || { fail "no dm-linear device"; exit 1; }
dm=$(cat /sys/block/${dev#/dev/}/dm/name)
lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
printf '%s' "$MARK" | dd of="$lo" bs=512 seek=2048 conv=notrunc 2>/dev/null
sync

# ---- the guest becomes a frontend by hand (blkif-evil) ----
guest_hand_frontend
xl block-attach $DOMU "format=raw,vdev=xvdb,access=w,script=lab-block,target=$dev" ||
	{ fail "xl block-attach $dev as xvdb"; exit 1; }

# ---- 32 writes held by the device, then the frontend closes ----
check "dmsetup suspend $dm" dmsetup suspend --noflush "$dm" && held=$dm
out=$(g "setsid blkif-evil $(vdev_devid xvdb) fill-writes >/tmp/evil-xvdb.out 2>&1 </dev/null &
	i=0
	while ! grep -q -e '^END' -e '^blkif-evil:' /tmp/evil-xvdb.out && [ \$i -lt 600 ]; do
		sleep 0.1; i=\$((i + 1))
	done
	cat /tmp/evil-xvdb.out")
echo "$out"
t0=$(up)
check_eq "xvdb: writes answered while the device holds them" \
	"$(echo "$out" | sed -n 's/^RESULT fill-writes //p')" "sent=32 answered=0"
i=0
while [ "$(xs_back xvdb state)" != 6 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
took=$(since "$t0")
summary "held device: backend Closed ${took} s after the frontend closed"
check_eq "xvdb: backend state after the frontend closed" "$(xs_back xvdb state)" 6
check_le "xvdb: seconds until the backend closed" "$took" 10
if [ "$ours" = ours ]; then
	check_eq "xvdb: dom0 logged the teardown waiting on 32 requests" \
		"$(($(logged "ring 0: teardown waits for 32 requests") - waits0))" 1
fi

# ---- meanwhile another disk attaches, serves I/O and detaches ----
t1=$(up)
if xl block-attach $DOMU "format=raw,vdev=xvdc,access=w,script=lab-block,target=$lo"; then
	out=$(g "blkif-evil $(vdev_devid xvdc) read-ok")
	echo "$out"
	check_eq "xvdc: a read while xvdb's device is held" \
		"$(echo "$out" | sed -n 's/^RESULT read-ok //p')" "status=0 id=echoed op=0 data=$MARK"
	check_eq "xvdc: the backend closed with the frontend" \
		"$(echo "$out" | sed -n 's/^CLOSED //p')" "backend-state=6"
	check "xl block-detach xvdc" xl block-detach $DOMU xvdc
	bk_gone xvdc 30 >/dev/null
	check_eq "xvdc: backend device released" "$(ls -d "$(bk_dir xvdc)" 2>/dev/null | wc -l)" 0
else
	fail "xl block-attach of another disk while xvdb's device is held"
fi
took=$(since "$t1")
summary "held device: another disk attached, read and detached in ${took} s"
check_le "xvdc: seconds for attach, read and detach" "$took" 30

# ---- and the held disk detaches ----
t2=$(up)
check "xl block-detach xvdb while its device holds I/O" xl block-detach $DOMU xvdb
bk_gone xvdb 30 >/dev/null
check_eq "xvdb: backend device released" "$(ls -d "$(bk_dir xvdb)" 2>/dev/null | wc -l)" 0
took=$(since "$t2")
summary "held device: the held disk detached in ${took} s"
check_le "xvdb: seconds to detach" "$took" 15

# ---- the device lets its I/O go: the teardown ends ----
check "dmsetup resume $dm" dmsetup resume "$dm" && held=
if [ "$ours" = ours ]; then
	bk_released 30
	check_eq "xvdb: dom0 logged the end of the teardown" \
		"$(($(logged "teardown done") - done0))" 1
fi
check_eq "the 32 writes reached the device" \
	"$(dd if="$dev" bs=4k count=32 iflag=direct 2>/dev/null | tr -d Z | wc -c)" 0
g 'cat /tmp/evil-xvdb.out'
left=$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-* 2>/dev/null | wc -l)
check_eq "backend devices left for the guest" "$left" 0

# ---- the same guest, its xen-blkfront again: later cycles work ----
check "xen-blkfront loaded again in the guest" \
	g "lab-front $(cat $LAB_RUN/front) $(cat $LAB_RUN/fparams)"
# five cycles; two under LAB_QUICK (make check), where each costs ~20 s
cycles=5
lab_quick && cycles=2
i=0 bad=0
while [ $i -lt $cycles ]; do
	i=$((i + 1))
	attach "$dev" xvdb w || { bad=$((bad + 1)); break; }
	g "dd if=/dev/urandom of=/dev/xvdb bs=4k count=8 seek=$((100 + i)) oflag=direct 2>/dev/null &&
	   dd if=/dev/xvdb of=/dev/null bs=64k count=4 iflag=direct 2>/dev/null" >/dev/null ||
		{ fail "I/O in cycle $i"; bad=$((bad + 1)); }
	detach xvdb || { bad=$((bad + 1)); break; }
	bk_gone xvdb 10 >/dev/null
done
check_eq "later attach/detach cycles that failed" "$bad" 0
check_eq "later attach/detach cycles done" "$i" $cycles
finished=1
check "the backend module unloads" back_unload
check "and loads again" back_load "$ours" $bparams
dmlo=$(ls /sys/block/${dev#/dev/}/slaves)
dmsetup remove "$dm"
losetup -d "/dev/$dmlo"
losetup -d "$lo"
