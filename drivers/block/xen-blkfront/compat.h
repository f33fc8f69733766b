/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block-layer calls of xen-blkfront whose API differs between kernels:
 * allocating the disk and setting its queue limits.
 *
 * xen-blkfront is also maintained out of tree, for Debian 12's Linux 6.1 and
 * 6.12, and these calls changed between them.  They sit behind helpers so
 * that the rest of the driver reads the same for every kernel and never
 * tests the kernel version: out of tree each helper has one body per kernel
 * (XEN_BLK_KERNEL_6_12, 0 or 1, set by the Makefile), in tree only the
 * current kernel's.
 */

#ifndef XEN_BLKFRONT_COMPAT_H
#define XEN_BLKFRONT_COMPAT_H

#include <linux/blkdev.h>
#include <linux/blk-mq.h>

#ifndef XEN_BLK_KERNEL_6_12
#error "XEN_BLK_KERNEL_6_12 must be set by the build"
#endif

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

#endif /* XEN_BLKFRONT_COMPAT_H */
