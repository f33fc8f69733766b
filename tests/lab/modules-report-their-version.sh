# Our modules, loaded, report the version of include/xen-blk/version.h in
# /sys/module/<name>/version, and are the very files the run was given:
# their srcversion is the one modinfo read on the host from the files put
# in the images (a build of the tree, or OURS_KO_DIR's, e.g. DKMS's).
# Needs FRONT=ours BACK=ours.
[ "$(cat $LAB_RUN/back)" = ours ] && [ "$(cat $LAB_RUN/front)" = ours ] ||
	{ fail "this scenario needs FRONT=ours BACK=ours"; exit 1; }
set -- $(grep '^xen-blkback ' /etc/ours-modinfo)
check "the host read a version of our xen-blkback" [ -n "${2:-}" ]
check_eq "dom0: /sys/module/xen_blkback/version" "$(cat /sys/module/xen_blkback/version 2>&1)" "${2:-}"
check_eq "dom0: /sys/module/xen_blkback/srcversion" "$(cat /sys/module/xen_blkback/srcversion 2>&1)" "${3:-}"
# the guest up first: its start reports on stdout
guest_ensure || { fail "the guest did not start"; exit 1; }
set -- $(grep '^xen-blkfront ' /etc/ours-modinfo)
check "the host read a version of our xen-blkfront" [ -n "${2:-}" ]
check_eq "guest: /sys/module/xen_blkfront/version" "$(g 'cat /sys/module/xen_blkfront/version' 2>&1)" "${2:-}"
check_eq "guest: /sys/module/xen_blkfront/srcversion" "$(g 'cat /sys/module/xen_blkfront/srcversion' 2>&1)" "${3:-}"
summary "ours: $(tr '\n' ' ' < /etc/ours-modinfo)"
