# Our two modules load and unload in dom0 and in the guest with nothing
# attached, and the kernel logs no warning (the runner checks dmesg of both).
# Runs with no disk attached: it swaps the loaded modules.
back=$(cat $LAB_RUN/back)
bparams=$(cat $LAB_RUN/bparams)
front=$(cat $LAB_RUN/front)
fparams=$(cat $LAB_RUN/fparams)

# dom0: our backend in place of whatever the run loaded, then back again
check "unload the run's xen-blkback" back_unload
check "insmod our xen-blkback in dom0" insmod /lib/modules/ours/xen-blkback.ko
check "our xen-blkback is listed" mod_loaded xen_blkback
check "rmmod our xen-blkback in dom0" rmmod xen_blkback
check "xen-blkback is gone" sh -c '! [ -d /sys/module/xen_blkback ]'
check "insmod our xen-blkfront in dom0" insmod /lib/modules/ours/xen-blkfront.ko
check "rmmod our xen-blkfront in dom0" rmmod xen_blkfront
check "reload the run's xen-blkback ($back)" back_load "$back" $bparams

# guest: our frontend in place of the run's, then back again
check "guest: insmod our xen-blkfront" g 'lab-front ours && [ -d /sys/module/xen_blkfront ]'
check "guest: rmmod our xen-blkfront" g 'rmmod xen_blkfront && [ ! -d /sys/module/xen_blkfront ]'
check "guest: reload the run's xen-blkfront ($front)" g "lab-front $front $fparams"
g 'dmesg | grep -i xen.blk | tail -n 8'
