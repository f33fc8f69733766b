// SPDX-License-Identifier: GPL-2.0
/*
 * The ring logic of the hostile-backend fuzzer (tests/lab/tools/
 * blkif-fuzzback.c) against a strict frontend played here: the disk model
 * is the same at both ends, an honest connection answers every request
 * with the model's data, each scheduled violation is one that a frontend
 * checking rsp_prod, ids, operations and its grants catches (and only
 * that one), persistent grants turn write-after into keep-mapped, and a
 * connection replays from its seed.
 *
 * The program is #included with the grant device and the event channel
 * replaced (ioctl, mmap and munmap below): a grant reference <g> is page
 * <g> of one array, the frontend's memory.
 *
 * Host only: built and run by `make -C tests/unit host`; not a KUnit suite.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

static int mock_ioctl(int fd, unsigned long req, ...);
static void *mock_mmap(void *addr, size_t len, int prot, int flags, int fd,
		       long off);
static int mock_munmap(void *addr, size_t len);

#define ioctl mock_ioctl
#define mmap mock_mmap
#define munmap mock_munmap
#define main fuzzback_main
#include "blkif-fuzzback.c"
#undef main
#undef ioctl
#undef mmap
#undef munmap

#include "shim/linux/types.h"	/* u8 ... u64, after the program's own */
#include "unit.h"

/* the frontend's memory: grant reference g is page g */
#define MEM_PAGES	4096U
#define DATA_GREF(id)	(64U + (id) * 16U)
#define IND_GREF(id)	(2000U + (id))
#define MAX_MAPS	64

static u8 *mem;
static struct {
	int used;
	u64 index;
	u32 n;
	u32 first;
} maps[MAX_MAPS];
static u64 next_index;

static int mock_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	unsigned int i;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == IOCTL_GNTDEV_MAP_GRANT_REF) {
		struct ioctl_gntdev_map_grant_ref *op = arg;

		/* one mapping is contiguous here: the frontend grants so */
		for (i = 1; i < op->count; i++)
			if (op->refs[i].ref != op->refs[0].ref + i)
				abort();
		for (i = 0; i < MAX_MAPS && maps[i].used; i++)
			;
		if (i == MAX_MAPS) {
			errno = ENOMEM;
			return -1;
		}
		maps[i].used = 1;
		maps[i].index = next_index;
		maps[i].n = op->count;
		maps[i].first = op->refs[0].ref;
		op->index = next_index;
		next_index += op->count * 4096ULL;
		return 0;
	}
	if (req == IOCTL_GNTDEV_UNMAP_GRANT_REF) {
		struct ioctl_gntdev_unmap_grant_ref *op = arg;

		for (i = 0; i < MAX_MAPS; i++)
			if (maps[i].used && maps[i].index == op->index) {
				maps[i].used = 0;
				return 0;
			}
		abort();
	}
	if (req == IOCTL_EVTCHN_NOTIFY)
		return 0;
	abort();
}

static void *mock_mmap(void *addr, size_t len, int prot, int flags, int fd,
		       long off)
{
	unsigned int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].used && maps[i].index == (u64)off)
			return mem + (size_t)maps[i].first * PAGE_SIZE;
	return MAP_FAILED;
}

static int mock_munmap(void *addr, size_t len)
{
	return 0;
}

/* what the frontend saw wrong first */
enum caught {
	CAUGHT_NOTHING,
	CAUGHT_RSP_PROD,
	CAUGHT_ID_RANGE,
	CAUGHT_ID_IDLE,
	CAUGHT_OP,
	CAUGHT_MAPPED,
	CAUGHT_DATA,	/* a read answered OKAY with other data: the fuzzer lied */
};

struct run {
	unsigned long sent, ok_reads, checked, errors;
	enum caught caught;
	struct back b;
};

struct fslot {
	int busy;
	u8 op;
	u64 sector;
	unsigned int npg;
	u32 ver;
};

static int still_mapped(unsigned int id)
{
	unsigned int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].used && maps[i].first == DATA_GREF(id))
			return 1;
	return 0;
}

/* Put request @id (a read or write of fs->npg pages) on the ring. */
static void submit(struct ring *r, u32 *req_prod, unsigned int id,
		   struct fslot *fs, u64 seed)
{
	struct req_rw q = { 0 };
	struct req_indirect qi = { 0 };
	struct seg *sg = (struct seg *)(mem + (size_t)IND_GREF(id) * PAGE_SIZE);
	u8 *data = mem + (size_t)DATA_GREF(id) * PAGE_SIZE;
	unsigned int i;

	if (fs->op == OP_WRITE)
		for (i = 0; i < fs->npg * SECTORS_PER_PAGE; i++)
			fzd_sector_fill(data + i * FZD_SECTOR, seed,
					fs->sector + i, fs->ver);
	else
		memset(data, 0xaa, fs->npg * PAGE_SIZE);
	if (fs->npg > MAX_DIRECT_SEGS) {
		qi.operation = OP_INDIRECT;
		qi.indirect_op = fs->op;
		qi.nr_segments = fs->npg;
		qi.id = id;
		qi.sector = fs->sector;
		qi.indirect_grefs[0] = IND_GREF(id);
		for (i = 0; i < fs->npg; i++)
			sg[i] = (struct seg){ DATA_GREF(id) + i, 0, 7, 0 };
		memcpy(ring_slot(r, *req_prod), &qi, sizeof(qi));
	} else {
		q.operation = fs->op;
		q.nr_segments = fs->npg;
		q.id = id;
		q.sector = fs->sector;
		for (i = 0; i < fs->npg; i++)
			q.seg[i] = (struct seg){ DATA_GREF(id) + i, 0, 7, 0 };
		memcpy(ring_slot(r, *req_prod), &q, sizeof(q));
	}
	(*req_prod)++;
	__atomic_store_n(REQ_PROD(r), *req_prod, __ATOMIC_RELEASE);
}

/*
 * Connection @conn of seed @seed: @n requests, at most 6 in flight, each
 * in its own stripe of the disk, until the frontend catches something.
 */
static void run_conn_loud(struct run *run, u64 seed, unsigned int conn,
			  unsigned long n, unsigned int indirect,
			  int persistent)
{
	static struct fslot fs[32];
	static u32 versions[FZD_MODEL_SECTORS];
	u8 want[FZD_SECTOR];
	u32 req_prod = 0, rsp_cons = 0, rp;
	u64 rs = seed ^ 0x5eed;
	struct back *b = &run->b;
	unsigned int infl = 0, id, i;
	struct ring *r;

	memset(run, 0, sizeof(*run));
	memset(fs, 0, sizeof(fs));
	memset(versions, 0, sizeof(versions));
	memset(maps, 0, sizeof(maps));
	next_index = 4096;
	if (!mem)
		mem = aligned_alloc(PAGE_SIZE, (size_t)MEM_PAGES * PAGE_SIZE);
	memset(mem, 0, (size_t)MEM_PAGES * PAGE_SIZE);
	b->gfd = 3;
	b->efd = 4;
	b->seed = seed;
	b->conn = conn;
	draw_connection(b);
	b->xs = XS_SANE;
	b->sectors = FZD_MODEL_SECTORS;
	b->ssize = SECTOR_SIZE;
	b->info = 0;
	b->indirect = indirect;
	b->persistent_on = persistent;
	model_init(b);
	b->nrings = 1;
	r = &b->rings[0];
	r->sring = mem;
	r->npages = 1;
	r->nslots = ring_slots(1);
	while (run->sent < n || infl) {
		while (run->sent < n && infl < 6) {
			u64 x = fzd_next(&rs);

			for (id = 0; fs[id].busy; id++)
				;
			fs[id].busy = 1;
			fs[id].op = (x >> 8) % 2 ? OP_WRITE : OP_READ;
			fs[id].npg = 1 + x % (indirect ? 16 : 8);
			fs[id].sector = id * 512 +
					((x >> 16) % (64 - fs[id].npg + 1)) * 8;
			fs[id].ver = (u32)(run->sent + 1);
			submit(r, &req_prod, id, &fs[id], seed);
			run->sent++;
			infl++;
		}
		serve_ring(b, r);
		release_ring(b, r);
		tend_kept(b);
		rp = __atomic_load_n(RSP_PROD(r), __ATOMIC_ACQUIRE);
		if (rp - rsp_cons > infl) {
			run->caught = CAUGHT_RSP_PROD;
			return;
		}
		for (; rsp_cons != rp; rsp_cons++) {
			struct rsp s;
			struct fslot *f;

			memcpy(&s, ring_slot(r, rsp_cons), sizeof(s));
			if (s.id >= r->nslots) {
				run->caught = CAUGHT_ID_RANGE;
				return;
			}
			f = &fs[s.id];
			if (!f->busy) {
				run->caught = CAUGHT_ID_IDLE;
				return;
			}
			if (s.operation != f->op) {
				run->caught = CAUGHT_OP;
				return;
			}
			if (!persistent && still_mapped((unsigned int)s.id)) {
				run->caught = CAUGHT_MAPPED;
				return;
			}
			for (i = 0; i < f->npg * SECTORS_PER_PAGE; i++) {
				u32 *v = &versions[f->sector + i];
				const u8 *got = mem +
					(size_t)DATA_GREF(s.id) * PAGE_SIZE +
					i * FZD_SECTOR;

				if (s.status) {
					if (f->op == OP_WRITE)
						*v = UINT32_MAX;
					continue;
				}
				if (f->op == OP_WRITE) {
					*v = f->ver;
					continue;
				}
				if (*v == UINT32_MAX)
					continue;
				fzd_sector_fill(want, seed, f->sector + i, *v);
				run->checked++;
				if (memcmp(want, got, FZD_SECTOR)) {
					run->caught = CAUGHT_DATA;
					return;
				}
			}
			if (s.status)
				run->errors++;
			else if (f->op == OP_READ)
				run->ok_reads++;
			f->busy = 0;
			infl--;
		}
		sleep_ms(1);
	}
}

/* its report lines are not this test's output: stdout to /dev/null */
static int quiet_begin(void)
{
	int fd, null;

	fflush(stdout);
	fd = dup(1);
	null = open("/dev/null", O_WRONLY);
	if (fd < 0 || null < 0 || dup2(null, 1) < 0)
		abort();
	close(null);
	return fd;
}

static void quiet_end(int fd)
{
	fflush(stdout);
	if (dup2(fd, 1) < 0)
		abort();
	close(fd);
}

static void run_conn(struct run *run, u64 seed, unsigned int conn,
		     unsigned long n, unsigned int indirect, int persistent)
{
	int fd = quiet_begin();
	unsigned int i;

	run_conn_loud(run, seed, conn, n, indirect, persistent);
	for (i = 0; i < MAX_KEPT; i++)
		if (run->b.kept[i].used)
			release_kept(&run->b, &run->b.kept[i]);
	free(run->b.disk);
	run->b.disk = NULL;
	quiet_end(fd);
}

/*
 * A connection of @seed whose scheduled violation is @stop, early enough
 * for the 400 requests of the tests below
 */
static unsigned int conn_with(u64 seed, enum cat stop)
{
	unsigned int c;

	for (c = 0; c < 200; c++) {
		struct back b = { .seed = seed, .conn = c };

		draw_connection(&b);
		if (b.stop == stop && b.stop_at < 300)
			return c;
	}
	abort();
}

static void model_is_the_seeds(struct kunit *test)
{
	u8 a[FZD_SECTOR], b[FZD_SECTOR];

	fzd_sector_fill(a, 3, 100, 0);
	fzd_sector_fill(b, 3, 100, 0);
	UNIT_CHECK(!memcmp(a, b, FZD_SECTOR));
	UNIT_CHECK(!strncmp((char *)a, "blkif-fuzz seed 3 sector 100 version 0\n",
			    strlen("blkif-fuzz seed 3 sector 100 version 0\n")));
	UNIT_EQ(a[FZD_SECTOR - 2] | a[FZD_SECTOR - 1], 0);
	fzd_sector_fill(b, 4, 100, 0);
	UNIT_CHECK(memcmp(a, b, FZD_SECTOR));
	fzd_sector_fill(b, 3, 101, 0);
	UNIT_CHECK(memcmp(a, b, FZD_SECTOR));
	fzd_sector_fill(b, 3, 100, 1);
	UNIT_CHECK(memcmp(a, b, FZD_SECTOR));
}

static void honest_connection_serves_the_model(struct kunit *test)
{
	static struct run run;
	unsigned int c = conn_with(1, CAT_NONE);

	run_conn(&run, 1, c, 400, 0, 0);
	UNIT_EQ(run.caught, CAUGHT_NOTHING);
	UNIT_EQ(run.sent, 400);
	UNIT_EQ(run.b.responses, 400);
	UNIT_EQ(run.b.findings, 0);
	UNIT_CHECK(run.checked > 1000);
	/* the categories that break no rule all came up */
	UNIT_CHECK(run.b.cat_count[CAT_VALID] > 300);
	UNIT_CHECK(run.b.cat_count[CAT_BAD_STATUS] > 0);
	UNIT_CHECK(run.b.cat_count[CAT_REORDER] > 0);
	UNIT_CHECK(run.b.cat_count[CAT_DELAY] > 0);
	UNIT_EQ(run.errors, run.b.cat_count[CAT_BAD_STATUS]);
	run_conn(&run, 1, c, 200, 256, 0);
	UNIT_EQ(run.caught, CAUGHT_NOTHING);
	UNIT_EQ(run.b.findings, 0);
}

static void each_violation_is_caught(struct kunit *test)
{
	static const struct {
		enum cat stop;
		enum caught caught;
	} cases[] = {
		{ CAT_BAD_ID, CAUGHT_ID_RANGE },
		{ CAT_WRONG_OP, CAUGHT_OP },
		{ CAT_DUP, CAUGHT_ID_IDLE },
		{ CAT_RSP_AHEAD, CAUGHT_RSP_PROD },
		{ CAT_RSP_BEHIND, CAUGHT_RSP_PROD },
		{ CAT_RSP_WRAP, CAUGHT_RSP_PROD },
		{ CAT_KEEP_MAPPED, CAUGHT_MAPPED },
		{ CAT_WRITE_AFTER, CAUGHT_MAPPED },
	};
	static struct run run;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		run_conn(&run, 1, conn_with(1, cases[i].stop), 400, 64, 0);
		UNIT_EQ(run.b.stop_played, 1);
		UNIT_EQ(run.b.cat_count[cases[i].stop], 1);
		UNIT_EQ(run.caught, cases[i].caught);
		UNIT_EQ(run.b.findings, 0);
	}
}

static void persistent_grants_make_write_after_keep_mapped(struct kunit *test)
{
	static struct run run;

	run_conn(&run, 1, conn_with(1, CAT_WRITE_AFTER), 400, 0, 1);
	UNIT_EQ(run.b.stop_played, 1);
	UNIT_EQ(run.b.cat_count[CAT_WRITE_AFTER], 0);
	UNIT_EQ(run.b.cat_count[CAT_KEEP_MAPPED], 1);
	/* a persistent grant may stay mapped: nothing to catch */
	UNIT_EQ(run.caught, CAUGHT_NOTHING);
	UNIT_EQ(run.b.findings, 0);
}

static void connection_replays_from_its_seed(struct kunit *test)
{
	static struct run a, b;
	unsigned int i;

	run_conn(&a, 7, 3, 150, 0, 0);
	run_conn(&b, 7, 3, 150, 0, 0);
	UNIT_EQ(a.b.responses, b.b.responses);
	UNIT_EQ(a.b.stop_at, b.b.stop_at);
	UNIT_EQ(a.b.xs, b.b.xs);
	for (i = 0; i < NR_CATS; i++)
		UNIT_EQ(a.b.cat_count[i], b.b.cat_count[i]);
	run_conn(&b, 8, 3, 150, 0, 0);
	UNIT_CHECK(a.b.stop != b.b.stop || a.b.stop_at != b.b.stop_at);
}

/*
 * The XenStore sweep's connections are short, the later ones long: the
 * violation within the first 151 responses, then over a wider span, the
 * same for the same (seed, conn)
 */
static void later_connections_are_longer(struct kunit *test)
{
	unsigned long short_max = 0, long_max = 0, long_min = ~0UL;
	unsigned int c, late = 0;
	u64 seed;

	for (seed = 1; seed <= 4; seed++)
		for (c = 0; c < NR_XS + 200; c++) {
			struct back a = { .seed = seed, .conn = c };
			struct back b = { .seed = seed, .conn = c };

			draw_connection(&a);
			draw_connection(&b);
			UNIT_EQ(a.stop_at, b.stop_at);
			UNIT_CHECK(a.stop_at >= 2);
			if (c < NR_XS) {
				if (a.stop_at > short_max)
					short_max = a.stop_at;
				continue;
			}
			if (a.stop_at > long_max)
				long_max = a.stop_at;
			if (a.stop_at < long_min)
				long_min = a.stop_at;
			late += a.stop_at >= 2 + STOP_SPAN_SHORT;
		}
	UNIT_CHECK(short_max < 2 + STOP_SPAN_SHORT);
	UNIT_CHECK(long_max < 2 + STOP_SPAN_LONG);
	/* the whole span: early ones still, and most of them later */
	UNIT_CHECK(long_min < 2 + STOP_SPAN_SHORT);
	UNIT_CHECK(long_max > STOP_SPAN_LONG * 9 / 10);
	UNIT_CHECK(late > 4 * 200 * 3 / 4);
	/* the sweep draws 2 + h % 150 as before: its stream is unchanged */
	UNIT_EQ(stop_at_of(0, 1000), 2 + 1000 % STOP_SPAN_SHORT);
	UNIT_EQ(stop_at_of(NR_XS, 1000), 2 + 1000 % STOP_SPAN_LONG);
}

static struct kunit_case blkif_fuzzback_cases[] = {
	KUNIT_CASE(model_is_the_seeds),
	KUNIT_CASE(honest_connection_serves_the_model),
	KUNIT_CASE(each_violation_is_caught),
	KUNIT_CASE(persistent_grants_make_write_after_keep_mapped),
	KUNIT_CASE(connection_replays_from_its_seed),
	KUNIT_CASE(later_connections_are_longer),
	{}
};

UNIT_SUITE(blkif_fuzzback, blkif_fuzzback_cases);
