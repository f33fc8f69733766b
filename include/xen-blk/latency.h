/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Service-time histograms of both drivers (the latency_* sysfs files):
 * one per ring and per kind of operation, in log2 buckets of
 * microseconds.  Bucket 0 counts requests served in under 2 us, bucket b
 * (0 < b < XEN_BLK_LAT_BUCKETS - 1) those served in [2^b, 2^(b+1)) us,
 * and the last bucket everything from 2^(XEN_BLK_LAT_BUCKETS - 1) us on
 * (about 8.4 s).  The frontend times a request from the moment it goes on
 * the ring to its response, the backend from taking it off the ring to
 * answering it.  Pure logic: the unit tests build it in userspace.
 */
#ifndef XEN_BLK_LATENCY_H
#define XEN_BLK_LATENCY_H

#include <linux/bitops.h>
#include <linux/types.h>
#include <xen/interface/io/blkif.h>

#define XEN_BLK_LAT_BUCKETS	24

/**
 * enum xen_blk_lat_op - the kinds of operation timed apart
 * @XEN_BLK_LAT_READ: BLKIF_OP_READ (direct or indirect)
 * @XEN_BLK_LAT_WRITE: BLKIF_OP_WRITE (direct or indirect)
 * @XEN_BLK_LAT_FLUSH: BLKIF_OP_FLUSH_DISKCACHE and BLKIF_OP_WRITE_BARRIER
 * @XEN_BLK_LAT_DISCARD: BLKIF_OP_DISCARD (also secure erase)
 * @XEN_BLK_LAT_NR_OPS: number of kinds; also "not timed" (unknown op)
 */
enum xen_blk_lat_op {
	XEN_BLK_LAT_READ,
	XEN_BLK_LAT_WRITE,
	XEN_BLK_LAT_FLUSH,
	XEN_BLK_LAT_DISCARD,
	XEN_BLK_LAT_NR_OPS
};

/**
 * struct xen_blk_lat - the histograms of one ring
 * @hist: requests per kind and bucket
 *
 * Written by one context at a time (the ring's lock on either side),
 * read without it: a reader may see one request counted or not yet.
 */
struct xen_blk_lat {
	u64 hist[XEN_BLK_LAT_NR_OPS][XEN_BLK_LAT_BUCKETS];
};

/**
 * xen_blk_lat_op() - the kind a wire operation is timed as
 * @op: BLKIF_OP_* (for an indirect request, its indirect_op)
 *
 * Return: an enum xen_blk_lat_op, XEN_BLK_LAT_NR_OPS for an unknown one.
 */
static inline unsigned int xen_blk_lat_op(u8 op)
{
	switch (op) {
	case BLKIF_OP_READ:
		return XEN_BLK_LAT_READ;
	case BLKIF_OP_WRITE:
		return XEN_BLK_LAT_WRITE;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		return XEN_BLK_LAT_FLUSH;
	case BLKIF_OP_DISCARD:
		return XEN_BLK_LAT_DISCARD;
	default:
		return XEN_BLK_LAT_NR_OPS;
	}
}

/**
 * xen_blk_lat_bucket() - the bucket of a service time
 * @us: the time in microseconds
 *
 * Return: floor(log2(@us)), 0 for 0 and 1, at most XEN_BLK_LAT_BUCKETS - 1.
 */
static inline unsigned int xen_blk_lat_bucket(u64 us)
{
	unsigned int b;

	if (us < 2)
		return 0;
	b = fls64(us) - 1;
	return b < XEN_BLK_LAT_BUCKETS ? b : XEN_BLK_LAT_BUCKETS - 1;
}

/**
 * xen_blk_lat_record() - count one answered request
 * @lat: the ring's histograms
 * @op: the wire operation (an unknown one is not counted)
 * @us: its service time in microseconds
 */
static inline void xen_blk_lat_record(struct xen_blk_lat *lat, u8 op, u64 us)
{
	unsigned int kind = xen_blk_lat_op(op);

	if (kind < XEN_BLK_LAT_NR_OPS)
		lat->hist[kind][xen_blk_lat_bucket(us)]++;
}

#endif /* XEN_BLK_LATENCY_H */
