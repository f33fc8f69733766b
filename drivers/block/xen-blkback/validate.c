// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: requests at the ring boundary.
 *
 * The data path copies every request out of the shared ring exactly once
 * (into the native layout, whatever ABI the guest speaks) and hands the
 * private copy to the checks below.  Nothing behind them reads the shared
 * ring again, so a frontend rewriting a slot after we read it changes
 * nothing.  This file only uses what tests/unit/shim provides.
 */

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/errno.h>
#include "validate.h"

/*
 * The 32- and 64-bit guest layouts differ only in padding before the id, so
 * one body serves both.  Every field is read once, with READ_ONCE so that
 * the compiler may not read it again from the ring (the operation decides
 * what else is read); fixed-size arrays are copied whole so that no bound
 * is taken from shared memory.
 */
#define BLKBACK_DEFINE_COPY_REQ(abi)					\
void blkback_copy_req_##abi(struct blkif_request *dst,			\
			    const struct blkif_##abi##_request *src)	\
{									\
	unsigned int i;							\
									\
	dst->operation = READ_ONCE(src->operation);			\
	switch (dst->operation) {					\
	case BLKIF_OP_READ:						\
	case BLKIF_OP_WRITE:						\
	case BLKIF_OP_WRITE_BARRIER:					\
	case BLKIF_OP_FLUSH_DISKCACHE:					\
		dst->u.rw.nr_segments = READ_ONCE(src->u.rw.nr_segments); \
		dst->u.rw.handle = READ_ONCE(src->u.rw.handle);		\
		dst->u.rw.id = READ_ONCE(src->u.rw.id);			\
		dst->u.rw.sector_number =				\
			READ_ONCE(src->u.rw.sector_number);		\
		for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)	\
			dst->u.rw.seg[i] = src->u.rw.seg[i];		\
		break;							\
	case BLKIF_OP_DISCARD:						\
		dst->u.discard.flag = READ_ONCE(src->u.discard.flag);	\
		dst->u.discard.id = READ_ONCE(src->u.discard.id);	\
		dst->u.discard.sector_number =				\
			READ_ONCE(src->u.discard.sector_number);	\
		dst->u.discard.nr_sectors =				\
			READ_ONCE(src->u.discard.nr_sectors);		\
		break;							\
	case BLKIF_OP_INDIRECT:						\
		dst->u.indirect.indirect_op =				\
			READ_ONCE(src->u.indirect.indirect_op);		\
		dst->u.indirect.nr_segments =				\
			READ_ONCE(src->u.indirect.nr_segments);		\
		dst->u.indirect.id = READ_ONCE(src->u.indirect.id);	\
		dst->u.indirect.sector_number =				\
			READ_ONCE(src->u.indirect.sector_number);	\
		dst->u.indirect.handle = READ_ONCE(src->u.indirect.handle); \
		for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++) \
			dst->u.indirect.indirect_grefs[i] =		\
				src->u.indirect.indirect_grefs[i];	\
		break;							\
	default:							\
		/* only the id is needed to refuse it */		\
		dst->u.other.id = READ_ONCE(src->u.other.id);		\
		break;							\
	}								\
}

/*
 * blkback_copy_req_x86_32() and blkback_copy_req_x86_64(): private native
 * copy @dst of the request of a 32-bit or 64-bit guest in ring slot @src.
 */
BLKBACK_DEFINE_COPY_REQ(x86_32)
BLKBACK_DEFINE_COPY_REQ(x86_64)

static enum blkback_err blkback_check_discard(const struct blkif_request *req,
					      const struct blkback_limits *lim,
					      struct blkback_req_info *info)
{
	u64 mask = lim->lbs_sectors - 1;

	info->kind = BLKBACK_KIND_DISCARD;
	info->sector = req->u.discard.sector_number;
	info->nr_sectors = req->u.discard.nr_sectors;
	info->secure = req->u.discard.flag & BLKIF_DISCARD_SECURE;

	if (lim->readonly)
		return BLKBACK_ERR_RO;
	if (!lim->discard || (info->secure && !lim->discard_secure))
		return BLKBACK_ERR_UNSUPP;
	if ((info->sector | info->nr_sectors) & mask)
		return BLKBACK_ERR_ALIGN;
	if (info->nr_sectors > lim->nr_sectors ||
	    info->sector > lim->nr_sectors - info->nr_sectors)
		return BLKBACK_ERR_RANGE;
	return BLKBACK_OK;
}

/* READ and WRITE, the operations that move data, as the data path's kinds. */
static bool blkback_data_kind(u8 op, u8 *kind)
{
	switch (op) {
	case BLKIF_OP_READ:
		*kind = BLKBACK_KIND_READ;
		return true;
	case BLKIF_OP_WRITE:
		*kind = BLKBACK_KIND_WRITE;
		return true;
	default:
		return false;
	}
}

/* The indirect header: operation, segment count and indirect page count. */
static enum blkback_err blkback_check_indirect(const struct blkif_request *req,
					       const struct blkback_limits *lim,
					       struct blkback_req_info *info)
{
	info->indirect = true;
	info->op = req->u.indirect.indirect_op;
	info->nseg = req->u.indirect.nr_segments;
	info->sector = req->u.indirect.sector_number;

	if (!lim->max_indirect_segs)
		return BLKBACK_ERR_UNSUPP;
	if (!blkback_data_kind(info->op, &info->kind))
		return BLKBACK_ERR_OP;
	if (info->nseg == 0 || info->nseg > lim->max_indirect_segs)
		return BLKBACK_ERR_NSEG;
	info->nr_indirect_pages = (info->nseg + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
				  BLKIF_SEGS_PER_INDIRECT_PAGE;
	if (info->nr_indirect_pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
		return BLKBACK_ERR_NSEG;
	return BLKBACK_OK;
}

/**
 * blkback_check_header() - check the private copy of a request, first part
 * @req: private copy of the request
 * @lim: what the device and the connection allow
 * @info: filled with what the data path needs; @info->id and @info->op are
 *	valid even when the request is refused, for the response
 *
 * Checks everything but the segments of reads and writes, which for an
 * indirect request are not known before its indirect pages are mapped: see
 * blkback_check_segments().  Discards and cache flushes without data are
 * fully checked here.
 *
 * Return: BLKBACK_OK or the reason to refuse the request.
 */
enum blkback_err blkback_check_header(const struct blkif_request *req,
				      const struct blkback_limits *lim,
				      struct blkback_req_info *info)
{
	enum blkback_err err;

	*info = (struct blkback_req_info){ 0 };
	info->id = req->u.other.id;
	info->op = req->operation;

	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		blkback_data_kind(req->operation, &info->kind);
		break;
	case BLKIF_OP_WRITE_BARRIER:
		info->drain = true;
		fallthrough;
	case BLKIF_OP_FLUSH_DISKCACHE:
		/*
		 * Frontends send FUA writes as flush (or barrier) requests
		 * carrying data; without segments it is a pure cache flush.
		 */
		info->preflush = true;
		if (req->u.rw.nr_segments) {
			info->kind = BLKBACK_KIND_WRITE;
			info->fua = true;
		} else {
			info->kind = BLKBACK_KIND_FLUSH;
		}
		break;
	case BLKIF_OP_DISCARD:
		return blkback_check_discard(req, lim, info);
	case BLKIF_OP_INDIRECT:
		err = blkback_check_indirect(req, lim, info);
		if (err)
			return err;
		break;
	default:
		return BLKBACK_ERR_OP;
	}

	if (!info->indirect) {
		info->nseg = req->u.rw.nr_segments;
		info->sector = req->u.rw.sector_number;
		if (info->nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST ||
		    (info->nseg == 0 && info->kind != BLKBACK_KIND_FLUSH))
			return BLKBACK_ERR_NSEG;
	}
	if (info->kind == BLKBACK_KIND_FLUSH) {
		/* nothing checked the sector of a pure flush: it goes at 0 */
		info->sector = 0;
		return BLKBACK_OK;
	}
	if (lim->readonly && info->kind == BLKBACK_KIND_WRITE)
		return BLKBACK_ERR_RO;
	if (info->sector & (lim->lbs_sectors - 1))
		return BLKBACK_ERR_ALIGN;
	if (info->sector >= lim->nr_sectors)
		return BLKBACK_ERR_RANGE;
	return BLKBACK_OK;
}

/**
 * blkback_check_segments() - check the segments of a read or write
 * @seg: private copy of the @info->nseg segments
 * @lim: what the device allows
 * @info: the request, as blkback_check_header() accepted it; its
 *	@nr_sectors is set
 *
 * Return: BLKBACK_OK or the reason to refuse the request.
 */
enum blkback_err blkback_check_segments(const struct blkif_request_segment *seg,
					const struct blkback_limits *lim,
					struct blkback_req_info *info)
{
	unsigned int mask = lim->lbs_sectors - 1;
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < info->nseg; i++) {
		unsigned int first = seg[i].first_sect;
		unsigned int last = seg[i].last_sect;

		if (last >= BLKIF_SECTORS_PER_GRANT_PAGE || first > last)
			return BLKBACK_ERR_SEG;
		if ((first | (last + 1 - first)) & mask)
			return BLKBACK_ERR_ALIGN;
		total += last + 1 - first;
	}
	if (total > lim->nr_sectors || info->sector > lim->nr_sectors - total)
		return BLKBACK_ERR_RANGE;
	info->nr_sectors = total;
	return BLKBACK_OK;
}

/**
 * blkback_err_status() - response status for a refused or failed request
 * @err: why
 *
 * Return: a BLKIF_RSP_* value.
 */
s16 blkback_err_status(enum blkback_err err)
{
	switch (err) {
	case BLKBACK_OK:
		return BLKIF_RSP_OKAY;
	case BLKBACK_ERR_OP:
	case BLKBACK_ERR_UNSUPP:
		return BLKIF_RSP_EOPNOTSUPP;
	default:
		return BLKIF_RSP_ERROR;
	}
}

/**
 * blkback_io_status() - response status of a request the device completed
 * @info: the request
 * @err: 0, or the negative errno the device failed it with
 * @withdraw: set to the feature the device turned out to lack, else
 *	BLKBACK_FEATURE_NONE
 *
 * A flush or barrier (with or without data) that the device does not
 * support is answered EOPNOTSUPP, and the feature is withdrawn; a discard
 * it does not support is answered EOPNOTSUPP too (the frontend stops
 * sending them); every other failure is an error.
 *
 * Return: a BLKIF_RSP_* value.
 */
s16 blkback_io_status(const struct blkback_req_info *info, int err,
		      enum blkback_feature *withdraw)
{
	*withdraw = BLKBACK_FEATURE_NONE;
	if (!err)
		return BLKIF_RSP_OKAY;
	if (err == -EOPNOTSUPP && info->kind == BLKBACK_KIND_DISCARD)
		return BLKIF_RSP_EOPNOTSUPP;
	if (err != -EOPNOTSUPP || !info->preflush)
		return BLKIF_RSP_ERROR;
	*withdraw = info->op == BLKIF_OP_WRITE_BARRIER ?
		    BLKBACK_FEATURE_BARRIER : BLKBACK_FEATURE_FLUSH;
	return BLKIF_RSP_EOPNOTSUPP;
}

/**
 * blkback_err_name() - short name of an error cause, as used in sysfs
 * @err: the cause
 *
 * Return: a static string.
 */
const char *blkback_err_name(enum blkback_err err)
{
	static const char * const names[BLKBACK_NR_ERR] = {
		[BLKBACK_OK] = "ok",
		[BLKBACK_ERR_OP] = "bad_op",
		[BLKBACK_ERR_UNSUPP] = "unsupported",
		[BLKBACK_ERR_NSEG] = "bad_nseg",
		[BLKBACK_ERR_SEG] = "bad_segment",
		[BLKBACK_ERR_ALIGN] = "misaligned",
		[BLKBACK_ERR_RANGE] = "out_of_range",
		[BLKBACK_ERR_RO] = "read_only",
		[BLKBACK_ERR_MAP] = "grant_map",
		[BLKBACK_ERR_IO] = "io",
	};

	if ((unsigned int)err >= BLKBACK_NR_ERR)
		return "unknown";
	return names[err];
}
