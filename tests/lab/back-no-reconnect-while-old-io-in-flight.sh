# A frontend that closed while its backing device (dm-linear, suspended)
# holds the 32 writes it filled the ring with, and then connects again to
# the same vbd (Closed -> Initialising -> Initialised, as after kexec or a
# reload of the frontend): the backend must not connect it while the old
# writes are still in flight -- they would reach the disk after the new
# connection's writes to the same sectors.  Once the device lets the old
# writes go and the teardown ended, the frontend connects again, writes
# sector 0 and reads it back, and the disk holds what it wrote.
ours=$(cat $LAB_RUN/back)
# 24 bytes: FIRST_TEXT of blkif-evil, written at sector 0 by "write-first"
MARK=xen-blk-new-connection-0
finished=
held=
trap '[ -n "$held" ] && dmsetup resume "$held"; [ -n "$finished" ] || guest_restart' EXIT

guest_ensure || exit 1
domid=$(cat $LAB_RUN/domid)
devid=$(vdev_devid xvdb)
logged() { dmesg | grep -c "vbd-$domid-$devid: $1"; }
done0=$(logged "teardown done")
dev=$(disk_dm_linear 16) || { fail "no dm-linear device"; exit 1; }
dm=$(cat /sys/block/${dev#/dev/}/dm/name)

guest_hand_frontend
xl block-attach $DOMU "format=raw,vdev=xvdb,access=w,script=lab-block,target=$dev" ||
	{ fail "xl block-attach $dev as xvdb"; exit 1; }

# ---- 32 writes (sectors 0-255) held by the device, the frontend closes ----
check "dmsetup suspend $dm" dmsetup suspend --noflush "$dm" && held=$dm
out=$(g "setsid blkif-evil $devid fill-writes >/tmp/evil-xvdb.out 2>&1 </dev/null &
	i=0
	while ! grep -q -e '^CLOSED' -e '^blkif-evil:' /tmp/evil-xvdb.out && [ \$i -lt 600 ]; do
		sleep 0.1; i=\$((i + 1))
	done
	cat /tmp/evil-xvdb.out")
echo "$out"
check_eq "writes answered while the device holds them" \
	"$(echo "$out" | sed -n 's/^RESULT fill-writes //p')" "sent=32 answered=0"
check_eq "backend closed with the frontend" \
	"$(echo "$out" | sed -n 's/^CLOSED //p')" "backend-state=6"

# ---- the frontend connects again while the old writes are held ----
out=$(g "blkif-evil -r $devid write-first 2>&1")
echo "$out"
check_eq "new connections accepted while the old writes are held" \
	"$(echo "$out" | grep -c '^CONNECTED')" 0
check_eq "new writes sent while the old writes are held" \
	"$(echo "$out" | grep -c '^RESULT write-first')" 0
summary "reconnect while held: $(echo "$out" | grep -e '^REFUSED' -e '^CONNECTED' -e '^RESULT' | tr '\n' ' ')"

# ---- the device lets the old writes go: the frontend connects again ----
check "dmsetup resume $dm" dmsetup resume "$dm" && held=
if [ "$ours" = ours ]; then
	i=0
	while [ "$(logged "teardown done")" = "$done0" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "dom0 logged the end of the old connection's teardown" \
		"$(($(logged "teardown done") - done0))" 1
fi
out=$(g "blkif-evil -r $devid write-first read-first 2>&1")
echo "$out"
check_eq "reconnect after the old writes ended" \
	"$(echo "$out" | grep -c '^CONNECTED')" 1
check_eq "write over the new connection" \
	"$(echo "$out" | sed -n 's/^RESULT write-first //p')" "status=0 id=echoed op=1 data=$MARK"
check_eq "read back over the new connection" \
	"$(echo "$out" | sed -n 's/^RESULT read-first //p')" "status=0 id=echoed op=0 data=$MARK"
check_eq "backend closed with the frontend" \
	"$(echo "$out" | sed -n 's/^CLOSED //p')" "backend-state=6"
# no old write may land after the new one
sleep 1
check_eq "what the disk holds at sector 0" \
	"$(dd if="$dev" bs=512 count=1 iflag=direct 2>/dev/null | head -c 24)" "$MARK"
check_eq "the old writes reached sectors 8-255" \
	"$(dd if="$dev" bs=4k skip=1 count=31 iflag=direct 2>/dev/null | tr -d Z | wc -c)" 0

# ---- the guest gets its xen-blkfront back ----
check "xl block-detach xvdb" xl block-detach $DOMU xvdb
i=0
while [ -d "$(bk_dir xvdb)" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "backend device released" "$(ls -d "$(bk_dir xvdb)" 2>/dev/null | wc -l)" 0
check "xen-blkfront loaded again in the guest" \
	g "lab-front $(cat $LAB_RUN/front) $(cat $LAB_RUN/fparams)"
finished=1
dmlo=$(ls /sys/block/${dev#/dev/}/slaves)
dmsetup remove "$dm"
losetup -d "/dev/$dmlo"
