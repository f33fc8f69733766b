// SPDX-License-Identifier: GPL-2.0
/*
 * Where the fuzzer's oracle and xen-blkback's checks disagree, without a
 * lab: the generator's requests go through validate.c's
 * blkback_check_header() and blkback_check_segments() the way
 * blkback_dispatch() (blkback.c) chains them, with the grant and device
 * steps of blkback.c and grants.c stated by hand below, over a matrix of
 * connections; every status the oracle does not allow is counted under
 * the oracle's rule and the backend's reason.
 *
 *	make -C tests/unit fuzz-diff [FUZZ_COUNT=n] [FUZZ_SEED=s]
 *
 * Not part of `make unit`: a disagreement is a finding to judge (the
 * oracle or the backend may be the one that is wrong), not a regression.
 * Exit status 1 when there is any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../drivers/block/xen-blkback/validate.c"
#include "blkif-fuzz.h"
#include "fuzz_limits.h"

/* Grant references: page i is 1000 + i; the ring 7, a bad one 0xfffff. */
static u32 page_grefs[FZ_GEN_MAX_PAGES];
static u8 page_kind[FZ_GEN_MAX_PAGES];	/* how page i is granted */
static const struct fz_grefs grefs = {
	.page = page_grefs, .ring = 7, .bad = 0xfffff,
};

/*
 * The request as the backend's private copy holds it: ring bytes in the
 * connection's ABI (fz_encode_req()), copied out as blkback_copy_req_*()
 * does; the segments of an indirect request out of its indirect pages
 * (fz_encode_indirect_page()).
 */
static void ring_round_trip(const struct fz_conn *c, const struct fz_req *rq,
			    u8 pad, struct blkif_request *req,
			    struct blkif_request_segment *segs)
{
	static u8 page[FZ_PAGE_SIZE];
	u8 slot[112];
	unsigned int i;

	fz_encode_req(c->abi, rq, &grefs, pad, slot);
	if (c->abi == FZ_ABI_X86_32)
		blkback_copy_req_x86_32(req, (void *)slot);
	else
		blkback_copy_req_x86_64(req, (void *)slot);
	if (rq->op != FZ_OP_INDIRECT) {
		if (rq->op <= FZ_OP_FLUSH_DISKCACHE)
			memcpy(segs, req->u.rw.seg, sizeof(req->u.rw.seg));
		return;
	}
	for (i = 0; i < rq->nr_ind; i++) {
		fz_encode_indirect_page(rq, i, &grefs, page);
		memcpy(segs + i * FZ_SEGS_PER_PAGE, page, sizeof(page));
	}
}

/*
 * blkback_dispatch(), its pure decisions: the refusals of validate.c, a
 * pure flush on a read-only disk answered OKAY, indirect pages mapped
 * (mapping fails for a grant never made; with persistent grants every
 * mapping is writable, grants.c blkback_map_grants()), then the data pages
 * (writable for a read, and for anything with persistent grants).
 */
static s16 backend_status(const struct fz_conn *c, const struct fz_req *rq,
			  u8 pad, const char **why, u8 *rsp_op, u64 *id)
{
	static struct blkif_request_segment segs[FZ_MAX_ENTRIES];
	struct blkback_limits lim = fz_conn_limits(c);
	struct blkback_req_info info;
	struct blkif_request req;
	enum blkback_err err;
	unsigned int i;
	bool write;

	ring_round_trip(c, rq, pad, &req, segs);
	err = blkback_check_header(&req, &lim, &info);
	*rsp_op = info.op;
	*id = info.id;
	*why = blkback_err_name(err);
	if (err)
		return blkback_err_status(err);
	if (info.kind == BLKBACK_KIND_DISCARD)
		return BLKIF_RSP_OKAY;
	if (info.kind == BLKBACK_KIND_FLUSH && lim.readonly) {
		*why = "flush-readonly";
		return BLKIF_RSP_OKAY;
	}
	if (info.indirect) {
		for (i = 0; i < info.nr_indirect_pages; i++) {
			if (i >= rq->nr_ind || rq->ind[i].kind == FZ_PAGE_BAD ||
			    (rq->ind[i].kind == FZ_PAGE_RO && c->persistent)) {
				*why = "grant_map(indirect)";
				return BLKIF_RSP_ERROR;
			}
		}
	}
	if (info.nseg) {
		err = blkback_check_segments(segs, &lim, &info);
		*why = blkback_err_name(err);
		if (err)
			return blkback_err_status(err);
	}
	write = info.kind != BLKBACK_KIND_READ;
	for (i = 0; i < info.nseg; i++) {
		u32 gref = segs[i].gref;
		bool ro = gref >= 1000 && gref < 1000 + rq->nr_pages &&
			  page_kind[gref - 1000] == FZ_PAGE_RO;

		if (gref == grefs.bad || (ro && (!write || c->persistent))) {
			*why = "grant_map";
			return BLKIF_RSP_ERROR;
		}
	}
	*why = "ok";
	return BLKIF_RSP_OKAY;
}

static void note_page_kinds(const struct fz_req *rq)
{
	unsigned int i;

	memset(page_kind, FZ_PAGE_DATA, sizeof(page_kind));
	for (i = 0; i < rq->nr_entries; i++)
		if (rq->seg[i].ref.kind == FZ_PAGE_RO)
			page_kind[rq->seg[i].ref.page] = FZ_PAGE_RO;
	for (i = 0; i < rq->nr_ind; i++)
		if (rq->ind[i].kind == FZ_PAGE_RO)
			page_kind[rq->ind[i].page] = FZ_PAGE_RO;
}

struct tally {
	char key[160];
	unsigned long n;
	char example[200];
};

static struct tally tallies[256];
static unsigned int nr_tallies;

static void count(const char *key, const char *example)
{
	unsigned int i;

	for (i = 0; i < nr_tallies; i++) {
		if (!strcmp(tallies[i].key, key)) {
			tallies[i].n++;
			return;
		}
	}
	if (nr_tallies == 256)
		return;
	snprintf(tallies[nr_tallies].key, sizeof(tallies[0].key), "%s", key);
	snprintf(tallies[nr_tallies].example, sizeof(tallies[0].example), "%s",
		 example);
	tallies[nr_tallies++].n = 1;
}

static const char *status_name(s16 st)
{
	switch (st) {
	case BLKIF_RSP_OKAY:
		return "OKAY";
	case BLKIF_RSP_ERROR:
		return "ERROR";
	case BLKIF_RSP_EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return "?";
	}
}

int main(int argc, char **argv)
{
	const char *cnt = getenv("FUZZ_COUNT"), *sd = getenv("FUZZ_SEED");
	unsigned long n = cnt ? strtoul(cnt, NULL, 0) : 20000, total = 0;
	u64 seed = sd ? strtoull(sd, NULL, 0) : 1;
	static const unsigned int indirect[] = { 0, 32, 256, 512 };
	struct fz_req *rq = calloc(1, sizeof(*rq));
	unsigned int mask, k, i, nconn = 0;
	unsigned long j, bad = 0;

	for (i = 0; i < FZ_GEN_MAX_PAGES; i++)
		page_grefs[i] = 1000 + i;

	for (mask = 0; mask < 64; mask++) {
		for (k = 0; k < 4; k++) {
			struct fz_conn c = {
				.abi = (mask ^ k) & 1 ? FZ_ABI_X86_32 :
							FZ_ABI_X86_64,
				.ring_order = k,
				.max_indirect = indirect[k],
				.nr_sectors = 1 << 18,
				.sector_size = mask & 1 ? 4096 : 512,
				.readonly = mask & 2,
				.persistent = mask & 4,
				.discard = mask & 8,
				.discard_secure = (mask & 8) && (mask & 16),
			};
			struct fz_gen g;

			/* what our backend offers: flush only on rw disks */
			c.flush = !c.readonly && (mask & 32);
			c.barrier = c.flush;
			fz_gen_init(&g, &c, seed + nconn++);
			for (j = 0; j < n; j++) {
				char key[160], ex[200];
				struct fz_expect e;
				const char *why;
				u8 rsp_op;
				u64 id;
				s16 st;

				fz_gen_next(&g, rq);
				fz_oracle(&c, rq, &e);
				note_page_kinds(rq);
				st = backend_status(&c, rq, mask & 2 ? 0xff : 0,
						    &why, &rsp_op, &id);
				total++;
				/* a raced request, played here without rewrites */
				if (fz_expect_allows(&e, st) && id == rq->id &&
				    (e.raced ? fz_race_op_ok(rq, rsp_op) :
					       rsp_op == e.rsp_op))
					continue;
				bad++;
				snprintf(key, sizeof(key),
					 "oracle %s (%s) / validate %s (%s)%s%s",
					 e.rule, status_name(e.status),
					 status_name(st), why,
					 rsp_op == e.rsp_op ? "" : " rsp op",
					 id == rq->id ? "" : " id");
				snprintf(ex, sizeof(ex),
					 "cat %s op %u/%u nseg %u sector %llu nr %llu flag %u; %s%s%s%s, seed %llu seq %llu",
					 fz_cat_name(rq->cat), rq->op,
					 rq->indirect_op, rq->nr_segments,
					 (unsigned long long)rq->sector,
					 (unsigned long long)rq->nr_sectors,
					 rq->discard_flag,
					 c.readonly ? "ro" : "rw",
					 c.discard ? " discard" : "",
					 c.discard_secure ? " secure" : "",
					 c.flush ? " flush" : "",
					 (unsigned long long)g.seed,
					 (unsigned long long)rq->seq);
				count(key, ex);
			}
		}
	}
	printf("fuzz-diff: %lu requests over %u connections, %lu disagreements\n",
	       total, nconn, bad);
	for (i = 0; i < nr_tallies; i++)
		printf("%8lu  %s\n          e.g. %s\n", tallies[i].n,
		       tallies[i].key, tallies[i].example);
	free(rq);
	(void)argc;
	(void)argv;
	return bad ? 1 : 0;
}
