// SPDX-License-Identifier: GPL-2.0
/*
 * The core of the hostile-frontend fuzzer (tests/lab/tools/blkif-fuzz.c):
 * the PRNG and the generator reproduce a run from its seed, the generator
 * covers every category and writes well-formed descriptions, the oracle
 * gives each rule of the protocol and of Documentation/xen-blkback.rst its
 * status, and the disk model with fz_settle() accepts an honest backend and
 * catches a lying one.
 *
 * Host only (userspace code of a lab tool, not driver code): built and run
 * by `make -C tests/unit host`, which `make -C tests/unit run` includes;
 * it is not a KUnit suite.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>	/* tests/unit/shim: u8 ... u64 */

#include "blkif-fuzz.h"
#include "unit.h"

/* A rw disk of 512-byte sectors that offers everything. */
static const struct fz_conn conn_full = {
	.abi = FZ_ABI_X86_64,
	.ring_order = 0,
	.max_indirect = 32,
	.persistent = false,
	.nr_sectors = 1 << 20,
	.sector_size = 512,
	.flush = true,
	.barrier = true,
	.discard = true,
	.discard_secure = false,
};

/* Read-only, 4 KiB sectors, no indirect, no flush, no discard. */
static const struct fz_conn conn_ro4k = {
	.abi = FZ_ABI_X86_32,
	.ring_order = 2,
	.max_indirect = 0,
	.persistent = true,
	.nr_sectors = 1 << 16,
	.sector_size = 4096,
	.readonly = true,
};

static struct fz_req *req_alloc(void)
{
	struct fz_req *rq = calloc(1, sizeof(*rq));

	if (!rq)
		abort();
	return rq;
}

/*
 * xoshiro256** from splitmix64(0): its first outputs, computed from the
 * published algorithms by a separate script (not by this code), so that
 * a change of the PRNG cannot go unnoticed: it would change every run a
 * seed names.
 */
static const u64 seed0_outputs[] = {
	0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL,
};

/* ------------------------------------------------------------------ */
/* PRNG                                                                */
/* ------------------------------------------------------------------ */

static void rng_same_seed_same_sequence(struct kunit *test)
{
	struct fz_rng a, b, c;
	unsigned int i, same_c = 0;

	fz_rng_seed(&a, 42);
	fz_rng_seed(&b, 42);
	fz_rng_seed(&c, 43);
	for (i = 0; i < 10000; i++) {
		u64 x = fz_next(&a);

		UNIT_CHECK(x == fz_next(&b));
		same_c += x == fz_next(&c);
	}
	UNIT_EQ(same_c, 0);
	/* pinned: a change of the PRNG would silently change every corpus */
	fz_rng_seed(&a, 0);
	for (i = 0; i < 3; i++)
		UNIT_CHECK(fz_next(&a) == seed0_outputs[i]);
}

static void rng_helpers_stay_in_bounds(struct kunit *test)
{
	unsigned int hist[10] = { 0 }, i, bad = 0;
	struct fz_rng r;

	fz_rng_seed(&r, 7);
	UNIT_EQ(fz_below(&r, 0), 0);
	UNIT_EQ(fz_below(&r, 1), 0);
	for (i = 0; i < 100000; i++)
		hist[fz_below(&r, 10)]++;
	for (i = 0; i < 10; i++)	/* 10000 each, 5% is > 10 sigma */
		bad += hist[i] < 9500 || hist[i] > 10500;
	UNIT_EQ(bad, 0);
	for (i = 0; i < 10000; i++) {
		u64 x = fz_range(&r, 5, 9);

		bad += x < 5 || x > 9;
		bad += fz_range(&r, UINT64_MAX - 1, UINT64_MAX) < UINT64_MAX - 1;
		bad += fz_chance(&r, 0, 3);
		bad += !fz_chance(&r, 3, 3);
	}
	UNIT_EQ(bad, 0);
	UNIT_EQ(fz_range(&r, 9, 9), 9);
	fz_range(&r, 0, UINT64_MAX);	/* the full range does not divide by 0 */
	/* both ends of a small range come up */
	for (i = 0, hist[0] = hist[1] = 0; i < 1000; i++) {
		u64 x = fz_range(&r, 1, 3);

		hist[0] += x == 1;
		hist[1] += x == 3;
	}
	UNIT_CHECK(hist[0] && hist[1]);
}

/* ------------------------------------------------------------------ */
/* Generator                                                           */
/* ------------------------------------------------------------------ */

/* The part of a request the lab tool reads: header and its entries. */
static bool req_equal(const struct fz_req *a, const struct fz_req *b)
{
	return !memcmp(a, b, offsetof(struct fz_req, seg)) &&
	       !memcmp(a->seg, b->seg, a->nr_entries * sizeof(a->seg[0]));
}

static void gen_same_seed_same_stream(struct kunit *test)
{
	struct fz_req *a = req_alloc(), *b = req_alloc(), *c = req_alloc();
	struct fz_gen ga, gb, gc;
	unsigned int i, diff = 0, same_c = 0;

	fz_gen_init(&ga, &conn_full, 0x5eed);
	fz_gen_init(&gb, &conn_full, 0x5eed);
	fz_gen_init(&gc, &conn_full, 0x5eee);
	for (i = 0; i < 5000; i++) {
		fz_gen_next(&ga, a);
		fz_gen_next(&gb, b);
		fz_gen_next(&gc, c);
		diff += !req_equal(a, b);
		same_c += req_equal(a, c);
	}
	UNIT_EQ(diff, 0);
	UNIT_CHECK(same_c < 50);
	UNIT_CHECK(!memcmp(ga.count, gb.count, sizeof(ga.count)));
	/* request n alone, without the ones before it */
	fz_gen_at(&ga, 1234, c);
	fz_gen_init(&gb, &conn_full, 0x5eed);
	for (i = 0; i <= 1234; i++)
		fz_gen_next(&gb, b);
	UNIT_CHECK(req_equal(b, c));
	UNIT_EQ(c->seq, 1234);
	free(a);
	free(b);
	free(c);
}

static void gen_ids_are_unique(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	static u64 ids[4096];
	unsigned int i, j, dup = 0;
	struct fz_gen g;

	fz_gen_init(&g, &conn_full, 1);
	for (i = 0; i < 4096; i++) {
		fz_gen_next(&g, rq);
		ids[i] = rq->id;
	}
	for (i = 0; i < 4096; i++)
		for (j = i + 1; j < 4096; j++)
			dup += ids[i] == ids[j];
	UNIT_EQ(dup, 0);
	free(rq);
}

static void check_coverage(struct kunit *test, const struct fz_conn *c,
			   u64 seed, unsigned int n)
{
	struct fz_req *rq = req_alloc();
	unsigned int i, missing = 0, wrong = 0;
	struct fz_gen g;

	fz_gen_init(&g, c, seed);
	fz_gen_set_weight(&g, FZ_CAT_RING_BREAK, 1);
	for (i = 0; i < n; i++)
		fz_gen_next(&g, rq);
	for (i = 0; i < FZ_NR_CAT; i++) {
		if (fz_cat_applies(c, i) && !g.count[i]) {
			printf("  category %s never generated\n",
			       fz_cat_name(i));
			missing++;
		}
		if (!fz_cat_applies(c, i) && g.count[i])
			wrong++;
	}
	UNIT_EQ(missing, 0);
	UNIT_EQ(wrong, 0);
	free(rq);
}

static void gen_covers_every_category(struct kunit *test)
{
	struct fz_conn c = conn_full;

	check_coverage(test, &conn_full, 1, 2000);
	check_coverage(test, &conn_ro4k, 2, 2000);
	c.readonly = true;
	c.persistent = true;
	c.max_indirect = 512;
	check_coverage(test, &c, 3, 2000);
	/* nothing that does not apply, whatever the weights say */
	UNIT_CHECK(!fz_cat_applies(&conn_ro4k, FZ_CAT_VALID_INDIRECT));
	UNIT_CHECK(!fz_cat_applies(&conn_full, FZ_CAT_READONLY));
	UNIT_CHECK(fz_cat_applies(&conn_ro4k, FZ_CAT_READONLY));
}

static void gen_ring_break_only_when_asked(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	unsigned int i, stops = 0;
	struct fz_expect e;
	struct fz_gen g;

	fz_gen_init(&g, &conn_full, 9);
	for (i = 0; i < 3000; i++) {
		fz_gen_next(&g, rq);
		fz_oracle(&conn_full, rq, &e);
		stops += rq->ring_action != FZ_RING_NONE ||
			 (e.allow & FZ_ALLOW_STOP);
	}
	UNIT_EQ(stops, 0);
	UNIT_EQ(g.count[FZ_CAT_RING_BREAK], 0);
	/* asked for: both ways of breaking the ring */
	fz_gen_set_weight(&g, FZ_CAT_RING_BREAK, 1000);
	for (i = 0, stops = 0; i < 100; i++) {
		fz_gen_next(&g, rq);
		fz_oracle(&conn_full, rq, &e);
		if (rq->ring_action == FZ_RING_PROD_OVERFLOW)
			stops |= 1;
		else if (e.allow & FZ_ALLOW_STOP)
			stops |= 2;
	}
	UNIT_EQ(stops, 3);
	free(rq);
}

/* What the lab tool relies on to lay a request out and grant its pages. */
static unsigned int check_well_formed(const struct fz_conn *c,
				      const struct fz_req *rq)
{
	static u8 kind_of[FZ_GEN_MAX_PAGES];
	unsigned int bad = 0, i;

	memset(kind_of, 0xff, sizeof(kind_of));
	bad += rq->nr_pages > FZ_GEN_MAX_PAGES;
	bad += rq->nr_entries > FZ_MAX_ENTRIES;
	bad += rq->nr_ind > FZ_MAX_INDIRECT_PAGES;
	if (rq->op != FZ_OP_INDIRECT) {
		bad += rq->nr_entries > FZ_MAX_DIRECT_SEGS;
		bad += rq->nr_ind != 0;
	} else {
		/* the indirect pages hold every entry */
		bad += rq->nr_entries > rq->nr_ind * FZ_SEGS_PER_PAGE &&
		       rq->cat != FZ_CAT_INDIRECT_PAGES;
	}
	for (i = 0; i < rq->nr_entries + rq->nr_ind && !bad; i++) {
		const struct fz_pageref *p = i < rq->nr_entries ?
			&rq->seg[i].ref : &rq->ind[i - rq->nr_entries];

		if (p->kind != FZ_PAGE_DATA && p->kind != FZ_PAGE_RO)
			continue;
		if (p->page >= rq->nr_pages || p->page >= FZ_GEN_MAX_PAGES) {
			bad++;
			continue;
		}
		/* a page is granted one way: read-write or read-only */
		if (kind_of[p->page] != 0xff && kind_of[p->page] != p->kind)
			bad++;
		kind_of[p->page] = p->kind;
	}
	bad += rq->ring_action == FZ_RING_PROD_OVERFLOW && !rq->prod_excess;
	(void)c;
	return bad;
}

static void gen_requests_are_well_formed(struct kunit *test)
{
	const struct fz_conn *conns[] = { &conn_full, &conn_ro4k };
	struct fz_req *rq = req_alloc();
	unsigned int i, k, bad = 0;
	struct fz_gen g;

	for (k = 0; k < 2; k++) {
		fz_gen_init(&g, conns[k], 100 + k);
		fz_gen_set_weight(&g, FZ_CAT_RING_BREAK, 1);
		for (i = 0; i < 20000; i++) {
			fz_gen_next(&g, rq);
			bad += check_well_formed(conns[k], rq);
		}
	}
	UNIT_EQ(bad, 0);
	free(rq);
}

/* The honest categories are honest: the oracle wants OKAY for them. */
static void gen_valid_requests_are_valid(struct kunit *test)
{
	const struct fz_conn *conns[] = { &conn_full, &conn_ro4k };
	struct fz_req *rq = req_alloc();
	unsigned int i, k, bad = 0, n = 0;
	struct fz_expect e;
	struct fz_gen g;

	for (k = 0; k < 2; k++) {
		fz_gen_init(&g, conns[k], 200 + k);
		for (i = 0; i < 20000; i++) {
			fz_gen_next(&g, rq);
			if (rq->cat != FZ_CAT_VALID_RW &&
			    rq->cat != FZ_CAT_VALID_INDIRECT)
				continue;
			fz_oracle(conns[k], rq, &e);
			n++;
			bad += e.allow != FZ_ALLOW_OKAY ||
			       e.status != FZ_RSP_OKAY ||
			       !(e.reads || e.writes) || !e.nr_sectors;
		}
	}
	UNIT_CHECK(n > 5000);
	UNIT_EQ(bad, 0);
	free(rq);
}

/* Each invalid category yields refusals, and each category some of both. */
static void gen_categories_reach_their_verdicts(struct kunit *test)
{
	unsigned int okay[FZ_NR_CAT] = { 0 }, refused[FZ_NR_CAT] = { 0 };
	struct fz_req *rq = req_alloc();
	unsigned int wraps = 0;
	struct fz_expect e;
	struct fz_gen g;
	unsigned int i;

	fz_gen_init(&g, &conn_full, 300);
	for (i = 0; i < 30000; i++) {
		fz_gen_next(&g, rq);
		fz_oracle(&conn_full, rq, &e);
		/* the start plus the length past 2^64 */
		wraps += rq->op == FZ_OP_DISCARD && rq->nr_sectors &&
			 rq->sector + rq->nr_sectors < rq->sector;
		if (e.status == FZ_RSP_OKAY)
			okay[rq->cat]++;
		else
			refused[rq->cat]++;
	}
	UNIT_CHECK(wraps > 0);
	UNIT_EQ(okay[FZ_CAT_UNKNOWN_OP], 0);
	UNIT_CHECK(refused[FZ_CAT_UNKNOWN_OP] > 0);
	UNIT_EQ(okay[FZ_CAT_INDIRECT_OP], 0);
	/* at, below and above each limit: both sides of it */
	UNIT_CHECK(okay[FZ_CAT_NSEG_DIRECT] && refused[FZ_CAT_NSEG_DIRECT]);
	UNIT_CHECK(okay[FZ_CAT_NSEG_INDIRECT] && refused[FZ_CAT_NSEG_INDIRECT]);
	UNIT_CHECK(okay[FZ_CAT_INDIRECT_PAGES] &&
		   refused[FZ_CAT_INDIRECT_PAGES]);
	UNIT_CHECK(okay[FZ_CAT_SECT_EDGE] && refused[FZ_CAT_SECT_EDGE]);
	UNIT_CHECK(okay[FZ_CAT_RANGE] && refused[FZ_CAT_RANGE]);
	UNIT_CHECK(okay[FZ_CAT_DISCARD] && refused[FZ_CAT_DISCARD]);
	UNIT_CHECK(okay[FZ_CAT_FLUSH] && refused[FZ_CAT_FLUSH]);
	UNIT_CHECK(okay[FZ_CAT_ALIAS]);
	UNIT_CHECK(okay[FZ_CAT_BAD_GRANT] && refused[FZ_CAT_BAD_GRANT]);
	free(rq);
}

/* ------------------------------------------------------------------ */
/* Oracle: one hand-written case per rule                              */
/* ------------------------------------------------------------------ */

/* A direct read or write of @nseg full pages at @sector. */
static void mk_rw(struct fz_req *rq, u8 op, unsigned int nseg,
		  u64 sector)
{
	unsigned int i;

	memset(rq, 0, offsetof(struct fz_req, seg));
	rq->op = op;
	rq->nr_segments = nseg;
	rq->sector = sector;
	rq->nr_entries = nseg > FZ_MAX_DIRECT_SEGS && op != FZ_OP_INDIRECT ?
			 FZ_MAX_DIRECT_SEGS : nseg;
	for (i = 0; i < rq->nr_entries; i++) {
		rq->seg[i].ref.kind = FZ_PAGE_DATA;
		rq->seg[i].ref.page = i;
		rq->seg[i].first_sect = 0;
		rq->seg[i].last_sect = 7;
	}
	rq->nr_pages = rq->nr_entries;
}

static void mk_indirect(struct fz_req *rq, u8 op, unsigned int nseg,
			u64 sector)
{
	unsigned int i, pages;

	mk_rw(rq, FZ_OP_INDIRECT, nseg > FZ_MAX_ENTRIES ? FZ_MAX_ENTRIES : nseg,
	      sector);
	rq->nr_segments = nseg;
	rq->indirect_op = op;
	pages = (rq->nr_entries + FZ_SEGS_PER_PAGE - 1) / FZ_SEGS_PER_PAGE;
	for (i = 0; i < pages; i++) {
		rq->ind[i].kind = FZ_PAGE_DATA;
		rq->ind[i].page = rq->nr_pages++;
	}
	rq->nr_ind = pages;
}

static void mk_discard(struct fz_req *rq, u64 sector, u64 nr,
		       u8 flag)
{
	memset(rq, 0, offsetof(struct fz_req, seg));
	rq->op = FZ_OP_DISCARD;
	rq->sector = sector;
	rq->nr_sectors = nr;
	rq->discard_flag = flag;
}

#define EXPECT(c, rq, want_allow, want_status, want_rule) do {		\
	const char *_want = (want_rule);				\
	struct fz_expect _e;						\
									\
	fz_oracle(c, rq, &_e);						\
	UNIT_EQ(_e.allow, want_allow);					\
	UNIT_EQ(_e.status, want_status);				\
	if (strcmp(_e.rule, _want)) {					\
		printf("  rule %s, expected %s\n", _e.rule, _want);	\
		UNIT_CHECK(!strcmp(_e.rule, _want));			\
	}								\
} while (0)

#define OK	FZ_ALLOW_OKAY
#define ERR	FZ_ALLOW_ERROR
#define NOTSUP	FZ_ALLOW_EOPNOTSUPP
#define STOP	FZ_ALLOW_STOP

static void oracle_reads_and_writes(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_expect e;

	mk_rw(rq, FZ_OP_READ, 3, 100);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "read");
	fz_oracle(&conn_full, rq, &e);
	UNIT_CHECK(e.reads && !e.writes);
	UNIT_EQ(e.sector, 100);
	UNIT_EQ(e.nr_sectors, 24);
	UNIT_EQ(e.rsp_op, FZ_OP_READ);
	mk_rw(rq, FZ_OP_WRITE, 11, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	/* read-only disk: reads fine, writes refused */
	mk_rw(rq, FZ_OP_READ, 1, 8);
	EXPECT(&conn_ro4k, rq, OK, FZ_RSP_OKAY, "read");
	mk_rw(rq, FZ_OP_WRITE, 1, 8);
	EXPECT(&conn_ro4k, rq, ERR, FZ_RSP_ERROR, "readonly");
	free(rq);
}

static void oracle_unknown_ops(struct kunit *test)
{
	static const u8 ops[] = { 4, 7, 8, 100, 255 };
	struct fz_req *rq = req_alloc();
	struct fz_expect e;
	unsigned int i;

	for (i = 0; i < sizeof(ops); i++) {
		mk_rw(rq, ops[i], 1, 0);
		EXPECT(&conn_full, rq, NOTSUP, FZ_RSP_EOPNOTSUPP, "unknown-op");
		fz_oracle(&conn_full, rq, &e);
		UNIT_EQ(e.rsp_op, ops[i]);
	}
	free(rq);
}

static void oracle_direct_segment_counts(struct kunit *test)
{
	struct fz_req *rq = req_alloc();

	mk_rw(rq, FZ_OP_READ, 0, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "nseg");
	mk_rw(rq, FZ_OP_WRITE, 10, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	mk_rw(rq, FZ_OP_WRITE, 11, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	mk_rw(rq, FZ_OP_WRITE, 12, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "nseg");
	mk_rw(rq, FZ_OP_READ, 255, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "nseg");
	free(rq);
}

static void oracle_indirect(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_conn c = conn_full;
	struct fz_expect e;

	mk_indirect(rq, FZ_OP_READ, 32, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "read");
	fz_oracle(&conn_full, rq, &e);
	UNIT_EQ(e.rsp_op, FZ_OP_READ);	/* the indirect_op, not 6 */
	UNIT_EQ(e.nr_sectors, 32 * 8);
	mk_indirect(rq, FZ_OP_WRITE, 1, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	mk_indirect(rq, FZ_OP_READ, 0, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "nseg");
	mk_indirect(rq, FZ_OP_READ, 33, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "nseg");
	mk_indirect(rq, FZ_OP_READ, 65535, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "nseg");
	/* not offered */
	mk_indirect(rq, FZ_OP_WRITE, 4, 0);
	EXPECT(&conn_ro4k, rq, NOTSUP, FZ_RSP_EOPNOTSUPP,
	       "indirect-not-offered");
	fz_oracle(&conn_ro4k, rq, &e);
	UNIT_EQ(e.rsp_op, FZ_OP_WRITE);
	/* only reads and writes go indirect */
	mk_indirect(rq, FZ_OP_FLUSH_DISKCACHE, 4, 0);
	EXPECT(&conn_full, rq, NOTSUP, FZ_RSP_EOPNOTSUPP, "indirect-op");
	mk_indirect(rq, FZ_OP_INDIRECT, 4, 0);
	EXPECT(&conn_full, rq, NOTSUP, FZ_RSP_EOPNOTSUPP, "indirect-op");
	/* indirect pages: a needed one missing, extra ones ignored */
	c.max_indirect = 1024;
	mk_indirect(rq, FZ_OP_READ, 600, 0);
	UNIT_EQ(rq->nr_ind, 2);
	EXPECT(&c, rq, OK, FZ_RSP_OKAY, "read");
	rq->ind[1].kind = FZ_PAGE_BAD;
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "indirect-grant");
	rq->ind[1].kind = FZ_PAGE_DATA;
	rq->nr_ind = 1;
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "indirect-grant");
	mk_indirect(rq, FZ_OP_READ, 8, 0);
	rq->ind[1].kind = FZ_PAGE_BAD;
	rq->nr_ind = 2;
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "read");
	free(rq);
}

static void oracle_segment_spans(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_conn c4k = conn_full;

	c4k.sector_size = 4096;
	mk_rw(rq, FZ_OP_READ, 2, 0);
	rq->seg[1].first_sect = 5;
	rq->seg[1].last_sect = 4;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "bad-segment");
	rq->seg[1].first_sect = 0;
	rq->seg[1].last_sect = 8;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "bad-segment");
	rq->seg[1].first_sect = 200;
	rq->seg[1].last_sect = 255;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "bad-segment");
	rq->seg[1].first_sect = 7;
	rq->seg[1].last_sect = 7;
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "read");
	/* a 4 KiB disk takes whole pages only, at 4 KiB boundaries */
	EXPECT(&c4k, rq, ERR, FZ_RSP_ERROR, "misaligned");
	rq->seg[1].first_sect = 0;
	rq->seg[1].last_sect = 6;
	EXPECT(&c4k, rq, ERR, FZ_RSP_ERROR, "misaligned");
	rq->seg[1].last_sect = 7;
	EXPECT(&c4k, rq, OK, FZ_RSP_OKAY, "read");
	rq->sector = 4;
	EXPECT(&c4k, rq, ERR, FZ_RSP_ERROR, "misaligned");
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "read");
	free(rq);
}

static void oracle_ranges(struct kunit *test)
{
	u64 n = conn_full.nr_sectors;
	struct fz_req *rq = req_alloc();

	mk_rw(rq, FZ_OP_WRITE, 2, n - 16);	/* ends on the last sector */
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	rq->sector = n - 15;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	rq->sector = n;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	rq->sector = UINT64_MAX - 7;		/* wraps to 8 */
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	rq->sector = UINT64_MAX;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	free(rq);
}

static void oracle_discard(struct kunit *test)
{
	u64 n = conn_full.nr_sectors;
	struct fz_req *rq = req_alloc();
	struct fz_conn c = conn_full;
	struct fz_expect e;

	mk_discard(rq, 64, 128, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "discard");
	fz_oracle(&conn_full, rq, &e);
	UNIT_CHECK(e.discards && !e.writes);
	UNIT_EQ(e.rsp_op, FZ_OP_DISCARD);
	mk_discard(rq, 0, n, 0xfe);		/* whole disk, undefined flags */
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "discard");
	mk_discard(rq, 64, 128, FZ_DISCARD_SECURE);
	EXPECT(&conn_full, rq, NOTSUP, FZ_RSP_EOPNOTSUPP, "secure-not-offered");
	c.discard_secure = true;
	EXPECT(&c, rq, OK, FZ_RSP_OKAY, "discard");
	mk_discard(rq, 64, 128, 0);
	c.discard = false;
	EXPECT(&c, rq, NOTSUP, FZ_RSP_EOPNOTSUPP, "discard-not-offered");
	/* a read-only disk refuses it first, offered or not, secure or not */
	EXPECT(&conn_ro4k, rq, ERR, FZ_RSP_ERROR, "readonly");
	c = conn_full;
	c.readonly = true;
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "readonly");
	mk_discard(rq, 64, 128, FZ_DISCARD_SECURE);
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "readonly");
	EXPECT(&conn_ro4k, rq, ERR, FZ_RSP_ERROR, "readonly");
	mk_discard(rq, conn_full.nr_sectors, 0, 0);
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "readonly");
	c = conn_full;
	c.sector_size = 4096;
	mk_discard(rq, 64, 12, 0);
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "misaligned");
	mk_discard(rq, 60, 16, 0);
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "misaligned");
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "discard");
	mk_discard(rq, n - 8, 16, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	mk_discard(rq, 8, UINT64_MAX - 7, 0);	/* wraps to 0 */
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	mk_discard(rq, UINT64_MAX - 7, 16, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	/* nothing to discard: OKAY, at the disk's end too, and no zeroes */
	mk_discard(rq, 0, 0, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "discard-empty");
	mk_discard(rq, 100, 0, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "discard-empty");
	mk_discard(rq, n, 0, FZ_DISCARD_SECURE);
	c = conn_full;
	c.discard_secure = true;
	EXPECT(&c, rq, OK, FZ_RSP_OKAY, "discard-empty");
	mk_discard(rq, n, 0, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "discard-empty");
	fz_oracle(&conn_full, rq, &e);
	UNIT_CHECK(!e.discards && !e.writes);
	/* still checked like any other range */
	mk_discard(rq, n + 8, 0, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	mk_discard(rq, UINT64_MAX, 0, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	c.sector_size = 4096;
	mk_discard(rq, 4, 0, 0);
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "misaligned");
	c.discard = false;
	EXPECT(&c, rq, NOTSUP, FZ_RSP_EOPNOTSUPP, "discard-not-offered");
	free(rq);
}

static void oracle_flush_and_barrier(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_conn c = conn_full;
	struct fz_expect e;

	/* pure flush: the sector means nothing */
	mk_rw(rq, FZ_OP_FLUSH_DISKCACHE, 0, UINT64_MAX);
	EXPECT(&conn_full, rq, OK | NOTSUP, FZ_RSP_OKAY, "flush");
	rq->op = FZ_OP_WRITE_BARRIER;
	EXPECT(&conn_full, rq, OK | NOTSUP, FZ_RSP_OKAY, "flush");
	/* not offered: served all the same, as upstream does */
	c.flush = false;
	rq->op = FZ_OP_FLUSH_DISKCACHE;
	EXPECT(&c, rq, OK | NOTSUP, FZ_RSP_OKAY, "flush-not-offered");
	c.barrier = false;
	rq->op = FZ_OP_WRITE_BARRIER;
	EXPECT(&c, rq, OK | NOTSUP, FZ_RSP_OKAY, "flush-not-offered");
	/* on a read-only disk: nothing to flush, offered or not */
	EXPECT(&conn_ro4k, rq, OK | NOTSUP, FZ_RSP_OKAY, "flush-readonly");
	/* with data: a write, offered or not */
	mk_rw(rq, FZ_OP_FLUSH_DISKCACHE, 2, 0);
	EXPECT(&conn_full, rq, OK | NOTSUP, FZ_RSP_OKAY, "write");
	EXPECT(&c, rq, OK | NOTSUP, FZ_RSP_OKAY, "flush-not-offered");
	fz_oracle(&c, rq, &e);
	UNIT_CHECK(e.writes && e.nr_sectors == 16);
	rq->sector = conn_full.nr_sectors;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	mk_rw(rq, FZ_OP_WRITE_BARRIER, 12, 0);
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "nseg");
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "nseg");
	/* a persistent grant mapped read-only keeps its own rule */
	mk_rw(rq, FZ_OP_FLUSH_DISKCACHE, 2, 0);
	rq->seg[0].ref.kind = FZ_PAGE_RO;
	c.persistent = true;
	EXPECT(&c, rq, OK | ERR | NOTSUP, FZ_RSP_OKAY, "grant-ro-persistent");
	/* on a read-only disk (where it is never offered): a write */
	mk_rw(rq, FZ_OP_WRITE_BARRIER, 1, 0);
	EXPECT(&conn_ro4k, rq, ERR, FZ_RSP_ERROR, "readonly");
	c = conn_full;
	c.readonly = true;
	EXPECT(&c, rq, ERR, FZ_RSP_ERROR, "readonly");
	free(rq);
}

static void oracle_flush_on_readonly_disk(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_conn c = conn_full;

	/* offered on a read-only disk (ours never does): nothing to flush */
	c.readonly = true;
	mk_rw(rq, FZ_OP_FLUSH_DISKCACHE, 0, 12345);
	EXPECT(&c, rq, OK | NOTSUP, FZ_RSP_OKAY, "flush-readonly");
	free(rq);
}

static void oracle_grants(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_conn pc = conn_full;

	pc.persistent = true;
	/* one page twice */
	mk_rw(rq, FZ_OP_WRITE, 3, 0);
	rq->seg[2].ref = rq->seg[0].ref;
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	rq->op = FZ_OP_READ;
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "read");
	/* the indirect page is a data page */
	mk_indirect(rq, FZ_OP_WRITE, 5, 0);
	rq->ind[0] = rq->seg[3].ref;
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	/* never granted */
	mk_rw(rq, FZ_OP_WRITE, 3, 0);
	rq->seg[1].ref.kind = FZ_PAGE_BAD;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "grant");
	/* read-only grant: a read needs to write it */
	rq->op = FZ_OP_READ;
	rq->seg[1].ref.kind = FZ_PAGE_RO;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "grant-ro");
	/* a write from it is fine, unless grants are persistent */
	rq->op = FZ_OP_WRITE;
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	EXPECT(&pc, rq, OK | ERR, FZ_RSP_OKAY, "grant-ro-persistent");
	mk_indirect(rq, FZ_OP_WRITE, 5, 0);
	rq->ind[0].kind = FZ_PAGE_RO;
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	EXPECT(&pc, rq, OK | ERR, FZ_RSP_OKAY, "grant-ro-persistent");
	/* the ring's own grant as data */
	mk_rw(rq, FZ_OP_WRITE, 2, 0);
	rq->seg[0].ref.kind = FZ_PAGE_RING;
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	rq->op = FZ_OP_READ;
	EXPECT(&conn_full, rq, OK | ERR | STOP, FZ_RSP_OKAY, "read-into-ring");
	/* grants do not matter to a request refused before them */
	rq->sector = UINT64_MAX;
	EXPECT(&conn_full, rq, ERR, FZ_RSP_ERROR, "out-of-range");
	free(rq);
}

static void oracle_ring_overflow_stops(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_expect e;

	mk_rw(rq, FZ_OP_READ, 1, 0);
	rq->ring_action = FZ_RING_PROD_OVERFLOW;
	rq->prod_excess = 1;
	fz_oracle(&conn_full, rq, &e);
	UNIT_EQ(e.allow, STOP);
	UNIT_CHECK(e.stop);
	UNIT_CHECK(!fz_expect_allows(&e, FZ_RSP_OKAY));
	UNIT_CHECK(!fz_expect_allows(&e, FZ_RSP_ERROR));
	UNIT_CHECK(!fz_expect_allows(&e, 5));	/* no such status */
	free(rq);
}

/*
 * Every rule the oracle applies to generated requests has its hand-written
 * case above: a new rule without one fails here.
 */
static void oracle_every_rule_has_a_case(struct kunit *test)
{
	static const char *const tested[] = {
		"read", "write", "readonly", "unknown-op", "nseg",
		"indirect-not-offered", "indirect-op", "indirect-grant",
		"bad-segment", "misaligned", "out-of-range", "discard",
		"discard-not-offered", "secure-not-offered", "discard-empty",
		"flush", "flush-not-offered", "flush-readonly", "grant",
		"grant-ro", "grant-ro-persistent", "read-into-ring",
		"ring-overflow", "race",
	};
	const unsigned int nt = ARRAY_SIZE(tested);
	bool seen[ARRAY_SIZE(tested)] = { false };
	struct fz_req *rq = req_alloc();
	unsigned int mask, i, k, unknown = 0, unseen = 0;
	struct fz_expect e;
	struct fz_gen g;

	for (mask = 0; mask < 32; mask++) {
		struct fz_conn c = conn_full;

		c.sector_size = mask & 4 ? 4096 : 512;
		c.readonly = mask & 1;
		c.persistent = mask & 2;
		c.max_indirect = mask & 4 ? 0 : 64;
		c.flush = mask & 8;
		c.barrier = c.flush;
		c.discard = mask & 16;
		c.discard_secure = c.discard && (mask & 1);
		fz_gen_init(&g, &c, mask);
		fz_gen_set_weight(&g, FZ_CAT_RING_BREAK, 1);
		for (i = 0; i < 3000; i++) {
			fz_gen_next(&g, rq);
			fz_oracle(&c, rq, &e);
			for (k = 0; k < nt; k++)
				if (!strcmp(e.rule, tested[k]))
					break;
			if (k == nt) {
				printf("  rule %s has no case\n", e.rule);
				unknown++;
			} else {
				seen[k] = true;
			}
		}
	}
	for (k = 0; k < nt; k++) {
		if (!seen[k]) {
			printf("  rule %s never applied by the generator\n",
			       tested[k]);
			unseen++;
		}
	}
	UNIT_EQ(unknown, 0);
	UNIT_EQ(unseen, 0);
	free(rq);
}

/* ------------------------------------------------------------------ */
/* Ring bytes: offsets from include/xen/interface/io/blkif.h            */
/* ------------------------------------------------------------------ */

static u64 le(const u8 *p, unsigned int len)
{
	u64 v = 0;

	while (len--)
		v = v << 8 | p[len];
	return v;
}

static const u32 test_page_grefs[] = { 0x11111111, 0x22222222, 0x333 };
static const struct fz_grefs test_grefs = {
	.page = test_page_grefs, .ring = 0x44, .bad = 0xfffff,
};

/* ------------------------------------------------------------------ */
/* Races                                                               */
/* ------------------------------------------------------------------ */

/* Raced requests take a few places of the stream and leave the others. */
static void gen_races_leave_the_rest_of_the_stream(struct kunit *test)
{
	struct fz_req *a = req_alloc(), *b = req_alloc();
	unsigned int i, raced = 0, diff = 0, outside = 0;
	struct fz_gen ga, gb;
	u64 zs, zn, sector, nr;

	fz_gen_init(&ga, &conn_full, 11);
	fz_gen_init(&gb, &conn_full, 11);
	fz_gen_set_race(&gb, 0);
	fz_race_zone(&conn_full, &zs, &zn);
	for (i = 0; i < 20000; i++) {
		fz_gen_next(&ga, a);
		fz_gen_next(&gb, b);
		UNIT_CHECK(b->cat != FZ_CAT_RACE);
		if (a->cat != FZ_CAT_RACE) {
			diff += !req_equal(a, b);
			continue;
		}
		raced++;
		UNIT_EQ(a->id & 0xff, FZ_RACE_ID_MARK);
		UNIT_EQ(a->ring_action, FZ_RING_NONE);
		UNIT_EQ(check_well_formed(&conn_full, a), 0);
		/* the request as published is in the zone */
		if (fz_req_span(&conn_full, a, &sector, &nr))
			outside += sector < zs || sector + nr > zs + zn;
	}
	UNIT_EQ(diff, 0);
	UNIT_EQ(outside, 0);
	/* one in FZ_RACE_ONE_IN, give or take */
	UNIT_CHECK(raced > 20000 / FZ_RACE_ONE_IN / 2);
	UNIT_CHECK(raced < 20000 / FZ_RACE_ONE_IN * 2);
	UNIT_EQ(ga.count[FZ_CAT_RACE], raced);
	free(a);
	free(b);
}

/* The zone: the disk's end, from a multiple of 256^b (see blkif-fuzz.h). */
static void race_zone_is_the_disks_end(struct kunit *test)
{
	static const u64 sizes[] = {
		1, 7, 300, 2048, 32768, 32769, 1 << 20, FZ_MODEL_MAX_SECTORS,
	};
	struct fz_conn c = conn_full;
	unsigned int i;
	u64 zs, zn;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		c.nr_sectors = sizes[i];
		fz_race_zone(&c, &zs, &zn);
		UNIT_EQ(zs + zn, sizes[i]);
		UNIT_CHECK(zn >= 1);
		UNIT_CHECK(zn >= FZ_RACE_ZONE_SECTORS || zn >= sizes[i] / 4);
		/* a small disk may be all zone (the byte rule) */
		UNIT_CHECK(zn <= sizes[i] / 2 || sizes[i] < 4096);
	}
	/* a 16 MiB disk of the lab: its last MiB */
	c.nr_sectors = 32768;
	fz_race_zone(&c, &zs, &zn);
	UNIT_EQ(zs, 32768 - 2048);
}

/* Grant references of a raced request's pages: distinct, small. */
static u32 race_grefs[FZ_GEN_MAX_PAGES];

static struct fz_grefs race_grefs_of(void)
{
	struct fz_grefs g = { .page = race_grefs, .ring = 0x10, .bad = 0xfffff };
	unsigned int i;

	for (i = 0; i < FZ_GEN_MAX_PAGES; i++)
		race_grefs[i] = 0x200 + 3 * i;
	return g;
}

static bool race_own_gref(u32 v)
{
	return v >= 0x200 && v < 0x200 + 3 * FZ_GEN_MAX_PAGES &&
	       (v - 0x200) % 3 == 0;
}

/* A mixture of the bytes of @n values. */
static u64 race_mix(struct fz_rng *r, const u64 *v, unsigned int n)
{
	u64 m = 0;
	unsigned int k;

	for (k = 0; k < 8; k++)
		m |= v[fz_below(r, n)] & 0xffULL << (8 * k);
	return m;
}

/*
 * Rewrites of @rq, checked one by one: where they go, what they write;
 * then mixtures of the sector numbers written.  Returns the failures.
 */
static unsigned int race_check_rewrites(const struct fz_conn *c,
					const struct fz_req *rq,
					unsigned int *word0_writes)
{
	static u8 slot[112], ind[FZ_MAX_INDIRECT_PAGES][FZ_PAGE_SIZE];
	struct fz_grefs g = race_grefs_of();
	size_t idb = c->abi == FZ_ABI_X86_32 ? 4 : 8;
	size_t size = fz_req_slot_size(c->abi);
	unsigned int bad = 0, i, nsec = 1;
	struct fz_race_write w;
	struct fz_race rc;
	static u64 secs[2001];
	struct fz_rng r;
	u64 zs, zn, m;

	fz_race_zone(c, &zs, &zn);
	fz_encode_req(c->abi, rq, &g, 0, slot);
	secs[0] = le(slot + idb + 8, 8);
	bad += secs[0] < zs;
	/* everything the layout can name is the request's own */
	if (rq->op == FZ_OP_INDIRECT) {
		for (i = 0; i < FZ_MAX_INDIRECT_PAGES; i++) {
			fz_encode_indirect_page(rq, i, &g, ind[i]);
			bad += !race_own_gref((u32)le(slot + idb + 20 + 4 * i,
						      4));
		}
		for (i = 0; i < FZ_MAX_ENTRIES; i++)
			bad += !race_own_gref((u32)le(ind[i / 512] +
						      8 * (i % 512), 4));
	} else if (rq->op != FZ_OP_DISCARD) {
		for (i = 0; i < FZ_MAX_DIRECT_SEGS; i++)
			bad += !race_own_gref((u32)le(slot + idb + 16 + 8 * i,
						      4));
	}
	fz_race_start(&rc, c, rq, &g, 5, slot);
	for (i = 0; i < 2000; i++) {
		if (i == 1500)
			rc.word0_off = true;	/* the answer landed */
		fz_race_next(&rc, &w);
		switch (w.where) {
		case FZ_RACE_WORD0:
			(*word0_writes)++;
			bad += i >= 1500 || w.off || w.len != 4;
			bad += !fz_race_op_ok(rq, (u8)w.value);
			bad += (w.value & 0xff) == FZ_RACE_ID_MARK;
			rc.word0 = (u32)w.value;
			break;
		case FZ_RACE_SLOT:
			/* never the id, never past the slot */
			bad += w.off < idb + 8 || w.off + w.len > size;
			if (w.off == idb + 8)
				secs[nsec++] = w.value;
			else if (w.len == 4)
				bad += !race_own_gref(w.value & 0xffffff);
			break;
		case FZ_RACE_IND:
			bad += rq->op != FZ_OP_INDIRECT;
			bad += w.page >= FZ_MAX_INDIRECT_PAGES;
			bad += w.off + w.len > FZ_PAGE_SIZE;
			if (w.len == 4)
				bad += w.off % 8 ||
				       !race_own_gref(w.value & 0xffffff);
			break;
		default:
			bad++;
		}
	}
	/* torn copies of the sector number: in the zone or past the disk */
	fz_rng_seed(&r, rq->seq);
	for (i = 0; i < 20000; i++) {
		m = race_mix(&r, secs, nsec);
		if (m < zs) {
			printf("  sector %#llx below the zone (%#llx)\n",
			       (unsigned long long)m, (unsigned long long)zs);
			bad++;
			break;
		}
	}
	return bad;
}

static void race_rewrites_stay_in_their_bounds(struct kunit *test)
{
	static const u64 sizes[] = { 2048, 32768, 40000, 1 << 20 };
	struct fz_req *rq = req_alloc();
	unsigned int k, i, n, bad = 0, word0 = 0, layouts = 0;
	struct fz_gen g;

	for (k = 0; k < 8; k++) {
		struct fz_conn c = conn_full;

		c.abi = k & 1 ? FZ_ABI_X86_32 : FZ_ABI_X86_64;
		c.sector_size = k & 2 ? 4096 : 512;
		c.max_indirect = k & 4 ? 0 : 512;
		c.nr_sectors = sizes[k % ARRAY_SIZE(sizes)];
		fz_gen_init(&g, &c, 40 + k);
		fz_gen_set_race(&g, 1);
		for (i = 0, n = 0; n < 30; i++) {
			fz_gen_at(&g, i, rq);
			UNIT_EQ(rq->cat, FZ_CAT_RACE);
			layouts |= rq->op == FZ_OP_INDIRECT ? 1 :
				   rq->op == FZ_OP_DISCARD ? 2 : 4;
			bad += race_check_rewrites(&c, rq, &word0);
			n++;
		}
	}
	UNIT_EQ(bad, 0);
	UNIT_EQ(layouts, 7);
	UNIT_CHECK(word0 > 1000);
	free(rq);
}

/* Any status, an operation of its layout, once; the zone forgotten. */
static void oracle_race(struct kunit *test)
{
	static u8 buf[FZ_SECTOR_SIZE];
	struct fz_req *rq = req_alloc();
	struct fz_conn c = conn_full;
	struct fz_result res;
	struct fz_mismatch mm;
	struct fz_expect e;
	struct fz_model m;
	struct fz_gen g;
	u64 zs, zn;

	c.nr_sectors = 32768;
	fz_race_zone(&c, &zs, &zn);
	fz_gen_init(&g, &c, 3);
	fz_gen_set_race(&g, 1);
	do {
		fz_gen_next(&g, rq);
	} while (rq->op == FZ_OP_INDIRECT || rq->op == FZ_OP_DISCARD);
	fz_oracle(&c, rq, &e);
	UNIT_CHECK(e.raced);
	UNIT_CHECK(!strcmp(e.rule, "race"));
	UNIT_EQ(e.allow, FZ_ALLOW_OKAY | FZ_ALLOW_ERROR | FZ_ALLOW_EOPNOTSUPP);
	UNIT_EQ(e.sector, zs);
	UNIT_EQ(e.nr_sectors, zn);
	UNIT_CHECK(fz_race_op_ok(rq, FZ_OP_WRITE));
	UNIT_CHECK(fz_race_op_ok(rq, 255));
	UNIT_CHECK(!fz_race_op_ok(rq, FZ_OP_DISCARD));
	UNIT_CHECK(!fz_race_op_ok(rq, FZ_OP_INDIRECT));

	if (fz_model_init(&m, c.nr_sectors, true))
		abort();
	fz_fill_sector(buf, 3, zs, 9);
	fz_model_write(&m, zs, buf, 9);
	fz_model_write(&m, zs - 1, buf, 9);
	fz_settle(&m, &c, rq, &e, rq->id, FZ_OP_READ, FZ_RSP_ERROR, NULL,
		  &res);
	UNIT_EQ(res.findings, 0);
	/* the zone is unknown: anything read there is learnt */
	memset(buf, 0x77, sizeof(buf));
	UNIT_CHECK(fz_model_check(&m, zs, buf, &mm));
	/* the rest is still known */
	UNIT_CHECK(!fz_model_check(&m, zs - 1, buf, &mm));

	fz_settle(&m, &c, rq, &e, rq->id, 0x5a, FZ_RSP_OKAY, NULL, &res);
	UNIT_CHECK(res.bad_op && res.findings == 1);
	fz_settle(&m, &c, rq, &e, rq->id ^ 1, FZ_OP_READ, 1, NULL, &res);
	UNIT_CHECK(res.bad_id && res.bad_status && res.findings == 2);
	fz_settle_stopped(&m, rq, &e, &res);
	UNIT_EQ(res.findings, 1);

	/* a read-only disk keeps its zone: nothing may have written there */
	c.readonly = true;
	fz_fill_sector(buf, 3, zs, 9);
	fz_model_write(&m, zs, buf, 9);
	fz_settle(&m, &c, rq, &e, rq->id, FZ_OP_READ, FZ_RSP_OKAY, NULL,
		  &res);
	UNIT_EQ(res.findings, 0);
	memset(buf, 0x77, sizeof(buf));
	UNIT_CHECK(!fz_model_check(&m, zs, buf, &mm));
	fz_model_free(&m);
	free(rq);
}

static void encode_rw_in_both_abis(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	u8 slot[112];

	UNIT_EQ(fz_req_slot_size(FZ_ABI_X86_32), 108);
	UNIT_EQ(fz_req_slot_size(FZ_ABI_X86_64), 112);
	mk_rw(rq, FZ_OP_WRITE, 2, 0x0102030405060708ULL);
	rq->id = 0x1122334455667788ULL;
	rq->handle = 0xabcd;
	rq->seg[1].first_sect = 3;
	rq->seg[1].last_sect = 5;
	rq->seg[1].ref.kind = FZ_PAGE_RING;
	fz_encode_req(FZ_ABI_X86_64, rq, &test_grefs, 0xee, slot);
	UNIT_EQ(slot[0], FZ_OP_WRITE);
	UNIT_EQ(slot[1], 2);
	UNIT_EQ(le(slot + 2, 2), 0xabcd);
	UNIT_EQ(le(slot + 4, 4), 0xeeeeeeee);		/* x86_64 padding */
	UNIT_CHECK(le(slot + 8, 8) == 0x1122334455667788ULL);
	UNIT_CHECK(le(slot + 16, 8) == 0x0102030405060708ULL);
	UNIT_EQ(le(slot + 24, 4), 0x11111111);
	UNIT_EQ(slot[28], 0);
	UNIT_EQ(slot[29], 7);
	UNIT_EQ(le(slot + 32, 4), 0x44);		/* the ring's gref */
	UNIT_EQ(slot[36], 3);
	UNIT_EQ(slot[37], 5);
	UNIT_EQ(slot[40], 0xee);			/* unused entries */
	UNIT_EQ(slot[111], 0xee);
	fz_encode_req(FZ_ABI_X86_32, rq, &test_grefs, 0, slot);
	UNIT_CHECK(le(slot + 4, 8) == 0x1122334455667788ULL);
	UNIT_CHECK(le(slot + 12, 8) == 0x0102030405060708ULL);
	UNIT_EQ(le(slot + 20, 4), 0x11111111);
	UNIT_EQ(le(slot + 28, 4), 0x44);
	UNIT_EQ(slot[32], 3);
	free(rq);
}

static void encode_indirect_and_discard(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	u8 slot[112];

	mk_indirect(rq, FZ_OP_READ, 2, 64);
	rq->id = 9;
	rq->handle = 0x1234;
	rq->ind[1].kind = FZ_PAGE_BAD;
	rq->nr_ind = 2;
	fz_encode_req(FZ_ABI_X86_64, rq, &test_grefs, 0, slot);
	UNIT_EQ(slot[0], FZ_OP_INDIRECT);
	UNIT_EQ(slot[1], FZ_OP_READ);
	UNIT_EQ(le(slot + 2, 2), 2);
	UNIT_EQ(le(slot + 8, 8), 9);
	UNIT_EQ(le(slot + 16, 8), 64);
	UNIT_EQ(le(slot + 24, 2), 0x1234);
	UNIT_EQ(le(slot + 28, 4), 0x333);		/* request page 2 */
	UNIT_EQ(le(slot + 32, 4), 0xfffff);
	UNIT_EQ(le(slot + 36, 4), 0);
	fz_encode_req(FZ_ABI_X86_32, rq, &test_grefs, 0, slot);
	UNIT_EQ(le(slot + 4, 8), 9);
	UNIT_EQ(le(slot + 20, 2), 0x1234);
	UNIT_EQ(le(slot + 24, 4), 0x333);
	mk_discard(rq, 0x10, 0x20, FZ_DISCARD_SECURE);
	rq->id = 5;
	fz_encode_req(FZ_ABI_X86_64, rq, &test_grefs, 0, slot);
	UNIT_EQ(slot[0], FZ_OP_DISCARD);
	UNIT_EQ(slot[1], FZ_DISCARD_SECURE);
	UNIT_EQ(le(slot + 8, 8), 5);
	UNIT_EQ(le(slot + 16, 8), 0x10);
	UNIT_EQ(le(slot + 24, 8), 0x20);
	fz_encode_req(FZ_ABI_X86_32, rq, &test_grefs, 0, slot);
	UNIT_EQ(le(slot + 12, 8), 0x10);
	UNIT_EQ(le(slot + 20, 8), 0x20);
	free(rq);
}

static void encode_indirect_pages_hold_512_entries(struct kunit *test)
{
	static u32 many[1024];	/* mk_indirect: a page per entry */
	struct fz_grefs g = { .page = many, .ring = 1, .bad = 2 };
	u8 *page = malloc(FZ_PAGE_SIZE);
	struct fz_req *rq = req_alloc();
	unsigned int i;

	for (i = 0; i < 1024; i++)
		many[i] = 5000 + i;
	mk_indirect(rq, FZ_OP_WRITE, 600, 0);
	rq->seg[512].first_sect = 1;
	rq->seg[512].last_sect = 2;
	fz_encode_indirect_page(rq, 0, &g, page);
	UNIT_EQ(le(page, 4), 5000);
	UNIT_EQ(le(page + 511 * 8, 4), 5511);
	fz_encode_indirect_page(rq, 1, &g, page);
	UNIT_EQ(le(page, 4), 5512);
	UNIT_EQ(page[4], 1);
	UNIT_EQ(page[5], 2);
	UNIT_EQ(le(page + 87 * 8, 4), 5599);
	UNIT_EQ(le(page + 88 * 8, 4), 0);		/* past the last entry */
	free(page);
	free(rq);
}

static void decode_responses(struct kunit *test)
{
	u8 rsp[16] = {
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		FZ_OP_WRITE, 0, 0xfe, 0xff,
	};
	u64 id;
	s16 st;
	u8 op;

	UNIT_EQ(fz_rsp_slot_size(FZ_ABI_X86_32), 12);
	UNIT_EQ(fz_rsp_slot_size(FZ_ABI_X86_64), 16);
	fz_decode_rsp(FZ_ABI_X86_32, rsp, &id, &op, &st);
	UNIT_CHECK(id == 0x1122334455667788ULL);
	UNIT_EQ(op, FZ_OP_WRITE);
	UNIT_EQ(st, FZ_RSP_EOPNOTSUPP);
}

/* ------------------------------------------------------------------ */
/* Corpus lines                                                        */
/* ------------------------------------------------------------------ */

static void corpus_lines_round_trip(struct kunit *test)
{
	const struct fz_conn *conns[] = { &conn_full, &conn_ro4k };
	char *line = malloc(FZ_REQ_TEXT_MAX);
	struct fz_req *rq = req_alloc(), *back = req_alloc();
	unsigned int i, k, bad = 0, too_long = 0;
	struct fz_conn c;
	struct fz_gen g;
	int n;

	for (k = 0; k < 2; k++) {
		n = fz_conn_format(conns[k], line, FZ_REQ_TEXT_MAX);
		UNIT_CHECK(n > 0 && n < FZ_REQ_TEXT_MAX);
		UNIT_EQ(fz_conn_parse(line, &c), 0);
		UNIT_CHECK(!memcmp(&c, conns[k], sizeof(c)));
		fz_gen_init(&g, conns[k], 500 + k);
		fz_gen_set_weight(&g, FZ_CAT_RING_BREAK, 5);
		for (i = 0; i < 10000; i++) {
			fz_gen_next(&g, rq);
			n = fz_req_format(rq, line, FZ_REQ_TEXT_MAX);
			too_long += n >= FZ_REQ_TEXT_MAX;
			memset(back, 0xa5, offsetof(struct fz_req, seg));
			bad += fz_req_parse(line, back) || !req_equal(rq, back);
		}
	}
	UNIT_EQ(too_long, 0);
	UNIT_EQ(bad, 0);
	/* a short buffer: cut, terminated, and the length it needed */
	mk_rw(rq, FZ_OP_WRITE, 2, 8);
	n = fz_req_format(rq, line, FZ_REQ_TEXT_MAX);
	UNIT_EQ(fz_req_format(rq, line, 10), n);
	UNIT_EQ(strlen(line), 9);
	free(line);
	free(rq);
	free(back);
}

static void corpus_rejects_what_it_cannot_replay(struct kunit *test)
{
	static const char *const bad_reqs[] = {
		"conn order=0",
		"req seq=1 bogus=2",
		"req op=256",
		"req op=-1",
		"req op=1x",
		"req cat=no-such-category",
		"req seg=D1:0-256",
		"req seg=X1:0-7",
		"req seg=D1:0",
		"req seg=D70000:0-7",
		"req ind=D0,D1,D2,D3,D4,D5,D6,D7,D8",
		"req action=2",
		"req sector=99999999999999999999999",
	};
	static const char *const bad_conns[] = {
		"req seq=1",
		"conn abi=arm",
		"conn abi=x86_64x",
		"conn order=5",
		"conn ro=2",
		"conn sectors=",
	};
	static const char case_line[] =
		"req id=0x2a cat=grant-alias op=1 nseg=2 sector=16 pages=1 seg=D0:0-3,D0:4-7";
	struct fz_req *rq = req_alloc();
	struct fz_conn c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_reqs); i++) {
		if (!fz_req_parse(bad_reqs[i], rq)) {
			printf("  accepted: %s\n", bad_reqs[i]);
			UNIT_CHECK(false);
		}
	}
	for (i = 0; i < ARRAY_SIZE(bad_conns); i++) {
		if (!fz_conn_parse(bad_conns[i], &c)) {
			printf("  accepted: %s\n", bad_conns[i]);
			UNIT_CHECK(false);
		}
	}
	/* a hand-written case, as a corpus file would hold it */
	UNIT_EQ(fz_req_parse(case_line, rq), 0);
	UNIT_EQ(rq->cat, FZ_CAT_ALIAS);
	UNIT_EQ(rq->id, 42);
	UNIT_EQ(rq->nr_entries, 2);
	UNIT_EQ(rq->seg[1].first_sect, 4);
	UNIT_EQ(rq->seg[1].ref.page, 0);
	EXPECT(&conn_full, rq, OK, FZ_RSP_OKAY, "write");
	free(rq);
}

/* ------------------------------------------------------------------ */
/* Sector contents and the model                                       */
/* ------------------------------------------------------------------ */

static void sectors_name_their_origin(struct kunit *test)
{
	u8 a[FZ_SECTOR_SIZE], b[FZ_SECTOR_SIZE];
	u64 seed, sector, gen;

	fz_fill_sector(a, 11, 1234, 5);
	UNIT_CHECK(fz_decode_sector(a, &seed, &sector, &gen));
	UNIT_EQ(seed, 11);
	UNIT_EQ(sector, 1234);
	UNIT_EQ(gen, 5);
	fz_fill_sector(b, 11, 1234, 6);
	UNIT_CHECK(memcmp(a, b, sizeof(a)));
	UNIT_CHECK(fz_hash_sector(a) != fz_hash_sector(b));
	a[300] ^= 1;			/* one flipped bit: not a pattern */
	UNIT_CHECK(!fz_decode_sector(a, &seed, &sector, &gen));
	memset(a, 0, sizeof(a));
	UNIT_CHECK(!fz_decode_sector(a, &seed, &sector, &gen));
}

/*
 * Filling all pages at once (from the last entry back, each sector once)
 * gives what filling each page alone gives (every entry in order, the
 * last one wins), for pages shared by many entries too.
 */
static void fill_pages_is_fill_page(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	u8 *all = malloc(64 * 4096), *one = malloc(4096);
	void *pages[64];
	unsigned int i, p, cmp = 0;
	struct fz_gen g;

	for (p = 0; p < 64; p++)
		pages[p] = all + p * 4096;
	/* 4096 entries over 40 pages and 2 indirect pages, a few malformed */
	mk_indirect(rq, FZ_OP_WRITE, FZ_MAX_ENTRIES, 8);
	for (i = 0; i < rq->nr_entries; i++) {
		rq->seg[i].ref.page = i % 40;
		rq->seg[i].first_sect = i % 7;
		rq->seg[i].last_sect = i % 97 ? 7 - i % 3 : 2;
	}
	rq->ind[0].page = 40;
	rq->ind[1].page = 41;
	rq->nr_ind = 2;
	rq->nr_pages = 42;
	rq->seq = 5;
	fz_req_fill_pages(rq, 9, pages);
	for (p = 0; p < rq->nr_pages; p++) {
		fz_req_fill_page(rq, 9, p, one);
		UNIT_CHECK(!memcmp(one, pages[p], 4096));
	}
	/* and over a generated stream with writes of every kind */
	fz_gen_init(&g, &conn_full, 3);
	for (i = 0; i < 3000; i++) {
		fz_gen_at(&g, i, rq);
		if (rq->nr_pages > 64)
			continue;
		fz_req_fill_pages(rq, 3, pages);
		for (p = 0; p < rq->nr_pages; p++) {
			fz_req_fill_page(rq, 3, p, one);
			UNIT_CHECK(!memcmp(one, pages[p], 4096));
			cmp++;
		}
	}
	UNIT_CHECK(cmp > 1000);
	free(all);
	free(one);
	free(rq);
}

static void model_returns_what_was_written(struct kunit *test)
{
	u8 buf[FZ_SECTOR_SIZE], zero[FZ_SECTOR_SIZE] = { 0 };
	struct fz_mismatch mm;
	struct fz_model m;

	UNIT_EQ(fz_model_init(&m, 64, true), 0);
	UNIT_CHECK(fz_model_check(&m, 3, zero, &mm));
	fz_fill_sector(buf, 1, 3, 1);
	UNIT_CHECK(!fz_model_check(&m, 3, buf, &mm));	/* still zero */
	fz_model_write(&m, 3, buf, 1);
	UNIT_CHECK(fz_model_check(&m, 3, buf, &mm));
	UNIT_CHECK(fz_model_check(&m, 3, buf, &mm));	/* and stays */
	/* the older data: flagged, and it says what it is */
	UNIT_CHECK(!fz_model_check(&m, 3, zero, &mm));
	UNIT_EQ(mm.sector, 3);
	UNIT_CHECK(mm.got_zero);
	fz_fill_sector(buf, 1, 3, 2);
	fz_model_write(&m, 3, buf, 2);
	fz_fill_sector(buf, 1, 3, 1);
	UNIT_CHECK(!fz_model_check(&m, 3, buf, &mm));
	UNIT_CHECK(mm.got_pattern);
	UNIT_EQ(mm.got_gen, 1);
	UNIT_EQ(mm.want_gen, 2);
	/* another sector's data */
	fz_fill_sector(buf, 1, 4, 2);
	UNIT_CHECK(!fz_model_check(&m, 3, buf, &mm));
	UNIT_EQ(mm.got_sector, 4);
	/* beyond the disk: nothing to say */
	UNIT_CHECK(fz_model_check(&m, 64, buf, &mm));
	fz_model_free(&m);
	UNIT_CHECK(fz_model_init(&m, FZ_MODEL_MAX_SECTORS + 1, true) != 0);
}

static void model_discard_is_zero_or_old(struct kunit *test)
{
	u8 old[FZ_SECTOR_SIZE], other[FZ_SECTOR_SIZE];
	u8 zero[FZ_SECTOR_SIZE] = { 0 };
	struct fz_mismatch mm;
	struct fz_model m;

	UNIT_EQ(fz_model_init(&m, 16, true), 0);
	fz_fill_sector(old, 1, 5, 1);
	fz_fill_sector(other, 1, 5, 9);
	fz_model_write(&m, 5, old, 1);
	fz_model_discard(&m, 4, 4);
	UNIT_CHECK(fz_model_check(&m, 5, old, &mm));
	UNIT_CHECK(fz_model_check(&m, 5, zero, &mm));
	UNIT_CHECK(!fz_model_check(&m, 5, other, &mm));
	fz_model_write(&m, 5, other, 9);	/* written again: exact */
	UNIT_CHECK(!fz_model_check(&m, 5, zero, &mm));
	UNIT_CHECK(fz_model_check(&m, 5, other, &mm));
	/* a range that wraps or leaves the disk is clamped, not a crash */
	fz_model_discard(&m, 10, UINT64_MAX);
	fz_model_discard(&m, UINT64_MAX, 4);
	fz_model_forget(&m, 12, UINT64_MAX);
	fz_model_free(&m);
}

static void model_learns_unknown_sectors_once(struct kunit *test)
{
	u8 a[FZ_SECTOR_SIZE], b[FZ_SECTOR_SIZE];
	struct fz_mismatch mm;
	struct fz_model m;

	UNIT_EQ(fz_model_init(&m, 8, false), 0);
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	UNIT_CHECK(fz_model_check(&m, 2, a, &mm));	/* learnt */
	UNIT_CHECK(fz_model_check(&m, 2, a, &mm));
	UNIT_CHECK(!fz_model_check(&m, 2, b, &mm));	/* must be stable */
	fz_model_forget(&m, 2, 1);
	UNIT_CHECK(fz_model_check(&m, 2, b, &mm));
	fz_model_free(&m);
}

/* ------------------------------------------------------------------ */
/* fz_settle() against simulated backends                              */
/* ------------------------------------------------------------------ */

enum sim_lie {
	SIM_HONEST,
	SIM_DROP_WRITE,		/* says OKAY, writes nothing */
	SIM_OKAY_ALWAYS,	/* answers OKAY to everything */
	SIM_SHIFTED_READ,	/* reads one sector too far */
};

struct sim {
	struct fz_conn conn;
	u8 *disk;
	u8 ring[FZ_PAGE_SIZE];
	void *pages[FZ_GEN_MAX_PAGES];
	enum sim_lie lie;
	unsigned int lied;
};

static void sim_init(struct sim *s, const struct fz_conn *c,
		     enum sim_lie lie)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->conn = *c;
	s->lie = lie;
	s->disk = calloc(c->nr_sectors, FZ_SECTOR_SIZE);
	for (i = 0; i < FZ_GEN_MAX_PAGES; i++)
		s->pages[i] = malloc(FZ_PAGE_SIZE);
	memset(s->ring, 0x5a, sizeof(s->ring));
}

static void sim_free(struct sim *s)
{
	unsigned int i;

	free(s->disk);
	for (i = 0; i < FZ_GEN_MAX_PAGES; i++)
		free(s->pages[i]);
}

static u8 *sim_page(struct sim *s, const struct fz_pageref *p)
{
	return p->kind == FZ_PAGE_RING ? s->ring : s->pages[p->page];
}

/*
 * A backend that does what the oracle's verdict says, with its own hands
 * on a disk in memory (or lies as told).  Returns the status.
 */
static s16 sim_serve(struct sim *s, const struct fz_req *rq,
		     const struct fz_expect *e)
{
	unsigned int nseg = rq->nr_segments < rq->nr_entries ?
			    rq->nr_segments : rq->nr_entries, i, k;
	bool okay = e->status == FZ_RSP_OKAY;
	u64 d = rq->sector;

	if (s->lie == SIM_OKAY_ALWAYS && !okay) {
		s->lied++;
		return FZ_RSP_OKAY;
	}
	if (!okay)
		return e->status;
	if (e->discards) {
		memset(s->disk + e->sector * FZ_SECTOR_SIZE, 0,
		       e->nr_sectors * FZ_SECTOR_SIZE);
		return FZ_RSP_OKAY;
	}
	if (!e->reads && !e->writes)
		return FZ_RSP_OKAY;
	if (e->writes && s->lie == SIM_DROP_WRITE) {
		s->lied++;
		return FZ_RSP_OKAY;
	}
	for (i = 0; i < nseg; i++) {
		const struct fz_seg *sg = &rq->seg[i];
		u8 *pg = sim_page(s, &sg->ref);

		for (k = sg->first_sect; k <= sg->last_sect; k++, d++) {
			u64 from = d;

			if (e->reads && s->lie == SIM_SHIFTED_READ &&
			    d + 1 < s->conn.nr_sectors) {
				from = d + 1;
				s->lied++;
			}
			if (e->writes)
				memcpy(s->disk + d * FZ_SECTOR_SIZE,
				       pg + k * FZ_SECTOR_SIZE, FZ_SECTOR_SIZE);
			else
				memcpy(pg + k * FZ_SECTOR_SIZE,
				       s->disk + from * FZ_SECTOR_SIZE,
				       FZ_SECTOR_SIZE);
		}
	}
	return FZ_RSP_OKAY;
}

/* Run @n requests through a simulated backend; the findings it caused. */
static unsigned int sim_run(const struct fz_conn *c, enum sim_lie lie,
			    u64 seed, unsigned int n,
			    unsigned int *lied, unsigned int *checked)
{
	struct fz_req *rq = req_alloc();
	struct sim *s = malloc(sizeof(*s));
	unsigned int i, p, findings = 0;
	struct fz_result res;
	struct fz_expect e;
	struct fz_model m;
	struct fz_gen g;

	sim_init(s, c, lie);
	if (fz_model_init(&m, c->nr_sectors, true))
		abort();
	fz_gen_init(&g, c, seed);
	*checked = 0;
	for (i = 0; i < n; i++) {
		s16 status;

		fz_gen_next(&g, rq);
		fz_oracle(c, rq, &e);
		if (i % 8) {	/* both ways of filling pages */
			fz_req_fill_pages(rq, seed, s->pages);
		} else {
			for (p = 0; p < rq->nr_pages; p++)
				fz_req_fill_page(rq, seed, p, s->pages[p]);
		}
		status = sim_serve(s, rq, &e);
		fz_settle(&m, c, rq, &e, rq->id, e.rsp_op, status, s->pages,
			  &res);
		findings += res.findings;
		if (e.reads && status == FZ_RSP_OKAY)
			*checked += (unsigned int)e.nr_sectors - res.unchecked;
	}
	*lied = s->lied;
	fz_model_free(&m);
	sim_free(s);
	free(s);
	free(rq);
	return findings;
}

/* A small disk, so that reads come back to what writes left. */
static const struct fz_conn conn_small = {
	.abi = FZ_ABI_X86_64,
	.max_indirect = 64,
	.nr_sectors = 2048,
	.sector_size = 512,
	.flush = true,
	.barrier = true,
	.discard = true,
	.discard_secure = true,
};

static void settle_honest_backend_has_no_findings(struct kunit *test)
{
	struct fz_conn c4k = conn_small;
	unsigned int lied, checked;

	UNIT_EQ(sim_run(&conn_small, SIM_HONEST, 1, 20000, &lied, &checked),
		0);
	UNIT_CHECK(checked > 100000);	/* reads were judged, not skipped */
	c4k.sector_size = 4096;
	c4k.persistent = true;
	UNIT_EQ(sim_run(&c4k, SIM_HONEST, 2, 20000, &lied, &checked), 0);
	UNIT_CHECK(checked > 100000);
}

static void settle_catches_lying_backends(struct kunit *test)
{
	unsigned int lied, checked, f;

	f = sim_run(&conn_small, SIM_DROP_WRITE, 3, 5000, &lied, &checked);
	UNIT_CHECK(lied > 0);
	UNIT_CHECK(f > 0);
	f = sim_run(&conn_small, SIM_OKAY_ALWAYS, 4, 2000, &lied, &checked);
	UNIT_CHECK(lied > 0);
	UNIT_EQ(f, lied);	/* each lie is one wrong status */
	f = sim_run(&conn_small, SIM_SHIFTED_READ, 5, 2000, &lied, &checked);
	UNIT_CHECK(lied > 0);
	UNIT_CHECK(f > 0);
}

static void settle_checks_id_op_and_status(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_result res;
	struct fz_expect e;
	struct fz_model m;

	UNIT_EQ(fz_model_init(&m, 1024, true), 0);
	mk_rw(rq, FZ_OP_READ, 0, 0);	/* refused: no pages needed */
	rq->id = 77;
	fz_oracle(&conn_full, rq, &e);
	fz_settle(&m, &conn_full, rq, &e, 77, FZ_OP_READ, FZ_RSP_ERROR, NULL,
		  &res);
	UNIT_EQ(res.findings, 0);
	fz_settle(&m, &conn_full, rq, &e, 78, FZ_OP_READ, FZ_RSP_ERROR, NULL,
		  &res);
	UNIT_CHECK(res.bad_id);
	UNIT_EQ(res.findings, 1);
	fz_settle(&m, &conn_full, rq, &e, 77, FZ_OP_WRITE, FZ_RSP_ERROR, NULL,
		  &res);
	UNIT_CHECK(res.bad_op);
	fz_settle(&m, &conn_full, rq, &e, 77, FZ_OP_READ, FZ_RSP_EOPNOTSUPP,
		  NULL, &res);
	UNIT_CHECK(res.bad_status);
	fz_settle(&m, &conn_full, rq, &e, 77, FZ_OP_READ, 3, NULL, &res);
	UNIT_CHECK(res.bad_status);
	/* a stopped ring where an answer was due is a finding */
	fz_settle_stopped(&m, rq, &e, &res);
	UNIT_EQ(res.findings, 1);
	rq->ring_action = FZ_RING_PROD_OVERFLOW;
	fz_oracle(&conn_full, rq, &e);
	fz_settle_stopped(&m, rq, &e, &res);
	UNIT_EQ(res.findings, 0);
	fz_model_free(&m);
	free(rq);
}

/*
 * A write refused as the oracle refuses it must leave the disk alone (the
 * model keeps the old data); a write that fails where it should have
 * worked leaves the sectors unknown (learnt at the next read).
 */
static void settle_failed_writes(struct kunit *test)
{
	u8 *page = malloc(FZ_PAGE_SIZE), buf[FZ_SECTOR_SIZE];
	struct fz_req *rq = req_alloc();
	void *pages[1] = { page };
	struct fz_mismatch mm;
	struct fz_result res;
	struct fz_expect e;
	struct fz_model m;
	struct fz_conn ro = conn_full;

	ro.readonly = true;
	UNIT_EQ(fz_model_init(&m, 1024, true), 0);
	mk_rw(rq, FZ_OP_WRITE, 1, 16);
	fz_req_fill_page(rq, 1, 0, page);
	fz_oracle(&ro, rq, &e);
	fz_settle(&m, &ro, rq, &e, rq->id, FZ_OP_WRITE, FZ_RSP_ERROR, pages,
		  &res);
	UNIT_EQ(res.findings, 0);
	memcpy(buf, page, sizeof(buf));
	UNIT_CHECK(!fz_model_check(&m, 16, buf, &mm));	/* still zeroes */
	/* the same write fails on a rw disk: unknown, then learnt */
	fz_oracle(&conn_full, rq, &e);
	fz_settle(&m, &conn_full, rq, &e, rq->id, FZ_OP_WRITE, FZ_RSP_ERROR,
		  pages, &res);
	UNIT_EQ(res.findings, 1);
	UNIT_CHECK(fz_model_check(&m, 16, buf, &mm));
	UNIT_CHECK(fz_model_check(&m, 16, buf, &mm));
	memset(buf, 0, sizeof(buf));
	UNIT_CHECK(!fz_model_check(&m, 16, buf, &mm));
	/* and a success writes what the page held */
	rq->seq = 41;
	fz_req_fill_page(rq, 1, 0, page);
	fz_settle(&m, &conn_full, rq, &e, rq->id, FZ_OP_WRITE, FZ_RSP_OKAY,
		  pages, &res);
	UNIT_EQ(res.findings, 0);
	fz_fill_sector(buf, 1, 23, 42);		/* last sector of the page */
	UNIT_CHECK(fz_model_check(&m, 23, buf, &mm));
	fz_model_free(&m);
	free(rq);
	free(page);
}

/* ------------------------------------------------------------------ */
/* Batches                                                             */
/* ------------------------------------------------------------------ */

/* The flight of @rq on @c, with its id. */
static void flight(const struct fz_conn *c, struct fz_req *rq, u64 id,
		   struct fz_flight *fl)
{
	struct fz_expect e;

	rq->id = id;
	fz_oracle(c, rq, &e);
	fz_flight_of(c, rq, &e, fl);
}

static void flight_alone_when_it_plays_with_the_ring(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_flight fl;

	mk_rw(rq, FZ_OP_READ, 2, 0);
	flight(&conn_full, rq, 1, &fl);
	UNIT_CHECK(!fl.alone);
	UNIT_CHECK(!fl.changes);
	UNIT_CHECK(fl.has_span);
	UNIT_EQ(fl.sector, 0);
	UNIT_EQ(fl.nr, 16);
	/* req_prod beyond the ring */
	rq->ring_action = FZ_RING_PROD_OVERFLOW;
	rq->prod_excess = 1;
	flight(&conn_full, rq, 1, &fl);
	UNIT_CHECK(fl.alone);
	/* a read into the ring: the oracle allows the ring to stop */
	rq->ring_action = FZ_RING_NONE;
	rq->seg[1].ref.kind = FZ_PAGE_RING;
	rq->seg[1].ref.page = 0;
	flight(&conn_full, rq, 1, &fl);
	UNIT_CHECK(fl.alone);
	/* a write from the ring's page: it stops nothing, but the page is shared */
	rq->op = FZ_OP_WRITE;
	flight(&conn_full, rq, 1, &fl);
	UNIT_CHECK(fl.alone);
	UNIT_CHECK(fl.changes);
	/* the ring's grant as an indirect page */
	mk_indirect(rq, FZ_OP_READ, 20, 8);
	flight(&conn_full, rq, 1, &fl);
	UNIT_CHECK(!fl.alone);
	rq->ind[0].kind = FZ_PAGE_RING;
	flight(&conn_full, rq, 1, &fl);
	UNIT_CHECK(fl.alone);
	free(rq);
}

static void flight_conflicts(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	struct fz_flight r0, r1, w0, w2, d1, fl, un;

	mk_rw(rq, FZ_OP_READ, 2, 0);		/* sectors 0..15 */
	flight(&conn_full, rq, 1, &r0);
	mk_rw(rq, FZ_OP_READ, 1, 8);		/* 8..15 */
	flight(&conn_full, rq, 2, &r1);
	mk_rw(rq, FZ_OP_WRITE, 1, 8);		/* 8..15 */
	flight(&conn_full, rq, 3, &w0);
	mk_rw(rq, FZ_OP_WRITE, 1, 16);		/* 16..23: touches r0's end */
	flight(&conn_full, rq, 4, &w2);
	mk_discard(rq, 0, 8, 0);		/* 0..7 */
	flight(&conn_full, rq, 5, &d1);

	/* reads never conflict with reads, whatever they overlap */
	UNIT_CHECK(!fz_flight_conflict(&r0, &r1));
	/* a write conflicts with what overlaps it, both ways */
	UNIT_CHECK(fz_flight_conflict(&r0, &w0));
	UNIT_CHECK(fz_flight_conflict(&w0, &r0));
	UNIT_CHECK(fz_flight_conflict(&r1, &w0));
	/* spans that only touch do not overlap */
	UNIT_CHECK(!fz_flight_conflict(&r0, &w2));
	UNIT_CHECK(!fz_flight_conflict(&w0, &w2));
	/* a discard is a change */
	UNIT_CHECK(fz_flight_conflict(&d1, &r0));
	UNIT_CHECK(!fz_flight_conflict(&d1, &r1));
	UNIT_CHECK(!fz_flight_conflict(&d1, &w0));
	/* one id twice in flight is one too many */
	fl = r1;
	fl.id = r0.id;
	UNIT_CHECK(fz_flight_conflict(&r0, &fl));
	/* a flush without data touches no sector */
	memset(rq, 0, offsetof(struct fz_req, seg));
	rq->op = FZ_OP_FLUSH_DISKCACHE;
	flight(&conn_full, rq, 6, &fl);
	UNIT_CHECK(!fl.has_span);
	UNIT_CHECK(!fz_flight_conflict(&fl, &w0));
	/* nor does an unknown operation */
	mk_rw(rq, 7, 1, 8);
	flight(&conn_full, rq, 7, &un);
	UNIT_CHECK(!un.has_span);
	UNIT_CHECK(!fz_flight_conflict(&un, &w0));
	/* a refused write still counts as one: the backend could be wrong */
	mk_rw(rq, FZ_OP_WRITE, 1, 8);
	rq->seg[0].last_sect = 8;		/* bad segment */
	flight(&conn_full, rq, 8, &fl);
	UNIT_CHECK(fl.changes);
	UNIT_CHECK(fz_flight_conflict(&fl, &r0));
	/* an indirect request of an unknown operation counts as a change */
	mk_indirect(rq, FZ_OP_WRITE_BARRIER, 2, 8);
	flight(&conn_full, rq, 9, &fl);
	UNIT_CHECK(fl.changes);
	UNIT_CHECK(fz_flight_conflict(&fl, &r1));
	mk_indirect(rq, FZ_OP_READ, 2, 8);
	flight(&conn_full, rq, 10, &fl);
	UNIT_CHECK(!fl.changes);
	UNIT_CHECK(!fz_flight_conflict(&fl, &r1));
	/* a span past the disk's end is clamped to it */
	mk_rw(rq, FZ_OP_WRITE, 2, conn_full.nr_sectors - 8);
	flight(&conn_full, rq, 11, &fl);
	UNIT_EQ(fl.nr, 8);
	mk_rw(rq, FZ_OP_READ, 1, conn_full.nr_sectors - 8);
	flight(&conn_full, rq, 12, &un);
	UNIT_CHECK(fz_flight_conflict(&fl, &un));
	/* a lone request conflicts with everything */
	fl = r1;
	fl.alone = true;
	UNIT_CHECK(fz_flight_conflict(&fl, &d1));
	UNIT_CHECK(fz_flight_conflict(&un, &fl));
	free(rq);
}

/*
 * Over a stream with ring breaking asked for: every request the oracle
 * allows to stop the ring, and every ring-break, is played alone; the
 * valid reads and writes never are, and ids never repeat.
 */
static void flight_of_generated_streams(struct kunit *test)
{
	struct fz_req *rq = req_alloc();
	unsigned int i, alone = 0, shared = 0;
	struct fz_flight fl;
	struct fz_expect e;
	struct fz_gen g;

	fz_gen_init(&g, &conn_full, 7);
	fz_gen_set_weight(&g, FZ_CAT_RING_BREAK, 1);
	for (i = 0; i < 20000; i++) {
		fz_gen_at(&g, i, rq);
		fz_oracle(&conn_full, rq, &e);
		fz_flight_of(&conn_full, rq, &e, &fl);
		UNIT_EQ(fl.id, rq->id);
		if (e.allow & FZ_ALLOW_STOP)
			UNIT_CHECK(fl.alone);
		if (rq->cat == FZ_CAT_RING_BREAK)
			UNIT_CHECK(fl.alone);
		if (rq->cat == FZ_CAT_VALID_RW ||
		    rq->cat == FZ_CAT_VALID_INDIRECT)
			UNIT_CHECK(!fl.alone);
		if (e.writes || e.discards) {
			UNIT_CHECK(fl.changes);
			UNIT_CHECK(fl.has_span);
			UNIT_CHECK(fl.sector <= e.sector);
			UNIT_CHECK(fl.sector + fl.nr >= e.sector + e.nr_sectors);
		}
		if (e.reads)
			UNIT_CHECK(fl.has_span && !fl.changes);
		alone += fl.alone;
		shared += !fl.alone;
	}
	UNIT_CHECK(alone > 0);
	UNIT_CHECK(shared > alone * 10);
	free(rq);
}

static void match_responses_by_id(struct kunit *test)
{
	static const u64 req[4] = { 10, 11, 12, 13 };
	u64 rsp[5];
	int m[4];

	/* in order */
	memcpy(rsp, req, sizeof(req));
	fz_match_responses(req, 4, rsp, 4, m);
	UNIT_CHECK(m[0] == 0 && m[1] == 1 && m[2] == 2 && m[3] == 3);
	/* any order */
	rsp[0] = 13;
	rsp[1] = 11;
	rsp[2] = 10;
	rsp[3] = 12;
	fz_match_responses(req, 4, rsp, 4, m);
	UNIT_CHECK(m[0] == 2 && m[1] == 1 && m[2] == 3 && m[3] == 0);
	/* one missing: its request has none */
	fz_match_responses(req, 4, rsp, 3, m);
	UNIT_CHECK(m[0] == 2 && m[1] == 1 && m[2] == -1 && m[3] == 0);
	/* an unknown id goes to the request left, to be judged a wrong id */
	rsp[1] = 99;
	fz_match_responses(req, 4, rsp, 4, m);
	UNIT_CHECK(m[0] == 2 && m[1] == 1 && m[2] == 3 && m[3] == 0);
	/* so does a second answer to one request */
	rsp[1] = 13;
	fz_match_responses(req, 4, rsp, 4, m);
	UNIT_CHECK(m[0] == 2 && m[1] == 1 && m[2] == 3 && m[3] == 0);
	/* strays in ring order to the requests left in batch order */
	rsp[0] = 98;
	rsp[1] = 11;
	rsp[2] = 97;
	fz_match_responses(req, 4, rsp, 4, m);
	UNIT_CHECK(m[0] == 0 && m[1] == 1 && m[2] == 3 && m[3] == 2);
	/* no answer at all */
	fz_match_responses(req, 4, rsp, 0, m);
	UNIT_CHECK(m[0] == -1 && m[1] == -1 && m[2] == -1 && m[3] == -1);
	/* a lone request takes its one answer, whatever its id */
	rsp[0] = 42;
	fz_match_responses(req, 1, rsp, 1, m);
	UNIT_EQ(m[0], 0);
	/* more answers than requests: the extra ones are nobody's */
	rsp[0] = 10;
	rsp[1] = 77;
	rsp[2] = 11;
	fz_match_responses(req, 2, rsp, 3, m);
	UNIT_CHECK(m[0] == 0 && m[1] == 2);
}

/*
 * A batch of independent requests answered by an honest backend in any
 * order, settled in batch order: no finding, and the model is the one a
 * request-at-a-time run leaves.
 */
static void settle_batch_in_any_answer_order(struct kunit *test)
{
	enum { N = 6 };
	struct fz_req *rq[N];
	struct fz_expect e[N];
	struct fz_flight fl[N];
	struct fz_model batch, alone;
	struct fz_result res;
	static u8 disk[64 * 512];
	static u8 page[N][8][4096];
	void *pages[N][8];
	unsigned int i, j, k, s;
	u64 sector;

	UNIT_EQ(fz_model_init(&batch, 64, true), 0);
	UNIT_EQ(fz_model_init(&alone, 64, true), 0);
	memset(disk, 0, sizeof(disk));
	for (i = 0; i < N; i++) {
		rq[i] = req_alloc();
		for (j = 0; j < 8; j++)
			pages[i][j] = page[i][j];
	}
	/* writes at 0, 16, 32; reads of 8 and 24 (untouched) and 40 */
	mk_rw(rq[0], FZ_OP_WRITE, 2, 0);
	mk_rw(rq[1], FZ_OP_READ, 1, 48);
	mk_rw(rq[2], FZ_OP_WRITE, 1, 16);
	mk_rw(rq[3], FZ_OP_READ, 1, 24);
	mk_indirect(rq[4], FZ_OP_WRITE, 2, 32);
	mk_discard(rq[5], 56, 8, 0);
	for (i = 0; i < N; i++) {
		rq[i]->seq = 100 + i;
		rq[i]->id = 1000 + i;
		fz_oracle(&conn_full, rq[i], &e[i]);
		fz_flight_of(&conn_full, rq[i], &e[i], &fl[i]);
		for (j = 0; j < i; j++)
			UNIT_CHECK(!fz_flight_conflict(&fl[i], &fl[j]));
		fz_req_fill_pages(rq[i], 3, pages[i]);
	}
	/* the backend does them last to first */
	for (i = N; i-- > 0;) {
		sector = rq[i]->sector;
		for (j = 0; j < rq[i]->nr_entries && e[i].writes; j++)
			for (k = 0; k < 8; k++, sector++)
				memcpy(disk + sector * 512,
				       page[i][rq[i]->seg[j].ref.page] + k * 512,
				       512);
		for (j = 0; j < rq[i]->nr_entries && e[i].reads; j++)
			for (k = 0; k < 8; k++, sector++)
				memcpy(page[i][rq[i]->seg[j].ref.page] + k * 512,
				       disk + sector * 512, 512);
	}
	/* judged in batch order, and one at a time in stream order */
	for (i = 0; i < N; i++) {
		fz_settle(&batch, &conn_full, rq[i], &e[i], rq[i]->id,
			  e[i].rsp_op, FZ_RSP_OKAY, pages[i], &res);
		UNIT_EQ(res.findings, 0);
		fz_settle(&alone, &conn_full, rq[i], &e[i], rq[i]->id,
			  e[i].rsp_op, FZ_RSP_OKAY, pages[i], &res);
	}
	for (s = 0; s < 64; s++) {
		struct fz_mismatch mm;

		UNIT_EQ(batch.sec[s].state, alone.sec[s].state);
		UNIT_EQ(batch.sec[s].hash, alone.sec[s].hash);
		if (s < 56)
			UNIT_CHECK(fz_model_check(&batch, s, disk + s * 512,
						  &mm));
	}
	for (i = 0; i < N; i++)
		free(rq[i]);
	fz_model_free(&batch);
	fz_model_free(&alone);
}

/* A flight by hand: @changes a span [@sector, @sector + @nr) of @pages. */
static struct fz_flight fl_of(u64 id, bool changes, u64 sector, u64 nr,
			      unsigned int pages)
{
	struct fz_flight fl = {
		.id = id,
		.changes = changes,
		.has_span = nr != 0,
		.sector = sector,
		.nr = nr,
		.pages = pages,
	};

	return fl;
}

#define PICK(fls, n, batch, pages, ro, order, want_n, ...) do {		\
	static const unsigned int _want[] = { __VA_ARGS__ };		\
	const struct fz_flight *_win[16];				\
	unsigned int _i, _n = (n), *_order = (order), _scratch[16];	\
									\
	for (_i = 0; _i < _n; _i++)					\
		_win[_i] = &(fls)[_i];					\
	UNIT_EQ(fz_pick_batch(_win, _n, batch, pages, ro, _order,	\
			      _scratch), want_n);			\
	for (_i = 0; _i < _n; _i++)					\
		UNIT_EQ(_order[_i], _want[_i]);				\
} while (0)

static void pick_batches_from_the_window(struct kunit *test)
{
	struct fz_flight w[8];
	unsigned int order[16];

	/* A writes 0..7, B reads 0..7, C writes 0..7, D reads 100..107 */
	w[0] = fl_of(1, true, 0, 8, 1);
	w[1] = fl_of(2, false, 0, 8, 1);
	w[2] = fl_of(3, true, 0, 8, 1);
	w[3] = fl_of(4, false, 100, 8, 1);
	PICK(w, 4, 32, 100, 4, order, 2, 0, 3, 1, 2);
	/* a batch of 1 is the stream in order */
	PICK(w, 4, 1, 100, 4, order, 1, 0, 1, 2, 3);
	/*
	 * E reads 200..207 but C, skipped, writes 200..207 too: E may not
	 * pass it (the disk would see E's read before C's write)
	 */
	w[2] = fl_of(3, true, 200, 8, 1);
	w[1] = fl_of(2, false, 0, 8, 1);
	w[3] = fl_of(5, false, 200, 8, 1);
	w[0] = fl_of(1, true, 0, 8, 1);
	PICK(w, 4, 32, 100, 4, order, 2, 0, 2, 1, 3);
	/* C did not conflict with A: picked; B skipped; E conflicts with C */
	w[2] = fl_of(3, true, 300, 8, 1);	/* now C is alone in its span */
	PICK(w, 4, 32, 100, 4, order, 3, 0, 2, 3, 1);
	/* pages: A takes 90 of 100, B needs 20 and waits, C and D fit */
	w[0] = fl_of(1, false, 0, 8, 90);
	w[1] = fl_of(2, false, 8, 8, 20);
	w[2] = fl_of(3, false, 16, 8, 5);
	w[3] = fl_of(4, false, 24, 8, 5);
	PICK(w, 4, 32, 100, 4, order, 3, 0, 2, 3, 1);
	/* read-only pages are counted apart */
	w[2].ro_pages = 3;
	w[3].ro_pages = 2;
	PICK(w, 4, 32, 100, 4, order, 2, 0, 2, 1, 3);
	/* the batch size bounds it */
	PICK(w, 4, 1, 100, 4, order, 1, 0, 1, 2, 3);
	/* nothing passes a request that must be alone */
	w[2].ro_pages = 0;
	w[3].ro_pages = 0;
	w[1].alone = true;
	PICK(w, 4, 32, 100, 4, order, 1, 0, 1, 2, 3);
	/* which is played alone when it is first */
	w[0].alone = true;
	PICK(w, 4, 32, 100, 4, order, 1, 0, 1, 2, 3);
	/* a first request always fits, whatever the pool left */
	w[0] = fl_of(1, false, 0, 8, 500);
	w[1] = fl_of(2, false, 0, 8, 1);
	PICK(w, 2, 32, 400, 4, order, 1, 0, 1);
	PICK(w, 2, 32, 501, 4, order, 2, 0, 1);
	/* ids in flight are unique, skipped or not */
	w[1].id = 1;
	w[2] = fl_of(3, false, 16, 8, 0);
	PICK(w, 3, 32, 600, 4, order, 2, 0, 2, 1);
	UNIT_EQ(fz_pick_batch(NULL, 0, 32, 1, 1, order, order), 0);
}

/*
 * Over a generated stream: the batches picked from a sliding window are
 * free of conflicts, respect the sizes, play every request once, and keep
 * every conflicting pair in the stream's order.
 */
static void pick_batches_over_a_stream(struct kunit *test)
{
	enum { W = 64, N = 4000 };
	struct fz_req *rq = req_alloc();
	static struct fz_flight fl[N];
	static u64 played_at[N];
	const struct fz_flight *win[W];
	unsigned int idx[W], order[W], scratch[W], tmp[W];
	unsigned int queued = 0, next = 0, round = 0, i, j, n, pages;
	unsigned long long batched = 0;
	struct fz_expect e;
	struct fz_gen g;

	fz_gen_init(&g, &conn_full, 5);
	fz_gen_set_weight(&g, FZ_CAT_RING_BREAK, 1);
	for (;;) {
		while (queued < W && next < N) {
			fz_gen_at(&g, next, rq);
			fz_oracle(&conn_full, rq, &e);
			fz_flight_of(&conn_full, rq, &e, &fl[next]);
			idx[queued++] = next++;
		}
		if (!queued)
			break;
		for (i = 0; i < queued; i++)
			win[i] = &fl[idx[i]];
		n = fz_pick_batch(win, queued, 16, 928, 32, order, scratch);
		UNIT_CHECK(n >= 1 && n <= 16);
		pages = 0;
		round++;
		for (i = 0; i < n; i++) {
			const struct fz_flight *a = win[order[i]];

			pages += a->pages;
			played_at[idx[order[i]]] = round;
			if (n > 1)
				UNIT_CHECK(!a->alone);
			for (j = 0; j < i; j++)
				UNIT_CHECK(!fz_flight_conflict(a,
							       win[order[j]]));
		}
		UNIT_CHECK(n == 1 || pages <= 928);
		batched += n;
		for (i = 0; i < queued; i++)
			tmp[i] = idx[order[i]];
		memcpy(idx, tmp + n, (queued - n) * sizeof(idx[0]));
		queued -= n;
	}
	UNIT_EQ(batched, N);
	/* a batch of 3 on average at least */
	UNIT_CHECK(round * 3 < N);
	/* conflicting pairs in order; a lone request after all before it */
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N && j < i + 2 * W; j++)
			if (fz_flight_conflict(&fl[i], &fl[j]) ||
			    fl[i].alone || fl[j].alone)
				UNIT_CHECK(played_at[i] < played_at[j]);
	free(rq);
}

static struct kunit_case blkif_fuzz_cases[] = {
	KUNIT_CASE(rng_same_seed_same_sequence),
	KUNIT_CASE(rng_helpers_stay_in_bounds),
	KUNIT_CASE(gen_same_seed_same_stream),
	KUNIT_CASE(gen_ids_are_unique),
	KUNIT_CASE(gen_covers_every_category),
	KUNIT_CASE(gen_ring_break_only_when_asked),
	KUNIT_CASE(gen_requests_are_well_formed),
	KUNIT_CASE(gen_valid_requests_are_valid),
	KUNIT_CASE(gen_categories_reach_their_verdicts),
	KUNIT_CASE(oracle_reads_and_writes),
	KUNIT_CASE(oracle_unknown_ops),
	KUNIT_CASE(oracle_direct_segment_counts),
	KUNIT_CASE(oracle_indirect),
	KUNIT_CASE(oracle_segment_spans),
	KUNIT_CASE(oracle_ranges),
	KUNIT_CASE(oracle_discard),
	KUNIT_CASE(oracle_flush_and_barrier),
	KUNIT_CASE(oracle_flush_on_readonly_disk),
	KUNIT_CASE(oracle_grants),
	KUNIT_CASE(oracle_ring_overflow_stops),
	KUNIT_CASE(oracle_every_rule_has_a_case),
	KUNIT_CASE(encode_rw_in_both_abis),
	KUNIT_CASE(encode_indirect_and_discard),
	KUNIT_CASE(encode_indirect_pages_hold_512_entries),
	KUNIT_CASE(decode_responses),
	KUNIT_CASE(corpus_lines_round_trip),
	KUNIT_CASE(corpus_rejects_what_it_cannot_replay),
	KUNIT_CASE(sectors_name_their_origin),
	KUNIT_CASE(fill_pages_is_fill_page),
	KUNIT_CASE(model_returns_what_was_written),
	KUNIT_CASE(model_discard_is_zero_or_old),
	KUNIT_CASE(model_learns_unknown_sectors_once),
	KUNIT_CASE(settle_honest_backend_has_no_findings),
	KUNIT_CASE(settle_catches_lying_backends),
	KUNIT_CASE(settle_checks_id_op_and_status),
	KUNIT_CASE(settle_failed_writes),
	KUNIT_CASE(flight_alone_when_it_plays_with_the_ring),
	KUNIT_CASE(flight_conflicts),
	KUNIT_CASE(flight_of_generated_streams),
	KUNIT_CASE(match_responses_by_id),
	KUNIT_CASE(pick_batches_from_the_window),
	KUNIT_CASE(pick_batches_over_a_stream),
	KUNIT_CASE(settle_batch_in_any_answer_order),
	KUNIT_CASE(gen_races_leave_the_rest_of_the_stream),
	KUNIT_CASE(race_zone_is_the_disks_end),
	KUNIT_CASE(race_rewrites_stay_in_their_bounds),
	KUNIT_CASE(oracle_race),
	{}
};

UNIT_SUITE(blkif_fuzz, blkif_fuzz_cases);
