// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the data plane.  Block requests become ring requests in
 * blkfront_queue_rq(), or a plug's worth at a time in blkfront_queue_rqs();
 * responses are copied off the ring once, checked (validate.c) and
 * complete their block request in blkfront_interrupt(), or, on the rings
 * of polled queues, in blkfront_ring_poll().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/interrupt.h>
#include <linux/rcupdate.h>
#include <xen/events.h>
#include <xen-blk/blkif_names.h>
#include "common.h"
#include "trace.h"

static void blkfront_notify(struct blkfront_ring_info *rinfo)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&rinfo->ring, notify);
	if (notify)
		notify_remote_via_irq(rinfo->irq);
}

static unsigned int blkfront_get_slot(struct blkfront_ring_info *rinfo)
{
	unsigned int id = rinfo->free_head;

	rinfo->free_head = rinfo->shadow[id].next_free;
	rinfo->shadow[id].next_free = BLKFRONT_NO_SLOT;
	return id;
}

static void blkfront_put_slot(struct blkfront_ring_info *rinfo,
			      unsigned int id)
{
	struct blkfront_shadow *s = &rinfo->shadow[id];

	if (s->slot.in_flight)
		rinfo->in_flight--;
	s->slot.in_flight = false;
	s->held = false;
	s->rq = NULL;
	s->next_free = rinfo->free_head;
	rinfo->free_head = id;
}

/*
 * Keep slot @id with its request @rq: the backend still maps a guest page
 * of it, which goes back to its owner only once the grant is revoked.
 * The slot is no longer in flight (a response to it is a violation) and
 * not free; blkfront_fail_ring() ends the request later.
 */
static void blkfront_hold_slot(struct blkfront_ring_info *rinfo,
			       unsigned int id, struct request *rq)
{
	struct blkfront_shadow *s = &rinfo->shadow[id];

	if (s->slot.in_flight)
		rinfo->in_flight--;
	s->slot.in_flight = false;
	s->rq = rq;
	s->held = true;
}

static void blkfront_fill_discard(struct blkfront_info *info,
				  struct request *rq, struct blkif_request *req)
{
	req->operation = BLKIF_OP_DISCARD;
	req->u.discard.sector_number = blk_rq_pos(rq);
	req->u.discard.nr_sectors = blk_rq_sectors(rq);
	req->u.discard.flag = req_op(rq) == REQ_OP_SECURE_ERASE &&
			      info->feature_secdiscard ?
			      BLKIF_DISCARD_SECURE : 0;
}

/* Write segment @i either into the request or into its indirect pages. */
static void blkfront_put_seg(struct blkfront_shadow *s, struct blkif_request *req,
			     bool indirect, unsigned int i,
			     const struct blkif_request_segment *seg)
{
	struct blkif_request_segment *page;

	if (!indirect) {
		req->u.rw.seg[i] = *seg;
		return;
	}
	page = page_address(s->indirect[i / BLKIF_SEGS_PER_INDIRECT_PAGE].page);
	page[i % BLKIF_SEGS_PER_INDIRECT_PAGE] = *seg;
}

/* Map and grant the data of a read or write; fills @req. */
static blk_status_t blkfront_fill_rw(struct blkfront_ring_info *rinfo,
				     struct blkfront_shadow *s,
				     struct request *rq,
				     struct blkif_request *req)
{
	bool write = rq_data_dir(rq) == WRITE;
	u8 op = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
	struct blkif_request_segment seg;
	struct scatterlist *sg;
	unsigned int nr, i;
	bool indirect;
	int err;

	if (blk_rq_nr_phys_segments(rq) > rinfo->max_segs)
		return BLK_STS_IOERR;	/* blkfront_queue_rq() split it */
	nr = blk_rq_map_sg(rq->q, rq, s->sg);
	indirect = nr > BLKIF_MAX_SEGMENTS_PER_REQUEST;
	s->op = op;
	s->slot.op = op;

	if (indirect) {
		s->nr_indirect = 0;
		for (i = 0; i < blkfront_indirect_pages(nr); i++) {
			err = blkfront_grant_indirect(rinfo, s, i);
			if (err)
				goto undo;
			s->nr_indirect++;
		}
	}
	s->nr_sg = 0;
	for_each_sg(s->sg, sg, nr, i) {
		if (blkfront_seg_span(sg->offset, sg->length, &seg)) {
			dev_warn_ratelimited(&rinfo->info->xbdev->dev,
					     "segment %u+%u does not fit a grant\n",
					     sg->offset, sg->length);
			blkfront_grants_release(rinfo, s, false);
			return BLK_STS_IOERR;
		}
		err = blkfront_grant_data(rinfo, s, i, sg, write);
		if (err)
			goto undo;
		s->nr_sg++;
		seg.gref = s->grants[i].gref;
		blkfront_put_seg(s, req, indirect, i, &seg);
	}

	if (indirect) {
		blkfront_indirect_clear_tail(s, nr);
		req->operation = BLKIF_OP_INDIRECT;
		req->u.indirect.indirect_op = op;
		req->u.indirect.nr_segments = nr;
		req->u.indirect.sector_number = blk_rq_pos(rq);
		req->u.indirect.handle = rinfo->info->handle;
		for (i = 0; i < s->nr_indirect; i++)
			req->u.indirect.indirect_grefs[i] = s->indirect[i].gref;
		rinfo->stats.indirect++;
	} else {
		req->operation = op;
		req->u.rw.nr_segments = nr;
		req->u.rw.sector_number = blk_rq_pos(rq);
		req->u.rw.handle = rinfo->info->handle;
	}
	if (write)
		rinfo->stats.writes++;
	else
		rinfo->stats.reads++;
	return BLK_STS_OK;

undo:
	/* the backend has not seen these grants: revoking cannot fail */
	blkfront_grants_release(rinfo, s, false);
	return BLK_STS_RESOURCE;
}

/* Build the ring request for @rq in a free slot and put it on the ring. */
static blk_status_t blkfront_queue_one(struct blkfront_ring_info *rinfo,
				       struct request *rq)
{
	struct blkfront_info *info = rinfo->info;
	struct blkif_request req = {};
	unsigned int id = blkfront_get_slot(rinfo);
	struct blkfront_shadow *s = &rinfo->shadow[id];
	unsigned long granted = rinfo->stats.grants_granted;
	blk_status_t sts = BLK_STS_OK;

	s->nr_sg = 0;
	s->nr_indirect = 0;
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		sts = blkfront_fill_rw(rinfo, s, rq, &req);
		break;
	case REQ_OP_FLUSH:
		req.operation = info->flush == BLKFRONT_FLUSH_BARRIER ?
				BLKIF_OP_WRITE_BARRIER : BLKIF_OP_FLUSH_DISKCACHE;
		req.u.rw.handle = info->handle;
		rinfo->stats.flushes++;
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
		if (!info->feature_discard) {
			sts = BLK_STS_NOTSUPP;
			break;
		}
		blkfront_fill_discard(info, rq, &req);
		rinfo->stats.discards++;
		break;
	default:
		sts = BLK_STS_NOTSUPP;
		break;
	}
	/* one event for the request's grants, as the backend's per batch */
	granted = rinfo->stats.grants_granted - granted;
	if (granted)
		trace_blkfront_grant_map(dev_name(&info->xbdev->dev), rinfo->id,
					 granted);
	if (sts != BLK_STS_OK) {
		if (s->nr_sg || s->nr_indirect) {
			/*
			 * The backend mapped a guest page of this request
			 * before it was even sent: the request keeps it.
			 */
			blkfront_hold_slot(rinfo, id, rq);
			blkfront_set_error(info, rinfo->id,
					   "grant mapped before its request was sent",
					   id);
			return BLK_STS_OK;
		}
		blkfront_put_slot(rinfo, id);
		return sts;
	}
	if (req.operation != BLKIF_OP_READ && req.operation != BLKIF_OP_WRITE &&
	    req.operation != BLKIF_OP_INDIRECT) {
		s->op = req.operation;
		s->slot.op = req.operation;
	}
	/* the id field sits at the same offset in every request layout */
	req.u.rw.id = id;

	memcpy(RING_GET_REQUEST(&rinfo->ring, rinfo->ring.req_prod_pvt), &req,
	       sizeof(req));
	rinfo->ring.req_prod_pvt++;
	s->rq = rq;
	s->slot.in_flight = true;
	rinfo->in_flight++;
	if (rinfo->in_flight > rinfo->in_flight_peak)
		WRITE_ONCE(rinfo->in_flight_peak, rinfo->in_flight);
	s->queued_ns = ktime_get_ns();
	trace_blkfront_req_queued(dev_name(&info->xbdev->dev), rinfo->id, id,
				  s->op, blk_rq_pos(rq), blk_rq_sectors(rq),
				  s->nr_sg);
	return BLK_STS_OK;
}

/*
 * A read or write formed under the limits of a previous backend (before a
 * restore) may need more segments than the current one takes.
 */
static bool blkfront_oversized(struct blkfront_ring_info *rinfo,
			       struct request *rq)
{
	return (req_op(rq) == REQ_OP_READ || req_op(rq) == REQ_OP_WRITE) &&
	       blk_rq_nr_phys_segments(rq) > READ_ONCE(rinfo->max_segs);
}

/*
 * Take the bios off @rq, to be submitted again by the frontend itself (a
 * work item, the control plane).  Submitted there, a bio must not ask not
 * to wait (REQ_NOWAIT, io_uring's): it would fail with EAGAIN where its
 * submitter cannot retry it.
 */
static void blkfront_rq_take_bios(struct request *rq, struct bio_list *bios)
{
	struct bio *bio;

	bios->head = rq->bio;
	bios->tail = rq->biotail;
	rq->bio = NULL;
	rq->biotail = NULL;
	for (bio = bios->head; bio; bio = bio->bi_next)
		bio->bi_opf &= ~REQ_NOWAIT;
}

/*
 * Give the bios of an oversized request back to the block layer, which
 * splits them to the current limits.
 */
static bool blkfront_split_oversized(struct blkfront_ring_info *rinfo,
				     struct request *rq)
{
	struct blkfront_info *info = rinfo->info;
	struct bio_list bios;
	unsigned long flags;

	if (!blkfront_oversized(rinfo, rq))
		return false;
	blkfront_rq_take_bios(rq, &bios);
	spin_lock_irqsave(&info->split_lock, flags);
	bio_list_merge(&info->split_bios, &bios);
	spin_unlock_irqrestore(&info->split_lock, flags);
	blk_mq_end_request(rq, BLK_STS_OK);
	schedule_work(&info->split_work);
	return true;
}

/*
 * The backend withdrew flush support (EOPNOTSUPP): it has no cache to
 * flush, and a flush ends at once.  Only until limits_work turns the
 * queue's write cache off, after which no flush comes here.
 */
static bool blkfront_flush_withdrawn(struct blkfront_info *info,
				     struct request *rq)
{
	return req_op(rq) == REQ_OP_FLUSH &&
	       READ_ONCE(info->flush) == BLKFRONT_FLUSH_NONE;
}

/**
 * blkfront_split_work() - submit the bios of oversized requests again
 * @work: &blkfront_info.split_work
 */
void blkfront_split_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info,
						  split_work);
	struct bio_list bios;
	unsigned long flags;
	struct bio *bio;

	spin_lock_irqsave(&info->split_lock, flags);
	bios = info->split_bios;
	bio_list_init(&info->split_bios);
	spin_unlock_irqrestore(&info->split_lock, flags);
	while ((bio = bio_list_pop(&bios)))
		submit_bio_noacct(bio);
}

/*
 * Whether the device takes requests at all; ring lock held.  Not while
 * it is not connected: @hctx stops until blkfront_kick_queues().
 */
static blk_status_t blkfront_ring_state(struct blk_mq_hw_ctx *hctx,
					struct blkfront_ring_info *rinfo)
{
	switch (READ_ONCE(rinfo->info->connected)) {
	case BLKFRONT_CONNECTED:
		return BLK_STS_OK;
	case BLKFRONT_ERROR:
	case BLKFRONT_CLOSED:
		return BLK_STS_IOERR;
	default:
		blk_mq_stop_hw_queue(hctx);
		return BLK_STS_DEV_RESOURCE;
	}
}

/* Whether the ring has a free slot; ring lock held. */
static bool blkfront_ring_free(struct blkfront_ring_info *rinfo)
{
	return !RING_FULL(&rinfo->ring) && rinfo->free_head != BLKFRONT_NO_SLOT;
}

/*
 * Whether the ring has a free slot; ring lock held.  If not, @hctx stops
 * until responses free one (blkfront_ring_restart()).
 */
static blk_status_t blkfront_ring_room(struct blk_mq_hw_ctx *hctx,
				       struct blkfront_ring_info *rinfo)
{
	if (blkfront_ring_free(rinfo))
		return BLK_STS_OK;
	blk_mq_stop_hw_queue(hctx);
	rinfo->queue_stopped = true;
	return BLK_STS_DEV_RESOURCE;
}

/*
 * Put @rq on the ring, not yet pushed to the backend; ring lock held, a
 * free slot checked for.  The request is started once it is there (also
 * when it holds its slot, see blkfront_queue_one()): one that is not
 * taken stays as blk-mq handed it, for .queue_rqs to leave to .queue_rq.
 * A polled request that may end in an interrupt handler (on a ring served
 * by interrupts, or with a flush after it) is made fit for it.
 */
static blk_status_t blkfront_ring_add(struct blkfront_ring_info *rinfo,
				      struct request *rq)
{
	blk_status_t sts = blkfront_queue_one(rinfo, rq);

	if (sts == BLK_STS_OK) {
		xen_blk_rq_polled_fit(rq, rinfo->poll);
		xen_blk_rq_own_tag(rq);
		blk_mq_start_request(rq);
	}
	return sts;
}

/**
 * blkfront_queue_rq() - blk-mq .queue_rq: put one request on its ring
 * @hctx: hardware queue, mapped onto a ring
 * @bd: the request, and whether it is the last of a batch
 *
 * The backend is notified once per batch (here when @bd->last, otherwise
 * from blkfront_commit_rqs()), also when the last request itself does not
 * go on the ring (split, or a flush the backend withdrew): blk-mq calls
 * .commit_rqs only after a request that failed, so the requests of the
 * batch before it would otherwise wait for the next batch.
 *
 * Return: a blk_status_t; BLK_STS_DEV_RESOURCE stops the queue until
 * responses free ring slots or the device reconnects.
 */
blk_status_t blkfront_queue_rq(struct blk_mq_hw_ctx *hctx,
			       const struct blk_mq_queue_data *bd)
{
	struct blkfront_ring_info *rinfo = blkfront_hctx_ring(hctx);
	struct blkfront_info *info = rinfo->info;
	struct request *rq = bd->rq;
	bool done_here = false;
	unsigned long flags;
	blk_status_t sts;
	LIST_HEAD(pages);

	*blkfront_req_status(rq) = BLK_STS_OK;
	/* pages are allocated here, never under the ring lock */
	blkfront_pages_prealloc(rinfo, rq, &pages);
	spin_lock_irqsave(&rinfo->lock, flags);
	blkfront_pages_stash(rinfo, &pages);
	sts = blkfront_ring_state(hctx, rinfo);
	if (sts != BLK_STS_OK)
		goto unlock;
	if (blkfront_split_oversized(rinfo, rq))
		goto out;
	if (blkfront_flush_withdrawn(info, rq)) {
		done_here = true;
		goto out;
	}
	sts = blkfront_ring_room(hctx, rinfo);
	if (sts != BLK_STS_OK)
		goto unlock;
	sts = blkfront_ring_add(rinfo, rq);
out:
	if (bd->last)
		blkfront_notify(rinfo);
unlock:
	spin_unlock_irqrestore(&rinfo->lock, flags);
	if (done_here)
		blk_mq_end_request(rq, BLK_STS_OK);
	return sts;
}

/**
 * blkfront_commit_rqs() - blk-mq .commit_rqs: notify for a cut-short batch
 * @hctx: hardware queue
 */
void blkfront_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct blkfront_ring_info *rinfo = blkfront_hctx_ring(hctx);
	unsigned long flags;

	spin_lock_irqsave(&rinfo->lock, flags);
	if (READ_ONCE(rinfo->info->connected) == BLKFRONT_CONNECTED)
		blkfront_notify(rinfo);
	spin_unlock_irqrestore(&rinfo->lock, flags);
}

/*
 * One request of a batch onto @rinfo, the way blkfront_queue_rq() puts it
 * there, not yet pushed.  Whatever would not go on the ring in
 * blkfront_queue_rq() (a stopped hardware queue or device, a full ring, a
 * shortage of pages or grants, an error) leaves @rq as it came, not
 * started, and so does what takes more than the ring (an oversized
 * request, a withdrawn flush): .queue_rq, which blk-mq calls for it, does
 * the same again and answers for it.  This declines without stopping the
 * hardware queue: .queue_rq stops it and returns BLK_STS_DEV_RESOURCE,
 * which blk-mq follows with a run of the queue once the request is back
 * in it, so a restart by responses in between cannot strand the request
 * (blk-mq does not run a queue that was stopped before it issued to it).
 * Returns true when @rq went on the ring.
 */
static bool blkfront_batch_one(struct blkfront_ring_info *rinfo,
			       struct request *rq)
{
	struct blk_mq_hw_ctx *hctx = rq->mq_hctx;
	blk_status_t sts = BLK_STS_DEV_RESOURCE;
	unsigned long flags;
	LIST_HEAD(pages);

	if (test_bit(BLK_MQ_S_STOPPED, &hctx->state) ||
	    blkfront_oversized(rinfo, rq) ||
	    blkfront_flush_withdrawn(rinfo->info, rq))
		return false;
	*blkfront_req_status(rq) = BLK_STS_OK;
	blkfront_pages_prealloc(rinfo, rq, &pages);
	spin_lock_irqsave(&rinfo->lock, flags);
	blkfront_pages_stash(rinfo, &pages);
	if (READ_ONCE(rinfo->info->connected) == BLKFRONT_CONNECTED &&
	    blkfront_ring_free(rinfo))
		sts = blkfront_ring_add(rinfo, rq);
	spin_unlock_irqrestore(&rinfo->lock, flags);
	return sts == BLK_STS_OK;
}

/* Push what a batch put on @rinfo, notifying the backend once. */
static void blkfront_batch_push(struct blkfront_ring_info *rinfo,
				unsigned int nr)
{
	unsigned long flags;

	spin_lock_irqsave(&rinfo->lock, flags);
	/*
	 * As blkfront_commit_rqs(): a stopped device's requests are failed,
	 * and pushed by nobody; they count as no batch.
	 */
	if (READ_ONCE(rinfo->info->connected) == BLKFRONT_CONNECTED) {
		blkfront_notify(rinfo);
		rinfo->stats.batches++;
		rinfo->stats.batched += nr;
	}
	spin_unlock_irqrestore(&rinfo->lock, flags);
}

/**
 * blkfront_queue_rqs() - blk-mq .queue_rqs: put a plug's requests on their
 *	rings, notifying each backend once
 * @plug: requests of one queue, first to last; those left on it on
 *	return, in order, blk-mq issues one by one through
 *	blkfront_queue_rq()
 *
 * Ring by ring, in the order of their first requests, each ring takes its
 * requests in order (blkfront_batch_one()) and is pushed once, after the
 * last.  From the first request a ring does not take, that ring's
 * requests are left on @plug: blk-mq then issues the first through
 * .queue_rq, which stops the queue, or fails the request, as for any
 * other, and queues the rest behind it.
 */
void blkfront_queue_rqs(XEN_BLK_PLUG_LIST *plug)
{
	struct xen_blk_rqs todo, other, left;
	struct request *rq;

	xen_blk_rqs_take(&todo, plug);
	xen_blk_rqs_init(&left);
	while ((rq = xen_blk_rqs_peek(&todo))) {
		struct blkfront_ring_info *rinfo = blkfront_hctx_ring(rq->mq_hctx);
		unsigned int taken = 0;
		bool stuck = false;

		xen_blk_rqs_init(&other);
		while ((rq = xen_blk_rqs_pop(&todo))) {
			if (blkfront_hctx_ring(rq->mq_hctx) != rinfo) {
				xen_blk_rqs_add_tail(&other, rq);
			} else if (!stuck && blkfront_batch_one(rinfo, rq)) {
				taken++;
			} else {
				stuck = true;
				xen_blk_rqs_add_tail(&left, rq);
			}
		}
		if (taken)
			blkfront_batch_push(rinfo, taken);
		todo = other;
	}
	xen_blk_rqs_give(&left, plug);
}

/**
 * blkfront_complete_rq() - blk-mq .complete: end a request
 * @rq: request whose status the interrupt handler stored
 */
void blkfront_complete_rq(struct request *rq)
{
	blk_mq_end_request(rq, *blkfront_req_status(rq));
}

/* Status of an answered request; may withdraw features the backend refused. */
static blk_status_t blkfront_rsp_status(struct blkfront_ring_info *rinfo,
					struct blkfront_shadow *s, s16 status)
{
	struct blkfront_info *info = rinfo->info;

	if (status == BLKIF_RSP_OKAY)
		return BLK_STS_OK;
	rinfo->stats.errors++;
	dev_warn_ratelimited(&info->xbdev->dev, "%s failed with status %d (%s)\n",
			     xen_blkif_op_name(s->op), status,
			     xen_blkif_status_name(status));
	switch (s->op) {
	case BLKIF_OP_DISCARD:
		if (status != BLKIF_RSP_EOPNOTSUPP)
			return BLK_STS_IOERR;
		/*
		 * Later discards fail at once, without asking the backend;
		 * the queue stops offering discard (limits_work).
		 */
		WRITE_ONCE(info->feature_discard, false);
		WRITE_ONCE(info->feature_secdiscard, false);
		schedule_work(&info->limits_work);
		return BLK_STS_NOTSUPP;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		/*
		 * A flush that failed is an I/O error: the data written
		 * before it may not be stable.  Only EOPNOTSUPP withdraws
		 * the feature: the backend says it has no cache to flush,
		 * as a disk without a volatile cache, whose flushes the
		 * block layer completes at once; the queue's write cache
		 * is turned off (limits_work) so that sysfs tells the truth.
		 */
		if (status != BLKIF_RSP_EOPNOTSUPP)
			return BLK_STS_IOERR;
		WRITE_ONCE(info->flush, BLKFRONT_FLUSH_NONE);
		schedule_work(&info->limits_work);
		return BLK_STS_OK;
	default:
		return BLK_STS_IOERR;
	}
}

/* Time an answered request and trace its response. */
static void blkfront_account_rsp(struct blkfront_ring_info *rinfo,
				 struct blkfront_shadow *s, unsigned int id,
				 s16 status)
{
	u64 us = div_u64(ktime_get_ns() - s->queued_ns, NSEC_PER_USEC);

	xen_blk_lat_record(&rinfo->lat, s->op, us);
	trace_blkfront_req_completed(dev_name(&rinfo->info->xbdev->dev),
				     rinfo->id, id, s->op,
				     blk_rq_sectors(s->rq), s->nr_sg, status,
				     us);
}

/*
 * Finish the request of slot @id; one that succeeded joins @iob, the batch
 * of a poller, when there is one.  Returns false when the backend kept a
 * grant mapped after answering: the request is failed in that case, or,
 * when that grant is of a guest page, kept until the grant is revoked.
 */
static bool blkfront_complete_slot(struct blkfront_ring_info *rinfo,
				   unsigned int id, s16 status,
				   struct io_comp_batch *iob)
{
	struct blkfront_shadow *s = &rinfo->shadow[id];
	struct request *rq = s->rq;
	blk_status_t sts = blkfront_rsp_status(rinfo, s, status);
	bool ok = true;
	int err;

	blkfront_account_rsp(rinfo, s, id, status);
	err = blkfront_grants_release(rinfo, s, s->op == BLKIF_OP_READ &&
				      sts == BLK_STS_OK);
	if (err == -EAGAIN) {
		blkfront_hold_slot(rinfo, id, rq);
		return false;
	}
	if (err) {
		ok = false;
		sts = BLK_STS_IOERR;
	}
	*blkfront_req_status(rq) = sts;
	blkfront_put_slot(rinfo, id);
	/* the poller ends its batch once it let go of the ring lock */
	if (sts != BLK_STS_OK ||
	    !xen_blk_rq_add_to_batch(rq, iob, blk_mq_end_request_batch))
		blk_mq_complete_request(rq);
	return ok;
}

/**
 * blkfront_set_error() - stop the device: the backend broke the protocol
 * @info: device
 * @ring: ring where it happened
 * @why: what was wrong
 * @val: the offending value
 *
 * Logs one line, makes all further I/O fail and has the requests in flight
 * failed from a work item (they will never be answered properly).
 */
void blkfront_set_error(struct blkfront_info *info, unsigned int ring,
			const char *why, u64 val)
{
	WRITE_ONCE(info->connected, BLKFRONT_ERROR);
	trace_blkfront_protocol_violation(dev_name(&info->xbdev->dev), ring,
					  why, val);
	if (atomic_inc_return(&info->error_logged) == 1)
		dev_err(&info->xbdev->dev,
			"backend broke the protocol on ring %u (%s: %llu); device stopped, I/O fails from now on\n",
			ring, why, val);
	schedule_work(&info->error_work);
}

static const char *blkfront_check_name(int err)
{
	switch (err) {
	case -ERANGE:
		return "response id out of range";
	case -ENOENT:
		return "response for no request in flight";
	default:
		return "response operation mismatch";
	}
}

/*
 * Stopped for a broken backend: its events are no longer taken (no EOI).
 * A device in error only because a resume could not set up its rings is
 * not: the rings it sets up since belong to a backend not yet judged,
 * whose events (a spurious one before it connects, say) must be taken, or
 * the channel stays masked once the device recovers.
 */
static bool blkfront_stopped(const struct blkfront_info *info)
{
	/*
	 * resume_failed is cleared only after the device left ERROR
	 * (blkfront_connect()): seen cleared here, the state read after it
	 * is no longer that ERROR.
	 */
	if (smp_load_acquire(&info->resume_failed))
		return false;
	return READ_ONCE(info->connected) == BLKFRONT_ERROR;
}

/*
 * Take the responses the backend produced and complete their requests
 * (those that succeeded through @iob when it is given); ring lock held,
 * device connected.  Returns the responses taken, or -EPROTO when the
 * backend broke the protocol: the device is stopped then.
 */
static int blkfront_take_responses(struct blkfront_ring_info *rinfo,
				   struct io_comp_batch *iob)
{
	struct blkfront_info *info = rinfo->info;
	struct blkif_response rsp;
	RING_IDX i, rp;
	int err, n;

	rp = READ_ONCE(rinfo->ring.sring->rsp_prod);
	virt_rmb(); /* read responses only after the producer index */
	if (blkfront_check_rsp_prod(rp, rinfo->ring.rsp_cons,
				    rinfo->ring.req_prod_pvt, rinfo->nr_slots)) {
		blkfront_set_error(info, rinfo->id, "impossible rsp_prod",
				   rp - rinfo->ring.rsp_cons);
		return -EPROTO;
	}
	for (i = rinfo->ring.rsp_cons; i != rp; i++) {
		const struct blkfront_slot *slot = NULL;

		RING_COPY_RESPONSE(&rinfo->ring, i, &rsp);
		if (rsp.id < rinfo->nr_slots)
			slot = &rinfo->shadow[rsp.id].slot;
		err = blkfront_check_rsp(&rsp, rinfo->nr_slots, slot);
		if (err == -EPROTO)
			dev_err_ratelimited(&info->xbdev->dev,
					    "ring %u: response id %llu carries op %u (%s) where the request had op %u (%s)\n",
					    rinfo->id, rsp.id, rsp.operation,
					    xen_blkif_op_name(rsp.operation),
					    slot->op, xen_blkif_op_name(slot->op));
		if (err) {
			WRITE_ONCE(rinfo->ring.rsp_cons, i);
			blkfront_set_error(info, rinfo->id, blkfront_check_name(err),
					   err == -EPROTO ? rsp.operation : rsp.id);
			return -EPROTO;
		}
		if (!blkfront_complete_slot(rinfo, rsp.id, rsp.status, iob)) {
			WRITE_ONCE(rinfo->ring.rsp_cons, i + 1);
			blkfront_set_error(info, rinfo->id,
					   "grant still mapped after response", rsp.id);
			return -EPROTO;
		}
	}
	n = i - rinfo->ring.rsp_cons;
	/* read without the lock by blkfront_ring_answered() */
	WRITE_ONCE(rinfo->ring.rsp_cons, i);
	return n;
}

/*
 * Restart the queues stopped for want of room on the ring once it has
 * some; ring lock held.  Only when one was stopped: blk-mq walks every
 * hardware queue of the disk to find them, too much for every poll.
 */
static void blkfront_ring_restart(struct blkfront_ring_info *rinfo)
{
	struct blkfront_info *info = rinfo->info;

	if (!rinfo->queue_stopped || RING_FULL(&rinfo->ring) || !info->gd)
		return;
	rinfo->queue_stopped = false;
	blk_mq_start_stopped_hw_queues(info->gd->queue, true);
}

/**
 * blkfront_interrupt() - event channel handler: consume responses
 * @irq: our irq
 * @dev_id: the ring
 *
 * On a poll ring the backend is never asked for an event (rsp_event is not
 * moved on), so an event there is rare (a wrap of the response index, a
 * backend that notifies anyway), and spurious: its responses are left to
 * the poller, since a polled request there is not fit to end in an
 * interrupt handler on 6.1 (see xen_blk_rq_polled_fit()), and to
 * blkfront_ring_poll()'s other callers
 * when nobody polls.
 *
 * Return: IRQ_HANDLED.
 */
irqreturn_t blkfront_interrupt(int irq, void *dev_id)
{
	struct blkfront_ring_info *rinfo = dev_id;
	struct blkfront_info *info = rinfo->info;
	unsigned int eoi = XEN_EOI_FLAG_SPURIOUS;
	unsigned long flags;
	int more, n;

	spin_lock_irqsave(&rinfo->lock, flags);
	rinfo->stats.interrupts++;
	if (READ_ONCE(info->connected) != BLKFRONT_CONNECTED) {
		spin_unlock_irqrestore(&rinfo->lock, flags);
		/* a stopped device takes no more events from its backend */
		if (!blkfront_stopped(info))
			xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
		return IRQ_HANDLED;
	}
	if (rinfo->poll) {
		spin_unlock_irqrestore(&rinfo->lock, flags);
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
		return IRQ_HANDLED;
	}
again:
	n = blkfront_take_responses(rinfo, NULL);
	if (n < 0) {
		/* no EOI: a broken backend gets no more events delivered */
		spin_unlock_irqrestore(&rinfo->lock, flags);
		return IRQ_HANDLED;
	}
	if (n)
		eoi = 0;
	if (rinfo->ring.rsp_cons != rinfo->ring.req_prod_pvt) {
		RING_FINAL_CHECK_FOR_RESPONSES(&rinfo->ring, more);
		if (more)
			goto again;
	} else {
		rinfo->ring.sring->rsp_event = rinfo->ring.rsp_cons + 1;
	}
	blkfront_ring_restart(rinfo);
	spin_unlock_irqrestore(&rinfo->lock, flags);
	xen_irq_lateeoi(irq, eoi);
	return IRQ_HANDLED;
}

/*
 * Whether a poll ring may have responses to take, read without its lock:
 * a poller that finds none (most of its calls) leaves the lock, and the
 * interrupts it disables, alone.  False when the ring is not polling; its
 * shared page stays while a poller reads it (blkfront_poll_stop()).
 */
static bool blkfront_ring_answered(struct blkfront_ring_info *rinfo)
{
	bool answered = false;

	rcu_read_lock();
	/*
	 * Pairs with blkfront_poll_start(): the ring is set up.  A stopped
	 * device's ring keeps its unanswered rsp_cons: not worth the lock.
	 */
	if (smp_load_acquire(&rinfo->polling) &&
	    READ_ONCE(rinfo->info->connected) == BLKFRONT_CONNECTED)
		answered = READ_ONCE(rinfo->ring.sring->rsp_prod) !=
			   READ_ONCE(rinfo->ring.rsp_cons);
	rcu_read_unlock();
	return answered;
}

/**
 * blkfront_ring_poll() - take the responses of a poll ring
 * @rinfo: the ring of a hardware queue; nothing is taken unless it is a
 *	poll ring of a connected device
 * @iob: the poller's completion batch, or NULL to complete each request
 *	at once
 *
 * For blk-mq's .poll, and for whoever must see a poll ring's requests end
 * when no task polls for them (a request timing out, a backend closing,
 * the disk's removal); never from an interrupt handler: the polled
 * requests of a poll ring are not fit to end there on 6.1 (see
 * xen_blk_rq_polled_fit()).
 *
 * Return: the responses taken; 0 also when the backend broke the protocol
 * (the device is stopped and its requests fail without the poller's help).
 */
int blkfront_ring_poll(struct blkfront_ring_info *rinfo,
		       struct io_comp_batch *iob)
{
	unsigned long flags;
	RING_IDX cons;
	int n = 0;

	if (!blkfront_ring_answered(rinfo))
		return 0;
	spin_lock_irqsave(&rinfo->lock, flags);
	if (rinfo->polling &&
	    READ_ONCE(rinfo->info->connected) == BLKFRONT_CONNECTED) {
		cons = rinfo->ring.rsp_cons;
		n = blkfront_take_responses(rinfo, iob);
		/* those taken before a violation too */
		rinfo->stats.polled += rinfo->ring.rsp_cons - cons;
		if (n > 0)
			blkfront_ring_restart(rinfo);
	}
	spin_unlock_irqrestore(&rinfo->lock, flags);
	return n > 0 ? n : 0;
}

/**
 * blkfront_poll_start() - let pollers take the responses of the poll rings
 * @info: device that just connected (or recovered) with its rings set up
 *
 * Nothing else takes a poll ring's responses in time: the backend raises
 * no event for them, rsp_event staying where blkfront_ring_setup() left it,
 * behind them (until the response index wraps, after 2^32 of them).
 */
void blkfront_poll_start(struct blkfront_info *info)
{
	unsigned int r;

	for (r = 0; r < info->nr_rings; r++) {
		struct blkfront_ring_info *rinfo = &info->rinfo[r];

		if (!rinfo->poll)
			continue;
		spin_lock_irq(&rinfo->lock);
		/* the ring set up before, for blkfront_ring_answered() */
		smp_store_release(&rinfo->polling, true);
		spin_unlock_irq(&rinfo->lock);
	}
}

/**
 * blkfront_poll_stop() - no poller takes responses from here on
 * @info: device whose rings are about to be collected, failed or freed
 *
 * Returns once no poller is inside a ring, nor reading one without its
 * lock (an RCU grace period, only when a ring was polling): the rings may
 * be freed then.  Sleeps.
 */
void blkfront_poll_stop(struct blkfront_info *info)
{
	bool stopped = false;
	unsigned int r;

	for (r = 0; info->rinfo && r < info->nr_rings; r++) {
		struct blkfront_ring_info *rinfo = &info->rinfo[r];

		if (!rinfo->polling)
			continue;
		spin_lock_irq(&rinfo->lock);
		WRITE_ONCE(rinfo->polling, false);
		spin_unlock_irq(&rinfo->lock);
		stopped = true;
	}
	if (stopped)
		synchronize_rcu();
}

/**
 * blkfront_timeout() - blk-mq .timeout: a request is late
 * @rq: the request
 *
 * A request of a poll ring whose poller went away without it is answered
 * but never taken: take its ring's responses.  Any other request waits for
 * its answer, as blk-mq does without this operation.
 *
 * Return: BLK_EH_DONE when @rq ended meanwhile, else BLK_EH_RESET_TIMER.
 */
enum blk_eh_timer_return blkfront_timeout(struct request *rq)
{
	blkfront_ring_poll(blkfront_hctx_ring(rq->mq_hctx), NULL);
	if (blk_mq_rq_state(rq) != MQ_RQ_IN_FLIGHT)
		return BLK_EH_DONE;
	return BLK_EH_RESET_TIMER;
}

/*
 * Fail the requests in flight on a ring (all but @held_only) and the held
 * ones whose guest pages the backend no longer maps.  The caller made sure
 * no answer can complete them concurrently (device stopped or irq
 * unbound).  Returns the requests still held: the backend maps a guest
 * page of them, so they cannot end yet.
 */
static unsigned int blkfront_fail_ring(struct blkfront_ring_info *rinfo,
				       bool held_only)
{
	unsigned int id, held = 0;
	unsigned long flags;

	spin_lock_irqsave(&rinfo->lock, flags);
	for (id = 0; rinfo->shadow && id < rinfo->nr_slots; id++) {
		struct blkfront_shadow *s = &rinfo->shadow[id];
		struct request *rq = s->rq;

		if (!s->held && (held_only || !s->slot.in_flight))
			continue;
		if (blkfront_grants_release(rinfo, s, false) == -EAGAIN) {
			blkfront_hold_slot(rinfo, id, rq);
			held++;
			continue;
		}
		*blkfront_req_status(rq) = BLK_STS_IOERR;
		blkfront_put_slot(rinfo, id);
		blk_mq_complete_request(rq);
	}
	spin_unlock_irqrestore(&rinfo->lock, flags);
	return held;
}

/**
 * blkfront_fail_inflight() - fail the requests in flight on all rings
 * @info: device that lost (or gave up on) its backend
 *
 * A request whose guest page the backend still maps is not ended: it is
 * held until blkfront_release_held() can revoke the grant.
 *
 * Return: the requests held.
 */
unsigned int blkfront_fail_inflight(struct blkfront_info *info)
{
	unsigned int r, held = 0;

	for (r = 0; info->rinfo && r < info->nr_rings; r++)
		held += blkfront_fail_ring(&info->rinfo[r], false);
	return held;
}

/**
 * blkfront_release_held() - fail the held requests whose grants can now
 *	be revoked
 * @info: device
 *
 * Return: the requests still held.
 */
unsigned int blkfront_release_held(struct blkfront_info *info)
{
	unsigned int r, held = 0;

	for (r = 0; info->rinfo && r < info->nr_rings; r++)
		held += blkfront_fail_ring(&info->rinfo[r], true);
	return held;
}

/**
 * blkfront_fail_inflight_wait() - fail everything in flight, waiting for
 *	the backend to let go of the guest pages it still maps
 * @info: device being removed; its irqs are unbound
 *
 * The disk cannot go while a request is held, and a held request cannot
 * end while the backend maps its page: wait, saying so once.
 */
void blkfront_fail_inflight_wait(struct blkfront_info *info)
{
	unsigned int held = blkfront_fail_inflight(info), waited = 0;

	while (held) {
		if (waited == BLKFRONT_HELD_WARN_MS)
			dev_warn(&info->xbdev->dev,
				 "backend still maps the pages of %u request(s); waiting for it to let go\n",
				 held);
		msleep(BLKFRONT_HELD_RETRY_MS);
		waited += BLKFRONT_HELD_RETRY_MS;
		held = blkfront_release_held(info);
	}
}

/**
 * blkfront_grant_wait_work() - retry the held requests until they end
 * @work: &blkfront_info.grant_wait_work
 *
 * Runs without &blkfront_info.mutex, like blkfront_error_work(): the
 * control plane may hold it while it waits for a held request (the
 * partition scan's read in device_add_disk()).  Each ring's slots are
 * taken under its lock; the rings are only freed after this work is
 * cancelled (resume, a failed connect, remove).
 */
void blkfront_grant_wait_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(to_delayed_work(work),
						  struct blkfront_info,
						  grant_wait_work);

	if (blkfront_release_held(info))
		schedule_delayed_work(&info->grant_wait_work,
				      msecs_to_jiffies(BLKFRONT_HELD_RETRY_MS));
}

/**
 * blkfront_error_work() - after blkfront_set_error(): fail what is in flight
 * @work: &blkfront_info.error_work
 *
 * Runs without &blkfront_info.mutex: the control plane may hold it while
 * it waits for I/O this work fails (device_add_disk() reads the partition
 * table with the mutex held).  The rings and the disk it uses are only
 * freed after their interrupts are unbound and this work is cancelled
 * (resume, a failed connect, remove).
 */
void blkfront_error_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info,
						  error_work);

	if (READ_ONCE(info->connected) == BLKFRONT_ERROR) {
		if (blkfront_fail_inflight(info))
			schedule_delayed_work(&info->grant_wait_work,
					      msecs_to_jiffies(BLKFRONT_HELD_RETRY_MS));
		/* queues stopped on a full ring must run to fail their requests */
		blkfront_kick_queues(info);
	}
}

/**
 * blkfront_collect_inflight() - take back what the old backend never answered
 * @info: device being resumed; its irqs are unbound, its queue quiesced,
 *	its poll rings stopped (blkfront_poll_stop())
 *
 * Reads and writes give their bios back (they are submitted again once
 * the new backend's limits are known, and split to fit them); requests
 * without data (flush, discard) are requeued whole.
 */
void blkfront_collect_inflight(struct blkfront_info *info)
{
	unsigned int r, id;

	for (r = 0; info->rinfo && r < info->nr_rings; r++) {
		struct blkfront_ring_info *rinfo = &info->rinfo[r];

		for (id = 0; rinfo->shadow && id < rinfo->nr_slots; id++) {
			struct blkfront_shadow *s = &rinfo->shadow[id];
			struct request *rq = s->rq;
			bool held = s->held;
			struct bio_list bios;

			if (!s->slot.in_flight && !held)
				continue;
			if (blkfront_grants_release(rinfo, s, false) == -EAGAIN) {
				/*
				 * Not after a restore (the grant table is
				 * new); a page still mapped stays with its
				 * request, which then never ends.
				 */
				dev_warn(&info->xbdev->dev,
					 "a page of request %u is still mapped; the request stays unfinished\n",
					 id);
				continue;
			}
			blkfront_put_slot(rinfo, id);
			if (held) {
				/* answered wrongly before the suspend */
				blk_mq_end_request(rq, BLK_STS_IOERR);
				continue;
			}
			if (req_op(rq) != REQ_OP_READ && req_op(rq) != REQ_OP_WRITE) {
				list_add_tail(&rq->queuelist, &info->requeue);
				continue;
			}
			blkfront_rq_take_bios(rq, &bios);
			bio_list_merge(&info->requeue_bios, &bios);
			blk_mq_end_request(rq, BLK_STS_OK);
		}
	}
}
