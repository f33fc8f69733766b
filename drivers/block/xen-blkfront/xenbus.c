// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the control plane.  The XenStore handshake of io/blkif.h
 * (read the backend's features, publish rings, Initialised; on the
 * backend's Connected read the disk and create it), online resize, close
 * (deferred while the disk is open) and resume onto a new backend.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/log2.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <asm/xen/hypercall.h>
#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/page.h>
#include <xen/platform_pci.h>
#include <xen/xen.h>
#include "common.h"
#include "trace.h"

/* How long removal waits for a closing backend to answer what is in flight. */
#define BLKFRONT_REMOVE_WAIT_MS	10000

/* How often a close deferred by an open disk checks for the last user. */
#define BLKFRONT_CLOSE_POLL	HZ

static const char *blkfront_flush_name(enum blkfront_flush f)
{
	switch (f) {
	case BLKFRONT_FLUSH_DISKCACHE:
		return "flush-diskcache";
	case BLKFRONT_FLUSH_BARRIER:
		return "barrier";
	default:
		return "none";
	}
}

/* Tear down the rings: irq first, so no handler runs on freed state. */
static void blkfront_unbind_irqs(struct blkfront_info *info)
{
	unsigned int r;

	for (r = 0; info->rinfo && r < info->nr_rings; r++) {
		struct blkfront_ring_info *rinfo = &info->rinfo[r];

		if (rinfo->irq > 0)
			unbind_from_irqhandler(rinfo->irq, rinfo);
		else if (rinfo->evtchn)
			xenbus_free_evtchn(info->xbdev, rinfo->evtchn);
		rinfo->irq = 0;
		rinfo->evtchn = 0;
	}
}

static void blkfront_rings_free(struct blkfront_info *info)
{
	unsigned int r;

	blkfront_poll_stop(info);
	blkfront_unbind_irqs(info);
	for (r = 0; info->rinfo && r < info->nr_rings; r++) {
		struct blkfront_ring_info *rinfo = &info->rinfo[r];

		rinfo->poll = false;
		blkfront_slots_free(rinfo);
		if (rinfo->ring.sring)
			xenbus_teardown_ring((void **)&rinfo->ring.sring,
					     1U << info->ring_order,
					     rinfo->ring_ref);
		rinfo->ring.sring = NULL;
	}
	WRITE_ONCE(info->nr_rings, 0);
	WRITE_ONCE(info->nr_poll_rings, 0);
}

/*
 * Binding the port to an irq failed.  Where the events core got as far as
 * binding it, it closed the port as it undid the binding; where it failed
 * before, the port is still open.  A port must not be closed twice: by then
 * it may be another driver's.  So close it only while it is still an unbound
 * port for our backend that no irq of this guest is bound to.  (Another
 * driver could only get that very port for the same domain, and not yet
 * bind it, between the core's close and this check: so nothing may sleep
 * in between.)
 */
static void blkfront_drop_port(struct blkfront_ring_info *rinfo)
{
	struct xenbus_device *dev = rinfo->info->xbdev;
	struct evtchn_status st = {
		.dom = DOMID_SELF,
		.port = rinfo->evtchn,
	};

	if (!HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) &&
	    st.status == EVTCHNSTAT_unbound &&
	    st.u.unbound.dom == dev->otherend_id &&
	    (int)irq_from_evtchn(rinfo->evtchn) < 0)
		xenbus_free_evtchn(dev, rinfo->evtchn);
	rinfo->evtchn = 0;
}

/* Set up ring @rinfo, polled (@poll) or interrupt-driven. */
static int blkfront_ring_setup(struct blkfront_info *info,
			       struct blkfront_ring_info *rinfo, bool poll)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned int pages = 1U << info->ring_order;
	struct blkif_sring *sring;
	int err;

	err = xenbus_setup_ring(dev, GFP_NOIO, (void **)&sring, pages,
				rinfo->ring_ref);
	if (err)
		return err;
	XEN_FRONT_RING_INIT(&rinfo->ring, sring, pages * XEN_PAGE_SIZE);
	/*
	 * A poll ring wants no event for its responses: rsp_event behind the
	 * first of them, where no response index reaches it before a wrap
	 */
	rinfo->poll = poll;
	if (poll)
		sring->rsp_event = rinfo->ring.rsp_cons;
	/* the queues start again once connected (blkfront_kick_queues()) */
	rinfo->queue_stopped = false;
	rinfo->nr_slots = BLKIF_RING_SIZE(info->ring_order);
	rinfo->free_head = BLKFRONT_NO_SLOT;

	err = xenbus_alloc_evtchn(dev, &rinfo->evtchn);
	if (err)
		return err;
	err = bind_evtchn_to_irqhandler_lateeoi(rinfo->evtchn,
						blkfront_interrupt, 0,
						"blkif", rinfo);
	if (err <= 0) {
		/* before the report's XenStore round trips: see drop_port */
		blkfront_drop_port(rinfo);
		xenbus_dev_fatal(dev, err, "binding event channel");
		return err ? err : -EINVAL;
	}
	rinfo->irq = err;
	return 0;
}

/* The rings array: sized once, for the hardware queues of the disk. */
static int blkfront_rinfo_alloc(struct blkfront_info *info, unsigned int n)
{
	struct blkfront_ring_info *rinfo;
	unsigned int r;

	if (info->rinfo && n <= info->nr_rinfo)
		return 0;
	/*
	 * On failure the old array stays: once the disk exists, its queues
	 * find a ring entry there even when no ring is set up.
	 */
	rinfo = kcalloc(n, sizeof(*rinfo), GFP_KERNEL);
	if (!rinfo)
		return -ENOMEM;
	kfree(info->rinfo);
	info->rinfo = rinfo;
	info->nr_rinfo = n;
	for (r = 0; r < n; r++) {
		spin_lock_init(&info->rinfo[r].lock);
		info->rinfo[r].info = info;
		info->rinfo[r].id = r;
	}
	return 0;
}

static int blkfront_write_ring_keys(struct xenbus_transaction xbt,
				    struct blkfront_info *info,
				    struct blkfront_ring_info *rinfo,
				    const char *dir)
{
	char key[BLKIF_KEY_MAX_LEN];
	unsigned int i;
	int err;

	if (info->ring_order == 0) {
		err = xenbus_printf(xbt, dir, BLKIF_KEY_RING_REF, "%u",
				    rinfo->ring_ref[0]);
		if (err)
			return err;
	}
	for (i = 0; info->ring_order && i < (1U << info->ring_order); i++) {
		snprintf(key, sizeof(key), BLKIF_KEY_RING_REF_FMT, i);
		err = xenbus_printf(xbt, dir, key, "%u", rinfo->ring_ref[i]);
		if (err)
			return err;
	}
	return xenbus_printf(xbt, dir, BLKIF_KEY_EVENT_CHANNEL, "%u",
			     rinfo->evtchn);
}

static int blkfront_write_keys(struct xenbus_transaction xbt,
			       struct blkfront_info *info)
{
	const char *node = info->xbdev->nodename;
	unsigned int r;
	char *dir;
	int err;

	if (info->ring_order) {
		err = xenbus_printf(xbt, node, BLKIF_KEY_RING_PAGE_ORDER, "%u",
				    info->ring_order);
		if (err)
			return err;
	}
	if (info->nr_rings == 1) {
		err = blkfront_write_ring_keys(xbt, info, &info->rinfo[0], node);
		if (err)
			return err;
	} else {
		err = xenbus_printf(xbt, node, BLKIF_KEY_MULTI_QUEUE_NUM_QUEUES,
				    "%u", info->nr_rings);
		if (err)
			return err;
		for (r = 0; r < info->nr_rings; r++) {
			dir = kasprintf(GFP_KERNEL, "%s/" BLKIF_KEY_QUEUE_FMT,
					node, r);
			if (!dir)
				return -ENOMEM;
			err = blkfront_write_ring_keys(xbt, info,
						       &info->rinfo[r], dir);
			kfree(dir);
			if (err)
				return err;
		}
	}
	err = xenbus_printf(xbt, node, BLKIF_KEY_PROTOCOL, "%s",
			    BLKIF_PROTOCOL_X86_64);
	if (err)
		return err;
	return xenbus_printf(xbt, node, BLKIF_KEY_FEATURE_PERSISTENT, "%u",
			     info->persistent_param ? 1 : 0);
}

/*
 * Whether the backend may see guest pages beyond the data (no bounce): only
 * when the parameter allows it and the toolstack did not say otherwise.  A
 * missing node means trusted, as everywhere; a node that cannot be read or
 * parsed means not trusted.
 */
static bool blkfront_backend_trusted(struct xenbus_device *dev)
{
	unsigned int val;
	bool trusted;
	char *str;

	if (!blkfront_param_trusted)
		return false;
	str = xenbus_read(XBT_NIL, dev->nodename, BLKIF_KEY_TRUSTED, NULL);
	if (IS_ERR(str))
		return PTR_ERR(str) == -ENOENT;
	trusted = !kstrtouint(str, 10, &val) && val;
	kfree(str);
	return trusted;
}

/* Negotiate rings with the backend and announce them (-> Initialised). */
static int blkfront_talk_to_backend(struct blkfront_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	struct xenbus_transaction xbt;
	unsigned int r, nr, nr_poll, want, be_order, be_queues;
	int err;

	info->trusted = blkfront_backend_trusted(dev);
	info->persistent_param = blkfront_param_feature_persistent;
	be_order = xenbus_read_unsigned(dev->otherend,
					BLKIF_KEY_MAX_RING_PAGE_ORDER, 0);
	be_queues = xenbus_read_unsigned(dev->otherend,
					 BLKIF_KEY_MULTI_QUEUE_MAX_QUEUES, 1);
	info->ring_order =
		blkfront_negotiate_order(blkfront_param_max_ring_page_order,
					 be_order);
	nr = blkfront_negotiate_rings(blkfront_param_max_queues, be_queues,
				      num_online_cpus());
	want = min(blkfront_param_poll_queues, num_online_cpus());
	if (want && !xen_blk_tag_set_polls()) {
		/* a queue map of one: no poll ring would have a queue */
		dev_info(&dev->dev,
			 "poll_queues: none in a crash kernel (blk-mq gives it a single queue)\n");
		want = 0;
	}
	/* the disk's hardware queues were fixed at first connect */
	if (info->tag_set_ready) {
		nr = min(nr, info->nr_irq_queues);
		want = min(want, info->nr_poll_queues);
	}
	nr_poll = blkfront_negotiate_poll_rings(want, be_queues, nr);
	if (want && !nr_poll)
		dev_warn(&dev->dev,
			 "poll_queues: no poll ring: the backend offers %u queue(s), all taken by interrupt-driven rings; polled I/O completes on interrupts\n",
			 max(be_queues, 1U));
	else if (nr_poll < want)
		dev_info(&dev->dev,
			 "poll_queues: %u poll ring(s) of %u: the backend offers %u queue(s), %u of them for interrupt-driven rings\n",
			 nr_poll, want, max(be_queues, 1U), nr);
	/*
	 * The disk gets the polled queues asked for even without poll rings
	 * (they share the interrupt-driven ones then), so that polled I/O
	 * works whatever its first backend offers (6.12 refuses it on a
	 * queue without them), and a later backend can give it poll rings.
	 * The ring array covers all the queues: once the disk exists it is
	 * never replaced.
	 */
	if (!info->tag_set_ready) {
		info->nr_irq_queues = nr;
		info->nr_poll_queues = want;
	}
	err = blkfront_rinfo_alloc(info, nr + want);
	if (err)
		goto fail;
	/* poll rings never outnumber the rings (blkfront_queue_ring()) */
	WRITE_ONCE(info->nr_rings, nr + nr_poll);
	WRITE_ONCE(info->nr_poll_rings, nr_poll);
	for (r = 0; r < nr + nr_poll; r++) {
		err = blkfront_ring_setup(info, &info->rinfo[r], r >= nr);
		if (err)
			goto fail;
	}

	for (;;) {
		err = xenbus_transaction_start(&xbt);
		if (err)
			goto fail;
		err = blkfront_write_keys(xbt, info);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			goto fail;
		}
		err = xenbus_transaction_end(xbt, 0);
		if (err != -EAGAIN)
			break;
	}
	if (err)
		goto fail;
	xenbus_switch_state(dev, XenbusStateInitialised);
	return 0;

fail:
	xenbus_dev_fatal(dev, err, "setting up %u rings", info->nr_rings);
	blkfront_rings_free(info);
	return err;
}

static void blkfront_gather_features(struct blkfront_info *info)
{
	const char *be = info->xbdev->otherend;
	unsigned int segs;

	info->flush = BLKFRONT_FLUSH_NONE;
	if (xenbus_read_unsigned(be, BLKIF_KEY_FEATURE_BARRIER, 0))
		info->flush = BLKFRONT_FLUSH_BARRIER;
	/* the unordered flush is preferred when both are offered */
	if (xenbus_read_unsigned(be, BLKIF_KEY_FEATURE_FLUSH_CACHE, 0))
		info->flush = BLKFRONT_FLUSH_DISKCACHE;

	info->feature_discard = !!xenbus_read_unsigned(be, BLKIF_KEY_FEATURE_DISCARD, 0);
	info->discard_granularity = 0;
	info->discard_alignment = 0;
	info->feature_secdiscard = false;
	if (info->feature_discard) {
		info->discard_granularity =
			xenbus_read_unsigned(be, BLKIF_KEY_DISCARD_GRANULARITY, 0);
		info->discard_alignment =
			xenbus_read_unsigned(be, BLKIF_KEY_DISCARD_ALIGNMENT, 0);
		info->feature_secdiscard =
			!!xenbus_read_unsigned(be, BLKIF_KEY_DISCARD_SECURE, 0);
		/* a granularity the block layer would reject is ignored */
		if (info->discard_granularity &&
		    !is_power_of_2(info->discard_granularity))
			info->discard_granularity = 0;
	}

	info->feature_persistent = info->persistent_param &&
		xenbus_read_unsigned(be, BLKIF_KEY_FEATURE_PERSISTENT, 0);
	info->bounce = info->feature_persistent || !info->trusted;
	segs = xenbus_read_unsigned(be, BLKIF_KEY_FEATURE_MAX_INDIRECT_SEGMENTS,
				    0);
	info->max_indirect_segments =
		blkfront_negotiate_indirect(blkfront_param_max_indirect_segments,
					    segs);
}

static int blkfront_alloc_all_slots(struct blkfront_info *info)
{
	unsigned int segs = blkfront_max_segments(info->max_indirect_segments);
	unsigned int r;
	int err;

	for (r = 0; r < info->nr_rings; r++) {
		err = blkfront_slots_alloc(&info->rinfo[r], segs);
		if (err)
			return err;
	}
	return 0;
}

static void blkfront_log_connected(struct blkfront_info *info, const char *what)
{
	dev_info(&info->xbdev->dev,
		 "%s %s: %llu sectors of %u bytes; %u ring(s) of %u page(s), %u polled; indirect segments %u; persistent grants %s; flush %s; discard %s; bounce %s\n",
		 info->gd->disk_name, what, info->sectors, info->sector_size,
		 info->nr_rings, 1U << info->ring_order, info->nr_poll_rings,
		 info->max_indirect_segments,
		 info->feature_persistent ? "on" : "off",
		 blkfront_flush_name(info->flush),
		 info->feature_discard ? "on" : "off",
		 info->bounce ? "on" : "off");
}

/* A size the block layer can hold: its byte count must fit a loff_t. */
static bool blkfront_sectors_fit(unsigned long long sectors)
{
	return sectors <= (unsigned long long)MAX_LFS_FILESIZE >> SECTOR_SHIFT;
}

static int blkfront_read_disk(struct blkfront_info *info)
{
	const char *be = info->xbdev->otherend;
	unsigned long long sectors;
	unsigned int ssize, dinfo;
	int err;

	err = xenbus_gather(XBT_NIL, be, BLKIF_KEY_SECTORS, "%llu", &sectors,
			    BLKIF_KEY_INFO, "%u", &dinfo,
			    BLKIF_KEY_SECTOR_SIZE, "%u", &ssize, NULL);
	if (err)
		return err;
	if (ssize < BLKIF_SECTOR_SIZE || ssize > PAGE_SIZE ||
	    !is_power_of_2(ssize) || !blkfront_sectors_fit(sectors))
		return -EINVAL;
	info->sectors = sectors;
	info->vdisk_info = dinfo;
	info->sector_size = ssize;
	info->physical_sector_size =
		xenbus_read_unsigned(be, BLKIF_KEY_PHYSICAL_SECTOR_SIZE, ssize);
	if (info->physical_sector_size < ssize ||
	    !is_power_of_2(info->physical_sector_size))
		info->physical_sector_size = ssize;
	return 0;
}

/* The backend announced Connected again while we are connected: resize. */
static void blkfront_resize(struct blkfront_info *info)
{
	unsigned long long sectors;
	int err;

	err = xenbus_scanf(XBT_NIL, info->xbdev->otherend, BLKIF_KEY_SECTORS,
			   "%llu", &sectors);
	if (err != 1 || sectors == info->sectors)
		return;
	if (!blkfront_sectors_fit(sectors)) {
		dev_warn(&info->xbdev->dev, "%s: ignoring impossible capacity %llu sectors\n",
			 info->gd->disk_name, sectors);
		return;
	}
	dev_info(&info->xbdev->dev, "%s: capacity %llu -> %llu sectors\n",
		 info->gd->disk_name, info->sectors, sectors);
	info->sectors = sectors;
	set_capacity_and_notify(info->gd, sectors);
}

/* Requests the old backend never answered go to the new one. */
static void blkfront_resubmit(struct blkfront_info *info)
{
	struct request *rq, *n;
	struct bio *bio;

	list_for_each_entry_safe(rq, n, &info->requeue, queuelist) {
		list_del_init(&rq->queuelist);
		blk_mq_requeue_request(rq, false);
	}
	blk_mq_start_stopped_hw_queues(info->gd->queue, true);
	blk_mq_kick_requeue_list(info->gd->queue);
	while ((bio = bio_list_pop(&info->requeue_bios)))
		submit_bio_noacct(bio);
}

/* No backend will take them: fail what the resume had set aside. */
static void blkfront_resubmit_fail(struct blkfront_info *info)
{
	struct request *rq, *n;
	struct bio *bio;

	list_for_each_entry_safe(rq, n, &info->requeue, queuelist) {
		list_del_init(&rq->queuelist);
		blk_mq_end_request(rq, BLK_STS_IOERR);
	}
	while ((bio = bio_list_pop(&info->requeue_bios)))
		bio_io_error(bio);
}

static void blkfront_quiesce(struct blkfront_info *info)
{
	if (info->gd && !info->quiesced) {
		blk_mq_quiesce_queue(info->gd->queue);
		info->quiesced = true;
	}
}

static void blkfront_unquiesce(struct blkfront_info *info)
{
	if (info->gd && info->quiesced) {
		blk_mq_unquiesce_queue(info->gd->queue);
		info->quiesced = false;
	}
}

/* Backend Connected after a resume: adopt its features, restart I/O. */
static void blkfront_recover(struct blkfront_info *info)
{
	unsigned int noio;
	int err;

	/* the queue is quiesced: reclaim must not wait on this disk */
	noio = memalloc_noio_save();
	blkfront_gather_features(info);
	err = blkfront_alloc_all_slots(info);
	if (!err && info->gd)
		err = blkfront_disk_update_limits(info);
	memalloc_noio_restore(noio);
	if (err) {
		xenbus_dev_fatal(info->xbdev, err, "reconnecting");
		WRITE_ONCE(info->connected, BLKFRONT_ERROR);
		blkfront_unquiesce(info);
		blkfront_resubmit_fail(info);
		return;
	}
	xenbus_switch_state(info->xbdev, XenbusStateConnected);
	WRITE_ONCE(info->connected, BLKFRONT_CONNECTED);
	blkfront_poll_start(info);
	if (!info->gd)
		return;
	blkfront_unquiesce(info);
	blkfront_log_connected(info, "resumed");
	blkfront_resubmit(info);
}

static void blkfront_connect(struct blkfront_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	int err;

	switch (info->connected) {
	case BLKFRONT_CONNECTED:
		blkfront_resize(info);
		return;
	case BLKFRONT_SUSPENDED:
		blkfront_recover(info);
		return;
	case BLKFRONT_ERROR:
		/* rings set up since the resume that failed to: recover */
		if (!info->resume_failed || !info->nr_rings)
			return;
		blkfront_quiesce(info);
		WRITE_ONCE(info->connected, BLKFRONT_SUSPENDED);
		/*
		 * Only after the state (pairs with blkfront_stopped()): the
		 * rings' events are taken throughout
		 */
		smp_store_release(&info->resume_failed, false);
		blkfront_recover(info);
		return;
	case BLKFRONT_DISCONNECTED:
		if (info->nr_rings)
			break;
		return;	/* ring setup failed and was reported */
	default:
		return;
	}

	err = blkfront_read_disk(info);
	if (err) {
		xenbus_dev_fatal(dev, err, "reading disk details at %s",
				 dev->otherend);
		return;
	}
	blkfront_gather_features(info);
	err = blkfront_alloc_all_slots(info);
	if (err)
		goto fail;
	err = blkfront_disk_create(info);
	if (err)
		goto fail;

	xenbus_switch_state(dev, XenbusStateConnected);
	WRITE_ONCE(info->connected, BLKFRONT_CONNECTED);
	blkfront_poll_start(info);
	err = device_add_disk(&dev->dev, info->gd, NULL);
	if (err) {
		WRITE_ONCE(info->connected, BLKFRONT_DISCONNECTED);
		blkfront_poll_stop(info);
		/*
		 * error_work and grant_wait_work may use the rings and the
		 * disk until cancelled; error_work schedules the other
		 */
		blkfront_unbind_irqs(info);
		cancel_work_sync(&info->error_work);
		cancel_delayed_work_sync(&info->grant_wait_work);
		blkfront_disk_destroy(info);
		goto fail;
	}
	blkfront_log_connected(info, "connected");
	return;

fail:
	xenbus_dev_fatal(dev, err, "connecting to %s", dev->otherend);
	blkfront_rings_free(info);
}

/* Finish closing: no more I/O, tell the backend we are done. */
static void blkfront_finish_close(struct blkfront_info *info)
{
	WRITE_ONCE(info->close_pending, false);
	if (info->gd)
		blk_mark_disk_dead(info->gd);
	xenbus_frontend_closed(info->xbdev);
}

/*
 * The backend is Closed: it let go of the rings and answers nothing more.
 * Fail what it left in flight or a resume set aside, and all later I/O.
 */
static void blkfront_backend_gone(struct blkfront_info *info)
{
	unsigned int r;

	if (info->connected == BLKFRONT_CLOSED)
		return;
	/* what it answered on a poll ring ends as answered, polled or not */
	for (r = 0; info->rinfo && r < info->nr_rings; r++)
		blkfront_ring_poll(&info->rinfo[r], NULL);
	/* from here the interrupt handler completes nothing */
	WRITE_ONCE(info->connected, BLKFRONT_CLOSED);
	blkfront_poll_stop(info);
	if (info->gd)
		blk_mark_disk_dead(info->gd);
	/* a request whose guest page is still mapped ends once it is not */
	if (blkfront_fail_inflight(info))
		schedule_delayed_work(&info->grant_wait_work,
				      msecs_to_jiffies(BLKFRONT_HELD_RETRY_MS));
	blkfront_unquiesce(info);
	blkfront_resubmit_fail(info);
	blkfront_kick_queues(info);
}

static void blkfront_closing(struct blkfront_info *info,
			     enum xenbus_state backend_state)
{
	struct xenbus_device *dev = info->xbdev;

	if (backend_state == XenbusStateClosed)
		blkfront_backend_gone(info);
	if (dev->state == XenbusStateClosed)
		return;
	/*
	 * Like the in-tree driver of old, a mounted disk is not pulled away
	 * while the backend still serves it (Closing); once it is Closed
	 * nothing can be served, and the close finishes at once.
	 */
	if (backend_state == XenbusStateClosing && info->gd &&
	    disk_openers(info->gd)) {
		if (info->close_pending)
			return;
		xenbus_dev_error(dev, -EBUSY, "%s in use; refusing to close until released",
				 info->gd->disk_name);
		WRITE_ONCE(info->close_pending, true);
		xenbus_switch_state(dev, XenbusStateClosing);
		schedule_delayed_work(&info->close_work, BLKFRONT_CLOSE_POLL);
		return;
	}
	blkfront_finish_close(info);
}

static void blkfront_close_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(to_delayed_work(work),
						  struct blkfront_info,
						  close_work);

	mutex_lock(&info->mutex);
	if (info->close_pending && info->xbdev->state == XenbusStateClosing) {
		if (info->gd && disk_openers(info->gd)) {
			schedule_delayed_work(&info->close_work,
					      BLKFRONT_CLOSE_POLL);
		} else {
			dev_info(&info->xbdev->dev, "%s released; closing\n",
				 info->gd ? info->gd->disk_name : "disk");
			blkfront_finish_close(info);
		}
	}
	mutex_unlock(&info->mutex);
}

static void blkfront_backend_changed(struct xenbus_device *dev,
				     enum xenbus_state backend_state)
{
	struct blkfront_info *info = dev_get_drvdata(&dev->dev);

	trace_blkfront_state_change(dev_name(&dev->dev), dev->state,
				    backend_state);
	mutex_lock(&info->mutex);
	switch (backend_state) {
	case XenbusStateInitWait:
		if (dev->state == XenbusStateInitialising)
			blkfront_talk_to_backend(info);
		break;
	case XenbusStateConnected:
		/* the backend may have skipped InitWait: set up rings now */
		if (dev->state != XenbusStateInitialised &&
		    dev->state != XenbusStateConnected) {
			if (dev->state != XenbusStateInitialising ||
			    blkfront_talk_to_backend(info))
				break;
		}
		blkfront_connect(info);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		blkfront_closing(info, backend_state);
		break;
	default:
		break;
	}
	mutex_unlock(&info->mutex);
}

static int blkfront_probe(struct xenbus_device *dev,
			  const struct xenbus_device_id *id)
{
	struct blkfront_info *info;
	const char *leaf;
	unsigned long handle;
	int vdevice, err;

	err = xenbus_scanf(XBT_NIL, dev->nodename, BLKIF_KEY_VIRTUAL_DEVICE,
			   "%i", &vdevice);
	if (err != 1)
		err = xenbus_scanf(XBT_NIL, dev->nodename,
				   BLKIF_KEY_VIRTUAL_DEVICE "-ext", "%i", &vdevice);
	if (err != 1) {
		xenbus_dev_fatal(dev, err < 0 ? err : -EINVAL,
				 "reading virtual-device");
		return err < 0 ? err : -EINVAL;
	}

	if (xen_hvm_domain()) {
		char *type;

		/* emulated disks not unplugged: only take real xvd numbers */
		if (xen_has_pv_and_legacy_disk_devices() &&
		    !(vdevice & BLKFRONT_VDEV_EXTENDED) &&
		    (vdevice >> 8) != BLKFRONT_MAJOR_XVD)
			return -ENODEV;
		type = xenbus_read(XBT_NIL, dev->nodename,
				   BLKIF_KEY_DEVICE_TYPE, NULL);
		if (IS_ERR(type))
			return -ENODEV;
		err = !strncmp(type, "cdrom", 5) ? -ENODEV : 0;
		kfree(type);
		if (err)
			return err;
	}

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	if (blkfront_vdev_decode(vdevice, &info->vdev)) {
		dev_warn(&dev->dev, "virtual-device %#x is not an xvd disk number\n",
			 vdevice);
		kfree(info);
		return -ENODEV;
	}
	info->vdevice = vdevice;
	info->xbdev = dev;
	mutex_init(&info->mutex);
	INIT_LIST_HEAD(&info->requeue);
	bio_list_init(&info->requeue_bios);
	INIT_DELAYED_WORK(&info->close_work, blkfront_close_work);
	INIT_WORK(&info->error_work, blkfront_error_work);
	INIT_DELAYED_WORK(&info->grant_wait_work, blkfront_grant_wait_work);
	INIT_WORK(&info->split_work, blkfront_split_work);
	INIT_WORK(&info->limits_work, blkfront_limits_work);
	spin_lock_init(&info->split_lock);
	bio_list_init(&info->split_bios);
	info->connected = BLKFRONT_DISCONNECTED;
	leaf = strrchr(dev->nodename, '/');
	if (!leaf || kstrtoul(leaf + 1, 10, &handle))
		handle = 0;
	info->handle = handle;
	dev_set_drvdata(&dev->dev, info);
	return 0;
}

/* Give a closing backend a while to answer what is in flight. */
static void blkfront_drain(struct blkfront_info *info)
{
	unsigned int waited, r, busy = 0;

	for (waited = 0; waited < BLKFRONT_REMOVE_WAIT_MS; waited += 100) {
		/* stopped (error_work fails the rest) or closed meanwhile */
		if (READ_ONCE(info->connected) != BLKFRONT_CONNECTED)
			return;
		busy = 0;
		for (r = 0; info->rinfo && r < info->nr_rings; r++) {
			/* a poll ring's answers end here if nobody polls */
			blkfront_ring_poll(&info->rinfo[r], NULL);
			busy += READ_ONCE(info->rinfo[r].in_flight);
		}
		if (!busy)
			return;
		msleep(100);
	}
	dev_warn(&info->xbdev->dev, "backend left %u request(s) unanswered; failing them\n",
		 busy);
}

static void blkfront_remove(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev_get_drvdata(&dev->dev);

	cancel_delayed_work_sync(&info->close_work);
	mutex_lock(&info->mutex);
	WRITE_ONCE(info->close_pending, false);
	/* bios split before the removal fail with the disk */
	flush_work(&info->split_work);
	if (info->gd) {
		blk_mark_disk_dead(info->gd);
		if (info->connected == BLKFRONT_CONNECTED)
			blkfront_drain(info);
		/*
		 * From here on nothing reaches the backend: fail what is left
		 * in flight, set aside by a resume or queued, so that
		 * del_gendisk() finds the queue empty.
		 */
		WRITE_ONCE(info->connected, BLKFRONT_CLOSED);
		blkfront_poll_stop(info);
		blkfront_unbind_irqs(info);
		blkfront_fail_inflight_wait(info);
		blkfront_resubmit_fail(info);
		blkfront_unquiesce(info);
		blkfront_kick_queues(info);
		del_gendisk(info->gd);
	}
	blkfront_unbind_irqs(info);
	mutex_unlock(&info->mutex);
	/*
	 * Only now can nothing queue these again: a violation or a split
	 * during the drain did, and error_work and limits_work may need the
	 * mutex.
	 */
	cancel_delayed_work_sync(&info->close_work);
	cancel_work_sync(&info->error_work);
	cancel_work_sync(&info->limits_work);
	flush_work(&info->split_work);
	/* error_work, cancelled above, was the last to schedule it */
	cancel_delayed_work_sync(&info->grant_wait_work);
	blkfront_rings_free(info);
	blkfront_disk_destroy(info);
	kfree(info->rinfo);
	kfree(info);
}

/*
 * No ring for the new backend (reported in XenStore if XenStore could take
 * it): fail what the resume set aside and what comes, instead of holding
 * it in a quiesced queue for a backend that may never connect.
 */
static void blkfront_resume_failed(struct blkfront_info *info, int err)
{
	dev_err(&info->xbdev->dev,
		"resume: no rings for the new backend (%d); I/O fails until it connects\n",
		err);
	/* a disk not yet created had nothing set aside */
	if (info->connected != BLKFRONT_SUSPENDED)
		return;
	WRITE_ONCE(info->resume_failed, true);
	WRITE_ONCE(info->connected, BLKFRONT_ERROR);
	blkfront_unquiesce(info);
	blkfront_resubmit_fail(info);
	blkfront_kick_queues(info);
}

/* xl restore / migration: the old backend is gone; start over with a new one. */
static int blkfront_resume(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev_get_drvdata(&dev->dev);
	unsigned int noio;
	int err;

	mutex_lock(&info->mutex);
	blkfront_quiesce(info);
	WRITE_ONCE(info->resume_failed, false);
	/* a new backend gets a fresh start, even after the old one broke */
	if (info->connected == BLKFRONT_CONNECTED ||
	    info->connected == BLKFRONT_ERROR) {
		WRITE_ONCE(info->connected, BLKFRONT_SUSPENDED);
		atomic_set(&info->error_logged, 0);
	}
	/* a close deferred for the old backend is void */
	WRITE_ONCE(info->close_pending, false);
	/* no poller may take a response collect_inflight takes */
	blkfront_poll_stop(info);
	blkfront_unbind_irqs(info);
	/* no interrupt can stop the device now; let a stop finish */
	cancel_work_sync(&info->error_work);
	/* collect_inflight takes the held requests too */
	cancel_delayed_work_sync(&info->grant_wait_work);
	blkfront_collect_inflight(info);
	blkfront_rings_free(info);
	/* the queue is quiesced: reclaim must not wait on this disk */
	noio = memalloc_noio_save();
	err = blkfront_talk_to_backend(info);
	memalloc_noio_restore(noio);
	if (err)
		blkfront_resume_failed(info, err);
	mutex_unlock(&info->mutex);
	/*
	 * Success even so: xenbus watches the backend only after a resume
	 * that succeeded, and its Closed must still reach us, or the disk
	 * could never be detached.
	 */
	return 0;
}

static int blkfront_is_ready(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev_get_drvdata(&dev->dev);

	return info->gd && READ_ONCE(info->connected) == BLKFRONT_CONNECTED;
}

static const struct xenbus_device_id blkfront_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver blkfront_driver = {
	.ids = blkfront_ids,
	.probe = blkfront_probe,
	.remove = blkfront_remove,
	.resume = blkfront_resume,
	.otherend_changed = blkfront_backend_changed,
	.is_ready = blkfront_is_ready,
	.driver = {
		.dev_groups = blkfront_groups,
	},
};

/**
 * blkfront_register() - register the "vbd" xenbus frontend driver
 *
 * Return: 0 or a negative errno.
 */
int blkfront_register(void)
{
	return xenbus_register_frontend(&blkfront_driver);
}

/**
 * blkfront_unregister() - unregister it (removes every device)
 */
void blkfront_unregister(void)
{
	xenbus_unregister_driver(&blkfront_driver);
}
