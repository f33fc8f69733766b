/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API calls of xen-blkfront and xen-blkback that differ between
 * kernels, behind helpers, so that the drivers read the same for every
 * kernel and never test its version.  The drivers are also maintained out
 * of tree, for Debian 12's Linux 6.1 and 6.12, where each helper has one
 * body per kernel in one header for both; in the kernel tree each driver
 * has its own copy, with the current kernel's bodies of its own helpers.
 */

#ifndef XEN_BLK_COMPAT_H
#define XEN_BLK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/crash_dump.h>
#include <linux/blk-mq.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/pagemap.h>

/* XEN_BLK_KERNEL_6_12 (0 or 1) comes from the drivers' Makefiles. */
#ifndef XEN_BLK_KERNEL_6_12
#error "XEN_BLK_KERNEL_6_12 must be set by the build"
#endif

/* ------------------------------------------------------------------ */
/* Opening a block device by number (backend)                          */
/* ------------------------------------------------------------------ */

/**
 * struct xen_blk_bdev - an opened block device, whatever the kernel's handle
 * @bdev: the block device
 * @handle: what must be handed back to close it (a file on 6.12)
 * @write: opened for writing
 */
struct xen_blk_bdev {
	struct block_device *bdev;
#if XEN_BLK_KERNEL_6_12
	struct file *handle;
#endif
	bool write;
};

/**
 * xen_blk_bdev_open() - open a block device, shared
 * @xb: filled in on success
 * @devt: device number
 * @write: open for writing as well as reading
 *
 * Not exclusive, as upstream's backend opens it: several disks may serve
 * one read-only image, and a device dom0 holds itself (a mounted file
 * system, a device-mapper table over it) is served too.  Keeping writers
 * apart is the hotplug script's business (it refuses to share a device in
 * mode 'w').
 *
 * Return: 0 or a negative errno.
 */
static inline int xen_blk_bdev_open(struct xen_blk_bdev *xb, dev_t devt,
				    bool write)
{
#if XEN_BLK_KERNEL_6_12
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);
	struct file *f = bdev_file_open_by_dev(devt, mode, NULL, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	xb->handle = f;
	xb->bdev = file_bdev(f);
#else
	fmode_t mode = FMODE_READ | (write ? FMODE_WRITE : 0);
	struct block_device *b = blkdev_get_by_dev(devt, mode, NULL);

	if (IS_ERR(b))
		return PTR_ERR(b);
	xb->bdev = b;
#endif
	xb->write = write;
	return 0;
}

/**
 * xen_blk_bdev_close() - release what xen_blk_bdev_open() opened
 * @xb: the opened device; cleared on return
 */
static inline void xen_blk_bdev_close(struct xen_blk_bdev *xb)
{
	if (!xb->bdev)
		return;
#if XEN_BLK_KERNEL_6_12
	fput(xb->handle);
	xb->handle = NULL;
#else
	blkdev_put(xb->bdev, FMODE_READ | (xb->write ? FMODE_WRITE : 0));
#endif
	xb->bdev = NULL;
}

/**
 * xen_blk_bdev_invalidate() - drop dom0's page cache of an opened device
 * @xb: the opened device (written back by the caller first)
 *
 * Return: 0, or -EBUSY when some page could not be dropped.
 */
static inline int xen_blk_bdev_invalidate(struct xen_blk_bdev *xb)
{
#if XEN_BLK_KERNEL_6_12
	return invalidate_inode_pages2(xb->handle->f_mapping);
#else
	return invalidate_inode_pages2(xb->bdev->bd_inode->i_mapping);
#endif
}

/* ------------------------------------------------------------------ */
/* Frontend (xen-blkfront): disk allocation and queue limits          */
/* ------------------------------------------------------------------ */

/**
 * struct xen_blk_front_limits - what the frontend negotiated, kernel-neutral
 * @logical_block_size: bytes
 * @physical_block_size: bytes
 * @max_hw_sectors: 512-byte sectors per request
 * @max_segments: segments per request
 * @max_segment_size: bytes per segment
 * @seg_boundary_mask: segments never cross this boundary
 * @dma_alignment: buffer address alignment mask
 * @max_discard_sectors: 0 when discard is off
 * @discard_granularity: bytes (0: leave the default)
 * @discard_alignment: bytes
 * @max_secure_erase_sectors: 0 when secure erase is off
 * @write_cache: the device has a volatile cache (flushes are sent)
 * @fua: the device honours forced unit access
 */
struct xen_blk_front_limits {
	unsigned int logical_block_size;
	unsigned int physical_block_size;
	unsigned int max_hw_sectors;
	unsigned int max_segments;
	unsigned int max_segment_size;
	unsigned long seg_boundary_mask;
	unsigned int dma_alignment;
	unsigned int max_discard_sectors;
	unsigned int discard_granularity;
	unsigned int discard_alignment;
	unsigned int max_secure_erase_sectors;
	bool write_cache;
	bool fua;
};

#if XEN_BLK_KERNEL_6_12
static inline void xen_blk_front_fill_limits(struct queue_limits *lim,
					     const struct xen_blk_front_limits *l)
{
	lim->logical_block_size = l->logical_block_size;
	lim->physical_block_size = l->physical_block_size;
	lim->max_hw_sectors = l->max_hw_sectors;
	lim->max_segments = l->max_segments;
	lim->max_segment_size = l->max_segment_size;
	lim->seg_boundary_mask = l->seg_boundary_mask;
	lim->dma_alignment = l->dma_alignment;
	lim->max_hw_discard_sectors = l->max_discard_sectors;
	if (l->discard_granularity)
		lim->discard_granularity = l->discard_granularity;
	lim->discard_alignment = l->discard_alignment;
	lim->max_secure_erase_sectors = l->max_secure_erase_sectors;
	lim->features &= ~(BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA);
	if (l->write_cache)
		lim->features |= BLK_FEAT_WRITE_CACHE;
	if (l->fua)
		lim->features |= BLK_FEAT_FUA;
}
#else
static inline void xen_blk_front_set_limits(struct request_queue *q,
					    const struct xen_blk_front_limits *l)
{
	blk_queue_logical_block_size(q, l->logical_block_size);
	blk_queue_physical_block_size(q, l->physical_block_size);
	blk_queue_max_hw_sectors(q, l->max_hw_sectors);
	blk_queue_max_segments(q, l->max_segments);
	blk_queue_max_segment_size(q, l->max_segment_size);
	blk_queue_segment_boundary(q, l->seg_boundary_mask);
	blk_queue_dma_alignment(q, l->dma_alignment);
	blk_queue_max_discard_sectors(q, l->max_discard_sectors);
	if (l->discard_granularity)
		q->limits.discard_granularity = l->discard_granularity;
	q->limits.discard_alignment = l->discard_alignment;
	blk_queue_max_secure_erase_sectors(q, l->max_secure_erase_sectors);
	blk_queue_write_cache(q, l->write_cache, l->fua);
}
#endif

/**
 * xen_blk_front_alloc_disk() - allocate a blk-mq disk with these limits
 * @set: initialised tag set
 * @l: limits
 * @queuedata: the queue's private data
 *
 * Return: the disk or an ERR_PTR.
 */
static inline struct gendisk *
xen_blk_front_alloc_disk(struct blk_mq_tag_set *set,
			 const struct xen_blk_front_limits *l, void *queuedata)
{
#if XEN_BLK_KERNEL_6_12
	struct queue_limits lim = {};

	xen_blk_front_fill_limits(&lim, l);
	return blk_mq_alloc_disk(set, &lim, queuedata);
#else
	struct gendisk *gd = blk_mq_alloc_disk(set, queuedata);

	if (!IS_ERR(gd))
		xen_blk_front_set_limits(gd->queue, l);
	return gd;
#endif
}

/**
 * xen_blk_front_update_limits() - apply new limits to a live queue
 * @q: the queue (quiesced by the caller)
 * @l: limits
 *
 * Return: 0 or a negative errno.
 */
static inline int xen_blk_front_update_limits(struct request_queue *q,
					      const struct xen_blk_front_limits *l)
{
#if XEN_BLK_KERNEL_6_12
	struct queue_limits lim = queue_limits_start_update(q);

	xen_blk_front_fill_limits(&lim, l);
	return queue_limits_commit_update(q, &lim);
#else
	xen_blk_front_set_limits(q, l);
	return 0;
#endif
}

/* ------------------------------------------------------------------ */
/* Frontend: the requests of a plug, for .queue_rqs                    */
/* ------------------------------------------------------------------ */

/*
 * What .queue_rqs is handed: the plug's requests, linked by rq_next; a
 * struct rq_list (head and tail) on 6.12, the head alone on 6.1.  The
 * requests the driver leaves on it are issued one by one (.queue_rq).
 */
#if XEN_BLK_KERNEL_6_12
#define XEN_BLK_PLUG_LIST	struct rq_list
#else
#define XEN_BLK_PLUG_LIST	struct request *
#endif

/**
 * struct xen_blk_rqs - requests linked by rq_next, first to last
 * @list: the first (head, NULL when empty) and the last (tail)
 */
struct xen_blk_rqs {
#if XEN_BLK_KERNEL_6_12
	struct rq_list list;
#else
	struct {
		struct request *head;
		struct request *tail;
	} list;
#endif
};

/**
 * xen_blk_rqs_init() - make a list empty
 * @l: the list
 */
static inline void xen_blk_rqs_init(struct xen_blk_rqs *l)
{
#if XEN_BLK_KERNEL_6_12
	rq_list_init(&l->list);
#else
	l->list.head = NULL;
	l->list.tail = NULL;
#endif
}

/**
 * xen_blk_rqs_add_tail() - append a request
 * @l: the list
 * @rq: a request on no list
 */
static inline void xen_blk_rqs_add_tail(struct xen_blk_rqs *l,
					struct request *rq)
{
#if XEN_BLK_KERNEL_6_12
	rq_list_add_tail(&l->list, rq);
#else
	rq->rq_next = NULL;
	if (l->list.head)
		l->list.tail->rq_next = rq;
	else
		l->list.head = rq;
	l->list.tail = rq;
#endif
}

/**
 * xen_blk_rqs_peek() - the first request
 * @l: the list
 *
 * Return: the first request, left on the list, or NULL when it is empty.
 */
static inline struct request *xen_blk_rqs_peek(struct xen_blk_rqs *l)
{
#if XEN_BLK_KERNEL_6_12
	return rq_list_peek(&l->list);
#else
	return l->list.head;
#endif
}

/**
 * xen_blk_rqs_pop() - take the first request off
 * @l: the list
 *
 * Return: the request, or NULL when the list is empty.
 */
static inline struct request *xen_blk_rqs_pop(struct xen_blk_rqs *l)
{
#if XEN_BLK_KERNEL_6_12
	return rq_list_pop(&l->list);
#else
	struct request *rq = l->list.head;

	if (rq) {
		l->list.head = rq->rq_next;
		rq->rq_next = NULL;
	}
	return rq;
#endif
}

/**
 * xen_blk_rqs_take() - move the plug's requests to a list of ours
 * @l: the list, whatever it held is dropped
 * @plug: what .queue_rqs was handed; empty afterwards
 */
static inline void xen_blk_rqs_take(struct xen_blk_rqs *l,
				    XEN_BLK_PLUG_LIST *plug)
{
#if XEN_BLK_KERNEL_6_12
	l->list = *plug;
	rq_list_init(plug);
#else
	struct request *rq;

	l->list.head = *plug;
	l->list.tail = NULL;
	for (rq = l->list.head; rq; rq = rq->rq_next)
		l->list.tail = rq;
	*plug = NULL;
#endif
}

/**
 * xen_blk_rqs_give() - hand requests back to blk-mq
 * @l: the requests, in the order blk-mq is to issue them
 * @plug: what .queue_rqs was handed, empty; holds @l's requests afterwards
 */
static inline void xen_blk_rqs_give(struct xen_blk_rqs *l,
				    XEN_BLK_PLUG_LIST *plug)
{
#if XEN_BLK_KERNEL_6_12
	*plug = l->list;
#else
	*plug = l->list.head;
#endif
}

/**
 * xen_blk_rq_own_tag() - enter a request in its queue's tag table
 * @rq: a request about to be started
 *
 * Walks of the tag table (in-flight counts, timeouts, debugfs) see only
 * the requests entered there.  6.1 enters a request when blk-mq gives it a
 * driver tag, which a request of .queue_rqs never asks for, so the driver
 * enters it; 6.12 enters every request in blk_mq_start_request().
 */
static inline void xen_blk_rq_own_tag(struct request *rq)
{
#if !XEN_BLK_KERNEL_6_12
	rq->mq_hctx->tags->rqs[rq->tag] = rq;
#endif
}

/* ------------------------------------------------------------------ */
/* Frontend: completions of a polled queue                             */
/* ------------------------------------------------------------------ */

/**
 * xen_blk_rq_add_to_batch() - leave a request that succeeded to the
 *	poller's completion batch
 * @rq: a request whose I/O ended without error, not yet completed
 * @iob: the batch blk-mq's .poll was handed, or NULL
 * @complete: what ends the batch's requests
 *
 * The batch ends its requests after the driver returns from .poll, out of
 * the driver's locks.  6.1 takes the request's error as an int, 6.12 as a
 * bool; it is always "none" here.
 *
 * Return: true when @rq is in the batch; false when the caller must
 * complete it (no batch, an I/O scheduler's request, another driver's
 * completion function already in the batch).
 */
static inline bool xen_blk_rq_add_to_batch(struct request *rq,
					   struct io_comp_batch *iob,
					   void (*complete)(struct io_comp_batch *))
{
#if XEN_BLK_KERNEL_6_12
	return blk_mq_add_to_batch(rq, iob, false, complete);
#else
	return blk_mq_add_to_batch(rq, iob, 0, complete);
#endif
}

/**
 * xen_blk_rq_polled_fit() - make a polled request fit to end where it may
 * @rq: a request about to go on a ring
 * @poll_ring: the ring is served by polling, not by its interrupt
 *
 * A polled request's bios may come from the per-CPU bio cache (io_uring's
 * IOPOLL), to which bio_put() gives them back.  6.1's cache must not be
 * touched in interrupt context (bio_put() warns there); 6.12's may be.  On
 * 6.1 a polled request can end in interrupt context in two ways: its ring
 * is served by interrupts (its polled queue has no poll ring), or it is the
 * data of a flush sequence (a polled O_DSYNC write: no FUA is claimed, so
 * the block layer flushes after it).  Such a request ends with the flush,
 * which goes to an interrupt-driven ring (blkfront_rq_ring()), or
 * completes from another CPU.  Its bios then go back to their bio set when
 * they end, as 6.1 does for polled bios on a queue that does not poll.
 * The data of a flush sequence comes here before anything can end it:
 * polled direct I/O asks for FUA, never for a flush ahead of its data.
 * On an interrupt-driven ring every bio is handed back so, whatever its
 * request: a polled bio merged into a request that is not polled keeps
 * its cache flag.  A request of a poll ring outside a flush sequence, and
 * any request on 6.12, is left as it is.
 */
static inline void xen_blk_rq_polled_fit(struct request *rq, bool poll_ring)
{
#if !XEN_BLK_KERNEL_6_12
	struct bio *bio;

	if (poll_ring && !(rq->rq_flags & RQF_FLUSH_SEQ))
		return;
	/* stores only where the flag is: most bios never had it */
	__rq_for_each_bio(bio, rq)
		if (unlikely(bio->bi_opf & REQ_ALLOC_CACHE))
			bio->bi_opf &= ~REQ_ALLOC_CACHE;
#endif
}

/**
 * xen_blk_tag_set_polls() - whether a tag set asking for polled queues
 *	gets them
 *
 * 6.1 gives every tag set of a crash kernel (kdump) one hardware queue and
 * one queue map, whatever its driver asks for; 6.12 keeps the queues and
 * maps asked for.
 *
 * Return: false when blk-mq would take polled queues away.
 */
static inline bool xen_blk_tag_set_polls(void)
{
#if XEN_BLK_KERNEL_6_12
	return true;
#else
	return !is_kdump_kernel();
#endif
}

#endif /* XEN_BLK_COMPAT_H */
