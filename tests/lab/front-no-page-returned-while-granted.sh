# A guest page goes back to its owner only after its grant is revoked
# (XSA-396 class).  In direct mode (trusted=1, a backend without
# persistent grants) blkif-evilback (mode keep-mapped) answers an O_DIRECT
# read OKAY but keeps the read's page mapped for 8 s and writes a marker
# into it every 10 ms.  The frontend must not end that read while the
# page is mapped: once read() has returned (with an error: the backend
# broke the protocol), the buffer of the guest's process
# (/lab/odirect-stable) must not change any more.  The device is stopped
# with one log line, and the disk detaches cleanly.
# (FRONT=ours; dom0's xen-blkback is unloaded meanwhile.)
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
back=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
fparams=$(cat $LAB_RUN/fparams)
EB=/lab/blkif-evilback
TRIGGER=32768
lo=$(disk_loop 64) || { fail "no loop device"; exit 1; }
file=$(cat /sys/block/${lo#/dev/}/loop/backing_file)
check "xen-blkback unloaded" back_unload || exit 1
guest_ensure || exit 1
check "our frontend, trusted=1" g "lab-front ours trusted=1"
domid=$(cat $LAB_RUN/domid)
v=xvdb
devid=$(vdev_devid $v)
log=$LAB_RUN/evilback-keep-mapped.out
n0=$(g 'dmesg | wc -l')
# twice at most: on a loaded host libxl may give up waiting for it
for try in 1 2; do
	$EB -t $TRIGGER "$domid" "$devid" keep-mapped > "$log" 2>&1 &
	pid=$!
	attached=
	xl block-attach $DOMU "format=raw,vdev=$v,access=w,script=lab-block,target=$lo" &&
		g "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; [ -b /dev/$v ]" >/dev/null &&
		attached=1 && break
	note "attempt $try: the disk did not attach"
	kill $pid
	wait $pid
	cat "$log"
	timeout 60 xl block-detach -f $DOMU $v
done
[ -n "$attached" ] || fail "$v: no attach with blkif-evilback as the backend"
if [ -n "$attached" ]; then
	s=/sys/block/$v/device/xen-blkfront
	check_eq "direct mode (no bounce)" "$(g "cat $s/bounce")" 0
	# in the background, so that a read that never ends cannot block the
	# agent; the buffer is watched for 5 s after read() returned
	r=$(g "rm -f /tmp/ods.out
	       (/lab/odirect-stable /dev/$v $((TRIGGER * 512)) 5000 > /tmp/ods.out 2>&1; echo done >> /tmp/ods.out) &
	       i=0
	       while ! grep -q '^done' /tmp/ods.out 2>/dev/null && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
	       cat /tmp/ods.out")
	echo "$r"
	echo "$r" | grep -q '^done' || fail "the read or the watch did not end in 60 s"
	case "$(echo "$r" | sed -n 's/^READ rc=\([-0-9]*\) .*/\1/p')" in
	-1) echo "ok: the read failed (the backend broke the protocol)" ;;
	*) fail "the read did not fail: $(echo "$r" | grep '^READ')" ;;
	esac
	check_eq "the buffer did not change after read() returned" \
		"$(echo "$r" | grep -E '^(STABLE|CHANGED)')" STABLE
	l=$(g "dmesg | tail -n +$((n0 + 1))")
	lines=$(echo "$l" | grep "vbd-$devid: backend broke the protocol")
	echo "$lines"
	check_eq "one line about the broken protocol" "$(echo "$lines" | grep -c .)" 1
	detach $v
fi
i=0
while [ -e /proc/$pid ] && [ "$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)" != Z ] && [ $i -lt 150 ]; do
	sleep 0.2
	i=$((i + 1))
done
kill $pid 2>/dev/null
wait $pid
grep -v '^REQ ' "$log"
check_eq "blkif-evilback kept the page mapped" "$(grep -c '^KEPT ' "$log")" 1
check_ge "blkif-evilback wrote into the page after answering" \
	"$(sed -n 's/^RELEASED writes=\([0-9]*\)/\1/p' "$log")" 10
summary "keep-mapped: $(echo "$r" | grep -E '^(READ|STABLE|CHANGED)' | tr '\n' ' ')"
check "our frontend as the run loaded it" g "lab-front ours $fparams"
check "xen-blkback loads again" back_load "$back" $bparams
losetup -d "$lo"
rm -f "$file"
