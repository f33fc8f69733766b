# buffer_squeeze_duration_ms, with upstream's name and meaning: dom0's
# memory pressure notification (the xenbus backend shrinker, which
# drop_caches=2 runs) empties the rings' page pools, also when the window
# is shorter than a ring's upkeep interval; 0 ignores the notification.
# Without persistent grants every request maps onto pool pages, so reads
# leave the pool holding pages.  Needs BACK=ours.
[ "$(cat $LAB_RUN/back)" = ours ] || { fail "this scenario needs BACK=ours"; exit 1; }
P=/sys/module/xen_blkback/parameters
save_p=$(cat $P/feature_persistent) save_s=$(cat $P/buffer_squeeze_duration_ms)
lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
echo N > $P/feature_persistent
attach "$lo" xvdb w || exit 1
check_eq "no persistent grants" "$(cat $(bk_dir xvdb)/connection/persistent)" 0

# reads through the disk; prints the pages left in its pool
fill() {
	g 'dd if=/dev/xvdb of=/dev/null bs=1M count=8 iflag=direct 2>/dev/null' >/dev/null
	bk_stat xvdb pool_pages
}
pressure() { echo 2 > /proc/sys/vm/drop_caches; sleep 1; }

# 0: ignored (the pool empties on its own only after 10 s without requests)
echo 0 > $P/buffer_squeeze_duration_ms
check_ge "reads leave pages in the pool" "$(fill)" 1
pressure
check_ge "buffer_squeeze_duration_ms=0: the pool keeps its pages" "$(bk_stat xvdb pool_pages)" 1

# 1 ms: ends long before the ring's next upkeep (100 ms), empties it anyway
echo 1 > $P/buffer_squeeze_duration_ms
check_ge "reads leave pages in the pool" "$(fill)" 1
pressure
check_eq "buffer_squeeze_duration_ms=1: the pool is emptied" "$(bk_stat xvdb pool_pages)" 0
check_ge "after the window, reads fill the pool again" "$(fill)" 1

# the default, 1000 ms
echo 1000 > $P/buffer_squeeze_duration_ms
pressure
check_eq "buffer_squeeze_duration_ms=1000: the pool is emptied" "$(bk_stat xvdb pool_pages)" 0
check "I/O works after the squeeze" fio_verify xvdb --rw=randwrite --bs=64k --iodepth=8 --size=4M
summary "pool pages after reads, squeeze 0/1/1000 ms: kept/emptied/emptied"

detach xvdb
echo "$save_p" > $P/feature_persistent
echo "$save_s" > $P/buffer_squeeze_duration_ms
losetup -d "$lo"
rm -f "$file"
