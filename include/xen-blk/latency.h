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
 *
 * A latency_* file holds one line per ring, in the one page sysfs gives a
 * file.  With many rings and big counts the lines may not all fit: the
 * file then lists the first rings, each line whole, and ends with the
 * line "truncated <n>", n the rings left out (xen_blk_lat_emit()).
 */
#ifndef XEN_BLK_LATENCY_H
#define XEN_BLK_LATENCY_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <xen/interface/io/blkif.h>

#define XEN_BLK_LAT_BUCKETS	24

/* the longest last line of a truncated latency_* file, NUL included */
#define XEN_BLK_LAT_TRUNCATED_MAX	sizeof("truncated 4294967295\n")

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

/**
 * xen_blk_lat_emit() - add one ring's line to a latency_* file
 * @buf: the file's buffer
 * @size: its size (PAGE_SIZE); the text and its NUL stay within it
 * @len: the length of the text so far; advanced past what is added
 * @hist: the ring's XEN_BLK_LAT_BUCKETS counts of the file's kind
 * @left: rings to come after this one
 *
 * The line goes in whole or not at all, and while rings are left it must
 * leave room for the line that ends a truncated file.  When it does not
 * fit, that line goes in instead: "truncated <n>", n = @left + 1, the
 * rings left out.  The counts are read once each, so a count growing
 * meanwhile cannot make the line longer than the room it was given.
 *
 * Return: true when the line went in; false when the file is complete,
 * truncated (the caller adds no more rings).
 */
static inline bool xen_blk_lat_emit(char *buf, size_t size, size_t *len,
				    const u64 *hist, unsigned int left)
{
	size_t at = *len, keep = left ? XEN_BLK_LAT_TRUNCATED_MAX : 0;
	unsigned int b;

	for (b = 0; b < XEN_BLK_LAT_BUCKETS && at < size; b++)
		at += snprintf(buf + at, size - at, "%llu%c",
			       (unsigned long long)READ_ONCE(hist[b]),
			       b + 1 < XEN_BLK_LAT_BUCKETS ? ' ' : '\n');
	if (b == XEN_BLK_LAT_BUCKETS && at + keep < size) {
		*len = at;
		return true;
	}
	/* the last line fitted (keep): this one's partial text is dropped */
	*len += scnprintf(buf + *len, size - *len, "truncated %u\n", left + 1);
	return false;
}

#endif /* XEN_BLK_LATENCY_H */
