// SPDX-License-Identifier: GPL-2.0
/*
 * The core of the control-plane fuzzer (tests/lab/tools/blkif-fuzzseq.c):
 * the stream of handshake sequences is reproducible from its seed, covers
 * every category that applies, stays within what the lab tool can lay out,
 * and expects of the backend what the documents say (checked here against
 * a second reading of Documentation/xen-blkback.rst and xen-blk-admin.rst,
 * written apart from the generator); the oracle's verdicts; the one-line
 * form of a sequence.
 *
 * Host only (userspace code of a lab tool): built and run by
 * `make -C tests/unit host`, which `make unit` includes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>	/* tests/unit/shim: u8 ... u64 */

#include "blkif-fuzzseq.h"
#include "unit.h"

#define N_SEQ	4000

static const struct fx_offer offer_mq = { .max_queues = 4, .max_order = 4 };
static const struct fx_offer offer_one = { .max_queues = 1, .max_order = 0 };
static const struct fx_offer offer_wide = { .max_queues = 8, .max_order = 2 };

static bool seq_equal(const struct fx_seq *a, const struct fx_seq *b)
{
	char la[2048], lb[2048];

	fx_seq_format(a, la, sizeof(la));
	fx_seq_format(b, lb, sizeof(lb));
	return !strcmp(la, lb) && a->sector_seed == b->sector_seed &&
	       !memcmp(&a->next, &b->next, sizeof(a->next));
}

static void gen_same_seed_same_stream(struct kunit *test)
{
	struct fx_seq a, b, c;
	struct fx_gen ga, gb, gc;
	unsigned int i, diff = 0, same_c = 0;

	fx_gen_init(&ga, &offer_mq, 7);
	fx_gen_init(&gb, &offer_mq, 7);
	fx_gen_init(&gc, &offer_mq, 8);
	for (i = 0; i < 1000; i++) {
		fx_gen_at(&ga, i, &a);
		fx_gen_at(&gb, i, &b);
		fx_gen_at(&gc, i, &c);
		diff += !seq_equal(&a, &b);
		same_c += seq_equal(&a, &c);
		UNIT_EQ(a.index, i);
	}
	UNIT_EQ(diff, 0);
	UNIT_CHECK(same_c < 20);
	/* sequence n does not depend on those before it */
	fx_gen_at(&ga, 123456789, &a);
	fx_gen_at(&ga, 5, &b);
	fx_gen_at(&gb, 123456789, &c);
	UNIT_CHECK(seq_equal(&a, &c));
}

static void gen_covers_every_category(struct kunit *test)
{
	const struct fx_offer *offers[] = { &offer_mq, &offer_one, &offer_wide };
	unsigned int o, i, seen[FX_NR_CAT];
	struct fx_gen g;
	struct fx_seq s;
	bool got;

	for (o = 0; o < 3; o++) {
		memset(seen, 0, sizeof(seen));
		fx_gen_init(&g, offers[o], 99);
		for (i = 0; i < N_SEQ; i++) {
			fx_gen_at(&g, i, &s);
			seen[s.cat]++;
		}
		for (i = 0; i < FX_NR_CAT; i++) {
			bool want = fx_cat_applies(offers[o], i) &&
				    i != FX_CAT_UNKNOWN_STATE;

			got = seen[i] > 0;
			if (want != got)
				printf("  offer %u: category %s seen %u times\n",
				       o, fx_cat_name(i), seen[i]);
			UNIT_EQ(want, got);
		}
	}
	/* one queue offered: no sequence can share an event channel */
	UNIT_CHECK(!fx_cat_applies(&offer_one, FX_CAT_SHARED_EVTCHN));
	/* the disk-ending category only when asked, and then only it */
	fx_gen_init(&g, &offer_mq, 99);
	for (i = 0; i < FX_NR_CAT; i++)
		fx_gen_set_weight(&g, i, 0);
	fx_gen_set_weight(&g, FX_CAT_UNKNOWN_STATE, 1);
	for (i = 0; i < 200; i++) {
		fx_gen_at(&g, i, &s);
		UNIT_EQ(s.cat, FX_CAT_UNKNOWN_STATE);
	}
	/* its first six sequences: "0", "abc", "", before and once connected */
	for (i = 0; i < 6; i++) {
		static const char *const state[] = { "0", "abc", "" };

		fx_gen_at(&g, i, &s);
		UNIT_CHECK(!strcmp(s.state, state[i / 2]));
		UNIT_EQ(s.at_connected, i % 2);
	}
	fx_gen_init(&g, &offer_one, 1);
	fx_gen_set_weight(&g, FX_CAT_SHARED_EVTCHN, 5);
	UNIT_EQ(g.weight[FX_CAT_SHARED_EVTCHN], 0);
}

/* A decimal number of the kind a document means by "N": digits only. */
static bool plain_number(const char *v, unsigned long long *n)
{
	char *end;

	if (!v[0] || strspn(v, "0123456789") != strlen(v) || strlen(v) > 10)
		return false;
	*n = strtoull(v, &end, 10);
	return *n <= 0xffffffffULL;
}

/*
 * The documents, read apart from the generator: what a backend must do
 * with the keys of @s on @o.  "Violations during the handshake end it with
 * an error node and Closing: unknown protocol X, N ring pages, ring page
 * order N above the M offered, Q queues requested, M offered, reading
 * DIR/ring-ref, reading DIR/event-channel, frontend in state N."
 */
static enum fx_expect doc_expect(const struct fx_offer *o,
				 const struct fx_seq *s)
{
	const struct fx_keys *k = &s->keys;
	bool unsure = false;
	unsigned long long n;

	if (s->cat == FX_CAT_UNKNOWN_STATE)
		return s->at_connected ? FX_EXPECT_CONNECT : FX_EXPECT_EITHER;
	if (s->cat == FX_CAT_BAD_STATE && !s->at_connected)
		return FX_EXPECT_REFUSE;
	if (k->has_protocol && strcmp(k->protocol, "x86_32-abi") &&
	    strcmp(k->protocol, "x86_64-abi"))
		return FX_EXPECT_REFUSE;
	if (k->missing_queue >= 0)
		return FX_EXPECT_REFUSE;
	if (k->has_order) {
		if (!plain_number(k->order, &n))
			unsure = true;
		else if (n > o->max_order)
			return FX_EXPECT_REFUSE;
	} else if (k->has_pages) {
		if (!plain_number(k->pages, &n) || !n)
			unsure = true;
		else if ((n & (n - 1)) || n > (1ULL << o->max_order))
			return FX_EXPECT_REFUSE;
	}
	if (k->has_queues) {
		if (!plain_number(k->queues, &n))
			unsure = true;
		else if (!n || n > o->max_queues)
			return FX_EXPECT_REFUSE;
	}
	if (k->shared_evtchn)
		unsure = true;
	return unsure ? FX_EXPECT_EITHER : FX_EXPECT_CONNECT;
}

static void gen_expectations_follow_the_documents(struct kunit *test)
{
	const struct fx_offer *offers[] = { &offer_mq, &offer_one, &offer_wide };
	unsigned int o, i, wrong = 0, refuse = 0, either = 0;
	struct fx_gen g;
	struct fx_seq s;
	char line[2048];

	for (o = 0; o < 3; o++) {
		fx_gen_init(&g, offers[o], 3);
		fx_gen_set_weight(&g, FX_CAT_UNKNOWN_STATE, 1);
		for (i = 0; i < N_SEQ; i++) {
			fx_gen_at(&g, i, &s);
			refuse += s.expect == FX_EXPECT_REFUSE;
			either += s.expect == FX_EXPECT_EITHER;
			if (s.expect == doc_expect(offers[o], &s))
				continue;
			if (wrong++ < 5) {
				fx_seq_format(&s, line, sizeof(line));
				printf("  documents say %s: %s\n",
				       fx_expect_name(doc_expect(offers[o], &s)),
				       line);
			}
		}
	}
	UNIT_EQ(wrong, 0);
	UNIT_CHECK(refuse > N_SEQ / 4);
	UNIT_CHECK(either > N_SEQ / 20);
}

/* What the lab tool relies on: the rings fit, the counts are in range. */
static void gen_sequences_fit_the_tool(struct kunit *test)
{
	const struct fx_offer *offers[] = { &offer_mq, &offer_one, &offer_wide };
	unsigned int o, i, bad = 0;
	struct fx_gen g;
	struct fx_seq s;

	UNIT_CHECK(FX_MAX_RING_REQS < 32);
	for (o = 0; o < 3; o++) {
		const struct fx_offer *of = offers[o];

		fx_gen_init(&g, of, 11);
		for (i = 0; i < N_SEQ; i++) {
			const struct fx_keys *k = &s.keys;

			fx_gen_at(&g, i, &s);
			bad += fx_seq_ring_reqs(&s) > FX_MAX_RING_REQS;
			bad += !k->nr_queues || k->nr_queues > FX_MAX_QUEUES;
			bad += !k->serve_rings || k->serve_rings > k->nr_queues;
			bad += k->nr_refs > FX_RING_PAGES;
			bad += !k->nr_refs && !k->single_ref;
			bad += k->nr_queues > 1 && !k->queue_dirs;
			bad += !s.pairs || s.pairs > FX_MAX_PAIRS;
			bad += s.burst > FX_MAX_BURST;
			bad += (s.burst != 0) != (s.cat == FX_CAT_CLOSED_UNDER_LOAD);
			bad += k->missing_queue >= (int)k->nr_queues;
			bad += k->shared_evtchn && k->nr_queues < 2;
			bad += !s.rule || !s.rule[0];
			/* an honest connection asks for no more than offered */
			if (s.expect == FX_EXPECT_CONNECT) {
				bad += k->nr_queues > of->max_queues;
				bad += k->nr_refs > (1U << of->max_order);
			}
			if (s.cat == FX_CAT_REINIT) {
				bad += !s.change;
				bad += s.next.nr_queues > FX_MAX_QUEUES;
				bad += s.next.nr_queues > of->max_queues;
				bad += s.expect2 != FX_EXPECT_EITHER;
				/* something did change */
				bad += !memcmp(&s.next, &s.keys, sizeof(s.next)) &&
				       strcmp(s.change, "ring");
			}
		}
	}
	UNIT_EQ(bad, 0);
}

static void judge_follows_the_expectation(struct kunit *test)
{
	UNIT_CHECK(!fx_judge(FX_EXPECT_CONNECT, FX_OUT_CONNECTED));
	UNIT_CHECK(!strcmp(fx_judge(FX_EXPECT_CONNECT, FX_OUT_REFUSED),
			   "refused-valid"));
	UNIT_CHECK(!strcmp(fx_judge(FX_EXPECT_CONNECT, FX_OUT_SILENT),
			   "silent-on-valid"));
	UNIT_CHECK(!strcmp(fx_judge(FX_EXPECT_REFUSE, FX_OUT_CONNECTED),
			   "connected-on-bad-values"));
	UNIT_CHECK(!fx_judge(FX_EXPECT_REFUSE, FX_OUT_REFUSED));
	UNIT_CHECK(!strcmp(fx_judge(FX_EXPECT_REFUSE, FX_OUT_SILENT),
			   "silent-refusal"));
	UNIT_CHECK(!fx_judge(FX_EXPECT_EITHER, FX_OUT_CONNECTED));
	UNIT_CHECK(!fx_judge(FX_EXPECT_EITHER, FX_OUT_REFUSED));
	UNIT_CHECK(!fx_judge(FX_EXPECT_EITHER, FX_OUT_SILENT));
}

static void names_round_trip(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < FX_NR_CAT; i++)
		UNIT_EQ(fx_cat_parse(fx_cat_name(i)), i);
	UNIT_EQ(fx_cat_parse("no-such-category"), -1);
	UNIT_CHECK(!strcmp(fx_cat_name(FX_NR_CAT), "?"));
}

/* One line, no raw blank inside a value, whatever the protocol holds. */
static void format_is_one_line(struct kunit *test)
{
	struct fx_gen g;
	struct fx_seq s;
	char line[2048], small[16];
	unsigned int i, bad = 0, found = 0;
	int n;

	fx_gen_init(&g, &offer_mq, 5);
	for (i = 0; i < FX_NR_CAT; i++)
		fx_gen_set_weight(&g, i, 0);
	fx_gen_set_weight(&g, FX_CAT_BAD_PROTOCOL, 1);
	for (i = 0; i < 400; i++) {
		fx_gen_at(&g, i, &s);
		n = fx_seq_format(&s, line, sizeof(line));
		bad += n <= 0 || (size_t)n >= sizeof(line);
		bad += !!strchr(line, '\n');
		if (!strcmp(s.keys.protocol, "x86_64-abi ")) {
			found++;
			bad += !strstr(line, "protocol='x86_64-abi\\x20'");
		}
		/* a short buffer: the length it needs, cut safely */
		bad += fx_seq_format(&s, small, sizeof(small)) != n;
		bad += strlen(small) != sizeof(small) - 1;
	}
	UNIT_EQ(bad, 0);
	UNIT_CHECK(found > 0);
	fx_gen_at(&g, 0, &s);
	s.keys.has_order = false;
	fx_seq_format(&s, line, sizeof(line));
	UNIT_CHECK(strstr(line, " ring-page-order=- "));
	UNIT_CHECK(strstr(line, "seq index=0 cat=bad-protocol ") == line);
}

static struct kunit_case blkif_fuzzseq_cases[] = {
	KUNIT_CASE(gen_same_seed_same_stream),
	KUNIT_CASE(gen_covers_every_category),
	KUNIT_CASE(gen_expectations_follow_the_documents),
	KUNIT_CASE(gen_sequences_fit_the_tool),
	KUNIT_CASE(judge_follows_the_expectation),
	KUNIT_CASE(names_round_trip),
	KUNIT_CASE(format_is_one_line),
	{}
};

UNIT_SUITE(blkif_fuzzseq, blkif_fuzzseq_cases);
