// SPDX-License-Identifier: GPL-2.0
/*
 * Several queues in the hostile-frontend fuzzer (tests/lab/tools/
 * blkif-fuzzfront.c, -q): which ring a request goes on depends only on
 * the seed, its index and the number of rings; with one ring the fuzzer
 * lays out, byte for byte, the batches it laid out before it had queues;
 * with several it lays out the same requests in the same batches, each on
 * its ring; and each ring's answers are matched to that ring's requests
 * only.
 *
 * The program is #included (its main() renamed) and driven on rings in
 * memory, without Xen: up to the ring (the batches picked and laid out
 * as ff_run() and ff_play_batch() do), and whole, ff_run() against a
 * backend of a few lines that serves honest reads and writes from a disk
 * in memory when the fuzzer notifies a ring (its ioctl() is the test's);
 * and the XenStore keys it writes for its rings (its system(), which runs
 * xenstore-write, is the test's too).
 * Host only: built and run by `make -C tests/unit host`; not a KUnit suite.
 */
#include <stdlib.h>
#include <sys/ioctl.h>

static int fq_ioctl(int fd, unsigned long req, void *arg);
static int fq_system(const char *cmd);

#define ioctl fq_ioctl
#define system fq_system
#define main fuzzfront_main
#include "blkif-fuzzfront.c"
#undef main
#undef system
#undef ioctl

#include "shim/linux/types.h"	/* u8 ... u64, after the program's own */
#include "unit.h"

/* Largest ring: order 4, 512 slots of at most 112 bytes. */
#define FQ_RING_BYTES	(FF_RING_HEADER + (32U << FF_MAX_RING_ORDER) * 112)
#define FQ_REQUESTS	2000

/* A connection as the scenario makes them, over a 16 MiB disk. */
struct fq_conf {
	u64 seed;
	enum fz_abi abi;
	unsigned int order;
	unsigned int sector_size;
	bool readonly;
	/*
	 * What the same walk gave on main at b98640d, before queues: the
	 * hash of every slot laid out, the grants and contents of the
	 * request pages and the batch sizes; and the number of batches.
	 */
	u64 hash;
	unsigned int batches;
};

static const struct fq_conf fq_confs[] = {
	{ 1, FZ_ABI_X86_64, 0, 512, false, 0xafcb430e0aef6de6ULL, 366 },
	{ 2, FZ_ABI_X86_32, 3, 4096, false, 0x2048905d9e1fcc3aULL, 422 },
	{ 0xdeadbeef, FZ_ABI_X86_64, 1, 512, true, 0x0fd64746aeca5925ULL, 291 },
};

/* What a walk saw. */
struct fq_walk {
	u64 hash;		/* as fq_conf.hash, with one ring */
	u64 plan;		/* the batches: each request's index, each size */
	unsigned int batches;
	unsigned int wrong_ring;	/* requests not on fz_ring_of()'s ring */
	unsigned long long on_ring[FF_MAX_QUEUES];
};

static u64 fq_hash(u64 h, const void *p, size_t n)
{
	const u8 *b = p;
	u64 w;

	while (n >= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 31;
		b += 8;
		n -= 8;
	}
	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static struct ff *fq_setup(const struct fq_conf *c, unsigned int nr_rings)
{
	struct ff *f = calloc(1, sizeof(*f));
	unsigned int i;

	if (!f)
		abort();
	f->gfd = -1;
	f->efd = -1;
	f->seed = c->seed;
	f->abi = c->abi;
	f->order = c->order;
	f->nslots = 32U << c->order;
	f->req_size = fz_req_slot_size(c->abi);
	f->batch = FF_BATCH_DEFAULT;
	f->race_one_in = FZ_RACE_ONE_IN;
	if (f->batch > f->nslots)
		f->batch = f->nslots;
	ff_alloc_batch(f);
	f->nr_rings = nr_rings;
	for (i = 0; i < nr_rings; i++) {
		f->rings[i].sring = calloc(1, FQ_RING_BYTES);
		if (!f->rings[i].sring)
			abort();
		/* the first ring's grant as the walk on main had it */
		f->rings[i].gref[0] = 0x77 + 0x100 * i;
	}
	f->pool = malloc((size_t)FF_POOL_PAGES * PAGE_SIZE);
	f->ro = malloc((size_t)FF_RO_PAGES * PAGE_SIZE);
	if (!f->pool || !f->ro)
		abort();
	for (i = 0; i < FF_POOL_PAGES; i++)
		f->pool_gref[i] = 0x1000 + i;
	for (i = 0; i < FF_RO_PAGES; i++)
		f->ro_gref[i] = 0x2000 + i;
	f->conn.abi = c->abi;
	f->conn.ring_order = c->order;
	f->conn.max_indirect = 32;
	f->conn.nr_sectors = 32768;
	f->conn.sector_size = c->sector_size;
	f->conn.readonly = c->readonly;
	f->conn.flush = true;
	f->conn.barrier = true;
	f->conn.discard = !c->readonly;
	fz_gen_init(&f->gen, &f->conn, c->seed);
	fz_gen_set_race(&f->gen, f->race_one_in);
	f->cats = f->cat;
	return f;
}

static void fq_free(struct ff *f)
{
	unsigned int i;

	for (i = 0; i < f->nr_rings; i++)
		free(f->rings[i].sring);
	free(f->pool);
	free(f->ro);
	ff_free_batch(f);
	free(f);
}

/*
 * Requests 0 .. FQ_REQUESTS - 1 of @c's stream on @nr_rings rings, picked
 * and laid out batch by batch as the fuzzer does, every batch answered at
 * once (the rings' indices move on as if it were).
 */
static void fq_walk(const struct fq_conf *c, unsigned int nr_rings,
		    struct fq_walk *w)
{
	struct ff *f = fq_setup(c, nr_rings);
	unsigned int i, n, p, pos[FF_MAX_QUEUES];
	struct ff_ring *rg;
	struct ff_req *r;
	u64 next = 0;

	memset(w, 0, sizeof(*w));
	w->hash = 0xcbf29ce484222325ULL;
	w->plan = 0xcbf29ce484222325ULL;
	for (;;) {
		while (f->queued < f->window && next < FQ_REQUESTS)
			if (ff_next(f, &f->gen, next++, f->req[f->queued]))
				f->queued++;
		if (!f->queued)
			break;
		n = ff_pick(f);
		ff_lay_out_batch(f, n);
		memset(pos, 0, sizeof(pos));
		for (i = 0; i < n; i++) {
			r = f->req[i];
			rg = &f->rings[r->ring];
			w->wrong_ring += r->ring !=
					 fz_ring_of(c->seed, r->rq.seq, nr_rings);
			w->on_ring[r->ring]++;
			w->hash = fq_hash(w->hash,
					  ff_slot(f, rg, rg->req_prod + pos[r->ring]++),
					  f->req_size);
			for (p = 0; p < r->rq.nr_pages; p++) {
				w->hash = fq_hash(w->hash, &r->page_gref[p], 4);
				w->hash = fq_hash(w->hash, r->pages[p], PAGE_SIZE);
			}
			w->plan = fq_hash(w->plan, &r->rq.seq, 8);
		}
		for (i = 0; i < nr_rings; i++) {
			UNIT_EQ(pos[i], f->rings[i].n);
			f->rings[i].req_prod += f->rings[i].n;
		}
		w->hash = fq_hash(w->hash, &n, sizeof(n));
		w->plan = fq_hash(w->plan, &n, sizeof(n));
		f->pool_used = 0;
		f->ro_used = 0;
		ff_drop(f, n);
		w->batches++;
	}
	fq_free(f);
}

static void one_queue_lays_out_what_it_did(struct kunit *test)
{
	struct fq_walk w;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fq_confs); i++) {
		fq_walk(&fq_confs[i], 1, &w);
		UNIT_EQ(w.hash, fq_confs[i].hash);
		UNIT_EQ(w.batches, fq_confs[i].batches);
		UNIT_EQ(w.wrong_ring, 0);
		UNIT_EQ(w.on_ring[0], FQ_REQUESTS);
	}
}

static void queues_play_the_same_batches(struct kunit *test)
{
	struct fq_walk one, w;
	unsigned int i, q, k;

	for (i = 0; i < ARRAY_SIZE(fq_confs); i++) {
		fq_walk(&fq_confs[i], 1, &one);
		for (q = 2; q <= FF_MAX_QUEUES; q++) {
			fq_walk(&fq_confs[i], q, &w);
			UNIT_EQ(w.plan, one.plan);
			UNIT_EQ(w.batches, one.batches);
			UNIT_EQ(w.wrong_ring, 0);
			/* every ring has its share, give or take */
			for (k = 0; k < q; k++)
				UNIT_CHECK(w.on_ring[k] * q > FQ_REQUESTS * 8 / 10 &&
					   w.on_ring[k] * q < FQ_REQUESTS * 12 / 10);
		}
	}
}

static void spreading_depends_on_seed_and_index_only(struct kunit *test)
{
	unsigned int q, diff_seed = 0, bad = 0, hist[4] = { 0 };
	u64 seq;

	for (seq = 0; seq < 10000; seq++) {
		bad += fz_ring_of(1, seq, 1) != 0 || fz_ring_of(1, seq, 0) != 0;
		for (q = 2; q <= 4; q++) {
			bad += fz_ring_of(1, seq, q) >= q;
			bad += fz_ring_of(1, seq, q) != fz_ring_of(1, seq, q);
		}
		diff_seed += fz_ring_of(1, seq, 4) != fz_ring_of(2, seq, 4);
		hist[fz_ring_of(7, seq, 4)]++;
	}
	UNIT_EQ(bad, 0);
	/* another seed, another spread (3 in 4 differ for unrelated draws) */
	UNIT_CHECK(diff_seed > 6000 && diff_seed < 9000);
	for (q = 0; q < 4; q++)
		UNIT_CHECK(hist[q] > 2300 && hist[q] < 2700);
}

static void queue_count_within_asked_and_offered(struct kunit *test)
{
	unsigned int lo, hi, n, seen[5] = { 0 }, bad = 0;
	u64 seed, tag;

	for (seed = 0; seed < 200; seed++) {
		for (tag = 0; tag < 8; tag++) {
			for (lo = 1; lo <= 4; lo++) {
				for (hi = lo; hi <= 4; hi++) {
					n = fz_queue_count(seed, tag, lo, hi);
					bad += n < lo || n > hi;
					bad += n != fz_queue_count(seed, tag,
								   lo, hi);
				}
			}
			n = fz_queue_count(seed, tag, 1, 4);
			seen[n]++;
		}
	}
	UNIT_EQ(bad, 0);
	UNIT_EQ(fz_queue_count(5, 1, 3, 3), 3);
	UNIT_EQ(fz_queue_count(5, 1, 3, 2), 3);
	UNIT_EQ(fz_queue_count(5, 1, 0, 0), 1);
	for (n = 1; n <= 4; n++)
		UNIT_CHECK(seen[n] > 300);
}

/*
 * What make fuzz plays with seed 1 and -q 1-4 against an offer of 4: the
 * draw of each of the scenario's six connections (ABI, ring order, -p),
 * as the fuzzer makes it (ff_queues()).  Several have more than one
 * queue; none more than the fuzzer can grant rings for, nor than -q and
 * the offer allow.
 */
static void scenario_seed_one_has_several_queues(struct kunit *test)
{
	static const struct {
		enum fz_abi abi;
		unsigned int order, persistent;
	} scen[] = {
		{ FZ_ABI_X86_64, 0, 0 }, { FZ_ABI_X86_32, 0, 1 },
		{ FZ_ABI_X86_64, 2, 1 }, { FZ_ABI_X86_32, 3, 0 },
		{ FZ_ABI_X86_64, 1, 1 }, { FZ_ABI_X86_64, 4, 1 },
	};
	struct ff f = { .seed = 1, .queues_lo = 1, .queues_hi = 4 };
	unsigned int i, n, several = 0;

	printf("  seed 1, -q 1-4:");
	for (i = 0; i < ARRAY_SIZE(scen); i++) {
		f.abi = scen[i].abi;
		f.order = scen[i].order;
		f.want_persistent = scen[i].persistent;
		n = ff_queues(&f, 4);
		printf(" %u", n);
		several += n > 1;
		UNIT_CHECK(n >= 1 && n <= 4);
		UNIT_CHECK(n << scen[i].order <= FF_MAX_RING_PAGES);
		/* an offer of 2 cuts the draw down, lo 1 still plays */
		UNIT_CHECK(ff_queues(&f, 2) >= 1 && ff_queues(&f, 2) <= 2);
		UNIT_EQ(ff_queues(&f, 1), 1);
	}
	printf("\n");
	UNIT_CHECK(several >= 2);
	/* asked for more than the fuzzer can grant: it cannot run */
	f.order = 4;
	f.queues_lo = 4;
	UNIT_EQ(ff_queues(&f, 4), 0);
	f.queues_lo = 3;
	UNIT_EQ(ff_queues(&f, 2), 0);
	/* one queue asked: one queue, whatever the offer */
	f.queues_lo = 1;
	f.queues_hi = 1;
	UNIT_EQ(ff_queues(&f, 4), 1);
}

/* Ring @rg answers: response @k has id @id. */
static void fq_answer(struct ff *f, struct ff_ring *rg, unsigned int k,
		      u64 id)
{
	u8 *slot = ff_slot(f, rg, rg->rsp_cons + k);

	memset(slot, 0, 16);
	memcpy(slot, &id, 8);
	slot[8] = FZ_OP_READ;
}

static void each_ring_answers_its_own(struct kunit *test)
{
	struct ff *f = fq_setup(&fq_confs[0], 3);
	unsigned int i, n, k, on[FF_MAX_QUEUES] = { 0 };
	struct ff_ring *rg;
	u64 next = 0;

	while (f->queued < f->window)
		if (ff_next(f, &f->gen, next++, f->req[f->queued]))
			f->queued++;
	/* a batch over the three rings */
	do {
		n = ff_pick(f);
		if (n < 6) {
			ff_drop(f, n);
			f->pool_used = 0;
			f->ro_used = 0;
			while (f->queued < f->window)
				if (ff_next(f, &f->gen, next++,
					    f->req[f->queued]))
					f->queued++;
		}
	} while (n < 6);
	ff_lay_out_batch(f, n);
	for (i = 0; i < n; i++)
		on[f->req[i]->ring]++;
	for (k = 0; k < 3; k++)
		UNIT_EQ(f->rings[k].n, on[k]);
	UNIT_CHECK(on[0] && on[1] && on[2]);

	/*
	 * Rings 0 and 1 answer theirs in reverse order; ring 2 answers its
	 * first request with the id of ring 0's first, then the others.
	 */
	for (k = 0; k < 3; k++) {
		rg = &f->rings[k];
		for (i = 0; i < rg->n; i++) {
			unsigned int j = k < 2 ? rg->n - 1 - i : i;
			u64 id = f->req[rg->idx[j]]->rq.id;

			if (k == 2 && !i)
				id = f->req[f->rings[0].idx[0]]->rq.id;
			fq_answer(f, rg, i, id);
		}
		store_release(FF_RSP_PROD(rg), rg->rsp_cons + rg->n);
		rg->req_prod += rg->n;
	}
	for (k = 0; k < 3; k++) {
		rg = &f->rings[k];
		UNIT_CHECK(ff_take(f, rg));
		UNIT_EQ(rg->got, rg->n);
		ff_match_ring(f, rg);
	}
	for (i = 0; i < n; i++) {
		const struct ff_req *r = f->req[i];
		bool stolen = r == f->req[f->rings[2].idx[0]];

		UNIT_CHECK(f->answer[i]);
		if (!f->answer[i])
			continue;
		/* an answer comes from the request's own ring */
		UNIT_CHECK(f->answer[i] >= f->rings[r->ring].rsp &&
			   f->answer[i] < f->rings[r->ring].rsp + FF_MAX_BATCH);
		/* ring 2's first request got the stray: a wrong id */
		if (stolen)
			UNIT_CHECK(f->answer[i]->id != r->rq.id);
		else
			UNIT_EQ(f->answer[i]->id, r->rq.id);
	}
	/* nothing more on any ring: no invented answer */
	for (k = 0; k < 3; k++)
		UNIT_EQ(load_acquire(FF_RSP_PROD(&f->rings[k])),
			f->rings[k].rsp_cons);
	fq_free(f);
}

/* ------------------------------------------------------------------ */
/* The whole fuzzer against a backend in memory                        */
/* ------------------------------------------------------------------ */

#define FQ_DISK_SECTORS	32768
#define FQ_PORT		10

/* The backend: the fuzzer it serves, its disk, each ring's indices. */
static struct ff *fq_f;
static u8 *fq_disk;
static u32 fq_req_cons[FF_MAX_QUEUES], fq_rsp_prod[FF_MAX_QUEUES];
/* a lying backend: ring 1's answers go on ring 2 */
static bool fq_misroute;

static u8 *fq_page(struct ff *f, u32 gref)
{
	if (gref >= 0x1000 && gref < 0x1000 + FF_POOL_PAGES)
		return f->pool + (size_t)(gref - 0x1000) * PAGE_SIZE;
	if (gref >= 0x2000 && gref < 0x2000 + FF_RO_PAGES)
		return f->ro + (size_t)(gref - 0x2000) * PAGE_SIZE;
	return NULL;
}

/* One direct read or write: its status. */
static s16 fq_rw(struct ff *f, const u8 *slot, size_t idoff)
{
	u8 op = slot[0], nseg = slot[1];
	const u8 *seg = slot + idoff + 16;
	unsigned int k, first, last, nr;
	u64 sector;
	u32 gref;
	u8 *page;

	if ((op != FZ_OP_READ && op != FZ_OP_WRITE) || !nseg ||
	    nseg > FZ_MAX_DIRECT_SEGS)
		return FZ_RSP_EOPNOTSUPP;
	memcpy(&sector, slot + idoff + 8, 8);
	for (k = 0; k < nseg; k++, seg += 8) {
		memcpy(&gref, seg, 4);
		first = seg[4];
		last = seg[5];
		page = fq_page(f, gref);
		nr = last - first + 1;
		if (!page || first > last || last > 7 ||
		    sector + nr > FQ_DISK_SECTORS)
			return FZ_RSP_ERROR;
		if (op == FZ_OP_WRITE)
			memcpy(fq_disk + sector * 512, page + first * 512,
			       nr * 512);
		else
			memcpy(page + first * 512, fq_disk + sector * 512,
			       nr * 512);
		sector += nr;
	}
	return FZ_RSP_OKAY;
}

/*
 * Every request waiting on ring @ri, answered.  Each is copied out of its
 * slot once and the copy served, as a backend must: the fuzzer's racer
 * may be rewriting the slot meanwhile.
 */
static void fq_serve(struct ff *f, unsigned int ri)
{
	struct ff_ring *rg = &f->rings[ri], *out;
	size_t idoff = f->abi == FZ_ABI_X86_64 ? 8 : 4;
	u32 prod = load_acquire(FF_REQ_PROD(rg));
	unsigned int to, k;
	u8 req[112], *slot, op;
	s16 status;
	u64 id;

	while (fq_req_cons[ri] != prod) {
		slot = ff_slot(f, rg, fq_req_cons[ri]++);
		for (k = 0; k < f->req_size; k++)
			req[k] = __atomic_load_n(&slot[k], __ATOMIC_RELAXED);
		op = req[0];
		memcpy(&id, req + idoff, 8);
		status = fq_rw(f, req, idoff);
		to = fq_misroute && ri == 1 ? 2 : ri;
		out = &f->rings[to];
		slot = ff_slot(f, out, fq_rsp_prod[to]++);
		memset(slot, 0, 16);
		memcpy(slot, &id, 8);
		slot[8] = op;
		memcpy(slot + 10, &status, 2);
		store_release(FF_RSP_PROD(out), fq_rsp_prod[to]);
	}
}

/* The fuzzer's ioctl(): a notification serves its ring at once. */
static int fq_ioctl(int fd, unsigned long req, void *arg)
{
	const struct ioctl_evtchn_notify *n = arg;
	unsigned int i;

	if (req != IOCTL_EVTCHN_NOTIFY || !fq_f) {
		errno = ENOTTY;
		return -1;
	}
	for (i = 0; i < fq_f->nr_rings; i++)
		if (fq_f->rings[i].port == n->port)
			fq_serve(fq_f, i);
	return 0;
}

/*
 * The fuzzer on @nr_rings rings of @c's connection, honest reads and
 * writes only (what the backend in memory serves), against a zeroed disk.
 */
static struct ff *fq_start(const struct fq_conf *c, unsigned int nr_rings)
{
	struct ff *f = fq_setup(c, nr_rings);
	unsigned int i;

	for (i = 0; i < FZ_NR_CAT; i++)
		fz_gen_set_weight(&f->gen, i, i == FZ_CAT_VALID_RW);
	fz_gen_set_race(&f->gen, 0);
	for (i = 0; i < nr_rings; i++)
		f->rings[i].port = FQ_PORT + i;
	f->rsp_ms = 300;
	if (fz_model_init(&f->model, FQ_DISK_SECTORS, true))
		abort();
	fq_disk = calloc(FQ_DISK_SECTORS, 512);
	if (!fq_disk)
		abort();
	memset(fq_req_cons, 0, sizeof(fq_req_cons));
	memset(fq_rsp_prod, 0, sizeof(fq_rsp_prod));
	fq_f = f;
	return f;
}

static void fq_stop(struct ff *f)
{
	fq_f = NULL;
	fz_model_free(&f->model);
	free(fq_disk);
	fq_disk = NULL;
	fq_free(f);
}

static void honest_backend_draws_nothing_on_any_ring(struct kunit *test)
{
	unsigned long long sent[FZ_NR_CAT] = { 0 }, checked = 0, sum;
	unsigned int c, q, i;
	struct ff *f;

	for (c = 0; c < ARRAY_SIZE(fq_confs); c++) {
		for (q = 1; q <= 3; q++) {
			f = fq_start(&fq_confs[c], q);
			UNIT_CHECK(ff_run(f, &f->gen, 0, FQ_REQUESTS));
			UNIT_EQ(f->findings, 0);
			UNIT_EQ(f->played, FQ_REQUESTS);
			UNIT_EQ(f->pushed, FQ_REQUESTS);
			UNIT_CHECK(f->checked > 1000);
			sum = 0;
			for (i = 0; i < q; i++) {
				sum += f->rings[i].pushed;
				/* answered, each on its own ring */
				UNIT_EQ(fq_rsp_prod[i], f->rings[i].pushed);
				UNIT_CHECK(f->rings[i].pushed * q >
					   FQ_REQUESTS * 8 / 10);
			}
			UNIT_EQ(sum, FQ_REQUESTS);
			/* the same requests, the same data read back */
			if (q == 1) {
				checked = f->checked;
				for (i = 0; i < FZ_NR_CAT; i++)
					sent[i] = f->cat[i].sent;
			}
			UNIT_EQ(f->checked, checked);
			for (i = 0; i < FZ_NR_CAT; i++)
				UNIT_EQ(f->cat[i].sent, sent[i]);
			printf("  seed %llu, %u ring(s): %llu batches, requests per ring",
			       (unsigned long long)fq_confs[c].seed, q,
			       f->ph.batches);
			for (i = 0; i < q; i++)
				printf(" %llu", f->rings[i].pushed);
			printf(", %llu sectors read back\n", f->checked);
			fq_stop(f);
		}
	}
}

/*
 * Raced requests on every ring: the racer rewrites the slot of the ring
 * the request went on while the backend copies it; a backend that copies
 * once draws no finding.  The fuzzer is kept in fq_raced as it is: its
 * racer thread waits on it for good.
 */
static struct ff *fq_raced;

static void races_on_every_ring_draw_nothing(struct kunit *test)
{
	unsigned int i, raced_on[FF_MAX_QUEUES] = { 0 };
	struct fz_req *rq = calloc(1, sizeof(*rq));
	struct ff *f;

	if (!rq)
		abort();
	f = fq_start(&fq_confs[0], 3);
	fq_raced = f;
	fz_gen_set_race(&f->gen, 8);
	ff_racer_init(f);
	for (i = 0; i < 800; i++) {
		fz_gen_at(&f->gen, i, rq);
		if (rq->cat == FZ_CAT_RACE)
			raced_on[fz_ring_of(f->seed, i, 3)]++;
	}
	UNIT_CHECK(raced_on[0] && raced_on[1] && raced_on[2]);
	UNIT_CHECK(ff_run(f, &f->gen, 0, 800));
	UNIT_EQ(f->findings, 0);
	UNIT_EQ(f->racer.requests, raced_on[0] + raced_on[1] + raced_on[2]);
	UNIT_CHECK(f->racer.total_writes > f->racer.requests);
	printf("  raced per ring %u %u %u, %llu rewrites\n", raced_on[0],
	       raced_on[1], raced_on[2], f->racer.total_writes);
	fq_f = NULL;
	free(fq_disk);
	fq_disk = NULL;
	free(rq);
}

/* Once all was answered, an answer on a ring is an invented one. */
static void answer_on_an_idle_ring_is_a_finding(struct kunit *test)
{
	struct ff *f = fq_start(&fq_confs[1], 3);
	struct ff_ring *rg = &f->rings[2];

	UNIT_CHECK(ff_run(f, &f->gen, 0, 200));
	ff_check_idle(f);
	UNIT_EQ(f->findings, 0);
	printf("  expected below: one response-on-idle-ring finding, ring 2\n");
	fq_answer(f, rg, 0, 0x1234);
	store_release(FF_RSP_PROD(rg), rg->rsp_cons + 1);
	ff_check_idle(f);
	UNIT_EQ(f->findings, 1);
	fq_stop(f);
}

static void answer_on_another_ring_is_a_finding(struct kunit *test)
{
	struct ff *f = fq_start(&fq_confs[0], 3);

	/* one at a time: the first request on ring 1 ends the stream */
	f->batch = 1;
	printf("  expected below: one no-response finding, request 0\n");
	fq_misroute = true;
	UNIT_CHECK(!ff_run(f, &f->gen, 0, FQ_REQUESTS));
	fq_misroute = false;
	UNIT_EQ(f->findings, 1);
	UNIT_EQ(f->cat[FZ_CAT_VALID_RW].unanswered, 1);
	UNIT_EQ(f->rings[1].pushed, 1);
	UNIT_EQ(f->played, f->rings[0].pushed + 1 + f->rings[2].pushed);
	/* what ring 2 had, and ring 1's answer on top */
	UNIT_EQ(fq_rsp_prod[2], f->rings[2].pushed + 1);
	fq_stop(f);
}

/* ------------------------------------------------------------------ */
/* XenStore keys                                                       */
/* ------------------------------------------------------------------ */

/* The xenstore-write commands run, one a line. */
static char fq_cmds[4096];

static int fq_system(const char *cmd)
{
	size_t len = strlen(fq_cmds);

	snprintf(fq_cmds + len, sizeof(fq_cmds) - len, "%s\n",
		 cmd + strlen("xenstore-write "));
	return 0;
}

static void fq_keys(unsigned int order, unsigned int nr_rings)
{
	struct ff f = { .order = order, .nr_rings = nr_rings };
	unsigned int i, k;

	snprintf(f.fe, sizeof(f.fe), "device/vbd/51728");
	for (i = 0; i < nr_rings; i++) {
		f.rings[i].port = FQ_PORT + i;
		for (k = 0; k < 1U << order; k++)
			f.rings[i].gref[k] = 0x100 * (i + 1) + k;
	}
	fq_cmds[0] = '\0';
	ff_write_rings(&f);
}

static void one_queue_writes_the_keys_of_one_ring(struct kunit *test)
{
	/* what main wrote at b98640d for these rings, in its order */
	fq_keys(0, 1);
	UNIT_CHECK(!strcmp(fq_cmds,
			   "device/vbd/51728/ring-ref 256\n"
			   "device/vbd/51728/event-channel 10\n"));
	fq_keys(2, 1);
	UNIT_CHECK(!strcmp(fq_cmds,
			   "device/vbd/51728/ring-page-order 2\n"
			   "device/vbd/51728/ring-ref0 256\n"
			   "device/vbd/51728/ring-ref1 257\n"
			   "device/vbd/51728/ring-ref2 258\n"
			   "device/vbd/51728/ring-ref3 259\n"
			   "device/vbd/51728/event-channel 10\n"));
}

static void queues_write_their_keys_under_queue_n(struct kunit *test)
{
	fq_keys(0, 2);
	UNIT_CHECK(!strcmp(fq_cmds,
			   "device/vbd/51728/multi-queue-num-queues 2\n"
			   "device/vbd/51728/queue-0/ring-ref 256\n"
			   "device/vbd/51728/queue-0/event-channel 10\n"
			   "device/vbd/51728/queue-1/ring-ref 512\n"
			   "device/vbd/51728/queue-1/event-channel 11\n"));
	fq_keys(1, 3);
	UNIT_CHECK(!strcmp(fq_cmds,
			   "device/vbd/51728/multi-queue-num-queues 3\n"
			   "device/vbd/51728/ring-page-order 1\n"
			   "device/vbd/51728/queue-0/ring-ref0 256\n"
			   "device/vbd/51728/queue-0/ring-ref1 257\n"
			   "device/vbd/51728/queue-0/event-channel 10\n"
			   "device/vbd/51728/queue-1/ring-ref0 512\n"
			   "device/vbd/51728/queue-1/ring-ref1 513\n"
			   "device/vbd/51728/queue-1/event-channel 11\n"
			   "device/vbd/51728/queue-2/ring-ref0 768\n"
			   "device/vbd/51728/queue-2/ring-ref1 769\n"
			   "device/vbd/51728/queue-2/event-channel 12\n"));
}

static struct kunit_case blkif_fuzzfront_queues_cases[] = {
	KUNIT_CASE(one_queue_lays_out_what_it_did),
	KUNIT_CASE(queues_play_the_same_batches),
	KUNIT_CASE(spreading_depends_on_seed_and_index_only),
	KUNIT_CASE(queue_count_within_asked_and_offered),
	KUNIT_CASE(scenario_seed_one_has_several_queues),
	KUNIT_CASE(each_ring_answers_its_own),
	KUNIT_CASE(honest_backend_draws_nothing_on_any_ring),
	KUNIT_CASE(races_on_every_ring_draw_nothing),
	KUNIT_CASE(answer_on_another_ring_is_a_finding),
	KUNIT_CASE(answer_on_an_idle_ring_is_a_finding),
	KUNIT_CASE(one_queue_writes_the_keys_of_one_ring),
	KUNIT_CASE(queues_write_their_keys_under_queue_n),
	{}
};

UNIT_SUITE(blkif_fuzzfront_queues, blkif_fuzzfront_queues_cases);
