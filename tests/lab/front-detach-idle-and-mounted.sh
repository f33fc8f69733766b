# Detach: an idle disk goes away; a mounted one is not pulled from under the
# file system (the frontend refuses/defers the close), keeps working, and
# goes away once unmounted.
dev=$(disk_loop 64) || { fail "no loop device"; exit 1; }
attach "$dev" xvdb w || exit 1
detach xvdb

dev=$(disk_loop 64) || { fail "no loop device"; exit 1; }
attach "$dev" xvdc w || exit 1
check "mkfs and mount xvdc" g 'mkfs.ext4 -q -F /dev/xvdc && mount -t ext4 /dev/xvdc /mnt && echo hello > /mnt/f && sync'
# xl waits for the backend to close; it must not manage while mounted
timeout 60 xl block-detach $DOMU xvdc
note "xl block-detach of a mounted disk returned $?"
sleep 2
check "xvdc still present while mounted" g '[ -b /dev/xvdc ]'
check "the mounted file system still reads and writes" g 'cat /mnt/f && echo again >> /mnt/f && sync && grep -q again /mnt/f'
g 'dmesg | grep -i "in use\|refusing" | tail -n 3'
check "umount xvdc" g 'umount /mnt'
# the deferred close completes once released: the frontend goes Closed by
# itself (it polls its openers every second); the disk itself goes when the
# toolstack removes the device, which xl gave up on above, so once more
xs_wait "$(fe_path xvdc)/state" 6 10 0.1
check_eq "frontend Closed within 10 s of the umount" "$(xs_front xvdc state)" 6
timeout 60 xl block-detach $DOMU xvdc
check "xvdc gone after umount and detach" g 'i=0; while [ -b /dev/xvdc ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; [ ! -b /dev/xvdc ]'
g 'dmesg | grep -i xen.blk | tail -n 5'
