// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the data plane, requests out.  Block requests become ring
 * requests in blkfront_queue_rq(), or a plug's worth at a time in
 * blkfront_queue_rqs(); their responses come back in response.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <xen/events.h>
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

/**
 * blkfront_put_slot() - free a ring's slot
 * @rinfo: the ring, its lock held
 * @id: the slot, in flight or held
 */
void blkfront_put_slot(struct blkfront_ring_info *rinfo, unsigned int id)
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

/**
 * blkfront_hold_slot() - keep a slot with its request
 * @rinfo: the ring, its lock held
 * @id: the slot
 * @rq: its request
 *
 * The backend still maps a guest page of the request, which goes back to
 * its owner only once the grant is revoked.  The slot is no longer in
 * flight (a response to it is a violation) and not free;
 * blkfront_fail_ring() ends the request later.
 */
void blkfront_hold_slot(struct blkfront_ring_info *rinfo, unsigned int id,
			struct request *rq)
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

/**
 * blkfront_rq_take_bios() - take the bios off a request
 * @rq: the request, which ends with none
 * @bios: where they go
 *
 * The frontend itself submits them again (a work item, the control
 * plane).  Submitted there, a bio must not ask not to wait (REQ_NOWAIT,
 * io_uring's): it would fail with EAGAIN where its submitter cannot retry
 * it.
 */
void blkfront_rq_take_bios(struct request *rq, struct bio_list *bios)
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
 * until responses free one (blkfront_ring_restart(), which starts every
 * stopped queue of the disk: also a polled @hctx whose flush waited for
 * room on an interrupt-driven ring).
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
 * batch before it would otherwise wait for the next batch.  A request
 * that goes on another ring than its queue's (blkfront_rq_ring(): a flush
 * on a polled queue) is pushed at once, and as the last of a batch it
 * pushes its queue's ring too.
 *
 * Return: a blk_status_t; BLK_STS_DEV_RESOURCE stops the queue until
 * responses free ring slots or the device reconnects.
 */
blk_status_t blkfront_queue_rq(struct blk_mq_hw_ctx *hctx,
			       const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct blkfront_ring_info *rinfo = blkfront_rq_ring(rq);
	bool other = rinfo != blkfront_hctx_ring(hctx);
	struct blkfront_info *info = rinfo->info;
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
	if (bd->last || other)
		blkfront_notify(rinfo);
unlock:
	spin_unlock_irqrestore(&rinfo->lock, flags);
	if (other && bd->last)
		blkfront_commit_rqs(hctx);
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
		struct blkfront_ring_info *rinfo = blkfront_rq_ring(rq);
		unsigned int taken = 0;
		bool stuck = false;

		xen_blk_rqs_init(&other);
		while ((rq = xen_blk_rqs_pop(&todo))) {
			if (blkfront_rq_ring(rq) != rinfo) {
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
