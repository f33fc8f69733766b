// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: the grant layer.  Maps the frontend's grants for a request
 * and unmaps them afterwards, keeps persistent grants (a cache per ring,
 * keyed by grant reference) when both ends agreed on them, and recycles the
 * ballooned pages that mappings need through a per-ring pool.
 *
 * Map and unmap run in the ring's thread; unmapping of purged persistent
 * grants is deferred to a work item so that the I/O path does not pay for
 * it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/page.h>
#include "common.h"
#include "trace.h"

/* Across all devices: grants mapped now, and pages lost to failed unmaps. */
atomic_long_t blkback_grants_mapped = ATOMIC_LONG_INIT(0);
atomic_long_t blkback_pages_leaked = ATOMIC_LONG_INIT(0);

/*
 * @n grants of @ring's frontend mapped (n > 0) or unmapped (n < 0): the
 * driver-wide count and the device's move together.  The driver-wide one
 * goes up first and down last, so that a reader who reads a device's count
 * and then the driver's never finds the driver's below it (a test
 * subtracts the devices it knows of from it).  Read the other way round,
 * a map between the two reads can make the device's count the larger.
 */
static void blkback_count_mapped(struct blkback_ring *ring, long n)
{
	struct blkback_dev *be = ring->be;

	if (!n)
		return;
	if (n > 0) {
		atomic_long_add(n, &blkback_grants_mapped);
		/* up: the driver's count before the device's */
		smp_mb__after_atomic();
		atomic_long_add(n, &be->grants_mapped);
	} else {
		atomic_long_add(n, &be->grants_mapped);
		/* down: the device's count before the driver's */
		smp_mb__after_atomic();
		atomic_long_add(n, &blkback_grants_mapped);
	}
}

static unsigned long blkback_page_addr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

static struct blkback_pgrant *blkback_pgrant_find(struct blkback_ring *ring,
						  grant_ref_t gref)
{
	struct rb_node *n = ring->pgrants.rb_node;

	while (n) {
		struct blkback_pgrant *pg = rb_entry(n, struct blkback_pgrant,
						     node);

		if (gref < pg->gref)
			n = n->rb_left;
		else if (gref > pg->gref)
			n = n->rb_right;
		else
			return pg;
	}
	return NULL;
}

static bool blkback_pgrant_insert(struct blkback_ring *ring,
				  struct blkback_pgrant *pg)
{
	struct rb_node **link = &ring->pgrants.rb_node, *parent = NULL;

	while (*link) {
		struct blkback_pgrant *cur = rb_entry(*link,
						      struct blkback_pgrant,
						      node);

		parent = *link;
		if (pg->gref < cur->gref)
			link = &(*link)->rb_left;
		else if (pg->gref > cur->gref)
			link = &(*link)->rb_right;
		else
			return false;
	}
	rb_link_node(&pg->node, parent, link);
	rb_insert_color(&pg->node, &ring->pgrants);
	ring->nr_pgrants++;
	return true;
}

/*
 * A freshly mapped grant becomes persistent while the cache has room;
 * otherwise it is unmapped with its request, and the overflow lets the
 * next purge pass make room.
 */
static void blkback_pgrant_adopt(struct blkback_ring *ring,
				 struct blkback_grant *g)
{
	struct blkback_pgrant *pg;

	if (ring->nr_pgrants >= READ_ONCE(blkback_max_persistent_grants)) {
		ring->pgrant_overflow = true;
		return;
	}
	pg = kzalloc(sizeof(*pg), GFP_NOIO);
	if (!pg)
		return;
	pg->gref = g->gref;
	pg->handle = g->handle;
	pg->page = g->page;
	pg->in_use = true;
	pg->recently_used = true;
	if (!blkback_pgrant_insert(ring, pg)) {
		/* the same grant twice in flight: serve it unshared */
		kfree(pg);
		return;
	}
	atomic_inc(&ring->pgrants_in_use);
	g->pgnt = pg;
	g->handle = BLKBACK_NO_HANDLE;
}

/* A bad grant outweighs a shortage: the request could never succeed. */
static int blkback_map_err(int err, int more)
{
	return err == -EIO || more == -EIO ? -EIO : err ?: more;
}

/*
 * A map operation that failed for want of dom0 resources, not because of
 * the grant: Xen's maptrack table was full, or (PV dom0) Linux had no
 * memory for the p2m entry and undid the mapping, which it marks with an
 * invalid handle where Xen leaves the one we preset.
 */
static bool blkback_map_short(const struct gnttab_map_grant_ref *op)
{
	return op->status == GNTST_no_device_space ||
	       (op->status == GNTST_general_error &&
		op->handle == INVALID_GRANT_HANDLE);
}

/*
 * Issue the queued map operations, adding those that succeeded to @done.
 * Returns 0, -EIO if a grant could not be mapped (the frontend's doing, or
 * the hypercall failed), or -ENOMEM if only dom0's resources ran short.
 * Each operation Xen did is kept, even when the hypercall failed part-way,
 * so that its handle gets unmapped.
 */
static int blkback_map_flush(struct blkback_ring *ring, unsigned int nmap,
			     unsigned int *done)
{
	unsigned int i, mapped = 0;
	int ret, err = 0;

	for (i = 0; i < nmap; i++)
		ring->map_ops[i].handle = BLKBACK_MAP_PRESET_HANDLE;
	ret = gnttab_map_refs(ring->map_ops, NULL, ring->map_pages, nmap);
	blkback_count(&ring->stats, BLKBACK_ST_MAP_OPS, nmap);
	trace_blkback_grant_map(dev_name(&ring->be->xdev->dev), ring->idx, nmap);
	if (ret)
		err = -EIO;
	for (i = 0; i < nmap; i++) {
		struct blkback_grant *g = ring->map_slots[i];

		/* an operation Xen never reached keeps its preset status 1 */
		if (ring->map_ops[i].status != GNTST_okay) {
			gnttab_page_cache_put(&ring->pool, &g->page, 1);
			g->page = NULL;
			err = blkback_map_err(err, blkback_map_short(&ring->map_ops[i]) ?
						   -ENOMEM : -EIO);
			continue;
		}
		mapped++;
		g->handle = ring->map_ops[i].handle;
		if (ring->persistent)
			blkback_pgrant_adopt(ring, g);
	}
	blkback_count_mapped(ring, mapped);
	*done += mapped;
	if (err)
		dev_warn_ratelimited(&ring->be->xdev->dev,
				     "ring %u: mapping grants of domain %u failed (%d)\n",
				     ring->idx, ring->be->domid, err);
	return err;
}

/**
 * blkback_map_grants() - map the grants of a request
 * @ring: the ring the request came from
 * @g: the grants, with @gref set
 * @n: how many
 * @readonly: the backend only reads the pages (a write to the device)
 *
 * Persistent grants already in the cache are reused; the others are mapped
 * in batches.  On failure some grants may be mapped: the caller unmaps all
 * @n with blkback_unmap_grants(), which copes with partial maps.
 *
 * Return: how many grants were mapped anew (0 when every one was a
 * persistent grant already mapped), -ENOMEM (dom0 short of memory: no
 * page for a mapping, or none to track it; the request may be tried again)
 * or -EIO (a grant could not be mapped; -EIO wins when both happen).
 */
int blkback_map_grants(struct blkback_ring *ring, struct blkback_grant *g,
		       unsigned int n, bool readonly)
{
	u32 flags = GNTMAP_host_map;
	unsigned int i, nmap = 0, done = 0;
	int err = 0;

	/* persistent grants serve reads later: the frontend grants them rw */
	if (readonly && !ring->persistent)
		flags |= GNTMAP_readonly;

	for (i = 0; i < n; i++) {
		g[i].handle = BLKBACK_NO_HANDLE;
		g[i].page = NULL;
		g[i].pgnt = NULL;
	}

	for (i = 0; i < n; i++) {
		struct blkback_pgrant *pg;

		if (ring->persistent) {
			pg = blkback_pgrant_find(ring, g[i].gref);
			/* pairs with the release in blkback_pgrant_release() */
			if (pg && !smp_load_acquire(&pg->in_use)) {
				pg->in_use = true;
				pg->recently_used = true;
				atomic_inc(&ring->pgrants_in_use);
				g[i].pgnt = pg;
				g[i].page = pg->page;
				blkback_count(&ring->stats, BLKBACK_ST_PGNT_HIT, 1);
				continue;
			}
			blkback_count(&ring->stats, BLKBACK_ST_PGNT_MISS, 1);
		}
		if (gnttab_page_cache_get(&ring->pool, &g[i].page)) {
			g[i].page = NULL;
			err = -ENOMEM;
			break;
		}
		gnttab_set_map_op(&ring->map_ops[nmap],
				  blkback_page_addr(g[i].page), flags,
				  g[i].gref, ring->be->domid);
		ring->map_pages[nmap] = g[i].page;
		ring->map_slots[nmap] = &g[i];
		if (++nmap == BLKBACK_MAP_BATCH) {
			err = blkback_map_err(err, blkback_map_flush(ring, nmap,
								     &done));
			nmap = 0;
		}
	}
	if (nmap)
		err = blkback_map_err(err, blkback_map_flush(ring, nmap, &done));
	if (err)
		return err;
	return done;
}

/*
 * Unmap a batch and give the pages back to the pool.  A page whose unmap
 * failed still belongs to the guest's grant: it is never reused.
 */
static void blkback_unmap_batch(struct blkback_ring *ring,
				struct gntab_unmap_queue_data *q,
				struct gnttab_unmap_grant_ref *ops,
				struct page **pages, unsigned int n)
{
	int err;

	q->unmap_ops = ops;
	q->kunmap_ops = NULL;
	q->pages = pages;
	q->count = n;
	err = gnttab_unmap_refs_sync(q);
	blkback_count(&ring->stats, BLKBACK_ST_UNMAP_OPS, n);
	trace_blkback_grant_unmap(dev_name(&ring->be->xdev->dev), ring->idx, n);
	if (err) {
		atomic_long_add(n, &blkback_pages_leaked);
		dev_warn_ratelimited(&ring->be->xdev->dev,
				     "ring %u: unmapping %u grants failed (%d), pages leaked\n",
				     ring->idx, n, err);
		return;
	}
	blkback_count_mapped(ring, -(long)n);
	gnttab_page_cache_put(&ring->pool, pages, n);
}

/* The request using @pg is done with it; @pg may be purged from now on. */
static void blkback_pgrant_release(struct blkback_ring *ring,
				   struct blkback_pgrant *pg)
{
	pg->last_used = jiffies;
	atomic_dec(&ring->pgrants_in_use);
	/* last touch: the thread's acquire of in_use sees last_used too */
	smp_store_release(&pg->in_use, false);
}

/**
 * blkback_release_persistent() - release a request's grants if all persist
 * @ring: the ring the request came from
 * @g: the grants, as blkback_map_grants() left them
 * @n: how many
 *
 * Safe in any context: nothing is unmapped.  A request with a grant to
 * unmap or a page to give back is left alone for blkback_unmap_grants() in
 * the ring's thread.
 *
 * Return: true when every grant (if any) was persistent and is released.
 */
bool blkback_release_persistent(struct blkback_ring *ring,
				struct blkback_grant *g, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!g[i].pgnt)
			return false;
	for (i = 0; i < n; i++) {
		blkback_pgrant_release(ring, g[i].pgnt);
		g[i].pgnt = NULL;
	}
	return true;
}

/**
 * blkback_unmap_grants() - release the grants of a finished request
 * @ring: the ring the request came from
 * @g: the grants, as blkback_map_grants() left them
 * @n: how many
 *
 * Persistent grants go back to the cache, the others are unmapped.
 */
void blkback_unmap_grants(struct blkback_ring *ring, struct blkback_grant *g,
			  unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		struct blkback_pgrant *pg = g[i].pgnt;

		if (pg) {
			blkback_pgrant_release(ring, pg);
			g[i].pgnt = NULL;
			continue;
		}
		if (g[i].handle == BLKBACK_NO_HANDLE) {
			if (g[i].page)
				gnttab_page_cache_put(&ring->pool, &g[i].page, 1);
			g[i].page = NULL;
			continue;
		}
		gnttab_set_unmap_op(&ring->unmap_ops[k],
				    blkback_page_addr(g[i].page),
				    GNTMAP_host_map, g[i].handle);
		ring->unmap_pages[k] = g[i].page;
		g[i].handle = BLKBACK_NO_HANDLE;
		g[i].page = NULL;
		if (++k == BLKBACK_MAP_BATCH) {
			blkback_unmap_batch(ring, &ring->unmap_q,
					    ring->unmap_ops, ring->unmap_pages,
					    k);
			k = 0;
		}
	}
	if (k)
		blkback_unmap_batch(ring, &ring->unmap_q, ring->unmap_ops,
				    ring->unmap_pages, k);
}

/* Unmap and free every persistent grant on the purge list. */
static void blkback_purge_unmap(struct blkback_ring *ring)
{
	struct blkback_pgrant *pg, *victims[BLKBACK_MAP_BATCH];
	unsigned int i, k;

	for (;;) {
		k = 0;
		spin_lock(&ring->purge_lock);
		while (k < BLKBACK_MAP_BATCH && !list_empty(&ring->purge_list)) {
			pg = list_first_entry(&ring->purge_list,
					      struct blkback_pgrant, purge);
			list_del(&pg->purge);
			victims[k++] = pg;
		}
		spin_unlock(&ring->purge_lock);
		if (!k)
			return;
		for (i = 0; i < k; i++) {
			gnttab_set_unmap_op(&ring->purge_ops[i],
					    blkback_page_addr(victims[i]->page),
					    GNTMAP_host_map, victims[i]->handle);
			ring->purge_pages[i] = victims[i]->page;
			kfree(victims[i]);
		}
		blkback_unmap_batch(ring, &ring->purge_q, ring->purge_ops,
				    ring->purge_pages, k);
	}
}

static void blkback_purge_work(struct work_struct *work)
{
	blkback_purge_unmap(container_of(work, struct blkback_ring,
					 purge_work));
}

/* One LRU pass (see lru.c); victims leave the tree for the purge list. */
static void blkback_pgrant_purge(struct blkback_ring *ring, unsigned int max)
{
	struct blkback_lru_pass pass = {
		.now = jiffies,
		.timeout = READ_ONCE(blkback_pgrant_unused_seconds) * HZ,
		.want = blkback_lru_target(ring->nr_pgrants, max,
					   atomic_read(&ring->pgrants_in_use),
					   ring->pgrant_overflow),
	};
	struct blkback_pgrant *pg, *next;
	unsigned int round, purged = 0;
	LIST_HEAD(victims);

	for (round = 0; round < 2; round++) {
		rbtree_postorder_for_each_entry_safe(pg, next, &ring->pgrants,
						     node) {
			bool recent = round == 0 && pg->recently_used;
			/* released grants: see blkback_pgrant_release() */
			bool in_use = smp_load_acquire(&pg->in_use);

			if (!blkback_lru_victim(&pass, pg->last_used, in_use,
						recent)) {
				pg->recently_used = false;
				continue;
			}
			list_add_tail(&pg->purge, &victims);
			purged++;
		}
		/* postorder walks cannot erase as they go */
		list_for_each_entry(pg, &victims, purge)
			if (!RB_EMPTY_NODE(&pg->node)) {
				rb_erase(&pg->node, &ring->pgrants);
				RB_CLEAR_NODE(&pg->node);
			}
		if (!pass.want)
			break;
	}
	if (!purged)
		return;
	ring->nr_pgrants -= purged;
	blkback_count(&ring->stats, BLKBACK_ST_LRU_PURGED, purged);
	trace_blkback_grant_purge(dev_name(&ring->be->xdev->dev), ring->idx,
				  purged);
	spin_lock(&ring->purge_lock);
	list_splice_tail(&victims, &ring->purge_list);
	spin_unlock(&ring->purge_lock);
	schedule_work(&ring->purge_work);
}

/**
 * blkback_grants_maintain() - periodic upkeep of a ring's grant caches
 * @ring: the ring, from its own thread
 * @idle: no request for a while: empty the page pool
 *
 * Purges persistent grants when the cache is short of room (over the cap,
 * or a grant found it full: at most every 100 ms) or when some may have
 * aged out (once a second), and trims the page pool to max_buffer_pages.
 */
void blkback_grants_maintain(struct blkback_ring *ring, bool idle)
{
	unsigned int cap = READ_ONCE(blkback_max_persistent_grants), keep;
	bool short_of_room = ring->nr_pgrants > cap || ring->pgrant_overflow;

	/* a pass walks the whole cache: at most every 100 ms, else once a second */
	if (ring->nr_pgrants &&
	    time_after(jiffies, short_of_room ? ring->next_room_purge :
						ring->next_purge)) {
		blkback_pgrant_purge(ring, cap);
		ring->pgrant_overflow = false;
		ring->next_room_purge = jiffies +
			msecs_to_jiffies(BLKBACK_MAINT_INTERVAL_MS);
		ring->next_purge = jiffies + HZ;
	}
	keep = idle ? 0 : READ_ONCE(blkback_max_buffer_pages);
	/*
	 * A request waiting for memory keeps the pages its tries got, beyond
	 * max_buffer_pages too: trimmed between two tries, a request that needs
	 * more pages than one try can get would never map.
	 */
	if (ring->nomem_tries)
		keep = max(keep, ring->nomem_pages);
	gnttab_page_cache_shrink(&ring->pool, keep);
}

/**
 * blkback_grants_init() - set up the grant caches of a new ring
 * @ring: the ring
 */
void blkback_grants_init(struct blkback_ring *ring)
{
	ring->pgrants = RB_ROOT;
	spin_lock_init(&ring->purge_lock);
	INIT_LIST_HEAD(&ring->purge_list);
	INIT_WORK(&ring->purge_work, blkback_purge_work);
	gnttab_page_cache_init(&ring->pool);
	ring->next_purge = jiffies + HZ;
	ring->next_room_purge = jiffies;
}

/**
 * blkback_grants_free() - unmap every grant of a ring and free its pool
 * @ring: a ring with no request in flight
 */
void blkback_grants_free(struct blkback_ring *ring)
{
	struct blkback_pgrant *pg, *next;
	LIST_HEAD(all);

	flush_work(&ring->purge_work);
	rbtree_postorder_for_each_entry_safe(pg, next, &ring->pgrants, node)
		list_add_tail(&pg->purge, &all);
	ring->pgrants = RB_ROOT;
	ring->nr_pgrants = 0;
	atomic_set(&ring->pgrants_in_use, 0);
	spin_lock(&ring->purge_lock);
	list_splice_tail(&all, &ring->purge_list);
	spin_unlock(&ring->purge_lock);
	blkback_purge_unmap(ring);
	gnttab_page_cache_shrink(&ring->pool, 0);
}

/**
 * blkback_pool_pages() - pages waiting in a ring's pool
 * @ring: the ring
 *
 * Return: the number of pages.
 */
unsigned int blkback_pool_pages(struct blkback_ring *ring)
{
	return READ_ONCE(ring->pool.num_pages);
}
