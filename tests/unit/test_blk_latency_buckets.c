// SPDX-License-Identifier: GPL-2.0
/*
 * The service-time histograms both drivers keep (include/xen-blk/latency.h):
 * which bucket a time falls in, at the edges of every bucket and past the
 * last, and which kind each wire operation is counted as.
 */
#include <xen-blk/latency.h>
#include "unit.h"

static void under_two_us_is_bucket_zero(struct kunit *test)
{
	UNIT_EQ(xen_blk_lat_bucket(0), 0);
	UNIT_EQ(xen_blk_lat_bucket(1), 0);
	UNIT_EQ(xen_blk_lat_bucket(2), 1);
	UNIT_EQ(xen_blk_lat_bucket(3), 1);
	UNIT_EQ(xen_blk_lat_bucket(4), 2);
}

static void every_bucket_edge(struct kunit *test)
{
	unsigned int b;

	for (b = 1; b < XEN_BLK_LAT_BUCKETS; b++) {
		u64 lo = 1ULL << b;

		UNIT_EQ(xen_blk_lat_bucket(lo - 1), b - 1);
		UNIT_EQ(xen_blk_lat_bucket(lo), b);
		if (b < XEN_BLK_LAT_BUCKETS - 1)
			UNIT_EQ(xen_blk_lat_bucket(2 * lo - 1), b);
	}
}

static void last_bucket_takes_everything_longer(struct kunit *test)
{
	unsigned int last = XEN_BLK_LAT_BUCKETS - 1;

	UNIT_EQ(xen_blk_lat_bucket(1ULL << last), last);
	UNIT_EQ(xen_blk_lat_bucket(1ULL << (last + 1)), last);
	UNIT_EQ(xen_blk_lat_bucket(1000000000ULL * 3600), last);
	UNIT_EQ(xen_blk_lat_bucket(~0ULL), last);
}

static void ops_map_to_their_kind(struct kunit *test)
{
	UNIT_EQ(xen_blk_lat_op(BLKIF_OP_READ), XEN_BLK_LAT_READ);
	UNIT_EQ(xen_blk_lat_op(BLKIF_OP_WRITE), XEN_BLK_LAT_WRITE);
	UNIT_EQ(xen_blk_lat_op(BLKIF_OP_FLUSH_DISKCACHE), XEN_BLK_LAT_FLUSH);
	UNIT_EQ(xen_blk_lat_op(BLKIF_OP_WRITE_BARRIER), XEN_BLK_LAT_FLUSH);
	UNIT_EQ(xen_blk_lat_op(BLKIF_OP_DISCARD), XEN_BLK_LAT_DISCARD);
	/* an indirect request is timed as its indirect_op, never as itself */
	UNIT_EQ(xen_blk_lat_op(BLKIF_OP_INDIRECT), XEN_BLK_LAT_NR_OPS);
	UNIT_EQ(xen_blk_lat_op(200), XEN_BLK_LAT_NR_OPS);
}

static void record_counts_known_ops_only(struct kunit *test)
{
	struct xen_blk_lat lat = {};
	unsigned int k, b;
	u64 total = 0;

	xen_blk_lat_record(&lat, BLKIF_OP_READ, 150);		/* [128, 256) */
	xen_blk_lat_record(&lat, BLKIF_OP_READ, 255);
	xen_blk_lat_record(&lat, BLKIF_OP_WRITE_BARRIER, 0);
	xen_blk_lat_record(&lat, BLKIF_OP_DISCARD, 1ULL << 40);
	xen_blk_lat_record(&lat, 99, 10);			/* not timed */
	UNIT_EQ(lat.hist[XEN_BLK_LAT_READ][7], 2);
	UNIT_EQ(lat.hist[XEN_BLK_LAT_FLUSH][0], 1);
	UNIT_EQ(lat.hist[XEN_BLK_LAT_DISCARD][XEN_BLK_LAT_BUCKETS - 1], 1);
	for (k = 0; k < XEN_BLK_LAT_NR_OPS; k++)
		for (b = 0; b < XEN_BLK_LAT_BUCKETS; b++)
			total += lat.hist[k][b];
	UNIT_EQ(total, 4);
}

static struct kunit_case blk_latency_cases[] = {
	KUNIT_CASE(under_two_us_is_bucket_zero),
	KUNIT_CASE(every_bucket_edge),
	KUNIT_CASE(last_bucket_takes_everything_longer),
	KUNIT_CASE(ops_map_to_their_kind),
	KUNIT_CASE(record_counts_known_ops_only),
	{}
};

UNIT_SUITE(blk_latency_buckets, blk_latency_cases);
