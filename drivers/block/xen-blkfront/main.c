// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: module entry points (skeleton).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <xen/interface/io/blkif.h>
#include <xen-blk/compat.h>

static int __init xen_blkfront_init(void)
{
	pr_info("loaded (ring of %u slots per page)\n", (unsigned int)BLKIF_RING_SIZE(0));
	return 0;
}
module_init(xen_blkfront_init);

static void __exit xen_blkfront_exit(void)
{
	pr_info("unloaded\n");
}
module_exit(xen_blkfront_exit);

MODULE_DESCRIPTION("Xen virtual block device frontend (xen-blk)");
MODULE_LICENSE("GPL");
