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

/* The native request validate.c checks, from a description. */
static void encode(const struct fz_req *rq, struct blkif_request *req)
{
	unsigned int i;

	memset(req, 0, sizeof(*req));
	req->operation = rq->op;
	switch (rq->op) {
	case BLKIF_OP_DISCARD:
		req->u.discard.flag = rq->discard_flag;
		req->u.discard.id = rq->id;
		req->u.discard.sector_number = rq->sector;
		req->u.discard.nr_sectors = rq->nr_sectors;
		break;
	case BLKIF_OP_INDIRECT:
		req->u.indirect.indirect_op = rq->indirect_op;
		req->u.indirect.nr_segments = rq->nr_segments;
		req->u.indirect.id = rq->id;
		req->u.indirect.sector_number = rq->sector;
		req->u.indirect.handle = rq->handle;
		for (i = 0; i < rq->nr_ind; i++)
			req->u.indirect.indirect_grefs[i] = 100 + i;
		break;
	default:
		req->u.rw.nr_segments = (u8)rq->nr_segments;
		req->u.rw.handle = rq->handle;
		req->u.rw.id = rq->id;
		req->u.rw.sector_number = rq->sector;
		for (i = 0; i < rq->nr_entries && i < 11; i++) {
			req->u.rw.seg[i].gref = 1000 + rq->seg[i].ref.page;
			req->u.rw.seg[i].first_sect = rq->seg[i].first_sect;
			req->u.rw.seg[i].last_sect = rq->seg[i].last_sect;
		}
		break;
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
			  const char **why, u8 *rsp_op)
{
	static struct blkif_request_segment segs[FZ_MAX_ENTRIES];
	struct blkback_limits lim = {
		.nr_sectors = c->nr_sectors,
		.lbs_sectors = c->sector_size / 512,
		.max_indirect_segs = c->max_indirect,
		.readonly = c->readonly,
		.discard = c->discard,
		.discard_secure = c->discard_secure,
	};
	struct blkback_req_info info;
	struct blkif_request req;
	enum blkback_err err;
	unsigned int i;
	bool write;

	encode(rq, &req);
	err = blkback_check_header(&req, &lim, &info);
	*rsp_op = info.op;
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
	for (i = 0; i < info.nseg; i++) {
		segs[i].gref = 1000 + rq->seg[i].ref.page;
		segs[i].first_sect = rq->seg[i].first_sect;
		segs[i].last_sect = rq->seg[i].last_sect;
	}
	if (info.nseg) {
		err = blkback_check_segments(segs, &lim, &info);
		*why = blkback_err_name(err);
		if (err)
			return blkback_err_status(err);
	}
	write = info.kind != BLKBACK_KIND_READ;
	for (i = 0; i < info.nseg; i++) {
		u8 kind = rq->seg[i].ref.kind;

		if (kind == FZ_PAGE_BAD ||
		    (kind == FZ_PAGE_RO && (!write || c->persistent))) {
			*why = "grant_map";
			return BLKIF_RSP_ERROR;
		}
	}
	*why = "ok";
	return BLKIF_RSP_OKAY;
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
	uint64_t seed = sd ? strtoull(sd, NULL, 0) : 1;
	static const unsigned int indirect[] = { 0, 32, 256, 512 };
	struct fz_req *rq = calloc(1, sizeof(*rq));
	unsigned int mask, k, i, nconn = 0;
	unsigned long j, bad = 0;

	for (mask = 0; mask < 64; mask++) {
		for (k = 0; k < 4; k++) {
			struct fz_conn c = {
				.abi = FZ_ABI_X86_64,
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
			c.flush = c.barrier = !c.readonly && (mask & 32);
			fz_gen_init(&g, &c, seed + nconn++);
			for (j = 0; j < n; j++) {
				char key[160], ex[200];
				struct fz_expect e;
				const char *why;
				u8 rsp_op;
				s16 st;

				fz_gen_next(&g, rq);
				fz_oracle(&c, rq, &e);
				st = backend_status(&c, rq, &why, &rsp_op);
				total++;
				if (fz_expect_allows(&e, st) && rsp_op == e.rsp_op)
					continue;
				bad++;
				snprintf(key, sizeof(key),
					 "oracle %s (%s) / validate %s (%s)%s",
					 e.rule, status_name(e.status),
					 status_name(st), why,
					 rsp_op == e.rsp_op ? "" : " rsp op");
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
