# A flush the backend answers with an error is an I/O error: fsync fails.
# blkif-evilback offers feature-flush-cache and answers the first flush
# RSP_ERROR.  The fsync that sent it fails; the write cache stays on (an
# error does not withdraw the feature); the next fsync sends a flush, which
# is answered OKAY, and succeeds.
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
. /lab/evilback.sh
eb_setup || exit 1
FSYNC="if=/dev/zero of=/dev/xvdb bs=4k count=1 seek=16 conv=fsync"

if eb_start xvdb flush-error -f; then
	check_eq "xvdb: write cache offered" \
		"$(g 'cat /sys/block/xvdb/queue/write_cache')" "write back"
	r=$(eb_gdd "$FSYNC")
	echo "xvdb: the fsync whose flush fails: $r"
	case "$r" in
	hang) fail "xvdb: the fsync hangs"; eb_restart=1 ;;
	rc=0*) fail "xvdb: fsync succeeded although the backend failed the flush" ;;
	*) echo "ok: xvdb: fsync fails" ;;
	esac
	check_eq "xvdb: flushes the backend failed" \
		"$(grep -c '^ANSWER op=3 .* status=-1$' "$log")" 1
	check_eq "xvdb: write cache still on" \
		"$(g 'cat /sys/block/xvdb/queue/write_cache')" "write back"
	r=$(eb_gdd "$FSYNC")
	echo "xvdb: the next fsync: $r"
	check_eq "xvdb: the next fsync succeeds" "$(echo "$r" | head -n 1)" "rc=0"
	check_eq "xvdb: ... and its flush reached the backend" \
		"$(grep -c '^ANSWER op=3 .* status=0$' "$log")" 1
	l=$(eb_guest_log)
	echo "$l" | grep -i 'flush\|xvdb' | tail -n 5
	eb_stop
fi
eb_teardown
