// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: the data plane.  One kernel thread per shared ring takes the
 * frontend's requests off the ring (one private copy each, checked by
 * validate.c), maps their grants (grants.c), turns them into bios, and
 * answers them when the bios complete.  Completions are handed back to the
 * ring's thread, so that it alone writes responses and touches the grant
 * caches: no lock on the ring, none on the caches.
 *
 * Nothing waits for the backing device but the I/O itself: discards run
 * from a workqueue, and when the frontend goes the thread stops at once.
 * The requests still in flight then complete to the ring's reap work,
 * which answers them and releases the ring after the last one.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <xen/events.h>
#include <xen-blk/blkif_names.h>
#include "common.h"
#include "trace.h"

/* How long a ring's thread waits for I/O in flight before saying so. */
#define BLKBACK_DRAIN_LOG_SECS		30

/* Statistics period with log_stats set. */
#define BLKBACK_LOG_STATS_SECS		10

/*
 * Refused requests cost no I/O, so a frontend could have them answered as
 * fast as a CPU goes.  A ring answers this many per window at once; past
 * that it serves nothing more until the window ends.  A window that ends
 * with its burst used up makes the next one twice as long, up to the
 * longest; one that does not brings it back to the shortest.
 */
#define BLKBACK_REFUSE_BURST		64
#define BLKBACK_REFUSE_WINDOW_MS	100
#define BLKBACK_REFUSE_WINDOW_MAX_MS	1000U

/**
 * blkback_ring_interrupt() - the frontend has put requests on the ring
 * @irq: the ring's interrupt (lateeoi: masked until the thread is done)
 * @dev_id: the ring
 *
 * Return: IRQ_HANDLED.
 */
irqreturn_t blkback_ring_interrupt(int irq, void *dev_id)
{
	struct blkback_ring *ring = dev_id;

	WRITE_ONCE(ring->notified, true);
	wake_up(&ring->wq);
	return IRQ_HANDLED;
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

/* Time an answered request and trace its answer; under done_lock. */
static void blkback_account_rsp(struct blkback_ring *ring,
				const struct blkback_req_info *info,
				s16 status, u64 taken_ns)
{
	u64 us = div_u64(ktime_get_ns() - taken_ns, NSEC_PER_USEC);

	xen_blk_lat_record(&ring->lat, info->op, us);
	trace_blkback_req_completed(dev_name(&ring->be->xdev->dev), ring->idx,
				    info->id, info->op, info->nr_sectors,
				    info->nseg, status, us);
}

static void blkback_respond(struct blkback_ring *ring,
			    const struct blkback_req_info *info, s16 status,
			    u64 taken_ns)
{
	union blkback_back_rings *br = &ring->br;
	RING_IDX i = br->common.rsp_prod_pvt;
	u64 id = info->id;
	u8 op = info->op;

	blkback_account_rsp(ring, info, status, taken_ns);

	switch (ring->abi) {
	case BLKBACK_ABI_X86_32: {
		struct blkif_x86_32_response *rsp =
			RING_GET_RESPONSE(&br->x86_32, i);

		rsp->id = id;
		rsp->operation = op;
		rsp->status = status;
		break;
	}
	case BLKBACK_ABI_X86_64: {
		struct blkif_x86_64_response *rsp =
			RING_GET_RESPONSE(&br->x86_64, i);

		rsp->id = id;
		rsp->operation = op;
		rsp->status = status;
		break;
	}
	default: {
		struct blkif_response *rsp = RING_GET_RESPONSE(&br->native, i);

		rsp->id = id;
		rsp->operation = op;
		rsp->status = status;
		break;
	}
	}
	br->common.rsp_prod_pvt = i + 1;
}

/*
 * Publish the responses written so far and kick the frontend if needed.
 * Responses are written and pushed under @ring->done_lock: from the ring's
 * thread and from bio completion.
 */
static void blkback_push(struct blkback_ring *ring)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ring->br.common, notify);
	if (notify)
		notify_remote_via_irq(ring->irq);
}

/*
 * One response from the ring's thread, published at once, to the request
 * it is dispatching.
 */
static void blkback_answer(struct blkback_ring *ring,
			   const struct blkback_req_info *info, s16 status)
{
	spin_lock_irq(&ring->done_lock);
	blkback_respond(ring, info, status, ring->taken_ns);
	blkback_push(ring);
	spin_unlock_irq(&ring->done_lock);
}

static unsigned long blkback_refuse_window_end(struct blkback_ring *ring)
{
	return ring->refuse_window + msecs_to_jiffies(ring->refuse_window_ms);
}

/* The ring's thread counts the requests it refuses, per window. */
static void blkback_count_refused(struct blkback_ring *ring)
{
	if (time_after_eq(jiffies, blkback_refuse_window_end(ring))) {
		if (ring->refused >= BLKBACK_REFUSE_BURST)
			ring->refuse_window_ms = min(2 * ring->refuse_window_ms,
						     BLKBACK_REFUSE_WINDOW_MAX_MS);
		else
			ring->refuse_window_ms = BLKBACK_REFUSE_WINDOW_MS;
		ring->refuse_window = jiffies;
		ring->refused = 0;
	}
	ring->refused++;
}

/* A burst of refused requests: serve nothing until the window ends. */
static bool blkback_paced(struct blkback_ring *ring)
{
	return ring->refused >= BLKBACK_REFUSE_BURST &&
	       time_before(jiffies, blkback_refuse_window_end(ring));
}

/* The request being dispatched is accepted or refused: it was taken. */
static void blkback_trace_taken(struct blkback_ring *ring,
				const struct blkback_req_info *info)
{
	trace_blkback_req_queued(dev_name(&ring->be->xdev->dev), ring->idx,
				 info->id, info->op, info->sector,
				 info->nr_sectors, info->nseg);
}

static void blkback_refuse(struct blkback_ring *ring,
			   const struct blkback_req_info *info,
			   enum blkback_err err)
{
	blkback_trace_taken(ring, info);
	blkback_count_refused(ring);
	atomic64_inc(&ring->stats.err[err]);
	/* the frontend's fault, not the device's nor dom0's */
	if (err != BLKBACK_ERR_IO && err != BLKBACK_ERR_MAP)
		trace_blkback_protocol_violation(dev_name(&ring->be->xdev->dev),
						 ring->idx, blkback_err_name(err),
						 info->op);
	if (err != BLKBACK_ERR_IO)
		dev_warn_ratelimited(&ring->be->xdev->dev,
				     "ring %u: refused op %u (%s), sector %llu, %u segments: %s\n",
				     ring->idx, info->op,
				     xen_blkif_op_name(info->op), info->sector,
				     info->nseg, blkback_err_name(err));
	blkback_answer(ring, info, blkback_err_status(err));
}

/* ------------------------------------------------------------------ */
/* Completion                                                          */
/* ------------------------------------------------------------------ */

static s16 blkback_status(struct blkback_ring *ring, struct blkback_req *r)
{
	enum blkback_feature withdraw;
	s16 status;

	if (!r->error)
		return BLKIF_RSP_OKAY;
	atomic64_inc(&ring->stats.err[BLKBACK_ERR_IO]);
	dev_warn_ratelimited(&ring->be->xdev->dev,
			     "ring %u: I/O error %d on op %u (%s) at sector %llu\n",
			     ring->idx, blk_status_to_errno(r->error),
			     r->info.op, xen_blkif_op_name(r->info.op),
			     r->info.sector);
	status = blkback_io_status(&r->info, blk_status_to_errno(r->error),
				   &withdraw);
	if (withdraw != BLKBACK_FEATURE_NONE)
		blkback_withdraw_feature(ring->be, withdraw);
	return status;
}

/**
 * blkback_req_put() - drop a reference to a request in flight
 * @r: the request: one reference per bio not completed, one while
 *	submitting, one for a discard (pending_bios)
 *
 * Last reference gone.  A request served by persistent grants alone (the
 * steady state with them) is answered right here, in the completion's
 * context, without waking the ring's thread; one with grants to unmap goes
 * to the thread (to the reap work once the ring is stopping), since
 * unmapping may sleep.  Everything happens under the lock: once it is
 * dropped the thread or the reap work may find the ring idle and free it.
 */
void blkback_req_put(struct blkback_req *r)
{
	struct blkback_ring *ring = r->ring;
	unsigned long flags;

	if (!atomic_dec_and_test(&r->pending_bios))
		return;
	spin_lock_irqsave(&ring->done_lock, flags);
	if (blkback_release_persistent(ring, r->grants, r->info.nseg)) {
		blkback_respond(ring, &r->info, blkback_status(ring, r),
				r->taken_ns);
		blkback_push(ring);
		blkback_req_release(ring, r);
	} else {
		list_add_tail(&r->list, &ring->done);
		wake_up(&ring->wq);
	}
	if (ring->stopping)
		queue_work(blkback_teardown_wq, &ring->reap);
	spin_unlock_irqrestore(&ring->done_lock, flags);
}

static void blkback_bio_end(struct bio *bio)
{
	struct blkback_req *r = bio->bi_private;

	if (bio->bi_status)
		WRITE_ONCE(r->error, bio->bi_status);
	bio_put(bio);
	blkback_req_put(r);
}

/* Answer the requests whose I/O finished.  Returns true if there were any. */
static bool blkback_complete(struct blkback_ring *ring)
{
	struct blkback_req *r, *next;
	LIST_HEAD(done);

	spin_lock_irq(&ring->done_lock);
	list_splice_init(&ring->done, &done);
	spin_unlock_irq(&ring->done_lock);
	if (list_empty(&done))
		return false;

	/* unmapping may sleep: first all of them, then the answers */
	list_for_each_entry(r, &done, list)
		blkback_unmap_grants(ring, r->grants, r->info.nseg);
	spin_lock_irq(&ring->done_lock);
	list_for_each_entry_safe(r, next, &done, list) {
		blkback_respond(ring, &r->info, blkback_status(ring, r),
				r->taken_ns);
		list_del(&r->list);
		blkback_req_release(ring, r);
	}
	blkback_push(ring);
	spin_unlock_irq(&ring->done_lock);
	return true;
}

static bool blkback_drained(struct blkback_ring *ring, int keep)
{
	bool ret;

	if (kthread_should_stop())
		return true;
	spin_lock_irq(&ring->done_lock);
	ret = !list_empty(&ring->done) || atomic_read(&ring->inflight) <= keep;
	if (!ret)
		ring->waiting = true;
	spin_unlock_irq(&ring->done_lock);
	return ret;
}

/*
 * Wait until all but @keep requests of the ring are answered (a barrier).
 * Gives up when the thread is told to stop: the frontend is going, and the
 * device may never finish.  Returns true when drained.
 */
static bool blkback_drain(struct blkback_ring *ring, int keep)
{
	while (atomic_read(&ring->inflight) > keep) {
		if (kthread_should_stop())
			return false;
		if (!wait_event_timeout(ring->wq, blkback_drained(ring, keep),
					BLKBACK_DRAIN_LOG_SECS * HZ))
			dev_warn(&ring->be->xdev->dev,
				 "ring %u: barrier still waiting for %d requests\n",
				 ring->idx, atomic_read(&ring->inflight));
		blkback_complete(ring);
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */
/* ------------------------------------------------------------------ */

static void blkback_discard(struct blkback_ring *ring,
			    const struct blkback_req_info *info)
{
	struct blkback_req *r;

	blkback_count(&ring->stats, BLKBACK_ST_DS_REQ, 1);
	blkback_trace_taken(ring, info);
	/*
	 * An empty range has nothing to discard: the device is not asked
	 * (blkdev_issue_discard() fails one on Linux 6.1 and ignores it on
	 * 6.12, which would make the answer depend on dom0's kernel).
	 */
	if (!info->nr_sectors) {
		blkback_answer(ring, info, BLKIF_RSP_OKAY);
		return;
	}
	r = blkback_req_get(ring);
	r->info = *info;
	r->error = BLK_STS_OK;
	atomic_set(&r->pending_bios, 1);
	queue_work(blkback_discard_wq, &r->discard);
}

/*
 * Copy the segments of an indirect request out of its indirect pages, once,
 * then let the pages go.  Returns what blkback_map_grants() returned for
 * them: how many it mapped anew, or an error.
 */
static int blkback_read_indirect(struct blkback_ring *ring,
				 struct blkback_req *r,
				 const struct blkif_request *req)
{
	unsigned int n = r->info.nr_indirect_pages, i, left = r->info.nseg;
	int err;

	for (i = 0; i < n; i++)
		r->ind[i].gref = req->u.indirect.indirect_grefs[i];
	err = blkback_map_grants(ring, r->ind, n, true);
	if (err >= 0) {
		for (i = 0; i < n; i++) {
			unsigned int cnt = min_t(unsigned int, left,
						 BLKIF_SEGS_PER_INDIRECT_PAGE);

			memcpy(r->segs + i * BLKIF_SEGS_PER_INDIRECT_PAGE,
			       page_address(r->ind[i].page),
			       cnt * sizeof(*r->segs));
			left -= cnt;
		}
	}
	blkback_unmap_grants(ring, r->ind, n);
	return err;
}

static blk_opf_t blkback_bio_opf(const struct blkback_req_info *info)
{
	blk_opf_t opf;

	if (info->kind == BLKBACK_KIND_READ)
		return REQ_OP_READ;
	opf = REQ_OP_WRITE | REQ_SYNC;
	if (info->kind == BLKBACK_KIND_WRITE)
		opf |= REQ_IDLE;
	if (info->preflush)
		opf |= REQ_PREFLUSH;
	if (info->fua)
		opf |= REQ_FUA;
	return opf;
}

static struct bio *blkback_bio_new(struct blkback_req *r, unsigned int nvecs,
				   blk_opf_t opf, sector_t sector)
{
	struct bio *bio = bio_alloc(r->ring->be->bdev.bdev, nvecs, opf,
				    GFP_NOIO);

	bio->bi_iter.bi_sector = sector;
	bio->bi_private = r;
	bio->bi_end_io = blkback_bio_end;
	atomic_inc(&r->pending_bios);
	return bio;
}

/* Build the bios of a mapped request and submit them. */
static void blkback_submit(struct blkback_ring *ring, struct blkback_req *r)
{
	blk_opf_t opf = blkback_bio_opf(&r->info);
	sector_t sector = r->info.sector;
	unsigned int i, nseg = r->info.nseg;
	struct bio *bio = NULL;

	r->error = BLK_STS_OK;
	atomic_set(&r->pending_bios, 1);
	if (!nseg)
		bio = blkback_bio_new(r, 0, opf, sector);
	for (i = 0; i < nseg; i++) {
		unsigned int off = r->segs[i].first_sect << BLKIF_SECTOR_SHIFT;
		unsigned int len = (r->segs[i].last_sect + 1 -
				    r->segs[i].first_sect) << BLKIF_SECTOR_SHIFT;

		if (!bio || bio_add_page(bio, r->grants[i].page, len, off) != len) {
			if (bio)
				submit_bio(bio);
			bio = blkback_bio_new(r, min_t(unsigned int, nseg - i,
						       BIO_MAX_VECS),
					      opf, sector);
			/* a fresh bio always has room for one page */
			__bio_add_page(bio, r->grants[i].page, len, off);
		}
		sector += len >> BLKIF_SECTOR_SHIFT;
	}
	submit_bio(bio);
	blkback_req_put(r);
}

static void blkback_count_req(struct blkback_ring *ring,
			      const struct blkback_req_info *info)
{
	struct blkback_stats *s = &ring->stats;

	if (info->indirect)
		blkback_count(s, BLKBACK_ST_INDIRECT_REQ, 1);
	if (info->preflush)
		blkback_count(s, BLKBACK_ST_F_REQ, 1);
	if (info->kind == BLKBACK_KIND_READ) {
		blkback_count(s, BLKBACK_ST_RD_REQ, 1);
		blkback_count(s, BLKBACK_ST_RD_SECT, info->nr_sectors);
	} else if (info->kind == BLKBACK_KIND_WRITE) {
		if (!info->preflush)
			blkback_count(s, BLKBACK_ST_WR_REQ, 1);
		blkback_count(s, BLKBACK_ST_WR_SECT, info->nr_sectors);
	}
}

/*
 * The short tries after a give-up are for a shortage that lasts: they end
 * when a request of the disk maps new grants, when no request of the disk
 * gave up for as long as the long wait (a disk idle since has no news of
 * the shortage), or when the frontend connects again (a new connection
 * starts afresh, see blkback_maybe_connect()).  The disk's rings share
 * this state: each ring thread reads and writes it without a lock, and a
 * race costs at most one long wait more or less.
 *
 * Forget a give-up older than the long wait.  Each ring thread's upkeep
 * calls this too, so that a give-up never ages past the long wait by more
 * than one upkeep: time_after() would take one older than LONG_MAX
 * jiffies (about 25 days at HZ=1000 on 32-bit) for a recent one.
 */
static void blkback_nomem_lapse(struct blkback_dev *be)
{
	if (READ_ONCE(be->nomem_gave_up) &&
	    time_after(jiffies, READ_ONCE(be->nomem_gave_up_at) +
		       msecs_to_jiffies(BLKBACK_NOMEM_TRIES *
					BLKBACK_NOMEM_RETRY_MS)))
		WRITE_ONCE(be->nomem_gave_up, false);
}

/* A request of the disk gave up for want of memory, lately. */
static bool blkback_nomem_gave_up(struct blkback_dev *be)
{
	blkback_nomem_lapse(be);
	return READ_ONCE(be->nomem_gave_up);
}

/*
 * Mapping a request's grants ran short of dom0 memory: leave the request on
 * the ring and take it again a little later.  Only BLKBACK_NOMEM_TRIES
 * tries in a row that all ran short fail it; from then on, until a request
 * maps new grants or that long passed without a request failing so, a
 * request of any ring of the disk that runs short gets
 * BLKBACK_NOMEM_TRIES_AFTER tries only.  A lasting dom0-wide shortage
 * (Xen's maptrack table filled by another guest, say) thus costs the disk
 * one long wait, not one per request or per ring (rings taking turns would
 * otherwise each outlive the others' give-ups), even when requests served
 * by persistent grants alone come in between.
 * Meanwhile the page pool keeps the pages the request maps onto (see
 * blkback_grants_maintain()).  Returns true to retry.
 */
static bool blkback_nomem_retry(struct blkback_ring *ring,
				const struct blkback_req_info *info)
{
	struct blkback_dev *be = ring->be;

	if (++ring->nomem_tries >= (blkback_nomem_gave_up(be) ?
				    BLKBACK_NOMEM_TRIES_AFTER :
				    BLKBACK_NOMEM_TRIES)) {
		WRITE_ONCE(be->nomem_gave_up_at, jiffies);
		WRITE_ONCE(be->nomem_gave_up, true);
		return false;
	}
	ring->nomem_pages = info->nseg + info->nr_indirect_pages;
	ring->nomem_until = jiffies + msecs_to_jiffies(BLKBACK_NOMEM_RETRY_MS);
	ring->nomem_wait = true;
	blkback_count(&ring->stats, BLKBACK_ST_NOMEM_RETRY, 1);
	return true;
}

/* Waiting out a memory shortage before the next try. */
static bool blkback_nomem_waiting(struct blkback_ring *ring)
{
	if (!ring->nomem_wait)
		return false;
	if (time_before(jiffies, ring->nomem_until))
		return true;
	ring->nomem_wait = false;
	return false;
}

/*
 * The request that waited for memory is gone: the frontend took it back (or
 * broke the ring).  Forget it, or its pages would stay in the pool and the
 * thread would keep waking to try it.
 */
static void blkback_nomem_forget(struct blkback_ring *ring)
{
	ring->nomem_tries = 0;
	ring->nomem_wait = false;
}

/*
 * Serve one request, from its private copy.  Returns false when dom0 had no
 * memory to map its grants: the request stays on the ring, untouched and
 * unanswered, for blkback_nomem_waiting() to hold off the next try.
 */
static bool blkback_dispatch(struct blkback_ring *ring,
			     const struct blkif_request *req)
{
	struct blkback_limits lim = blkback_limits(ring->be);
	struct blkback_req_info info;
	struct blkback_req *r;
	enum blkback_err err;
	unsigned int mapped = 0;
	int ret;

	err = blkback_check_header(req, &lim, &info);
	if (err) {
		blkback_refuse(ring, &info, err);
		return true;
	}
	if (info.kind == BLKBACK_KIND_DISCARD) {
		blkback_discard(ring, &info);
		return true;
	}
	if (info.kind == BLKBACK_KIND_FLUSH && lim.readonly) {
		/* nothing was written through us: nothing to flush */
		blkback_count_req(ring, &info);
		blkback_trace_taken(ring, &info);
		blkback_answer(ring, &info, BLKIF_RSP_OKAY);
		return true;
	}

	r = blkback_req_get(ring);
	r->info = info;
	if (info.indirect) {
		ret = blkback_read_indirect(ring, r, req);
		if (ret == -ENOMEM && blkback_nomem_retry(ring, &info))
			goto retry;
		if (ret < 0) {
			err = BLKBACK_ERR_MAP;
			goto refuse;
		}
		mapped = ret;
	} else if (info.nseg) {
		memcpy(r->segs, req->u.rw.seg, info.nseg * sizeof(*r->segs));
	}
	if (info.nseg) {
		unsigned int i;

		err = blkback_check_segments(r->segs, &lim, &r->info);
		if (err)
			goto refuse;
		for (i = 0; i < info.nseg; i++)
			r->grants[i].gref = r->segs[i].gref;
	}

	/* all but this one; a ring told to stop fails the barrier */
	if (info.drain && !blkback_drain(ring, 1)) {
		err = BLKBACK_ERR_IO;
		goto refuse;
	}

	ret = blkback_map_grants(ring, r->grants, info.nseg,
				 info.kind != BLKBACK_KIND_READ);
	if (ret < 0) {
		blkback_unmap_grants(ring, r->grants, info.nseg);
		if (ret == -ENOMEM && blkback_nomem_retry(ring, &info))
			goto retry;
		err = BLKBACK_ERR_MAP;
		goto refuse;
	}
	/* persistent grants alone say nothing of dom0's memory */
	if ((mapped + ret) && READ_ONCE(ring->be->nomem_gave_up))
		WRITE_ONCE(ring->be->nomem_gave_up, false);
	blkback_count_req(ring, &r->info);
	blkback_trace_taken(ring, &r->info);
	blkback_submit(ring, r);
	return true;

refuse:
	blkback_refuse(ring, &r->info, err);
	blkback_req_drop(ring, r);
	return true;
retry:
	blkback_req_drop(ring, r);
	return false;
}

/* ------------------------------------------------------------------ */
/* The ring                                                            */
/* ------------------------------------------------------------------ */

/* Private copy of the request in slot @rc, whatever the guest's ABI. */
static void blkback_copy_req(struct blkback_ring *ring, RING_IDX rc,
			     struct blkif_request *req)
{
	union blkback_back_rings *br = &ring->br;

	switch (ring->abi) {
	case BLKBACK_ABI_X86_32:
		blkback_copy_req_x86_32(req, RING_GET_REQUEST(&br->x86_32, rc));
		break;
	case BLKBACK_ABI_X86_64:
		blkback_copy_req_x86_64(req, RING_GET_REQUEST(&br->x86_64, rc));
		break;
	default:
		memcpy(req, RING_GET_REQUEST(&br->native, rc), sizeof(*req));
		break;
	}
}

/* No slot free: the next request released wakes the thread. */
static bool blkback_no_free_slot(struct blkback_ring *ring)
{
	bool none;

	if (READ_ONCE(ring->nr_free))
		return false;
	spin_lock_irq(&ring->done_lock);
	none = !ring->nr_free;
	if (none)
		ring->waiting = true;
	spin_unlock_irq(&ring->done_lock);
	return none;
}

/*
 * Take the requests the frontend published.  Returns 1 when some are left
 * (no free slot, or stopping), 0 when the ring is empty, -EPROTO when the
 * frontend broke the ring.
 */
static int blkback_take_requests(struct blkback_ring *ring,
				 unsigned int *eoi_flags)
{
	struct blkback_common_back_ring *cr = &ring->br.common;
	struct blkif_request req;
	RING_IDX rc, rp;

	rc = cr->req_cons;
	rp = READ_ONCE(cr->sring->req_prod);
	rmb(); /* read the requests only after their producer index */

	if (RING_REQUEST_PROD_OVERFLOW(cr, rp)) {
		blkback_nomem_forget(ring);
		WRITE_ONCE(ring->broken, true);
		trace_blkback_protocol_violation(dev_name(&ring->be->xdev->dev),
						 ring->idx,
						 "requests overflow the ring",
						 rp - cr->rsp_prod_pvt);
		dev_warn_ratelimited(&ring->be->xdev->dev,
				     "ring %u: frontend of domain %u published %u requests for a ring of %u: ring stopped\n",
				     ring->idx, ring->be->domid,
				     rp - cr->rsp_prod_pvt, RING_SIZE(cr));
		return -EPROTO;
	}

	while (rc != rp) {
		/* every slot answered-but-unseen: wait for the frontend */
		if (RING_REQUEST_CONS_OVERFLOW(cr, rc))
			return 1;
		*eoi_flags &= ~XEN_EOI_FLAG_SPURIOUS;
		if (kthread_should_stop() || blkback_paced(ring) ||
		    blkback_nomem_waiting(ring))
			return 1;
		if (blkback_no_free_slot(ring)) {
			blkback_count(&ring->stats, BLKBACK_ST_OO_REQ, 1);
			return 1;
		}
		blkback_copy_req(ring, rc, &req);
		/* a request tried again after a shortage counts from its first try */
		if (!ring->nomem_tries)
			ring->taken_ns = ktime_get_ns();
		cr->req_cons = ++rc;
		/* from here on only the private copy is looked at */
		barrier();
		ring->last_req = jiffies;
		if (!blkback_dispatch(ring, &req)) {
			/* nothing done with it: take it again later */
			cr->req_cons = --rc;
			return 1;
		}
		ring->nomem_tries = 0;
		blkback_count(&ring->stats, BLKBACK_ST_REQ, 1);
		cond_resched();
	}
	blkback_nomem_forget(ring);
	return 0;
}

/*
 * Serve what the frontend published, under one plug: the bios of a batch of
 * requests reach the device together (and merge where they can).
 */
static int blkback_serve_ring(struct blkback_ring *ring,
			      unsigned int *eoi_flags)
{
	struct blk_plug plug;
	int more;

	blk_start_plug(&plug);
	do {
		more = blkback_take_requests(ring, eoi_flags);
		if (more)
			break;
		RING_FINAL_CHECK_FOR_REQUESTS(&ring->br.common, more);
	} while (more);
	blk_finish_plug(&plug);
	return more;
}

/* Requests wait on the ring, and the thread may take them now. */
static bool blkback_may_serve(struct blkback_ring *ring)
{
	return READ_ONCE(ring->notified) && READ_ONCE(ring->nr_free) &&
	       !READ_ONCE(ring->broken) && !blkback_paced(ring) &&
	       !blkback_nomem_waiting(ring);
}

static bool blkback_has_work(struct blkback_ring *ring)
{
	return kthread_should_stop() || !list_empty(&ring->done) ||
	       blkback_may_serve(ring);
}

static void blkback_print_stats(struct blkback_ring *ring)
{
	atomic64_t *st = ring->stats.st;

	dev_info(&ring->be->xdev->dev,
		 "ring %u: rd %lld wr %lld f %lld ds %lld oo %lld | pgrants %u/%u hit %lld miss %lld | map %lld unmap %lld | pool %u\n",
		 ring->idx, atomic64_read(&st[BLKBACK_ST_RD_REQ]),
		 atomic64_read(&st[BLKBACK_ST_WR_REQ]),
		 atomic64_read(&st[BLKBACK_ST_F_REQ]),
		 atomic64_read(&st[BLKBACK_ST_DS_REQ]),
		 atomic64_read(&st[BLKBACK_ST_OO_REQ]),
		 ring->nr_pgrants, READ_ONCE(blkback_max_persistent_grants),
		 atomic64_read(&st[BLKBACK_ST_PGNT_HIT]),
		 atomic64_read(&st[BLKBACK_ST_PGNT_MISS]),
		 atomic64_read(&st[BLKBACK_ST_MAP_OPS]),
		 atomic64_read(&st[BLKBACK_ST_UNMAP_OPS]),
		 blkback_pool_pages(ring));
}

/* Memory pressure was notified since the last upkeep, or still lasts. */
static bool blkback_squeezed(struct blkback_ring *ring)
{
	unsigned int seq = atomic_read(&ring->be->squeeze_seq);
	bool fresh = seq != ring->squeeze_seen;

	ring->squeeze_seen = seq;
	return fresh ||
	       time_before(jiffies, READ_ONCE(ring->be->squeeze_until));
}

/* Cache upkeep and statistics, between batches of requests. */
static void blkback_housekeeping(struct blkback_ring *ring)
{
	bool idle = blkback_squeezed(ring) ||
		    (!atomic_read(&ring->inflight) &&
		     time_after(jiffies, ring->last_req +
				msecs_to_jiffies(BLKBACK_POOL_IDLE_MS)));

	blkback_grants_maintain(ring, idle);
	blkback_nomem_lapse(ring->be);
	if (!ring->idx)
		blkback_check_resize(ring->be);
	if (READ_ONCE(blkback_log_stats) && time_after(jiffies, ring->next_log)) {
		blkback_print_stats(ring);
		ring->next_log = jiffies + BLKBACK_LOG_STATS_SECS * HZ;
	}
}

/* Sleep until the next upkeep, or the next try after a memory shortage. */
static long blkback_wait_jiffies(struct blkback_ring *ring)
{
	long t = msecs_to_jiffies(BLKBACK_MAINT_INTERVAL_MS);

	if (ring->nomem_wait)
		t = clamp_t(long, (long)(ring->nomem_until - jiffies), 1, t);
	return t;
}

/**
 * blkback_ring_thread() - the thread serving one ring
 * @arg: the ring
 *
 * Runs until kthread_stop(), and returns without waiting for the I/O in
 * flight: blkback_ring_retire() hands that to the reap work.
 *
 * Return: 0.
 */
int blkback_ring_thread(void *arg)
{
	struct blkback_ring *ring = arg;
	unsigned int eoi_flags = XEN_EOI_FLAG_SPURIOUS;

	set_freezable();
	ring->last_req = jiffies;
	ring->refuse_window = jiffies;
	ring->refuse_window_ms = BLKBACK_REFUSE_WINDOW_MS;
	ring->next_log = jiffies + BLKBACK_LOG_STATS_SECS * HZ;
	while (!kthread_should_stop()) {
		wait_event_freezable_timeout(ring->wq, blkback_has_work(ring),
					     blkback_wait_jiffies(ring));
		blkback_complete(ring);

		if (blkback_may_serve(ring)) {
			int ret;

			WRITE_ONCE(ring->notified, false);
			/* clear the flag before looking at the ring */
			smp_mb();
			ret = blkback_serve_ring(ring, &eoi_flags);
			if (ret > 0) {
				WRITE_ONCE(ring->notified, true);
			} else if (!ret) {
				/* unmask the event channel only when done */
				xen_irq_lateeoi(ring->irq, eoi_flags);
				eoi_flags = XEN_EOI_FLAG_SPURIOUS;
			}
		}
		blkback_housekeeping(ring);
	}

	if (READ_ONCE(blkback_log_stats))
		blkback_print_stats(ring);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Teardown                                                            */
/* ------------------------------------------------------------------ */

/*
 * Answer what completed; release the ring once nothing is in flight.  A
 * completion queues this again after each request it ends, so the last one
 * brings it here with the ring idle.
 */
static void blkback_ring_reap(struct work_struct *work)
{
	struct blkback_ring *ring = container_of(work, struct blkback_ring,
						 reap);
	bool idle;

	blkback_complete(ring);
	spin_lock_irq(&ring->done_lock);
	idle = !atomic_read(&ring->inflight) && list_empty(&ring->done);
	spin_unlock_irq(&ring->done_lock);
	if (!idle)
		return;
	/*
	 * Nothing can queue us again; a completion that did so just before
	 * its last request left must not run us on freed memory.
	 */
	cancel_work(&ring->reap);
	blkback_ring_release(ring);
}

/**
 * blkback_ring_retire() - hand a ring whose thread stopped to its reap work
 * @ring: the ring, its thread gone (or never started)
 *
 * Returns without waiting for the backing device; the ring is released
 * (blkback_ring_release()) once its last request in flight has ended, from
 * the teardown workqueue.
 */
void blkback_ring_retire(struct blkback_ring *ring)
{
	INIT_WORK(&ring->reap, blkback_ring_reap);
	spin_lock_irq(&ring->done_lock);
	ring->stopping = true;
	spin_unlock_irq(&ring->done_lock);
	queue_work(blkback_teardown_wq, &ring->reap);
}
