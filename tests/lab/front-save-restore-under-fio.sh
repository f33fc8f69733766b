# 10 xl save/restore cycles while fio writes and verifies (crc32c) in the
# guest: requests in flight at each save are taken back and completed by
# the restored domain's new backend exactly once; zero verify errors.
dev=$(disk_null 128 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdb w || exit 1
fio_loop_start xvdb
# stop cycling in time to judge fio within the scenario timeout (slow hosts)
t0=$(up)
i=1
while [ $i -le 10 ] && [ "$(echo "$(up) $t0" | awk '{print int($1 - $2)}')" -lt 650 ]; do
	sleep 4
	xl save $DOMU /tmp/domu.save >/tmp/xl-save.log 2>&1 || { cat /tmp/xl-save.log; fail "xl save #$i"; break; }
	xl restore /tmp/domu.save >/tmp/xl-restore.log 2>&1 || { cat /tmp/xl-restore.log; fail "xl restore #$i"; break; }
	rm -f /tmp/domu.save
	guest_domid > $LAB_RUN/domid
	check "guest answers after restore #$i" g 'true'
	i=$((i + 1))
done
check_ge "save/restore cycles done" $((i - 1)) 10
sleep 4
fio_loop_stop
summary "after restores: $(negotiated xvdb)"
g 'dmesg | grep -i xen.blk | tail -n 4'
detach xvdb
