// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback's checks of a request's private copy: operations, segment
 * counts, segment spans, alignment, device range, read-only devices, and
 * the translation of 32/64-bit guest layouts into the native one.
 */
#include "../../drivers/block/xen-blkback/validate.c"
#include "unit.h"

static const struct blkback_limits disk512 = {
	.nr_sectors = 1000, .lbs_sectors = 1, .max_indirect_segs = 256,
	.discard = true,
};

static const struct blkback_limits disk4k = {
	.nr_sectors = 1024, .lbs_sectors = 8, .max_indirect_segs = 32,
	.discard = true, .discard_secure = true,
};

static struct blkif_request rw(u8 op, unsigned int nseg, u64 sector)
{
	struct blkif_request r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.u.rw.nr_segments = nseg;
	r.u.rw.id = 0x1234567890abcdefULL;
	r.u.rw.sector_number = sector;
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		r.u.rw.seg[i].gref = 100 + i;
		r.u.rw.seg[i].first_sect = 0;
		r.u.rw.seg[i].last_sect = 7;
	}
	return r;
}

static enum blkback_err check_all(const struct blkif_request *r,
				  const struct blkback_limits *lim,
				  struct blkback_req_info *info)
{
	enum blkback_err err = blkback_check_header(r, lim, info);
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];

	if (err || info->kind == BLKBACK_KIND_FLUSH ||
	    info->kind == BLKBACK_KIND_DISCARD)
		return err;
	/* the driver works on an aligned private copy of the segments too */
	memcpy(seg, r->u.rw.seg, sizeof(seg));
	return blkback_check_segments(seg, lim, info);
}

static void read_and_write_accepted(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_READ, 11, 0);
	struct blkback_req_info info;

	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.kind, BLKBACK_KIND_READ);
	UNIT_EQ(info.nr_sectors, 88);
	UNIT_EQ(info.id, 0x1234567890abcdefULL);
	UNIT_EQ(info.op, BLKIF_OP_READ);
	r = rw(BLKIF_OP_WRITE, 1, 992);	/* ends exactly at the device end */
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.kind, BLKBACK_KIND_WRITE);
	UNIT_CHECK(!info.preflush && !info.fua);
}

static void unknown_operation_is_eopnotsupp(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_RESERVED_1, 1, 0);
	struct blkback_req_info info;

	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_OP);
	UNIT_EQ(blkback_err_status(BLKBACK_ERR_OP), BLKIF_RSP_EOPNOTSUPP);
	UNIT_EQ(info.id, 0x1234567890abcdefULL);
	UNIT_EQ(info.op, BLKIF_OP_RESERVED_1);
	r.operation = 200;
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_OP);
}

static void segment_counts(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_READ, 0, 0);
	struct blkback_req_info info;

	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_NSEG);
	r = rw(BLKIF_OP_WRITE, 12, 0);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_NSEG);
	r = rw(BLKIF_OP_WRITE, 255, 0);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_NSEG);
	UNIT_EQ(blkback_err_status(BLKBACK_ERR_NSEG), BLKIF_RSP_ERROR);
}

static void flush_without_data_is_pure_flush(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	struct blkback_req_info info;

	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.kind, BLKBACK_KIND_FLUSH);
	UNIT_CHECK(info.preflush && !info.drain);
	/* a flush carrying data is a FUA write */
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 2, 8);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.kind, BLKBACK_KIND_WRITE);
	UNIT_CHECK(info.preflush && info.fua);
	r = rw(BLKIF_OP_WRITE_BARRIER, 1, 8);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_CHECK(info.drain && info.preflush && info.fua);
	UNIT_EQ(info.op, BLKIF_OP_WRITE_BARRIER);
}

static void segment_span_inside_page(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_READ, 2, 0);
	struct blkback_req_info info;

	r.u.rw.seg[1].last_sect = 8;
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_SEG);
	r.u.rw.seg[1].first_sect = 5;
	r.u.rw.seg[1].last_sect = 4;
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_SEG);
	r.u.rw.seg[1].first_sect = 3;
	r.u.rw.seg[1].last_sect = 3;
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.nr_sectors, 9);
}

static void alignment_to_logical_block(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_READ, 1, 8);
	struct blkback_req_info info;

	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_OK);
	r.u.rw.sector_number = 4;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_ERR_ALIGN);
	r.u.rw.sector_number = 8;
	r.u.rw.seg[0].last_sect = 3;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_ERR_ALIGN);
	/* the same request is fine on a 512-byte device */
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
}

static void range_inside_device(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_READ, 1, 993);
	struct blkback_req_info info;

	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_RANGE);
	r.u.rw.sector_number = 1000;
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_RANGE);
	/* wrap-around must not sneak past the check */
	r.u.rw.sector_number = ~0ULL - 3;
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_RANGE);
}

static void readonly_rejects_writes(struct kunit *test)
{
	struct blkback_limits ro = disk512;
	struct blkif_request r = rw(BLKIF_OP_WRITE, 1, 0);
	struct blkback_req_info info;

	ro.readonly = true;
	UNIT_EQ(check_all(&r, &ro, &info), BLKBACK_ERR_RO);
	UNIT_EQ(blkback_err_status(BLKBACK_ERR_RO), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 1, 0);
	UNIT_EQ(check_all(&r, &ro, &info), BLKBACK_ERR_RO);
	r = rw(BLKIF_OP_READ, 1, 0);
	UNIT_EQ(check_all(&r, &ro, &info), BLKBACK_OK);
	r.operation = BLKIF_OP_DISCARD;
	r.u.discard.sector_number = 0;
	r.u.discard.nr_sectors = 8;
	UNIT_EQ(check_all(&r, &ro, &info), BLKBACK_ERR_RO);
}

static void discard_checks(struct kunit *test)
{
	struct blkif_request r;
	struct blkback_req_info info;
	struct blkback_limits nodiscard = disk512;

	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_DISCARD;
	r.u.discard.id = 7;
	r.u.discard.sector_number = 16;
	r.u.discard.nr_sectors = 64;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_OK);
	UNIT_EQ(info.kind, BLKBACK_KIND_DISCARD);
	UNIT_EQ(info.id, 7);
	UNIT_EQ(info.nr_sectors, 64);
	r.u.discard.flag = BLKIF_DISCARD_SECURE;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_OK);
	UNIT_CHECK(info.secure);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_ERR_UNSUPP);
	r.u.discard.flag = 0;
	nodiscard.discard = false;
	UNIT_EQ(check_all(&r, &nodiscard, &info), BLKBACK_ERR_UNSUPP);
	UNIT_EQ(blkback_err_status(BLKBACK_ERR_UNSUPP), BLKIF_RSP_EOPNOTSUPP);
	r.u.discard.nr_sectors = 12;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_ERR_ALIGN);
	r.u.discard.nr_sectors = 1024;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_ERR_RANGE);
	r.u.discard.sector_number = 8;
	r.u.discard.nr_sectors = ~0ULL - 7;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_ERR_RANGE);
	/* an empty range is checked like any other, up to the disk's end */
	r.u.discard.sector_number = 1024;
	r.u.discard.nr_sectors = 0;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_OK);
	UNIT_EQ(info.kind, BLKBACK_KIND_DISCARD);
	UNIT_EQ(info.nr_sectors, 0);
	r.u.discard.sector_number = 1032;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_ERR_RANGE);
	r.u.discard.sector_number = 4;
	UNIT_EQ(check_all(&r, &disk4k, &info), BLKBACK_ERR_ALIGN);
}

static struct blkif_request indirect(u8 op, unsigned int nseg)
{
	struct blkif_request r;

	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_INDIRECT;
	r.u.indirect.indirect_op = op;
	r.u.indirect.nr_segments = nseg;
	r.u.indirect.id = 99;
	r.u.indirect.sector_number = 64;
	return r;
}

static void indirect_header(struct kunit *test)
{
	struct blkif_request r = indirect(BLKIF_OP_WRITE, 256);
	struct blkback_limits noind = disk512;
	struct blkback_req_info info;

	UNIT_EQ(blkback_check_header(&r, &disk512, &info), BLKBACK_OK);
	UNIT_CHECK(info.indirect);
	UNIT_EQ(info.kind, BLKBACK_KIND_WRITE);
	UNIT_EQ(info.op, BLKIF_OP_WRITE);
	UNIT_EQ(info.nseg, 256);
	UNIT_EQ(info.nr_indirect_pages, 1);
	UNIT_EQ(info.id, 99);
	UNIT_EQ(info.sector, 64);
	r = indirect(BLKIF_OP_WRITE, 257);
	UNIT_EQ(blkback_check_header(&r, &disk512, &info), BLKBACK_ERR_NSEG);
	r = indirect(BLKIF_OP_READ, 0);
	UNIT_EQ(blkback_check_header(&r, &disk512, &info), BLKBACK_ERR_NSEG);
	r = indirect(BLKIF_OP_READ, 33);
	UNIT_EQ(blkback_check_header(&r, &disk4k, &info), BLKBACK_ERR_NSEG);
	r = indirect(BLKIF_OP_FLUSH_DISKCACHE, 4);
	UNIT_EQ(blkback_check_header(&r, &disk512, &info), BLKBACK_ERR_OP);
	r = indirect(BLKIF_OP_DISCARD, 4);
	UNIT_EQ(blkback_check_header(&r, &disk512, &info), BLKBACK_ERR_OP);
	UNIT_EQ(info.op, BLKIF_OP_DISCARD);
	noind.max_indirect_segs = 0;
	r = indirect(BLKIF_OP_READ, 4);
	UNIT_EQ(blkback_check_header(&r, &noind, &info), BLKBACK_ERR_UNSUPP);
}

static void indirect_page_count(struct kunit *test)
{
	struct blkback_limits big = disk512;
	struct blkif_request r = indirect(BLKIF_OP_READ, 513);
	struct blkback_req_info info;

	big.max_indirect_segs = 4096;
	UNIT_EQ(blkback_check_header(&r, &big, &info), BLKBACK_OK);
	UNIT_EQ(info.nr_indirect_pages, 2);
	big.max_indirect_segs = 65535;
	r = indirect(BLKIF_OP_READ, 4097);
	UNIT_EQ(blkback_check_header(&r, &big, &info), BLKBACK_ERR_NSEG);
}

static void indirect_segments(struct kunit *test)
{
	struct blkif_request r = indirect(BLKIF_OP_READ, 20);
	struct blkif_request_segment seg[20];
	struct blkback_req_info info;
	unsigned int i;

	for (i = 0; i < 20; i++) {
		seg[i].gref = i;
		seg[i].first_sect = 0;
		seg[i].last_sect = 7;
	}
	UNIT_EQ(blkback_check_header(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(blkback_check_segments(seg, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.nr_sectors, 160);
	seg[19].first_sect = 9;
	UNIT_EQ(blkback_check_segments(seg, &disk512, &info), BLKBACK_ERR_SEG);
}

static void x86_32_request_translated(struct kunit *test)
{
	struct blkif_x86_32_request src;
	struct blkif_request dst;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0xff, sizeof(dst));
	src.operation = BLKIF_OP_WRITE;
	src.u.rw.nr_segments = 3;
	src.u.rw.handle = 51712;
	src.u.rw.id = 0xdeadbeefcafe0001ULL;
	src.u.rw.sector_number = 4242;
	src.u.rw.seg[2].gref = 77;
	src.u.rw.seg[2].first_sect = 1;
	src.u.rw.seg[2].last_sect = 6;
	blkback_copy_req_x86_32(&dst, &src);
	UNIT_EQ(dst.operation, BLKIF_OP_WRITE);
	UNIT_EQ(dst.u.rw.nr_segments, 3);
	UNIT_EQ(dst.u.rw.handle, 51712);
	UNIT_EQ(dst.u.rw.id, 0xdeadbeefcafe0001ULL);
	UNIT_EQ(dst.u.rw.sector_number, 4242);
	UNIT_EQ(dst.u.rw.seg[2].gref, 77);
	UNIT_EQ(dst.u.rw.seg[2].first_sect, 1);
	UNIT_EQ(dst.u.rw.seg[2].last_sect, 6);

	memset(&src, 0, sizeof(src));
	src.operation = BLKIF_OP_INDIRECT;
	src.u.indirect.indirect_op = BLKIF_OP_READ;
	src.u.indirect.nr_segments = 300;
	src.u.indirect.id = 5;
	src.u.indirect.sector_number = 8;
	src.u.indirect.indirect_grefs[0] = 11;
	src.u.indirect.indirect_grefs[7] = 18;
	blkback_copy_req_x86_32(&dst, &src);
	UNIT_EQ(dst.u.indirect.indirect_op, BLKIF_OP_READ);
	UNIT_EQ(dst.u.indirect.nr_segments, 300);
	UNIT_EQ(dst.u.indirect.id, 5);
	UNIT_EQ(dst.u.indirect.sector_number, 8);
	UNIT_EQ(dst.u.indirect.indirect_grefs[0], 11);
	UNIT_EQ(dst.u.indirect.indirect_grefs[7], 18);

	memset(&src, 0, sizeof(src));
	src.operation = BLKIF_OP_DISCARD;
	src.u.discard.flag = BLKIF_DISCARD_SECURE;
	src.u.discard.id = 6;
	src.u.discard.sector_number = 16;
	src.u.discard.nr_sectors = 32;
	blkback_copy_req_x86_32(&dst, &src);
	UNIT_EQ(dst.u.discard.flag, BLKIF_DISCARD_SECURE);
	UNIT_EQ(dst.u.discard.id, 6);
	UNIT_EQ(dst.u.discard.sector_number, 16);
	UNIT_EQ(dst.u.discard.nr_sectors, 32);

	src.operation = 77;
	src.u.other.id = 0x77;
	blkback_copy_req_x86_32(&dst, &src);
	UNIT_EQ(dst.operation, 77);
	UNIT_EQ(dst.u.other.id, 0x77);
}

static void x86_64_request_translated(struct kunit *test)
{
	struct blkif_x86_64_request src;
	struct blkif_request dst, native;

	memset(&src, 0, sizeof(src));
	src.operation = BLKIF_OP_READ;
	src.u.rw.nr_segments = 11;
	src.u.rw.handle = 2;
	src.u.rw.id = 42;
	src.u.rw.sector_number = 1 << 20;
	src.u.rw.seg[10].gref = 1000;
	src.u.rw.seg[10].last_sect = 7;
	blkback_copy_req_x86_64(&dst, &src);
	UNIT_EQ(dst.u.rw.id, 42);
	UNIT_EQ(dst.u.rw.sector_number, 1 << 20);
	UNIT_EQ(dst.u.rw.seg[10].gref, 1000);
	UNIT_EQ(dst.u.rw.seg[10].last_sect, 7);
	/* on x86_64 the native layout is this one, byte for byte */
	memcpy(&native, &src, sizeof(native));
	UNIT_EQ(native.u.rw.id, dst.u.rw.id);
	UNIT_EQ(native.u.rw.seg[10].gref, dst.u.rw.seg[10].gref);
}

/*
 * The sector of a cache flush without data means nothing (and is not
 * checked against the device): the flush bio must not carry it.
 */
static void pure_flush_targets_sector_0(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 12345);
	struct blkback_req_info info;

	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.kind, BLKBACK_KIND_FLUSH);
	UNIT_EQ(info.sector, 0);
	r = rw(BLKIF_OP_WRITE_BARRIER, 0, ~0ULL);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.kind, BLKBACK_KIND_FLUSH);
	UNIT_EQ(info.sector, 0);
	/* with data, the sector is the write's */
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 1, 24);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(info.sector, 24);
}

/*
 * A flush or barrier the device answers "not supported" is answered
 * EOPNOTSUPP and withdraws that feature; any other failure is an error
 * and withdraws nothing.
 */
static void flush_not_supported_withdraws_feature(struct kunit *test)
{
	struct blkif_request r = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	struct blkback_req_info info;
	enum blkback_feature w;

	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(blkback_io_status(&info, -EOPNOTSUPP, &w), BLKIF_RSP_EOPNOTSUPP);
	UNIT_EQ(w, BLKBACK_FEATURE_FLUSH);
	UNIT_EQ(blkback_io_status(&info, -EIO, &w), BLKIF_RSP_ERROR);
	UNIT_EQ(w, BLKBACK_FEATURE_NONE);
	UNIT_EQ(blkback_io_status(&info, 0, &w), BLKIF_RSP_OKAY);
	UNIT_EQ(w, BLKBACK_FEATURE_NONE);
	/* a flush carrying data (a FUA write) too */
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 1, 8);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(blkback_io_status(&info, -EOPNOTSUPP, &w), BLKIF_RSP_EOPNOTSUPP);
	UNIT_EQ(w, BLKBACK_FEATURE_FLUSH);
	r = rw(BLKIF_OP_WRITE_BARRIER, 0, 0);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(blkback_io_status(&info, -EOPNOTSUPP, &w), BLKIF_RSP_EOPNOTSUPP);
	UNIT_EQ(w, BLKBACK_FEATURE_BARRIER);
	/* a plain write the device does not support is an error */
	r = rw(BLKIF_OP_WRITE, 1, 8);
	UNIT_EQ(check_all(&r, &disk512, &info), BLKBACK_OK);
	UNIT_EQ(blkback_io_status(&info, -EOPNOTSUPP, &w), BLKIF_RSP_ERROR);
	UNIT_EQ(w, BLKBACK_FEATURE_NONE);
}

static void error_names(struct kunit *test)
{
	UNIT_CHECK(strcmp(blkback_err_name(BLKBACK_ERR_RO), "read_only") == 0);
	UNIT_CHECK(strcmp(blkback_err_name(BLKBACK_NR_ERR), "unknown") == 0);
	UNIT_CHECK(strcmp(blkback_err_name(BLKBACK_ERR_IO), "io") == 0);
}

static struct kunit_case blkback_validate_cases[] = {
	KUNIT_CASE(read_and_write_accepted),
	KUNIT_CASE(unknown_operation_is_eopnotsupp),
	KUNIT_CASE(segment_counts),
	KUNIT_CASE(flush_without_data_is_pure_flush),
	KUNIT_CASE(segment_span_inside_page),
	KUNIT_CASE(alignment_to_logical_block),
	KUNIT_CASE(range_inside_device),
	KUNIT_CASE(readonly_rejects_writes),
	KUNIT_CASE(discard_checks),
	KUNIT_CASE(indirect_header),
	KUNIT_CASE(indirect_page_count),
	KUNIT_CASE(indirect_segments),
	KUNIT_CASE(x86_32_request_translated),
	KUNIT_CASE(x86_64_request_translated),
	KUNIT_CASE(error_names),
	KUNIT_CASE(pure_flush_targets_sector_0),
	KUNIT_CASE(flush_not_supported_withdraws_feature),
	{}
};

UNIT_SUITE(blkback_validate, blkback_validate_cases);
