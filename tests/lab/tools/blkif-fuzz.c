// SPDX-License-Identifier: GPL-2.0
/*
 * blkif-fuzz: request generator, oracle and disk model of the hostile
 * frontend fuzzer (see blkif-fuzz.h).  Pure logic: tested on the host by
 * tests/unit/host/test_blkif_fuzz.c.
 *
 * The oracle is written from the protocol (Xen's public io/blkif.h) and
 * from what Documentation/xen-blkback.rst promises, never from the
 * backend's validate.c: the point is to disagree with it when it is wrong.
 * Where the documents leave a choice open, the oracle allows each answer
 * they permit and names the one they prefer (struct fz_expect).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkif-fuzz.h"

#ifndef fallthrough
#define fallthrough	__attribute__((__fallthrough__))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* ------------------------------------------------------------------ */
/* PRNG                                                                */
/* ------------------------------------------------------------------ */

/* splitmix64's output function: a bijection of 64-bit values */
uint64_t fz_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The state is four outputs of splitmix64 started at @seed. */
void fz_rng_seed(struct fz_rng *r, uint64_t seed)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		r->s[i] = fz_mix64(seed + i * 0x9e3779b97f4a7c15ULL);
}

static uint64_t fz_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
uint64_t fz_next(struct fz_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = fz_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = fz_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n): values below 2^64 mod n are drawn again. */
uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
	uint64_t floor, x;

	if (!n)
		return 0;
	floor = (0 - n) % n;
	do {
		x = fz_next(r);
	} while (x < floor);
	return x % n;
}

uint64_t fz_range(struct fz_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi < lo)
		return lo;
	if (lo == 0 && hi == UINT64_MAX)
		return fz_next(r);
	return lo + fz_below(r, hi - lo + 1);
}

bool fz_chance(struct fz_rng *r, unsigned int num, unsigned int den)
{
	return den && fz_below(r, den) < num;
}

/* ------------------------------------------------------------------ */
/* Connection and categories                                           */
/* ------------------------------------------------------------------ */

unsigned int fz_ring_slots(const struct fz_conn *c)
{
	/* 64-byte header; 108- or 112-byte slots; a power of two: 32 a page */
	return 32U << c->ring_order;
}

static const char *const fz_cat_names[FZ_NR_CAT] = {
	[FZ_CAT_VALID_RW] = "valid-rw",
	[FZ_CAT_VALID_INDIRECT] = "valid-indirect",
	[FZ_CAT_UNKNOWN_OP] = "unknown-op",
	[FZ_CAT_NSEG_DIRECT] = "nseg-direct",
	[FZ_CAT_NSEG_INDIRECT] = "nseg-indirect",
	[FZ_CAT_INDIRECT_PAGES] = "indirect-pages",
	[FZ_CAT_INDIRECT_OP] = "indirect-op",
	[FZ_CAT_SECT_EDGE] = "sector-edges",
	[FZ_CAT_RANGE] = "range",
	[FZ_CAT_DISCARD] = "discard",
	[FZ_CAT_FLUSH] = "flush-barrier",
	[FZ_CAT_READONLY] = "read-only-writes",
	[FZ_CAT_ALIAS] = "grant-alias",
	[FZ_CAT_BAD_GRANT] = "bad-grant",
	[FZ_CAT_RACE] = "race",
	[FZ_CAT_RING_BREAK] = "ring-break",
};

const char *fz_cat_name(enum fz_cat cat)
{
	if ((unsigned int)cat >= FZ_NR_CAT)
		return "?";
	return fz_cat_names[cat];
}

bool fz_cat_applies(const struct fz_conn *c, enum fz_cat cat)
{
	switch (cat) {
	case FZ_CAT_VALID_INDIRECT:
	case FZ_CAT_NSEG_INDIRECT:
	case FZ_CAT_INDIRECT_PAGES:
		return c->max_indirect != 0;
	case FZ_CAT_READONLY:
		return c->readonly;
	case FZ_NR_CAT:
		return false;
	default:
		return true;
	}
}

/* ------------------------------------------------------------------ */
/* Generator                                                           */
/* ------------------------------------------------------------------ */

void fz_gen_init(struct fz_gen *g, const struct fz_conn *c, uint64_t seed)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->conn = *c;
	g->seed = seed;
	for (i = 0; i < FZ_NR_CAT; i++)
		g->weight[i] = fz_cat_applies(c, i) ? 10 : 0;
	g->weight[FZ_CAT_VALID_RW] = 30;
	if (c->max_indirect)
		g->weight[FZ_CAT_VALID_INDIRECT] = 20;
	g->weight[FZ_CAT_RING_BREAK] = 0;
	/* races are not drawn by weight: fz_raced() */
	g->weight[FZ_CAT_RACE] = 0;
	g->race_one_in = FZ_RACE_ONE_IN;
}

void fz_gen_set_weight(struct fz_gen *g, enum fz_cat cat, uint32_t weight)
{
	if ((unsigned int)cat < FZ_NR_CAT && cat != FZ_CAT_RACE)
		g->weight[cat] = weight;
}

void fz_gen_set_race(struct fz_gen *g, unsigned int one_in)
{
	g->race_one_in = one_in;
}

/* logical block size in 512-byte sectors: 1 or 8 */
static unsigned int fz_lbs(const struct fz_conn *c)
{
	return c->sector_size >= FZ_PAGE_SIZE ? FZ_SECTORS_PER_PAGE : 1;
}

/* A fresh request page. */
static uint16_t fz_new_page(struct fz_req *rq)
{
	return rq->nr_pages++;
}

/* The ring's grant or one never made: no request page behind it. */
static void fz_set_special(struct fz_pageref *ref, enum fz_page_kind kind)
{
	ref->kind = kind;
	ref->page = 0;
}

/* A valid span in one page, aligned to the logical block size. */
static void fz_valid_span(struct fz_rng *r, const struct fz_conn *c,
			  struct fz_seg *s)
{
	if (fz_lbs(c) > 1 || fz_chance(r, 1, 2)) {
		s->first_sect = 0;
		s->last_sect = FZ_SECTORS_PER_PAGE - 1;
		return;
	}
	s->first_sect = fz_below(r, FZ_SECTORS_PER_PAGE);
	s->last_sect = fz_range(r, s->first_sect, FZ_SECTORS_PER_PAGE - 1);
}

/*
 * Fill entries 0..n-1 with valid spans, each on a page of its own (the
 * first FZ_GEN_DISTINCT_PAGES of them).  Returns the sectors they cover.
 */
static uint64_t fz_fill_entries(struct fz_rng *r, const struct fz_conn *c,
				struct fz_req *rq, unsigned int n)
{
	uint64_t total = 0;
	uint16_t base = rq->nr_pages;
	unsigned int i;

	if (n > FZ_MAX_ENTRIES)
		n = FZ_MAX_ENTRIES;
	for (i = 0; i < n; i++) {
		struct fz_seg *s = &rq->seg[i];

		s->ref.kind = FZ_PAGE_DATA;
		if (i < FZ_GEN_DISTINCT_PAGES)
			s->ref.page = fz_new_page(rq);
		else
			s->ref.page = base + i % FZ_GEN_DISTINCT_PAGES;
		fz_valid_span(r, c, s);
		total += s->last_sect + 1 - s->first_sect;
	}
	rq->nr_entries = n;
	return total;
}

/* Sectors the entries cover, counting only well-formed spans. */
static uint64_t fz_entries_sectors(const struct fz_req *rq)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < rq->nr_entries; i++) {
		const struct fz_seg *s = &rq->seg[i];

		if (s->first_sect <= s->last_sect &&
		    s->last_sect < FZ_SECTORS_PER_PAGE)
			total += s->last_sect + 1 - s->first_sect;
	}
	return total;
}

/* An aligned start for @total sectors inside the disk, edges favoured. */
static uint64_t fz_place(struct fz_rng *r, const struct fz_conn *c,
			 uint64_t total)
{
	uint64_t lbs = fz_lbs(c), last;

	if (total >= c->nr_sectors)
		return 0;
	last = (c->nr_sectors - total) / lbs * lbs;
	switch (fz_below(r, 8)) {
	case 0:
		return 0;
	case 1:
		return last;
	default:
		return fz_below(r, last / lbs + 1) * lbs;
	}
}

/* Segments whose spans fit the disk: at most a page's worth each. */
static unsigned int fz_fit_segs(const struct fz_conn *c, unsigned int n)
{
	uint64_t most = c->nr_sectors / FZ_SECTORS_PER_PAGE;

	if (!most)
		most = 1;
	return n > most ? (unsigned int)most : n;
}

/* Indirect pages for the entries, fresh and granted read-write. */
static void fz_add_ind_pages(struct fz_req *rq, unsigned int entries)
{
	unsigned int n = (entries + FZ_SEGS_PER_PAGE - 1) / FZ_SEGS_PER_PAGE;
	unsigned int i;

	if (n > FZ_MAX_INDIRECT_PAGES)
		n = FZ_MAX_INDIRECT_PAGES;
	for (i = 0; i < n; i++) {
		rq->ind[i].kind = FZ_PAGE_DATA;
		rq->ind[i].page = fz_new_page(rq);
	}
	rq->nr_ind = n;
}

/* A well-formed read or write: direct (nseg <= 11) or indirect. */
static void fz_make_rw(struct fz_rng *r, const struct fz_conn *c,
		       struct fz_req *rq, uint8_t op, bool indirect,
		       unsigned int nseg)
{
	uint64_t total;

	nseg = fz_fit_segs(c, nseg);
	if (indirect) {
		rq->op = FZ_OP_INDIRECT;
		rq->indirect_op = op;
	} else {
		rq->op = op;
	}
	rq->nr_segments = nseg;
	total = fz_fill_entries(r, c, rq, nseg);
	if (indirect)
		fz_add_ind_pages(rq, rq->nr_entries);
	rq->sector = fz_place(r, c, total);
}

/* READ, or WRITE where the disk takes writes. */
static uint8_t fz_rw_op(struct fz_rng *r, const struct fz_conn *c)
{
	if (c->readonly)
		return FZ_OP_READ;
	return fz_chance(r, 1, 2) ? FZ_OP_WRITE : FZ_OP_READ;
}

/* 1..11 segments, the ends of the range favoured. */
static unsigned int fz_direct_nseg(struct fz_rng *r)
{
	switch (fz_below(r, 4)) {
	case 0:
		return 1;
	case 1:
		return FZ_MAX_DIRECT_SEGS;
	default:
		return fz_range(r, 1, FZ_MAX_DIRECT_SEGS);
	}
}

static unsigned int fz_indirect_nseg(struct fz_rng *r,
				     const struct fz_conn *c)
{
	unsigned int max = c->max_indirect;

	switch (fz_below(r, 6)) {
	case 0:
		return 1;
	case 1:
		return max;
	case 2:
		return max > FZ_MAX_DIRECT_SEGS ? FZ_MAX_DIRECT_SEGS + 1 : max;
	default:
		return fz_range(r, 1, max);
	}
}

static void fz_gen_valid_rw(struct fz_rng *r, const struct fz_conn *c,
			    struct fz_req *rq)
{
	fz_make_rw(r, c, rq, fz_rw_op(r, c), false, fz_direct_nseg(r));
}

static void fz_gen_valid_indirect(struct fz_rng *r, const struct fz_conn *c,
				  struct fz_req *rq)
{
	fz_make_rw(r, c, rq, fz_rw_op(r, c), true, fz_indirect_nseg(r, c));
}

static void fz_gen_unknown_op(struct fz_rng *r, const struct fz_conn *c,
			      struct fz_req *rq)
{
	static const uint8_t ops[] = { FZ_OP_RESERVED_1, 7, 255 };

	fz_make_rw(r, c, rq, FZ_OP_READ, false, fz_direct_nseg(r));
	if (fz_chance(r, 3, 4))
		rq->op = ops[fz_below(r, sizeof(ops))];
	else
		rq->op = fz_range(r, 7, 255);
}

static void fz_gen_nseg_direct(struct fz_rng *r, const struct fz_conn *c,
			       struct fz_req *rq)
{
	static const unsigned int nsegs[] = { 0, 1, 10, 11, 12, 13, 255 };
	unsigned int n;

	n = fz_chance(r, 3, 4) ? nsegs[fz_below(r, 7)] : fz_range(r, 12, 255);
	fz_make_rw(r, c, rq, fz_rw_op(r, c), false,
		   n > FZ_MAX_DIRECT_SEGS ? FZ_MAX_DIRECT_SEGS : n);
	rq->nr_segments = n;
}

static void fz_gen_nseg_indirect(struct fz_rng *r, const struct fz_conn *c,
				 struct fz_req *rq)
{
	unsigned int max = c->max_indirect;
	const unsigned int nsegs[] = {
		0, 1, FZ_MAX_DIRECT_SEGS, FZ_MAX_DIRECT_SEGS + 1, max - 1, max,
		max + 1, FZ_SEGS_PER_PAGE, FZ_SEGS_PER_PAGE + 1, FZ_MAX_ENTRIES,
		FZ_MAX_ENTRIES + 1, 65535,
	};
	unsigned int n;
	uint64_t total;

	n = fz_chance(r, 3, 4) ? nsegs[fz_below(r, 12)] :
				 fz_range(r, 0, 65535);
	/* the entries as a frontend that believes in @n would write them */
	rq->op = FZ_OP_INDIRECT;
	rq->indirect_op = fz_rw_op(r, c);
	rq->nr_segments = n;
	total = fz_fill_entries(r, c, rq, n);
	fz_add_ind_pages(rq, rq->nr_entries);
	rq->sector = fz_place(r, c, total);
}

static void fz_gen_indirect_pages(struct fz_rng *r, const struct fz_conn *c,
				  struct fz_req *rq)
{
	unsigned int need, i;

	fz_make_rw(r, c, rq, fz_rw_op(r, c), true, fz_indirect_nseg(r, c));
	need = rq->nr_ind;
	switch (fz_below(r, 3)) {
	case 0:		/* a page it needs is no grant at all */
		fz_set_special(&rq->ind[fz_below(r, need)], FZ_PAGE_BAD);
		break;
	case 1:		/* fewer grefs than it needs: the rest are 0 */
		rq->nr_ind = need - 1;
		if (!rq->nr_ind) {	/* one needed: make it no grant */
			fz_set_special(&rq->ind[0], FZ_PAGE_BAD);
			rq->nr_ind = 1;
		}
		break;
	default:	/* more than it needs: the backend must ignore them */
		for (i = need; i < FZ_MAX_INDIRECT_PAGES; i++) {
			if (fz_chance(r, 1, 2)) {
				fz_set_special(&rq->ind[i], FZ_PAGE_BAD);
			} else {
				rq->ind[i].kind = FZ_PAGE_DATA;
				rq->ind[i].page = fz_new_page(rq);
			}
		}
		rq->nr_ind = FZ_MAX_INDIRECT_PAGES;
		break;
	}
}

static void fz_gen_indirect_op(struct fz_rng *r, const struct fz_conn *c,
			       struct fz_req *rq)
{
	static const uint8_t ops[] = {
		FZ_OP_WRITE_BARRIER, FZ_OP_FLUSH_DISKCACHE, FZ_OP_RESERVED_1,
		FZ_OP_DISCARD, FZ_OP_INDIRECT, 7, 255,
	};
	struct fz_conn tmp = *c;

	if (!tmp.max_indirect)		/* shaped as if it were offered */
		tmp.max_indirect = FZ_SEGS_PER_PAGE;
	fz_make_rw(r, &tmp, rq, fz_rw_op(r, c), true,
		   fz_indirect_nseg(r, &tmp));
	if (c->max_indirect || fz_chance(r, 1, 2))
		rq->indirect_op = ops[fz_below(r, sizeof(ops))];
}

static void fz_gen_sect_edge(struct fz_rng *r, const struct fz_conn *c,
			     struct fz_req *rq)
{
	bool ind = c->max_indirect && fz_chance(r, 1, 3);
	struct fz_seg *s;

	fz_make_rw(r, c, rq, fz_rw_op(r, c), ind,
		   ind ? fz_indirect_nseg(r, c) : fz_direct_nseg(r));
	s = &rq->seg[fz_below(r, rq->nr_entries)];
	switch (fz_below(r, 5)) {
	case 0:		/* first > last */
		s->first_sect = fz_range(r, 1, 7);
		s->last_sect = fz_below(r, s->first_sect);
		break;
	case 1:		/* last beyond the page, often just */
		s->first_sect = fz_below(r, 8);
		s->last_sect = fz_chance(r, 1, 2) ? 8 : fz_range(r, 8, 255);
		break;
	case 2:		/* both beyond the page */
		s->first_sect = fz_chance(r, 1, 2) ? 8 : fz_range(r, 8, 255);
		s->last_sect = fz_range(r, s->first_sect, 255);
		break;
	case 3:		/* not 4 KiB aligned (fine on a 512-byte disk) */
		s->first_sect = fz_range(r, 0, 7);
		s->last_sect = fz_range(r, s->first_sect, 7);
		if (!s->first_sect && s->last_sect == 7)
			s->last_sect = 6;
		break;
	default:	/* the last sector of the page alone */
		s->first_sect = 7;
		s->last_sect = 7;
		break;
	}
	/* keep the request inside the disk, so that only the span is wrong */
	rq->sector = fz_place(r, c, fz_entries_sectors(rq));
}

static void fz_gen_range(struct fz_rng *r, const struct fz_conn *c,
			 struct fz_req *rq)
{
	bool ind = c->max_indirect && fz_chance(r, 1, 3);
	uint64_t total, lbs = fz_lbs(c), end;

	fz_make_rw(r, c, rq, fz_rw_op(r, c), ind,
		   ind ? fz_indirect_nseg(r, c) : fz_direct_nseg(r));
	total = fz_entries_sectors(rq);
	end = c->nr_sectors >= total ? c->nr_sectors - total : 0;
	switch (fz_below(r, 7)) {
	case 0:		/* ends on the last sector */
		rq->sector = end / lbs * lbs;
		break;
	case 1:		/* one block past the end */
		rq->sector = end / lbs * lbs + lbs;
		break;
	case 2:		/* starts at the end */
		rq->sector = c->nr_sectors;
		break;
	case 3:		/* the last block, too long */
		rq->sector = (c->nr_sectors - 1) / lbs * lbs;
		break;
	case 4:		/* wraps 2^64 */
		rq->sector = (0 - fz_range(r, 1, total ? total : 1)) / lbs * lbs;
		break;
	case 5:		/* far beyond */
		rq->sector = fz_range(r, c->nr_sectors, UINT64_MAX);
		break;
	default:	/* misaligned start (fine on a 512-byte disk) */
		rq->sector = fz_place(r, c, total + FZ_SECTORS_PER_PAGE);
		rq->sector += fz_range(r, 1, 7);
		break;
	}
}

static void fz_gen_discard(struct fz_rng *r, const struct fz_conn *c,
			   struct fz_req *rq)
{
	uint64_t lbs = fz_lbs(c), nr = c->nr_sectors;
	uint64_t len = fz_range(r, 1, nr < 4096 ? nr : 4096) / lbs * lbs;

	if (!len)
		len = lbs;
	rq->op = FZ_OP_DISCARD;
	rq->nr_sectors = len;
	rq->sector = fz_place(r, c, len);
	if (fz_chance(r, 1, 4))
		rq->discard_flag = FZ_DISCARD_SECURE;
	switch (fz_below(r, 10)) {
	case 0:		/* nothing */
		rq->nr_sectors = 0;
		break;
	case 1:		/* nothing, at the end */
		rq->nr_sectors = 0;
		rq->sector = nr;
		break;
	case 2:		/* wraps 2^64 through the length: the end looks small */
		rq->nr_sectors = 0 - rq->sector + fz_range(r, 0, 64) * lbs;
		break;
	case 3:		/* wraps 2^64 through the start */
		rq->sector = (0 - fz_range(r, 1, len)) / lbs * lbs;
		break;
	case 4:		/* past the end */
		rq->sector = (nr - len) / lbs * lbs + lbs;
		break;
	case 5:		/* misaligned (fine on a 512-byte disk) */
		if (fz_chance(r, 1, 2))
			rq->sector += fz_range(r, 1, 7);
		else
			rq->nr_sectors += fz_range(r, 1, 7);
		break;
	case 6:		/* the whole disk */
		rq->sector = 0;
		rq->nr_sectors = nr / lbs * lbs;
		break;
	case 7:		/* flag bits the protocol does not define */
		rq->discard_flag |= fz_range(r, 1, 127) << 1;
		break;
	default:
		break;
	}
}

static void fz_gen_flush(struct fz_rng *r, const struct fz_conn *c,
			 struct fz_req *rq)
{
	uint8_t op = fz_chance(r, 1, 2) ? FZ_OP_FLUSH_DISKCACHE :
					  FZ_OP_WRITE_BARRIER;

	switch (fz_below(r, 4)) {
	case 0:		/* a pure flush: the sector is meaningless */
	case 1:
		rq->op = op;
		rq->nr_segments = 0;
		rq->sector = fz_chance(r, 1, 2) ? fz_next(r) :
						  fz_below(r, c->nr_sectors);
		break;
	case 2:		/* with data: a FUA write */
		fz_make_rw(r, c, rq, op, false, fz_direct_nseg(r));
		break;
	default:	/* with too many segments */
		fz_make_rw(r, c, rq, op, false, FZ_MAX_DIRECT_SEGS);
		rq->nr_segments = fz_range(r, FZ_MAX_DIRECT_SEGS + 1, 255);
		break;
	}
}

static void fz_gen_readonly(struct fz_rng *r, const struct fz_conn *c,
			    struct fz_req *rq)
{
	switch (fz_below(r, 5)) {
	case 0:
		fz_make_rw(r, c, rq, FZ_OP_WRITE, false, fz_direct_nseg(r));
		break;
	case 1:
		if (c->max_indirect) {
			fz_make_rw(r, c, rq, FZ_OP_WRITE, true,
				   fz_indirect_nseg(r, c));
			break;
		}
		fallthrough;
	case 2:
		fz_make_rw(r, c, rq, fz_chance(r, 1, 2) ? FZ_OP_WRITE_BARRIER :
			   FZ_OP_FLUSH_DISKCACHE, false, fz_direct_nseg(r));
		break;
	case 3:
		fz_gen_discard(r, c, rq);
		break;
	default:
		rq->op = FZ_OP_FLUSH_DISKCACHE;
		rq->sector = fz_next(r);
		break;
	}
}

static void fz_gen_alias(struct fz_rng *r, const struct fz_conn *c,
			 struct fz_req *rq)
{
	bool ind = c->max_indirect && fz_chance(r, 1, 2);
	unsigned int nseg = ind ? fz_indirect_nseg(r, c) : fz_direct_nseg(r);
	struct fz_seg *a, *b;

	if (nseg < 2)
		nseg = 2;
	fz_make_rw(r, c, rq, fz_rw_op(r, c), ind, nseg);
	if (ind && fz_chance(r, 1, 2)) {
		/* the indirect page is also a data page of the request */
		rq->ind[0] = rq->seg[fz_below(r, rq->nr_entries)].ref;
		return;
	}
	if (rq->nr_entries < 2)
		return;
	a = &rq->seg[fz_below(r, rq->nr_entries - 1)];
	b = a + 1 + fz_below(r, &rq->seg[rq->nr_entries] - a - 1);
	b->ref = a->ref;
	if (fz_lbs(c) == 1 && fz_chance(r, 1, 2)) {
		/* disjoint halves of the one page */
		a->first_sect = 0;
		a->last_sect = 3;
		b->first_sect = 4;
		b->last_sect = 7;
	}
}

static void fz_gen_bad_grant(struct fz_rng *r, const struct fz_conn *c,
			     struct fz_req *rq)
{
	bool ind = c->max_indirect && fz_chance(r, 1, 3);
	unsigned int v = fz_below(r, 5);
	uint8_t op = fz_rw_op(r, c);
	struct fz_seg *s;

	/* from the ring page, from a read-only page (into the ring: ring-break) */
	if (v == 1 || v == 3)
		op = FZ_OP_WRITE;
	else if (v == 2)	/* into a read-only page */
		op = FZ_OP_READ;
	fz_make_rw(r, c, rq, op, ind,
		   ind ? fz_indirect_nseg(r, c) : fz_direct_nseg(r));
	s = &rq->seg[fz_below(r, rq->nr_entries)];
	switch (v) {
	case 0:
		fz_set_special(&s->ref, FZ_PAGE_BAD);
		break;
	case 1:
		fz_set_special(&s->ref, FZ_PAGE_RING);
		break;
	case 2:
	case 3:
		s->ref.kind = FZ_PAGE_RO;
		break;
	default:	/* a read-only indirect page, or a read-only data page */
		if (ind)
			rq->ind[0].kind = FZ_PAGE_RO;
		else
			s->ref.kind = FZ_PAGE_RO;
		break;
	}
}

static void fz_gen_ring_break(struct fz_rng *r, const struct fz_conn *c,
			      struct fz_req *rq)
{
	fz_make_rw(r, c, rq, FZ_OP_READ, false, fz_direct_nseg(r));
	if (fz_chance(r, 1, 2)) {
		rq->ring_action = FZ_RING_PROD_OVERFLOW;
		rq->prod_excess = fz_range(r, 1, 255);
	} else {	/* the disk's data lands on the ring's header */
		fz_set_special(&rq->seg[0].ref, FZ_PAGE_RING);
		rq->seg[0].first_sect = 0;
	}
}

/* Where a request of @total sectors starts in the race zone. */
static uint64_t fz_race_place(struct fz_rng *r, const struct fz_conn *c,
			      uint64_t total)
{
	uint64_t zs, zn, lbs = fz_lbs(c);

	fz_race_zone(c, &zs, &zn);
	if (total >= zn)
		return zs;
	return zs + fz_below(r, (zn - total) / lbs + 1) * lbs;
}

/*
 * Entries of a raced request: the first @n on pages of their own, the rest
 * up to @entries on those pages again, every span valid, so that whatever
 * count a rewrite makes the backend read, it reads the request's own
 * pages.  Returns the sectors of the first @n.
 */
static uint64_t fz_race_entries(struct fz_rng *r, const struct fz_conn *c,
				struct fz_req *rq, unsigned int n,
				unsigned int entries)
{
	uint64_t total = fz_fill_entries(r, c, rq, n);
	unsigned int i;

	for (i = n; i < entries; i++) {
		rq->seg[i] = rq->seg[i % n];
		rq->seg[i].first_sect = 0;
		rq->seg[i].last_sect = FZ_SECTORS_PER_PAGE - 1;
	}
	rq->nr_entries = entries;
	return total;
}

/*
 * An honest request in the race zone (fz_race_zone()): a direct read,
 * write or flush with data (all 11 slot entries used), a discard, or an
 * indirect read or write with all 8 indirect pages full (4096 entries).
 */
static void fz_gen_race(struct fz_rng *r, const struct fz_conn *c,
			struct fz_req *rq)
{
	uint64_t zs, zn, lbs = fz_lbs(c), total;
	unsigned int n, i, most;

	fz_race_zone(c, &zs, &zn);
	switch (fz_below(r, c->max_indirect ? 5 : 3)) {
	case 0:
		rq->op = FZ_OP_DISCARD;
		if (fz_chance(r, 1, 4))
			rq->discard_flag = FZ_DISCARD_SECURE;
		rq->nr_sectors = fz_range(r, 1, zn / lbs ? zn / lbs : 1) * lbs;
		rq->sector = fz_race_place(r, c, rq->nr_sectors);
		break;
	case 1:
	case 2:
		rq->op = fz_chance(r, 1, 8) ? FZ_OP_FLUSH_DISKCACHE :
					      fz_rw_op(r, c);
		n = fz_range(r, 1, FZ_MAX_DIRECT_SEGS);
		rq->nr_segments = n;
		total = fz_race_entries(r, c, rq, n, FZ_MAX_DIRECT_SEGS);
		rq->sector = fz_race_place(r, c, total);
		break;
	default:
		rq->op = FZ_OP_INDIRECT;
		rq->indirect_op = fz_rw_op(r, c);
		most = c->max_indirect < 64 ? c->max_indirect : 64;
		n = fz_range(r, 1, most);
		rq->nr_segments = n;
		total = fz_race_entries(r, c, rq, n, FZ_MAX_ENTRIES);
		rq->sector = fz_race_place(r, c, total);
		for (i = 0; i < FZ_MAX_INDIRECT_PAGES; i++) {
			rq->ind[i].kind = FZ_PAGE_DATA;
			rq->ind[i].page = fz_new_page(rq);
		}
		rq->nr_ind = FZ_MAX_INDIRECT_PAGES;
		break;
	}
}

typedef void (*fz_gen_fn)(struct fz_rng *r, const struct fz_conn *c,
			  struct fz_req *rq);

static const fz_gen_fn fz_gens[FZ_NR_CAT] = {
	[FZ_CAT_VALID_RW] = fz_gen_valid_rw,
	[FZ_CAT_VALID_INDIRECT] = fz_gen_valid_indirect,
	[FZ_CAT_UNKNOWN_OP] = fz_gen_unknown_op,
	[FZ_CAT_NSEG_DIRECT] = fz_gen_nseg_direct,
	[FZ_CAT_NSEG_INDIRECT] = fz_gen_nseg_indirect,
	[FZ_CAT_INDIRECT_PAGES] = fz_gen_indirect_pages,
	[FZ_CAT_INDIRECT_OP] = fz_gen_indirect_op,
	[FZ_CAT_SECT_EDGE] = fz_gen_sect_edge,
	[FZ_CAT_RANGE] = fz_gen_range,
	[FZ_CAT_DISCARD] = fz_gen_discard,
	[FZ_CAT_FLUSH] = fz_gen_flush,
	[FZ_CAT_READONLY] = fz_gen_readonly,
	[FZ_CAT_ALIAS] = fz_gen_alias,
	[FZ_CAT_BAD_GRANT] = fz_gen_bad_grant,
	[FZ_CAT_RACE] = fz_gen_race,
	[FZ_CAT_RING_BREAK] = fz_gen_ring_break,
};

/* Only what the request uses is reset: seg[] beyond nr_entries is stale. */
static void fz_req_reset(struct fz_req *rq)
{
	memset(rq, 0, offsetof(struct fz_req, seg));
}

/* Whether request @seq is a raced one: a draw of its own. */
static bool fz_raced(const struct fz_gen *g, uint64_t seq)
{
	return g->race_one_in &&
	       fz_mix64(g->seed ^ fz_mix64(seq ^ 0x72616365ULL)) %
	       g->race_one_in == 0;
}

void fz_gen_at(const struct fz_gen *g, uint64_t seq, struct fz_req *rq)
{
	uint64_t total = 0, pick;
	struct fz_rng r;
	unsigned int i;

	fz_rng_seed(&r, g->seed ^ fz_mix64(seq));
	fz_req_reset(rq);
	rq->seq = seq;
	rq->id = fz_mix64(seq ^ fz_mix64(g->seed));
	if (fz_raced(g, seq)) {
		rq->id = (rq->id & ~0xffULL) | FZ_RACE_ID_MARK;
		rq->cat = FZ_CAT_RACE;
		fz_gen_race(&r, &g->conn, rq);
		return;
	}
	rq->handle = fz_chance(&r, 1, 8) ? fz_below(&r, 65536) : 0;
	for (i = 0; i < FZ_NR_CAT; i++)
		total += g->weight[i];
	pick = fz_below(&r, total);
	for (i = 0; i < FZ_NR_CAT - 1; i++) {
		if (pick < g->weight[i])
			break;
		pick -= g->weight[i];
	}
	if (!total)
		i = FZ_CAT_VALID_RW;
	rq->cat = i;
	fz_gens[i](&r, &g->conn, rq);
}

void fz_gen_next(struct fz_gen *g, struct fz_req *rq)
{
	fz_gen_at(g, g->next_seq++, rq);
	g->count[rq->cat]++;
}

/* ------------------------------------------------------------------ */
/* Ring bytes                                                          */
/* ------------------------------------------------------------------ */

/*
 * The two layouts differ only by 4 bytes of padding before the id on
 * x86_64 (include/xen/interface/io/blkif.h): every field from the id on
 * sits 4 bytes further.
 */
#define FZ_REQ_ID_32		4
#define FZ_REQ_ID_64		8
#define FZ_SEG_SIZE		8

size_t fz_req_slot_size(enum fz_abi abi)
{
	return abi == FZ_ABI_X86_32 ? 108 : 112;
}

size_t fz_rsp_slot_size(enum fz_abi abi)
{
	return abi == FZ_ABI_X86_32 ? 12 : 16;
}

static void fz_put(uint8_t *p, size_t off, uint64_t v, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)	/* little-endian, as both ABIs */
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t fz_get(const uint8_t *p, size_t off, unsigned int len)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

static uint32_t fz_gref(const struct fz_pageref *ref, const struct fz_grefs *g)
{
	switch (ref->kind) {
	case FZ_PAGE_RING:
		return g->ring;
	case FZ_PAGE_BAD:
		return g->bad;
	default:
		return g->page[ref->page];
	}
}

static void fz_put_seg(uint8_t *p, size_t off, const struct fz_seg *s,
		       const struct fz_grefs *g)
{
	fz_put(p, off, fz_gref(&s->ref, g), 4);
	p[off + 4] = s->first_sect;
	p[off + 5] = s->last_sect;
}

void fz_encode_req(enum fz_abi abi, const struct fz_req *rq,
		   const struct fz_grefs *g, uint8_t pad_byte, void *slot)
{
	size_t id = abi == FZ_ABI_X86_32 ? FZ_REQ_ID_32 : FZ_REQ_ID_64;
	uint8_t *p = slot;
	unsigned int i;

	memset(p, pad_byte, fz_req_slot_size(abi));
	p[0] = rq->op;
	fz_put(p, id, rq->id, 8);
	fz_put(p, id + 8, rq->sector, 8);
	switch (rq->op) {
	case FZ_OP_DISCARD:
		p[1] = rq->discard_flag;
		fz_put(p, id + 16, rq->nr_sectors, 8);
		break;
	case FZ_OP_INDIRECT:
		p[1] = rq->indirect_op;
		fz_put(p, 2, rq->nr_segments, 2);
		fz_put(p, id + 16, rq->handle, 2);
		for (i = 0; i < FZ_MAX_INDIRECT_PAGES; i++)
			fz_put(p, id + 20 + 4 * i, i < rq->nr_ind ?
			       fz_gref(&rq->ind[i], g) : 0, 4);
		break;
	default:	/* read, write, flush, barrier, and unknown ones */
		p[1] = (uint8_t)rq->nr_segments;
		fz_put(p, 2, rq->handle, 2);
		for (i = 0; i < rq->nr_entries && i < FZ_MAX_DIRECT_SEGS; i++)
			fz_put_seg(p, id + 16 + FZ_SEG_SIZE * i, &rq->seg[i], g);
		break;
	}
}

void fz_encode_indirect_page(const struct fz_req *rq, unsigned int i,
			     const struct fz_grefs *g, void *page)
{
	unsigned int k, first = i * FZ_SEGS_PER_PAGE;

	memset(page, 0, FZ_PAGE_SIZE);
	for (k = 0; k < FZ_SEGS_PER_PAGE && first + k < rq->nr_entries; k++)
		fz_put_seg(page, FZ_SEG_SIZE * k, &rq->seg[first + k], g);
}

void fz_decode_rsp(enum fz_abi abi, const void *slot, uint64_t *id,
		   uint8_t *op, int16_t *status)
{
	const uint8_t *p = slot;

	*id = fz_get(p, 0, 8);
	*op = p[8];
	*status = (int16_t)fz_get(p, 10, 2);
	(void)abi;	/* same offsets; only the slot size differs */
}

/* ------------------------------------------------------------------ */
/* Races                                                               */
/* ------------------------------------------------------------------ */

enum fz_race_layout {
	FZ_RACE_DIRECT,
	FZ_RACE_INDIRECT,
	FZ_RACE_DISCARD,
};

/* Index of the top byte of @v (0 for 0). */
static unsigned int fz_top_byte(uint64_t v)
{
	unsigned int b = 0;

	while (v >> 8) {
		v >>= 8;
		b++;
	}
	return b;
}

void fz_race_zone(const struct fz_conn *c, uint64_t *start, uint64_t *nr)
{
	uint64_t n = c->nr_sectors, want, unit;

	*start = 0;
	*nr = n;
	if (!n)
		return;
	want = n / 4 < FZ_RACE_ZONE_SECTORS ? n / 4 : FZ_RACE_ZONE_SECTORS;
	if (!want)
		want = 1;
	unit = 1ULL << (8 * fz_top_byte(n - 1));
	/*
	 * Every sector below n has the bytes above the top one 0, and the
	 * top byte at most that of n - 1: the start's top byte is the floor
	 * any rewritten sector number keeps (fz_race_sector()).
	 */
	*start = (n - want) / unit * unit;
	*nr = n - *start;
}

/*
 * A sector number whose byte b (the zone start's top byte) is at least
 * the start's: in the zone, just past the disk's end, wrapping 2^64 or
 * anything above.  Any mixture of such numbers' bytes is one too: with
 * every byte above b 0 it is at least the zone's start, else it is past
 * any disk the model takes.
 */
static uint64_t fz_race_sector(struct fz_race *rc)
{
	struct fz_rng *r = &rc->rng;
	uint64_t zs = rc->zone_start, end = zs + rc->zone_nr;
	unsigned int b = fz_top_byte(zs ? zs : 1);
	uint64_t unit = 1ULL << (8 * b), floor = zs / unit, v;

	switch (fz_below(r, 6)) {
	case 0:
	case 1:		/* in the zone */
		return fz_range(r, zs, end - 1);
	case 2:		/* past the end, bytes above b still 0 */
		if (b < 7 && end < unit << 8)
			return fz_range(r, end, (unit << 8) - 1);
		return end;
	case 3:		/* wraps 2^64 with any length */
		return 0 - fz_range(r, 1, unit);
	default:	/* anything, byte b raised to the floor */
		v = fz_next(r);
		if (((v >> (8 * b)) & 0xff) < floor)
			v = (v & ~(0xffULL << (8 * b))) |
			    (fz_range(r, floor, 0xff) << (8 * b));
		return v;
	}
}

/* A gref of the request with its top byte set to 0 (itself) or not. */
static uint32_t fz_race_gref(struct fz_race *rc, uint32_t own)
{
	uint32_t top = fz_chance(&rc->rng, 1, 3) ? 0 :
		       (uint32_t)fz_range(&rc->rng, 1, 0xff);

	return (own & 0xffffff) | top << 24;
}

/* first_sect or last_sect: mostly inside the page. */
static uint8_t fz_race_sect(struct fz_race *rc)
{
	if (fz_chance(&rc->rng, 2, 3))
		return (uint8_t)fz_below(&rc->rng, FZ_SECTORS_PER_PAGE);
	return (uint8_t)fz_next(&rc->rng);
}

/* An indirect nr_segments, at and around each limit. */
static uint16_t fz_race_nseg(struct fz_race *rc)
{
	const uint64_t picks[] = {
		0, 1, rc->rq->nr_segments, rc->conn.max_indirect,
		rc->conn.max_indirect + 1, FZ_SEGS_PER_PAGE,
		FZ_SEGS_PER_PAGE + 1, FZ_MAX_ENTRIES, FZ_MAX_ENTRIES + 1,
		65535,
	};

	if (fz_chance(&rc->rng, 3, 4))
		return (uint16_t)picks[fz_below(&rc->rng, ARRAY_SIZE(picks))];
	return (uint16_t)fz_next(&rc->rng);
}

static const uint8_t fz_race_ops_direct[] = {
	FZ_OP_READ, FZ_OP_WRITE, FZ_OP_WRITE_BARRIER, FZ_OP_FLUSH_DISKCACHE,
	FZ_OP_RESERVED_1, 7, 255,
};

static const uint8_t fz_race_ops_indirect[] = {
	FZ_OP_INDIRECT, FZ_OP_INDIRECT, FZ_OP_INDIRECT, FZ_OP_RESERVED_1, 7,
	255,
};

static const uint8_t fz_race_ops_discard[] = {
	FZ_OP_DISCARD, FZ_OP_DISCARD, FZ_OP_RESERVED_1, 7, 255,
};

/* indirect_op: any of them, the unknown ones too */
static const uint8_t fz_race_iops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 255 };

static bool fz_in(const uint8_t *set, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == v)
			return true;
	return false;
}

static unsigned int fz_race_layout_of(const struct fz_req *rq)
{
	if (rq->op == FZ_OP_INDIRECT)
		return FZ_RACE_INDIRECT;
	if (rq->op == FZ_OP_DISCARD)
		return FZ_RACE_DISCARD;
	return FZ_RACE_DIRECT;
}

bool fz_race_op_ok(const struct fz_req *rq, uint8_t op)
{
	switch (fz_race_layout_of(rq)) {
	case FZ_RACE_INDIRECT:	/* the answer names the indirect_op */
		return fz_in(fz_race_ops_indirect,
			     ARRAY_SIZE(fz_race_ops_indirect), op) ||
		       fz_in(fz_race_iops, ARRAY_SIZE(fz_race_iops), op);
	case FZ_RACE_DISCARD:
		return fz_in(fz_race_ops_discard,
			     ARRAY_SIZE(fz_race_ops_discard), op);
	default:
		return fz_in(fz_race_ops_direct,
			     ARRAY_SIZE(fz_race_ops_direct), op);
	}
}

void fz_race_start(struct fz_race *rc, const struct fz_conn *c,
		   const struct fz_req *rq, const struct fz_grefs *g,
		   uint64_t seed, const void *slot)
{
	memset(rc, 0, sizeof(*rc));
	fz_rng_seed(&rc->rng, seed ^ fz_mix64(rq->seq ^ 0x7261636572ULL));
	rc->conn = *c;
	rc->rq = rq;
	rc->gref = g->page;
	fz_race_zone(c, &rc->zone_start, &rc->zone_nr);
	rc->layout = fz_race_layout_of(rq);
	rc->word0 = (uint32_t)fz_get(slot, 0, 4);
	memcpy(rc->slot0, slot, fz_req_slot_size(c->abi));
}

/* A new bytes 0..3: the operation, or the byte or halfword after it. */
static uint32_t fz_race_word0(struct fz_race *rc)
{
	struct fz_rng *r = &rc->rng;
	uint32_t w = rc->word0;
	uint8_t op;

	switch (fz_below(r, 3)) {
	case 0:
		if (rc->layout == FZ_RACE_INDIRECT)
			op = fz_race_ops_indirect[fz_below(r,
					ARRAY_SIZE(fz_race_ops_indirect))];
		else if (rc->layout == FZ_RACE_DISCARD)
			op = fz_race_ops_discard[fz_below(r,
					ARRAY_SIZE(fz_race_ops_discard))];
		else
			op = fz_race_ops_direct[fz_below(r,
					ARRAY_SIZE(fz_race_ops_direct))];
		return (w & ~0xffU) | op;
	case 1:		/* nr_segments, indirect_op or the discard flag */
		if (rc->layout == FZ_RACE_INDIRECT)
			op = fz_race_iops[fz_below(r,
					ARRAY_SIZE(fz_race_iops))];
		else if (rc->layout == FZ_RACE_DIRECT && fz_chance(r, 3, 4))
			op = (uint8_t)fz_range(r, 0, FZ_MAX_DIRECT_SEGS + 1);
		else
			op = (uint8_t)fz_next(r);
		return (w & ~0xff00U) | (uint32_t)op << 8;
	default:	/* the handle, or an indirect nr_segments */
		return (w & 0xffffU) |
		       (uint32_t)(rc->layout == FZ_RACE_INDIRECT ?
				  fz_race_nseg(rc) :
				  (uint16_t)fz_next(r)) << 16;
	}
}

static void fz_race_set(struct fz_race_write *w, unsigned int where,
			unsigned int off, unsigned int len, uint64_t value)
{
	w->where = where;
	w->page = 0;
	w->off = off;
	w->len = len;
	w->value = value;
}

/* Entry @k of indirect page @j: its gref, first or last sector. */
static void fz_race_entry(struct fz_race *rc, struct fz_race_write *w)
{
	struct fz_rng *r = &rc->rng;
	const struct fz_req *rq = rc->rq;
	unsigned int j, k, e;

	/* mostly the entries the request uses */
	if (fz_chance(r, 3, 4) && rq->nr_segments)
		e = fz_below(r, rq->nr_segments < rq->nr_entries ?
				rq->nr_segments : rq->nr_entries);
	else
		e = fz_below(r, rq->nr_entries);
	j = e / FZ_SEGS_PER_PAGE;
	k = e % FZ_SEGS_PER_PAGE;
	switch (fz_below(r, 3)) {
	case 0:
		fz_race_set(w, FZ_RACE_IND, FZ_SEG_SIZE * k, 4,
			    fz_race_gref(rc, rc->gref[rq->seg[e].ref.page]));
		break;
	case 1:
		fz_race_set(w, FZ_RACE_IND, FZ_SEG_SIZE * k + 4, 1,
			    fz_race_sect(rc));
		break;
	default:
		fz_race_set(w, FZ_RACE_IND, FZ_SEG_SIZE * k + 5, 1,
			    fz_race_sect(rc));
		break;
	}
	w->page = j;
}

/* Data of a discard's nr_sectors: nothing, in the zone, or anything. */
static uint64_t fz_race_nr_sectors(struct fz_race *rc)
{
	struct fz_rng *r = &rc->rng;

	switch (fz_below(r, 4)) {
	case 0:
		return 0;
	case 1:
		return fz_range(r, 1, rc->zone_nr);
	case 2:
		return 0 - fz_range(r, 1, rc->zone_nr);
	default:
		return fz_next(r);
	}
}

/* What @w's bytes held when the request was published. */
static uint64_t fz_race_published(const struct fz_race *rc,
				  const struct fz_race_write *w)
{
	const struct fz_seg *s;

	if (w->where != FZ_RACE_IND)
		return fz_get(rc->slot0, w->off, w->len);
	s = &rc->rq->seg[w->page * FZ_SEGS_PER_PAGE + w->off / FZ_SEG_SIZE];
	switch (w->off % FZ_SEG_SIZE) {
	case 0:
		return rc->gref[s->ref.page];
	case 4:
		return s->first_sect;
	default:
		return s->last_sect;
	}
}

/* A new rewrite, one field to a hostile value. */
static void fz_race_pick(struct fz_race *rc, struct fz_race_write *w)
{
	struct fz_rng *r = &rc->rng;
	const struct fz_req *rq = rc->rq;
	size_t id = rc->conn.abi == FZ_ABI_X86_32 ? FZ_REQ_ID_32 :
						    FZ_REQ_ID_64;
	unsigned int pick = fz_below(r, 10), i;

	if (pick < 2 && !rc->word0_off) {
		fz_race_set(w, FZ_RACE_WORD0, 0, 4, fz_race_word0(rc));
		return;
	}
	if (pick < 4) {
		fz_race_set(w, FZ_RACE_SLOT, id + 8, 8, fz_race_sector(rc));
		return;
	}
	switch (rc->layout) {
	case FZ_RACE_DISCARD:
		fz_race_set(w, FZ_RACE_SLOT, id + 16, 8,
			    fz_race_nr_sectors(rc));
		break;
	case FZ_RACE_INDIRECT:
		if (pick == 4) {
			fz_race_set(w, FZ_RACE_SLOT, id + 16, 2,
				    (uint16_t)fz_next(r));
		} else if (pick < 7) {
			i = fz_below(r, FZ_MAX_INDIRECT_PAGES);
			fz_race_set(w, FZ_RACE_SLOT, id + 20 + 4 * i, 4,
				    fz_race_gref(rc,
						 rc->gref[rq->ind[i].page]));
		} else {
			fz_race_entry(rc, w);
		}
		break;
	default:
		i = fz_below(r, FZ_MAX_DIRECT_SEGS);
		if (pick < 6)
			fz_race_set(w, FZ_RACE_SLOT, id + 16 + FZ_SEG_SIZE * i,
				    4, fz_race_gref(rc,
					rc->gref[rq->seg[i].ref.page]));
		else
			fz_race_set(w, FZ_RACE_SLOT,
				    id + 16 + FZ_SEG_SIZE * i + 4 + (pick & 1),
				    1, fz_race_sect(rc));
		break;
	}
}

void fz_race_next(struct fz_race *rc, struct fz_race_write *w)
{
	if (rc->undo_next && !(rc->undo.where == FZ_RACE_WORD0 &&
			       rc->word0_off)) {
		rc->undo_next = false;
		*w = rc->undo;
		return;
	}
	fz_race_pick(rc, w);
	rc->undo = *w;
	rc->undo.value = fz_race_published(rc, w);
	rc->undo_next = true;
}

/* ------------------------------------------------------------------ */
/* Corpus lines                                                        */
/* ------------------------------------------------------------------ */

/* Text built piece by piece, counted as snprintf() counts it. */
struct fz_out {
	char *buf;
	size_t len;
	size_t off;
};

static void fz_printf(struct fz_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->off < o->len ? o->buf + o->off : NULL,
		      o->off < o->len ? o->len - o->off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->off += n;
}

int fz_conn_format(const struct fz_conn *c, char *buf, size_t len)
{
	struct fz_out o = { .buf = buf, .len = len };

	if (len)
		buf[0] = '\0';
	fz_printf(&o, "conn abi=%s order=%u indirect=%u persistent=%d",
		  c->abi == FZ_ABI_X86_32 ? "x86_32" : "x86_64",
		  c->ring_order, c->max_indirect, c->persistent);
	fz_printf(&o, " sectors=%llu sector-size=%u ro=%d",
		  (unsigned long long)c->nr_sectors, c->sector_size,
		  c->readonly);
	fz_printf(&o, " flush=%d barrier=%d discard=%d secure=%d", c->flush,
		  c->barrier, c->discard, c->discard_secure);
	return (int)o.off;
}

/* Position after "@key=" at the start of @p, or NULL. */
static const char *fz_key(const char *p, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(p, key, n) || p[n] != '=')
		return NULL;
	return p + n + 1;
}

/* A number up to @max ending at a space, a NUL or one of @stops. */
static int fz_num(const char **pp, uint64_t max, const char *stops,
		  uint64_t *v)
{
	const char *p = *pp;
	char *end;

	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*v = strtoull(p, &end, 0);
	if (errno || *v > max ||
	    (*end && *end != ' ' && !strchr(stops, *end)))
		return -1;
	*pp = end;
	return 0;
}

/* The next "key=" after spaces; NULL at the end of the line. */
static const char *fz_skip(const char *p)
{
	while (*p == ' ')
		p++;
	return *p ? p : NULL;
}

int fz_conn_parse(const char *line, struct fz_conn *c)
{
	static const char *const keys[] = {
		"order", "indirect", "persistent", "sectors", "sector-size",
		"ro", "flush", "barrier", "discard", "secure",
	};
	static const uint64_t max[] = {
		4, 65535, 1, UINT64_MAX, 65536, 1, 1, 1, 1, 1,
	};
	uint64_t v[10] = { 0 };
	const char *p, *q;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	if (strncmp(line, "conn ", 5))
		return -1;
	for (p = fz_skip(line + 5); p; p = fz_skip(p)) {
		q = fz_key(p, "abi");
		if (q) {
			if (!strncmp(q, "x86_32", 6))
				c->abi = FZ_ABI_X86_32;
			else if (!strncmp(q, "x86_64", 6))
				c->abi = FZ_ABI_X86_64;
			else
				return -1;
			p = q + 6;
			if (*p && *p != ' ')
				return -1;
			continue;
		}
		for (i = 0; i < 10; i++) {
			q = fz_key(p, keys[i]);
			if (q)
				break;
		}
		if (i == 10 || fz_num(&q, max[i], "", &v[i]))
			return -1;
		p = q;
	}
	c->ring_order = v[0];
	c->max_indirect = v[1];
	c->persistent = v[2];
	c->nr_sectors = v[3];
	c->sector_size = v[4];
	c->readonly = v[5];
	c->flush = v[6];
	c->barrier = v[7];
	c->discard = v[8];
	c->discard_secure = v[9];
	return 0;
}

static void fz_ref_format(struct fz_out *o, const struct fz_pageref *r)
{
	switch (r->kind) {
	case FZ_PAGE_RING:
		fz_printf(o, "R");
		break;
	case FZ_PAGE_BAD:
		fz_printf(o, "B");
		break;
	default:
		fz_printf(o, "%c%u", r->kind == FZ_PAGE_RO ? 'O' : 'D',
			  r->page);
		break;
	}
}

int fz_req_format(const struct fz_req *rq, char *buf, size_t len)
{
	struct fz_out o = { .buf = buf, .len = len };
	unsigned int i;

	if (len)
		buf[0] = '\0';
	fz_printf(&o, "req seq=%llu id=0x%llx cat=%s",
		  (unsigned long long)rq->seq, (unsigned long long)rq->id,
		  fz_cat_name(rq->cat));
	fz_printf(&o, " op=%u iop=%u nseg=%u handle=%u", rq->op,
		  rq->indirect_op, rq->nr_segments, rq->handle);
	fz_printf(&o, " sector=%llu nr=%llu flag=%u",
		  (unsigned long long)rq->sector,
		  (unsigned long long)rq->nr_sectors, rq->discard_flag);
	fz_printf(&o, " action=%u excess=%u pages=%u ind=", rq->ring_action,
		  rq->prod_excess, rq->nr_pages);
	for (i = 0; i < rq->nr_ind; i++) {
		if (i)
			fz_printf(&o, ",");
		fz_ref_format(&o, &rq->ind[i]);
	}
	fz_printf(&o, " seg=");
	for (i = 0; i < rq->nr_entries; i++) {
		if (i)
			fz_printf(&o, ",");
		fz_ref_format(&o, &rq->seg[i].ref);
		fz_printf(&o, ":%u-%u", rq->seg[i].first_sect,
			  rq->seg[i].last_sect);
	}
	return (int)o.off;
}

static int fz_ref_parse(const char **pp, struct fz_pageref *r)
{
	const char *p = *pp;
	uint64_t v;

	memset(r, 0, sizeof(*r));
	switch (*p) {
	case 'R':
		r->kind = FZ_PAGE_RING;
		*pp = p + 1;
		return 0;
	case 'B':
		r->kind = FZ_PAGE_BAD;
		*pp = p + 1;
		return 0;
	case 'D':
	case 'O':
		r->kind = *p == 'O' ? FZ_PAGE_RO : FZ_PAGE_DATA;
		p++;
		if (fz_num(&p, UINT16_MAX, ",:", &v))
			return -1;
		r->page = v;
		*pp = p;
		return 0;
	default:
		return -1;
	}
}

/* "ref,ref,..." or "ref:f-l,..." into up to @max entries; count in *@n. */
static int fz_list_parse(const char **pp, struct fz_req *rq, bool segs,
			 unsigned int max, unsigned int *n)
{
	const char *p = *pp;
	uint64_t f, l;

	*n = 0;
	while (*p && *p != ' ') {
		if (*n == max)
			return -1;
		if (segs) {
			struct fz_seg *s = &rq->seg[*n];

			if (fz_ref_parse(&p, &s->ref) || *p++ != ':' ||
			    fz_num(&p, 255, "-", &f) || *p++ != '-' ||
			    fz_num(&p, 255, ",", &l))
				return -1;
			s->first_sect = f;
			s->last_sect = l;
		} else if (fz_ref_parse(&p, &rq->ind[*n])) {
			return -1;
		}
		(*n)++;
		if (*p == ',')
			p++;
	}
	*pp = p;
	return 0;
}

int fz_req_parse(const char *line, struct fz_req *rq)
{
	static const char *const keys[] = {
		"seq", "id", "op", "iop", "nseg", "handle", "sector", "nr",
		"flag", "action", "excess", "pages",
	};
	static const uint64_t max[] = {
		UINT64_MAX, UINT64_MAX, 255, 255, 65535, 65535, UINT64_MAX,
		UINT64_MAX, 255, FZ_RING_PROD_OVERFLOW, 255, FZ_MAX_PAGES,
	};
	uint64_t v[12] = { 0 };
	const char *p, *q;
	unsigned int i, n;

	memset(rq, 0, offsetof(struct fz_req, seg));
	if (strncmp(line, "req ", 4))
		return -1;
	for (p = fz_skip(line + 4); p; p = fz_skip(p)) {
		q = fz_key(p, "cat");
		if (q) {
			for (i = 0; i < FZ_NR_CAT; i++) {
				n = strlen(fz_cat_names[i]);
				if (!strncmp(q, fz_cat_names[i], n) &&
				    (!q[n] || q[n] == ' '))
					break;
			}
			if (i == FZ_NR_CAT)
				return -1;
			rq->cat = i;
			p = q + n;
			continue;
		}
		q = fz_key(p, "ind");
		if (q) {
			if (fz_list_parse(&q, rq, false, FZ_MAX_INDIRECT_PAGES,
					  &n))
				return -1;
			rq->nr_ind = n;
			p = q;
			continue;
		}
		q = fz_key(p, "seg");
		if (q) {
			if (fz_list_parse(&q, rq, true, FZ_MAX_ENTRIES, &n))
				return -1;
			rq->nr_entries = n;
			p = q;
			continue;
		}
		for (i = 0; i < 12; i++) {
			q = fz_key(p, keys[i]);
			if (q)
				break;
		}
		if (i == 12 || fz_num(&q, max[i], "", &v[i]))
			return -1;
		p = q;
	}
	rq->seq = v[0];
	rq->id = v[1];
	rq->op = v[2];
	rq->indirect_op = v[3];
	rq->nr_segments = v[4];
	rq->handle = v[5];
	rq->sector = v[6];
	rq->nr_sectors = v[7];
	rq->discard_flag = v[8];
	rq->ring_action = v[9];
	rq->prod_excess = v[10];
	rq->nr_pages = v[11];
	for (i = 0; i < rq->nr_entries; i++)
		if (rq->seg[i].ref.page >= FZ_MAX_PAGES)
			return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Oracle                                                              */
/* ------------------------------------------------------------------ */

/*
 * The verdict helpers and the rules below return true, "decided", so that
 * a rule reads "return fz_refuse(e, why);".
 */
static bool fz_verdict(struct fz_expect *e, unsigned int allow, int16_t status,
		       const char *rule)
{
	e->allow = allow;
	e->status = status;
	e->rule = rule;
	return true;
}

static bool fz_refuse(struct fz_expect *e, const char *rule)
{
	return fz_verdict(e, FZ_ALLOW_ERROR, FZ_RSP_ERROR, rule);
}

static bool fz_unsupported(struct fz_expect *e, const char *rule)
{
	return fz_verdict(e, FZ_ALLOW_EOPNOTSUPP, FZ_RSP_EOPNOTSUPP, rule);
}

/*
 * A read or write of @nseg segments (entries rq->seg[]): io/blkif.h's
 * segment rules (sectors first_sect..last_sect of a 4 KiB page), the logical
 * block size (sector-size), the disk's end (sectors), read-only mode, and
 * the grants.  Every violation is BLKIF_RSP_ERROR ("invalid requests get
 * BLKIF_RSP_ERROR", Documentation/xen-blkback.rst, Log lines).
 */
static bool fz_oracle_data(const struct fz_conn *c, const struct fz_req *rq,
			   bool write, unsigned int nseg, struct fz_expect *e)
{
	uint64_t lbs = fz_lbs(c), total = 0;
	bool tolerate_error = false, into_ring = false;
	unsigned int i;

	if (write && c->readonly)
		return fz_refuse(e, "readonly");
	if (rq->sector % lbs)
		return fz_refuse(e, "misaligned");
	if (nseg > rq->nr_entries)	/* the generator wrote fewer */
		return fz_refuse(e, "nseg");
	for (i = 0; i < nseg; i++) {
		const struct fz_seg *s = &rq->seg[i];

		if (s->last_sect >= FZ_SECTORS_PER_PAGE ||
		    s->first_sect > s->last_sect)
			return fz_refuse(e, "bad-segment");
		if (s->first_sect % lbs ||
		    (s->last_sect + 1 - s->first_sect) % lbs)
			return fz_refuse(e, "misaligned");
		total += s->last_sect + 1 - s->first_sect;
	}
	if (total > c->nr_sectors || rq->sector > c->nr_sectors - total)
		return fz_refuse(e, "out-of-range");
	for (i = 0; i < nseg; i++) {
		switch (rq->seg[i].ref.kind) {
		case FZ_PAGE_BAD:
			return fz_refuse(e, "grant");
		case FZ_PAGE_RO:
			if (!write)
				return fz_refuse(e, "grant-ro");
			/*
			 * io/blkif.h, feature-persistent note 8: with
			 * persistent grants the frontend must let the backend
			 * map every grant writable; one that does not may be
			 * refused.
			 */
			if (c->persistent)
				tolerate_error = true;
			break;
		case FZ_PAGE_RING:
			if (!write)
				into_ring = true;
			break;
		default:
			break;
		}
	}
	if (rq->op == FZ_OP_INDIRECT) {
		for (i = 0; i < rq->nr_ind; i++)
			if (rq->ind[i].kind == FZ_PAGE_RO && c->persistent)
				tolerate_error = true;
	}
	fz_verdict(e, FZ_ALLOW_OKAY, FZ_RSP_OKAY, write ? "write" : "read");
	if (tolerate_error) {
		e->allow |= FZ_ALLOW_ERROR;
		e->rule = "grant-ro-persistent";
	}
	if (into_ring) {
		/* the frontend overwrites its own ring: anything may follow */
		e->allow |= FZ_ALLOW_ERROR | FZ_ALLOW_STOP;
		e->rule = "read-into-ring";
	}
	e->reads = !write;
	e->writes = write;
	e->sector = rq->sector;
	e->nr_sectors = total;
	return true;
}

/* Direct READ, WRITE, and the data of FLUSH_DISKCACHE / WRITE_BARRIER. */
static bool fz_oracle_direct(const struct fz_conn *c, const struct fz_req *rq,
			     bool write, struct fz_expect *e)
{
	if (!rq->nr_segments || rq->nr_segments > FZ_MAX_DIRECT_SEGS)
		return fz_refuse(e, "nseg");
	return fz_oracle_data(c, rq, write, rq->nr_segments, e);
}

/*
 * FLUSH_DISKCACHE and WRITE_BARRIER: without segments a cache flush (its
 * sector means nothing), with segments a write that must reach stable
 * storage.  Our backend serves both whether the feature was offered or
 * not, as upstream does (Documentation/xen-blkback.rst, "Errors the
 * frontend sees"): a pure flush is OKAY, on a read-only disk too (nothing
 * was written through it), and one with data follows the rules of any
 * write.  io/blkif.h lets the device fail a flush or barrier with
 * EOPNOTSUPP at any time, so that is allowed wherever OKAY is.
 */
static bool fz_oracle_flush(const struct fz_conn *c, const struct fz_req *rq,
			    struct fz_expect *e)
{
	bool offered = rq->op == FZ_OP_WRITE_BARRIER ? c->barrier : c->flush;

	if (rq->nr_segments)
		fz_oracle_direct(c, rq, true, e);
	else
		fz_verdict(e, FZ_ALLOW_OKAY, FZ_RSP_OKAY,
			   c->readonly ? "flush-readonly" : "flush");
	if (!(e->allow & FZ_ALLOW_OKAY))
		return true;
	e->allow |= FZ_ALLOW_EOPNOTSUPP;
	/* name the case apart, unless a more particular rule decided */
	if (!offered && (!strcmp(e->rule, "flush") || !strcmp(e->rule, "write")))
		e->rule = "flush-not-offered";
	return true;
}

/*
 * DISCARD: a read-only disk refuses it (ERROR) before anything else is
 * looked at, offered or not (Documentation/xen-blkback.rst: checked before
 * the offer); then an operation not offered (feature-discard, discard-secure
 * for BLKIF_DISCARD_SECURE) is EOPNOTSUPP; then the range must be aligned
 * and on the disk.  Flag bits other than SECURE mean nothing.  An empty
 * range (nr_sectors 0, anywhere up to the disk's end) has nothing to
 * discard: OKAY, the device untouched (io/blkif.h says nothing of it;
 * Documentation/xen-blkback.rst does).
 */
static bool fz_oracle_discard(const struct fz_conn *c, const struct fz_req *rq,
			      struct fz_expect *e)
{
	uint64_t lbs = fz_lbs(c);

	if (c->readonly)
		return fz_refuse(e, "readonly");
	if (!c->discard)
		return fz_unsupported(e, "discard-not-offered");
	if ((rq->discard_flag & FZ_DISCARD_SECURE) && !c->discard_secure)
		return fz_unsupported(e, "secure-not-offered");
	if ((rq->sector | rq->nr_sectors) % lbs)
		return fz_refuse(e, "misaligned");
	if (rq->nr_sectors > c->nr_sectors ||
	    rq->sector > c->nr_sectors - rq->nr_sectors)
		return fz_refuse(e, "out-of-range");
	if (!rq->nr_sectors)
		return fz_verdict(e, FZ_ALLOW_OKAY, FZ_RSP_OKAY,
				  "discard-empty");
	fz_verdict(e, FZ_ALLOW_OKAY, FZ_RSP_OKAY, "discard");
	e->discards = true;
	e->sector = rq->sector;
	e->nr_sectors = rq->nr_sectors;
	return true;
}

static bool fz_oracle_indirect(const struct fz_conn *c, const struct fz_req *rq,
			       struct fz_expect *e)
{
	unsigned int nseg = rq->nr_segments, need, i;

	/* the response carries the operation the indirect request did */
	e->rsp_op = rq->indirect_op;
	if (!c->max_indirect)
		return fz_unsupported(e, "indirect-not-offered");
	if (rq->indirect_op != FZ_OP_READ && rq->indirect_op != FZ_OP_WRITE)
		return fz_unsupported(e, "indirect-op");
	if (!nseg || nseg > c->max_indirect || nseg > FZ_MAX_ENTRIES)
		return fz_refuse(e, "nseg");
	need = (nseg + FZ_SEGS_PER_PAGE - 1) / FZ_SEGS_PER_PAGE;
	for (i = 0; i < need; i++)
		if (i >= rq->nr_ind || rq->ind[i].kind == FZ_PAGE_BAD)
			return fz_refuse(e, "indirect-grant");
	return fz_oracle_data(c, rq, rq->indirect_op == FZ_OP_WRITE, nseg, e);
}

/*
 * A raced request: whatever the backend copied of it is a request some
 * frontend could send, refused or inside the race zone (see blkif-fuzz.h),
 * so any of the three statuses may answer it, with an operation of its
 * layout, once; the zone is unknown afterwards, but on a read-only disk
 * (fz_settle()).
 */
static void fz_oracle_race(const struct fz_conn *c, struct fz_expect *e)
{
	fz_verdict(e, FZ_ALLOW_OKAY | FZ_ALLOW_ERROR | FZ_ALLOW_EOPNOTSUPP,
		   FZ_RSP_OKAY, "race");
	e->raced = true;
	fz_race_zone(c, &e->sector, &e->nr_sectors);
}

void fz_oracle(const struct fz_conn *c, const struct fz_req *rq,
	       struct fz_expect *e)
{
	memset(e, 0, sizeof(*e));
	e->rsp_op = rq->op;
	if (rq->cat == FZ_CAT_RACE) {
		fz_oracle_race(c, e);
		return;
	}
	if (rq->ring_action == FZ_RING_PROD_OVERFLOW) {
		/* Log lines: "published N requests for a ring of M" */
		fz_verdict(e, FZ_ALLOW_STOP, FZ_RSP_ERROR, "ring-overflow");
		e->stop = true;
		return;
	}
	switch (rq->op) {
	case FZ_OP_READ:
	case FZ_OP_WRITE:
		fz_oracle_direct(c, rq, rq->op == FZ_OP_WRITE, e);
		break;
	case FZ_OP_WRITE_BARRIER:
	case FZ_OP_FLUSH_DISKCACHE:
		fz_oracle_flush(c, rq, e);
		break;
	case FZ_OP_DISCARD:
		fz_oracle_discard(c, rq, e);
		break;
	case FZ_OP_INDIRECT:
		fz_oracle_indirect(c, rq, e);
		break;
	default:	/* 4 (reserved), 7 and up */
		fz_unsupported(e, "unknown-op");
		break;
	}
}

unsigned int fz_status_allow_bit(int16_t status)
{
	switch (status) {
	case FZ_RSP_OKAY:
		return FZ_ALLOW_OKAY;
	case FZ_RSP_ERROR:
		return FZ_ALLOW_ERROR;
	case FZ_RSP_EOPNOTSUPP:
		return FZ_ALLOW_EOPNOTSUPP;
	default:
		return 0;
	}
}

bool fz_expect_allows(const struct fz_expect *e, int16_t status)
{
	return e->allow & fz_status_allow_bit(status);
}

/* ------------------------------------------------------------------ */
/* Sector contents                                                     */
/* ------------------------------------------------------------------ */

#define FZ_WORDS		(FZ_SECTOR_SIZE / 8)
#define FZ_MAGIC		0x7a66206b6c622d78ULL	/* "x-blk fz" */
#define FZ_POISON		0xa5

static uint64_t fz_word(const void *buf, unsigned int i)
{
	uint64_t w;

	memcpy(&w, (const uint8_t *)buf + 8 * i, 8);
	return w;
}

static void fz_put_word(void *buf, unsigned int i, uint64_t w)
{
	memcpy((uint8_t *)buf + 8 * i, &w, 8);
}

/* The rest of a sector follows from seed, sector and generation. */
static uint64_t fz_fill_key(uint64_t seed, uint64_t sector, uint64_t gen)
{
	return fz_mix64(seed ^ fz_mix64(sector ^ fz_mix64(gen)));
}

/*
 * Word @i of the sector of @key: a multiplication by an odd constant is a
 * bijection, so two keys never give one word, and it costs the emulated
 * CPU of the lab three instructions where fz_mix64() takes a dozen.
 */
static uint64_t fz_fill_word(uint64_t key, unsigned int i)
{
	return (key ^ i) * 0x9e3779b97f4a7c15ULL;
}

void fz_fill_sector(void *buf, uint64_t seed, uint64_t sector, uint64_t gen)
{
	uint64_t key = fz_fill_key(seed, sector, gen);
	unsigned int i;

	fz_put_word(buf, 0, FZ_MAGIC);
	fz_put_word(buf, 1, seed);
	fz_put_word(buf, 2, sector);
	fz_put_word(buf, 3, gen);
	for (i = 4; i < FZ_WORDS; i++)
		fz_put_word(buf, i, fz_fill_word(key, i));
}

bool fz_decode_sector(const void *buf, uint64_t *seed, uint64_t *sector,
		      uint64_t *gen)
{
	uint64_t s = fz_word(buf, 1), sec = fz_word(buf, 2), g = fz_word(buf, 3);
	uint64_t key = fz_fill_key(s, sec, g);
	unsigned int i;

	if (fz_word(buf, 0) != FZ_MAGIC)
		return false;
	for (i = 4; i < FZ_WORDS; i++)
		if (fz_word(buf, i) != fz_fill_word(key, i))
			return false;
	*seed = s;
	*sector = sec;
	*gen = g;
	return true;
}

/*
 * Each step is a bijection of the running value for a given word, so two
 * sectors that differ in one word always hash apart; two instructions a
 * word (the model hashes every sector read or written), one fz_mix64() at
 * the end to spread the bits.
 */
uint64_t fz_hash_sector(const void *buf)
{
	uint64_t h = 0x6a09e667f3bcc908ULL;
	unsigned int i;

	for (i = 0; i < FZ_WORDS; i++)
		h = (h ^ fz_word(buf, i)) * 0xbf58476d1ce4e5b9ULL;
	return fz_mix64(h);
}

static uint64_t fz_zero_hash(void)
{
	static const uint8_t zero[FZ_SECTOR_SIZE];

	return fz_hash_sector(zero);
}

/* Whether the request moves data from its pages to the disk. */
static bool fz_req_writes(const struct fz_req *rq)
{
	switch (rq->op) {
	case FZ_OP_WRITE:
		return true;
	case FZ_OP_WRITE_BARRIER:
	case FZ_OP_FLUSH_DISKCACHE:
		return rq->nr_segments != 0;
	case FZ_OP_INDIRECT:
		return rq->indirect_op == FZ_OP_WRITE;
	default:
		return false;
	}
}

static bool fz_span_ok(const struct fz_seg *s)
{
	return s->first_sect <= s->last_sect &&
	       s->last_sect < FZ_SECTORS_PER_PAGE;
}

/* Disk sectors of the well-formed spans of the entries. */
static uint64_t fz_fill_total(const struct fz_req *rq)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < rq->nr_entries; i++)
		if (fz_span_ok(&rq->seg[i]))
			total += rq->seg[i].last_sect + 1 - rq->seg[i].first_sect;
	return total;
}

static bool fz_fills(const struct fz_pageref *ref, const struct fz_req *rq)
{
	return (ref->kind == FZ_PAGE_DATA || ref->kind == FZ_PAGE_RO) &&
	       ref->page < rq->nr_pages;
}

/*
 * Fill request page @page into @buf: every entry that uses it writes its
 * sectors, in order, the last one wins.
 */
static void fz_fill_one(const struct fz_req *rq, uint64_t seed,
			unsigned int page, uint8_t *buf)
{
	uint64_t d = rq->sector;
	unsigned int i, k;

	for (i = 0; i < rq->nr_entries; i++) {
		const struct fz_seg *s = &rq->seg[i];

		if (!fz_span_ok(s))
			continue;
		if (fz_fills(&s->ref, rq) && s->ref.page == page)
			for (k = s->first_sect; k <= s->last_sect; k++)
				fz_fill_sector(buf + k * FZ_SECTOR_SIZE, seed,
					       d + k - s->first_sect,
					       rq->seq + 1);
		d += s->last_sect + 1 - s->first_sect;
	}
}

/*
 * The same for every page at once, and to the same result, but from the
 * last entry back: a page sector already filled is not filled again, so
 * a request whose 4096 entries share 512 pages fills each sector once.
 */
static void fz_fill_all(const struct fz_req *rq, uint64_t seed,
			void *const *pages)
{
	uint8_t done[FZ_MAX_PAGES];	/* sectors filled, a bit each */
	uint64_t d = rq->sector + fz_fill_total(rq);
	unsigned int i, k;

	memset(done, 0, rq->nr_pages < FZ_MAX_PAGES ? rq->nr_pages :
						      FZ_MAX_PAGES);
	for (i = rq->nr_entries; i-- > 0;) {
		const struct fz_seg *s = &rq->seg[i];
		uint8_t *buf;

		if (!fz_span_ok(s))
			continue;
		d -= s->last_sect + 1 - s->first_sect;
		if (!fz_fills(&s->ref, rq) || s->ref.page >= FZ_MAX_PAGES)
			continue;
		buf = pages[s->ref.page];
		for (k = s->first_sect; k <= s->last_sect; k++) {
			if (done[s->ref.page] & (1U << k))
				continue;
			done[s->ref.page] |= 1U << k;
			fz_fill_sector(buf + k * FZ_SECTOR_SIZE, seed,
				       d + k - s->first_sect, rq->seq + 1);
		}
	}
}

void fz_req_fill_page(const struct fz_req *rq, uint64_t seed,
		      unsigned int page, void *buf)
{
	memset(buf, FZ_POISON, FZ_PAGE_SIZE);
	if (fz_req_writes(rq))
		fz_fill_one(rq, seed, page, buf);
}

void fz_req_fill_pages(const struct fz_req *rq, uint64_t seed,
		       void *const *pages)
{
	unsigned int p;

	for (p = 0; p < rq->nr_pages; p++)
		memset(pages[p], FZ_POISON, FZ_PAGE_SIZE);
	if (fz_req_writes(rq))
		fz_fill_all(rq, seed, pages);
}

/* ------------------------------------------------------------------ */
/* Disk model                                                          */
/* ------------------------------------------------------------------ */

int fz_model_init(struct fz_model *m, uint64_t nr_sectors, bool zeroed)
{
	uint64_t zh = fz_zero_hash(), i;

	m->nr_sectors = 0;
	m->sec = NULL;
	if (nr_sectors > FZ_MODEL_MAX_SECTORS)
		return -1;
	m->sec = calloc(nr_sectors ? nr_sectors : 1, sizeof(*m->sec));
	if (!m->sec)
		return -1;
	m->nr_sectors = nr_sectors;
	for (i = 0; i < nr_sectors; i++) {
		m->sec[i].state = zeroed ? FZ_SEC_EXACT : FZ_SEC_UNKNOWN;
		m->sec[i].hash = zeroed ? zh : 0;
	}
	return 0;
}

void fz_model_free(struct fz_model *m)
{
	free(m->sec);
	m->sec = NULL;
	m->nr_sectors = 0;
}

void fz_model_write(struct fz_model *m, uint64_t sector, const void *buf,
		    uint64_t gen)
{
	if (sector >= m->nr_sectors)
		return;
	m->sec[sector].state = FZ_SEC_EXACT;
	m->sec[sector].hash = fz_hash_sector(buf);
	m->sec[sector].gen = gen;
}

/* [sector, sector + nr) clamped to the disk, without wrapping. */
static uint64_t fz_clamp(const struct fz_model *m, uint64_t sector,
			 uint64_t nr)
{
	if (sector >= m->nr_sectors)
		return 0;
	return nr < m->nr_sectors - sector ? nr : m->nr_sectors - sector;
}

/*
 * No "discard zeroes data" promise in the protocol: a discarded sector
 * reads as zeroes or as what it held.
 */
void fz_model_discard(struct fz_model *m, uint64_t sector, uint64_t nr)
{
	uint64_t i, n = fz_clamp(m, sector, nr);

	for (i = 0; i < n; i++)
		if (m->sec[sector + i].state == FZ_SEC_EXACT)
			m->sec[sector + i].state = FZ_SEC_ZERO_OR;
}

void fz_model_forget(struct fz_model *m, uint64_t sector, uint64_t nr)
{
	uint64_t i, n = fz_clamp(m, sector, nr);

	for (i = 0; i < n; i++) {
		m->sec[sector + i].state = FZ_SEC_UNKNOWN;
		m->sec[sector + i].gen = 0;
	}
}

bool fz_model_check(struct fz_model *m, uint64_t sector, const void *buf,
		    struct fz_mismatch *mm)
{
	uint64_t h = fz_hash_sector(buf), seed;
	struct fz_sector *s;

	if (sector >= m->nr_sectors)
		return true;
	s = &m->sec[sector];
	switch (s->state) {
	case FZ_SEC_UNKNOWN:	/* learn it: later reads must agree */
		s->state = FZ_SEC_EXACT;
		s->hash = h;
		return true;
	case FZ_SEC_ZERO_OR:
		if (h == fz_zero_hash())
			return true;
		fallthrough;
	default:
		if (h == s->hash)
			return true;
		break;
	}
	memset(mm, 0, sizeof(*mm));
	mm->sector = sector;
	mm->want_gen = s->gen;
	mm->got_zero = h == fz_zero_hash();
	mm->got_pattern = fz_decode_sector(buf, &seed, &mm->got_sector,
					   &mm->got_gen);
	return false;
}

/* ------------------------------------------------------------------ */
/* Settling                                                            */
/* ------------------------------------------------------------------ */

bool fz_req_span(const struct fz_conn *c, const struct fz_req *rq,
		 uint64_t *sector, uint64_t *nr)
{
	uint64_t n;

	if (rq->op == FZ_OP_DISCARD) {
		n = rq->nr_sectors;
	} else if (rq->op <= FZ_OP_FLUSH_DISKCACHE ||
		   rq->op == FZ_OP_INDIRECT) {
		n = fz_entries_sectors(rq);
	} else {
		return false;
	}
	if (rq->sector >= c->nr_sectors || !n)
		return false;
	*sector = rq->sector;
	*nr = n < c->nr_sectors - rq->sector ? n : c->nr_sectors - rq->sector;
	return true;
}

static unsigned int fz_req_nseg(const struct fz_req *rq)
{
	return rq->nr_segments < rq->nr_entries ? rq->nr_segments :
						  rq->nr_entries;
}

/*
 * How many read segments target each sector of each request page: where
 * more than one does, which of them the page holds is not defined.
 */
static uint8_t (*fz_read_cover(const struct fz_req *rq,
			       unsigned int nseg))[FZ_SECTORS_PER_PAGE]
{
	uint8_t (*cover)[FZ_SECTORS_PER_PAGE];
	unsigned int i, k;

	cover = calloc(rq->nr_pages ? rq->nr_pages : 1, sizeof(*cover));
	if (!cover)
		return NULL;
	for (i = 0; i < nseg; i++) {
		const struct fz_seg *s = &rq->seg[i];

		if (s->ref.kind != FZ_PAGE_DATA || s->ref.page >= rq->nr_pages)
			continue;
		for (k = s->first_sect; k <= s->last_sect; k++)
			if (cover[s->ref.page][k] < 2)
				cover[s->ref.page][k]++;
	}
	return cover;
}

static void fz_settle_read(struct fz_model *m, const struct fz_req *rq,
			   void *const *pages, struct fz_result *res)
{
	uint8_t (*cover)[FZ_SECTORS_PER_PAGE] = NULL;
	unsigned int nseg = fz_req_nseg(rq), i, k;
	uint64_t d = rq->sector;
	struct fz_mismatch mm;

	if (pages)
		cover = fz_read_cover(rq, nseg);
	for (i = 0; i < nseg; i++) {
		const struct fz_seg *s = &rq->seg[i];

		for (k = s->first_sect; k <= s->last_sect; k++, d++) {
			const uint8_t *buf;

			if (s->ref.kind != FZ_PAGE_DATA || !cover ||
			    s->ref.page >= rq->nr_pages ||
			    !pages[s->ref.page] ||
			    cover[s->ref.page][k] > 1) {
				res->unchecked++;
				continue;
			}
			buf = (const uint8_t *)pages[s->ref.page] +
			      k * FZ_SECTOR_SIZE;
			if (fz_model_check(m, d, buf, &mm))
				continue;
			if (!res->bad_sectors)
				res->first = mm;
			res->bad_sectors++;
		}
	}
	free(cover);
}

static void fz_settle_write(struct fz_model *m, const struct fz_req *rq,
			    void *const *pages)
{
	unsigned int nseg = fz_req_nseg(rq), i, k;
	uint64_t d = rq->sector;

	for (i = 0; i < nseg; i++) {
		const struct fz_seg *s = &rq->seg[i];
		bool known = (s->ref.kind == FZ_PAGE_DATA ||
			      s->ref.kind == FZ_PAGE_RO) &&
			     pages && pages[s->ref.page];

		for (k = s->first_sect; k <= s->last_sect; k++, d++) {
			if (known)
				fz_model_write(m, d, (const uint8_t *)
					       pages[s->ref.page] +
					       k * FZ_SECTOR_SIZE,
					       rq->seq + 1);
			else	/* the ring page changes under the backend */
				fz_model_forget(m, d, 1);
		}
	}
}

void fz_settle(struct fz_model *m, const struct fz_conn *c,
	       const struct fz_req *rq, const struct fz_expect *e,
	       uint64_t id, uint8_t op, int16_t status,
	       void *const *pages, struct fz_result *res)
{
	bool expected_okay = e->allow & FZ_ALLOW_OKAY;
	uint64_t sector, nr;

	memset(res, 0, sizeof(*res));
	res->bad_id = id != rq->id;
	res->bad_op = e->raced ? !fz_race_op_ok(rq, op) : op != e->rsp_op;
	res->bad_status = !fz_expect_allows(e, status);

	if (e->raced) {
		/*
		 * It may have written anywhere in the zone, but on a read-only
		 * disk nothing any copy of it says may change the disk: one
		 * checked as a read and done as a write shows there.
		 */
		if (!c->readonly)
			fz_model_forget(m, e->sector, e->nr_sectors);
	} else if (status == FZ_RSP_OKAY && expected_okay) {
		if (e->reads)
			fz_settle_read(m, rq, pages, res);
		else if (e->writes)
			fz_settle_write(m, rq, pages);
		else if (e->discards)
			fz_model_discard(m, e->sector, e->nr_sectors);
	} else if ((status == FZ_RSP_OKAY || expected_okay) &&
		   (fz_req_writes(rq) || rq->op == FZ_OP_DISCARD) &&
		   fz_req_span(c, rq, &sector, &nr)) {
		/*
		 * Acknowledged against the oracle, or failed where it could
		 * have been done: part of it may have reached the disk.
		 * Refused writes the oracle refuses too keep the model: the
		 * data must be unchanged.
		 */
		fz_model_forget(m, sector, nr);
	}
	res->findings = res->bad_id + res->bad_op + res->bad_status +
			(res->bad_sectors ? 1 : 0);
}

void fz_settle_stopped(struct fz_model *m, const struct fz_req *rq,
		       const struct fz_expect *e, struct fz_result *res)
{
	memset(res, 0, sizeof(*res));
	res->bad_status = !(e->allow & FZ_ALLOW_STOP);
	res->bad_id = false;	/* nothing came back for rq->id */
	(void)rq;
	res->findings = res->bad_status;
	/* an unanswered write may or may not have happened */
	if ((e->writes || e->discards || e->raced) && m)
		fz_model_forget(m, e->sector, e->nr_sectors);
}

/* ------------------------------------------------------------------ */
/* Batches                                                             */
/* ------------------------------------------------------------------ */

static bool fz_ref_is_ring(const struct fz_pageref *ref)
{
	return ref->kind == FZ_PAGE_RING;
}

/* Whether any page of @rq is the ring's own grant. */
static bool fz_req_uses_ring(const struct fz_req *rq)
{
	unsigned int i;

	for (i = 0; i < rq->nr_entries; i++)
		if (fz_ref_is_ring(&rq->seg[i].ref))
			return true;
	for (i = 0; i < rq->nr_ind; i++)
		if (fz_ref_is_ring(&rq->ind[i]))
			return true;
	return false;
}

/*
 * The disk span @rq may touch: fz_req_span(), but where a segment is not
 * well formed, as many sectors as its larger end names (a backend that
 * took it anyway would go that far), so that no wrong answer to one
 * request of a batch lands on another.
 */
static bool fz_flight_span(const struct fz_conn *c, const struct fz_req *rq,
			   uint64_t *sector, uint64_t *nr)
{
	uint64_t n = 0;
	unsigned int i;

	if (rq->op == FZ_OP_DISCARD)
		return fz_req_span(c, rq, sector, nr);
	if (rq->op > FZ_OP_FLUSH_DISKCACHE && rq->op != FZ_OP_INDIRECT)
		return false;
	for (i = 0; i < rq->nr_entries; i++) {
		const struct fz_seg *s = &rq->seg[i];

		if (fz_span_ok(s))
			n += s->last_sect + 1 - s->first_sect;
		else
			n += (s->first_sect > s->last_sect ? s->first_sect :
			      s->last_sect) + 1U;
	}
	if (rq->sector >= c->nr_sectors || !n)
		return false;
	*sector = rq->sector;
	*nr = n < c->nr_sectors - rq->sector ? n : c->nr_sectors - rq->sector;
	return true;
}

/* Request pages named read-only, by an entry or as an indirect page. */
static unsigned int fz_req_ro_pages(const struct fz_req *rq)
{
	uint8_t ro[FZ_MAX_PAGES];
	unsigned int i, n = 0;

	memset(ro, 0, sizeof(ro));
	for (i = 0; i < rq->nr_entries; i++)
		if (rq->seg[i].ref.kind == FZ_PAGE_RO &&
		    rq->seg[i].ref.page < rq->nr_pages &&
		    rq->seg[i].ref.page < FZ_MAX_PAGES)
			ro[rq->seg[i].ref.page] = 1;
	for (i = 0; i < rq->nr_ind; i++)
		if (rq->ind[i].kind == FZ_PAGE_RO &&
		    rq->ind[i].page < rq->nr_pages &&
		    rq->ind[i].page < FZ_MAX_PAGES)
			ro[rq->ind[i].page] = 1;
	for (i = 0; i < FZ_MAX_PAGES; i++)
		n += ro[i];
	return n;
}

void fz_flight_of(const struct fz_conn *c, const struct fz_req *rq,
		  const struct fz_expect *e, struct fz_flight *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->id = rq->id;
	fl->alone = rq->ring_action != FZ_RING_NONE || e->stop ||
		    (e->allow & FZ_ALLOW_STOP) || fz_req_uses_ring(rq);
	/*
	 * Whatever the oracle says: a backend that gets it wrong may write
	 * where a refused write or an unknown indirect operation points.
	 */
	fl->changes = !(rq->op == FZ_OP_READ ||
			(rq->op == FZ_OP_INDIRECT &&
			 rq->indirect_op == FZ_OP_READ));
	fl->has_span = fz_flight_span(c, rq, &fl->sector, &fl->nr);
	if (e->raced) {
		/* alone: its rewrites may land on any of its grants' bytes */
		fl->alone = true;
		fl->changes = true;
		fl->has_span = true;
		fl->sector = e->sector;
		fl->nr = e->nr_sectors;
	}
	fl->pages = rq->nr_pages;
	fl->ro_pages = fz_req_ro_pages(rq);
}

bool fz_flight_conflict(const struct fz_flight *a, const struct fz_flight *b)
{
	if (a->alone || b->alone || a->id == b->id)
		return true;
	if (!a->changes && !b->changes)
		return false;
	if (!a->has_span || !b->has_span)
		return false;
	/* spans are clamped to the disk: no sum wraps */
	return a->sector < b->sector + b->nr && b->sector < a->sector + a->nr;
}

static bool fz_flight_conflicts(const struct fz_flight *fl,
				const struct fz_flight *const *win,
				const unsigned int *set, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fz_flight_conflict(win[set[i]], fl))
			return true;
	return false;
}

unsigned int fz_pick_batch(const struct fz_flight *const *win, unsigned int n,
			   unsigned int batch, unsigned int pages,
			   unsigned int ro_pages, unsigned int *order,
			   unsigned int *scratch)
{
	unsigned int i, j, picked = 0, skipped = 0;

	if (!n)
		return 0;
	if (win[0]->alone) {
		for (i = 0; i < n; i++)
			order[i] = i;
		return 1;
	}
	for (i = 0; i < n && picked < batch; i++) {
		const struct fz_flight *fl = win[i];

		if (fl->alone)
			break;
		/* the first goes, whatever it needs: the caller made room */
		if (!i || (fl->pages <= pages && fl->ro_pages <= ro_pages &&
			   !fz_flight_conflicts(fl, win, order, picked) &&
			   !fz_flight_conflicts(fl, win, scratch, skipped))) {
			order[picked++] = i;
			pages -= fl->pages < pages ? fl->pages : pages;
			ro_pages -= fl->ro_pages < ro_pages ? fl->ro_pages :
							      ro_pages;
		} else {
			scratch[skipped++] = i;
		}
	}
	for (j = 0; j < skipped; j++)
		order[picked + j] = scratch[j];
	for (j = picked + skipped; i < n; i++, j++)
		order[j] = i;
	return picked;
}

static bool fz_match_taken(const int *match, unsigned int nreq, unsigned int j)
{
	unsigned int i;

	for (i = 0; i < nreq; i++)
		if (match[i] == (int)j)
			return true;
	return false;
}

void fz_match_responses(const uint64_t *req_id, unsigned int nreq,
			const uint64_t *rsp_id, unsigned int nrsp, int *match)
{
	unsigned int i, j;

	for (i = 0; i < nreq; i++)
		match[i] = -1;
	for (j = 0; j < nrsp; j++) {
		for (i = 0; i < nreq; i++) {
			if (match[i] < 0 && req_id[i] == rsp_id[j]) {
				match[i] = (int)j;
				break;
			}
		}
	}
	/* the strays, in ring order, to the requests left, in batch order */
	i = 0;
	for (j = 0; j < nrsp; j++) {
		if (fz_match_taken(match, nreq, j))
			continue;
		while (i < nreq && match[i] >= 0)
			i++;
		if (i == nreq)
			break;
		match[i] = (int)j;
	}
}

/* ------------------------------------------------------------------ */
/* Several queues                                                      */
/* ------------------------------------------------------------------ */

#define FZ_QUEUES_SALT		0x717565756573ULL	/* "queues" */
#define FZ_RING_SALT		0x72696e67ULL		/* "ring" */

unsigned int fz_queue_count(uint64_t seed, uint64_t tag, unsigned int lo,
			    unsigned int hi)
{
	if (!lo)
		lo = 1;
	if (hi <= lo)
		return lo;
	return lo + (unsigned int)(fz_mix64(seed ^ fz_mix64(tag ^ FZ_QUEUES_SALT)) %
				   (hi - lo + 1));
}

unsigned int fz_ring_of(uint64_t seed, uint64_t seq, unsigned int nr_rings)
{
	if (nr_rings <= 1)
		return 0;
	return (unsigned int)(fz_mix64(fz_mix64(seed ^ FZ_RING_SALT) ^
				       fz_mix64(seq)) % nr_rings);
}
