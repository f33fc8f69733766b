# Every page our frontend grants holds only I/O data or zeros (XSA-403
# class).  With trusted=0 (bounce), persistent grants on and off, and
# indirect requests, blkif-evilback (mode scan) plays the backend, maps
# every data page and every indirect page of every request in full and
# counts the pages where a byte outside the segment is neither zero nor
# data of an earlier read of this disk (the guest writes only zeros), or
# an indirect page where a byte past the last descriptor is not zero.
# Before the I/O the guest fills most of its memory with a pattern and
# frees it, so a page that comes from the allocator unwiped shows it.
# (FRONT=ours; dom0's xen-blkback is unloaded meanwhile.)
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
back=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
fparams=$(cat $LAB_RUN/fparams)
EB=/lab/blkif-evilback
lo=$(disk_loop 64) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
check "xen-blkback unloaded" back_unload || exit 1

# the guest's memory: a pattern in 160 MiB of free pages, then freed
# again (big writes: a syscall per line is slow under TCG)
dirty_memory() {
	g 'f=/tmp/stale; yes STALE-GUEST-MEMORY | head -c 65536 > $f
	   for i in 1 2 3 4; do cat $f $f $f $f > $f.n; mv $f.n $f; done
	   for i in 1 2 3 4 5 6 7 8 9 10; do cat $f; done > $f.fill
	   rm -f $f $f.fill; echo 3 > /proc/sys/vm/drop_caches'
}

# evil_attach <mode> <options>: xvdb with blkif-evilback as its backend
# (twice at most: on a loaded host libxl may give up waiting for it)
evil_attach() {
	local try
	for try in 1 2; do
		# shellcheck disable=SC2086
		$EB $2 "$domid" "$devid" "$1" > "$log" 2>&1 &
		pid=$!
		xl block-attach $DOMU "format=raw,vdev=$v,access=w,script=lab-block,target=$lo" &&
			g "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; [ -b /dev/$v ]" >/dev/null &&
			return 0
		note "attempt $try: the disk did not attach"
		kill $pid
		wait $pid
		cat "$log"
		timeout 60 xl block-detach -f $DOMU $v
	done
	fail "$v: no attach with blkif-evilback as the backend"
	return 1
}

guest_ensure || exit 1
domid=$(cat $LAB_RUN/domid)
v=xvdb
devid=$(vdev_devid $v)
for p in 1 0; do
	check "persistent=$p: our frontend with trusted=0" \
		g "lab-front ours trusted=0 feature_persistent=$p max_indirect_segments=32"
	log=$LAB_RUN/evilback-scan-p$p.out
	bopt="-i 32"
	[ $p = 1 ] && bopt="$bopt -p"
	# before the attach too: the partition scan takes the first pages
	dirty_memory
	evil_attach scan "$bopt" || continue
	s=/sys/block/$v/device/xen-blkfront
	check_eq "persistent=$p: bounce" "$(g "cat $s/bounce")" 1
	check_eq "persistent=$p: persistent grants" "$(g "cat $s/persistent_grants")" $p
	check_eq "persistent=$p: indirect segments" "$(g "cat $s/max_indirect_segments")" 32
	dirty_memory
	# sub-page reads and writes (one 512-byte segment of a page each),
	# sixteen at a time, so that they are the first use of most slots'
	# pages (dd alone reuses one slot); then one at a time, indirect
	# requests of 32 and then of 16 descriptors, again sub-page
	g "for i in 1 2 3 4 5 6 7 8; do
		dd if=/dev/$v of=/dev/null bs=512 count=8 skip=\$((i * 2000)) iflag=direct 2>/dev/null &
		dd if=/dev/zero of=/dev/$v bs=1k count=8 seek=\$((i * 1000 + 20000)) oflag=direct 2>/dev/null &
	   done; wait"
	g "dd if=/dev/$v of=/dev/null bs=512 count=48 skip=8 iflag=direct 2>&1 | tail -n 1
	   dd if=/dev/zero of=/dev/$v bs=512 count=48 seek=4000 oflag=direct 2>&1 | tail -n 1
	   dd if=/dev/$v of=/dev/null bs=128k count=8 skip=2 iflag=direct 2>&1 | tail -n 1
	   dd if=/dev/zero of=/dev/$v bs=128k count=8 seek=20 oflag=direct 2>&1 | tail -n 1
	   dd if=/dev/$v of=/dev/null bs=64k count=16 skip=64 iflag=direct 2>&1 | tail -n 1
	   dd if=/dev/zero of=/dev/$v bs=64k count=16 seek=96 oflag=direct 2>&1 | tail -n 1
	   dd if=/dev/$v of=/dev/null bs=1k count=48 skip=3000 iflag=direct 2>&1 | tail -n 1"
	dirty_memory
	g "dd if=/dev/zero of=/dev/$v bs=512 count=48 seek=9000 oflag=direct 2>&1 | tail -n 1
	   dd if=/dev/$v of=/dev/null bs=48k count=16 skip=300 iflag=direct 2>&1 | tail -n 1"
	check_ge "persistent=$p: bounce copies" "$(g "cat $s/bounce_copies")" 1
	check_ge "persistent=$p: indirect requests" "$(g "cat $s/requests_indirect")" 1
	detach $v
	i=0
	while [ -e /proc/$pid ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
	[ -e /proc/$pid ] && kill $pid
	wait $pid
	cat "$log" | grep -v '^REQ '
	scan=$(sed -n 's/^SCAN //p' "$log")
	check_ge "persistent=$p: data pages scanned" "$(echo "$scan" | sed -n 's/^data=\([0-9]*\) .*/\1/p')" 100
	check_ge "persistent=$p: indirect pages scanned" "$(echo "$scan" | sed -n 's/.* indirect=\([0-9]*\) .*/\1/p')" 10
	check_eq "persistent=$p: granted data pages with stale bytes" "$(echo "$scan" | sed -n 's/.*dirty-data=\([0-9]*\).*/\1/p')" 0
	check_eq "persistent=$p: indirect pages with stale bytes" "$(echo "$scan" | sed -n 's/.*dirty-indirect=\([0-9]*\).*/\1/p')" 0
	summary "trusted=0 persistent=$p: $scan"
done
check "our frontend as the run loaded it" g "lab-front ours $fparams"
check "xen-blkback loads again" back_load "$back" $bparams
losetup -d "$lo"
rm -f "$file"
