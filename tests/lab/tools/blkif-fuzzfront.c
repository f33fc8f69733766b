// SPDX-License-Identifier: GPL-2.0
/*
 * blkif-fuzzfront: the hostile-frontend fuzzer of the lab (issue 11).  Runs
 * in the guest with xen-blkfront unloaded, connects to the backend of one
 * vbd as its frontend (grants through /dev/xen/gntalloc, an event channel
 * from /dev/xen/evtchn, the XenStore handshake through the xenstore-*
 * tools, as blkif-evil does) and plays requests 0 .. N-1 of a seeded stream
 * (blkif-fuzz.c: fz_gen_at()) in batches, judging every answer with the
 * oracle and every read with the disk model:
 *
 *	blkif-fuzzfront [-s seed] [-n count] [-f first] [-a x86_64|x86_32]
 *			[-o ring-order] [-q n|lo-hi] [-p 0|1] [-z] [-t ms]
 *			[-b batch] [-R one-in] [-e notifications [-E]]
 *			[-r corpus] <devid>
 *
 *	-s  seed of the stream (default 1)
 *	-n  requests to play (default 20000)
 *	-f  index of the first one (default 0)
 *	-a  guest ABI announced in "protocol" and used for the ring layout
 *	-o  ring-page-order (0: the single-page "ring-ref" key)
 *	-q  queues (rings) of the connection: n, or lo-hi for a draw in
 *	    [lo, hi] from the seed, the ABI, -o and -p (fz_queue_count());
 *	    at most FF_MAX_QUEUES (3 with -o 4: FF_MAX_RING_PAGES) and the
 *	    backend's multi-queue-max-queues (hi is cut down to them; lo
 *	    above them cannot run).  Default 1: the keys of one ring, no
 *	    multi-queue-num-queues
 *	-p  announce feature-persistent (default 0)
 *	-z  the disk holds zeroes at the start (else the model learns it)
 *	-t  time to wait for a response, in ms (default 30000)
 *	-b  requests in flight at once, at most (default FF_BATCH_DEFAULT,
 *	    at most the ring's slots; 1: one at a time)
 *	-R  one request in this many is raced (default FZ_RACE_ONE_IN; 0:
 *	    none; the others are the same whatever -R says)
 *	-e  event floods of this many notifications, one before the stream
 *	    and one after it (default 0: none)
 *	-E  around each flood, wait for dom0 (below)
 *	-r  play the "req" corpus lines of this file instead of the stream,
 *	    one at a time
 *
 * A batch is up to -b requests that cannot change each other's answers
 * (fz_flight_conflict(): distinct ids, no overlap with a span that may
 * change the disk), each on pages of its own, picked in order from the
 * next 4 * -b requests of the stream; one passes those it skips only when
 * it conflicts with none of them, so the disk ends as if they were played
 * one at a time (ff_pick()).  The batch is laid out together, one push,
 * one notification, the answers matched to the requests by id
 * (fz_match_responses()) and judged in the batch's order.  A request that
 * plays with the ring, or that the oracle allows to stop it, is played
 * alone once all before it were answered.  The batches and so the findings
 * depend only on the seed, the connection and -b; -b 1 plays the stream
 * in order, one request at a time.
 *
 * Queues (-q): each request goes on the ring fz_ring_of() names for its
 * index, whatever the batches; a batch is laid out on the rings of its
 * requests, each ring pushed and notified once, and each ring's answers
 * are matched to the requests put on it (an answer on another ring than
 * its request's is one with a wrong id).  The batches do not depend on
 * the queues: requests on different rings are in flight together only
 * when they could share one, so that the one disk model holds.  Races
 * and lone requests go on their own ring like any; the ring's own grant
 * (category bad-grant) is the first page of the request's ring.  Event
 * floods (-e) notify ring 0's event channel only; their probes are
 * spread over the rings as the stream is.
 *
 * Races (the double-fetch class, XSA-155): a raced request (category
 * race, blkif-fuzz.h) is played alone; from just before its push (the push
 * waits for the racer's first rewrite) until its answer comes (at most
 * FF_RACE_WINDOW_US) a second thread rewrites its slot and its indirect
 * pages (fz_race_next()): operation, segment and indirect page counts,
 * sector number, grant references, first and last sectors, handle,
 * discard flag and length, never the id.  The answer
 * must come once, with the request's id, OKAY, ERROR or EOPNOTSUPP and an
 * operation of its layout; the requests after it are judged as always;
 * the race zone it was confined to is unknown to the model afterwards.
 *
 * Event floods (-e): with nothing new on the ring (before the stream, an
 * empty ring; after it, every request consumed and answered) the fuzzer
 * notifies the backend -e times in a tight loop, then plays FF_PROBES
 * honest requests of a stream of their own, which must all be answered
 * within FF_PROBE_MS.  With -E it writes ready-<phase> into its
 * "fuzz-flood" key and waits for dom0 to write go-<phase> before the
 * flood, then done-<phase> and waits for ack-<phase> after it, so that
 * dom0 can measure what the backend's threads spent on the flood alone
 * (phases: empty, consumed).
 *
 * Output, one line each:
 *	CONNECTED devid=<d> backend=<dir> ...	the connection's facts
 *	QUEUES <n> offered=<m>			its queues (rings)
 *	CONN <corpus line>			what the stream is made for
 *	FINDING seed=<s> index=<n> cat=<c> rule=<r> expected=<e> got=<g>
 *		an answer the oracle or the model forbids; the first of each
 *		kind is followed by its two corpus lines (CORPUS conn ...,
 *		CORPUS req ...), which replay it whatever the generator becomes
 *	FINDING seed=<s> ring=<r> what=response-on-idle-ring ...
 *		once every request was answered, more answers on a ring
 *	STOPPED index=<n> ...			the ring stopped where allowed
 *	CAT <cat> sent=<n> okay=<n> error=<n> eopnotsupp=<n> other=<n>
 *		unanswered=<n> findings=<n>
 *	KIND <count> cat=<c> rule=<r> what=<w> expected=<e> got=<g>
 *		findings tallied by kind
 *	READS <n> sectors checked against the model, <m> unjudged
 *		(unjudged: one page read twice by a request, or the ring's)
 *	RACE requests=<n> rewrites=<n> answered-while-rewriting=<n>
 *		window-over=<n> max-ms=<n>	raced requests, the rewrites
 *		made, how many were answered while the racer still wrote, how
 *		many outlived the window, the longest from push to answer
 *	FLOOD phase=<p> notifications=<n> ms=<n> per-s=<n> probes=<n>
 *		probe-ms=<n>
 *	PUSHED <n> requests on the ring, the flood's probes included
 *	RINGS <n0> <n1> ...	of them, on each ring
 *	TIME <n> requests in <ms> ms
 *	PHASES batches=<n> alone=<n> gen=<ms> lay-out=<ms> ring=<ms>
 *		judge=<ms>	where the time went: making the requests,
 *		asking the oracle and picking batches, filling pages and
 *		slots, from the push to the last answer, judging the answers
 *	fuzz-backend: <n> requests, <k> findings, seed <s>
 *
 * Exit status: 0 without findings, 1 with findings, 2 when the fuzzer
 * itself could not run (no backend, no grants...).  It closes the
 * connection (state Closed, waiting for the backend) before exiting.
 */

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define LAB_PROG "blkif-fuzzfront"
#include "blkif-lab.h"
#include "blkif-fuzz.h"

typedef uint16_t domid_t;	/* <xen/evtchn.h> uses it without defining it */
#include <xen/evtchn.h>
#include <xen/gntalloc.h>

/* A grant reference far beyond any guest's grant table. */
#define FF_BAD_GREF		0xfffffU

/*
 * Request pages, shared out among the requests of a batch: one writable
 * page per request page, and read-only pages.  Room for the largest
 * generated request (FZ_GEN_MAX_PAGES) and many small ones, and with the
 * ring's pages below the 1024 grants gntalloc allows by default.
 */
#define FF_POOL_PAGES		928
#define FF_RO_PAGES		32
#define FF_MAX_RING_ORDER	4
/*
 * Rings of a connection, at most, and their pages: 1008 grants at most
 * with the pool's, a little below gntalloc's 1024 (grants of the last
 * connection the backend has not unmapped yet still count); with ring
 * order 4, three rings.
 */
#define FF_MAX_QUEUES		4
#define FF_MAX_RING_PAGES	48U
#define FF_MAX_BATCH		(32U << FF_MAX_RING_ORDER)
#define FF_BATCH_DEFAULT	32
/* Requests a batch is picked from, in batches (ff_pick()) */
#define FF_WINDOW_BATCHES	4

/* The shared ring: indices, 48 bytes of padding, then the slots. */
#define FF_RING_HEADER		64

#define FF_STATE_WAIT_MS	30000

/* A racer rewrites for this long at most, if no answer comes first. */
#define FF_RACE_WINDOW_US	10000
/* Honest requests played after each flood, and the time they may take. */
#define FF_PROBES		32
#define FF_PROBE_MS		3000
/* How long the flood's handshake waits for dom0's answer. */
#define FF_FLOOD_WAIT_MS	600000
/* Seed of the probes' stream: honest reads and writes of their own. */
#define FF_PROBE_SALT		0x70726f6265ULL

/* Distinct kinds of findings tallied (the rest are counted as "more"). */
#define FF_MAX_KINDS		128

struct ff_kind {
	enum fz_cat cat;
	const char *rule;
	const char *what;	/* status, op, id, data, no-response, extra */
	unsigned int allow;	/* FZ_ALLOW_* the oracle allowed */
	int got;		/* status (or op) answered */
	unsigned long long count;
};

/* One request of a batch: its description, verdict and pages. */
struct ff_req {
	struct fz_req rq;
	struct fz_expect e;
	struct fz_flight fl;
	unsigned int ring;		/* the ring it goes on (fz_ring_of()) */
	unsigned int nr_ro;		/* of its pages, granted read-only */
	void *pages[FF_POOL_PAGES];
	uint32_t page_gref[FF_POOL_PAGES];
	bool page_ro[FF_POOL_PAGES];
};

/* An answer as it came off the ring. */
struct ff_rsp {
	uint64_t id;
	uint8_t op;
	int16_t status;
};

/*
 * One queue: its shared ring and event channel, and what a batch put on
 * it (requests idx[] of the batch, in the order they went on the ring)
 * and got back.
 */
struct ff_ring {
	uint8_t *sring;
	uint32_t gref[1U << FF_MAX_RING_ORDER];
	unsigned int port;
	uint32_t req_prod;
	uint32_t rsp_cons;
	unsigned long long pushed;	/* requests put on it, probes too */
	/* this batch */
	unsigned int n, got;
	unsigned int idx[FF_MAX_BATCH];
	struct ff_rsp rsp[FF_MAX_BATCH];
	uint64_t req_id[FF_MAX_BATCH];
	uint64_t rsp_id[FF_MAX_BATCH];
	int match[FF_MAX_BATCH];
};

/* Microseconds spent in each phase of playing. */
struct ff_phases {
	long long gen, lay_out, ring, judge;
	unsigned long long batches, alone;
};

struct ff_cat_count {
	unsigned long long sent, okay, error, eopnotsupp, other, unanswered;
	unsigned long long findings;
};

/*
 * The second thread of a raced request: from the push until the answer
 * (or FF_RACE_WINDOW_US) it applies fz_race_next()'s rewrites to the slot
 * and the indirect pages, while the backend may be reading them.
 */
struct ff_racer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool go;		/* under lock: a request to rewrite */
	int stop;		/* atomic: the answer came, stop now */
	int running;		/* atomic: between go and the last rewrite */
	int started;		/* atomic: the first rewrite is made */
	struct fz_race rc;
	uint8_t *slot;
	uint8_t *ind[FZ_MAX_INDIRECT_PAGES];
	unsigned long long writes;	/* of this request */
	/* totals */
	unsigned long long requests, total_writes, word0_lost, unfinished;
	long long max_us;
};

struct ff {
	/* options */
	uint64_t seed;
	uint64_t count;
	uint64_t first;
	const char *replay;	/* corpus lines to play instead */
	enum fz_abi abi;
	unsigned int order;
	unsigned int queues_lo, queues_hi;	/* -q */
	bool want_persistent;
	bool zeroed;
	int rsp_ms;
	unsigned int batch;
	unsigned int race_one_in;
	unsigned long long flood;	/* notifications per flood, 0: none */
	bool flood_sync;		/* wait for dom0 around each flood */

	/* XenStore */
	unsigned int devid;
	unsigned int backend_id;
	char fe[64];
	char be[128];

	/* grants, the event channels and the rings */
	int gfd;
	int efd;
	unsigned int nr_rings;
	unsigned int offer_queues;	/* multi-queue-max-queues */
	struct ff_ring rings[FF_MAX_QUEUES];
	uint8_t *pool;
	uint32_t pool_gref[FF_POOL_PAGES];
	uint8_t *ro;
	uint32_t ro_gref[FF_RO_PAGES];

	/* each ring */
	unsigned int nslots;
	size_t req_size;		/* slot size: requests are the larger */

	/* the stream and its judges */
	struct fz_conn conn;
	struct fz_gen gen;
	struct fz_model model;

	/* the window of requests to play: the batch first (ff_pick()) */
	unsigned int window;
	unsigned int queued;
	struct ff_req **req;
	/* ff_pick()'s */
	const struct fz_flight **win;
	unsigned int *worder, *scratch;
	struct ff_req **pick;
	unsigned int pool_used;		/* pool pages given out */
	unsigned int ro_used;		/* read-only pages given out */
	/* request i of the batch: its answer, NULL when none came */
	const struct ff_rsp *answer[FF_MAX_BATCH];

	/* the racer, and the probes played after a flood */
	struct ff_racer racer;
	struct fz_gen probe_gen;
	uint64_t probe_next;
	bool probing;

	/* results: the stream's per category, the probes' apart */
	struct ff_cat_count cat[FZ_NR_CAT];
	struct ff_cat_count probe_cat[FZ_NR_CAT];
	struct ff_cat_count *cats;
	unsigned long long pushed;	/* requests on the ring, probes too */
	struct ff_kind kind[FF_MAX_KINDS];
	unsigned int nkinds;
	unsigned long long more_kinds;
	unsigned long long played;
	unsigned long long findings;
	unsigned long long skipped;
	unsigned long long checked;	/* sectors read, judged by the model */
	unsigned long long unjudged;	/* sectors read that no model can judge */
	long ms;		/* time the requests took */
	struct ff_phases ph;
};

/* ------------------------------------------------------------------ */
/* Grants and the event channel                                        */
/* ------------------------------------------------------------------ */

/* @n pages granted to the backend, contiguous in our memory. */
static uint8_t *ff_grant(struct ff *f, unsigned int n, bool writable,
			 uint32_t *grefs)
{
	struct ioctl_gntalloc_alloc_gref *op;
	void *p;

	op = calloc(1, sizeof(*op) + n * sizeof(uint32_t));
	if (!op)
		fatal("out of memory");
	op->domid = (uint16_t)f->backend_id;
	op->flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
	op->count = n;
	if (ioctl(f->gfd, IOCTL_GNTALLOC_ALLOC_GREF, op))
		die("IOCTL_GNTALLOC_ALLOC_GREF");
	p = mmap(NULL, (size_t)n * PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, f->gfd, (off_t)op->index);
	if (p == MAP_FAILED)
		die("mmap of granted pages");
	memset(p, 0, (size_t)n * PAGE_SIZE);
	memcpy(grefs, op->gref_ids, n * sizeof(uint32_t));
	free(op);
	return p;
}

static void ff_share(struct ff *f)
{
	unsigned int i;

	f->gfd = open("/dev/xen/gntalloc", O_RDWR);
	if (f->gfd < 0)
		die("open /dev/xen/gntalloc");
	for (i = 0; i < f->nr_rings; i++)
		f->rings[i].sring = ff_grant(f, 1U << f->order, true,
					     f->rings[i].gref);
	f->pool = ff_grant(f, FF_POOL_PAGES, true, f->pool_gref);
	f->ro = ff_grant(f, FF_RO_PAGES, false, f->ro_gref);
}

/* An event channel per ring, all on one file: any of them wakes us. */
static void ff_open_evtchn(struct ff *f)
{
	struct ioctl_evtchn_bind_unbound_port bind = {
		.remote_domain = f->backend_id,
	};
	unsigned int i;
	int port;

	f->efd = open("/dev/xen/evtchn", O_RDWR);
	if (f->efd < 0)
		die("open /dev/xen/evtchn");
	for (i = 0; i < f->nr_rings; i++) {
		port = ioctl(f->efd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
		if (port < 0)
			die("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
		f->rings[i].port = (unsigned int)port;
	}
}

static void ff_kick(struct ff *f, const struct ff_ring *rg)
{
	struct ioctl_evtchn_notify notify = { .port = rg->port };

	if (ioctl(f->efd, IOCTL_EVTCHN_NOTIFY, &notify))
		die("IOCTL_EVTCHN_NOTIFY");
}

/* Wait up to @ms for an event; consume and unmask it. */
static void ff_wait_event(struct ff *f, int ms)
{
	struct pollfd pfd = { .fd = f->efd, .events = POLLIN };
	unsigned int port;

	if (poll(&pfd, 1, ms) <= 0 || !(pfd.revents & POLLIN))
		return;
	if (read(f->efd, &port, sizeof(port)) != sizeof(port))
		return;
	if (write(f->efd, &port, sizeof(port)) != sizeof(port))
		die("unmasking the event channel");
}

/* ------------------------------------------------------------------ */
/* The ring                                                            */
/* ------------------------------------------------------------------ */

static uint32_t *ff_idx(struct ff_ring *rg, unsigned int word)
{
	return (uint32_t *)(rg->sring + 4 * word);
}

#define FF_REQ_PROD(rg)		ff_idx(rg, 0)
#define FF_REQ_EVENT(rg)	ff_idx(rg, 1)
#define FF_RSP_PROD(rg)		ff_idx(rg, 2)
#define FF_RSP_EVENT(rg)	ff_idx(rg, 3)

/* Slot @i of ring @rg: requests and responses share the slots. */
static uint8_t *ff_slot(struct ff *f, struct ff_ring *rg, uint32_t i)
{
	return rg->sring + FF_RING_HEADER +
	       (size_t)(i % f->nslots) * f->req_size;
}

static void ff_push(struct ff *f, struct ff_ring *rg)
{
	store_release(FF_REQ_PROD(rg), rg->req_prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ff_kick(f, rg);
}

/* Answers waiting on @rg that its batch still awaits, into rg->rsp[]. */
static bool ff_take(struct ff *f, struct ff_ring *rg)
{
	bool took = false;
	struct ff_rsp *r;

	while (rg->got < rg->n &&
	       load_acquire(FF_RSP_PROD(rg)) != rg->rsp_cons) {
		r = &rg->rsp[rg->got++];
		fz_decode_rsp(f->abi, ff_slot(f, rg, rg->rsp_cons), &r->id,
			      &r->op, &r->status);
		rg->rsp_cons++;
		took = true;
	}
	return took;
}

/*
 * Take the answers of the batch off every ring (rg->n each, into
 * rg->rsp[], counted in rg->got), waiting up to f->rsp_ms for each.  Asks
 * each ring for one event, at the last answer it owes.
 */
static void ff_collect(struct ff *f)
{
	long end = now_ms() + f->rsp_ms;
	struct ff_ring *rg;
	unsigned int i, owed;
	bool took;

	for (;;) {
		owed = 0;
		took = false;
		for (i = 0; i < f->nr_rings; i++) {
			rg = &f->rings[i];
			took |= ff_take(f, rg);
			if (rg->got == rg->n)
				continue;
			owed++;
			store_release(FF_RSP_EVENT(rg),
				      rg->rsp_cons + (rg->n - rg->got));
		}
		if (!owed)
			return;
		if (took) {
			end = now_ms() + f->rsp_ms;
			continue;
		}
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		for (i = 0; i < f->nr_rings; i++) {
			rg = &f->rings[i];
			if (rg->got < rg->n &&
			    load_acquire(FF_RSP_PROD(rg)) != rg->rsp_cons)
				break;
		}
		if (i < f->nr_rings)
			continue;
		if (now_ms() > end)
			return;
		ff_wait_event(f, 100);
	}
}

/* ------------------------------------------------------------------ */
/* The racer                                                           */
/* ------------------------------------------------------------------ */

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/*
 * One rewrite.  Bytes 0..3 of the slot are also the answer's first bytes:
 * they change only from what the racer wrote last (a compare-and-swap),
 * and never again once the answer took them.
 */
static void ff_race_apply(struct ff_racer *x, const struct fz_race_write *w)
{
	uint8_t *p = (w->where == FZ_RACE_IND ? x->ind[w->page] : x->slot) +
		     w->off;
	uint32_t old = x->rc.word0;

	switch (w->where == FZ_RACE_WORD0 ? 0 : w->len) {
	case 0:
		if (__atomic_compare_exchange_n((uint32_t *)p, &old,
						(uint32_t)w->value, false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			x->rc.word0 = (uint32_t)w->value;
		} else {
			x->rc.word0_off = true;
			x->word0_lost++;
		}
		break;
	case 1:
		__atomic_store_n(p, (uint8_t)w->value, __ATOMIC_RELAXED);
		break;
	case 2:
		__atomic_store_n((uint16_t *)p, (uint16_t)w->value,
				 __ATOMIC_RELAXED);
		break;
	case 4:
		__atomic_store_n((uint32_t *)p, (uint32_t)w->value,
				 __ATOMIC_RELAXED);
		break;
	default:	/* a sector number: 4-byte aligned in x86_32 slots */
		memcpy(p, &w->value, 8);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		break;
	}
}

static void *ff_racer_main(void *arg)
{
	struct ff_racer *x = arg;
	struct fz_race_write w;
	long long end, t;

	for (;;) {
		pthread_mutex_lock(&x->lock);
		while (!x->go)
			pthread_cond_wait(&x->wake, &x->lock);
		x->go = false;
		pthread_mutex_unlock(&x->lock);

		end = now_us() + FF_RACE_WINDOW_US;
		x->writes = 0;
		for (;;) {
			if (__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE))
				break;
			fz_race_next(&x->rc, &w);
			ff_race_apply(x, &w);
			if (++x->writes == 1)
				__atomic_store_n(&x->started, 1, __ATOMIC_RELEASE);
			if (x->writes % 64)
				continue;
			t = now_us();
			if (t > end) {
				x->unfinished++;
				break;
			}
			/* one vCPU may have to serve both threads */
			if (!(x->writes % 4096))
				sched_yield();
		}
		__atomic_store_n(&x->running, 0, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void ff_racer_init(struct ff *f)
{
	struct ff_racer *x = &f->racer;

	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->wake, NULL);
	if (pthread_create(&x->thread, NULL, ff_racer_main, x))
		fatal("cannot start the racer thread");
}

/*
 * Rewrite request @r, laid out in slot @slot of ring @rg, from now until
 * ff_race_end().
 */
static void ff_race_begin(struct ff *f, struct ff_req *r, struct ff_ring *rg,
			  uint32_t slot)
{
	struct ff_racer *x = &f->racer;
	struct fz_grefs g = {
		.page = r->page_gref,
		.ring = rg->gref[0],
		.bad = FF_BAD_GREF,
	};
	unsigned int i;

	x->slot = ff_slot(f, rg, slot);
	for (i = 0; i < r->rq.nr_ind && i < FZ_MAX_INDIRECT_PAGES; i++)
		x->ind[i] = r->pages[r->rq.ind[i].page];
	fz_race_start(&x->rc, &f->conn, &r->rq, &g, f->seed, x->slot);
	__atomic_store_n(&x->stop, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&x->started, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&x->running, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&x->lock);
	x->go = true;
	pthread_cond_signal(&x->wake);
	pthread_mutex_unlock(&x->lock);
	x->requests++;
	/*
	 * Publish only once the racer writes: woken late (a guest's thread
	 * waking takes as long as the backend's), it would find the request
	 * copied already.
	 */
	while (!__atomic_load_n(&x->started, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&x->running, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* The answers are in: wait until the racer has stopped writing. */
static void ff_race_end(struct ff *f, long long began)
{
	struct ff_racer *x = &f->racer;
	long long t;

	__atomic_store_n(&x->stop, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&x->running, __ATOMIC_ACQUIRE))
		sched_yield();
	t = now_us() - began;
	if (t > x->max_us)
		x->max_us = t;
	x->total_writes += x->writes;
}

/* ------------------------------------------------------------------ */
/* Connecting and closing                                              */
/* ------------------------------------------------------------------ */

/* Wait until the backend's state is @want; returns the last state seen. */
static int ff_wait_backend(struct ff *f, int want, int ms)
{
	long end = now_ms() + ms;
	int state;

	for (;;) {
		state = (int)xs_read_num(f->be, "state", 0);
		if (want == XS_CONNECTED && state == XS_CLOSING)
			return state;
		if (state == want || now_ms() > end)
			return state;
		sleep_ms(100);
	}
}

static bool ff_be_flag(struct ff *f, const char *key)
{
	return xs_read_num(f->be, key, 0) != 0;
}

/* What the backend offered, as the stream's connection. */
static void ff_read_conn(struct ff *f)
{
	struct fz_conn *c = &f->conn;
	long long indirect;

	memset(c, 0, sizeof(*c));
	c->abi = f->abi;
	c->ring_order = f->order;
	indirect = xs_read_num(f->be, "feature-max-indirect-segments", 0);
	/* an offer of 11 or fewer segments is no indirect offer at all */
	c->max_indirect = indirect > FZ_MAX_DIRECT_SEGS ?
			  (unsigned int)(indirect < FZ_MAX_ENTRIES ?
					 indirect : FZ_MAX_ENTRIES) : 0;
	c->persistent = f->want_persistent &&
			ff_be_flag(f, "feature-persistent");
	c->nr_sectors = (uint64_t)xs_read_num(f->be, "sectors", 0);
	c->sector_size = (unsigned int)xs_read_num(f->be, "sector-size", 512);
	c->readonly = (xs_read_num(f->be, "info", 0) & 0x4) != 0; /* VDISK_READONLY */
	c->flush = ff_be_flag(f, "feature-flush-cache");
	c->barrier = ff_be_flag(f, "feature-barrier");
	c->discard = ff_be_flag(f, "feature-discard");
	c->discard_secure = c->discard && ff_be_flag(f, "discard-secure");
}

/*
 * The most queues -q may have with @offer offered: its hi, cut down to
 * the offer and to the rings whose pages the fuzzer can grant.
 */
static unsigned int ff_queues_most(const struct ff *f, unsigned int offer)
{
	unsigned int hi = f->queues_hi;

	if (hi > offer)
		hi = offer;
	if (hi > FF_MAX_RING_PAGES >> f->order)
		hi = FF_MAX_RING_PAGES >> f->order;
	return hi;
}

/*
 * How many queues, with @offer offered: -q's count, or its draw, which
 * tells the connections of one run apart by what the scenario varies
 * (the ABI, the ring order, persistent grants).  0: -q's lo is more than
 * the fuzzer can play.
 */
static unsigned int ff_queues(const struct ff *f, unsigned int offer)
{
	uint64_t tag = (uint64_t)f->abi | (uint64_t)f->order << 4 |
		       (uint64_t)f->want_persistent << 8;
	unsigned int hi = ff_queues_most(f, offer);

	if (f->queues_lo > hi)
		return 0;
	return fz_queue_count(f->seed, tag, f->queues_lo, hi);
}

static void ff_pick_queues(struct ff *f)
{
	f->offer_queues = (unsigned int)xs_read_num(f->be,
						    "multi-queue-max-queues", 1);
	if (!f->offer_queues)
		f->offer_queues = 1;
	f->nr_rings = ff_queues(f, f->offer_queues);
	if (!f->nr_rings) {
		fprintf(stderr, LAB_PROG ": %u queues asked, %u offered, ",
			f->queues_lo, f->offer_queues);
		fprintf(stderr, "%u rings of %u pages at most\n",
			FF_MAX_RING_PAGES >> f->order, 1U << f->order);
		exit(2);
	}
}

/*
 * The keys of ring @i: in the frontend's directory for one ring, in its
 * queue-<i> subdirectory for several (io/blkif.h).
 */
static void ff_write_ring(struct ff *f, unsigned int i)
{
	struct ff_ring *rg = &f->rings[i];
	char dir[96], key[32];
	unsigned int k;

	if (f->nr_rings > 1)
		snprintf(dir, sizeof(dir), "%s/queue-%u", f->fe, i);
	else
		snprintf(dir, sizeof(dir), "%s", f->fe);
	if (f->order) {
		for (k = 0; k < 1U << f->order; k++) {
			snprintf(key, sizeof(key), "ring-ref%u", k);
			xs_write_num(dir, key, rg->gref[k]);
		}
	} else {
		xs_write_num(dir, "ring-ref", rg->gref[0]);
	}
	xs_write_num(dir, "event-channel", rg->port);
}

/*
 * Every ring's keys, and how many rings and pages: with one ring, exactly
 * the keys of a frontend without queues.
 */
static void ff_write_rings(struct ff *f)
{
	unsigned int i;

	if (f->nr_rings > 1)
		xs_write_num(f->fe, "multi-queue-num-queues", f->nr_rings);
	if (f->order)
		xs_write_num(f->fe, "ring-page-order", f->order);
	for (i = 0; i < f->nr_rings; i++)
		ff_write_ring(f, i);
}

static void ff_connect(struct ff *f)
{
	unsigned int i, offer;
	int state;

	snprintf(f->fe, sizeof(f->fe), "device/vbd/%u", f->devid);
	if (xs_read(f->fe, "backend", f->be, sizeof(f->be)) || !f->be[0])
		fatal("no backend for this vbd (is it attached?)");
	f->backend_id = (unsigned int)xs_read_num(f->fe, "backend-id", 0);
	state = ff_wait_backend(f, XS_INIT_WAIT, FF_STATE_WAIT_MS);
	if (state != XS_INIT_WAIT) {
		fprintf(stderr, LAB_PROG ": backend in state %d, not InitWait\n",
			state);
		exit(2);
	}
	offer = (unsigned int)xs_read_num(f->be, "max-ring-page-order", 0);
	if (f->order > offer) {
		fprintf(stderr, LAB_PROG ": ring order %u asked, %u offered\n",
			f->order, offer);
		exit(2);
	}

	ff_pick_queues(f);

	ff_share(f);
	ff_open_evtchn(f);
	for (i = 0; i < f->nr_rings; i++) {
		*FF_REQ_EVENT(&f->rings[i]) = 1;
		*FF_RSP_EVENT(&f->rings[i]) = 1;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	ff_write_rings(f);
	xs_write(f->fe, "protocol",
		 f->abi == FZ_ABI_X86_32 ? "x86_32-abi" : "x86_64-abi");
	xs_write_num(f->fe, "feature-persistent", f->want_persistent);
	xs_write_num(f->fe, "state", XS_INITIALISED);
	state = ff_wait_backend(f, XS_CONNECTED, FF_STATE_WAIT_MS);
	if (state != XS_CONNECTED) {
		fprintf(stderr, LAB_PROG ": backend in state %d, not Connected\n",
			state);
		exit(2);
	}
	ff_read_conn(f);
	printf("CONNECTED devid=%u backend=%s ring-order=%u ring-ref=%u port=%u\n",
	       f->devid, f->be, f->order, f->rings[0].gref[0],
	       f->rings[0].port);
	printf("QUEUES %u offered=%u\n", f->nr_rings, f->offer_queues);
}

static void ff_close(struct ff *f)
{
	int state;

	xs_write_num(f->fe, "state", XS_CLOSED);
	state = ff_wait_backend(f, XS_CLOSED, FF_STATE_WAIT_MS);
	printf("CLOSED backend-state=%d\n", state);
}

/* ------------------------------------------------------------------ */
/* Findings                                                            */
/* ------------------------------------------------------------------ */

static const char *ff_status_name(int status)
{
	switch (status) {
	case FZ_RSP_OKAY:
		return "OKAY";
	case FZ_RSP_ERROR:
		return "ERROR";
	case FZ_RSP_EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return NULL;
	}
}

/* "OKAY|ERROR", the outcomes the oracle allows */
static void ff_allow_text(unsigned int allow, char *buf, size_t len)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ FZ_ALLOW_OKAY, "OKAY" },
		{ FZ_ALLOW_ERROR, "ERROR" },
		{ FZ_ALLOW_EOPNOTSUPP, "EOPNOTSUPP" },
		{ FZ_ALLOW_STOP, "STOP" },
	};
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(allow & names[i].bit) || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					off ? "|" : "", names[i].name);
	}
	if (!buf[0])
		snprintf(buf, len, "nothing");
}

static void ff_status_text(int status, char *buf, size_t len)
{
	const char *name = ff_status_name(status);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%d", status);
}

/* Tally a finding; true the first time this kind is seen. */
static bool ff_tally(struct ff *f, const struct fz_req *rq,
		     const struct fz_expect *e, const char *what, int got)
{
	struct ff_kind *k;
	unsigned int i;

	f->findings++;
	f->cats[rq->cat].findings++;
	for (i = 0; i < f->nkinds; i++) {
		k = &f->kind[i];
		if (k->cat == rq->cat && !strcmp(k->rule, e->rule) &&
		    !strcmp(k->what, what) && k->got == got) {
			k->count++;
			return false;
		}
	}
	if (f->nkinds == FF_MAX_KINDS) {
		f->more_kinds++;
		return false;
	}
	k = &f->kind[f->nkinds++];
	k->cat = rq->cat;
	k->rule = e->rule;
	k->what = what;
	k->allow = e->allow;
	k->got = got;
	k->count = 1;
	return true;
}

static void ff_print_corpus(struct ff *f, const struct fz_req *rq)
{
	static char buf[FZ_REQ_TEXT_MAX];

	fz_conn_format(&f->conn, buf, sizeof(buf));
	printf("CORPUS %s\n", buf);
	fz_req_format(rq, buf, sizeof(buf));
	printf("CORPUS %s\n", buf);
}

/*
 * One finding: one line that names the request (seed and index replay it
 * with the same generator), what was allowed and what came.
 */
static void ff_finding(struct ff *f, const struct fz_req *rq,
		       const struct fz_expect *e, const char *what, int got,
		       const char *expected, const char *gottext)
{
	bool first = ff_tally(f, rq, e, what, got);

	printf("FINDING seed=%llu index=%llu cat=%s rule=%s what=%s expected=%s got=%s\n",
	       (unsigned long long)f->seed, (unsigned long long)rq->seq,
	       fz_cat_name(rq->cat), e->rule, what, expected, gottext);
	if (first)
		ff_print_corpus(f, rq);
}

/* Every finding of one response, a line each. */
static void ff_report(struct ff *f, const struct fz_req *rq,
		      const struct fz_expect *e, const struct fz_result *res,
		      uint64_t id, uint8_t op, int16_t status)
{
	char want[64], got[160];

	if (res->bad_status) {
		ff_allow_text(e->allow, want, sizeof(want));
		ff_status_text(status, got, sizeof(got));
		ff_finding(f, rq, e, "status", status, want, got);
	}
	if (res->bad_op) {
		snprintf(want, sizeof(want), "op=%u", e->rsp_op);
		snprintf(got, sizeof(got), "op=%u", op);
		ff_finding(f, rq, e, "op", op, want, got);
	}
	if (res->bad_id) {
		snprintf(want, sizeof(want), "id=0x%llx",
			 (unsigned long long)rq->id);
		snprintf(got, sizeof(got), "id=0x%llx", (unsigned long long)id);
		ff_finding(f, rq, e, "id", 0, want, got);
	}
	if (res->bad_sectors) {
		const struct fz_mismatch *m = &res->first;

		snprintf(want, sizeof(want), "sector=%llu,gen=%llu",
			 (unsigned long long)m->sector,
			 (unsigned long long)m->want_gen);
		if (m->got_pattern)
			snprintf(got, sizeof(got),
				 "bad-sectors=%u,first:sector=%llu,gen=%llu",
				 res->bad_sectors,
				 (unsigned long long)m->got_sector,
				 (unsigned long long)m->got_gen);
		else
			snprintf(got, sizeof(got), "bad-sectors=%u,first:%s",
				 res->bad_sectors,
				 m->got_zero ? "zeroes" : "foreign-data");
		ff_finding(f, rq, e, "data", 0, want, got);
	}
}

/* ------------------------------------------------------------------ */
/* Playing the stream                                                  */
/* ------------------------------------------------------------------ */

/*
 * Which request pages the request names read-only (r->page_ro[], counted
 * in r->nr_ro).  False when it needs more pages than the fuzzer keeps,
 * even alone (a corpus line could).
 */
static bool ff_need_pages(struct ff_req *r)
{
	const struct fz_req *rq = &r->rq;
	unsigned int i;

	r->nr_ro = 0;
	if (rq->nr_pages > FF_POOL_PAGES)
		return false;
	memset(r->page_ro, 0, rq->nr_pages * sizeof(r->page_ro[0]));
	for (i = 0; i < rq->nr_entries; i++)
		if (rq->seg[i].ref.kind == FZ_PAGE_RO &&
		    rq->seg[i].ref.page < rq->nr_pages)
			r->page_ro[rq->seg[i].ref.page] = true;
	for (i = 0; i < rq->nr_ind; i++)
		if (rq->ind[i].kind == FZ_PAGE_RO &&
		    rq->ind[i].page < rq->nr_pages)
			r->page_ro[rq->ind[i].page] = true;
	for (i = 0; i < rq->nr_pages; i++)
		r->nr_ro += r->page_ro[i];
	return r->nr_ro <= FF_RO_PAGES;
}

/*
 * Give each request page a page of ours, none another request of the
 * batch has: page i is pool page i after those given out already (so a
 * lone request's page i is pool page i), or, when the request names it
 * read-only, the next free read-only page.
 */
static void ff_map_pages(struct ff *f, struct ff_req *r)
{
	unsigned int i, base = f->pool_used;

	for (i = 0; i < r->rq.nr_pages; i++) {
		if (r->page_ro[i]) {
			r->pages[i] = f->ro + (size_t)f->ro_used * PAGE_SIZE;
			r->page_gref[i] = f->ro_gref[f->ro_used++];
		} else {
			r->pages[i] = f->pool + (size_t)(base + i) * PAGE_SIZE;
			r->page_gref[i] = f->pool_gref[base + i];
		}
	}
	f->pool_used += r->rq.nr_pages;
}

/*
 * Pages filled, indirect pages written, the request in slot @slot of
 * ring @rg.
 */
static void ff_lay_out(struct ff *f, struct ff_req *r, struct ff_ring *rg,
		       uint32_t slot)
{
	const struct fz_req *rq = &r->rq;
	struct fz_grefs g = {
		.page = r->page_gref,
		.ring = rg->gref[0],
		.bad = FF_BAD_GREF,
	};
	uint8_t pad;
	unsigned int i;

	fz_req_fill_pages(rq, f->seed, r->pages);
	if (rq->op == FZ_OP_INDIRECT) {
		for (i = 0; i < rq->nr_ind; i++) {
			const struct fz_pageref *p = &rq->ind[i];

			if ((p->kind == FZ_PAGE_DATA || p->kind == FZ_PAGE_RO) &&
			    p->page < rq->nr_pages)
				fz_encode_indirect_page(rq, i, &g,
							r->pages[p->page]);
		}
	}
	/* every other request has garbage where the protocol has padding */
	pad = rq->seq & 1 ? (uint8_t)fz_mix64(f->seed ^ rq->seq) : 0;
	fz_encode_req(f->abi, rq, &g, pad, ff_slot(f, rg, slot));
}

static void ff_count_status(struct ff_cat_count *cc, int16_t status)
{
	switch (status) {
	case FZ_RSP_OKAY:
		cc->okay++;
		break;
	case FZ_RSP_ERROR:
		cc->error++;
		break;
	case FZ_RSP_EOPNOTSUPP:
		cc->eopnotsupp++;
		break;
	default:
		cc->other++;
		break;
	}
}

/*
 * Request @r got no answer: the ring stopped, where the oracle allows it
 * or not.
 */
static void ff_judge_silence(struct ff *f, struct ff_req *r)
{
	struct fz_result res;
	char want[64];

	f->cats[r->rq.cat].unanswered++;
	fz_settle_stopped(&f->model, &r->rq, &r->e, &res);
	if (res.findings) {
		ff_allow_text(r->e.allow, want, sizeof(want));
		ff_finding(f, &r->rq, &r->e, "no-response", 0, want,
			   "no-response");
	} else {
		printf("STOPPED index=%llu cat=%s rule=%s\n",
		       (unsigned long long)r->rq.seq, fz_cat_name(r->rq.cat),
		       r->e.rule);
	}
}

/* Request @r was answered by @a: judge the answer, update the model. */
static void ff_judge_answer(struct ff *f, struct ff_req *r,
			    const struct ff_rsp *a)
{
	struct fz_result res;

	ff_count_status(&f->cats[r->rq.cat], a->status);
	fz_settle(&f->model, &f->conn, &r->rq, &r->e, a->id, a->op, a->status,
		  r->pages, &res);
	if (r->e.reads && a->status == FZ_RSP_OKAY &&
	    (r->e.allow & FZ_ALLOW_OKAY)) {
		f->checked += r->e.nr_sectors - res.unchecked;
		f->unjudged += res.unchecked;
	}
	if (res.findings)
		ff_report(f, &r->rq, &r->e, &res, a->id, a->op, a->status);
}

/*
 * Requests f->req[0 .. @n - 1] onto their rings, after what each ring
 * holds: rg->n and rg->idx[] say which went where.
 */
static void ff_lay_out_batch(struct ff *f, unsigned int n)
{
	struct ff_ring *rg;
	unsigned int i;

	for (i = 0; i < f->nr_rings; i++) {
		f->rings[i].n = 0;
		f->rings[i].got = 0;
	}
	for (i = 0; i < n; i++) {
		rg = &f->rings[f->req[i]->ring];
		ff_lay_out(f, f->req[i], rg, rg->req_prod + rg->n);
		f->cats[f->req[i]->rq.cat].sent++;
		rg->req_id[rg->n] = f->req[i]->rq.id;
		rg->idx[rg->n++] = i;
		f->answer[i] = NULL;
	}
}

/*
 * The answers of ring @rg to its requests (fz_match_responses(): an
 * answer with the id of a request on another ring is a wrong one here),
 * into f->answer[].
 */
static void ff_match_ring(struct ff *f, struct ff_ring *rg)
{
	unsigned int k;

	for (k = 0; k < rg->got; k++)
		rg->rsp_id[k] = rg->rsp[k].id;
	fz_match_responses(rg->req_id, rg->n, rg->rsp_id, rg->got, rg->match);
	for (k = 0; k < rg->n; k++)
		if (rg->match[k] >= 0)
			f->answer[rg->idx[k]] = &rg->rsp[rg->match[k]];
}

/*
 * Ring @rg, which answered each of its rg->n requests, answered more: an
 * invention.
 */
static void ff_judge_extra(struct ff *f, struct ff_ring *rg)
{
	struct ff_req *last;
	char got_text[32];

	if (!rg->n || rg->got < rg->n ||
	    load_acquire(FF_RSP_PROD(rg)) == rg->rsp_cons)
		return;
	last = f->req[rg->idx[rg->n - 1]];
	snprintf(got_text, sizeof(got_text), "responses=%u",
		 load_acquire(FF_RSP_PROD(rg)) - rg->rsp_cons + rg->n);
	ff_finding(f, &last->rq, &last->e, "extra-response", 0,
		   rg->n == 1 ? "one-response" : "one-response-each",
		   got_text);
	rg->rsp_cons = load_acquire(FF_RSP_PROD(rg));
}

/*
 * Play the @n requests of f->req[] (mapped to their pages) and judge their
 * answers, in their order.  Returns false when the stream cannot go on: a
 * request was left unanswered (the ring stopped, allowed or not) or the
 * last one broke the ring on purpose.
 */
static bool ff_play_batch(struct ff *f, unsigned int n)
{
	struct ff_req *last = f->req[n - 1];
	struct ff_ring *rg, *last_rg = &f->rings[last->ring];
	bool go_on = true, raced = n == 1 && last->rq.cat == FZ_CAT_RACE;
	uint32_t first_slot = last_rg->req_prod;
	unsigned int i;
	long long t = now_us(), t2;

	ff_lay_out_batch(f, n);
	if (!f->probing)
		f->played += n;
	f->pushed += n;
	for (i = 0; i < f->nr_rings; i++) {
		rg = &f->rings[i];
		rg->pushed += rg->n;
		/* only a lone request has a ring action */
		if (rg == last_rg &&
		    last->rq.ring_action == FZ_RING_PROD_OVERFLOW)
			rg->req_prod = load_acquire(FF_RSP_PROD(rg)) +
				       f->nslots + last->rq.prod_excess;
		else
			rg->req_prod += rg->n;
	}
	t2 = now_us();
	f->ph.lay_out += t2 - t;
	/* a raced request is alone (fz_flight_of()): its slot is the first */
	if (raced)
		ff_race_begin(f, last, last_rg, first_slot);
	for (i = 0; i < f->nr_rings; i++)
		if (f->rings[i].n)
			ff_push(f, &f->rings[i]);
	ff_collect(f);
	if (raced)
		ff_race_end(f, t2);
	t = now_us();
	f->ph.ring += t - t2;

	for (i = 0; i < f->nr_rings; i++)
		ff_match_ring(f, &f->rings[i]);
	for (i = 0; i < n; i++) {
		if (!f->answer[i]) {
			ff_judge_silence(f, f->req[i]);
			go_on = false;
		} else {
			ff_judge_answer(f, f->req[i], f->answer[i]);
		}
	}
	/* as many answers as requests on each ring: one more is invented */
	for (i = 0; i < f->nr_rings; i++)
		ff_judge_extra(f, &f->rings[i]);
	if (last->rq.ring_action == FZ_RING_PROD_OVERFLOW)
		go_on = false;
	f->ph.batches++;
	f->pool_used = 0;
	f->ro_used = 0;
	f->ph.judge += now_us() - t;
	return go_on;
}

/* Request @seq of @gen into @r, on its ring; false if it cannot be played. */
static bool ff_next(struct ff *f, const struct fz_gen *gen, uint64_t seq,
		    struct ff_req *r)
{
	fz_gen_at(gen, seq, &r->rq);
	r->ring = fz_ring_of(gen->seed, seq, f->nr_rings);
	fz_oracle(&f->conn, &r->rq, &r->e);
	fz_flight_of(&f->conn, &r->rq, &r->e, &r->fl);
	return ff_need_pages(r);
}

/*
 * The next batch (fz_pick_batch()) to the front of the window of requests
 * waiting, f->req[0 .. f->queued - 1], its pages mapped; returns its size.
 */
static unsigned int ff_pick(struct ff *f)
{
	struct ff_req **q = f->req;
	unsigned int i, n;

	for (i = 0; i < f->queued; i++)
		f->win[i] = &q[i]->fl;
	n = fz_pick_batch(f->win, f->queued, f->batch, FF_POOL_PAGES,
			  FF_RO_PAGES, f->worder, f->scratch);
	for (i = 0; i < f->queued; i++)
		f->pick[i] = q[f->worder[i]];
	memcpy(q, f->pick, f->queued * sizeof(*q));
	for (i = 0; i < n; i++)
		ff_map_pages(f, q[i]);
	if (n == 1 && q[0]->fl.alone)
		f->ph.alone++;
	return n;
}

/* The @n requests played leave the window (their places are reused). */
static void ff_drop(struct ff *f, unsigned int n)
{
	struct ff_req **q = f->req;

	memcpy(f->pick, q, n * sizeof(*q));
	memmove(q, q + n, (f->queued - n) * sizeof(*q));
	memcpy(q + f->queued - n, f->pick, n * sizeof(*q));
	f->queued -= n;
}

static void ff_progress(struct ff *f, unsigned long long before, long t0)
{
	if (f->played / 10000 != before / 10000)
		printf("PROGRESS %llu requests, %llu findings, %ld s\n",
		       f->played, f->findings, (now_ms() - t0) / 1000);
}

/*
 * Play requests @first .. @first + @count - 1 of @gen in batches
 * (ff_pick()), made from a window of the requests that come next, until
 * all were played (true) or one was left unanswered (false).
 */
static bool ff_run(struct ff *f, const struct fz_gen *gen, uint64_t first,
		   uint64_t count)
{
	unsigned long long before;
	long t0 = now_ms();
	uint64_t next = 0;
	unsigned int n;
	long long t;

	for (;;) {
		t = now_us();
		while (f->queued < f->window && next < count) {
			if (ff_next(f, gen, first + next++, f->req[f->queued]))
				f->queued++;
			else
				f->skipped++;
		}
		if (!f->queued)
			return true;
		n = ff_pick(f);
		f->ph.gen += now_us() - t;
		before = f->played;
		if (!ff_play_batch(f, n))
			return false;
		ff_progress(f, before, t0);
		ff_drop(f, n);
	}
}

/*
 * Say @mine-@phase in our "fuzz-flood" key, and wait until dom0 (the
 * scenario, which measures the backend around the flood) writes
 * @want-@phase there.
 */
static void ff_flood_sync(struct ff *f, const char *mine, const char *want,
			  const char *phase)
{
	long end = now_ms() + FF_FLOOD_WAIT_MS;
	char val[32], got[32];

	snprintf(val, sizeof(val), "%s-%s", mine, phase);
	xs_write(f->fe, "fuzz-flood", val);
	snprintf(val, sizeof(val), "%s-%s", want, phase);
	while (xs_read(f->fe, "fuzz-flood", got, sizeof(got)) ||
	       strcmp(got, val)) {
		if (now_ms() > end)
			fatal("dom0 did not answer the flood's handshake");
		sleep_ms(20);
	}
}

/*
 * An event flood: f->flood notifications in a tight loop on ring 0's event
 * channel with nothing new on the ring (before the stream: an empty ring;
 * after it: a ring of requests all consumed and answered), then FF_PROBES
 * honest requests of the probes' stream, on their rings, judged as any,
 * which must all be answered within FF_PROBE_MS.  False when a ring
 * stopped.
 */
static bool ff_flood(struct ff *f, const char *phase)
{
	unsigned long long i;
	long long us;
	long ms;
	bool ok;

	if (!f->flood)
		return true;
	if (f->flood_sync)
		ff_flood_sync(f, "ready", "go", phase);
	us = now_us();
	for (i = 0; i < f->flood; i++)
		ff_kick(f, &f->rings[0]);
	us = now_us() - us;
	if (f->flood_sync)
		ff_flood_sync(f, "done", "ack", phase);

	f->probing = true;
	f->cats = f->probe_cat;
	ms = now_ms();
	ok = ff_run(f, &f->probe_gen, f->probe_next, FF_PROBES);
	ms = now_ms() - ms;
	f->probe_next += FF_PROBES;
	f->cats = f->cat;
	f->probing = false;
	printf("FLOOD phase=%s notifications=%llu ms=%lld per-s=%llu probes=%u probe-ms=%ld\n",
	       phase, f->flood, us / 1000,
	       f->flood * 1000000ULL / (unsigned long long)(us ? us : 1),
	       FF_PROBES, ms);
	if (ok && ms > FF_PROBE_MS) {
		f->findings++;
		printf("FINDING seed=%llu phase=%s what=slow-after-flood",
		       (unsigned long long)f->seed, phase);
		printf(" expected=probes-within-%dms got=%ldms\n",
		       FF_PROBE_MS, ms);
	}
	return ok;
}

/*
 * Every request answered: nothing more may come on any ring, also on one
 * the last batches left alone.
 */
static void ff_check_idle(struct ff *f)
{
	struct ff_ring *rg;
	unsigned int i;
	uint32_t extra;

	for (i = 0; i < f->nr_rings; i++) {
		rg = &f->rings[i];
		extra = load_acquire(FF_RSP_PROD(rg)) - rg->rsp_cons;
		if (!extra)
			continue;
		f->findings++;
		printf("FINDING seed=%llu ring=%u what=response-on-idle-ring",
		       (unsigned long long)f->seed, i);
		printf(" expected=none got=responses=%u\n", extra);
	}
}

/*
 * Replay corpus lines (as FINDING printed them, with or without the
 * "CORPUS " prefix) instead of the stream, one request at a time: each
 * "req" line is played on this connection; a "conn" line only says whether
 * it is the one the request was found on.
 */
static void ff_replay(struct ff *f)
{
	struct ff_req *r = f->req[0];
	char *line = NULL, here[512];
	size_t cap = 0;
	ssize_t len;
	FILE *in;

	in = fopen(f->replay, "r");
	if (!in)
		die(f->replay);
	fz_conn_format(&f->conn, here, sizeof(here));
	while ((len = getline(&line, &cap, in)) > 0) {
		char *p = line;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!strncmp(p, "CORPUS ", 7))
			p += 7;
		if (!strncmp(p, "conn ", 5)) {
			printf("REPLAY %s connection\n",
			       strcmp(p, here) ? "another" : "the same");
		} else if (!strncmp(p, "req ", 4)) {
			if (fz_req_parse(p, &r->rq))
				fatal("not a corpus line");
			r->ring = fz_ring_of(f->seed, r->rq.seq, f->nr_rings);
			fz_oracle(&f->conn, &r->rq, &r->e);
			if (!ff_need_pages(r)) {
				f->skipped++;
				continue;
			}
			ff_map_pages(f, r);
			if (!ff_play_batch(f, 1))
				break;
		}
	}
	free(line);
	fclose(in);
}

static void ff_print_results(struct ff *f)
{
	char want[64], got[32];
	unsigned int i;

	for (i = 0; i < FZ_NR_CAT; i++) {
		const struct ff_cat_count *cc = &f->cat[i];

		if (!cc->sent)
			continue;
		printf("CAT %s sent=%llu okay=%llu error=%llu eopnotsupp=%llu",
		       fz_cat_name(i), cc->sent, cc->okay, cc->error,
		       cc->eopnotsupp);
		printf(" other=%llu unanswered=%llu findings=%llu\n",
		       cc->other, cc->unanswered, cc->findings);
	}
	for (i = 0; i < f->nkinds; i++) {
		const struct ff_kind *k = &f->kind[i];

		ff_allow_text(k->allow, want, sizeof(want));
		if (!strcmp(k->what, "status"))
			ff_status_text(k->got, got, sizeof(got));
		else if (!strcmp(k->what, "op"))
			snprintf(got, sizeof(got), "op=%d", k->got);
		else
			snprintf(got, sizeof(got), "%s", k->what);
		printf("KIND %llu cat=%s rule=%s what=%s expected=%s got=%s\n",
		       k->count, fz_cat_name(k->cat), k->rule, k->what, want,
		       got);
	}
	if (f->more_kinds)
		printf("KIND %llu cat=? rule=? what=more-kinds expected=? got=?\n",
		       f->more_kinds);
	if (f->skipped)
		printf("SKIPPED %llu requests the fuzzer has no pages for\n",
		       f->skipped);
	printf("READS %llu sectors checked against the model, %llu unjudged\n",
	       f->checked, f->unjudged);
	printf("RACE requests=%llu rewrites=%llu answered-while-rewriting=%llu",
	       f->racer.requests, f->racer.total_writes, f->racer.word0_lost);
	printf(" window-over=%llu max-ms=%lld\n", f->racer.unfinished,
	       f->racer.max_us / 1000);
	printf("PUSHED %llu requests on the ring, the flood's probes included\n",
	       f->pushed);
	printf("RINGS");
	for (i = 0; i < f->nr_rings; i++)
		printf(" %llu", f->rings[i].pushed);
	printf("\n");
	printf("TIME %llu requests in %ld ms\n", f->played, f->ms);
	printf("PHASES batches=%llu alone=%llu gen=%lld lay-out=%lld ring=%lld judge=%lld\n",
	       f->ph.batches, f->ph.alone, f->ph.gen / 1000,
	       f->ph.lay_out / 1000, f->ph.ring / 1000, f->ph.judge / 1000);
	printf("fuzz-backend: %llu requests, %llu findings, seed %llu\n",
	       f->played, f->findings, (unsigned long long)f->seed);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

static void ff_usage(void)
{
	fprintf(stderr,
		"usage: " LAB_PROG " [-s seed] [-n count] [-f first] [-a x86_64|x86_32]\n"
		"                       [-o ring-order] [-q n|lo-hi] [-p 0|1] [-z]\n"
		"                       [-t ms] [-b batch] [-R one-in]\n"
		"                       [-e notifications [-E]] [-r corpus] <devid>\n"
		"  -q  n queues (rings), or a draw in [lo, hi] from the seed, the ABI,\n"
		"      -o and -p; at most %u (3 with -o 4) and the backend's\n"
		"      multi-queue-max-queues.  Requests spread over the rings from\n"
		"      the seed; raced ones on any ring; event floods (-e) on ring 0's\n"
		"      event channel only\n",
		FF_MAX_QUEUES);
	exit(2);
}

static unsigned long long ff_num(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || v > max)
		ff_usage();
	return v;
}

/* -q n, or -q lo-hi */
static void ff_queues_option(struct ff *f, const char *arg)
{
	const char *dash = strchr(arg, '-');
	char lo[16];

	if (dash) {
		if ((size_t)(dash - arg) >= sizeof(lo))
			ff_usage();
		memcpy(lo, arg, (size_t)(dash - arg));
		lo[dash - arg] = '\0';
		f->queues_lo = (unsigned int)ff_num(lo, FF_MAX_QUEUES);
		f->queues_hi = (unsigned int)ff_num(dash + 1, FF_MAX_QUEUES);
	} else {
		f->queues_lo = (unsigned int)ff_num(arg, FF_MAX_QUEUES);
		f->queues_hi = f->queues_lo;
	}
	if (!f->queues_lo || f->queues_hi < f->queues_lo)
		ff_usage();
}

static void ff_options(struct ff *f, int argc, char **argv)
{
	int c;

	f->seed = 1;
	f->count = 20000;
	f->abi = FZ_ABI_X86_64;
	f->rsp_ms = 30000;
	f->batch = FF_BATCH_DEFAULT;
	f->race_one_in = FZ_RACE_ONE_IN;
	f->queues_lo = 1;
	f->queues_hi = 1;
	while ((c = getopt(argc, argv, "s:n:f:a:o:q:p:zt:b:R:e:Er:")) != -1) {
		switch (c) {
		case 's':
			f->seed = ff_num(optarg, UINT64_MAX);
			break;
		case 'n':
			f->count = ff_num(optarg, UINT64_MAX);
			break;
		case 'f':
			f->first = ff_num(optarg, UINT64_MAX);
			break;
		case 'a':
			if (!strcmp(optarg, "x86_64"))
				f->abi = FZ_ABI_X86_64;
			else if (!strcmp(optarg, "x86_32"))
				f->abi = FZ_ABI_X86_32;
			else
				ff_usage();
			break;
		case 'o':
			f->order = (unsigned int)ff_num(optarg,
							FF_MAX_RING_ORDER);
			break;
		case 'q':
			ff_queues_option(f, optarg);
			break;
		case 'p':
			f->want_persistent = ff_num(optarg, 1);
			break;
		case 'z':
			f->zeroed = true;
			break;
		case 'r':
			f->replay = optarg;
			break;
		case 't':
			f->rsp_ms = (int)ff_num(optarg, 3600000);
			break;
		case 'b':
			f->batch = (unsigned int)ff_num(optarg, FF_MAX_BATCH);
			if (!f->batch)
				ff_usage();
			break;
		case 'R':
			f->race_one_in = (unsigned int)ff_num(optarg,
							      UINT32_MAX);
			break;
		case 'e':
			f->flood = ff_num(optarg, UINT64_MAX / 1000000);
			break;
		case 'E':
			f->flood_sync = true;
			break;
		default:
			ff_usage();
		}
	}
	if (optind != argc - 1)
		ff_usage();
	f->devid = (unsigned int)ff_num(argv[optind], UINT32_MAX);
}

static void ff_alloc_batch(struct ff *f)
{
	unsigned int i;

	f->window = f->batch * FF_WINDOW_BATCHES;
	f->req = calloc(f->window, sizeof(*f->req));
	f->pick = calloc(f->window, sizeof(*f->pick));
	f->win = calloc(f->window, sizeof(*f->win));
	f->worder = calloc(f->window, sizeof(*f->worder));
	f->scratch = calloc(f->window, sizeof(*f->scratch));
	if (!f->req || !f->pick || !f->win || !f->worder || !f->scratch)
		fatal("out of memory");
	for (i = 0; i < f->window; i++) {
		f->req[i] = calloc(1, sizeof(*f->req[i]));
		if (!f->req[i])
			fatal("out of memory");
	}
}

static void ff_free_batch(struct ff *f)
{
	unsigned int i;

	for (i = 0; i < f->window; i++)
		free(f->req[i]);
	free(f->req);
	free(f->pick);
	free(f->win);
	free(f->worder);
	free(f->scratch);
}

int main(int argc, char **argv)
{
	static struct ff f = { .gfd = -1, .efd = -1 };
	char line[512];
	unsigned int i;
	bool ok;
	long t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ff_options(&f, argc, argv);
	f.nslots = 32U << f.order;
	f.req_size = fz_req_slot_size(f.abi);
	/* a batch is answered before the next: it needs a slot each */
	if (f.batch > f.nslots)
		f.batch = f.nslots;
	ff_alloc_batch(&f);

	ff_connect(&f);
	fz_conn_format(&f.conn, line, sizeof(line));
	printf("CONN %s\n", line);
	if (!f.conn.nr_sectors || f.conn.nr_sectors > FZ_MODEL_MAX_SECTORS)
		fatal("disk size not for the model (0 or above 8 GiB)");
	if (fz_model_init(&f.model, f.conn.nr_sectors, f.zeroed))
		fatal("out of memory for the disk model");
	fz_gen_init(&f.gen, &f.conn, f.seed);
	fz_gen_set_race(&f.gen, f.race_one_in);
	/* the probes: honest reads and writes, never raced */
	fz_gen_init(&f.probe_gen, &f.conn, f.seed ^ FF_PROBE_SALT);
	for (i = 0; i < FZ_NR_CAT; i++)
		fz_gen_set_weight(&f.probe_gen, i, i == FZ_CAT_VALID_RW);
	fz_gen_set_race(&f.probe_gen, 0);
	f.cats = f.cat;
	ff_racer_init(&f);
	printf("PLAY seed=%llu first=%llu count=%llu zeroed=%d batch=%u race=1/%u flood=%llu",
	       (unsigned long long)f.seed, (unsigned long long)f.first,
	       (unsigned long long)f.count, f.zeroed, f.replay ? 1 : f.batch,
	       f.race_one_in, f.flood);
	printf(" queues=%u\n", f.nr_rings);

	if (f.replay) {
		ff_replay(&f);
	} else if (ff_flood(&f, "empty")) {
		t0 = now_ms();
		ok = ff_run(&f, &f.gen, f.first, f.count);
		f.ms = now_ms() - t0;
		if (ok && ff_flood(&f, "consumed"))
			ff_check_idle(&f);
	}
	ff_print_results(&f);
	ff_close(&f);
	fz_model_free(&f.model);
	ff_free_batch(&f);
	return f.findings ? 1 : 0;
}
