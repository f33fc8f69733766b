/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkback: checking requests at the ring boundary.  Pure logic, free of
 * kernel services so that tests/unit can build it in userspace: turning a
 * request of either guest ABI into the native layout and checking the
 * private copy before anything acts on it.
 */

#ifndef XEN_BLKBACK_VALIDATE_H
#define XEN_BLKBACK_VALIDATE_H

#include <linux/types.h>
#include <xen/interface/io/blkif.h>

/* Which layout the frontend puts on the ring ("protocol" key). */
enum blkback_abi {
	BLKBACK_ABI_NATIVE,
	BLKBACK_ABI_X86_32,
	BLKBACK_ABI_X86_64,
};

/*
 * Largest max_indirect_segments the backend accepts: one indirect page worth
 * of segments, which bounds the per-request bookkeeping we preallocate.
 */
#define BLKBACK_MAX_INDIRECT_SEGMENTS	512U

/* What a request is checked against; filled per connection by the caller. */
struct blkback_limits {
	u64 nr_sectors;			/* device size, 512-byte sectors */
	unsigned int lbs_sectors;	/* logical block size / 512: 1..8 */
	unsigned int max_indirect_segs;	/* 0 when indirect is not offered */
	bool readonly;
	bool discard;
	bool discard_secure;
};

/* Why a request was refused; also indexes the per-cause error counters. */
enum blkback_err {
	BLKBACK_OK,
	BLKBACK_ERR_OP,		/* unknown operation */
	BLKBACK_ERR_UNSUPP,	/* known operation not offered */
	BLKBACK_ERR_NSEG,	/* segment or indirect page count */
	BLKBACK_ERR_SEG,	/* first_sect/last_sect out of a page */
	BLKBACK_ERR_ALIGN,	/* not aligned to the logical block size */
	BLKBACK_ERR_RANGE,	/* beyond the end of the device */
	BLKBACK_ERR_RO,		/* write to a read-only device */
	BLKBACK_ERR_MAP,	/* a grant could not be mapped */
	BLKBACK_ERR_IO,		/* the device failed the I/O */
	BLKBACK_NR_ERR
};

/* What the data path does with a request that passed the checks. */
enum blkback_kind {
	BLKBACK_KIND_READ,
	BLKBACK_KIND_WRITE,
	BLKBACK_KIND_FLUSH,	/* cache flush without data */
	BLKBACK_KIND_DISCARD,
};

/* A feature offered to the frontend that the device may turn out to lack. */
enum blkback_feature {
	BLKBACK_FEATURE_NONE,
	BLKBACK_FEATURE_FLUSH,		/* feature-flush-cache */
	BLKBACK_FEATURE_BARRIER,	/* feature-barrier */
};

/**
 * struct blkback_req_info - a checked request, in the backend's terms
 * @id: frontend's id, echoed in the response
 * @op: operation echoed in the response (indirect_op for indirect requests)
 * @kind: what to do
 * @indirect: segments live in indirect pages
 * @preflush: flush the device cache before the write (flush, barrier ops)
 * @fua: the data must be on stable storage before the response
 * @drain: wait for earlier requests of the ring first (barrier op)
 * @secure: discard as secure erase
 * @nseg: number of segments
 * @nr_indirect_pages: indirect pages holding the segments
 * @sector: first 512-byte sector (0 for a cache flush without data)
 * @nr_sectors: length in 512-byte sectors (after blkback_check_segments()
 *	for reads and writes)
 */
struct blkback_req_info {
	u64 id;
	u8 op;
	u8 kind;
	bool indirect;
	bool preflush;
	bool fua;
	bool drain;
	bool secure;
	unsigned int nseg;
	unsigned int nr_indirect_pages;
	u64 sector;
	u64 nr_sectors;
};

void blkback_copy_req_x86_32(struct blkif_request *dst,
			     const struct blkif_x86_32_request *src);
void blkback_copy_req_x86_64(struct blkif_request *dst,
			     const struct blkif_x86_64_request *src);
enum blkback_err blkback_check_header(const struct blkif_request *req,
				      const struct blkback_limits *lim,
				      struct blkback_req_info *info);
enum blkback_err blkback_check_segments(const struct blkif_request_segment *seg,
					const struct blkback_limits *lim,
					struct blkback_req_info *info);
s16 blkback_err_status(enum blkback_err err);
s16 blkback_io_status(const struct blkback_req_info *info, int err,
		      enum blkback_feature *withdraw);
const char *blkback_err_name(enum blkback_err err);

#endif /* XEN_BLKBACK_VALIDATE_H */
