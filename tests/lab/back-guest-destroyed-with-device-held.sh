# The guest dies while its disk's backing device holds the writes of its
# own xen-blkfront (fio at iodepth 32 on a dm-linear disk, suspended): the
# destroy completes, the backend module refuses to unload while it holds
# them, a new guest starts and attaches, uses and detaches a disk within
# seconds; resuming the device then unmaps every grant of the dead guest,
# its domain goes away, nothing leaks, and the module unloads.
ours=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
held=
trap '[ -n "$held" ] && dmsetup resume "$held"' EXIT

since() { echo "$(up) $1" | awk '{printf "%d", $1 - $2}'; }
reqs() { echo $(($(bk_stat $1 rd_req) + $(bk_stat $1 wr_req))); }

dev=$(disk_dm_linear 64) || { fail "no dm-linear device"; exit 1; }
dm=$(cat /sys/block/${dev#/dev/}/dm/name)
attach "$dev" xvdb w || exit 1
domid=$(cat $LAB_RUN/domid)
# lines of dom0's log about this disk, new since the scenario began
logged() { dmesg | grep -c "vbd-$domid-$(vdev_devid xvdb): $1"; }
done0=$(logged "teardown done")
g 'setsid fio --name=bg --filename=/dev/xvdb --rw=randwrite --bs=4k --iodepth=32 \
	--direct=1 --ioengine=libaio --time_based --runtime=600 >/tmp/bg.out 2>&1 &
   sleep 1; echo started' >/dev/null
i=0
while [ "$(reqs xvdb)" -lt 200 ] && [ $i -lt 180 ]; do
	sleep 1
	i=$((i + 1))
done
check_ge "I/O was running on xvdb" "$(reqs xvdb)" 200
check "dmsetup suspend $dm" dmsetup suspend --noflush "$dm" && held=$dm
sleep 2
if [ "$ours" = ours ]; then
	n=$(bk_stat xvdb inflight)
	summary "device held with $n requests in flight"
	check_ge "requests the device holds" "$n" 8
fi

# ---- the guest dies ----
t0=$(up)
check "xl destroy" xl destroy $DOMU
rm -f $LAB_RUN/domid
i=0
while ls -d /sys/bus/xen-backend/devices/vbd-$domid-* >/dev/null 2>&1 && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
took=$(since "$t0")
summary "held device: guest destroyed, its backend devices gone in ${took} s"
check_eq "backend devices left after destroy" \
	"$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-* 2>/dev/null | wc -l)" 0
check_le "seconds to destroy the guest" "$took" 30

# ---- a new guest starts and uses a disk meanwhile ----
lo=$(disk_loop 16)
ok=
if check "a new guest starts" guest_start; then
	t1=$(up)
	if attach "$lo" xvdb w; then
		check "I/O in the new guest" fio_verify xvdb --rw=randwrite --bs=4k --iodepth=8 --size=1M
		detach xvdb && ok=1
	fi
	took=$(since "$t1")
	summary "held device: the new guest attached, used and detached a disk in ${took} s"
	check_le "seconds for attach, I/O and detach" "$took" 60
fi
check_eq "the new guest's disk cycle worked" "${ok:-0}" 1
# only when xenwatch is known to work: an unload blocked behind it would hang
if [ "$ours" = ours ] && [ -n "$ok" ]; then
	check "rmmod xen-blkback refused while the device holds requests" \
		sh -c '! rmmod xen_blkback 2>/dev/null'
fi

# ---- the device lets the writes go ----
check "dmsetup resume $dm" dmsetup resume "$dm" && held=
i=0
while xl list | awk 'NR > 1' | grep -qv "^Domain-0 \|^$DOMU " && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "domains left besides dom0 and the new guest" \
	"$(xl list | awk 'NR > 1' | grep -cv "^Domain-0 \|^$DOMU ")" 0
if [ "$ours" = ours ]; then
	bk_released
	check_eq "dom0 logged the end of the teardown" \
		"$(($(logged "teardown done") - done0))" 1
fi
check "the backend module unloads" back_unload
check "and loads again" back_load "$ours" $bparams
dmlo=$(ls /sys/block/${dev#/dev/}/slaves)
dmsetup remove "$dm"
losetup -d "/dev/$dmlo"
losetup -d "$lo"
