# A backend that answers flush and discard with EOPNOTSUPP withdraws them,
# and the queue says so: blkif-evilback offers feature-flush-cache and
# feature-discard and answers every flush and discard EOPNOTSUPP.  After
# one fsync, /sys/block/xvdb/queue/write_cache reads "write through" (the
# block layer sends no more flushes: the next fsync sends none); after one
# discard, discard_max_bytes reads 0.
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
. /lab/evilback.sh
eb_setup || exit 1
FSYNC="if=/dev/zero of=/dev/xvdb bs=4k count=1 seek=16 conv=fsync"

# q_wait <file> <value>: the queue attribute of xvdb reads <value> within
# 5 s; prints what it read last
q_wait() {
	g "i=0; while [ \"\$(cat /sys/block/xvdb/queue/$1)\" != '$2' ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i+1)); done; cat /sys/block/xvdb/queue/$1"
}

if eb_start xvdb notsupp -f -d; then
	check_eq "xvdb: write cache offered" \
		"$(g 'cat /sys/block/xvdb/queue/write_cache')" "write back"
	check_ge "xvdb: discard offered" \
		"$(g 'cat /sys/block/xvdb/queue/discard_max_bytes')" 1
	r=$(eb_gdd "$FSYNC")
	echo "xvdb: the fsync whose flush is refused: $r"
	[ "$r" = hang ] && { fail "xvdb: the fsync hangs"; eb_restart=1; }
	check_eq "xvdb: flushes refused" \
		"$(grep -c '^ANSWER op=3 .* status=-2$' "$log")" 1
	check_eq "xvdb: write cache withdrawn" "$(q_wait write_cache 'write through')" \
		"write through"
	r=$(eb_gdd "$FSYNC")
	check_eq "xvdb: the next fsync succeeds" "$(echo "$r" | head -n 1)" "rc=0"
	check_eq "xvdb: ... without a flush" "$(grep -c '^ANSWER op=3 ' "$log")" 1
	g 'fio --name=trim --filename=/dev/xvdb --ioengine=sync --rw=trim --bs=64k --size=64k > /tmp/trim.out 2>&1; echo fio rc=$?'
	check_eq "xvdb: discards refused" \
		"$(grep -c '^ANSWER op=5 .* status=-2$' "$log")" 1
	check_eq "xvdb: discard withdrawn" "$(q_wait discard_max_bytes 0)" 0
	eb_stop
fi
eb_teardown
