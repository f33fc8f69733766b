/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkfront: private structures and the functions the files of the
 * frontend call in each other.
 *
 *   xenbus.c  control plane: handshake, connect, resize, close, resume
 *   ring.c    data plane: requests onto the ring
 *   response.c  data plane: responses off it; requests failed or collected
 *             when the backend goes
 *   grants.c  grants of data and indirect pages, persistent grants, bounce
 *   blkmq.c   gendisk, blk-mq operations, queue limits
 *   sysfs.c   negotiated values and counters
 *   validate.c  pure logic (unit tested in userspace)
 */
#ifndef XEN_BLKFRONT_COMMON_H
#define XEN_BLKFRONT_COMMON_H

#include <linux/blk-mq.h>
#include <linux/bio.h>
#include <linux/interrupt.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xen/interface/io/blkif.h>
#include <xen-blk/compat.h>
#include <xen-blk/latency.h>
#include "validate.h"

#define BLKFRONT_DEV_NAME	"xvd"

/* Marks an unused grant reference or the end of the free-slot list. */
#define BLKFRONT_NO_GREF	((grant_ref_t)~0U)
#define BLKFRONT_NO_SLOT	(~0U)

/* How often a request held for a still-mapped guest page is retried. */
#define BLKFRONT_HELD_RETRY_MS	500
/* After how long the removal of a disk says it waits for such requests. */
#define BLKFRONT_HELD_WARN_MS	10000

/* Module parameters (main.c). */
extern unsigned int blkfront_param_max_queues;
extern unsigned int blkfront_param_poll_queues;
extern unsigned int blkfront_param_max_ring_page_order;
extern unsigned int blkfront_param_max_indirect_segments;
extern bool blkfront_param_feature_persistent;
extern bool blkfront_param_trusted;

/**
 * enum blkfront_state - where the device stands with its backend
 * @BLKFRONT_DISCONNECTED: no rings, or rings not yet accepted by the backend
 * @BLKFRONT_CONNECTED: I/O flows
 * @BLKFRONT_SUSPENDED: after a resume, until the new backend connects
 * @BLKFRONT_ERROR: the backend broke the protocol; all I/O fails
 * @BLKFRONT_CLOSED: the backend went away; all I/O fails
 */
enum blkfront_state {
	BLKFRONT_DISCONNECTED,
	BLKFRONT_CONNECTED,
	BLKFRONT_SUSPENDED,
	BLKFRONT_ERROR,
	BLKFRONT_CLOSED,
};

/**
 * enum blkfront_flush - how a cache flush goes on the wire
 * @BLKFRONT_FLUSH_NONE: the backend writes through; nothing to send
 * @BLKFRONT_FLUSH_DISKCACHE: BLKIF_OP_FLUSH_DISKCACHE
 * @BLKFRONT_FLUSH_BARRIER: BLKIF_OP_WRITE_BARRIER (old backends)
 */
enum blkfront_flush {
	BLKFRONT_FLUSH_NONE,
	BLKFRONT_FLUSH_DISKCACHE,
	BLKFRONT_FLUSH_BARRIER,
};

/**
 * struct blkfront_grant - one 4 KiB page as the backend sees it
 * @gref: grant reference, BLKFRONT_NO_GREF when not granted
 * @page: our own page (persistent grant or bounce), NULL for guest pages
 */
struct blkfront_grant {
	grant_ref_t gref;
	struct page *page;
};

/**
 * struct blkfront_shadow - our side of one ring slot
 * @slot: what the backend must answer (checked by blkfront_check_rsp())
 * @rq: the block request being served, NULL when the slot is free
 * @held: @rq was answered (or given up on) but the backend still maps a
 *	guest page of it: the slot keeps it until the grant is revoked
 * @next_free: next free slot id while on the free list
 * @op: wire operation of the data (READ or WRITE; others carry no data)
 * @nr_sg: entries of @sg in use
 * @nr_indirect: indirect pages in use
 * @sg: scatterlist of the request
 * @grants: per data segment
 * @indirect: per indirect page
 * @queued_ns: when it went on the ring (ktime_get_ns())
 */
struct blkfront_shadow {
	struct blkfront_slot slot;
	struct request *rq;
	bool held;
	unsigned int next_free;
	u8 op;
	unsigned int nr_sg;
	unsigned int nr_indirect;
	struct scatterlist *sg;
	struct blkfront_grant *grants;
	struct blkfront_grant *indirect;
	u64 queued_ns;
};

/**
 * struct blkfront_ring_stats - per-ring counters, updated under the ring lock
 * @batches: pushes of requests that blkfront_queue_rqs() put on the ring,
 *	one per call that put any there
 * @batched: the requests they pushed
 * @interrupts: runs of the ring's event channel handler
 * @polled: responses taken by polling (blkfront_ring_poll())
 */
struct blkfront_ring_stats {
	unsigned long reads;
	unsigned long writes;
	unsigned long flushes;
	unsigned long discards;
	unsigned long indirect;
	unsigned long persistent_hits;
	unsigned long bounce_copies;
	unsigned long grants_in_use;
	unsigned long grants_granted;
	unsigned long grants_revoked;
	unsigned long errors;
	unsigned long batches;
	unsigned long batched;
	unsigned long interrupts;
	unsigned long polled;
};

struct blkfront_info;

/**
 * struct blkfront_ring_info - one shared ring and its event channel
 * @lock: protects the ring, the shadows and the counters
 * @info: owning device
 * @id: ring number (queue-N)
 * @ring: front half of the shared ring
 * @ring_ref: grants of the ring pages
 * @evtchn: event channel
 * @irq: its irq, 0 when unbound
 * @poll: served by polling (blk-mq's HCTX_TYPE_POLL queues): the
 *	backend is never asked for an event when it answers (rsp_event
 *	stays behind)
 * @polling: blkfront_ring_poll() may take responses: the ring is connected
 *	(written under @lock, and read without it under RCU: see
 *	blkfront_poll_stop())
 * @queue_stopped: a hardware queue stopped for want of room on this ring
 *	(blkfront_ring_restart() starts it again)
 * @nr_slots: slots in the ring (= shadows)
 * @max_segs: data segments each shadow can hold
 * @max_indirect: indirect pages each shadow can hold
 * @free_head: first free shadow id
 * @in_flight: requests on the ring
 * @in_flight_peak: most requests on the ring at once
 * @spare: zeroed pages for the slots' grants, see blkfront_pages_prealloc()
 * @nr_spare: pages on @spare
 * @shadow: one per slot
 * @stats: counters
 * @lat: service times, from going on the ring to the response
 */
struct blkfront_ring_info {
	spinlock_t lock;		/* see above */
	struct blkfront_info *info;
	unsigned int id;
	struct blkif_front_ring ring;
	grant_ref_t ring_ref[BLKIF_MAX_RING_PAGES];
	evtchn_port_t evtchn;
	int irq;
	bool poll;
	bool polling;
	bool queue_stopped;
	unsigned int nr_slots;
	unsigned int max_segs;
	unsigned int max_indirect;
	unsigned int free_head;
	unsigned int in_flight;
	unsigned int in_flight_peak;
	struct list_head spare;
	unsigned int nr_spare;
	struct blkfront_shadow *shadow;
	struct blkfront_ring_stats stats;
	struct xen_blk_lat lat;
};

/**
 * struct blkfront_info - one virtual disk
 * @mutex: serialises the control plane
 * @xbdev: our xenbus device
 * @gd: the disk, once connected
 * @tag_set: blk-mq tag set (@nr_irq_queues + @nr_poll_queues hardware queues)
 * @tag_set_ready: @tag_set is allocated
 * @vdev: decoded virtual-device
 * @vdevice: raw virtual-device
 * @handle: the device handle the requests carry
 * @connected: see enum blkfront_state
 * @nr_rings: rings in use
 * @nr_poll_rings: how many of them, the last ones, are polled
 * @nr_irq_queues: interrupt-driven hardware queues of the disk (the rings
 *	of the first connection but the poll rings)
 * @nr_poll_queues: polled hardware queues of the disk, after the others
 *	(poll_queues within the online CPUs at the first connection, with
 *	poll rings or not)
 * @nr_rinfo: entries of @rinfo (the hardware queues of the disk)
 * @ring_order: log2 of pages per ring
 * @rinfo: the rings
 * @sectors: size in 512-byte sectors
 * @sector_size: logical block size
 * @physical_sector_size: physical block size
 * @vdisk_info: VDISK_* bits
 * @flush: flush mode
 * @feature_discard: discard negotiated
 * @feature_secdiscard: secure erase negotiated
 * @discard_granularity: bytes
 * @discard_alignment: bytes
 * @persistent_param: feature-persistent as we offered it this connection
 * @feature_persistent: persistent grants in use
 * @bounce: data goes through our own pages (persistent or untrusted)
 * @trusted: the backend is trusted (param and XenStore key)
 * @max_indirect_segments: segments per indirect request, 0 when off
 * @requeue: requests to send again after a resume
 * @requeue_bios: bios to submit again after a resume
 * @quiesced: the queue is quiesced (between resume and reconnect)
 * @resume_failed: the last resume could not set up rings (BLKFRONT_ERROR);
 *	rings set up later, when the backend changes state, recover the disk;
 *	their events are taken meanwhile (read by the interrupt handler)
 * @close_pending: a close the backend asked for waits for the disk's release
 * @close_work: polls until the disk is released, then finishes the close
 * @error_work: fails the requests in flight once the device is stopped
 * @limits_work: applies a feature the backend withdrew to the queue limits
 * @error_logged: the one log line about a broken backend was printed
 * @grant_wait_work: ends held requests once their grants can be revoked
 * @split_lock: protects @split_bios
 * @split_bios: bios of requests too big for the current backend
 * @split_work: submits @split_bios again, split to the current limits
 */
struct blkfront_info {
	struct mutex mutex;		/* see above */
	struct xenbus_device *xbdev;
	struct gendisk *gd;
	struct blk_mq_tag_set tag_set;
	bool tag_set_ready;
	struct blkfront_vdev vdev;
	u32 vdevice;
	blkif_vdev_t handle;
	enum blkfront_state connected;
	unsigned int nr_rings;
	unsigned int nr_poll_rings;
	unsigned int nr_irq_queues;
	unsigned int nr_poll_queues;
	unsigned int nr_rinfo;
	unsigned int ring_order;
	struct blkfront_ring_info *rinfo;
	u64 sectors;
	unsigned int sector_size;
	unsigned int physical_sector_size;
	unsigned int vdisk_info;
	enum blkfront_flush flush;
	bool feature_discard;
	bool feature_secdiscard;
	unsigned int discard_granularity;
	unsigned int discard_alignment;
	bool persistent_param;
	bool feature_persistent;
	bool bounce;
	bool trusted;
	unsigned int max_indirect_segments;
	struct list_head requeue;
	struct bio_list requeue_bios;
	bool quiesced;
	bool resume_failed;
	bool close_pending;
	struct delayed_work close_work;
	struct work_struct error_work;
	struct work_struct limits_work;
	atomic_t error_logged;
	struct delayed_work grant_wait_work;
	spinlock_t split_lock;		/* see above */
	struct bio_list split_bios;
	struct work_struct split_work;
};

/* grants.c */
int blkfront_slots_alloc(struct blkfront_ring_info *rinfo,
			 unsigned int max_segs);
void blkfront_slots_free(struct blkfront_ring_info *rinfo);
int blkfront_grant_data(struct blkfront_ring_info *rinfo,
			struct blkfront_shadow *s, unsigned int i,
			struct scatterlist *sg, bool write);
int blkfront_grant_indirect(struct blkfront_ring_info *rinfo,
			    struct blkfront_shadow *s, unsigned int i);
int blkfront_grants_release(struct blkfront_ring_info *rinfo,
			    struct blkfront_shadow *s, bool read_back);
void blkfront_indirect_clear_tail(struct blkfront_shadow *s,
				  unsigned int nr_segs);
void blkfront_pages_prealloc(struct blkfront_ring_info *rinfo,
			     struct request *rq, struct list_head *pages);
void blkfront_pages_stash(struct blkfront_ring_info *rinfo,
			  struct list_head *pages);

/* ring.c */
blk_status_t blkfront_queue_rq(struct blk_mq_hw_ctx *hctx,
			       const struct blk_mq_queue_data *bd);
void blkfront_commit_rqs(struct blk_mq_hw_ctx *hctx);
void blkfront_queue_rqs(XEN_BLK_PLUG_LIST *plug);
void blkfront_split_work(struct work_struct *work);
void blkfront_put_slot(struct blkfront_ring_info *rinfo, unsigned int id);
void blkfront_hold_slot(struct blkfront_ring_info *rinfo, unsigned int id,
			struct request *rq);
void blkfront_rq_take_bios(struct request *rq, struct bio_list *bios);

/* response.c */
irqreturn_t blkfront_interrupt(int irq, void *dev_id);
void blkfront_complete_rq(struct request *rq);
int blkfront_ring_poll(struct blkfront_ring_info *rinfo,
		       struct io_comp_batch *iob);
void blkfront_poll_start(struct blkfront_info *info);
void blkfront_poll_stop(struct blkfront_info *info);
enum blk_eh_timer_return blkfront_timeout(struct request *rq);
void blkfront_set_error(struct blkfront_info *info, unsigned int ring,
			const char *why, u64 val);
void blkfront_error_work(struct work_struct *work);
void blkfront_collect_inflight(struct blkfront_info *info);
unsigned int blkfront_fail_inflight(struct blkfront_info *info);
unsigned int blkfront_release_held(struct blkfront_info *info);
void blkfront_fail_inflight_wait(struct blkfront_info *info);
void blkfront_grant_wait_work(struct work_struct *work);

/* blkmq.c */
int blkfront_disk_create(struct blkfront_info *info);
void blkfront_disk_destroy(struct blkfront_info *info);
int blkfront_disk_update_limits(struct blkfront_info *info);
void blkfront_limits_work(struct work_struct *work);
void blkfront_kick_queues(struct blkfront_info *info);
struct blkfront_ring_info *blkfront_hctx_ring(struct blk_mq_hw_ctx *hctx);
struct blkfront_ring_info *blkfront_rq_ring(struct request *rq);
int blkfront_minors_reserve(unsigned int minor, unsigned int nr);
void blkfront_minors_release(unsigned int minor, unsigned int nr);
void blkfront_minors_exit(void);

/* xenbus.c */
int blkfront_register(void);
void blkfront_unregister(void);

/* sysfs.c */
extern const struct attribute_group *blkfront_groups[];

/**
 * blkfront_req_status() - the per-request status stored in the blk-mq pdu
 * @rq: a request of our tag set
 *
 * Return: pointer to the status the completion reports.
 */
static inline blk_status_t *blkfront_req_status(struct request *rq)
{
	return blk_mq_rq_to_pdu(rq);
}

#endif /* XEN_BLKFRONT_COMMON_H */
