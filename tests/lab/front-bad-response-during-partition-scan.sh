# A wrong answer to the partition scan's read of sector 0, while the disk is
# being added: the disk ends in error instead of stalling xenwatch (the
# scan must not wait for a lock the connect holds), a second disk still
# attaches and serves I/O, and both detach.
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
. /lab/evilback.sh
eb_setup || exit 1

if eb_start xvdb wrong-op -t 0; then
	v1=$v pid1=$pid log1=$log n1=$n0
	# 20 s for the error; a guest hung on the disk gets 40 s
	s=$(eb_wait_error xvdb 200)
	check_eq "xvdb: the disk is in error" "$s" error
	check_eq "xvdb: blkif-evilback answered the scan's read wrongly" \
		"$(grep -c '^EVIL wrong-op sector=0 ' "$log")" 1
	if [ "$s" != error ]; then
		eb_hung
	else
		check_eq "xvdb: one line about the broken protocol" \
			"$(eb_guest_log | grep -c "vbd-$devid: backend broke the protocol")" 1
	fi
	[ -n "$g_hung" ] || eb_second_disk xvdc
	v=$v1 pid=$pid1 log=$log1 n0=$n1
	if [ -z "$g_hung" ]; then
		eb_stop
		g 'dmesg | grep -i "hung task\|blocked for more" | head -n 3'
	fi
fi
eb_teardown
