# 10 xl save/restore cycles while fio writes and verifies (crc32c) in the
# guest: requests in flight at each save are taken back and completed by
# the restored domain's new backend exactly once; zero verify errors.
dev=$(disk_null 128 512) || { fail "no null_blk"; exit 1; }
attach "$dev" xvdb w || exit 1
front_fio_loop_start() { # <vdev>: fio verify runs back to back until /tmp/stop
	g "rm -f /tmp/stop /tmp/fio.fail /tmp/fio.runs; (n=0; while [ ! -f /tmp/stop ]; do
		fio --name=v --filename=/dev/$1 --direct=1 --ioengine=libaio --verify=crc32c \
			--do_verify=1 --verify_fatal=1 --rw=randwrite --bsrange=4k-256k --iodepth=16 \
			--size=16M > /tmp/fio.\$n.log 2>&1 || echo \$n >> /tmp/fio.fail; n=\$((n + 1));
		done; echo \$n > /tmp/fio.runs) >/dev/null 2>&1 &"
}
front_fio_loop_stop() {
	g 'touch /tmp/stop; i=0; while [ ! -f /tmp/fio.runs ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done; cat /tmp/fio.runs' >/dev/null
	summary "fio verify runs completed: $(g 'cat /tmp/fio.runs'), failed: $(g 'cat /tmp/fio.fail 2>/dev/null | wc -l')"
	check "fio loop finished" g '[ -f /tmp/fio.runs ]'
	check "zero fio verify failures" g 'if [ -s /tmp/fio.fail ]; then for n in $(cat /tmp/fio.fail); do tail -n 15 /tmp/fio.$n.log; done; exit 1; fi'
}
front_fio_loop_start xvdb
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
front_fio_loop_stop
summary "after restores: $(negotiated xvdb)"
g 'dmesg | grep -i xen.blk | tail -n 4'
detach xvdb
