// SPDX-License-Identifier: GPL-2.0
/*
 * blkif-fuzzseq: handshake sequences of the control-plane fuzzer and what
 * the backend may do with each (see blkif-fuzzseq.h).  Pure logic: tested
 * on the host by tests/unit/host/test_blkif_fuzzseq.c.
 *
 * The expectations follow the documents (Documentation/xen-blkback.rst,
 * xen-blk-admin.rst and Xen's io/blkif.h), not the backend's xenbus.c.
 */
#include <stdio.h>
#include <string.h>

#include "blkif-fuzzseq.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const fx_cat_names[FX_NR_CAT] = {
	[FX_CAT_VALID] = "valid",
	[FX_CAT_LEGACY_PAGES] = "legacy-ring-pages",
	[FX_CAT_BAD_ORDER] = "bad-ring-order",
	[FX_CAT_BAD_PAGES] = "bad-ring-pages",
	[FX_CAT_BAD_QUEUES] = "bad-queue-count",
	[FX_CAT_SHARED_EVTCHN] = "shared-event-channel",
	[FX_CAT_MISSING_KEY] = "missing-ring-key",
	[FX_CAT_BAD_PROTOCOL] = "bad-protocol",
	[FX_CAT_BAD_STATE] = "bad-state",
	[FX_CAT_CLOSED_UNDER_LOAD] = "closed-under-load",
	[FX_CAT_CLOSING_CONNECTED] = "closing-then-connected",
	[FX_CAT_REINIT] = "initialised-again",
	[FX_CAT_UNKNOWN_STATE] = "unknown-state",
};

/* Default weights, out of their sum. */
static const uint32_t fx_default_weight[FX_NR_CAT] = {
	[FX_CAT_VALID] = 4,
	[FX_CAT_LEGACY_PAGES] = 1,
	[FX_CAT_BAD_ORDER] = 2,
	[FX_CAT_BAD_PAGES] = 1,
	[FX_CAT_BAD_QUEUES] = 2,
	[FX_CAT_SHARED_EVTCHN] = 1,
	[FX_CAT_MISSING_KEY] = 2,
	[FX_CAT_BAD_PROTOCOL] = 1,
	[FX_CAT_BAD_STATE] = 2,
	[FX_CAT_CLOSED_UNDER_LOAD] = 2,
	[FX_CAT_CLOSING_CONNECTED] = 1,
	[FX_CAT_REINIT] = 2,
	[FX_CAT_UNKNOWN_STATE] = 0,
};

const char *fx_cat_name(enum fx_cat cat)
{
	return (unsigned int)cat < FX_NR_CAT ? fx_cat_names[cat] : "?";
}

int fx_cat_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < FX_NR_CAT; i++)
		if (!strcmp(name, fx_cat_names[i]))
			return (int)i;
	return -1;
}

static unsigned int fx_queues(const struct fx_offer *o)
{
	if (!o->max_queues)
		return 1;
	return o->max_queues < FX_MAX_QUEUES ? o->max_queues : FX_MAX_QUEUES;
}

static unsigned int fx_order(const struct fx_offer *o)
{
	return o->max_order < 4 ? o->max_order : 4;
}

bool fx_cat_applies(const struct fx_offer *o, enum fx_cat cat)
{
	if (cat == FX_CAT_SHARED_EVTCHN)
		return fx_queues(o) >= 2;
	return (unsigned int)cat < FX_NR_CAT;
}

const char *fx_expect_name(enum fx_expect e)
{
	switch (e) {
	case FX_EXPECT_CONNECT:
		return "connect";
	case FX_EXPECT_REFUSE:
		return "refuse";
	case FX_EXPECT_EITHER:
		return "either";
	}
	return "?";
}

const char *fx_outcome_name(enum fx_outcome o)
{
	switch (o) {
	case FX_OUT_CONNECTED:
		return "connected";
	case FX_OUT_REFUSED:
		return "refused";
	case FX_OUT_SILENT:
		return "silent";
	}
	return "?";
}

const char *fx_judge(enum fx_expect e, enum fx_outcome o)
{
	switch (e) {
	case FX_EXPECT_CONNECT:
		if (o == FX_OUT_REFUSED)
			return "refused-valid";
		if (o == FX_OUT_SILENT)
			return "silent-on-valid";
		return NULL;
	case FX_EXPECT_REFUSE:
		if (o == FX_OUT_CONNECTED)
			return "connected-on-bad-values";
		/* the documents: an error node and Closing */
		if (o == FX_OUT_SILENT)
			return "silent-refusal";
		return NULL;
	case FX_EXPECT_EITHER:
		return NULL;
	}
	return "bad-expectation";
}

void fx_gen_init(struct fx_gen *g, const struct fx_offer *o, uint64_t seed)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->offer = *o;
	g->seed = seed;
	for (i = 0; i < FX_NR_CAT; i++)
		g->weight[i] = fx_cat_applies(o, i) ? fx_default_weight[i] : 0;
}

void fx_gen_set_weight(struct fx_gen *g, enum fx_cat cat, uint32_t weight)
{
	if ((unsigned int)cat < FX_NR_CAT && fx_cat_applies(&g->offer, cat))
		g->weight[cat] = weight;
}

static const char *fx_protocol_name(enum fz_abi abi)
{
	return abi == FZ_ABI_X86_32 ? "x86_32-abi" : "x86_64-abi";
}

static void fx_set(char *buf, size_t len, const char *fmt, unsigned long long v)
{
	snprintf(buf, len, fmt, v);
}

/* A connection as an honest frontend sets it up. */
static void fx_valid_keys(struct fz_rng *r, const struct fx_offer *o,
			  struct fx_keys *k)
{
	unsigned int order, nq;

	memset(k, 0, sizeof(*k));
	k->missing_queue = -1;
	k->abi = fz_chance(r, 1, 2) ? FZ_ABI_X86_32 : FZ_ABI_X86_64;
	k->has_protocol = true;
	/* no protocol key: the backend's own ABI, x86_64 in the lab's dom0 */
	if (k->abi == FZ_ABI_X86_64 && fz_chance(r, 1, 8))
		k->has_protocol = false;
	snprintf(k->protocol, sizeof(k->protocol), "%s",
		 fx_protocol_name(k->abi));
	order = (unsigned int)fz_below(r, fx_order(o) + 1);
	if (!order && fz_chance(r, 1, 2)) {
		k->single_ref = true;	/* "ring-ref", no ring-page-order */
	} else {
		k->has_order = true;
		fx_set(k->order, sizeof(k->order), "%llu", order);
		k->nr_refs = 1U << order;
	}
	nq = 1 + (unsigned int)fz_below(r, fx_queues(o));
	k->nr_queues = nq;
	if (nq > 1 || fz_chance(r, 1, 2)) {
		k->has_queues = true;
		fx_set(k->queues, sizeof(k->queues), "%llu", nq);
	}
	k->queue_dirs = nq > 1;
	k->persistent = fz_chance(r, 1, 2);
	k->serve_rings = nq;
}

/* Every name of every ring page: any ring size a reading takes is there. */
static void fx_all_refs(struct fx_keys *k)
{
	k->nr_refs = FX_RING_PAGES;
	k->single_ref = true;
}

static void fx_gen_bad_order(struct fz_rng *r, const struct fx_offer *o,
			     struct fx_seq *s)
{
	static const char *const text[] = {
		"-1", "abc", "", "2abc", " 3", "0x2", "99999999999",
	};
	static const unsigned long long above[] = { 5, 16, 31, 4294967295ULL };
	struct fx_keys *k = &s->keys;
	unsigned int i = (unsigned int)fz_below(r, 1 + ARRAY_LEN(above) +
						ARRAY_LEN(text));

	k->has_order = true;
	fx_all_refs(k);
	if (i <= ARRAY_LEN(above)) {
		unsigned long long v = i ? above[i - 1] : fx_order(o) + 1ULL;

		if (v <= o->max_order)
			v = o->max_order + 1ULL;
		fx_set(k->order, sizeof(k->order), "%llu", v);
		s->expect = FX_EXPECT_REFUSE;
		s->rule = "ring-page-order-above-offer";
	} else {
		snprintf(k->order, sizeof(k->order), "%s",
			 text[i - 1 - ARRAY_LEN(above)]);
		s->expect = FX_EXPECT_EITHER;
		s->rule = "ring-page-order-not-a-number";
	}
}

static void fx_gen_bad_pages(struct fz_rng *r, const struct fx_offer *o,
			     struct fx_seq *s)
{
	static const unsigned long long odd[] = { 3, 5, 6, 12 };
	static const char *const text[] = { "0", "-1", "abc" };
	struct fx_keys *k = &s->keys;
	unsigned int i = (unsigned int)fz_below(r, ARRAY_LEN(odd) + 2 +
						ARRAY_LEN(text));

	k->has_order = false;
	k->has_pages = true;
	fx_all_refs(k);
	s->expect = FX_EXPECT_REFUSE;
	if (i < ARRAY_LEN(odd)) {
		fx_set(k->pages, sizeof(k->pages), "%llu", odd[i]);
		s->rule = "num-ring-pages-not-a-power-of-2";
	} else if (i < ARRAY_LEN(odd) + 2) {
		fx_set(k->pages, sizeof(k->pages), "%llu",
		       i == ARRAY_LEN(odd) ? 32ULL : 2ULL << fx_order(o));
		s->rule = "num-ring-pages-above-offer";
	} else {
		snprintf(k->pages, sizeof(k->pages), "%s",
			 text[i - ARRAY_LEN(odd) - 2]);
		s->expect = FX_EXPECT_EITHER;
		s->rule = "num-ring-pages-not-a-number";
	}
}

static void fx_gen_bad_queues(struct fz_rng *r, const struct fx_offer *o,
			      struct fx_seq *s)
{
	static const char *const text[] = { "-1", "abc", "" };
	struct fx_keys *k = &s->keys;
	unsigned int i = (unsigned int)fz_below(r, 4 + ARRAY_LEN(text));
	unsigned int nq = fx_queues(o) < 2 ? 1 : 2;

	k->has_queues = true;
	k->nr_queues = nq;
	k->queue_dirs = true;
	k->serve_rings = nq;
	s->expect = FX_EXPECT_REFUSE;
	switch (i) {
	case 0:
		snprintf(k->queues, sizeof(k->queues), "0");
		s->rule = "no-queues";
		return;
	case 1:
		snprintf(k->queues, sizeof(k->queues), "1000000");
		break;
	case 2:
		fx_set(k->queues, sizeof(k->queues), "%llu",
		       (o->max_queues ? o->max_queues : 1) + 1ULL);
		break;
	case 3:
		snprintf(k->queues, sizeof(k->queues), "4294967295");
		break;
	default:
		/* a backend that reads no number takes one queue: the top level */
		snprintf(k->queues, sizeof(k->queues), "%s", text[i - 4]);
		k->top_too = true;
		k->serve_rings = 1;
		s->expect = FX_EXPECT_EITHER;
		s->rule = "queues-not-a-number";
		return;
	}
	s->rule = "queues-above-offer";
}

static void fx_gen_missing(struct fz_rng *r, struct fx_seq *s)
{
	struct fx_keys *k = &s->keys;

	k->missing_queue = (int)fz_below(r, k->nr_queues);
	s->expect = FX_EXPECT_REFUSE;
	if (fz_chance(r, 1, 3)) {
		k->missing_evtchn = true;
		s->rule = "missing-event-channel";
	} else {
		k->missing_ref = k->nr_refs ?
				 (unsigned int)fz_below(r, k->nr_refs) : 0;
		s->rule = "missing-ring-ref";
	}
}

static void fx_gen_bad_protocol(struct fz_rng *r, struct fx_seq *s)
{
	static const char *const text[] = {
		"x86_16-abi", "", "X86_64-ABI", "x86_64-abi ", "x86_64",
		"native", "armv7l-abi", "x86_32-abi\n",
	};
	struct fx_keys *k = &s->keys;
	unsigned int i = (unsigned int)fz_below(r, ARRAY_LEN(text) + 1);

	k->abi = FZ_ABI_X86_64;
	k->has_protocol = true;
	if (i < ARRAY_LEN(text)) {
		snprintf(k->protocol, sizeof(k->protocol), "%s", text[i]);
	} else {
		memset(k->protocol, 'x', sizeof(k->protocol) - 1);
		k->protocol[sizeof(k->protocol) - 1] = '\0';
	}
	s->expect = FX_EXPECT_REFUSE;
	s->rule = "unknown-protocol";
}

static void fx_gen_state(struct fz_rng *r, struct fx_seq *s, bool unknown)
{
	static const char *const bad[] = {
		"2", "7", "8", "9", "255", "-1", "1000000",
	};
	static const char *const none[] = { "0", "abc", "" };
	const char *v;

	if (unknown) {
		/*
		 * Each ends a disk's life on some backends, so a run plays few:
		 * sequences 0 .. 5 of the category are all six cases.
		 */
		v = none[(s->index / 2) % ARRAY_LEN(none)];
		s->at_connected = s->index % 2;
	} else {
		v = bad[fz_below(r, ARRAY_LEN(bad))];
		s->at_connected = fz_chance(r, 1, 2);
	}
	snprintf(s->state, sizeof(s->state), "%s", v);
	/*
	 * xen-blkback.rst: "frontend in state N" ends the handshake (or the
	 * connection) with an error node and Closing.  State 0 and a state
	 * that is no number say the frontend is gone: nothing is documented
	 * but that the backend must not serve on.
	 */
	if (s->at_connected) {
		s->expect = FX_EXPECT_CONNECT;
		s->rule = "valid";
		s->expect2 = unknown ? FX_EXPECT_EITHER : FX_EXPECT_REFUSE;
	} else {
		s->expect = unknown ? FX_EXPECT_EITHER : FX_EXPECT_REFUSE;
		s->rule = unknown ? "frontend-gone" : "frontend-in-state-N";
		s->expect2 = s->expect;
	}
}

static void fx_gen_reinit(struct fz_rng *r, const struct fx_offer *o,
			  struct fx_seq *s)
{
	unsigned int i = (unsigned int)fz_below(r, 3), nq;
	struct fx_keys *n = &s->next;

	*n = s->keys;
	if (i == 2 && fx_queues(o) < 2)
		i = 0;
	switch (i) {
	case 0:
		s->change = "ring";
		break;
	case 1:
		s->change = "protocol";
		n->abi = n->abi == FZ_ABI_X86_32 ? FZ_ABI_X86_64 :
						   FZ_ABI_X86_32;
		n->has_protocol = true;
		snprintf(n->protocol, sizeof(n->protocol), "%s",
			 fx_protocol_name(n->abi));
		break;
	default:
		s->change = "queues";
		nq = 1 + (unsigned int)fz_below(r, fx_queues(o) - 1);
		if (nq >= s->keys.nr_queues)
			nq++;
		n->nr_queues = nq;
		n->serve_rings = nq;
		n->queue_dirs = nq > 1;
		n->has_queues = true;
		fx_set(n->queues, sizeof(n->queues), "%llu", nq);
		break;
	}
	/* the backend may keep the first connection or take the new keys */
	s->expect2 = FX_EXPECT_EITHER;
}

void fx_gen_at(const struct fx_gen *g, uint64_t index, struct fx_seq *s)
{
	const struct fx_offer *o = &g->offer;
	uint64_t total = 0, pick;
	struct fz_rng r;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	/* apart from blkif-fuzz.c's request streams of the same seed */
	fz_rng_seed(&r, fz_mix64(g->seed ^ 0x78737365ULL) ^ fz_mix64(index));
	for (i = 0; i < FX_NR_CAT; i++)
		total += g->weight[i];
	s->cat = FX_CAT_VALID;
	if (total) {
		pick = fz_below(&r, total);
		for (i = 0; i < FX_NR_CAT; i++) {
			if (pick < g->weight[i]) {
				s->cat = i;
				break;
			}
			pick -= g->weight[i];
		}
	}
	s->index = index;
	fx_valid_keys(&r, o, &s->keys);
	s->expect = FX_EXPECT_CONNECT;
	s->rule = "valid";
	s->expect2 = FX_EXPECT_CONNECT;
	s->pairs = 1 + (unsigned int)fz_below(&r, FX_MAX_PAIRS);
	s->sector_seed = fz_next(&r);

	switch (s->cat) {
	case FX_CAT_VALID:
		break;
	case FX_CAT_LEGACY_PAGES: {
		unsigned int order = (unsigned int)fz_below(&r, fx_order(o) + 1);

		s->keys.has_order = false;
		s->keys.single_ref = false;
		s->keys.has_pages = true;
		fx_set(s->keys.pages, sizeof(s->keys.pages), "%llu",
		       1ULL << order);
		s->keys.nr_refs = 1U << order;
		s->rule = "num-ring-pages";
		break;
	}
	case FX_CAT_BAD_ORDER:
		fx_gen_bad_order(&r, o, s);
		break;
	case FX_CAT_BAD_PAGES:
		fx_gen_bad_pages(&r, o, s);
		break;
	case FX_CAT_BAD_QUEUES:
		fx_gen_bad_queues(&r, o, s);
		break;
	case FX_CAT_SHARED_EVTCHN:
		s->keys.nr_queues = 2 + (unsigned int)fz_below(&r, fx_queues(o) - 1);
		s->keys.serve_rings = s->keys.nr_queues;
		s->keys.queue_dirs = true;
		s->keys.has_queues = true;
		fx_set(s->keys.queues, sizeof(s->keys.queues), "%llu",
		       s->keys.nr_queues);
		s->keys.shared_evtchn = true;
		/* Xen binds a port once: a backend may refuse, or cope */
		s->expect = FX_EXPECT_EITHER;
		s->rule = "one-event-channel-two-queues";
		break;
	case FX_CAT_MISSING_KEY:
		fx_gen_missing(&r, s);
		break;
	case FX_CAT_BAD_PROTOCOL:
		fx_gen_bad_protocol(&r, s);
		break;
	case FX_CAT_BAD_STATE:
		fx_gen_state(&r, s, false);
		break;
	case FX_CAT_CLOSED_UNDER_LOAD:
		s->burst = 4 + (unsigned int)fz_below(&r, FX_MAX_BURST - 3);
		break;
	case FX_CAT_CLOSING_CONNECTED:
		/* a backend may take the rings again or stay Closing */
		s->expect2 = FX_EXPECT_EITHER;
		break;
	case FX_CAT_REINIT:
		fx_gen_reinit(&r, o, s);
		break;
	case FX_CAT_UNKNOWN_STATE:
		fx_gen_state(&r, s, true);
		break;
	case FX_NR_CAT:
		break;
	}
}

unsigned int fx_seq_ring_reqs(const struct fx_seq *s)
{
	unsigned int n = 3 * s->pairs;

	if (s->cat == FX_CAT_CLOSING_CONNECTED)
		n += 3 * s->pairs;
	if (s->cat == FX_CAT_REINIT)
		n += 3;		/* the probe of the ring kept */
	return n + s->burst;
}

/* A value on one line: "-" when absent, quoted, bytes out of range as \xNN. */
static int fx_put_value(char *buf, size_t len, bool present, const char *v)
{
	size_t off = 0;
	int n;

	if (!present)
		return snprintf(buf, len, "-");
	n = snprintf(buf, len, "'");
	off += (size_t)n;
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c > ' ' && c < 0x7f && c != '\'' && c != '\\')
			n = snprintf(off < len ? buf + off : NULL,
				     off < len ? len - off : 0, "%c", c);
		else
			n = snprintf(off < len ? buf + off : NULL,
				     off < len ? len - off : 0, "\\x%02x", c);
		off += (size_t)n;
	}
	n = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0,
		     "'");
	return (int)(off + (size_t)n);
}

int fx_seq_format(const struct fx_seq *s, char *buf, size_t len)
{
	const struct fx_keys *k = &s->keys;
	char proto[4 * FX_VALUE_MAX + 4], order[100], pages[100];
	char queues[100], state[100];

	fx_put_value(proto, sizeof(proto), k->has_protocol, k->protocol);
	fx_put_value(order, sizeof(order), k->has_order, k->order);
	fx_put_value(pages, sizeof(pages), k->has_pages, k->pages);
	fx_put_value(queues, sizeof(queues), k->has_queues, k->queues);
	fx_put_value(state, sizeof(state), s->state[0] || s->cat ==
		     FX_CAT_UNKNOWN_STATE, s->state);
	return snprintf(buf, len,
			"seq index=%llu cat=%s expect=%s rule=%s abi=%s protocol=%s ring-page-order=%s num-ring-pages=%s queues=%s rings=%u dirs=%d top=%d refs=%u ring-ref=%d missing=%d%s%u shared-evtchn=%d persistent=%d pairs=%u state=%s at-connected=%d burst=%u change=%s expect2=%s",
			(unsigned long long)s->index, fx_cat_name(s->cat),
			fx_expect_name(s->expect), s->rule,
			k->abi == FZ_ABI_X86_32 ? "x86_32" : "x86_64", proto,
			order, pages, queues, k->nr_queues, k->queue_dirs,
			k->top_too, k->nr_refs, k->single_ref,
			k->missing_queue, k->missing_evtchn ? ":evtchn:" :
			":ref:", k->missing_ref, k->shared_evtchn,
			k->persistent, s->pairs, state, s->at_connected,
			s->burst, s->change ? s->change : "-",
			fx_expect_name(s->expect2));
}
