// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the grant layer.
 *
 * Three ways to show data to the backend, fixed per connection:
 *  - persistent grants: each slot owns pages that are granted once and
 *    reused; data is copied in for writes and out for reads;
 *  - bounce without persistence (untrusted backend that cannot keep
 *    grants): the same private pages, granted per request and revoked on
 *    completion, so the backend never sees guest memory besides the data;
 *  - direct: the guest's own pages are granted per request.
 * Grants are revoked on completion unless persistent; a page the backend
 * still maps is never reused, and a guest page it still maps stays with
 * its request (see blkfront_grants_release()).
 *
 * Every page of our own that is granted holds only I/O data or zeros: it
 * is zeroed when allocated, a sub-page segment leaves the rest of the page
 * with the data of earlier requests of this disk (which the backend has
 * seen), and an indirect page is zero past its last descriptor.  Pages
 * are never allocated under the ring lock: blkfront_pages_prealloc()
 * fills a per-ring pool before the lock is taken.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/page.h>
#include "common.h"
#include "trace.h"

/**
 * blkfront_slots_alloc() - allocate the shadows of a ring
 * @rinfo: ring with nr_slots set
 * @max_segs: data segments per request
 *
 * Pages for bounce buffers, persistent grants and indirect descriptors are
 * allocated the first time a slot needs them, so that a deep ring of big
 * requests only costs memory when the workload uses it.
 *
 * Return: 0 or -ENOMEM.
 */
int blkfront_slots_alloc(struct blkfront_ring_info *rinfo,
			 unsigned int max_segs)
{
	unsigned int nr_ind = max_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST ?
			      blkfront_indirect_pages(max_segs) : 0;
	unsigned int i, j;

	/* on resume the caller holds a memalloc_noio scope */
	INIT_LIST_HEAD(&rinfo->spare);
	rinfo->nr_spare = 0;
	rinfo->shadow = kvcalloc(rinfo->nr_slots, sizeof(*rinfo->shadow),
				 GFP_KERNEL);
	if (!rinfo->shadow)
		return -ENOMEM;
	rinfo->max_segs = max_segs;
	rinfo->max_indirect = nr_ind;
	for (i = 0; i < rinfo->nr_slots; i++) {
		struct blkfront_shadow *s = &rinfo->shadow[i];

		s->sg = kvcalloc(max_segs, sizeof(*s->sg), GFP_KERNEL);
		s->grants = kvcalloc(max_segs, sizeof(*s->grants), GFP_KERNEL);
		if (nr_ind)
			s->indirect = kvcalloc(nr_ind, sizeof(*s->indirect),
					       GFP_KERNEL);
		if (!s->sg || !s->grants || (nr_ind && !s->indirect))
			goto fail;
		sg_init_table(s->sg, max_segs);
		for (j = 0; j < max_segs; j++)
			s->grants[j].gref = BLKFRONT_NO_GREF;
		for (j = 0; j < nr_ind; j++)
			s->indirect[j].gref = BLKFRONT_NO_GREF;
		s->next_free = i + 1 < rinfo->nr_slots ? i + 1 :
			       BLKFRONT_NO_SLOT;
	}
	rinfo->free_head = 0;
	rinfo->in_flight = 0;
	return 0;

fail:
	blkfront_slots_free(rinfo);
	return -ENOMEM;
}

static void blkfront_pages_free(struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/* Revoke and free one of our own grants/pages for good. */
/* Returns 1 when a grant was revoked, 0 when there was none. */
static unsigned int blkfront_grant_drop(struct blkfront_ring_info *rinfo,
					struct blkfront_grant *g)
{
	unsigned int dropped = 0;

	if (g->gref != BLKFRONT_NO_GREF) {
		/* frees the page only once the backend has let go of it */
		gnttab_end_foreign_access(g->gref, g->page);
		rinfo->stats.grants_in_use--;
		rinfo->stats.grants_revoked++;
		g->gref = BLKFRONT_NO_GREF;
		g->page = NULL;
		dropped = 1;
	}
	if (g->page) {
		__free_page(g->page);
		g->page = NULL;
	}
	return dropped;
}

/**
 * blkfront_slots_free() - revoke every grant of a ring's shadows, free them
 * @rinfo: ring whose event channel is already unbound
 *
 * Grants of guest pages that are still listed belong to requests that were
 * failed or requeued; they are ended here too.
 */
void blkfront_slots_free(struct blkfront_ring_info *rinfo)
{
	unsigned int i, j, dropped = 0;

	if (!rinfo->shadow)
		return;
	for (i = 0; i < rinfo->nr_slots; i++) {
		struct blkfront_shadow *s = &rinfo->shadow[i];

		for (j = 0; s->grants && j < rinfo->max_segs; j++)
			dropped += blkfront_grant_drop(rinfo, &s->grants[j]);
		for (j = 0; s->indirect && j < rinfo->max_indirect; j++)
			dropped += blkfront_grant_drop(rinfo, &s->indirect[j]);
		kvfree(s->sg);
		kvfree(s->grants);
		kvfree(s->indirect);
	}
	blkfront_pages_free(&rinfo->spare);
	rinfo->nr_spare = 0;
	kvfree(rinfo->shadow);
	rinfo->shadow = NULL;
	if (dropped)
		trace_blkfront_grant_purge(dev_name(&rinfo->info->xbdev->dev),
					   rinfo->id, dropped);
	rinfo->max_segs = 0;
	rinfo->max_indirect = 0;
}

static int blkfront_grant_page(struct blkfront_ring_info *rinfo,
			       struct page *page, bool readonly)
{
	int ref = gnttab_grant_foreign_access(rinfo->info->xbdev->otherend_id,
					      xen_page_to_gfn(page), readonly);

	if (ref >= 0) {
		rinfo->stats.grants_in_use++;
		rinfo->stats.grants_granted++;
	}
	return ref;
}

/*
 * Our own page for a grant slot, taken from the ring's pool the first
 * time the slot needs it (pool pages are zeroed).
 */
static int blkfront_own_page(struct blkfront_ring_info *rinfo,
			     struct blkfront_grant *g)
{
	if (!g->page) {
		g->page = list_first_entry_or_null(&rinfo->spare, struct page,
						   lru);
		if (!g->page)
			return -ENOMEM;
		list_del(&g->page->lru);
		rinfo->nr_spare--;
	}
	return 0;
}

/* Pages of our own that a read or write of @nr_segs segments may need. */
static unsigned int blkfront_pages_needed(struct blkfront_ring_info *rinfo,
					  unsigned int nr_segs)
{
	unsigned int n = 0;

	if (READ_ONCE(rinfo->info->bounce))
		n += nr_segs;
	if (nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n += blkfront_indirect_pages(nr_segs);
	return n;
}

/**
 * blkfront_pages_prealloc() - allocate, before the ring lock, the pages a
 *	request may take from the ring's pool
 * @rinfo: ring, lock not held
 * @rq: the request about to be queued
 * @pages: list to put the new pages on, for blkfront_pages_stash()
 *
 * The pool keeps what one request of the largest size needs, so once the
 * slots have their pages nothing is allocated any more.  The pages are
 * zeroed: whatever part of them no request writes stays zero.  .queue_rq
 * cannot sleep, so this does not wait for memory; when it gets nothing the
 * request is retried later (BLK_STS_RESOURCE), it never fails for that.
 */
void blkfront_pages_prealloc(struct blkfront_ring_info *rinfo,
			     struct request *rq, struct list_head *pages)
{
	unsigned int need, have = READ_ONCE(rinfo->nr_spare);
	struct page *page;

	if ((req_op(rq) != REQ_OP_READ && req_op(rq) != REQ_OP_WRITE) ||
	    READ_ONCE(rinfo->info->connected) != BLKFRONT_CONNECTED)
		return;
	need = blkfront_pages_needed(rinfo, blk_rq_nr_phys_segments(rq));
	for (; have < need; have++) {
		page = alloc_page(GFP_NOWAIT | __GFP_NOWARN | __GFP_ZERO);
		if (!page)
			break;
		list_add(&page->lru, pages);
	}
}

/**
 * blkfront_pages_stash() - put pages from blkfront_pages_prealloc() into
 *	the ring's pool
 * @rinfo: ring, lock held
 * @pages: the pages; the list is empty afterwards
 *
 * Pages beyond what the largest request needs are freed.
 */
void blkfront_pages_stash(struct blkfront_ring_info *rinfo,
			  struct list_head *pages)
{
	unsigned int max = blkfront_pages_needed(rinfo, rinfo->max_segs);
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		if (rinfo->shadow && rinfo->nr_spare < max) {
			list_add(&page->lru, &rinfo->spare);
			rinfo->nr_spare++;
		} else {
			__free_page(page);
		}
	}
}

/**
 * blkfront_grant_data() - grant the page behind one scatterlist entry
 * @rinfo: ring, lock held
 * @s: shadow of the request
 * @i: segment number
 * @sg: the entry (within one page, 512-byte aligned)
 * @write: the backend reads this data (a write request)
 *
 * Return: 0; -ENOMEM or -ENOSPC when pages or grant references ran out
 * (the caller retries the request later).
 */
int blkfront_grant_data(struct blkfront_ring_info *rinfo,
			struct blkfront_shadow *s, unsigned int i,
			struct scatterlist *sg, bool write)
{
	struct blkfront_info *info = rinfo->info;
	struct blkfront_grant *g = &s->grants[i];
	int ref, err;

	if (!info->bounce) {
		ref = blkfront_grant_page(rinfo, sg_page(sg), write);
		if (ref < 0)
			return ref;
		g->gref = ref;
		return 0;
	}

	err = blkfront_own_page(rinfo, g);
	if (err)
		return err;
	if (write) {
		memcpy_from_page(page_address(g->page) + sg->offset,
				 sg_page(sg), sg->offset, sg->length);
		rinfo->stats.bounce_copies++;
	}
	if (info->feature_persistent && g->gref != BLKFRONT_NO_GREF) {
		rinfo->stats.persistent_hits++;
		return 0;
	}
	/* persistent grants are mapped writable by the backend whatever the op */
	ref = blkfront_grant_page(rinfo, g->page,
				  write && !info->feature_persistent);
	if (ref < 0)
		return ref;
	g->gref = ref;
	return 0;
}

/**
 * blkfront_grant_indirect() - get indirect page @i of a shadow granted
 * @rinfo: ring, lock held
 * @s: shadow
 * @i: indirect page number
 *
 * Return: 0, -ENOMEM or -ENOSPC.
 */
int blkfront_grant_indirect(struct blkfront_ring_info *rinfo,
			    struct blkfront_shadow *s, unsigned int i)
{
	struct blkfront_grant *g = &s->indirect[i];
	bool persistent = rinfo->info->feature_persistent;
	int ref, err;

	err = blkfront_own_page(rinfo, g);
	if (err)
		return err;
	if (persistent && g->gref != BLKFRONT_NO_GREF) {
		rinfo->stats.persistent_hits++;
		return 0;
	}
	ref = blkfront_grant_page(rinfo, g->page, !persistent);
	if (ref < 0)
		return ref;
	g->gref = ref;
	return 0;
}

/**
 * blkfront_indirect_clear_tail() - zero an indirect page past its descriptors
 * @s: shadow whose indirect pages hold @nr_segs descriptors
 * @nr_segs: segments of the request
 *
 * A reused page may hold the descriptors of a longer earlier request;
 * the backend sees only the ones of this request, and zeros.
 */
void blkfront_indirect_clear_tail(struct blkfront_shadow *s,
				  unsigned int nr_segs)
{
	unsigned int last = nr_segs % BLKIF_SEGS_PER_INDIRECT_PAGE;
	struct blkif_request_segment *page;

	if (!last)
		return;
	page = page_address(s->indirect[nr_segs / BLKIF_SEGS_PER_INDIRECT_PAGE].page);
	memset(&page[last], 0,
	       (BLKIF_SEGS_PER_INDIRECT_PAGE - last) * sizeof(*page));
}

/*
 * Revoke a per-request grant.  0 when it is revoked (or there was none).
 * -EBUSY when the backend still maps a page of ours: the grant table code
 * frees it once the backend lets go, and the request may end.  -EAGAIN
 * when the backend still maps a guest page: the grant stays listed, and
 * the page must stay with its request until a later try succeeds.
 */
static int blkfront_grant_end(struct blkfront_ring_info *rinfo,
			      struct blkfront_grant *g)
{
	int err = 0;

	if (g->gref == BLKFRONT_NO_GREF)
		return 0;
	if (!gnttab_try_end_foreign_access(g->gref)) {
		if (!g->page)
			return -EAGAIN;
		gnttab_end_foreign_access(g->gref, g->page);
		g->page = NULL;
		err = -EBUSY;
	}
	g->gref = BLKFRONT_NO_GREF;
	rinfo->stats.grants_in_use--;
	rinfo->stats.grants_revoked++;
	return err;
}

/* The worse of two results of blkfront_grant_end(): -EAGAIN, -EBUSY, 0. */
static int blkfront_grant_worse(int a, int b)
{
	if (a == -EAGAIN || b == -EAGAIN)
		return -EAGAIN;
	return a ? a : b;
}

/**
 * blkfront_grants_release() - finish with the grants of an answered request
 * @rinfo: ring, lock held
 * @s: shadow
 * @read_back: copy bounced data back into the request's pages
 *
 * May be called again for a request it returned -EAGAIN for: it then
 * tries the grants that are still listed.  Each call that revokes any
 * traces one blkfront_grant_unmap event with their number.
 *
 * Return: 0; -EBUSY when the backend kept a non-persistent grant of one
 * of our pages mapped after answering, which the protocol forbids (the
 * request may end, with an error); -EAGAIN when it still maps a guest
 * page: the request must not end, its page is not ours to give back.
 */
int blkfront_grants_release(struct blkfront_ring_info *rinfo,
			    struct blkfront_shadow *s, bool read_back)
{
	struct blkfront_info *info = rinfo->info;
	unsigned long revoked = rinfo->stats.grants_revoked;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < s->nr_sg; i++) {
		struct blkfront_grant *g = &s->grants[i];
		struct scatterlist *sg = &s->sg[i];

		if (read_back && info->bounce && g->page) {
			memcpy_to_page(sg_page(sg), sg->offset,
				       page_address(g->page) + sg->offset,
				       sg->length);
			rinfo->stats.bounce_copies++;
		}
		if (!info->feature_persistent)
			ret = blkfront_grant_worse(ret,
						   blkfront_grant_end(rinfo, g));
	}
	for (i = 0; i < s->nr_indirect; i++)
		if (!info->feature_persistent)
			ret = blkfront_grant_worse(ret,
						   blkfront_grant_end(rinfo, &s->indirect[i]));
	if (ret != -EAGAIN) {
		s->nr_sg = 0;
		s->nr_indirect = 0;
	}
	revoked = rinfo->stats.grants_revoked - revoked;
	if (revoked)
		trace_blkfront_grant_unmap(dev_name(&info->xbdev->dev),
					   rinfo->id, revoked);
	return ret;
}
