# Growing the backing device while attached: the backend announces the new
# size and the guest's disk follows online, data intact.
dev=$(disk_loop 64) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${dev#/dev/}/loop/backing_file)
attach "$dev" xvdb w || exit 1
check_eq "initial size (sectors)" "$(g 'cat /sys/block/xvdb/size')" $((64 * 2048))
check "write a pattern" fio_verify xvdb --rw=write --bs=64k --size=8M
dd if=/dev/zero of="$file" bs=1M count=0 seek=96 2>/dev/null
losetup -c "$dev"
g 'i=0; while [ "$(cat /sys/block/xvdb/size)" = 131072 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done' >/dev/null
check_eq "size after growing the backing device" "$(g 'cat /sys/block/xvdb/size')" $((96 * 2048))
check "I/O beyond the old end" fio_verify xvdb --rw=randwrite --bs=4k --offset=64M --size=2M
g 'dmesg | grep -i "capacity" | tail -n 2'
detach xvdb
