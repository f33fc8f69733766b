# 50 attach / detach cycles of the same disk (10 on the debug kernel, where
# a cycle takes 20 s instead of 4, and 5 there under LAB_QUICK, in make
# check's debug boot, where kmemleak still sees a leak of any one cycle;
# the guest reads and writes every fifth time): every cycle connects, every detach releases the backend device,
# and afterwards no backend device is left, the backend module unloads and
# loads again cleanly (the runner checks dmesg for warnings).
ours=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
case "$(uname -r)" in
*-debug)
	N=10
	lab_quick && N=5
	N=${BACK_CYCLES:-$N} ;;
*) N=${BACK_CYCLES:-50} ;;
esac
lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
guest_ensure || exit 1
domid=$(cat $LAB_RUN/domid)
i=0 bad=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	attach "$lo" xvdb w || { bad=$((bad + 1)); break; }
	# I/O every fifth cycle keeps the scenario within its time under TCG
	if [ $((i % 5)) -eq 1 ]; then
		g "dd if=/dev/urandom of=/dev/xvdb bs=4k count=8 seek=$i oflag=direct 2>/dev/null &&
		   dd if=/dev/xvdb of=/dev/null bs=64k count=4 iflag=direct 2>/dev/null" >/dev/null ||
			{ fail "I/O in cycle $i"; bad=$((bad + 1)); }
		if [ "$ours" = ours ]; then
			pool=$(bk_stat xvdb pool_pages) rings=$(cat $(bk_dir xvdb)/connection/nr_rings)
			cap=$(($(cat /sys/module/xen_blkback/parameters/max_buffer_pages) * rings))
			[ "$pool" -le "$cap" ] || { fail "cycle $i: $pool pool pages, cap $cap"; bad=$((bad + 1)); }
		fi
	fi
	detach xvdb || { bad=$((bad + 1)); break; }
	[ $((i % 10)) -eq 0 ] && note "cycle $i done at $(up) s"
	if [ -d "/sys/bus/xen-backend/devices/vbd-$domid-$(vdev_devid xvdb)" ]; then
		# the toolstack may take a moment to remove the backend
		sleep 1
	fi
done
check_eq "cycles done" "$i" "$N"
check_eq "failed cycles" "$bad" 0
sleep 2
left=$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-* 2>/dev/null | wc -l)
check_eq "backend devices left for the guest" "$left" 0
if [ "$ours" = ours ]; then
	bk_released
fi
check "the backend module unloads" back_unload
check "and loads again" back_load "$ours" $bparams
losetup -d "$lo"
rm -f "$file"
