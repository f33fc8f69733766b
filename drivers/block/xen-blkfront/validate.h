/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkfront: the pure logic of the frontend (response checks, ring and
 * segment arithmetic, virtual-device naming).  Nothing here touches kernel
 * state, so the unit tests in tests/unit build it in userspace.
 */
#ifndef XEN_BLKFRONT_VALIDATE_H
#define XEN_BLKFRONT_VALIDATE_H

#include <linux/types.h>
#include <xen/interface/io/blkif.h>

/* Minors per disk: 16 for classic vdevs, 256 for the extended range. */
#define BLKFRONT_PARTS_PER_DISK		16
#define BLKFRONT_PARTS_PER_EXT_DISK	256

/* Bit 28 of virtual-device marks the extended xvd numbering. */
#define BLKFRONT_VDEV_EXT_SHIFT		28
#define BLKFRONT_VDEV_EXTENDED		BIT(BLKFRONT_VDEV_EXT_SHIFT)

/* Majors a toolstack may put in virtual-device (see Documentation/admin-guide/devices.txt). */
#define BLKFRONT_MAJOR_IDE0		3
#define BLKFRONT_MAJOR_SCSI_DISK0	8
#define BLKFRONT_MAJOR_IDE1		22
#define BLKFRONT_MAJOR_SCSI_DISK1	65
#define BLKFRONT_MAJOR_SCSI_DISK7	71
#define BLKFRONT_MAJOR_SCSI_DISK8	128
#define BLKFRONT_MAJOR_SCSI_DISK15	135
#define BLKFRONT_MAJOR_XVD		202

/* Largest minor the block layer can address (MINORBITS is 20). */
#define BLKFRONT_MAX_MINOR		((1U << 20) - 1)

/**
 * struct blkfront_slot - what a ring slot is waiting for
 * @op: the operation the backend must echo (indirect_op for indirect)
 * @in_flight: a request with this id is on the ring, not yet answered
 */
struct blkfront_slot {
	u8 op;
	bool in_flight;
};

/**
 * struct blkfront_vdev - where a virtual-device lands in the xvd namespace
 * @minor: first minor under the xvd major
 * @nr_minors: minors reserved (a whole disk, or 1 for a lone partition)
 * @index: disk index: 0 is xvda, 26 is xvdaa
 * @part: partition number when @nr_minors is 1, else 0
 */
struct blkfront_vdev {
	unsigned int minor;
	unsigned int nr_minors;
	unsigned int index;
	unsigned int part;
};

int blkfront_check_rsp_prod(RING_IDX rsp_prod, RING_IDX rsp_cons,
			    RING_IDX req_prod_pvt, unsigned int ring_size);
int blkfront_check_rsp(const struct blkif_response *rsp,
		       unsigned int ring_size,
		       const struct blkfront_slot *slot);
int blkfront_seg_span(unsigned int offset, unsigned int len,
		      struct blkif_request_segment *seg);
unsigned int blkfront_indirect_pages(unsigned int nr_segs);
unsigned int blkfront_negotiate_indirect(unsigned int param,
					 unsigned int backend);
unsigned int blkfront_negotiate_rings(unsigned int param,
				      unsigned int backend,
				      unsigned int cpus);
unsigned int blkfront_negotiate_poll_rings(unsigned int want,
					   unsigned int backend,
					   unsigned int rings);
unsigned int blkfront_rq_queue(unsigned int queue, unsigned int irq_queues,
			       bool polled);
unsigned int blkfront_queue_ring(unsigned int queue, unsigned int irq_queues,
				 unsigned int nr_rings, unsigned int poll_rings);
unsigned int blkfront_negotiate_order(unsigned int param,
				      unsigned int backend);
unsigned int blkfront_max_segments(unsigned int max_indirect);
int blkfront_vdev_decode(u32 vdevice, struct blkfront_vdev *out);
int blkfront_disk_name(char *buf, size_t len, const struct blkfront_vdev *v);

#endif /* XEN_BLKFRONT_VALIDATE_H */
