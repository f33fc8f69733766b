// SPDX-License-Identifier: GPL-2.0
/*
 * The raced requests of the hostile-frontend fuzzer (blkif-fuzz.h, Races)
 * against xen-blkback's own checks (validate.c): a backend that copies a
 * request once and checks the copy must never be led by the fuzzer's
 * rewrites outside the race zone or the request's own grants, or the
 * fuzzer's model would blame it for what it was asked to do.  Each raced
 * request is laid out, rewritten a few hundred times by fz_race_next(), and
 * copies of it torn byte by byte between its states go through
 * blkback_copy_req_*(), blkback_check_header() and
 * blkback_check_segments() as blkback_dispatch() chains them: whatever they
 * accept must start and end in the zone, name the request's own grants (or
 * grants no table holds, which fail to map) and keep the request's id.
 *
 * Host only, like test_blkif_fuzz.c; the fuzzer core is linked in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../drivers/block/xen-blkback/validate.c"
#include "blkif-fuzz.h"
#include "fuzz_limits.h"
#include "unit.h"

#define RV_STATES	4	/* states a torn copy mixes */
#define RV_WRITES	201	/* rewrites between states: odd, one field off */
#define RV_GREF0	1000	/* request page i: grant RV_GREF0 + i */

static u32 rv_grefs[FZ_GEN_MAX_PAGES];

/* The slot and the indirect pages in each state, and a torn mix of them. */
struct rv_state {
	u8 slot[112];
	u8 ind[FZ_MAX_INDIRECT_PAGES][FZ_PAGE_SIZE];
};

static struct rv_state rv_states[RV_STATES], rv_torn;

static void rv_apply(struct rv_state *st, struct fz_race *rc,
		     const struct fz_race_write *w)
{
	u8 *p = w->where == FZ_RACE_IND ? st->ind[w->page] : st->slot;
	unsigned int i;

	for (i = 0; i < w->len; i++)
		p[w->off + i] = (u8)(w->value >> (8 * i));
	if (w->where == FZ_RACE_WORD0)
		rc->word0 = (u32)w->value;
}

static void rv_tear(struct fz_rng *r, size_t slot_size)
{
	unsigned int i, j;

	for (i = 0; i < slot_size; i++)
		rv_torn.slot[i] = rv_states[fz_below(r, RV_STATES)].slot[i];
	for (j = 0; j < FZ_MAX_INDIRECT_PAGES; j++)
		for (i = 0; i < FZ_PAGE_SIZE; i++)
			rv_torn.ind[j][i] =
				rv_states[fz_below(r, RV_STATES)].ind[j][i];
}

/* A grant the backend may map for this request: its own, or none at all. */
static bool rv_gref_ok(const struct fz_req *rq, u32 gref)
{
	return (gref >= RV_GREF0 && gref < RV_GREF0 + rq->nr_pages) ||
	       gref >> 24;
}

struct rv_count {
	unsigned int checked, accepted, outside, foreign, bad_id, bad_op;
};

/* One torn copy through the backend's checks. */
static void rv_check(const struct fz_conn *c, const struct fz_req *rq,
		     struct rv_count *n)
{
	static struct blkif_request_segment segs[FZ_MAX_ENTRIES];
	struct blkback_limits lim = fz_conn_limits(c);
	struct blkback_req_info info;
	struct blkif_request req;
	u64 zs, zn;
	unsigned int i;

	fz_race_zone(c, &zs, &zn);
	if (c->abi == FZ_ABI_X86_32)
		blkback_copy_req_x86_32(&req, (void *)rv_torn.slot);
	else
		blkback_copy_req_x86_64(&req, (void *)rv_torn.slot);
	n->checked++;
	if (blkback_check_header(&req, &lim, &info))
		return;
	n->bad_id += info.id != rq->id;
	n->bad_op += !fz_race_op_ok(rq, info.op);
	if (info.indirect) {
		for (i = 0; i < info.nr_indirect_pages; i++)
			n->foreign += !rv_gref_ok(rq,
					req.u.indirect.indirect_grefs[i]);
		for (i = 0; i < info.nr_indirect_pages; i++)
			memcpy(segs + i * FZ_SEGS_PER_PAGE, rv_torn.ind[i],
			       FZ_PAGE_SIZE);
	} else if (info.kind != BLKBACK_KIND_DISCARD) {
		memcpy(segs, req.u.rw.seg, sizeof(req.u.rw.seg));
	}
	if (info.nseg && blkback_check_segments(segs, &lim, &info))
		return;
	n->accepted++;
	for (i = 0; i < info.nseg; i++)
		n->foreign += !rv_gref_ok(rq, segs[i].gref);
	if (info.nr_sectors)
		n->outside += info.sector < zs ||
			      info.sector + info.nr_sectors > zs + zn;
}

static void rv_run(struct kunit *test, const struct fz_conn *c, u64 seed)
{
	struct fz_grefs g = { .page = rv_grefs, .ring = 7, .bad = 0xfffff };
	size_t slot_size = fz_req_slot_size(c->abi);
	struct fz_req *rq = calloc(1, sizeof(*rq));
	struct rv_count n = { 0 };
	struct fz_race_write w;
	unsigned int i, k, t;
	struct fz_race rc;
	struct fz_rng r;
	struct fz_gen gen;

	if (!rq)
		abort();
	fz_rng_seed(&r, seed);
	fz_gen_init(&gen, c, seed);
	fz_gen_set_race(&gen, 1);
	for (i = 0; i < 40; i++) {
		fz_gen_at(&gen, i, rq);
		memset(&rv_states[0], 0, sizeof(rv_states[0]));
		fz_encode_req(c->abi, rq, &g, 0, rv_states[0].slot);
		for (k = 0; k < rq->nr_ind; k++)
			fz_encode_indirect_page(rq, k, &g, rv_states[0].ind[k]);
		fz_race_start(&rc, c, rq, &g, seed, rv_states[0].slot);
		for (k = 1; k < RV_STATES; k++) {
			rv_states[k] = rv_states[k - 1];
			for (t = 0; t < RV_WRITES; t++) {
				fz_race_next(&rc, &w);
				rv_apply(&rv_states[k], &rc, &w);
			}
		}
		for (t = 0; t < 50; t++) {
			rv_tear(&r, slot_size);
			rv_check(c, rq, &n);
		}
	}
	UNIT_EQ(n.outside, 0);
	UNIT_EQ(n.foreign, 0);
	UNIT_EQ(n.bad_id, 0);
	UNIT_EQ(n.bad_op, 0);
	/* not vacuous: some torn copies are requests the backend serves */
	UNIT_CHECK(n.accepted > n.checked / 50);
	printf("  %s %s %u sectors: %u torn copies, %u accepted\n",
	       c->abi == FZ_ABI_X86_32 ? "x86_32" : "x86_64",
	       c->max_indirect ? "indirect" : "direct",
	       (unsigned int)c->nr_sectors, n.checked, n.accepted);
	free(rq);
}

static void race_torn_copies_stay_in_the_zone(struct kunit *test)
{
	unsigned int k, i;

	for (i = 0; i < FZ_GEN_MAX_PAGES; i++)
		rv_grefs[i] = RV_GREF0 + i;
	for (k = 0; k < 8; k++) {
		struct fz_conn c = {
			.abi = k & 1 ? FZ_ABI_X86_32 : FZ_ABI_X86_64,
			.max_indirect = k & 2 ? 0 : BLKBACK_MAX_INDIRECT_SEGMENTS,
			.nr_sectors = k & 4 ? 32768 : 40000,
			.sector_size = k == 5 ? 4096 : 512,
			.readonly = k == 6,
			.flush = true,
			.barrier = true,
			.discard = true,
			.discard_secure = k & 1,
		};

		rv_run(test, &c, 70 + k);
	}
}

static struct kunit_case blkif_race_validate_cases[] = {
	KUNIT_CASE(race_torn_copies_stay_in_the_zone),
	{}
};

UNIT_SUITE(blkif_race_validate, blkif_race_validate_cases);
