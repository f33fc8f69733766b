# A read-only image shared by several disks (the hotplug script allows it
# in mode 'r': ISO and base images) is served to every one of them: the
# same loop device attached read-only twice to the guest, both disks read
# the same data.  And a device dom0 itself holds (here a dm-linear table
# over it, as LVM holds its physical volume) is not refused either, read
# or write: the backend opens its device as upstream's does, not
# exclusively.
MARK=xen-blk-shared-image

# gread <vdev>: the first bytes at sector 2048 of that disk, read directly
gread() {
	g "dd if=/dev/$1 bs=4096 skip=256 count=1 iflag=direct 2>/dev/null | head -c ${#MARK}"
}

# gone <vdev>: detach a disk, forcing it away if it never connected
gone() {
	if [ -n "$2" ]; then
		detach "$1"
	else
		timeout 60 xl block-detach -f $DOMU "$1" >/dev/null 2>&1
	fi
}

lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
printf '%s' "$MARK" | dd of="$lo" bs=512 seek=2048 conv=notrunc 2>/dev/null
sync

b= c=
attach "$lo" xvdb r && b=1
attach "$lo" xvdc r && c=1
for v in xvdb xvdc; do
	check_eq "$v: backend state" "$(xs_back $v state)" 4
	check_eq "$v: reads the shared image" "$(gread $v)" "$MARK"
done
summary "one image, two read-only disks: xvdb state $(xs_back xvdb state), xvdc state $(xs_back xvdc state)"
gone xvdc "$c"
gone xvdb "$b"

# dom0 holds the device: a dm table over it has it open exclusively
n=$(next_id dm)
dmsetup create lab-hold$n --noudevsync --table "0 32768 linear $lo 0" ||
	fail "dm-linear over $lo"
d=
attach "$lo" xvdd w && d=1
check_eq "xvdd (held by dm-linear in dom0): backend state" "$(xs_back xvdd state)" 4
check_eq "xvdd: reads the device" "$(gread xvdd)" "$MARK"
gone xvdd "$d"
dmsetup remove lab-hold$n || fail "dmsetup remove lab-hold$n"

f=$(cat /sys/block/${lo#/dev/}/loop/backing_file 2>/dev/null)
check "$lo released" losetup -d "$lo"
[ -n "$f" ] && rm -f "$f"
