// SPDX-License-Identifier: GPL-2.0
/*
 * The service-time histograms both drivers keep (include/xen-blk/latency.h):
 * which bucket a time falls in, at the edges of every bucket and past the
 * last, and which kind each wire operation is counted as; the lines of a
 * latency_* file, each whole, and the line that ends a file whose rings
 * do not all fit in its page.
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

/* the page sysfs gives a show function (static: too big for a stack) */
#define LAT_PAGE 4096
static char lat_page[LAT_PAGE];

static void lat_fill(u64 *hist, u64 v)
{
	unsigned int b;

	for (b = 0; b < XEN_BLK_LAT_BUCKETS; b++)
		hist[b] = v;
}

static void a_line_is_the_counts_of_one_ring(struct kunit *test)
{
	static const char head[] =
		"0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 ";
	u64 hist[XEN_BLK_LAT_BUCKETS];
	size_t len = 0;
	unsigned int b;

	for (b = 0; b < XEN_BLK_LAT_BUCKETS; b++)
		hist[b] = b;
	hist[XEN_BLK_LAT_BUCKETS - 1] = ~0ULL;
	UNIT_CHECK(xen_blk_lat_emit(lat_page, LAT_PAGE, &len, hist, 0));
	UNIT_CHECK(!strncmp(lat_page, head, strlen(head)));
	UNIT_CHECK(!strcmp(lat_page + strlen(head), "18446744073709551615\n"));
	UNIT_EQ(len, strlen(lat_page));
}

/*
 * A line of 24 zeros is 48 characters.  The last ring's line needs them
 * and the NUL; one with rings after it the room of the truncated line too.
 */
static void a_line_goes_in_whole_or_not_at_all(struct kunit *test)
{
	const size_t line = 2 * XEN_BLK_LAT_BUCKETS, at = 100;
	const size_t keep = XEN_BLK_LAT_TRUNCATED_MAX;
	u64 hist[XEN_BLK_LAT_BUCKETS];
	size_t len;

	lat_fill(hist, 0);
	len = at;
	UNIT_CHECK(xen_blk_lat_emit(lat_page, at + line + 1, &len, hist, 0));
	UNIT_EQ(len, at + line);
	UNIT_EQ(lat_page[at + line - 1], '\n');

	len = at;
	UNIT_CHECK(!xen_blk_lat_emit(lat_page, at + line, &len, hist, 0));
	UNIT_CHECK(!strcmp(lat_page + at, "truncated 1\n"));
	UNIT_EQ(len, at + strlen("truncated 1\n"));

	len = at;
	UNIT_CHECK(xen_blk_lat_emit(lat_page, at + line + keep + 1, &len, hist,
				    5));
	UNIT_EQ(len, at + line);

	len = at;
	UNIT_CHECK(!xen_blk_lat_emit(lat_page, at + line + keep, &len, hist, 5));
	UNIT_CHECK(!strcmp(lat_page + at, "truncated 6\n"));
	UNIT_EQ(len, at + strlen("truncated 6\n"));
}

/* what a show function makes of @rings rings, every count @count */
static unsigned int lat_show(u64 count, unsigned int rings, size_t *len)
{
	u64 hist[XEN_BLK_LAT_BUCKETS];
	unsigned int r;

	lat_fill(hist, count);
	*len = 0;
	memset(lat_page, 'x', LAT_PAGE);
	for (r = 0; r < rings; r++)
		if (!xen_blk_lat_emit(lat_page, LAT_PAGE, len, hist,
				      rings - 1 - r))
			break;
	return r;
}

/* the lines of a file in lat_page: whole lines of 24 counts, or the last */
static unsigned int lat_whole_lines(size_t len)
{
	unsigned int lines = 0, fields = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = lat_page[i];

		if (c == ' ') {
			fields++;
		} else if (c == '\n') {
			if (fields + 1 != XEN_BLK_LAT_BUCKETS)
				return lines;
			lines++;
			fields = 0;
		} else if (c < '0' || c > '9') {
			return lines;
		}
	}
	return lines;
}

static void rings_that_fit_are_all_listed(struct kunit *test)
{
	size_t len;

	UNIT_EQ(lat_show(0, 85, &len), 85);		/* 85 * 48 < 4096 */
	UNIT_EQ(len, 85 * 48);
	UNIT_EQ(lat_whole_lines(len), 85);
	UNIT_EQ(lat_page[len - 1], '\n');
}

/*
 * 200 rings with 13-digit counts (lines of 336 characters): 12 whole
 * lines (4032 characters, and 22 kept for the last line), then
 * "truncated 188"; never a number cut short, never past the page.
 */
static void rings_past_the_page_are_counted_not_cut(struct kunit *test)
{
	size_t len;

	UNIT_EQ(lat_show(1234567890123ULL, 200, &len), 12);
	UNIT_CHECK(len < LAT_PAGE);
	UNIT_EQ(strlen(lat_page), len);
	UNIT_EQ(lat_whole_lines(len), 12);
	UNIT_CHECK(!strcmp(lat_page + 12 * 336, "truncated 188\n"));

	/* the longest lines (20-digit counts, 504 characters): 8 fit */
	UNIT_EQ(lat_show(~0ULL, 64, &len), 8);
	UNIT_EQ(lat_whole_lines(len), 8);
	UNIT_CHECK(!strcmp(lat_page + 8 * 504, "truncated 56\n"));
	UNIT_CHECK(len < LAT_PAGE);
}

/*
 * 85 rings of zeros fill 4080 bytes, 85 fit alone; with an 86th to come
 * the 85th would leave no room for the last line, so it goes there.
 */
static void the_last_line_fits_where_a_ring_would_not(struct kunit *test)
{
	size_t len;

	UNIT_EQ(lat_show(0, 86, &len), 84);
	UNIT_EQ(lat_whole_lines(len), 84);
	UNIT_CHECK(!strcmp(lat_page + 84 * 48, "truncated 2\n"));
}

static struct kunit_case blk_latency_cases[] = {
	KUNIT_CASE(under_two_us_is_bucket_zero),
	KUNIT_CASE(every_bucket_edge),
	KUNIT_CASE(last_bucket_takes_everything_longer),
	KUNIT_CASE(ops_map_to_their_kind),
	KUNIT_CASE(record_counts_known_ops_only),
	KUNIT_CASE(a_line_is_the_counts_of_one_ring),
	KUNIT_CASE(a_line_goes_in_whole_or_not_at_all),
	KUNIT_CASE(rings_that_fit_are_all_listed),
	KUNIT_CASE(rings_past_the_page_are_counted_not_cut),
	KUNIT_CASE(the_last_line_fits_where_a_ring_would_not),
	{}
};

UNIT_SUITE(blk_latency_buckets, blk_latency_cases);
