# A protocol violation while removal waits for the backend to answer what
# is in flight: the wait ends at once (the request fails), the disk goes
# away without waiting out the 10 s for unanswered requests (the line
# "backend left N request(s) unanswered" is not logged), and nothing runs on
# the freed device afterwards.
# blkif-evilback holds a read; a forced detach removes the device; when
# blkif-evilback sees it go it answers the held read with a bad id.
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
. /lab/evilback.sh
eb_setup || exit 1

if eb_start xvdb drain-violate; then
	g "rm -f /tmp/gdd.rc; (dd if=/dev/xvdb of=/dev/null bs=4k count=1 skip=4096 iflag=direct 2>/dev/null; echo \$? > /tmp/gdd.rc) &"
	i=0
	while ! grep -q '^HOLD ' "$log" && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	check_eq "xvdb: blkif-evilback holds the read" "$(grep -c '^HOLD ' "$log")" 1
	t0=$(up)
	timeout 60 xl block-detach -f $DOMU xvdb
	eb_gone
	t=$(awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%d", b - a }')
	eb_wait_end
	check_eq "xvdb: blkif-evilback answered wrongly during the drain" \
		"$(grep -c '^EVIL drain-violate ' "$log")" 1
	r=$(g 'i=0; while [ ! -s /tmp/gdd.rc ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; cat /tmp/gdd.rc')
	check_ge "xvdb: the held read failed" "${r:-0}" 1
	l=$(eb_guest_log)
	echo "$l" | grep "vbd-$devid" | tail -n 5
	check_eq "xvdb: removal stopped waiting at the violation" \
		"$(echo "$l" | grep -c 'request(s) unanswered')" 0
	check_eq "xvdb: the frontend saw the violation" \
		"$(echo "$l" | grep -c "vbd-$devid: backend broke the protocol")" 1
	summary "violation during the drain: the disk went $t s after the forced detach"
fi
eb_teardown
