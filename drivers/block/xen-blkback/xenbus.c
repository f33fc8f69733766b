// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: the control plane.  A xenbus backend driver for "vbd"
 * devices: it waits for the hotplug script to name the physical device,
 * offers its features, reads what the frontend chose, maps the rings,
 * starts one thread per ring and tells the frontend about the disk; and
 * tears all of it down again when the frontend closes, the guest dies, the
 * device is detached or the module unloads.
 *
 * Every state change runs in the xenwatch thread, serialized; be->lock
 * only keeps sysfs readers away from rings being set up or freed.  Nothing
 * in it waits for the backing device: a connection whose requests are still
 * in flight when the frontend goes is torn down by the ring's reap work
 * (blkback.c) when they end, holding the device (and the module) until
 * then.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/events.h>
#include <xen/page.h>
#include "common.h"
#include "trace.h"

/* Connections being torn down, everywhere: module exit waits for them. */
static atomic_t blkback_teardowns = ATOMIC_INIT(0);

/* ------------------------------------------------------------------ */
/* What we offer                                                       */
/* ------------------------------------------------------------------ */

static int blkback_write_uint(struct blkback_dev *be,
			      struct xenbus_transaction xbt,
			      const char *key, unsigned int val)
{
	int err = xenbus_printf(xbt, be->xdev->nodename, key, "%u", val);

	if (err)
		dev_warn(&be->xdev->dev, "writing %s/%s failed (%d)\n",
			 be->xdev->nodename, key, err);
	return err;
}

/* A blkback_transact() body's answer: end the transaction, write nothing. */
#define BLKBACK_XS_SKIP 1

/*
 * Run @body inside one XenStore transaction, from the start again for as
 * long as XenStore answers the commit with -EAGAIN (another writer came
 * in between).  @body returns 0 to commit, BLKBACK_XS_SKIP to end without
 * writing, or a negative errno, which aborts and is returned.
 */
static int blkback_transact(struct blkback_dev *be,
			    int (*body)(struct blkback_dev *be,
					struct xenbus_transaction xbt,
					void *arg),
			    void *arg)
{
	struct xenbus_transaction xbt;
	int err;

	do {
		err = xenbus_transaction_start(&xbt);
		if (err)
			return err;
		err = body(be, xbt, arg);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			return err == BLKBACK_XS_SKIP ? 0 : err;
		}
		err = xenbus_transaction_end(xbt, 0);
	} while (err == -EAGAIN);
	return err;
}

/*
 * Offer what the module parameters allow now.  The values are latched: the
 * connection is negotiated against what the frontend was told, even if a
 * parameter changes in between; a change applies to the next connection.
 */
static void blkback_write_offer(struct blkback_dev *be)
{
	unsigned int indirect = READ_ONCE(blkback_max_indirect_segments);
	const char *node = be->xdev->nodename;

	be->offer_queues = max(READ_ONCE(blkback_max_queues), 1U);
	be->offer_ring_order = min_t(unsigned int,
				     READ_ONCE(blkback_max_ring_page_order),
				     min(BLKIF_MAX_RING_PAGE_ORDER,
					 XENBUS_MAX_RING_GRANT_ORDER));
	be->offer_indirect = indirect <= BLKIF_MAX_SEGMENTS_PER_REQUEST ? 0 :
			     min(indirect, BLKBACK_MAX_INDIRECT_SEGMENTS);
	be->offer_persistent = READ_ONCE(blkback_feature_persistent);

	if (be->offer_indirect)
		blkback_write_uint(be, XBT_NIL,
				   BLKIF_KEY_FEATURE_MAX_INDIRECT_SEGMENTS,
				   be->offer_indirect);
	else
		xenbus_rm(XBT_NIL, node, BLKIF_KEY_FEATURE_MAX_INDIRECT_SEGMENTS);
	blkback_write_uint(be, XBT_NIL, BLKIF_KEY_MULTI_QUEUE_MAX_QUEUES,
			   be->offer_queues);
	blkback_write_uint(be, XBT_NIL, BLKIF_KEY_MAX_RING_PAGE_ORDER,
			   be->offer_ring_order);
	blkback_write_uint(be, XBT_NIL, BLKIF_KEY_FEATURE_PERSISTENT,
			   be->offer_persistent);
}

static int blkback_device_features_body(struct blkback_dev *be,
					struct xenbus_transaction xbt,
					void *arg)
{
	struct block_device *bdev = be->bdev.bdev;
	bool flush = be->flush && !be->readonly;

	/* a key that cannot be written is logged and left out */
	blkback_write_uint(be, xbt, BLKIF_KEY_FEATURE_FLUSH_CACHE, flush);
	blkback_write_uint(be, xbt, BLKIF_KEY_FEATURE_BARRIER, flush);
	if (be->discard) {
		blkback_write_uint(be, xbt, BLKIF_KEY_DISCARD_GRANULARITY,
				   bdev_discard_granularity(bdev));
		blkback_write_uint(be, xbt, BLKIF_KEY_DISCARD_ALIGNMENT,
				   bdev_discard_alignment(bdev));
		blkback_write_uint(be, xbt, BLKIF_KEY_DISCARD_SECURE,
				   be->discard_secure);
	}
	blkback_write_uint(be, xbt, BLKIF_KEY_FEATURE_DISCARD, be->discard);
	return 0;
}

/* What the device can do, once it is open. */
static void blkback_write_device_features(struct blkback_dev *be)
{
	int err = blkback_transact(be, blkback_device_features_body, NULL);

	if (err)
		dev_warn(&be->xdev->dev, "writing the device's features failed (%d)\n",
			 err);
}

static int blkback_withdraw_body(struct blkback_dev *be,
				 struct xenbus_transaction xbt, void *arg)
{
	unsigned long gone = *(unsigned long *)arg;
	unsigned int state;
	int err = 0;

	/* the device's directory is gone: nothing to withdraw from */
	if (xenbus_scanf(xbt, be->xdev->nodename, "state", "%u", &state) != 1)
		return BLKBACK_XS_SKIP;
	if (gone & BIT(BLKBACK_FEATURE_FLUSH))
		err = blkback_write_uint(be, xbt, BLKIF_KEY_FEATURE_FLUSH_CACHE, 0);
	if (!err && (gone & BIT(BLKBACK_FEATURE_BARRIER)))
		err = blkback_write_uint(be, xbt, BLKIF_KEY_FEATURE_BARRIER, 0);
	return err;
}

/* Write the withdrawn features as 0, unless the device is gone. */
static void blkback_withdraw_work(struct work_struct *work)
{
	struct blkback_dev *be = container_of(work, struct blkback_dev,
					      withdraw_work);
	unsigned long gone = READ_ONCE(be->withdrawn);
	int err = blkback_transact(be, blkback_withdraw_body, &gone);

	if (err)
		dev_warn(&be->xdev->dev, "withdrawing features failed (%d)\n",
			 err);
}

/**
 * blkback_withdraw_feature() - the device does not support what we offered
 * @be: the device
 * @f: the feature it refused (a flush or a barrier answered "not supported")
 *
 * The feature is written as 0 in XenStore, as upstream does, so that
 * frontends connecting from now on do not use it.  Called from bio
 * completion: the XenStore write happens in a work item.
 */
void blkback_withdraw_feature(struct blkback_dev *be, enum blkback_feature f)
{
	if (test_and_set_bit(f, &be->withdrawn))
		return;
	dev_warn(&be->xdev->dev, "domain %u: the device does not support %s: withdrawn\n",
		 be->domid, f == BLKBACK_FEATURE_BARRIER ? "barriers" : "flushes");
	schedule_work(&be->withdraw_work);
}

/* ------------------------------------------------------------------ */
/* The backing device                                                  */
/* ------------------------------------------------------------------ */

static bool blkback_frontend_is_cdrom(struct blkback_dev *be)
{
	char *type = xenbus_read(XBT_NIL, be->xdev->otherend,
				 BLKIF_KEY_DEVICE_TYPE, NULL);
	bool cdrom;

	if (IS_ERR(type))
		return false;
	cdrom = !strcmp(type, "cdrom");
	kfree(type);
	return cdrom;
}

static int blkback_open_device(struct blkback_dev *be, unsigned int major,
			       unsigned int minor)
{
	struct xenbus_device *xdev = be->xdev;
	struct block_device *bdev;
	char *mode;
	int err;

	mode = xenbus_read(XBT_NIL, xdev->nodename, BLKIF_KEY_MODE, NULL);
	if (IS_ERR(mode)) {
		err = PTR_ERR(mode);
		xenbus_dev_fatal(xdev, err, "reading %s/%s", xdev->nodename,
				 BLKIF_KEY_MODE);
		return err;
	}
	be->readonly = !strchr(mode, 'w');
	err = xen_blk_bdev_open(&be->bdev, MKDEV(major, minor), !be->readonly);
	if (err) {
		xenbus_dev_fatal(xdev, err, "opening device %x:%x", major, minor);
		kfree(mode);
		return err;
	}
	be->mode = mode;
	be->major = major;
	be->minor = minor;

	bdev = be->bdev.bdev;
	be->nr_sectors = bdev_nr_sectors(bdev);
	be->lbs = bdev_logical_block_size(bdev);
	be->flush = bdev_write_cache(bdev);
	be->discard = bdev_max_discard_sectors(bdev) &&
		      xenbus_read_unsigned(xdev->nodename,
					   BLKIF_KEY_DISCARD_ENABLE, 1);
	be->discard_secure = be->discard &&
			     bdev_max_secure_erase_sectors(bdev);
	be->vdisk_info = be->readonly ? VDISK_READONLY : 0;
	if (blkback_frontend_is_cdrom(be) || disk_to_cdi(bdev->bd_disk))
		be->vdisk_info |= VDISK_CDROM;
	if (bdev->bd_disk->flags & GENHD_FL_REMOVABLE)
		be->vdisk_info |= VDISK_REMOVABLE;

	dev_info(&xdev->dev,
		 "domain %u: serving %x:%x (%s, %llu sectors, %u-byte blocks%s%s)\n",
		 be->domid, major, minor, be->readonly ? "ro" : "rw",
		 be->nr_sectors, be->lbs, be->flush ? ", flush" : "",
		 be->discard ? ", discard" : "");
	return 0;
}

static void blkback_close_device(struct blkback_dev *be)
{
	xen_blk_bdev_close(&be->bdev);
	kfree(be->mode);
	be->mode = NULL;
}

/* ------------------------------------------------------------------ */
/* Rings                                                               */
/* ------------------------------------------------------------------ */

static int blkback_read_protocol(struct blkback_dev *be)
{
	struct xenbus_device *xdev = be->xdev;
	char *proto;

	proto = xenbus_read(XBT_NIL, xdev->otherend, BLKIF_KEY_PROTOCOL, NULL);
	if (IS_ERR(proto)) {
		be->abi = BLKBACK_ABI_NATIVE;
		return 0;
	}
	if (!strcmp(proto, BLKIF_PROTOCOL_X86_32)) {
		be->abi = BLKBACK_ABI_X86_32;
	} else if (!strcmp(proto, BLKIF_PROTOCOL_X86_64)) {
		be->abi = BLKBACK_ABI_X86_64;
	} else {
		xenbus_dev_fatal(xdev, -EINVAL, "unknown protocol %.32s", proto);
		kfree(proto);
		return -EINVAL;
	}
	kfree(proto);
	return 0;
}

/* Ring size: ring-page-order, else the legacy num-ring-pages, else 1. */
static int blkback_read_ring_order(struct blkback_dev *be, bool *multi)
{
	struct xenbus_device *xdev = be->xdev;
	unsigned int order, pages;

	if (xenbus_scanf(XBT_NIL, xdev->otherend, BLKIF_KEY_RING_PAGE_ORDER,
			 "%u", &order) == 1) {
		*multi = true;
	} else {
		pages = xenbus_read_unsigned(xdev->otherend,
					     BLKIF_KEY_NUM_RING_PAGES, 0);
		*multi = pages != 0;
		if (pages && !is_power_of_2(pages)) {
			xenbus_dev_fatal(xdev, -EINVAL, "%u ring pages", pages);
			return -EINVAL;
		}
		order = pages ? ilog2(pages) : 0;
	}
	if (order > be->offer_ring_order) {
		xenbus_dev_fatal(xdev, -EINVAL,
				 "ring page order %u above the %u offered",
				 order, be->offer_ring_order);
		return -EINVAL;
	}
	be->ring_order = order;
	return 0;
}

static int blkback_read_ring_refs(struct blkback_dev *be, const char *dir,
				  bool multi, grant_ref_t *refs)
{
	unsigned int i, n = 1U << be->ring_order;
	char key[BLKIF_KEY_MAX_LEN];

	for (i = 0; i < n; i++) {
		if (multi)
			snprintf(key, sizeof(key), BLKIF_KEY_RING_REF_FMT, i);
		else
			strscpy(key, BLKIF_KEY_RING_REF, sizeof(key));
		if (xenbus_scanf(XBT_NIL, dir, key, "%u", &refs[i]) == 1)
			continue;
		/* a one-page ring may be named either way */
		if (n == 1 && xenbus_scanf(XBT_NIL, dir, multi ?
					   BLKIF_KEY_RING_REF : "ring-ref0",
					   "%u", &refs[i]) == 1)
			continue;
		xenbus_dev_fatal(be->xdev, -EINVAL, "reading %s/%s", dir, key);
		return -EINVAL;
	}
	return 0;
}

/* Attach our view of the shared ring at the current response index. */
static int blkback_attach_ring(struct blkback_ring *ring, unsigned int size)
{
	struct blkback_common_sring *shared = ring->sring;
	RING_IDX rsp_prod = READ_ONCE(shared->rsp_prod);
	RING_IDX req_prod = READ_ONCE(shared->req_prod);

	switch (ring->be->abi) {
	case BLKBACK_ABI_X86_32:
		BACK_RING_ATTACH(&ring->br.x86_32,
				 (struct blkif_x86_32_sring *)ring->sring,
				 rsp_prod, size);
		break;
	case BLKBACK_ABI_X86_64:
		BACK_RING_ATTACH(&ring->br.x86_64,
				 (struct blkif_x86_64_sring *)ring->sring,
				 rsp_prod, size);
		break;
	default:
		BACK_RING_ATTACH(&ring->br.native,
				 (struct blkif_sring *)ring->sring,
				 rsp_prod, size);
		break;
	}
	if (req_prod - rsp_prod > RING_SIZE(&ring->br.common))
		return -EPROTO;
	return 0;
}

static int blkback_setup_ring(struct blkback_ring *ring, const char *dir,
			      bool multi)
{
	struct blkback_dev *be = ring->be;
	struct xenbus_device *xdev = be->xdev;
	unsigned int n = 1U << be->ring_order;
	grant_ref_t refs[BLKIF_MAX_RING_PAGES];
	unsigned int evtchn;
	int err;

	if (xenbus_scanf(XBT_NIL, dir, BLKIF_KEY_EVENT_CHANNEL, "%u",
			 &evtchn) != 1) {
		xenbus_dev_fatal(xdev, -EINVAL, "reading %s/%s", dir,
				 BLKIF_KEY_EVENT_CHANNEL);
		return -EINVAL;
	}
	err = blkback_read_ring_refs(be, dir, multi, refs);
	if (err)
		return err;

	err = xenbus_map_ring_valloc(xdev, refs, n, &ring->sring);
	if (err) {
		ring->sring = NULL;
		xenbus_dev_fatal(xdev, err, "mapping ring %u", ring->idx);
		return err;
	}
	err = blkback_attach_ring(ring, XEN_PAGE_SIZE * n);
	if (err) {
		xenbus_dev_fatal(xdev, err, "ring %u holds more requests than slots",
				 ring->idx);
		return err;
	}
	err = blkback_ring_alloc_reqs(ring, RING_SIZE(&ring->br.common),
				      max(be->max_indirect,
					  (unsigned int)BLKIF_MAX_SEGMENTS_PER_REQUEST));
	if (err) {
		xenbus_dev_fatal(xdev, err, "allocating ring %u", ring->idx);
		return err;
	}
	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(xdev, evtchn,
							    blkback_ring_interrupt,
							    0, "blkif-backend",
							    ring);
	if (err < 0) {
		xenbus_dev_fatal(xdev, err, "binding event channel %u", evtchn);
		return err;
	}
	ring->irq = err;
	return 0;
}

static void blkback_init_ring(struct blkback_dev *be, unsigned int idx)
{
	struct blkback_ring *ring = &be->rings[idx];

	ring->be = be;
	ring->conn = be->conn;
	ring->idx = idx;
	ring->abi = be->abi;
	ring->persistent = be->persistent;
	init_waitqueue_head(&ring->wq);
	spin_lock_init(&ring->done_lock);
	INIT_LIST_HEAD(&ring->done);
	INIT_LIST_HEAD(&ring->free);
	atomic_set(&ring->inflight, 0);
	blkback_grants_init(ring);
}

static void blkback_dev_put(struct blkback_dev *be)
{
	struct xenbus_device *xdev = be->xdev;

	if (!refcount_dec_and_test(&be->refs))
		return;
	/* no I/O left that could withdraw a feature */
	cancel_work_sync(&be->withdraw_work);
	blkback_close_device(be);
	dev_info(&xdev->dev, "domain %u: released\n", be->domid);
	kfree(be);
}

/* A ring of the connection is released; the last one frees it. */
static void blkback_conn_put(struct blkback_conn *conn)
{
	struct blkback_dev *be = conn->be;
	struct xenbus_device *xdev = be->xdev;
	unsigned int i;
	bool held;

	if (!atomic_dec_and_test(&conn->busy))
		return;
	held = conn->held;	/* set before the disconnecting put */
	mutex_lock(&be->lock);
	for (i = 0; i < conn->nr_rings; i++)
		blkback_stats_add(&be->closed, &conn->rings[i].stats);
	mutex_unlock(&be->lock);
	kfree(conn);
	if (held)
		dev_info(&xdev->dev, "teardown done: the backing device ended the requests it held\n");
	/* the frontend may connect again from here on */
	blkback_dev_put(be);
	put_device(&xdev->dev);
	if (atomic_dec_and_test(&blkback_teardowns))
		wake_up_var(&blkback_teardowns);
	/* last: module exit cannot begin before it */
	if (held)
		module_put(THIS_MODULE);
}

/**
 * blkback_ring_release() - unmap and free a ring with nothing in flight
 * @ring: a retired ring (blkback_ring_retire()), from its reap work
 *
 * The last ring of a connection frees the connection and drops its
 * references on the device.
 */
void blkback_ring_release(struct blkback_ring *ring)
{
	struct blkback_conn *conn = ring->conn;

	if (ring->irq)
		unbind_from_irqhandler(ring->irq, ring);
	ring->irq = 0;
	if (ring->sring)
		xenbus_unmap_ring_vfree(conn->be->xdev, ring->sring);
	ring->sring = NULL;
	blkback_grants_free(ring);
	blkback_ring_free_reqs(ring);
	blkback_conn_put(conn);
}

/*
 * Stop the threads and let the rings go.  Rings with nothing in flight are
 * unmapped and freed before this returns; a ring whose requests the backing
 * device still holds stays mapped, with its grants, until they end -- the
 * frontend is told Closed meanwhile, as no thread reads its ring any more.
 */
static void blkback_disconnect(struct blkback_dev *be)
{
	struct blkback_conn *conn = be->conn;
	unsigned int i;

	if (!conn)
		return;
	for (i = 0; i < conn->nr_rings; i++) {
		struct blkback_ring *ring = &conn->rings[i];

		/* the thread returns without waiting for the device */
		if (ring->task)
			kthread_stop(ring->task);
		ring->task = NULL;
	}
	mutex_lock(&be->lock);
	be->conn = NULL;
	be->rings = NULL;
	be->nr_rings = 0;
	be->running = false;
	mutex_unlock(&be->lock);

	refcount_inc(&be->refs);
	get_device(&be->xdev->dev);
	atomic_inc(&blkback_teardowns);
	atomic_set(&conn->busy, conn->nr_rings + 1);
	for (i = 0; i < conn->nr_rings; i++)
		blkback_ring_retire(&conn->rings[i]);
	/* the reap work never waits for the device: this returns soon */
	for (i = 0; i < conn->nr_rings; i++) {
		struct blkback_ring *ring = &conn->rings[i];
		int left;

		flush_work(&ring->reap);
		left = atomic_read(&ring->inflight);
		if (left) {
			dev_warn(&be->xdev->dev,
				 "ring %u: teardown waits for %d requests in flight on the backing device\n",
				 ring->idx, left);
			if (!conn->held)
				__module_get(THIS_MODULE);
			conn->held = true;
		}
	}
	blkback_conn_put(conn);
}

/* Read the frontend's choices and map its rings. */
static int blkback_setup_rings(struct blkback_dev *be)
{
	struct xenbus_device *xdev = be->xdev;
	unsigned int i, nr;
	bool multi;
	int err;

	err = blkback_read_protocol(be);
	if (err)
		return err;
	err = blkback_read_ring_order(be, &multi);
	if (err)
		return err;
	nr = xenbus_read_unsigned(xdev->otherend,
				  BLKIF_KEY_MULTI_QUEUE_NUM_QUEUES, 1);
	if (!nr || nr > be->offer_queues) {
		xenbus_dev_fatal(xdev, -EINVAL, "%u queues requested, %u offered",
				 nr, be->offer_queues);
		return -EINVAL;
	}
	be->persistent = be->offer_persistent &&
			 xenbus_read_unsigned(xdev->otherend,
					      BLKIF_KEY_FEATURE_PERSISTENT, 0);
	be->max_indirect = be->offer_indirect;

	mutex_lock(&be->lock);
	be->conn = kzalloc(struct_size(be->conn, rings, nr), GFP_KERNEL);
	if (be->conn) {
		be->conn->nr_rings = nr;
		be->conn->be = be;
		be->rings = be->conn->rings;
		be->nr_rings = nr;
		for (i = 0; i < nr; i++)
			blkback_init_ring(be, i);
	}
	mutex_unlock(&be->lock);
	if (!be->conn)
		return -ENOMEM;

	for (i = 0; i < nr; i++) {
		char *dir = (char *)xdev->otherend;

		if (nr > 1) {
			dir = kasprintf(GFP_KERNEL, "%s/" BLKIF_KEY_QUEUE_FMT,
					xdev->otherend, i);
			if (!dir)
				return -ENOMEM;
		}
		err = blkback_setup_ring(&be->rings[i], dir, multi);
		if (nr > 1)
			kfree(dir);
		if (err)
			return err;
	}
	dev_info(&xdev->dev,
		 "domain %u: %u ring(s) of %u page(s), %s ABI, persistent grants %s, indirect segments %u\n",
		 be->domid, nr, 1U << be->ring_order,
		 be->abi == BLKBACK_ABI_X86_32 ? "x86_32" :
		 be->abi == BLKBACK_ABI_X86_64 ? "x86_64" : "native",
		 be->persistent ? "on" : "off", be->max_indirect);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connecting                                                          */
/* ------------------------------------------------------------------ */

static int blkback_disk_body(struct blkback_dev *be,
			     struct xenbus_transaction xbt, void *arg)
{
	struct block_device *bdev = be->bdev.bdev;
	int err;

	err = xenbus_printf(xbt, be->xdev->nodename, BLKIF_KEY_SECTORS, "%llu",
			    be->nr_sectors);
	err = err ?: blkback_write_uint(be, xbt, BLKIF_KEY_INFO, be->vdisk_info);
	err = err ?: blkback_write_uint(be, xbt, BLKIF_KEY_SECTOR_SIZE, be->lbs);
	err = err ?: blkback_write_uint(be, xbt, BLKIF_KEY_PHYSICAL_SECTOR_SIZE,
					bdev_physical_block_size(bdev));
	err = err ?: blkback_write_uint(be, xbt, BLKIF_KEY_FEATURE_PERSISTENT,
					be->persistent);
	return err;
}

static int blkback_write_disk(struct blkback_dev *be)
{
	return blkback_transact(be, blkback_disk_body, NULL);
}

static int blkback_resize_body(struct blkback_dev *be,
			       struct xenbus_transaction xbt, void *arg)
{
	const char *node = be->xdev->nodename;
	unsigned int state;
	int err;

	/* not connected (any more): the frontend reads the size at connect */
	if (xenbus_scanf(xbt, node, "state", "%u", &state) != 1 ||
	    state != XenbusStateConnected)
		return BLKBACK_XS_SKIP;
	err = xenbus_printf(xbt, node, BLKIF_KEY_SECTORS, "%llu",
			    *(u64 *)arg);
	return err ?: xenbus_printf(xbt, node, "state", "%d",
				    XenbusStateConnected);
}

/**
 * blkback_check_resize() - follow a change in the backing device's size
 * @be: a device being served, from the thread of its first ring
 *
 * The new size applies to the requests that follow at once; the frontend
 * learns it from "sectors" and from the state key written as Connected
 * again, both in one transaction that gives up if the device is no longer
 * Connected (the frontend's watch on our state then sees the change).
 */
void blkback_check_resize(struct blkback_dev *be)
{
	u64 old = READ_ONCE(be->nr_sectors);
	u64 now = bdev_nr_sectors(be->bdev.bdev);
	int err;

	if (now == old)
		return;
	WRITE_ONCE(be->nr_sectors, now);
	dev_info(&be->xdev->dev, "domain %u: device resized from %llu to %llu sectors\n",
		 be->domid, old, now);
	err = blkback_transact(be, blkback_resize_body, &now);
	if (err)
		dev_warn(&be->xdev->dev, "announcing the new size failed (%d)\n",
			 err);
}

/* Once both the device and the rings are there: serve, and say so. */
static void blkback_maybe_connect(struct blkback_dev *be)
{
	struct xenbus_device *xdev = be->xdev;
	unsigned int i;
	int err;

	if (!be->rings || !be->bdev.bdev || be->running ||
	    xdev->state == XenbusStateConnected)
		return;

	/*
	 * What dom0 may have cached of the device must be on it first; then
	 * the cache goes, or dom0 would read stale data once the guest wrote.
	 */
	err = sync_blockdev(be->bdev.bdev);
	if (err) {
		xenbus_dev_fatal(xdev, err, "syncing device");
		return;
	}
	err = xen_blk_bdev_invalidate(&be->bdev);
	if (err)
		dev_warn(&xdev->dev, "dropping dom0's page cache of the device (%d)\n",
			 err);
	/*
	 * A give-up for want of memory was an earlier connection's: this one
	 * starts with the whole wait.  No thread of that connection is left
	 * to set it again: blkback_disconnect() stopped them all before these
	 * rings were set up, and their reap work never touches it.
	 */
	WRITE_ONCE(be->nomem_gave_up, false);
	for (i = 0; i < be->nr_rings; i++) {
		struct blkback_ring *ring = &be->rings[i];
		struct task_struct *t;

		t = kthread_run(blkback_ring_thread, ring, "blkback.%u.%u",
				be->domid, i);
		if (IS_ERR(t)) {
			xenbus_dev_fatal(xdev, PTR_ERR(t), "starting ring %u", i);
			blkback_disconnect(be);
			return;
		}
		ring->task = t;
	}
	be->running = true;

	err = blkback_write_disk(be);
	if (err) {
		xenbus_dev_fatal(xdev, err, "writing disk details");
		blkback_disconnect(be);
		return;
	}
	err = xenbus_switch_state(xdev, XenbusStateConnected);
	if (err)
		xenbus_dev_fatal(xdev, err, "switching to Connected");
}

/* The hotplug script wrote (or rewrote) physical-device. */
static void blkback_physdev_changed(struct xenbus_watch *watch,
				    const char *path, const char *token)
{
	struct blkback_dev *be = container_of(watch, struct blkback_dev, watch);
	struct xenbus_device *xdev = be->xdev;
	unsigned int major, minor;
	int err;

	err = xenbus_scanf(XBT_NIL, xdev->nodename, BLKIF_KEY_PHYSICAL_DEVICE,
			   "%x:%x", &major, &minor);
	if (XENBUS_EXIST_ERR(err))
		return;	/* the watch fires once at once; the script comes later */
	if (err != 2) {
		xenbus_dev_fatal(xdev, err, "reading %s/%s", xdev->nodename,
				 BLKIF_KEY_PHYSICAL_DEVICE);
		return;
	}
	if (be->bdev.bdev) {
		if (be->major != major || be->minor != minor)
			dev_warn(&xdev->dev,
				 "cannot switch from device %x:%x to %x:%x\n",
				 be->major, be->minor, major, minor);
		return;
	}

	if (blkback_open_device(be, major, minor))
		return;
	err = blkback_sysfs_add(be);
	if (err) {
		xenbus_dev_fatal(xdev, err, "creating sysfs files");
		blkback_close_device(be);
		return;
	}
	be->sysfs_added = true;
	blkback_write_device_features(be);
	blkback_maybe_connect(be);
}

static void blkback_frontend_changed(struct xenbus_device *xdev,
				     enum xenbus_state state)
{
	struct blkback_dev *be = dev_get_drvdata(&xdev->dev);

	dev_dbg(&xdev->dev, "frontend %s, backend %s\n",
		xenbus_strstate(state), xenbus_strstate(xdev->state));
	trace_blkback_state_change(dev_name(&xdev->dev), xdev->state, state);

	switch (state) {
	case XenbusStateInitialising:
		if (xdev->state == XenbusStateClosed) {
			dev_info(&xdev->dev, "domain %u: frontend reconnecting\n",
				 be->domid);
			blkback_write_offer(be);
			xenbus_switch_state(xdev, XenbusStateInitWait);
		}
		break;

	case XenbusStateInitialised:
	case XenbusStateConnected:
		/* two quick watches may show Connected without Initialised */
		if (xdev->state == XenbusStateConnected)
			break;
		blkback_disconnect(be);
		/*
		 * Writes of an earlier connection still held by the backing
		 * device would land after the new connection's writes to the
		 * same sectors: refuse until the device ended them (a
		 * reference beyond the xenbus device's is such a teardown's).
		 */
		if (refcount_read(&be->refs) > 1) {
			xenbus_dev_fatal(xdev, -EBUSY,
					 "pending I/O of the previous connection");
			break;
		}
		if (blkback_setup_rings(be)) {
			blkback_disconnect(be);
			break;
		}
		blkback_maybe_connect(be);
		break;

	case XenbusStateClosing:
		xenbus_switch_state(xdev, XenbusStateClosing);
		break;

	case XenbusStateClosed:
		blkback_disconnect(be);
		xenbus_switch_state(xdev, XenbusStateClosed);
		if (xenbus_dev_is_online(xdev))
			break;
		fallthrough;
	case XenbusStateUnknown:
		/* the frontend is gone for good: so is this device */
		device_unregister(&xdev->dev);
		break;

	default:
		xenbus_dev_fatal(xdev, -EINVAL, "frontend in state %d", state);
		break;
	}
}

static void blkback_remove(struct xenbus_device *xdev)
{
	struct blkback_dev *be = dev_get_drvdata(&xdev->dev);

	if (!be)
		return;
	if (be->watching) {
		unregister_xenbus_watch(&be->watch);
		kfree(be->watch.node);
		be->watching = false;
	}
	if (be->sysfs_added)
		blkback_sysfs_remove(be);
	be->sysfs_added = false;
	blkback_disconnect(be);
	dev_set_drvdata(&xdev->dev, NULL);
	/* a teardown still waiting for the device keeps it open */
	blkback_dev_put(be);
}

static int blkback_probe(struct xenbus_device *xdev,
			 const struct xenbus_device_id *id)
{
	struct blkback_dev *be;
	int err;

	be = kzalloc(sizeof(*be), GFP_KERNEL);
	if (!be) {
		xenbus_dev_fatal(xdev, -ENOMEM, "allocating backend");
		return -ENOMEM;
	}
	be->xdev = xdev;
	refcount_set(&be->refs, 1);
	be->domid = xdev->otherend_id;
	mutex_init(&be->lock);
	INIT_WORK(&be->withdraw_work, blkback_withdraw_work);
	dev_set_drvdata(&xdev->dev, be);

	blkback_write_offer(be);
	err = xenbus_watch_pathfmt(xdev, &be->watch, NULL,
				   blkback_physdev_changed, "%s/%s",
				   xdev->nodename, BLKIF_KEY_PHYSICAL_DEVICE);
	if (err)
		goto fail;
	be->watching = true;
	err = xenbus_switch_state(xdev, XenbusStateInitWait);
	if (err)
		goto fail;
	return 0;

fail:
	blkback_remove(xdev);
	return err;
}

/*
 * Memory is short: empty the page pools for buffer_squeeze_duration_ms.
 * The sequence number makes every ring's next upkeep empty its pool even
 * when the window closes first (a ring's thread may sleep 100 ms).
 */
static void blkback_reclaim_memory(struct xenbus_device *xdev)
{
	struct blkback_dev *be = dev_get_drvdata(&xdev->dev);
	unsigned int ms = READ_ONCE(blkback_buffer_squeeze_ms);

	if (!be || !ms)
		return;
	WRITE_ONCE(be->squeeze_until, jiffies + msecs_to_jiffies(ms));
	atomic_inc(&be->squeeze_seq);
}

static const struct xenbus_device_id blkback_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver blkback_driver = {
	.ids = blkback_ids,
	.probe = blkback_probe,
	.remove = blkback_remove,
	.otherend_changed = blkback_frontend_changed,
	.allow_rebind = true,
	.reclaim_memory = blkback_reclaim_memory,
	.driver = {
		.groups = blkback_driver_groups,
	},
};

/**
 * blkback_xenbus_init() - register the "vbd" backend driver
 *
 * Return: 0 or a negative errno.
 */
int blkback_xenbus_init(void)
{
	return xenbus_register_backend(&blkback_driver);
}

/**
 * blkback_xenbus_exit() - unregister it, releasing every device
 *
 * Waits for the teardowns whose backing device still holds requests: their
 * completions run this module's code.
 */
void blkback_xenbus_exit(void)
{
	xenbus_unregister_driver(&blkback_driver);
	if (atomic_read(&blkback_teardowns))
		pr_warn("waiting for %d devices to end the requests they hold\n",
			atomic_read(&blkback_teardowns));
	wait_var_event(&blkback_teardowns, !atomic_read(&blkback_teardowns));
}
