/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkback: the structures shared by the control plane (xenbus.c), the
 * data plane (blkback.c) and its request slots (reqs.c), the grant layer
 * (grants.c) and sysfs (sysfs.c).
 */

#ifndef XEN_BLKBACK_COMMON_H
#define XEN_BLKBACK_COMMON_H

#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/io/blkif.h>
#include <xen-blk/compat.h>
#include <xen-blk/latency.h>
#include <xen-blk/xenbus_states.h>
#include "validate.h"
#include "lru.h"

/* Grants mapped or unmapped per hypercall batch. */
#define BLKBACK_MAP_BATCH		32

/* How often a ring's thread looks at its caches when idle (ms). */
#define BLKBACK_MAINT_INTERVAL_MS	100

/* After this long without a request the page pool is emptied (ms). */
#define BLKBACK_POOL_IDLE_MS		10000

/*
 * dom0 short of memory while mapping a request's grants: the request is
 * tried again after BLKBACK_NOMEM_RETRY_MS (ms), and fails only when
 * BLKBACK_NOMEM_TRIES tries in a row ran short (about 10 s).  Once one
 * failed so, the next ones of the disk (any ring) get
 * BLKBACK_NOMEM_TRIES_AFTER tries (about 100 ms) until a request maps new
 * grants, until no request failed so for as long as BLKBACK_NOMEM_TRIES
 * tries take, or until the frontend connects again.
 */
#define BLKBACK_NOMEM_RETRY_MS		10
#define BLKBACK_NOMEM_TRIES		1000
#define BLKBACK_NOMEM_TRIES_AFTER	10

/* In a map operation's handle until Xen answers it (not a valid handle). */
#define BLKBACK_MAP_PRESET_HANDLE	0xfffffffeU

/* Module parameters (main.c), read at the moment they matter. */
extern unsigned int blkback_max_queues;
extern unsigned int blkback_max_ring_page_order;
extern unsigned int blkback_max_indirect_segments;
extern unsigned int blkback_max_persistent_grants;
extern unsigned int blkback_pgrant_unused_seconds;
extern unsigned int blkback_max_buffer_pages;
extern unsigned int blkback_buffer_squeeze_ms;
extern bool blkback_feature_persistent;
extern int blkback_log_stats;
extern atomic_long_t blkback_grants_mapped;
extern atomic_long_t blkback_pages_leaked;
extern const struct attribute_group *blkback_driver_groups[];
extern struct workqueue_struct *blkback_discard_wq;
extern struct workqueue_struct *blkback_teardown_wq;

/* Counters of a ring; sysfs.c names them, in this order. */
enum blkback_stat {
	BLKBACK_ST_OO_REQ,	/* ring had no free request slot */
	BLKBACK_ST_RD_REQ,
	BLKBACK_ST_WR_REQ,
	BLKBACK_ST_F_REQ,	/* flush and barrier requests */
	BLKBACK_ST_DS_REQ,	/* discard requests */
	BLKBACK_ST_RD_SECT,
	BLKBACK_ST_WR_SECT,
	BLKBACK_ST_REQ,		/* every request consumed */
	BLKBACK_ST_INDIRECT_REQ,
	BLKBACK_ST_PGNT_HIT,	/* grant found in the persistent cache */
	BLKBACK_ST_PGNT_MISS,	/* grant mapped because it was not */
	BLKBACK_ST_MAP_OPS,	/* grant map operations */
	BLKBACK_ST_UNMAP_OPS,	/* grant unmap operations */
	BLKBACK_ST_LRU_PURGED,	/* persistent grants given back */
	BLKBACK_ST_NOMEM_RETRY,	/* request left on the ring: dom0 out of memory */
	BLKBACK_NR_STATS
};

/**
 * struct blkback_stats - counters of one ring (or of closed rings)
 * @st: enum blkback_stat counters
 * @err: refused or failed requests, by enum blkback_err cause
 */
struct blkback_stats {
	atomic64_t st[BLKBACK_NR_STATS];
	atomic64_t err[BLKBACK_NR_ERR];
};

static inline void blkback_count(struct blkback_stats *s, enum blkback_stat i,
				 u64 n)
{
	atomic64_add(n, &s->st[i]);
}

/**
 * struct blkback_pgrant - a grant kept mapped across requests
 * @node: in the ring's tree, keyed by @gref
 * @gref: the frontend's grant reference
 * @handle: handle of the mapping
 * @page: where it is mapped
 * @last_used: jiffies when it last served a request
 * @in_use: serves a request in flight (cleared last, with release
 *	semantics, when the request completes: the ring's thread may free the
 *	grant as soon as it reads it clear)
 * @recently_used: used since the previous purge pass
 * @purge: on the ring's purge list, once out of the tree
 */
struct blkback_pgrant {
	struct rb_node node;
	grant_ref_t gref;
	grant_handle_t handle;
	struct page *page;
	unsigned long last_used;
	bool in_use;
	bool recently_used;
	struct list_head purge;
};

/**
 * struct blkback_grant - one grant as a request uses it
 * @gref: the frontend's grant reference
 * @handle: mapping handle (not persistent), BLKBACK_NO_HANDLE when unmapped
 * @page: the page it is mapped at
 * @pgnt: the persistent grant serving it, or NULL
 */
struct blkback_grant {
	grant_ref_t gref;
	grant_handle_t handle;
	struct page *page;
	struct blkback_pgrant *pgnt;
};

#define BLKBACK_NO_HANDLE	((grant_handle_t)~0U)

struct blkback_ring;

/**
 * struct blkback_req - a request of the frontend being served
 * @list: on the ring's free list or its list of completed requests
 * @ring: owner
 * @info: the checked request
 * @segs: private copy of its segments
 * @grants: its data grants (info.nseg of them)
 * @ind: its indirect page grants
 * @pending_bios: bios not completed yet, plus one while submitting
 * @error: a bio failed (BLK_STS_*)
 * @discard: runs a discard away from the ring's thread (blkback_discard_wq)
 * @taken_ns: when it was taken off the ring (ktime_get_ns())
 */
struct blkback_req {
	struct list_head list;
	struct blkback_ring *ring;
	struct blkback_req_info info;
	struct blkif_request_segment *segs;
	struct blkback_grant *grants;
	struct blkback_grant ind[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	atomic_t pending_bios;
	blk_status_t error;
	struct work_struct discard;
	u64 taken_ns;
};

/*
 * The three ring layouts share their indexes; this view of them serves the
 * ABI-independent ring macros (RING_FINAL_CHECK_FOR_REQUESTS etc.).
 */
struct blkback_common_request {
	u8 operation;
};

struct blkback_common_response {
	u64 id;
};

DEFINE_RING_TYPES(blkback_common, struct blkback_common_request,
		  struct blkback_common_response);

union blkback_back_rings {
	struct blkback_common_back_ring common;
	struct blkif_back_ring native;
	struct blkif_x86_32_back_ring x86_32;
	struct blkif_x86_64_back_ring x86_64;
};

struct blkback_dev;
struct blkback_conn;

/**
 * struct blkback_ring - one shared ring and the thread serving it
 *
 * Under @done_lock, since bio completion answers requests in its own
 * context: @done, @waiting, the free slots (@free, @nr_free), the response
 * side of the shared ring and @inflight's decrements.  @purge_list is under
 * @purge_lock; persistent grants are released with @pgrants_in_use and
 * their in_use flag (see struct blkback_pgrant).  The rest, and the
 * counters, belong to the ring's thread once it runs, and to @reap once
 * the thread is gone.
 *
 * Teardown: the thread stops without waiting for the I/O in flight;
 * @stopping (set under @done_lock) then sends completions to @reap, which
 * answers them and releases the ring once nothing is left in flight.
 */
struct blkback_ring {
	struct blkback_dev *be;
	struct blkback_conn *conn;
	unsigned int idx;
	enum blkback_abi abi;		/* latched: @be's may change */
	union blkback_back_rings br;
	void *sring;
	unsigned int irq;
	struct task_struct *task;
	wait_queue_head_t wq;
	bool notified;		/* set by the interrupt handler */
	bool broken;		/* the frontend broke the ring protocol */

	/* requests */
	struct blkback_req *reqs;
	struct blkif_request_segment *seg_store;
	struct blkback_grant *grant_store;
	unsigned int nr_reqs;
	struct list_head free;
	unsigned int nr_free;
	atomic_t inflight;
	unsigned int inflight_peak;	/* most slots in use at once (done_lock) */
	spinlock_t done_lock;		/* completions come from irq context */
	struct list_head done;
	bool waiting;			/* for a slot or a drain (done_lock) */
	bool stopping;			/* thread gone, @reap owns it (done_lock) */
	struct work_struct reap;
	unsigned long last_req;
	u64 taken_ns;			/* the request being dispatched was taken */
	unsigned long refuse_window;	/* jiffies: start of the window */
	unsigned int refuse_window_ms;	/* its length */
	unsigned int refused;		/* requests refused in it */
	bool nomem_wait;		/* hold off until @nomem_until */
	unsigned long nomem_until;	/* jiffies: next try after a shortage */
	unsigned int nomem_tries;	/* tries of the first request, short of memory */
	unsigned int nomem_pages;	/* its segments + indirect pages, kept in the pool */

	/* grants (grants.c) */
	struct rb_root pgrants;
	unsigned int nr_pgrants;
	atomic_t pgrants_in_use;	/* also released from bio completion */
	bool persistent;
	unsigned long next_purge;	/* age pass */
	unsigned long next_room_purge;	/* pass for room, when short of it */
	bool pgrant_overflow;		/* a grant found the cache full */
	spinlock_t purge_lock;		/* ring thread vs purge work */
	struct list_head purge_list;
	struct work_struct purge_work;
	struct gnttab_page_cache pool;
	struct gnttab_map_grant_ref map_ops[BLKBACK_MAP_BATCH];
	struct page *map_pages[BLKBACK_MAP_BATCH];
	struct blkback_grant *map_slots[BLKBACK_MAP_BATCH];
	/*
	 * An unmap batch of the ring's thread, and one of the purge work.
	 * The queue data holds a delayed work: it lives here, not on the
	 * stack, as work items must (debug objects).
	 */
	struct gnttab_unmap_grant_ref unmap_ops[BLKBACK_MAP_BATCH];
	struct page *unmap_pages[BLKBACK_MAP_BATCH];
	struct gntab_unmap_queue_data unmap_q;
	struct gnttab_unmap_grant_ref purge_ops[BLKBACK_MAP_BATCH];
	struct page *purge_pages[BLKBACK_MAP_BATCH];
	struct gntab_unmap_queue_data purge_q;

	unsigned int squeeze_seen;	/* the device's squeeze_seq at the last upkeep */
	unsigned long next_log;
	struct blkback_stats stats;
	struct xen_blk_lat lat;		/* service times (done_lock) */
};

/**
 * struct blkback_conn - the rings of one connection of a device
 * @be: the device (a reference, from the teardown on)
 * @busy: rings not released yet, plus one while disconnecting
 * @held: some ring still had I/O in flight when the frontend went
 * @nr_rings: entries of @rings
 * @rings: the rings
 */
struct blkback_conn {
	struct blkback_dev *be;
	atomic_t busy;
	bool held;
	unsigned int nr_rings;
	struct blkback_ring rings[] __counted_by(nr_rings);
};

/**
 * struct blkback_dev - one virtual block device served to one guest
 *
 * @lock serializes connect/disconnect against sysfs readers of @rings.
 * @refs: the xenbus device's, and one per connection being torn down (the
 *	backing device stays open until its last request ends); while any of
 *	the latter is held, a frontend may not connect again (its old writes
 *	could land after the new connection's)
 */
struct blkback_dev {
	struct xenbus_device *xdev;
	refcount_t refs;
	domid_t domid;
	struct mutex lock;		/* rings vs sysfs readers */
	struct xenbus_watch watch;
	bool watching;
	bool sysfs_added;

	/* the backing device */
	struct xen_blk_bdev bdev;
	unsigned int major, minor;
	char *mode;
	bool readonly;
	u32 vdisk_info;
	u64 nr_sectors;
	unsigned int lbs;
	bool flush;
	bool discard;
	bool discard_secure;
	unsigned long withdrawn;	/* BIT(enum blkback_feature) */
	struct work_struct withdraw_work;

	/* what we offered the frontend (latched when written) */
	unsigned int offer_queues;
	unsigned int offer_ring_order;
	unsigned int offer_indirect;
	bool offer_persistent;

	/* what was negotiated for the current connection */
	enum blkback_abi abi;
	unsigned int nr_rings;
	unsigned int ring_order;
	bool persistent;
	unsigned int max_indirect;
	struct blkback_conn *conn;
	struct blkback_ring *rings;	/* conn->rings, or NULL */
	bool running;
	unsigned long squeeze_until;	/* memory pressure: keep no free pages */
	atomic_t squeeze_seq;		/* memory pressure notifications */
	/*
	 * a request failed for want of memory: short tries for the next (any
	 * ring of this connection)
	 */
	bool nomem_gave_up;
	unsigned long nomem_gave_up_at;	/* jiffies: when one last failed so */

	/* counters of rings gone with earlier connections */
	struct blkback_stats closed;
	/*
	 * grants of this device mapped now, by any of its connections (one
	 * being torn down too); in step with blkback_grants_mapped
	 */
	atomic_long_t grants_mapped;
};

static inline struct blkback_limits blkback_limits(const struct blkback_dev *be)
{
	return (struct blkback_limits){
		.nr_sectors = READ_ONCE(be->nr_sectors),
		.lbs_sectors = be->lbs >> BLKIF_SECTOR_SHIFT,
		.max_indirect_segs = be->max_indirect,
		.readonly = be->readonly,
		.discard = be->discard,
		.discard_secure = be->discard_secure,
	};
}

/* blkback.c */
int blkback_ring_thread(void *arg);
irqreturn_t blkback_ring_interrupt(int irq, void *dev_id);
void blkback_req_put(struct blkback_req *r);
void blkback_ring_retire(struct blkback_ring *ring);

/* reqs.c */
int blkback_ring_alloc_reqs(struct blkback_ring *ring, unsigned int nr_reqs,
			    unsigned int max_segs);
void blkback_ring_free_reqs(struct blkback_ring *ring);
struct blkback_req *blkback_req_get(struct blkback_ring *ring);
void blkback_req_release(struct blkback_ring *ring, struct blkback_req *r);
void blkback_req_drop(struct blkback_ring *ring, struct blkback_req *r);

/* grants.c */
void blkback_grants_init(struct blkback_ring *ring);
int blkback_map_grants(struct blkback_ring *ring, struct blkback_grant *g,
		       unsigned int n, bool readonly);
void blkback_unmap_grants(struct blkback_ring *ring, struct blkback_grant *g,
			  unsigned int n);
bool blkback_release_persistent(struct blkback_ring *ring,
				struct blkback_grant *g, unsigned int n);
void blkback_grants_maintain(struct blkback_ring *ring, bool idle);
void blkback_grants_free(struct blkback_ring *ring);
unsigned int blkback_pool_pages(struct blkback_ring *ring);

/* sysfs.c */
int blkback_sysfs_add(struct blkback_dev *be);
void blkback_sysfs_remove(struct blkback_dev *be);
void blkback_stats_add(struct blkback_stats *to, struct blkback_stats *from);

/* xenbus.c */
void blkback_check_resize(struct blkback_dev *be);
void blkback_withdraw_feature(struct blkback_dev *be, enum blkback_feature f);
void blkback_ring_release(struct blkback_ring *ring);
int blkback_xenbus_init(void);
void blkback_xenbus_exit(void);

#endif /* XEN_BLKBACK_COMMON_H */
