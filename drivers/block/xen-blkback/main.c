// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: module parameters and entry points.
 *
 * Parameters are read when they matter: the ones that shape the protocol
 * (queues, ring order, indirect segments, persistent grants) when the
 * backend offers its features to a frontend, so a runtime change applies
 * to the next connection; the cache limits at every upkeep pass of a ring.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <xen/xen.h>
#include <xen-blk/version.h>
#include "common.h"

unsigned int blkback_max_queues;
module_param_named(max_queues, blkback_max_queues, uint, 0644);
MODULE_PARM_DESC(max_queues,
		 "Most rings (queues) per device a frontend may use (default: number of online CPUs)");

unsigned int blkback_max_ring_page_order = BLKIF_MAX_RING_PAGE_ORDER;
module_param_named(max_ring_page_order, blkback_max_ring_page_order, uint, 0644);
MODULE_PARM_DESC(max_ring_page_order,
		 "Largest ring a frontend may use, as log2 of its pages (0-4, default 4)");

unsigned int blkback_max_indirect_segments = 256;
module_param_named(max_indirect_segments, blkback_max_indirect_segments, uint, 0644);
MODULE_PARM_DESC(max_indirect_segments,
		 "Most segments per indirect request offered (0-11 disables indirect requests; at most 512; default 256)");

unsigned int blkback_max_persistent_grants = 1056;
module_param_named(max_persistent_grants, blkback_max_persistent_grants, uint, 0644);
MODULE_PARM_DESC(max_persistent_grants,
		 "Most persistent grants kept mapped per ring (default 1056)");

unsigned int blkback_pgrant_unused_seconds = 60;
module_param_named(persistent_grant_unused_seconds, blkback_pgrant_unused_seconds,
		   uint, 0644);
MODULE_PARM_DESC(persistent_grant_unused_seconds,
		 "Unmap a persistent grant unused for this long (seconds, 0: never; default 60)");

unsigned int blkback_max_buffer_pages = 1024;
module_param_named(max_buffer_pages, blkback_max_buffer_pages, uint, 0644);
MODULE_PARM_DESC(max_buffer_pages,
		 "Most free pages kept per ring for grant mappings (default 1024; a request waiting for memory keeps the pages it maps onto, up to 513, beyond this and under memory pressure)");

unsigned int blkback_buffer_squeeze_ms = 1000;
module_param_named(buffer_squeeze_duration_ms, blkback_buffer_squeeze_ms, uint, 0644);
MODULE_PARM_DESC(buffer_squeeze_duration_ms,
		 "After dom0's memory pressure notification, keep no free pages in the rings' pools for this long (ms, 0: ignore the notification; default 1000)");

bool blkback_feature_persistent = true;
module_param_named(feature_persistent, blkback_feature_persistent, bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Offer persistent grants to frontends (default on)");

int blkback_log_stats;
module_param_named(log_stats, blkback_log_stats, int, 0644);
MODULE_PARM_DESC(log_stats,
		 "Log each ring's counters every 10 seconds when non-zero (default 0)");

/* Discards, which wait for the device, away from the rings' threads. */
struct workqueue_struct *blkback_discard_wq;

/* Rings whose frontend went, answering what completes (never waits). */
struct workqueue_struct *blkback_teardown_wq;

static int __init blkback_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	if (!blkback_max_queues)
		blkback_max_queues = num_online_cpus();
	blkback_discard_wq = alloc_workqueue("xen-blkback-discard",
					     WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	blkback_teardown_wq = alloc_workqueue("xen-blkback-teardown",
					      WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!blkback_discard_wq || !blkback_teardown_wq) {
		err = -ENOMEM;
		goto fail;
	}
	err = blkback_xenbus_init();
	if (!err)
		return 0;
	pr_err("registering the vbd backend failed (%d)\n", err);
fail:
	if (blkback_teardown_wq)
		destroy_workqueue(blkback_teardown_wq);
	if (blkback_discard_wq)
		destroy_workqueue(blkback_discard_wq);
	return err;
}
module_init(blkback_init);

static void __exit blkback_exit(void)
{
	/* every device released and every teardown ended */
	blkback_xenbus_exit();
	destroy_workqueue(blkback_teardown_wq);
	destroy_workqueue(blkback_discard_wq);
}
module_exit(blkback_exit);

MODULE_DESCRIPTION("Xen virtual block device backend (xen-blk)");
MODULE_LICENSE("GPL");
MODULE_VERSION(XEN_BLK_VERSION);
MODULE_ALIAS("xen-backend:vbd");
