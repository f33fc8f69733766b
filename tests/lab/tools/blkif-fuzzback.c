// SPDX-License-Identifier: GPL-2.0
/*
 * blkif-fuzzback: the hostile-backend fuzzer of the lab (issue 11).  Runs
 * in dom0 with xen-blkback unloaded and is the backend of one vbd for one
 * connection: the XenStore handshake through the xenstore-* tools, the
 * frontend's rings mapped through /dev/xen/gntdev, its event channels
 * bound through /dev/xen/evtchn (the plumbing of blkif-evilback).
 *
 *	blkif-fuzzback -s <seed> -c <conn> <domid> <devid>
 *
 * It serves a disk of FZD_MODEL_SECTORS sectors from memory, whose content
 * both ends know from the seed (blkif-fuzzdisk.h): reads get the model's
 * bytes, writes go into the model.  Everything it does is drawn from
 * (seed, conn) and, per response, from (seed, conn, response index), so
 * that a connection replays with the same -s and -c (which request a
 * response index falls on depends on the guest's timing).
 *
 * Per connection, one XenStore category (absurd values of the disk's
 * keys, or sane ones with drawn features) and one scheduled violation at
 * a drawn response index (or none): 2 to 151 in the first NR_XS
 * connections (the XenStore sweep, short), 2 to 2001 in the later ones,
 * which the scenario gives more guest operations, so that the cost of a
 * connection (attach, handshake, detach) is paid for more responses.
 * Per response, one of the categories
 * that break no rule (valid, a bad status, reordered, delayed).  The
 * categories (see cat_names[] and xs_names[]):
 *
 *	valid		the right answer
 *	bad-status	a status other than OKAY (data is still served)
 *	reorder		answered after up to 4 later responses of its ring
 *	delay		answered 5 to 800 ms late
 *	bad-id		an id out of range (>= ring size, past 2^32, ...)
 *	wrong-op	the right id, another operation
 *	dup		the right answer twice, in one push
 *	rsp-ahead	rsp_prod published past everything outstanding
 *	rsp-behind	rsp_prod moved back after the frontend took it
 *			(harmless when the frontend had not taken it yet)
 *	rsp-wrap	rsp_prod published 2^31 away
 *	keep-mapped	the right answer, its pages still mapped for a while
 *	write-after	as keep-mapped, and the pages overwritten meanwhile
 *			(the right data is put back before they are unmapped)
 *
 * When the frontend took the offer of persistent grants, a page may stay
 * mapped: keep-mapped breaks no rule there, and write-after is played as
 * keep-mapped (an overwrite would be data no frontend can tell from the
 * answer's); the STOP line then ends in "persistent".  Discards leave the
 * model as it is (the guest forgets what the range held).
 *
 * state-flap, the last XenStore category, plays its states under I/O:
 * every state but Closing and Closed, and values XenbusState lacks, each
 * followed by Connected again (FLAP lines).
 *
 * The frontend is judged here on what it sends (a request this backend
 * cannot have caused is a finding: a bad operation, segment, sector
 * range or producer index); the guest (blkif-fuzzcheck) judges the data
 * and the scenario the kernel logs.  Output, one line each:
 *
 *	CONN conn=<c> seed=<s> xs=<name> stop=<name>@<rsp> sectors=<n> ...
 *	FRONTEND queues=<n> ring-page-order=<o> protocol=<p>
 *	CONNECTED rings=<n> slots=<n>
 *	REFUSED frontend-state=<s>	(it closed before Initialised)
 *	PLAY <cat> rsp=<index> ring=<q> id=<id> op=<op> detail=<...>
 *					(every category but valid, the first
 *					 PLAY_LINES of each)
 *	STOP <cat> rsp=<index>		(the scheduled violation played)
 *	FINDING <kind> seed=<s> conn=<c> rsp=<index> ...
 *	REVOKED rsp=<index> ...		(grants the frontend revoked after the
 *					 violation: no finding)
 *	CLOSING by=toolstack|frontend|gone|lifetime
 *	CLOSED frontend-state=<state>
 *	CAT <cat> <count>		(responses of each category)
 *	END requests=<n> stop-played=<0|1> serve-ms=<n> cpu-ms=<n>
 *	    xs-cpu-ms=<n>		(serve-ms: from Connected to the close;
 *					 cpu-ms: this process's CPU time in all,
 *					 xs-cpu-ms: its xenstore-* children's)
 *	XSCAT <name> 1
 *	fuzz-frontend: <n> responses, <k> findings, seed <s>
 */

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define LAB_PROG "blkif-fuzzback"
#include "blkif-lab.h"
#include "blkif-fuzzdisk.h"

/* the uapi headers use these without defining them */
typedef uint16_t domid_t;
typedef uint32_t grant_ref_t;
#include <xen/evtchn.h>
#include <xen/gntdev.h>

#define __printf(a, b)		__attribute__((format(printf, a, b)))
#include "blkif-labback.h"

#ifndef OP_DISCARD
#define OP_DISCARD		5
#endif
#define OP_FLUSH_DISKCACHE	3

#define MAX_QUEUES		4
#define MAX_ORDER		4
#define MAX_SEGS	(MAX_INDIRECT_PAGES * SEGS_PER_INDIRECT_PAGE)
#define MAX_PEND		256
#define MAX_KEPT		8
#define PLAY_LINES		10
#define FINDING_LINES		20

#define BACKEND_WAIT_MS		60000
#define FRONTEND_WAIT_MS	30000
#define CLOSE_WAIT_MS		20000
#define LINGER_MS		60000
#define LIFETIME_MS		1800000
#define XS_POLL_MS		1000	/* a xenstore-read costs ~200 ms of dom0 under TCG */
#define XS_IDLE_POLL_MS		200	/* no request for FLAP_IDLE_MS: a detach may come */
#define REORDER_MS		300
#define BEHIND_AFTER_MS		50
#define BEHIND_FOR_MS		500

/* response categories: the first ones break no rule of the protocol */
enum cat {
	CAT_VALID,
	CAT_BAD_STATUS,
	CAT_REORDER,
	CAT_DELAY,
	CAT_BAD_ID,		/* first of the violations */
	CAT_WRONG_OP,
	CAT_DUP,
	CAT_RSP_AHEAD,
	CAT_RSP_BEHIND,
	CAT_RSP_WRAP,
	CAT_KEEP_MAPPED,
	CAT_WRITE_AFTER,
	NR_CATS,
	CAT_NONE = NR_CATS,	/* no scheduled violation */
};

static const char *const cat_names[] = {
	[CAT_VALID] = "valid",
	[CAT_BAD_STATUS] = "bad-status",
	[CAT_REORDER] = "reorder",
	[CAT_DELAY] = "delay",
	[CAT_BAD_ID] = "bad-id",
	[CAT_WRONG_OP] = "wrong-op",
	[CAT_DUP] = "dup",
	[CAT_RSP_AHEAD] = "rsp-ahead",
	[CAT_RSP_BEHIND] = "rsp-behind",
	[CAT_RSP_WRAP] = "rsp-wrap",
	[CAT_KEEP_MAPPED] = "keep-mapped",
	[CAT_WRITE_AFTER] = "write-after",
	[CAT_NONE] = "none",
};

/* XenStore categories, one per connection */
enum xs_cat {
	XS_SANE,
	XS_SECTORS_0,
	XS_SECTORS_2_63,
	XS_SSIZE_0,
	XS_SSIZE_3,
	XS_SSIZE_65536,
	XS_PSSIZE_HUGE,
	XS_ORDER_30,
	XS_QUEUES_0,
	XS_QUEUES_65535,
	XS_INDIRECT_2_31,
	XS_INFO_BITS,
	XS_STATE_FLAP,
	NR_XS,
};

static const char *const xs_names[] = {
	[XS_SANE] = "sane",
	[XS_SECTORS_0] = "sectors-0",
	[XS_SECTORS_2_63] = "sectors-2^63",
	[XS_SSIZE_0] = "sector-size-0",
	[XS_SSIZE_3] = "sector-size-3",
	[XS_SSIZE_65536] = "sector-size-65536",
	[XS_PSSIZE_HUGE] = "physical-sector-size-2^31",
	[XS_ORDER_30] = "max-ring-page-order-30",
	[XS_QUEUES_0] = "queues-0",
	[XS_QUEUES_65535] = "queues-65535",
	[XS_INDIRECT_2_31] = "indirect-2^31",
	[XS_INFO_BITS] = "info-bits",
	[XS_STATE_FLAP] = "state-flap",
};

/*
 * state-flap: the states the backend passes through (back to Connected
 * each time) while it serves, one every FLAP_EVERY responses: every
 * state that is not Closing or Closed, and values XenbusState lacks
 */
static const int flap_states[] = { 2, 3, 1, 0, 7, 8, 9 };
#define FLAP_EVERY		15
#define FLAP_IDLE_MS		300

/* the scheduled violation's response index: 2 + a draw below these */
#define STOP_SPAN_SHORT		150
#define STOP_SPAN_LONG		2000

static const int16_t bad_statuses[] = { RSP_ERROR, RSP_EOPNOTSUPP, 1, 2, -3,
					 0x7fff, -0x8000 };

/* a response waiting to be written into its ring */
struct pend {
	uint64_t id;
	uint8_t op;
	int16_t status;
	enum cat cat;
	unsigned long rsp;	/* response index in the connection */
	long due;		/* written when due ... */
	unsigned int after;	/* ... or, reordered, after that many others */
	uint32_t prod_delta;	/* rsp-ahead, rsp-wrap: rsp_prod past pvt */
	int kept;		/* keep-mapped, write-after: kept[] slot */
};

/* pages of an answered request that stay mapped */
struct kept {
	int used;
	int garbage;		/* write-after: overwrite until released */
	int published;		/* its response is in the ring */
	uint8_t *p;
	unsigned int n;
	uint64_t index;
	uint64_t sector;
	struct seg *segs;
	long until;
	unsigned long writes;
};

struct ring {
	unsigned int q;
	uint8_t *sring;		/* header, then nslots slots */
	unsigned int npages;
	unsigned int nslots;
	uint64_t index;		/* gntdev offset of the ring mapping */
	unsigned int port;	/* our end of its event channel */
	uint32_t req_cons;
	uint32_t rsp_prod_pvt;
	int stopped;		/* not served any more (bad req_prod) */
	struct pend pend[MAX_PEND];
	unsigned int npend;
	uint32_t published;	/* the rsp_prod written last */
	long behind_at;		/* rsp-behind: when to move rsp_prod back */
	uint32_t behind_by;
	long restore_at;	/* rsp-behind: when to put it right again */
};

struct back {
	unsigned int domid;
	unsigned int devid;
	uint64_t seed;
	unsigned int conn;
	char be[96];
	char fe[96];
	int my_state;
	int gfd;
	int efd;
	/* what the disk keys say */
	enum xs_cat xs;
	unsigned long long sectors;
	unsigned long long ssize;
	unsigned long long pssize;
	unsigned long long order;
	unsigned long long queues;
	unsigned long long indirect;
	unsigned long long info;
	int flush;
	int discard;
	int persistent;		/* offered */
	int persistent_on;	/* and the frontend took it */
	/* what the frontend chose */
	unsigned int nrings;
	unsigned int ring_order;
	struct ring rings[MAX_QUEUES];
	/* the model */
	uint8_t *disk;
	/* the scheduled violation */
	enum cat stop;
	unsigned long stop_at;
	int stop_played;
	unsigned int flaps;	/* state-flap: states played */
	long last_req_ms;	/* when the last request came */
	/* counts */
	unsigned long responses;	/* response indices handed out */
	unsigned long cat_count[NR_CATS];
	unsigned long findings;
	unsigned long requests;
	struct kept kept[MAX_KEPT];
};

/* ------------------------------------------------------------------ */
/* XenStore                                                            */
/* ------------------------------------------------------------------ */

static void set_state(struct back *b, int state)
{
	if (xs_run("xenstore-write %s/state %d", b->be, state))
		fatal("writing the backend state");
	b->my_state = state;
}

static void xs_read_states(struct back *b, int *be_state, int *fe_state)
{
	xs_read_both_states(b->be, b->fe, be_state, fe_state);
}

/* ------------------------------------------------------------------ */
/* Findings                                                            */
/* ------------------------------------------------------------------ */

static __printf(3, 4) void finding(struct back *b, const char *kind,
				   const char *fmt, ...)
{
	va_list ap;

	if (++b->findings > FINDING_LINES)
		return;
	printf("FINDING %s seed=%llu conn=%u rsp=%lu ", kind,
	       (unsigned long long)b->seed, b->conn, b->responses);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/*
 * A request's grants could not be mapped.  A finding while the connection
 * is sound; once a violation was played the frontend may have stopped the
 * device and ended its requests, revoking their grants (as it must before
 * it gives their pages back): then only a line.
 */
static __printf(2, 3) void unmappable(struct back *b, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (b->stop_played)
		printf("REVOKED rsp=%lu %s (after the violation)\n",
		       b->responses, what);
	else
		finding(b, "grant-unmappable", "%s", what);
}

/* ------------------------------------------------------------------ */
/* Grants and event channels                                           */
/* ------------------------------------------------------------------ */

static void *map_grants(struct back *b, const uint32_t *grefs, unsigned int n,
			uint64_t *index, int prot)
{
	return gnt_map(b->gfd, b->domid, grefs, n, index, prot, 0);
}

static void unmap_grants(struct back *b, void *p, unsigned int n,
			 uint64_t index)
{
	gnt_unmap(b->gfd, p, n, index);
}

static void notify(struct back *b, struct ring *r)
{
	evtchn_notify(b->efd, r->port);
}

/* ------------------------------------------------------------------ */
/* Ring slots                                                          */
/* ------------------------------------------------------------------ */

#define RING_HDR		64U

static uint32_t *ring_idx(struct ring *r, unsigned int off)
{
	return (uint32_t *)(r->sring + off);
}

#define REQ_PROD(r)	ring_idx(r, 0)
#define REQ_EVENT(r)	ring_idx(r, 4)
#define RSP_PROD(r)	ring_idx(r, 8)

static uint8_t *ring_slot(struct ring *r, uint32_t i)
{
	return r->sring + RING_HDR + (size_t)(i & (r->nslots - 1)) * SLOT_SIZE;
}

/* Slots of a ring of @npages pages: a power of two, as the macros say. */
static unsigned int ring_slots(unsigned int npages)
{
	unsigned int n = (npages * PAGE_SIZE - RING_HDR) / SLOT_SIZE, p = 1;

	while (p * 2 <= n)
		p *= 2;
	return p;
}

/* ------------------------------------------------------------------ */
/* Drawing                                                             */
/* ------------------------------------------------------------------ */

/* The per-response category: one that breaks no rule. */
static enum cat draw_cat(struct back *b, unsigned long rsp, uint64_t *h)
{
	unsigned int u;

	*h = fzd_mix(b->seed, ((uint64_t)b->conn << 32) | 1, rsp);
	u = (unsigned int)(*h % 10000);
	*h >>= 16;
	if (u < 8600)
		return CAT_VALID;
	if (u < 9000)
		return CAT_BAD_STATUS;
	if (u < 9600)
		return CAT_REORDER;
	return CAT_DELAY;
}

/* Categories whose frontend has no disk to do I/O on. */
static int xs_no_io(enum xs_cat xs)
{
	return xs == XS_SECTORS_0 || xs == XS_SECTORS_2_63 ||
	       xs == XS_SSIZE_0 || xs == XS_SSIZE_3 || xs == XS_SSIZE_65536;
}

/*
 * The XenStore category of connection @conn: each once in the first
 * NR_XS connections, then only those with a disk, sane ones twice as often.
 */
static enum xs_cat xs_of(uint64_t seed, unsigned int conn)
{
	static const enum xs_cat later[] = {
		XS_SANE, XS_SANE, XS_PSSIZE_HUGE, XS_ORDER_30, XS_QUEUES_0,
		XS_QUEUES_65535, XS_INDIRECT_2_31, XS_INFO_BITS, XS_STATE_FLAP,
	};

	if (conn < NR_XS)
		return (enum xs_cat)((conn + seed) % NR_XS);
	return later[(conn * 5 + seed) % ARRAY_SIZE(later)];
}

/*
 * The response index of connection @conn's scheduled violation, from the
 * draw @h: early in the short connections of the XenStore sweep, over a
 * wider span in the long ones after it.
 */
static unsigned long stop_at_of(unsigned int conn, uint64_t h)
{
	return 2 + (unsigned long)(h % (conn < NR_XS ? STOP_SPAN_SHORT :
					STOP_SPAN_LONG));
}

/* The disk's keys and the scheduled violation of this connection. */
static void draw_connection(struct back *b)
{
	uint64_t h = fzd_mix(b->seed, b->conn, 0x636f6e6eULL);
	static const unsigned int indirect[] = { 0, 0, 32, 64, 256 };
	static const unsigned int orders[] = { 0, 0, 1, 2, 4 };
	static const unsigned long long infos[] = { 1, 2, 4, 0xffffffffULL };

	unsigned int c, with_io = 0;

	b->xs = xs_of(b->seed, b->conn);
	/* the violations take turns over the connections that do I/O */
	for (c = 0; c < b->conn; c++)
		with_io += !xs_no_io(xs_of(b->seed, c));
	b->stop = (enum cat)(CAT_BAD_ID +
			     (with_io + b->seed) % (CAT_NONE - CAT_BAD_ID + 1));
	b->stop_at = stop_at_of(b->conn, h);
	h >>= 8;
	b->sectors = FZD_MODEL_SECTORS;
	b->ssize = (h & 3) == 3 ? 4096 : SECTOR_SIZE;
	h >>= 2;
	b->pssize = (h & 1) ? 4096 : b->ssize;
	h >>= 1;
	b->order = orders[h % ARRAY_SIZE(orders)];
	h >>= 4;
	b->queues = (h % 3) == 2 ? 2 : 1;
	h >>= 2;
	b->indirect = indirect[h % ARRAY_SIZE(indirect)];
	h >>= 4;
	b->flush = (int)(h & 1);
	h >>= 1;
	b->discard = (int)(h & 1);
	h >>= 1;
	b->persistent = (int)(h & 1);
	h >>= 1;
	b->info = 0;
	switch (b->xs) {
	case XS_SANE:
		break;
	case XS_SECTORS_0:
		b->sectors = 0;
		break;
	case XS_SECTORS_2_63:
		b->sectors = 1ULL << 63;
		break;
	case XS_SSIZE_0:
		b->ssize = 0;
		break;
	case XS_SSIZE_3:
		b->ssize = 3;
		break;
	case XS_SSIZE_65536:
		b->ssize = 65536;
		break;
	case XS_PSSIZE_HUGE:
		b->pssize = 1ULL << 31;
		break;
	case XS_ORDER_30:
		b->order = 30;
		break;
	case XS_QUEUES_0:
		b->queues = 0;
		break;
	case XS_QUEUES_65535:
		b->queues = 65535;
		break;
	case XS_INDIRECT_2_31:
		b->indirect = 1ULL << 31;
		break;
	case XS_INFO_BITS:
		b->info = infos[h % ARRAY_SIZE(infos)];
		break;
	case XS_STATE_FLAP:
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Connecting                                                          */
/* ------------------------------------------------------------------ */

static void init_wait(struct back *b)
{
	long end = now_ms() + BACKEND_WAIT_MS;
	char buf[96], cmd[2048];
	int n;

	while (xs_read(b->be, "frontend", buf, sizeof(buf)) || !buf[0]) {
		if (now_ms() > end)
			fatal("no backend directory from the toolstack");
		sleep_ms(50);
	}
	snprintf(b->fe, sizeof(b->fe), "%s", buf);
	/* one xenstore-write: each costs about 200 ms of dom0 under TCG */
	n = snprintf(cmd, sizeof(cmd), "xenstore-write %s/sectors %llu %s/info %llu %s/sector-size %llu %s/physical-sector-size %llu",
		     b->be, b->sectors, b->be, b->info, b->be, b->ssize, b->be,
		     b->pssize);
	if (b->order)
		n += snprintf(cmd + n, sizeof(cmd) - n,
			      " %s/max-ring-page-order %llu", b->be, b->order);
	if (b->queues != 1)
		n += snprintf(cmd + n, sizeof(cmd) - n,
			      " %s/multi-queue-max-queues %llu", b->be,
			      b->queues);
	if (b->indirect)
		n += snprintf(cmd + n, sizeof(cmd) - n,
			      " %s/feature-max-indirect-segments %llu", b->be,
			      b->indirect);
	if (b->flush)
		n += snprintf(cmd + n, sizeof(cmd) - n,
			      " %s/feature-flush-cache 1", b->be);
	if (b->discard)
		n += snprintf(cmd + n, sizeof(cmd) - n,
			      " %s/feature-discard 1 %s/discard-granularity 4096",
			      b->be, b->be);
	if (b->persistent)
		n += snprintf(cmd + n, sizeof(cmd) - n,
			      " %s/feature-persistent 1", b->be);
	if (n >= (int)sizeof(cmd))
		fatal("xenstore command too long");
	if (xs_run("%s", cmd))
		fatal("writing the disk keys");
	set_state(b, XS_INIT_WAIT);
}

/* Map ring @r of the frontend, whose keys are in @dir. */
static int connect_ring(struct back *b, struct ring *r, const char *dir)
{
	struct ioctl_evtchn_bind_interdomain bind = { 0 };
	uint32_t grefs[1U << MAX_ORDER];
	char key[32];
	unsigned int i;
	long long v;
	int port;

	r->npages = 1U << b->ring_order;
	for (i = 0; i < r->npages; i++) {
		if (b->ring_order)
			snprintf(key, sizeof(key), "ring-ref%u", i);
		else
			snprintf(key, sizeof(key), "ring-ref");
		v = xs_read_num(dir, key, -1);
		if (v < 0) {
			finding(b, "no-ring-ref", "dir=%s key=%s", dir, key);
			return -1;
		}
		grefs[i] = (uint32_t)v;
	}
	r->sring = map_grants(b, grefs, r->npages, &r->index,
			      PROT_READ | PROT_WRITE);
	if (!r->sring) {
		finding(b, "ring-unmappable", "dir=%s pages=%u", dir, r->npages);
		return -1;
	}
	r->nslots = ring_slots(r->npages);
	bind.remote_domain = b->domid;
	bind.remote_port = (unsigned int)xs_read_num(dir, "event-channel", 0);
	port = ioctl(b->efd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
	if (port < 0) {
		finding(b, "event-channel", "dir=%s port=%u", dir,
			bind.remote_port);
		return -1;
	}
	r->port = (unsigned int)port;
	r->req_cons = 0;
	r->rsp_prod_pvt = 0;
	return 0;
}

/* 0 when connected, -1 when the frontend went away or chose nonsense. */
static int connect_frontend(struct back *b)
{
	long end = now_ms() + FRONTEND_WAIT_MS;
	char proto[32], dir[160];
	long long order, queues;
	unsigned int q, max_q;
	int state;

	for (;;) {
		state = (int)xs_read_num(b->fe, "state", -1);
		if (state == XS_INITIALISED)
			break;
		if (state >= XS_CLOSING || state < 0 || now_ms() > end) {
			printf("REFUSED frontend-state=%d\n", state);
			return -1;
		}
		sleep_ms(100);
	}
	if (xs_read(b->fe, "protocol", proto, sizeof(proto)) || !proto[0])
		snprintf(proto, sizeof(proto), "native");
	order = xs_read_num(b->fe, "ring-page-order", 0);
	queues = xs_read_num(b->fe, "multi-queue-num-queues", 1);
	b->persistent_on = b->persistent &&
			   xs_read_num(b->fe, "feature-persistent", 0) == 1;
	printf("FRONTEND queues=%lld ring-page-order=%lld protocol=%s persistent=%d\n",
	       queues, order, proto, b->persistent_on);
	if (strcmp(proto, "native") && strcmp(proto, "x86_64-abi")) {
		finding(b, "protocol", "protocol=%s", proto);
		return -1;
	}
	/* what we offered (an absurd offer: what a frontend may take of it) */
	max_q = b->queues > MAX_QUEUES ? MAX_QUEUES : (unsigned int)b->queues;
	if (!max_q)
		max_q = 1;
	if (queues < 1 || queues > max_q || order < 0 || order > MAX_ORDER ||
	    (unsigned long long)order > b->order) {
		finding(b, "ring-layout", "queues=%lld order=%lld offered-queues=%llu offered-order=%llu",
			queues, order, b->queues, b->order);
		return -1;
	}
	b->nrings = (unsigned int)queues;
	b->ring_order = (unsigned int)order;
	b->gfd = open("/dev/xen/gntdev", O_RDWR);
	if (b->gfd < 0)
		die("open /dev/xen/gntdev");
	b->efd = open("/dev/xen/evtchn", O_RDWR);
	if (b->efd < 0)
		die("open /dev/xen/evtchn");
	for (q = 0; q < b->nrings; q++) {
		b->rings[q].q = q;
		if (b->nrings == 1)
			snprintf(dir, sizeof(dir), "%s", b->fe);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", b->fe, q);
		if (connect_ring(b, &b->rings[q], dir))
			return -1;
	}
	if (b->xs == XS_STATE_FLAP) {
		/* InitWait once more while the frontend waits for Connected */
		set_state(b, XS_INIT_WAIT);
		printf("FLAP state=%d\n", XS_INIT_WAIT);
	}
	set_state(b, XS_CONNECTED);
	printf("CONNECTED rings=%u slots=%u\n", b->nrings, b->rings[0].nslots);
	return 0;
}

static void release_kept(struct back *b, struct kept *k);

static void disconnect(struct back *b)
{
	unsigned int q, i;

	for (i = 0; i < MAX_KEPT; i++)
		if (b->kept[i].used)
			release_kept(b, &b->kept[i]);
	for (q = 0; q < MAX_QUEUES; q++) {
		struct ring *r = &b->rings[q];

		if (r->sring) {
			unmap_grants(b, r->sring, r->npages, r->index);
			r->sring = NULL;
		}
	}
	if (b->efd >= 0) {
		close(b->efd);
		b->efd = -1;
	}
	if (b->gfd >= 0) {
		close(b->gfd);
		b->gfd = -1;
	}
}

/* ------------------------------------------------------------------ */
/* The model                                                           */
/* ------------------------------------------------------------------ */

static void model_init(struct back *b)
{
	uint64_t s;

	b->disk = malloc(FZD_MODEL_SECTORS * FZD_SECTOR);
	if (!b->disk)
		fatal("out of memory for the disk");
	for (s = 0; s < FZD_MODEL_SECTORS; s++)
		fzd_sector_fill(b->disk + s * FZD_SECTOR, b->seed, s, 0);
}

/* Copy between the model and the mapped pages of a request. */
static void model_io(struct back *b, uint8_t *p, const struct seg *segs,
		     unsigned int nseg, uint64_t sector, int write)
{
	unsigned int i, s;

	for (i = 0; i < nseg; i++)
		for (s = segs[i].first_sect; s <= segs[i].last_sect; s++) {
			uint8_t *pg = p + (size_t)i * PAGE_SIZE + s * FZD_SECTOR;
			uint8_t *d = b->disk + sector * FZD_SECTOR;

			if (write)
				memcpy(d, pg, FZD_SECTOR);
			else
				memcpy(pg, d, FZD_SECTOR);
			sector++;
		}
}

/* ------------------------------------------------------------------ */
/* Serving                                                             */
/* ------------------------------------------------------------------ */

static struct kept *kept_slot(struct back *b)
{
	unsigned int i;

	for (i = 0; i < MAX_KEPT; i++)
		if (!b->kept[i].used)
			return &b->kept[i];
	return NULL;
}

static void release_kept(struct back *b, struct kept *k)
{
	/* write-after: the data the response promised, back in place */
	if (k->garbage)
		model_io(b, k->p, k->segs, k->n, k->sector, 0);
	unmap_grants(b, k->p, k->n, k->index);
	if (k->garbage)
		printf("RELEASED sector=%llu writes=%lu\n",
		       (unsigned long long)k->sector, k->writes);
	free(k->segs);
	memset(k, 0, sizeof(*k));
}

/*
 * Check and serve the @nseg segments of a read or write at @sector; a
 * status.  With @keep, the pages stay mapped in *@keep (keep-mapped,
 * write-after).
 */
static int16_t serve_rw(struct back *b, uint8_t op, uint64_t sector,
			const struct seg *segs, unsigned int nseg,
			struct kept **keep)
{
	static uint32_t grefs[MAX_SEGS];
	unsigned long long total = 0;
	struct kept *k = NULL;
	unsigned int i;
	uint64_t index;
	uint8_t *p;

	for (i = 0; i < nseg; i++) {
		if (segs[i].first_sect > segs[i].last_sect ||
		    segs[i].last_sect >= SECTORS_PER_PAGE) {
			finding(b, "bad-segment", "op=%u sector=%llu seg=%u first=%u last=%u",
				op, (unsigned long long)sector, i,
				segs[i].first_sect, segs[i].last_sect);
			return RSP_ERROR;
		}
		total += segs[i].last_sect - segs[i].first_sect + 1U;
		grefs[i] = segs[i].gref;
	}
	if (sector > b->sectors || total > b->sectors - sector) {
		finding(b, "past-the-end", "op=%u sector=%llu sectors=%llu disk=%llu",
			op, (unsigned long long)sector, total, b->sectors);
		return RSP_ERROR;
	}
	if (b->ssize == 4096 && (sector % 8 || total % 8)) {
		finding(b, "misaligned", "op=%u sector=%llu sectors=%llu on a 4 KiB disk",
			op, (unsigned long long)sector, total);
		return RSP_ERROR;
	}
	if (sector + total > FZD_MODEL_SECTORS)
		return RSP_ERROR;	/* absurd sizes: the model ends here */
	if (op == OP_WRITE && (b->info & 4))
		return RSP_ERROR;	/* a read-only disk, as blkback */
	p = map_grants(b, grefs, nseg, &index, op == OP_READ ?
		       PROT_READ | PROT_WRITE : PROT_READ);
	if (!p) {
		unmappable(b, "op=%u sector=%llu nseg=%u", op,
			   (unsigned long long)sector, nseg);
		return RSP_ERROR;
	}
	model_io(b, p, segs, nseg, sector, op == OP_WRITE);
	if (keep)
		k = kept_slot(b);
	if (!k) {
		unmap_grants(b, p, nseg, index);
		if (keep)
			*keep = NULL;
		return RSP_OKAY;
	}
	k->used = 1;
	k->p = p;
	k->n = nseg;
	k->index = index;
	k->sector = sector;
	k->segs = malloc(nseg * sizeof(*segs));
	if (!k->segs)
		fatal("out of memory");
	memcpy(k->segs, segs, nseg * sizeof(*segs));
	*keep = k;
	return RSP_OKAY;
}

static int16_t serve_indirect(struct back *b, const struct req_indirect *r,
			      struct kept **keep)
{
	static struct seg segs[MAX_SEGS];
	uint32_t grefs[MAX_INDIRECT_PAGES];
	unsigned int n = r->nr_segments, npages;
	uint64_t index;
	uint8_t *p;

	if (!b->indirect || !n || n > b->indirect || n > MAX_SEGS ||
	    (r->indirect_op != OP_READ && r->indirect_op != OP_WRITE)) {
		finding(b, "bad-indirect", "indirect-op=%u nseg=%u offered=%llu",
			r->indirect_op, n, b->indirect);
		return RSP_ERROR;
	}
	npages = (n + SEGS_PER_INDIRECT_PAGE - 1) / SEGS_PER_INDIRECT_PAGE;
	memcpy(grefs, r->indirect_grefs, sizeof(grefs));
	p = map_grants(b, grefs, npages, &index, PROT_READ);
	if (!p) {
		unmappable(b, "indirect pages=%u", npages);
		return RSP_ERROR;
	}
	memcpy(segs, p, n * sizeof(segs[0]));
	unmap_grants(b, p, npages, index);
	return serve_rw(b, r->indirect_op, r->sector, segs, n, keep);
}

/* A discard as the x86_64 ABI lays it out. */
struct discard_req {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	uint32_t pad;
	uint64_t id;
	uint64_t sector;
	uint64_t nr_sectors;
} __packed;

static_assert(offsetof(struct discard_req, nr_sectors) == 24,
	      "discard nr_sectors offset");

/* A discard leaves the model as it is: the guest no longer knows it. */
static int16_t serve_discard(struct back *b, const struct req_rw *req)
{
	struct discard_req d;

	memcpy(&d, req, sizeof(d));
	if (!b->discard) {
		finding(b, "unoffered-op", "op=%u", req->operation);
		return RSP_EOPNOTSUPP;
	}
	if (d.flag) {
		finding(b, "unoffered-secure-discard", "sector=%llu",
			(unsigned long long)d.sector);
		return RSP_EOPNOTSUPP;
	}
	if (!d.nr_sectors || d.sector > b->sectors ||
	    d.nr_sectors > b->sectors - d.sector) {
		finding(b, "bad-discard", "sector=%llu sectors=%llu disk=%llu",
			(unsigned long long)d.sector,
			(unsigned long long)d.nr_sectors, b->sectors);
		return RSP_ERROR;
	}
	if (b->info & 4)
		return RSP_ERROR;
	return RSP_OKAY;
}

/* Serve @req (a copy); its status and the operation its answer echoes. */
static int16_t serve(struct back *b, const struct req_rw *req, uint8_t *op,
		     struct kept **keep)
{
	struct seg segs[MAX_DIRECT_SEGS];
	struct req_indirect ind;

	*op = req->operation;
	switch (req->operation) {
	case OP_READ:
	case OP_WRITE:
		if (!req->nr_segments || req->nr_segments > MAX_DIRECT_SEGS) {
			finding(b, "bad-nseg", "op=%u nseg=%u", req->operation,
				req->nr_segments);
			return RSP_ERROR;
		}
		memcpy(segs, req->seg, sizeof(segs));
		return serve_rw(b, req->operation, req->sector, segs,
				req->nr_segments, keep);
	case OP_INDIRECT:
		memcpy(&ind, req, sizeof(ind));
		*op = ind.indirect_op;
		return serve_indirect(b, &ind, keep);
	case OP_FLUSH_DISKCACHE:
		if (!b->flush)
			finding(b, "unoffered-op", "op=%u", req->operation);
		return b->flush ? RSP_OKAY : RSP_EOPNOTSUPP;
	case OP_DISCARD:
		return serve_discard(b, req);
	default:
		finding(b, "unoffered-op", "op=%u", req->operation);
		return RSP_EOPNOTSUPP;
	}
}

static void play_line(struct back *b, const struct ring *r,
		      const struct pend *p, const char *fmt, ...)
	__printf(4, 5);

static void play_line(struct back *b, const struct ring *r,
		      const struct pend *p, const char *fmt, ...)
{
	va_list ap;

	if (b->cat_count[p->cat] > PLAY_LINES)
		return;
	printf("PLAY %s rsp=%lu ring=%u id=%llu op=%u ", cat_names[p->cat],
	       p->rsp, r->q, (unsigned long long)p->id, p->op);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Take request @req off ring @r: serve it, queue its answer. */
static void take_request(struct back *b, struct ring *r,
			 const struct req_rw *req)
{
	struct kept *k = NULL;
	struct pend *p;
	enum cat cat, drawn;
	uint64_t h, drawn_h;
	uint8_t op;
	int16_t status;
	long now = now_ms();
	int data;

	b->requests++;
	b->last_req_ms = now_ms();
	cat = draw_cat(b, b->responses, &drawn_h);
	drawn = cat;
	h = drawn_h;
	data = req->operation == OP_READ || req->operation == OP_WRITE ||
	       req->operation == OP_INDIRECT;
	if (!b->stop_played && b->stop != CAT_NONE &&
	    b->responses >= b->stop_at) {
		/* the pages of a read to overwrite, of a request to keep */
		if ((b->stop != CAT_KEEP_MAPPED && b->stop != CAT_WRITE_AFTER) ||
		    (b->stop == CAT_KEEP_MAPPED && data) ||
		    (b->stop == CAT_WRITE_AFTER &&
		     (req->operation == OP_READ ||
		      (req->operation == OP_INDIRECT &&
		       ((const struct req_indirect *)(const void *)req)->indirect_op ==
		       OP_READ)))) {
			cat = b->stop;
			/*
			 * With persistent grants a page may stay mapped; an
			 * overwrite after the answer would be data the
			 * frontend cannot tell from the answer's.
			 */
			if (b->persistent_on && cat == CAT_WRITE_AFTER)
				cat = CAT_KEEP_MAPPED;
		}
	}
	status = serve(b, req, &op, cat == CAT_KEEP_MAPPED ||
		       cat == CAT_WRITE_AFTER ? &k : NULL);
	if ((cat == CAT_KEEP_MAPPED || cat == CAT_WRITE_AFTER) && !k) {
		/* nothing mapped (an error, or no room): the next one */
		cat = drawn;
		h = drawn_h;
	}
	if (cat >= CAT_BAD_ID) {
		b->stop_played = 1;
		printf("STOP %s rsp=%lu%s\n", cat_names[cat], b->responses,
		       b->persistent_on &&
		       (b->stop == CAT_KEEP_MAPPED ||
			b->stop == CAT_WRITE_AFTER) ? " persistent" : "");
	}
	if (r->npend == MAX_PEND)
		fatal("too many pending responses");
	p = &r->pend[r->npend++];
	memset(p, 0, sizeof(*p));
	p->id = req->id;
	p->op = op;
	p->status = status;
	p->cat = cat;
	p->rsp = b->responses++;
	p->due = now;
	p->kept = -1;
	b->cat_count[cat]++;
	switch (cat) {
	case CAT_VALID:
		break;
	case CAT_BAD_STATUS:
		p->status = bad_statuses[h % ARRAY_SIZE(bad_statuses)];
		play_line(b, r, p, "status=%d", p->status);
		break;
	case CAT_REORDER:
		p->after = 1 + (unsigned int)(h % 4);
		p->due = now + REORDER_MS;
		play_line(b, r, p, "after=%u", p->after);
		break;
	case CAT_DELAY:
		p->due = now + 5 + (long)(h % 796);
		play_line(b, r, p, "ms=%ld", p->due - now);
		break;
	case CAT_BAD_ID:
		switch (h % 5) {
		case 0:
			p->id = r->nslots;
			break;
		case 1:
			p->id = r->nslots + 1 + (h >> 8) % 1000;
			break;
		case 2:
			p->id = req->id + (1ULL << 32);
			break;
		case 3:
			p->id = 1ULL << 63;
			break;
		default:
			p->id = ~0ULL;
			break;
		}
		play_line(b, r, p, "req-id=%llu", (unsigned long long)req->id);
		break;
	case CAT_WRONG_OP:
		p->op = (uint8_t)(op + 1 + (h % 255));
		play_line(b, r, p, "req-op=%u", op);
		break;
	case CAT_DUP:
		play_line(b, r, p, "twice");
		break;
	case CAT_RSP_AHEAD:
		p->prod_delta = r->nslots + 1 + (uint32_t)(h % 1000);
		play_line(b, r, p, "rsp-prod=+%u", p->prod_delta);
		break;
	case CAT_RSP_BEHIND:
		play_line(b, r, p, "back-by=%u", 1 + (unsigned int)(h % 4));
		break;
	case CAT_RSP_WRAP:
		p->prod_delta = 0x80000000U + (uint32_t)(h % 16);
		play_line(b, r, p, "rsp-prod=+%u", p->prod_delta);
		break;
	case CAT_KEEP_MAPPED:
	case CAT_WRITE_AFTER:
		k->garbage = cat == CAT_WRITE_AFTER;
		k->until = 100 + (long)(h % 900);	/* ms after publishing */
		p->kept = (int)(k - b->kept);
		play_line(b, r, p, "sector=%llu pages=%u ms=%ld",
			  (unsigned long long)k->sector, k->n, k->until);
		break;
	default:
		break;
	}
	if (cat == CAT_RSP_BEHIND)
		r->behind_by = 1 + (unsigned int)(h % 4);
}

static void publish(struct back *b, struct ring *r, uint32_t delta)
{
	r->published = r->rsp_prod_pvt + delta;
	__atomic_store_n(RSP_PROD(r), r->published, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	notify(b, r);
}

static void put_response(struct ring *r, uint64_t id, uint8_t op,
			 int16_t status)
{
	struct rsp rsp = {
		.id = id,
		.operation = op,
		.status = status,
	};

	memcpy(ring_slot(r, r->rsp_prod_pvt), &rsp, sizeof(rsp));
	r->rsp_prod_pvt++;
}

/* Write the responses that are due into ring @r; publish them. */
static void release_ring(struct back *b, struct ring *r)
{
	uint32_t delta = 0;
	int written = 0, progress;
	unsigned int i, j;
	long now = now_ms();

	/*
	 * rsp-behind: nothing new from the answer until rsp_prod was put
	 * right, so that the frontend has taken all it saw when it moves back
	 */
	do {
		progress = 0;
		for (i = 0; i < r->npend && !r->behind_at && !r->restore_at; i++) {
			struct pend p = r->pend[i];

			if (p.due > now && !(p.cat == CAT_REORDER && !p.after))
				continue;
			memmove(&r->pend[i], &r->pend[i + 1],
				(r->npend - i - 1) * sizeof(r->pend[0]));
			r->npend--;
			for (j = 0; j < r->npend; j++)
				if (r->pend[j].after)
					r->pend[j].after--;
			put_response(r, p.id, p.op, p.status);
			if (p.cat == CAT_DUP)
				put_response(r, p.id, p.op, p.status);
			if (p.prod_delta)
				delta = p.prod_delta;
			if (p.kept >= 0) {
				b->kept[p.kept].published = 1;
				b->kept[p.kept].until += now;
			}
			if (p.cat == CAT_RSP_BEHIND)
				r->behind_at = now + BEHIND_AFTER_MS;
			written = 1;
			progress = 1;
			break;
		}
	} while (progress);
	if (written)
		publish(b, r, delta);
	if (r->behind_at && now >= r->behind_at) {
		__atomic_store_n(RSP_PROD(r), r->published - r->behind_by,
				 __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		notify(b, r);
		r->behind_at = 0;
		r->restore_at = now + BEHIND_FOR_MS;
	}
	if (r->restore_at && now >= r->restore_at) {
		r->restore_at = 0;
		publish(b, r, 0);
	}
}

/* Take every request on ring @r. */
static void serve_ring(struct back *b, struct ring *r)
{
	uint8_t slot[SLOT_SIZE];
	struct req_rw req;
	uint32_t rp;
	int more;

	do {
		rp = __atomic_load_n(REQ_PROD(r), __ATOMIC_ACQUIRE);
		if (rp - r->req_cons > r->nslots) {
			finding(b, "req-prod", "ring=%u req_prod=%u req_cons=%u",
				r->q, rp, r->req_cons);
			r->stopped = 1;
			return;
		}
		for (; r->req_cons != rp; r->req_cons++) {
			memcpy(slot, ring_slot(r, r->req_cons), sizeof(slot));
			memcpy(&req, slot, sizeof(req));
			take_request(b, r, &req);
		}
		__atomic_store_n(REQ_EVENT(r), r->req_cons + 1, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		more = __atomic_load_n(REQ_PROD(r), __ATOMIC_ACQUIRE) !=
		       r->req_cons;
	} while (more);
}

/* Kept pages: overwrite (write-after), let go when their time is up. */
static void tend_kept(struct back *b)
{
	long now = now_ms();
	unsigned int i, j, s;

	for (i = 0; i < MAX_KEPT; i++) {
		struct kept *k = &b->kept[i];

		if (!k->used || !k->published)
			continue;
		if (now >= k->until) {
			release_kept(b, k);
			continue;
		}
		if (!k->garbage)
			continue;
		for (j = 0; j < k->n; j++)
			for (s = k->segs[j].first_sect; s <= k->segs[j].last_sect; s++)
				snprintf((char *)k->p + (size_t)j * PAGE_SIZE +
					 s * FZD_SECTOR, FZD_SECTOR,
					 "blkif-fuzzback wrote this after answering (%lu)\n",
					 k->writes);
		k->writes++;
	}
}

/* How long to sleep: until the next due response or kept page. */
static int next_wait(struct back *b)
{
	long now = now_ms(), next = now + 100;
	unsigned int q, i;

	for (q = 0; q < b->nrings; q++) {
		struct ring *r = &b->rings[q];

		for (i = 0; i < r->npend && !r->behind_at && !r->restore_at; i++)
			if (r->pend[i].due < next)
				next = r->pend[i].due;
		if (r->behind_at && r->behind_at < next)
			next = r->behind_at;
		if (r->restore_at && r->restore_at < next)
			next = r->restore_at;
	}
	for (i = 0; i < MAX_KEPT; i++)
		if (b->kept[i].used && b->kept[i].published)
			next = now + 5 < next ? now + 5 : next;
	return next > now ? (int)(next - now) : 0;
}

/* Serve until the toolstack closes, the frontend closes or all goes. */
static const char *run(struct back *b)
{
	long end = now_ms() + LIFETIME_MS, next_xs = 0;
	int be_state, fe_state;
	unsigned int q;

	while (now_ms() < end) {
		for (q = 0; q < b->nrings; q++) {
			if (!b->rings[q].stopped)
				serve_ring(b, &b->rings[q]);
			release_ring(b, &b->rings[q]);
		}
		tend_kept(b);
		evtchn_wait_ms(b->efd, next_wait(b));
		if (now_ms() < next_xs)
			continue;
		/* under I/O now and then; idle, a detach is near: sooner */
		next_xs = now_ms() + (now_ms() - b->last_req_ms < FLAP_IDLE_MS ?
				      XS_POLL_MS : XS_IDLE_POLL_MS);
		/*
		 * Under I/O only: once the guest is done, the toolstack may
		 * write Closing, which a flap must not overwrite.
		 */
		if (b->xs == XS_STATE_FLAP && b->flaps < ARRAY_SIZE(flap_states) &&
		    b->responses >= FLAP_EVERY * (b->flaps + 1UL) &&
		    now_ms() - b->last_req_ms < FLAP_IDLE_MS) {
			/* another state, then Connected again */
			set_state(b, flap_states[b->flaps]);
			set_state(b, XS_CONNECTED);
			printf("FLAP state=%d rsp=%lu\n", flap_states[b->flaps],
			       b->responses);
			b->flaps++;
		}
		xs_read_states(b, &be_state, &fe_state);
		if (be_state < 0)
			return "gone";
		if (be_state == XS_CLOSING && b->my_state != XS_CLOSING)
			return "toolstack";
		if (fe_state >= XS_CLOSING || fe_state < 0)
			return "frontend";
	}
	return "lifetime";
}

/* Closing, the frontend's Closed, then Closed (never recreating the dir). */
static void close_backend(struct back *b, const char *by)
{
	long end;
	int fe_state = -1, be_state;

	printf("CLOSING by=%s\n", by);
	if (!strcmp(by, "gone"))
		return;
	if (strcmp(by, "toolstack") &&
	    !xs_run("xenstore-exists %s/state", b->be))
		set_state(b, XS_CLOSING);
	end = now_ms() + CLOSE_WAIT_MS;
	do {
		fe_state = (int)xs_read_num(b->fe, "state", -1);
		if (fe_state == XS_CLOSED || fe_state < 0)
			break;
		sleep_ms(100);
	} while (now_ms() < end);
	if (!xs_run("xenstore-exists %s/state", b->be))
		set_state(b, XS_CLOSED);
	printf("CLOSED frontend-state=%d\n", fe_state);
	if (!strcmp(by, "toolstack"))
		return;
	/* the toolstack detaches later: confirm Closed to it, then go */
	end = now_ms() + LINGER_MS;
	while (now_ms() < end) {
		xs_read_states(b, &be_state, &fe_state);
		if (be_state < 0)
			return;
		if (be_state != XS_CLOSED) {
			set_state(b, XS_CLOSED);
			return;
		}
		sleep_ms(XS_POLL_MS);
	}
}

/* The CPU time (user and system) of @ru in ms. */
static long rusage_ms(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000L +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000L;
}

static void print_usage(void)
{
	fprintf(stderr, "usage: blkif-fuzzback -s <seed> -c <conn> <domid> <devid>\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct back b = {
		.gfd = -1,
		.efd = -1,
		.seed = 1,
	};
	long serve_ms = 0;
	struct rusage ru, ch;
	const char *by;
	unsigned int i;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:c:")) != -1) {
		switch (opt) {
		case 's':
			b.seed = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			b.conn = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			print_usage();
		}
	}
	if (argc - optind != 2)
		print_usage();
	b.domid = (unsigned int)strtoul(argv[optind], NULL, 0);
	b.devid = (unsigned int)strtoul(argv[optind + 1], NULL, 0);
	snprintf(b.be, sizeof(b.be), "/local/domain/0/backend/vbd/%u/%u",
		 b.domid, b.devid);
	draw_connection(&b);
	printf("CONN conn=%u seed=%llu xs=%s stop=%s@%lu sectors=%llu sector-size=%llu physical-sector-size=%llu max-ring-page-order=%llu queues=%llu indirect=%llu info=%llu flush=%d discard=%d persistent=%d\n",
	       b.conn, (unsigned long long)b.seed, xs_names[b.xs],
	       cat_names[b.stop], b.stop_at, b.sectors, b.ssize, b.pssize,
	       b.order, b.queues, b.indirect, b.info, b.flush, b.discard,
	       b.persistent);
	model_init(&b);
	init_wait(&b);
	if (connect_frontend(&b)) {
		by = "frontend";
	} else {
		serve_ms = now_ms();
		by = run(&b);
		serve_ms = now_ms() - serve_ms;
	}
	disconnect(&b);
	close_backend(&b, by);
	for (i = 0; i < NR_CATS; i++)
		printf("CAT %s %lu\n", cat_names[i], b.cat_count[i]);
	printf("XSCAT %s 1\n", xs_names[b.xs]);
	if (getrusage(RUSAGE_SELF, &ru))
		memset(&ru, 0, sizeof(ru));
	if (getrusage(RUSAGE_CHILDREN, &ch))
		memset(&ch, 0, sizeof(ch));
	printf("END requests=%lu stop-played=%d serve-ms=%ld cpu-ms=%ld xs-cpu-ms=%ld\n",
	       b.requests, b.stop_played, serve_ms, rusage_ms(&ru),
	       rusage_ms(&ch));
	printf("fuzz-frontend: %lu responses, %lu findings, seed %llu\n",
	       b.responses, b.findings, (unsigned long long)b.seed);
	return 0;
}
