// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: module parameters and entry points.  The module keeps the
 * in-tree driver's name, block major and xenbus device type, so it can
 * replace it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/major.h>
#include <xen/xen.h>
#include <xen-blk/version.h>
#include <xen/platform_pci.h>
#include "common.h"

unsigned int blkfront_param_max_queues = 4;
module_param_named(max_queues, blkfront_param_max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues,
		 "Maximum rings (hardware queues) per disk; also capped by the backend and online CPUs (default 4)");

unsigned int blkfront_param_poll_queues;
module_param_named(poll_queues, blkfront_param_poll_queues, uint, 0444);
MODULE_PARM_DESC(poll_queues,
		 "Rings per disk served by polling (io_uring IOPOLL), on top of max_queues, within the backend's queues and online CPUs (default 0)");

unsigned int blkfront_param_max_ring_page_order;
module_param_named(max_ring_page_order, blkfront_param_max_ring_page_order,
		   uint, 0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Maximum log2 of 4 KiB pages per ring, 0..4; also capped by the backend (default 0)");

unsigned int blkfront_param_max_indirect_segments = 32;
module_param_named(max_indirect_segments, blkfront_param_max_indirect_segments,
		   uint, 0444);
MODULE_PARM_DESC(max_indirect_segments,
		 "Maximum segments of an indirect request; also capped by the backend; 11 or less disables indirect requests (default 32)");

bool blkfront_param_feature_persistent = true;
module_param_named(feature_persistent, blkfront_param_feature_persistent,
		   bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Offer persistent grants to backends (read at each connection; default on)");

bool blkfront_param_trusted = true;
module_param_named(trusted, blkfront_param_trusted, bool, 0644);
MODULE_PARM_DESC(trusted,
		 "Trust backends with guest pages; 0 copies all data through private pages (read at each connection; default 1)");

static int __init blkfront_init(void)
{
	int err;

	if (!xen_domain() || !xen_has_pv_disk_devices())
		return -ENODEV;
	if (blkfront_param_max_ring_page_order > BLKIF_MAX_RING_PAGE_ORDER) {
		pr_info("max_ring_page_order %u too large, using %u\n",
			blkfront_param_max_ring_page_order,
			BLKIF_MAX_RING_PAGE_ORDER);
		blkfront_param_max_ring_page_order = BLKIF_MAX_RING_PAGE_ORDER;
	}
	err = register_blkdev(XENVBD_MAJOR, BLKFRONT_DEV_NAME);
	if (err) {
		pr_warn("cannot get block major %d\n", XENVBD_MAJOR);
		return -ENODEV;
	}
	err = blkfront_register();
	if (err) {
		unregister_blkdev(XENVBD_MAJOR, BLKFRONT_DEV_NAME);
		return err;
	}
	pr_info("version %s loaded: max_queues=%u poll_queues=%u max_ring_page_order=%u max_indirect_segments=%u feature_persistent=%d trusted=%d\n",
		XEN_BLK_VERSION, blkfront_param_max_queues,
		blkfront_param_poll_queues,
		blkfront_param_max_ring_page_order,
		blkfront_param_max_indirect_segments,
		blkfront_param_feature_persistent, blkfront_param_trusted);
	return 0;
}
module_init(blkfront_init);

static void __exit blkfront_exit(void)
{
	blkfront_unregister();
	unregister_blkdev(XENVBD_MAJOR, BLKFRONT_DEV_NAME);
	blkfront_minors_exit();
	pr_info("unloaded\n");
}
module_exit(blkfront_exit);

MODULE_DESCRIPTION("Xen virtual block device frontend (xen-blk)");
MODULE_LICENSE("GPL");
MODULE_VERSION(XEN_BLK_VERSION);
MODULE_ALIAS_BLOCKDEV_MAJOR(XENVBD_MAJOR);
MODULE_ALIAS("xen:vbd");
MODULE_ALIAS("xenblk");
