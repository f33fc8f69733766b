// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: module entry points (skeleton).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <xen/interface/io/blkif.h>
#include <xen-blk/compat.h>

static int __init xen_blkback_init(void)
{
	pr_info("loaded (ring of %u slots per page)\n", (unsigned int)BLKIF_RING_SIZE(0));
	return 0;
}
module_init(xen_blkback_init);

static void __exit xen_blkback_exit(void)
{
	pr_info("unloaded\n");
}
module_exit(xen_blkback_exit);

MODULE_DESCRIPTION("Xen virtual block device backend (xen-blk)");
MODULE_LICENSE("GPL");
