# A request held during connect: in direct mode (trusted=1, a backend
# without persistent grants) blkif-evilback (keep-mapped) answers the
# partition scan's read of sector 0 OKAY but keeps its page mapped for
# 8 s.  The frontend holds that read until it can revoke the grant; the
# retry must not wait for the lock the connect holds while it waits for
# that read.  Once the backend lets go the attach ends with the disk in
# error, a second disk still attaches and serves I/O, and both detach.
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
. /lab/evilback.sh
eb_setup || exit 1
fparams=$(cat $LAB_RUN/fparams)
check "our frontend, trusted=1" g "lab-front ours trusted=1"

if eb_start xvdb keep-mapped -t 0; then
	v1=$v pid1=$pid log1=$log n1=$n0
	# 25 s for the error (the page is kept 8 s); a hung guest gets 40 s
	s=$(eb_wait_error xvdb 250)
	check_eq "xvdb: the disk is in error" "$s" error
	check_eq "xvdb: blkif-evilback kept the scan's page mapped" \
		"$(grep -c '^KEPT id=[0-9]* sector=0$' "$log")" 1
	if [ "$s" = error ]; then
		# the scan's read ended: the disk's add finished
		r=$(G_TIMEOUT=40 g "i=0; while ! grep -q ' xvdb\$' /proc/partitions && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i+1)); done; grep -c ' xvdb\$' /proc/partitions")
		check_eq "xvdb: the disk was added" "$r" 1
		check_eq "xvdb: direct mode (no bounce)" \
			"$(G_TIMEOUT=40 g 'cat /sys/block/xvdb/device/xen-blkfront/bounce')" 0
		check_eq "xvdb: one line about the broken protocol" \
			"$(eb_guest_log | grep -c "vbd-$devid: backend broke the protocol")" 1
	else
		eb_hung
		cat "$log"
	fi
	[ -n "$g_hung" ] || eb_second_disk xvdc
	v=$v1 pid=$pid1 log=$log1 n0=$n1
	if [ -z "$g_hung" ]; then
		eb_stop
		check_eq "xvdb: blkif-evilback let go of the page" \
			"$(grep -c '^RELEASED ' "$log")" 1
		check_eq "no hung task in the guest" \
			"$(g 'dmesg | grep -c "hung task\|blocked for more"')" 0
	fi
fi
[ -n "$g_hung" ] || check "our frontend as the run loaded it" g "lab-front ours $fparams"
eb_teardown
