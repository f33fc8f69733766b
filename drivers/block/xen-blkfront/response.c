// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the data plane, responses in.  Responses are copied off
 * the ring once, checked (validate.c) and complete their block request in
 * blkfront_interrupt(), or, on the rings of polled queues, in
 * blkfront_ring_poll().  When the device stops or the backend goes, the
 * requests in flight fail here, or are collected for a resume.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/rcupdate.h>
#include <xen/events.h>
#include <xen-blk/blkif_names.h>
#include "common.h"
#include "trace.h"

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
	blkfront_ring_poll(blkfront_rq_ring(rq), NULL);
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
