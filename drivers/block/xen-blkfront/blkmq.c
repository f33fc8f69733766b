// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the block device side: gendisk with xvd names and minors,
 * blk-mq tag set with one hardware queue per ring (interrupt-driven, then
 * polled), queue limits derived from what was negotiated with the backend.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/blkdev.h>
#include <linux/hdreg.h>
#include <linux/major.h>
#include <linux/slab.h>
#include "common.h"

/* Minors handed out so far, so that two vdevs never share one. */
static unsigned long *blkfront_minors;
static unsigned int blkfront_nr_minors;
static DEFINE_SPINLOCK(blkfront_minor_lock);

/**
 * blkfront_minors_reserve() - claim minors [@minor, @minor + @nr)
 * @minor: first minor
 * @nr: count
 *
 * Return: 0, -EBUSY when another disk holds one of them, or -ENOMEM.
 */
int blkfront_minors_reserve(unsigned int minor, unsigned int nr)
{
	unsigned int end = minor + nr;
	unsigned long *bigger = NULL;
	int err = 0;

	if (end > blkfront_nr_minors) {
		bigger = bitmap_zalloc(end, GFP_KERNEL);
		if (!bigger)
			return -ENOMEM;
	}
	spin_lock(&blkfront_minor_lock);
	if (end > blkfront_nr_minors) {
		if (blkfront_minors)
			bitmap_copy(bigger, blkfront_minors, blkfront_nr_minors);
		swap(bigger, blkfront_minors);
		blkfront_nr_minors = end;
	}
	if (find_next_bit(blkfront_minors, end, minor) < end)
		err = -EBUSY;
	else
		bitmap_set(blkfront_minors, minor, nr);
	spin_unlock(&blkfront_minor_lock);
	bitmap_free(bigger);
	return err;
}

/**
 * blkfront_minors_release() - give back what blkfront_minors_reserve() took
 * @minor: first minor
 * @nr: count
 */
void blkfront_minors_release(unsigned int minor, unsigned int nr)
{
	spin_lock(&blkfront_minor_lock);
	if (minor + nr <= blkfront_nr_minors)
		bitmap_clear(blkfront_minors, minor, nr);
	spin_unlock(&blkfront_minor_lock);
}

/**
 * blkfront_minors_exit() - free the minor bitmap at module unload
 */
void blkfront_minors_exit(void)
{
	bitmap_free(blkfront_minors);
	blkfront_minors = NULL;
	blkfront_nr_minors = 0;
}

/* The ring serving hardware queue @queue (blkfront_queue_ring()). */
static struct blkfront_ring_info *
blkfront_queue_rinfo(struct blkfront_info *info, unsigned int queue)
{
	/*
	 * No rings while the queue is quiesced or dead, or running after a
	 * failed resume, or polled meanwhile, when the control plane may
	 * change the ring counts: read them once; any entry will do then.
	 */
	unsigned int nr = READ_ONCE(info->nr_rings);
	unsigned int nr_poll = READ_ONCE(info->nr_poll_rings);

	return &info->rinfo[blkfront_queue_ring(queue, info->nr_irq_queues, nr,
						nr_poll)];
}

/**
 * blkfront_hctx_ring() - the ring serving a hardware queue
 * @hctx: hardware queue
 *
 * Queues are created once, one per ring of the first connection, the
 * polled ones after the others; after a resume onto a backend with fewer
 * rings several queues share a ring (blkfront_queue_ring()).
 *
 * Return: the ring.
 */
struct blkfront_ring_info *blkfront_hctx_ring(struct blk_mq_hw_ctx *hctx)
{
	return blkfront_queue_rinfo(hctx->queue->queuedata, hctx->queue_num);
}

/**
 * blkfront_rq_ring() - the ring a request goes on
 * @rq: request of a hardware queue
 *
 * Its hardware queue's ring (blkfront_hctx_ring()), but for a request
 * that nobody polls for on a polled queue: blk-mq sends a flush to the
 * queue of the first request waiting for it, a polled write maybe.  A
 * poll ring raises no interrupt, so the flush would end only when a task
 * happened to poll that queue, or after blk-mq's timeout, and every other
 * flush of the disk would wait behind it.  It goes on an interrupt-driven
 * ring instead (blkfront_rq_queue()).
 *
 * Return: the ring.
 */
struct blkfront_ring_info *blkfront_rq_ring(struct request *rq)
{
	struct blkfront_info *info = rq->q->queuedata;

	return blkfront_queue_rinfo(info,
		blkfront_rq_queue(rq->mq_hctx->queue_num, info->nr_irq_queues,
				  rq->cmd_flags & REQ_POLLED));
}

/**
 * blkfront_kick_queues() - restart queues stopped for lack of ring space
 * @info: device
 */
void blkfront_kick_queues(struct blkfront_info *info)
{
	if (info->gd)
		blk_mq_start_stopped_hw_queues(info->gd->queue, true);
}

static void blkfront_limits(const struct blkfront_info *info,
			    struct xen_blk_front_limits *l)
{
	unsigned int segs = blkfront_max_segments(info->max_indirect_segments);

	memset(l, 0, sizeof(*l));
	l->logical_block_size = info->sector_size;
	l->physical_block_size = info->physical_sector_size;
	l->max_hw_sectors = segs * BLKIF_SECTORS_PER_GRANT_PAGE;
	l->max_segments = segs;
	/* one segment is one grant: at most a page, never crossing one */
	l->max_segment_size = PAGE_SIZE;
	l->seg_boundary_mask = PAGE_SIZE - 1;
	/*
	 * Buffers aligned to the logical block: a block never straddles two
	 * pages, so every segment holds whole blocks (backends refuse
	 * others on disks of 4 KiB blocks).
	 */
	l->dma_alignment = info->sector_size - 1;
	if (READ_ONCE(info->feature_discard)) {
		l->max_discard_sectors = UINT_MAX;
		l->discard_granularity = info->discard_granularity;
		l->discard_alignment = info->discard_alignment;
		if (info->feature_secdiscard)
			l->max_secure_erase_sectors = UINT_MAX;
	}
	/*
	 * Flushes go as FLUSH_DISKCACHE or, for old backends, as an empty
	 * WRITE_BARRIER.  FUA is not claimed: the block layer then follows
	 * such writes with a flush, which both operations implement.
	 */
	l->write_cache = READ_ONCE(info->flush) != BLKFRONT_FLUSH_NONE;
	l->fua = false;
}

/**
 * blkfront_disk_update_limits() - apply renegotiated limits (resume)
 * @info: connected device with a disk
 *
 * Return: 0 or a negative errno.
 */
int blkfront_disk_update_limits(struct blkfront_info *info)
{
	struct xen_blk_front_limits l;

	blkfront_limits(info, &l);
	return xen_blk_front_update_limits(info->gd->queue, &l);
}

/**
 * blkfront_limits_work() - the backend withdrew flush or discard: tell the queue
 * @work: &blkfront_info.limits_work
 *
 * The write cache goes off (the block layer sends no more flushes) or the
 * discard limits go to 0, so that sysfs shows what the disk does.  A
 * resume recomputes all limits itself.
 */
void blkfront_limits_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info,
						  limits_work);
	int err;

	mutex_lock(&info->mutex);
	if (info->gd && !info->quiesced &&
	    READ_ONCE(info->connected) == BLKFRONT_CONNECTED) {
		err = blkfront_disk_update_limits(info);
		if (err)
			dev_warn(&info->xbdev->dev,
				 "%s: queue limits not updated: %d\n",
				 info->gd->disk_name, err);
	}
	mutex_unlock(&info->mutex);
}

static int blkfront_getgeo(struct block_device *bdev, struct hd_geometry *hg)
{
	sector_t cyl = get_capacity(bdev->bd_disk);

	/* no real geometry: a fake one that covers the capacity */
	hg->heads = 0xff;
	hg->sectors = 0x3f;
	sector_div(cyl, hg->heads * hg->sectors);
	hg->cylinders = cyl > 0xffff ? 0xffff : cyl;
	return 0;
}

static const struct block_device_operations blkfront_fops = {
	.owner = THIS_MODULE,
	.getgeo = blkfront_getgeo,
};

/*
 * blk-mq .map_queues.  Without polled queues one map, spread over the
 * CPUs as blk-mq does by default.  With them, the interrupt-driven queues
 * serve DEFAULT and READ (no queues of reads alone), the polled ones,
 * after them, POLL: requests that their submitter polls for (REQ_POLLED),
 * and only those.
 */
static void blkfront_map_queues(struct blk_mq_tag_set *set)
{
	struct blkfront_info *info = set->driver_data;
	struct blk_mq_queue_map *map;

	if (set->nr_maps <= HCTX_TYPE_POLL) {
		blk_mq_map_queues(&set->map[HCTX_TYPE_DEFAULT]);
		return;
	}
	map = &set->map[HCTX_TYPE_DEFAULT];
	map->nr_queues = info->nr_irq_queues;
	map->queue_offset = 0;
	blk_mq_map_queues(map);
	map = &set->map[HCTX_TYPE_READ];
	map->nr_queues = info->nr_irq_queues;
	map->queue_offset = 0;
	blk_mq_map_queues(map);
	map = &set->map[HCTX_TYPE_POLL];
	map->nr_queues = info->nr_poll_queues;
	map->queue_offset = info->nr_irq_queues;
	blk_mq_map_queues(map);
}

/* blk-mq .poll: the responses of a polled queue's ring. */
static int blkfront_poll(struct blk_mq_hw_ctx *hctx, struct io_comp_batch *iob)
{
	return blkfront_ring_poll(blkfront_hctx_ring(hctx), iob);
}

static const struct blk_mq_ops blkfront_mq_ops = {
	.queue_rq = blkfront_queue_rq,
	.commit_rqs = blkfront_commit_rqs,
	.queue_rqs = blkfront_queue_rqs,
	.complete = blkfront_complete_rq,
	.timeout = blkfront_timeout,
	.map_queues = blkfront_map_queues,
	.poll = blkfront_poll,
};

/**
 * blkfront_disk_create() - allocate and add the disk (first connect)
 * @info: device with rings and features negotiated
 *
 * Return: 0 or a negative errno (nothing left allocated).
 */
int blkfront_disk_create(struct blkfront_info *info)
{
	struct xen_blk_front_limits l;
	struct blk_mq_tag_set *set = &info->tag_set;
	struct gendisk *gd;
	int err;

	err = blkfront_minors_reserve(info->vdev.minor, info->vdev.nr_minors);
	if (err) {
		dev_err(&info->xbdev->dev, "minors %u+%u already in use\n",
			info->vdev.minor, info->vdev.nr_minors);
		return err;
	}
	memset(set, 0, sizeof(*set));
	set->ops = &blkfront_mq_ops;
	/* fixed from here on: a resume maps them onto the rings it gets */
	set->nr_hw_queues = info->nr_irq_queues + info->nr_poll_queues;
	set->nr_maps = info->nr_poll_queues ? HCTX_MAX_TYPES : 1;
	set->queue_depth = info->rinfo[0].nr_slots;
	set->numa_node = NUMA_NO_NODE;
	set->flags = BLK_MQ_F_SHOULD_MERGE;
	set->cmd_size = sizeof(blk_status_t);
	set->driver_data = info;
	err = blk_mq_alloc_tag_set(set);
	if (err)
		goto out_minors;
	info->tag_set_ready = true;
	if (set->nr_maps <= HCTX_TYPE_POLL)
		info->nr_poll_queues = 0;	/* blk-mq took a single map */

	blkfront_limits(info, &l);
	gd = xen_blk_front_alloc_disk(set, &l, info);
	if (IS_ERR(gd)) {
		err = PTR_ERR(gd);
		goto out_tags;
	}
	err = blkfront_disk_name(gd->disk_name, DISK_NAME_LEN, &info->vdev);
	if (err)
		goto out_put;
	gd->major = XENVBD_MAJOR;
	gd->first_minor = info->vdev.minor;
	gd->minors = info->vdev.nr_minors;
	gd->fops = &blkfront_fops;
	gd->private_data = info;
	set_capacity(gd, info->sectors);
	if (info->vdisk_info & VDISK_READONLY)
		set_disk_ro(gd, true);
	if (info->vdisk_info & VDISK_REMOVABLE)
		gd->flags |= GENHD_FL_REMOVABLE;
	info->gd = gd;
	return 0;

out_put:
	put_disk(gd);
out_tags:
	blk_mq_free_tag_set(set);
	info->tag_set_ready = false;
out_minors:
	blkfront_minors_release(info->vdev.minor, info->vdev.nr_minors);
	return err;
}

/**
 * blkfront_disk_destroy() - undo blkfront_disk_create()
 * @info: device whose disk is not (or no longer) added
 */
void blkfront_disk_destroy(struct blkfront_info *info)
{
	if (!info->gd)
		return;
	put_disk(info->gd);
	info->gd = NULL;
	if (info->tag_set_ready)
		blk_mq_free_tag_set(&info->tag_set);
	info->tag_set_ready = false;
	blkfront_minors_release(info->vdev.minor, info->vdev.nr_minors);
}
