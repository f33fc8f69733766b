# The guest is destroyed while fio runs on two disks: dom0 releases both
# backend devices (I/O in flight completes, grants are unmapped), logs no
# warning, and the backend module unloads; a new guest then works.
ours=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
lo=$(disk_loop 64) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
nb=$(disk_null 64 4096) || { fail "no null_blk"; exit 1; }
attach "$lo" xvdb w || exit 1
attach "$nb" xvdc w || exit 1
domid=$(cat $LAB_RUN/domid)
# busybox has no nohup: setsid keeps fio apart from the agent's shell
g 'for d in xvdb xvdc; do
	setsid fio --name=bg --filename=/dev/$d --rw=randrw --bs=64k --iodepth=32 \
		--direct=1 --ioengine=libaio --time_based --runtime=600 >/tmp/bg-$d.out 2>&1 &
   done; sleep 1; echo started' >/dev/null
# fio takes a while to start under TCG: wait until the I/O really flows
# (rd_req and wr_req: both backends count them)
reqs() { echo $(($(bk_stat $1 rd_req) + $(bk_stat $1 wr_req))); }
i=0
while [ $i -lt 180 ]; do
	[ "$(reqs xvdb)" -ge 200 ] && [ "$(reqs xvdc)" -ge 200 ] && break
	sleep 1
	i=$((i + 1))
done
if [ "$ours" = ours ]; then
	summary "before destroy: xvdb inflight=$(bk_stat xvdb inflight) requests=$(bk_stat xvdb requests), xvdc inflight=$(bk_stat xvdc inflight) requests=$(bk_stat xvdc requests)"
fi
check_ge "I/O was running on xvdb" "$(reqs xvdb)" 200 || g 'tail -n 5 /tmp/bg-xvdb.out'
check_ge "I/O was running on xvdc" "$(reqs xvdc)" 200
xl destroy $DOMU
rm -f $LAB_RUN/domid
i=0
while ls -d /sys/bus/xen-backend/devices/vbd-$domid-* >/dev/null 2>&1 && [ $i -lt 60 ]; do
	sleep 1
	i=$((i + 1))
done
left=$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-* 2>/dev/null | wc -l)
check_eq "backend devices left after destroy" "$left" 0
if [ "$ours" = ours ]; then
	bk_released
fi
check "the backend module unloads" back_unload
check "and loads again" back_load "$ours" $bparams
losetup -d "$lo"
rm -f "$file"
check "a new guest starts" guest_start
lo=$(disk_loop 16)
attach "$lo" xvdb w && check "I/O in the new guest" \
	fio_verify xvdb --rw=randwrite --bs=4k --iodepth=8 --size=2M
detach xvdb
losetup -d "$lo"
