// SPDX-License-Identifier: GPL-2.0
/*
 * The racer of the hostile-frontend fuzzer (tests/lab/tools/
 * blkif-fuzzfront.c, ff_race_begin() .. ff_race_end()), on a ring in
 * memory: while it runs it rewrites the raced request's slot, an answer
 * that lands in the slot is never written over (bytes 0..3 change only by
 * a compare-and-swap from the racer's own last value), and once
 * ff_race_end() returns nothing is written any more, so that the next
 * batch can be laid out.
 *
 * The program is #included (its main() renamed); nothing of Xen is opened.
 * Host only: built and run by `make -C tests/unit host`; not a KUnit suite.
 */
#define main fuzzfront_main
#include "blkif-fuzzfront.c"
#undef main

#include "shim/linux/types.h"	/* u8 ... u64, after the program's own */
#include "unit.h"

#define RT_SLOTS	32
#define RT_PAGES	80

static u8 rt_ring[FF_RING_HEADER + RT_SLOTS * 112];
static u8 rt_pool[RT_PAGES][PAGE_SIZE];

static void racer_leaves_answers_and_stops(struct kunit *test)
{
	static struct ff f = { .gfd = -1, .efd = -1 };
	static u8 before[sizeof(rt_ring)];
	struct ff_req *r = calloc(1, sizeof(*r));
	unsigned int i, k, overwritten = 0, late = 0, changed = 0;
	long long t;
	u64 *answer;
	u32 slot;

	if (!r)
		abort();
	f.seed = 1;
	f.abi = FZ_ABI_X86_64;
	f.nslots = RT_SLOTS;
	f.req_size = fz_req_slot_size(f.abi);
	f.nr_rings = 1;
	f.rings[0].sring = rt_ring;
	f.conn.abi = f.abi;
	f.conn.max_indirect = 32;
	f.conn.nr_sectors = 32768;
	f.conn.sector_size = 512;
	f.conn.discard = true;
	fz_gen_init(&f.gen, &f.conn, 1);
	fz_gen_set_race(&f.gen, 1);
	ff_racer_init(&f);
	for (k = 0; k < 60; k++) {
		slot = k % RT_SLOTS;
		fz_gen_at(&f.gen, k, &r->rq);
		UNIT_CHECK(r->rq.nr_pages <= RT_PAGES);
		for (i = 0; i < r->rq.nr_pages; i++) {
			r->pages[i] = rt_pool[i];
			r->page_gref[i] = 0x300 + i;
		}
		ff_lay_out(&f, r, &f.rings[0], slot);
		memcpy(before, rt_ring, sizeof(rt_ring));
		ff_race_begin(&f, r, &f.rings[0], slot);
		/* every other rewrite puts a field back: look a few times */
		for (t = now_us() + 200000; now_us() < t;) {
			if (memcmp(before, rt_ring, sizeof(rt_ring))) {
				changed++;
				break;
			}
		}
		/* the answer lands where the request was */
		answer = (u64 *)ff_slot(&f, &f.rings[0], slot);
		__atomic_store_n(answer, r->rq.id, __ATOMIC_SEQ_CST);
		sleep_ms(k % 3);
		overwritten += *answer != r->rq.id;
		ff_race_end(&f, now_us());
		memcpy(before, rt_ring, sizeof(rt_ring));
		sleep_ms(1);
		late += !!memcmp(before, rt_ring, sizeof(rt_ring));
	}
	UNIT_EQ(overwritten, 0);
	UNIT_EQ(late, 0);
	/*
	 * Seen at work on a loaded host, at least once: the racer may not
	 * get a CPU within its window, and every other rewrite puts back
	 * what the one before changed.
	 */
	printf("  %u of 60 slots seen rewritten, %llu rewrites\n", changed,
	       f.racer.total_writes);
	UNIT_CHECK(changed >= 1);
	UNIT_EQ(f.racer.requests, 60);
	UNIT_CHECK(f.racer.total_writes > 60);
	free(r);
}

static struct kunit_case blkif_fuzzfront_racer_cases[] = {
	KUNIT_CASE(racer_leaves_answers_and_stops),
	{}
};

UNIT_SUITE(blkif_fuzzfront_racer, blkif_fuzzfront_racer_cases);
