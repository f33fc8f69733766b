// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: request slots.  A ring has one slot (struct blkback_req) per
 * request its frontend may have on it, each with room for the segments of
 * the largest request and their grants, allocated when the ring connects.
 * The ring's thread alone takes slots; they come back under the ring's
 * done_lock, from the thread or from bio completion (blkback.c).
 *
 * A slot also carries the work a discard runs in: discards wait for the
 * device, which the ring's thread never does.
 */

#include <linux/blkdev.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "common.h"

/*
 * A discard waits for the device: it runs here, not in the ring's thread,
 * and holds its request slot (and so the ring) until it ends.
 */
static void blkback_discard_work(struct work_struct *work)
{
	struct blkback_req *r = container_of(work, struct blkback_req, discard);
	struct block_device *bdev = r->ring->be->bdev.bdev;
	int err;

	if (r->info.secure)
		err = blkdev_issue_secure_erase(bdev, r->info.sector,
						r->info.nr_sectors, GFP_NOIO);
	else
		err = blkdev_issue_discard(bdev, r->info.sector,
					   r->info.nr_sectors, GFP_NOIO);
	if (err)
		r->error = errno_to_blk_status(err);
	blkback_req_put(r);
}

/**
 * blkback_ring_alloc_reqs() - allocate the request slots of a ring
 * @ring: the ring
 * @nr_reqs: slots (the ring's capacity)
 * @max_segs: most segments one request may carry
 *
 * Return: 0 or -ENOMEM.
 */
int blkback_ring_alloc_reqs(struct blkback_ring *ring, unsigned int nr_reqs,
			    unsigned int max_segs)
{
	unsigned int i;

	INIT_LIST_HEAD(&ring->free);
	ring->reqs = kcalloc(nr_reqs, sizeof(*ring->reqs), GFP_KERNEL);
	ring->seg_store = kvcalloc((size_t)nr_reqs * max_segs,
				   sizeof(*ring->seg_store), GFP_KERNEL);
	ring->grant_store = kvcalloc((size_t)nr_reqs * max_segs,
				     sizeof(*ring->grant_store), GFP_KERNEL);
	if (!ring->reqs || !ring->seg_store || !ring->grant_store) {
		blkback_ring_free_reqs(ring);
		return -ENOMEM;
	}
	for (i = 0; i < nr_reqs; i++) {
		struct blkback_req *r = &ring->reqs[i];

		r->ring = ring;
		INIT_WORK(&r->discard, blkback_discard_work);
		r->segs = ring->seg_store + (size_t)i * max_segs;
		r->grants = ring->grant_store + (size_t)i * max_segs;
		list_add_tail(&r->list, &ring->free);
	}
	ring->nr_reqs = nr_reqs;
	ring->nr_free = nr_reqs;
	return 0;
}

/**
 * blkback_ring_free_reqs() - free the request slots of a ring
 * @ring: a ring whose thread has stopped
 */
void blkback_ring_free_reqs(struct blkback_ring *ring)
{
	kvfree(ring->grant_store);
	kvfree(ring->seg_store);
	kfree(ring->reqs);
	ring->grant_store = NULL;
	ring->seg_store = NULL;
	ring->reqs = NULL;
	ring->nr_reqs = 0;
	ring->nr_free = 0;
	INIT_LIST_HEAD(&ring->free);
}

/**
 * blkback_req_get() - take a free request slot
 * @ring: the ring; the caller is its thread (the only one that takes
 *	slots) and saw nr_free > 0
 *
 * Counts the slot in flight and stamps it with the ring's taken_ns.
 *
 * Return: the slot.
 */
struct blkback_req *blkback_req_get(struct blkback_ring *ring)
{
	struct blkback_req *r;
	unsigned int nr;

	spin_lock_irq(&ring->done_lock);
	r = list_first_entry(&ring->free, struct blkback_req, list);
	list_del(&r->list);
	WRITE_ONCE(ring->nr_free, ring->nr_free - 1);
	nr = atomic_inc_return(&ring->inflight);
	if (nr > ring->inflight_peak)
		WRITE_ONCE(ring->inflight_peak, nr);
	spin_unlock_irq(&ring->done_lock);
	r->taken_ns = ring->taken_ns;
	return r;
}

/**
 * blkback_req_release() - give a request slot back
 * @ring: the ring, its done_lock held
 * @r: the slot, off every list
 *
 * A thread waiting for a slot or for requests to drain is woken.
 */
void blkback_req_release(struct blkback_ring *ring, struct blkback_req *r)
{
	lockdep_assert_held(&ring->done_lock);
	list_add(&r->list, &ring->free);
	WRITE_ONCE(ring->nr_free, ring->nr_free + 1);
	atomic_dec(&ring->inflight);
	if (ring->waiting) {
		ring->waiting = false;
		wake_up(&ring->wq);
	}
}

/**
 * blkback_req_drop() - give back a slot that never reached the device
 * @ring: the ring, done_lock not held
 * @r: the slot
 */
void blkback_req_drop(struct blkback_ring *ring, struct blkback_req *r)
{
	spin_lock_irq(&ring->done_lock);
	blkback_req_release(ring, r);
	spin_unlock_irq(&ring->done_lock);
}
