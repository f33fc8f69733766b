/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blkif-fuzzseq: the host-testable core of the control-plane fuzzer
 * (blkif-fuzzxs, issue 11).  Pure logic, no Xen: the lab tool in the guest
 * writes XenStore keys, grants rings and binds event channels, and asks
 * this core
 *
 *  - what to play: a seeded, deterministic stream of handshake sequences
 *    (fx_gen_at(): sequence n of seed S is the same on every run and does
 *    not depend on the sequences before it), each tagged with its category:
 *    the keys the frontend writes (sane or not), the state it announces,
 *    and what it does once the backend answered (serve requests, close
 *    under load, Closing then Connected, Initialised again with other keys,
 *    a state the protocol lacks);
 *  - what the backend may do about it: connect, refuse (not Connected:
 *    Closing or Closed, with an error node), or either (fx_judge()).  The
 *    expectations are written from Documentation/xen-blkback.rst and
 *    xen-blk-admin.rst ("Violations during the handshake end it with an
 *    error node and Closing": unknown protocol, N ring pages, ring page
 *    order above the offer, queues, a missing ring-ref or event-channel,
 *    frontend in state N), not from the backend's xenbus.c.  A value the
 *    documents say nothing of (a ring-page-order that is no number, one
 *    event channel for two queues) may go either way; a backend that
 *    connects must then serve every ring it could have taken.
 *
 * Userspace, C11, no allocation.  Uses the PRNG of blkif-fuzz.c.
 */
#ifndef BLKIF_FUZZSEQ_H
#define BLKIF_FUZZSEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blkif-fuzz.h"

/* Rings the tool sets up at most, and pages per ring it grants. */
#define FX_MAX_QUEUES		4
#define FX_RING_PAGES		16	/* 2^4: the largest order the protocol has */
#define FX_VALUE_MAX		112	/* bytes of a key's value, NUL included */
/*
 * Requests one ring carries in one connection at most.  Below 32 (the
 * slots of a one-page ring, either ABI), slot i sits at the same place
 * whatever ring size the backend took, so a ring whose size the keys leave
 * open still works for every reading of them.
 */
#define FX_MAX_RING_REQS	30
#define FX_MAX_PAIRS		4	/* read, write, read-back triples per ring */
#define FX_MAX_BURST		16	/* writes left in flight at Closed */

/* XenbusState values (xen/interface/io/xenbus.h) */
#define FX_STATE_UNKNOWN	0
#define FX_STATE_INITIALISING	1
#define FX_STATE_INIT_WAIT	2
#define FX_STATE_INITIALISED	3
#define FX_STATE_CONNECTED	4
#define FX_STATE_CLOSING	5
#define FX_STATE_CLOSED		6

/* What the backend offers (its keys under the backend directory). */
struct fx_offer {
	unsigned int max_queues;	/* multi-queue-max-queues, 1 if absent */
	unsigned int max_order;		/* max-ring-page-order, 0 if absent */
};

enum fx_cat {
	FX_CAT_VALID,		/* honest: ABI, order, queues, persistent */
	FX_CAT_LEGACY_PAGES,	/* honest, num-ring-pages for the ring size */
	FX_CAT_BAD_ORDER,	/* ring-page-order above the offer, -1, text */
	FX_CAT_BAD_PAGES,	/* num-ring-pages 3, above the offer, text */
	FX_CAT_BAD_QUEUES,	/* multi-queue-num-queues 0, 10^6, max + 1 */
	FX_CAT_SHARED_EVTCHN,	/* one event channel for two queues */
	FX_CAT_MISSING_KEY,	/* a queue's ring-ref or event-channel missing */
	FX_CAT_BAD_PROTOCOL,	/* a protocol string the ABI list lacks */
	FX_CAT_BAD_STATE,	/* 2, 7, 8, 9, 255, -1 ... from the frontend */
	FX_CAT_CLOSED_UNDER_LOAD, /* Closed with writes in flight */
	FX_CAT_CLOSING_CONNECTED, /* Closing, then Connected again */
	FX_CAT_REINIT,		/* Initialised again: other ring, ABI, queues */
	/*
	 * State 0 or no number: the device may go.  Sequence n writes "0",
	 * "abc", "" for n / 2 = 0, 1, 2 (mod 3), once connected when n is odd.
	 */
	FX_CAT_UNKNOWN_STATE,
	FX_NR_CAT
};

const char *fx_cat_name(enum fx_cat cat);
/* The category of @name, or -1. */
int fx_cat_parse(const char *name);
/*
 * Whether @cat can be played against @o (SHARED_EVTCHN needs two queues).
 * FX_CAT_UNKNOWN_STATE applies but ends the disk's life on a backend that
 * unregisters the device, so fx_gen_init() leaves it out (weight 0).
 */
bool fx_cat_applies(const struct fx_offer *o, enum fx_cat cat);

/* What the backend may do with a handshake (or a step after it). */
enum fx_expect {
	FX_EXPECT_CONNECT,	/* documented valid: must connect and serve */
	FX_EXPECT_REFUSE,	/* documented refusal: Closing or Closed */
	FX_EXPECT_EITHER,	/* undocumented: either, and serve if connected */
};

/* What the backend did, as the tool saw it. */
enum fx_outcome {
	FX_OUT_CONNECTED,	/* state Connected */
	FX_OUT_REFUSED,		/* state Closing or Closed */
	FX_OUT_SILENT,		/* neither within the tool's wait */
};

const char *fx_expect_name(enum fx_expect e);
const char *fx_outcome_name(enum fx_outcome o);
/*
 * NULL when @o is allowed by @e, else the name of the broken rule:
 * "refused-valid", "silent-on-valid", "connected-on-bad-values",
 * "silent-refusal" (a documented refusal goes Closing).
 */
const char *fx_judge(enum fx_expect e, enum fx_outcome o);

/*
 * The keys the frontend writes.  A value of "" is written as an empty
 * value; has_* false leaves the key out.
 */
struct fx_keys {
	enum fz_abi abi;		/* the layout the tool uses on the ring */
	bool has_protocol;
	char protocol[FX_VALUE_MAX];
	bool has_order;
	char order[24];			/* ring-page-order */
	bool has_pages;
	char pages[24];			/* num-ring-pages */
	bool has_queues;
	char queues[24];		/* multi-queue-num-queues */
	unsigned int nr_queues;		/* rings the tool sets up, 1..FX_MAX_QUEUES */
	bool queue_dirs;		/* ring keys under queue-N/ (else top level) */
	bool top_too;			/* ... and queue 0's at the top level too */
	unsigned int nr_refs;		/* ring-ref0 .. ring-ref<n-1> per ring */
	bool single_ref;		/* the one-page name "ring-ref" */
	int missing_queue;		/* -1, or the ring whose key is left out */
	bool missing_evtchn;		/* ... its event-channel (else ring-ref) */
	unsigned int missing_ref;	/* ... this ring-ref<n> (or all names) */
	bool shared_evtchn;		/* queue 1 names queue 0's port */
	bool persistent;		/* feature-persistent */
	unsigned int serve_rings;	/* rings a connected backend must serve */
};

/* One sequence: a connection's handshake and what follows it. */
struct fx_seq {
	uint64_t index;
	enum fx_cat cat;
	struct fx_keys keys;
	enum fx_expect expect;		/* for the handshake */
	const char *rule;		/* the rule the expectation comes from */
	unsigned int pairs;		/* read, write, read-back triples per ring */
	/* FX_CAT_BAD_STATE, FX_CAT_UNKNOWN_STATE */
	char state[24];			/* the state written, as text */
	bool at_connected;		/* once connected (else for Initialised) */
	/* FX_CAT_CLOSED_UNDER_LOAD: writes left in flight per ring */
	unsigned int burst;
	/* FX_CAT_REINIT: the keys of the second Initialised */
	struct fx_keys next;
	const char *change;		/* "ring", "protocol", "queues" */
	/* what the backend may do at the second step (CLOSING_CONNECTED, REINIT) */
	enum fx_expect expect2;
	uint64_t sector_seed;		/* where the requests go */
};

struct fx_gen {
	struct fx_offer offer;
	uint64_t seed;
	uint32_t weight[FX_NR_CAT];
};

/* Default weights: every category that applies but UNKNOWN_STATE. */
void fx_gen_init(struct fx_gen *g, const struct fx_offer *o, uint64_t seed);
void fx_gen_set_weight(struct fx_gen *g, enum fx_cat cat, uint32_t weight);
/* Sequence @index of the stream: depends on seed, offer and weights only. */
void fx_gen_at(const struct fx_gen *g, uint64_t index, struct fx_seq *s);

/*
 * A sequence on one line, for FINDING lines ("seq index=.. cat=.. ..."):
 * what snprintf() returns.
 */
int fx_seq_format(const struct fx_seq *s, char *buf, size_t len);

/*
 * Requests a sequence puts on one ring in one connection at most: the
 * triples, the triples again after Closing-Connected or a probe, the burst.
 */
unsigned int fx_seq_ring_reqs(const struct fx_seq *s);

#endif /* BLKIF_FUZZSEQ_H */
