# On the lab's debug kernel (KVER=6.12-debug), BACK=ours: one allocation
# made from xen-blkback's code fails while a disk attaches (failslab with
# its stack filter on the module), a little later in the attach each round
# (scripts/lab/dom0/attach-fault.sh).  Each round the disk either connects
# anyway and serves verified I/O, or does not connect and the failure is
# reported; nothing hangs or oopses (the runner reads both kernel logs); the
# next connection, without the fault, attaches and serves verified I/O; at
# the end the backend holds no grant.  kmemleak at the end of the boot
# (debug-checkers-find-nothing-in-blkif-drivers) checks that nothing leaked.
. /lab/attach-fault.sh
af_require back
dev=$(disk_loop 16) || { fail "no loop device"; exit 1; }
attach_fault_rounds dom0 xen_blkback "$dev"
bk_released
check_ge "rounds whose attach failed (and recovered)" "$AF_FAILED" 1
summary "xen-blkback allocation failure at attach: $AF_ROUNDS rounds, $AF_FAILED attaches failed and recovered"
losetup -d "$dev" 2>/dev/null
