// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: pure logic, kept free of kernel state so that the unit
 * tests can run it in userspace (tests/unit/test_blkfront_*.c).
 *
 * Responses come from another domain.  The interrupt handler copies each
 * one out of the shared ring once and hands the copy to the checks below
 * before anything acts on it.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <xen/interface/io/blkif.h>
#include "validate.h"

/**
 * blkfront_check_rsp_prod() - is the backend's response producer sane?
 * @rsp_prod: producer index read (once) from the shared ring
 * @rsp_cons: our consumer index
 * @req_prod_pvt: requests we have produced
 * @ring_size: slots in the ring
 *
 * The backend can only answer requests we put on the ring, so it may be
 * ahead of our consumer by at most the number of unanswered requests,
 * which is itself never more than the ring size.
 *
 * Return: 0, or -EPROTO when the producer index is impossible.
 */
int blkfront_check_rsp_prod(RING_IDX rsp_prod, RING_IDX rsp_cons,
			    RING_IDX req_prod_pvt, unsigned int ring_size)
{
	RING_IDX ready = rsp_prod - rsp_cons;
	RING_IDX outstanding = req_prod_pvt - rsp_cons;

	if (outstanding > ring_size || ready > outstanding)
		return -EPROTO;
	return 0;
}

/**
 * blkfront_check_rsp() - validate a private copy of one response
 * @rsp: the copy
 * @ring_size: slots in the ring, hence the number of valid ids
 * @slot: state of slot @rsp->id, NULL when the id is out of range
 *
 * Return: 0; -ERANGE for an id we never issued; -ENOENT when no request
 * with that id is in flight (a duplicate or invented answer); -EPROTO when
 * the operation does not echo the request's.
 */
int blkfront_check_rsp(const struct blkif_response *rsp,
		       unsigned int ring_size,
		       const struct blkfront_slot *slot)
{
	if (rsp->id >= ring_size || !slot)
		return -ERANGE;
	if (!slot->in_flight)
		return -ENOENT;
	if (rsp->operation != slot->op)
		return -EPROTO;
	return 0;
}

/**
 * blkfront_seg_span() - describe a piece of a 4 KiB grant page as a segment
 * @offset: byte offset of the data in the grant page
 * @len: bytes of data
 * @seg: first_sect and last_sect are filled in (in 512-byte units)
 *
 * The protocol counts sectors of 512 bytes whatever the disk's logical
 * block size, so a 4096-byte sector is simply the span 0..7.
 *
 * Return: 0, or -EINVAL when the data is empty, not 512-byte aligned or
 * does not fit in one grant page.
 */
int blkfront_seg_span(unsigned int offset, unsigned int len,
		      struct blkif_request_segment *seg)
{
	if (!len || (offset | len) & (BLKIF_SECTOR_SIZE - 1) ||
	    offset >= BLKIF_GRANT_PAGE_SIZE ||
	    len > BLKIF_GRANT_PAGE_SIZE - offset)
		return -EINVAL;
	seg->first_sect = offset >> BLKIF_SECTOR_SHIFT;
	seg->last_sect = (offset + len - 1) >> BLKIF_SECTOR_SHIFT;
	return 0;
}

/**
 * blkfront_indirect_pages() - indirect pages needed for @nr_segs segments
 * @nr_segs: data segments of one request
 *
 * Return: the number of 4 KiB pages of segment descriptors.
 */
unsigned int blkfront_indirect_pages(unsigned int nr_segs)
{
	return (nr_segs + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
	       BLKIF_SEGS_PER_INDIRECT_PAGE;
}

/**
 * blkfront_negotiate_indirect() - segments per indirect request
 * @param: our max_indirect_segments parameter
 * @backend: the backend's feature-max-indirect-segments (0 when absent)
 *
 * Indirect requests only pay off above what a direct request carries; the
 * result is also capped by what eight indirect pages can describe.
 *
 * Return: the segment count to use, or 0 for "no indirect requests".
 */
unsigned int blkfront_negotiate_indirect(unsigned int param,
					 unsigned int backend)
{
	unsigned int n = param < backend ? param : backend;
	unsigned int cap = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST *
			   BLKIF_SEGS_PER_INDIRECT_PAGE;

	if (n > cap)
		n = cap;
	return n > BLKIF_MAX_SEGMENTS_PER_REQUEST ? n : 0;
}

/**
 * blkfront_negotiate_rings() - number of rings (hardware queues)
 * @param: our max_queues parameter (0 means "no limit of ours")
 * @backend: the backend's multi-queue-max-queues (0 or 1: single ring)
 * @cpus: online CPUs
 *
 * Return: at least 1.
 */
unsigned int blkfront_negotiate_rings(unsigned int param,
				      unsigned int backend,
				      unsigned int cpus)
{
	unsigned int n = backend ? backend : 1;

	if (param && param < n)
		n = param;
	if (cpus && cpus < n)
		n = cpus;
	return n;
}

/**
 * blkfront_negotiate_poll_rings() - rings served by polling
 * @want: poll rings asked for (our poll_queues parameter, within bounds)
 * @backend: the backend's multi-queue-max-queues (0 or 1: single ring)
 * @rings: rings already taken for interrupt-driven queues
 *	(blkfront_negotiate_rings())
 *
 * Poll rings come on top of the others, within what the backend offers;
 * when it offers too few queues for both, the interrupt-driven rings keep
 * theirs and the poll rings get what is left, maybe none.
 *
 * Return: at most @want.
 */
unsigned int blkfront_negotiate_poll_rings(unsigned int want,
					   unsigned int backend,
					   unsigned int rings)
{
	unsigned int offered = backend ? backend : 1;

	if (offered <= rings)
		return 0;
	return want < offered - rings ? want : offered - rings;
}

/**
 * blkfront_queue_ring() - the ring that serves a hardware queue
 * @queue: hardware queue number; the interrupt-driven queues come first,
 *	then the polled ones
 * @irq_queues: the disk's interrupt-driven hardware queues
 * @nr_rings: rings in use, 0 when there are none
 * @poll_rings: how many of them, the last ones, are served by polling
 *
 * Interrupt-driven queues go to interrupt-driven rings and polled queues
 * to poll rings.  When the backend offers no poll ring (a restore onto a
 * smaller one) the polled queues share the interrupt-driven rings, whose
 * interrupt completes their requests.  There is always one such ring: a
 * @poll_rings read while the control plane changes it cannot take them all.
 *
 * Return: a ring number below @nr_rings, or 0 when @nr_rings is 0.
 */
unsigned int blkfront_queue_ring(unsigned int queue, unsigned int irq_queues,
				 unsigned int nr_rings, unsigned int poll_rings)
{
	unsigned int irq_rings;

	if (!nr_rings)
		return 0;
	if (poll_rings >= nr_rings)
		poll_rings = nr_rings - 1;
	irq_rings = nr_rings - poll_rings;
	if (queue < irq_queues)
		return queue % irq_rings;
	queue -= irq_queues;
	if (!poll_rings)
		return queue % irq_rings;
	return irq_rings + queue % poll_rings;
}

/**
 * blkfront_rq_queue() - the hardware queue whose ring a request goes on
 * @queue: the request's hardware queue, numbered as for
 *	blkfront_queue_ring()
 * @irq_queues: the disk's interrupt-driven hardware queues
 * @polled: its submitter polls for it (REQ_POLLED)
 *
 * A request that nobody polls for on a polled queue (a flush, which
 * blk-mq sends to the queue of the first request waiting for it) goes to
 * an interrupt-driven queue's ring: polled queue N to interrupt-driven
 * queue N, modulo their number.  Any other stays on its own queue's.
 *
 * Return: a queue number for blkfront_queue_ring().
 */
unsigned int blkfront_rq_queue(unsigned int queue, unsigned int irq_queues,
			       bool polled)
{
	if (polled || queue < irq_queues || !irq_queues)
		return queue;
	return (queue - irq_queues) % irq_queues;
}

/**
 * blkfront_negotiate_order() - ring page order
 * @param: our max_ring_page_order parameter
 * @backend: the backend's max-ring-page-order (0 when absent)
 *
 * Return: the smaller of the two, never above BLKIF_MAX_RING_PAGE_ORDER.
 */
unsigned int blkfront_negotiate_order(unsigned int param,
				      unsigned int backend)
{
	unsigned int n = param < backend ? param : backend;

	return n > BLKIF_MAX_RING_PAGE_ORDER ? BLKIF_MAX_RING_PAGE_ORDER : n;
}

/**
 * blkfront_max_segments() - segments one ring slot can carry
 * @max_indirect: negotiated indirect segments (0: none)
 *
 * Return: segments per request.
 */
unsigned int blkfront_max_segments(unsigned int max_indirect)
{
	return max_indirect ? max_indirect : BLKIF_MAX_SEGMENTS_PER_REQUEST;
}

/* Classic (non-extended) numbers: the emulated IDE/SCSI majors and xvd. */
static int blkfront_vdev_classic(unsigned int major, unsigned int m,
				 struct blkfront_vdev *out)
{
	unsigned int group;

	switch (major) {
	case BLKFRONT_MAJOR_IDE0:
	case BLKFRONT_MAJOR_IDE1:
		/* hda..hdd: 64 minors per disk, named from xvda on */
		out->index = m / 64 + (major == BLKFRONT_MAJOR_IDE1 ? 2 : 0);
		out->minor = out->index * BLKFRONT_PARTS_PER_DISK;
		return 0;
	case BLKFRONT_MAJOR_SCSI_DISK0:
		group = 0;
		break;
	case BLKFRONT_MAJOR_SCSI_DISK1 ... BLKFRONT_MAJOR_SCSI_DISK7:
		group = major - BLKFRONT_MAJOR_SCSI_DISK1 + 1;
		break;
	case BLKFRONT_MAJOR_SCSI_DISK8 ... BLKFRONT_MAJOR_SCSI_DISK15:
		group = major - BLKFRONT_MAJOR_SCSI_DISK8 + 8;
		break;
	case BLKFRONT_MAJOR_XVD:
		out->index = m / BLKFRONT_PARTS_PER_DISK;
		out->minor = m;
		return 0;
	default:
		return -ENODEV;
	}
	/* each sd major holds 16 disks of 16 minors */
	out->index = m / BLKFRONT_PARTS_PER_DISK + group * 16;
	out->minor = m + group * 16 * BLKFRONT_PARTS_PER_DISK;
	return 0;
}

/**
 * blkfront_vdev_decode() - map a virtual-device number onto xvd minors
 * @vdevice: the value of the frontend's virtual-device key
 * @out: filled in on success
 *
 * Same namespace as the in-tree driver, so that disks keep their names
 * and device numbers when one frontend replaces the other.
 *
 * Return: 0, or -ENODEV for numbers that do not name an xvd disk.
 */
int blkfront_vdev_decode(u32 vdevice, struct blkfront_vdev *out)
{
	unsigned int parts;
	int err;

	if (vdevice >> BLKFRONT_VDEV_EXT_SHIFT > 1)
		return -ENODEV;
	if (vdevice & BLKFRONT_VDEV_EXTENDED) {
		parts = BLKFRONT_PARTS_PER_EXT_DISK;
		out->minor = vdevice & ~BLKFRONT_VDEV_EXTENDED;
		out->index = out->minor / parts;
	} else {
		parts = BLKFRONT_PARTS_PER_DISK;
		err = blkfront_vdev_classic(vdevice >> 8, vdevice & 0xff, out);
		if (err)
			return err;
	}
	if (out->minor > BLKFRONT_MAX_MINOR)
		return -ENODEV;
	if (out->minor % parts == 0) {
		out->nr_minors = parts;
		out->part = 0;
	} else {
		out->nr_minors = 1;
		out->part = out->minor & (parts - 1);
	}
	return 0;
}

/**
 * blkfront_disk_name() - "xvd" + letters (+ partition number)
 * @buf: output
 * @len: size of @buf
 * @v: decoded virtual device
 *
 * Letters count like spreadsheet columns: a..z, aa..az, ba...
 *
 * Return: 0, or -ENAMETOOLONG when @buf is too small.
 */
int blkfront_disk_name(char *buf, size_t len, const struct blkfront_vdev *v)
{
	char tmp[16];
	unsigned int n = v->index, part = v->part;
	size_t i = 0, o = 0;

	/* letters, least significant first */
	do {
		tmp[i++] = 'a' + n % 26;
		n /= 26;
	} while (n-- > 0 && i < sizeof(tmp));
	if (len < 3 + i + 1)
		return -ENAMETOOLONG;
	buf[o++] = 'x';
	buf[o++] = 'v';
	buf[o++] = 'd';
	while (i)
		buf[o++] = tmp[--i];
	if (v->nr_minors == 1) {
		/* partition number, at most three digits (part < 256) */
		char d[4];
		size_t k = 0;

		do {
			d[k++] = '0' + part % 10;
			part /= 10;
		} while (part && k < sizeof(d));
		if (o + k + 1 > len)
			return -ENAMETOOLONG;
		while (k)
			buf[o++] = d[--k];
	}
	buf[o] = '\0';
	return 0;
}
