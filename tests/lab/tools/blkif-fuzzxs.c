// SPDX-License-Identifier: GPL-2.0
/*
 * blkif-fuzzxs: the control-plane half of the hostile-frontend fuzzer (issue
 * 11).  Runs in the guest with xen-blkfront unloaded and plays the frontend
 * of one vbd through sequences 0 .. N-1 of a seeded stream
 * (blkif-fuzzseq.c: fx_gen_at()): handshakes with sane and insane keys
 * (ring-page-order, num-ring-pages, multi-queue-num-queues, protocol,
 * queue-N/ rings, event channels), states the protocol lacks, Closed under
 * load, Closing then Connected, Initialised again with other keys; one
 * connect/disconnect cycle each.  The backend must connect and serve valid
 * requests correctly on every ring, or refuse (fx_judge()); a connection it
 * took serves reads, writes and read-backs checked against a model of the
 * disk (blkif-fuzz.c), and every cycle must end with the backend Closed.
 *
 *	blkif-fuzzxs [-s seed] [-n count] [-f first] [-c category] [-z]
 *		     [-t ms] <devid>
 *
 *	-s  seed of the stream (default 1)
 *	-n  sequences to play (default 100)
 *	-f  index of the first one (default 0)
 *	-c  play only this category (e.g. valid: an honest probe of a disk;
 *	    unknown-state, which the stream leaves out: the disk may go)
 *	-z  the disk holds zeroes at the start (else the model learns it)
 *	-t  time to wait for one response or state, in ms (default 10000)
 *
 * XenStore is spoken directly (/dev/xen/xenbus: its wire protocol,
 * io/xs_wire.h), grants come from /dev/xen/gntalloc, event channels from
 * /dev/xen/evtchn.  Output, one line each:
 *	OFFER max-queues=<q> max-ring-page-order=<o>
 *	FINDING seed=<s> index=<n> cat=<c> rule=<r> what=<w> expected=<e> got=<g>
 *	SEQ <the sequence, blkif-fuzzseq.c's fx_seq_format()> (after a FINDING)
 *	ENDED index=<n> why=<w>		the stream could not go on
 *	CAT <cat> played=<n> connected=<n> refused=<n> silent=<n>
 *		again-connected=<n> again-refused=<n> retried=<n> findings=<n>
 *	KIND <count> cat=<c> what=<w>	findings tallied by kind
 *	READS <n> sectors checked against the model
 *	TIME <n> sequences in <ms> ms
 *	fuzz-xenstore: <n> sequences, <k> findings, seed <s>
 *
 * Exit status: 0 without findings, 1 with findings, 2 when the fuzzer
 * itself could not run.  It leaves the vbd Closed.
 */

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define LAB_PROG "blkif-fuzzxs"
#include "blkif-lab.h"
#include "blkif-fuzz.h"
#include "blkif-fuzzseq.h"

typedef uint16_t domid_t;	/* <xen/evtchn.h> uses it without defining it */
#include <xen/evtchn.h>
#include <xen/gntalloc.h>

/* io/xs_wire.h */
enum {
	FXS_READ = 2,
	FXS_WATCH = 4,
	FXS_WRITE = 11,
	FXS_RM = 13,
	FXS_WATCH_EVENT = 15,
	FXS_ERROR = 16,
};

struct fxs_hdr {
	uint32_t type, req_id, tx_id, len;
};

#define FXS_PAYLOAD_MAX		4096

/* Ring sets used in turn: an old connection's pages rest a while. */
#define FX_SETS			4
#define FX_DATA_PAGES		2	/* per ring: a request has 1 or 2 */
#define FX_RING_HEADER		64
#define FX_SETTLE_MS		1000	/* a second look at an ambiguous state */
/* refusals of a valid handshake tolerated after a close with I/O in flight */
#define FX_RETRIES		5
#define FX_MAX_KINDS		64

struct fx_ring {
	uint8_t *mem;			/* FX_RING_PAGES pages */
	uint32_t gref[FX_RING_PAGES];
	unsigned int port;
	uint32_t req_prod;
	uint32_t rsp_cons;
};

struct fx_cat_count {
	unsigned long long played, connected, refused, silent;
	unsigned long long again_connected, again_refused, retried, findings;
};

struct fx_kind {
	enum fx_cat cat;
	const char *what;
	unsigned long long count;
};

struct fx {
	/* options */
	uint64_t seed;
	uint64_t count;
	uint64_t first;
	int only;		/* -c: a category, or -1 */
	bool zeroed;
	int wait_ms;

	/* XenStore */
	int xfd;
	uint32_t req_id;
	size_t xlen;
	char xbuf[2 * (sizeof(struct fxs_hdr) + FXS_PAYLOAD_MAX)];
	unsigned int devid;
	unsigned int backend_id;
	char fe[64];
	char be[128];

	/* grants and event channels */
	int gfd;
	int efd;
	struct fx_ring set[FX_SETS][FX_MAX_QUEUES];
	uint8_t *data[FX_MAX_QUEUES];
	uint32_t data_gref[FX_MAX_QUEUES][FX_DATA_PAGES];
	unsigned int ports[FX_MAX_QUEUES];
	unsigned int nports;
	unsigned int next_set;

	/* the stream and the disk */
	struct fx_gen gen;
	struct fx_offer offer;
	struct fz_model model;
	bool have_model;
	uint64_t nr_sectors;
	uint64_t generation;
	struct fz_req *rq;
	bool teardown_maybe;	/* the last close left requests in flight */

	/* results */
	struct fx_cat_count cat[FX_NR_CAT];
	struct fx_kind kind[FX_MAX_KINDS];
	unsigned int nkinds;
	unsigned long long played;
	unsigned long long findings;
	unsigned long long checked;
	const struct fx_seq *cur;
	bool cur_reported;
	bool ended;
};

/* ------------------------------------------------------------------ */
/* XenStore                                                            */
/* ------------------------------------------------------------------ */

static void fxs_send(struct fx *f, uint32_t type, const char *a, size_t na,
		     const char *b, size_t nb)
{
	char msg[sizeof(struct fxs_hdr) + FXS_PAYLOAD_MAX];
	struct fxs_hdr h = { .type = type, .req_id = ++f->req_id,
			     .len = (uint32_t)(na + nb) };
	size_t n = sizeof(h) + na + nb, off = 0;
	ssize_t w;

	if (na + nb > FXS_PAYLOAD_MAX)
		fatal("XenStore message too long");
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), a, na);
	if (nb)
		memcpy(msg + sizeof(h) + na, b, nb);
	while (off < n) {
		w = write(f->xfd, msg + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write to /dev/xen/xenbus");
		off += (size_t)w;
	}
}

/*
 * The next message that is not a watch event, its payload into @val (up
 * to @vlen - 1 bytes, NUL-terminated): its type.  With @val NULL: returns
 * FXS_WATCH_EVENT at the first watch event, or -1 after @ms.
 */
static int fxs_next(struct fx *f, char *val, size_t vlen, int ms)
{
	long end = now_ms() + ms;
	struct pollfd p = { .fd = f->xfd, .events = POLLIN };
	struct fxs_hdr h;
	ssize_t r;
	size_t n;
	int left;

	for (;;) {
		while (f->xlen >= sizeof(h)) {
			memcpy(&h, f->xbuf, sizeof(h));
			if (h.len > FXS_PAYLOAD_MAX)
				fatal("XenStore message length");
			if (f->xlen < sizeof(h) + h.len)
				break;
			if (h.type != FXS_WATCH_EVENT && val) {
				n = h.len < vlen - 1 ? h.len : vlen - 1;
				memcpy(val, f->xbuf + sizeof(h), n);
				val[n] = '\0';
			}
			f->xlen -= sizeof(h) + h.len;
			memmove(f->xbuf, f->xbuf + sizeof(h) + h.len, f->xlen);
			if (h.type == FXS_WATCH_EVENT) {
				if (!val)
					return FXS_WATCH_EVENT;
				continue;
			}
			return (int)h.type;
		}
		left = val ? -1 : (int)(end - now_ms());
		if (!val && left <= 0)
			return -1;
		r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll /dev/xen/xenbus");
		if (!r)
			continue;
		r = read(f->xfd, f->xbuf + f->xlen, sizeof(f->xbuf) - f->xlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read /dev/xen/xenbus");
		f->xlen += (size_t)r;
	}
}

static int fxs_call(struct fx *f, uint32_t type, const char *a, size_t na,
		    const char *b, size_t nb, char *val, size_t vlen)
{
	char scratch[64];

	fxs_send(f, type, a, na, b, nb);
	return fxs_next(f, val ? val : scratch, val ? vlen : sizeof(scratch),
			0) == FXS_ERROR ? -1 : 0;
}

static void fxs_path(char *buf, size_t len, const char *dir, const char *key)
{
	if (snprintf(buf, len, "%s/%s", dir, key) >= (int)len)
		fatal("XenStore path too long");
}

/* @dir/@key into @val: 0, or -1 when it does not exist. */
static int fxs_read(struct fx *f, const char *dir, const char *key,
		    char *val, size_t vlen)
{
	char path[256];

	fxs_path(path, sizeof(path), dir, key);
	if (fxs_call(f, FXS_READ, path, strlen(path) + 1, NULL, 0, val, vlen)) {
		val[0] = '\0';
		return -1;
	}
	return 0;
}

static long long fxs_read_num(struct fx *f, const char *dir, const char *key,
			      long long dflt)
{
	char val[64];

	if (fxs_read(f, dir, key, val, sizeof(val)) || !val[0])
		return dflt;
	return strtoll(val, NULL, 10);
}

static void fxs_write(struct fx *f, const char *dir, const char *key,
		      const char *val)
{
	char path[256];

	fxs_path(path, sizeof(path), dir, key);
	if (fxs_call(f, FXS_WRITE, path, strlen(path) + 1, val, strlen(val),
		     NULL, 0))
		fatal("a XenStore write failed");
}

static void fxs_write_num(struct fx *f, const char *dir, const char *key,
			  unsigned long long v)
{
	char val[24];

	snprintf(val, sizeof(val), "%llu", v);
	fxs_write(f, dir, key, val);
}

/* Remove @dir/@key and what is under it (a missing one is no error). */
static void fxs_rm(struct fx *f, const char *dir, const char *key)
{
	char path[256];

	fxs_path(path, sizeof(path), dir, key);
	fxs_call(f, FXS_RM, path, strlen(path) + 1, NULL, 0, NULL, 0);
}

static void fxs_watch(struct fx *f, const char *path, const char *token)
{
	char a[256];
	size_t n = strlen(path) + 1;

	if (n + strlen(token) + 1 > sizeof(a))
		fatal("XenStore path too long");
	memcpy(a, path, n);
	memcpy(a + n, token, strlen(token) + 1);
	if (fxs_call(f, FXS_WATCH, a, n + strlen(token) + 1, NULL, 0, NULL, 0))
		fatal("cannot watch the backend's state");
}

static int fx_backend_state(struct fx *f)
{
	return (int)fxs_read_num(f, f->be, "state", -1);
}

/*
 * Wait up to @ms until the backend's state is in @mask (bit per state);
 * the last state seen.
 */
static int fx_wait_backend(struct fx *f, unsigned int mask, int ms)
{
	long end = now_ms() + ms;
	int state;

	for (;;) {
		state = fx_backend_state(f);
		if (state >= 0 && state < 32 && (mask & (1U << state)))
			return state;
		if (now_ms() >= end)
			return state;
		/* a watch event, or a look every 200 ms anyway */
		fxs_next(f, NULL, 0, (int)(end - now_ms()) < 200 ?
			 (int)(end - now_ms()) : 200);
	}
}

#define FX_BIT(s)	(1U << (s))

static void fx_frontend_state(struct fx *f, int state)
{
	fxs_write_num(f, f->fe, "state", (unsigned long long)state);
}

/* ------------------------------------------------------------------ */
/* Grants and event channels                                           */
/* ------------------------------------------------------------------ */

static uint8_t *fx_grant(struct fx *f, unsigned int n, uint32_t *grefs)
{
	struct ioctl_gntalloc_alloc_gref *op;
	void *p;

	op = calloc(1, sizeof(*op) + n * sizeof(uint32_t));
	if (!op)
		fatal("out of memory");
	op->domid = (uint16_t)f->backend_id;
	op->flags = GNTALLOC_FLAG_WRITABLE;
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

static void fx_share(struct fx *f)
{
	unsigned int s, q;

	f->gfd = open("/dev/xen/gntalloc", O_RDWR);
	if (f->gfd < 0)
		die("open /dev/xen/gntalloc");
	for (s = 0; s < FX_SETS; s++)
		for (q = 0; q < FX_MAX_QUEUES; q++)
			f->set[s][q].mem = fx_grant(f, FX_RING_PAGES,
						    f->set[s][q].gref);
	for (q = 0; q < FX_MAX_QUEUES; q++)
		f->data[q] = fx_grant(f, FX_DATA_PAGES, f->data_gref[q]);
	f->efd = open("/dev/xen/evtchn", O_RDWR);
	if (f->efd < 0)
		die("open /dev/xen/evtchn");
}

static void fx_bind_ports(struct fx *f, unsigned int n)
{
	struct ioctl_evtchn_bind_unbound_port bind = {
		.remote_domain = f->backend_id,
	};
	int port;

	while (f->nports < n) {
		port = ioctl(f->efd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
		if (port < 0)
			die("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
		f->ports[f->nports++] = (unsigned int)port;
	}
}

static void fx_unbind_ports(struct fx *f)
{
	struct ioctl_evtchn_unbind unbind;

	while (f->nports) {
		unbind.port = f->ports[--f->nports];
		if (ioctl(f->efd, IOCTL_EVTCHN_UNBIND, &unbind))
			die("IOCTL_EVTCHN_UNBIND");
	}
}

static void fx_kick(struct fx *f, unsigned int port)
{
	struct ioctl_evtchn_notify notify = { .port = port };

	if (ioctl(f->efd, IOCTL_EVTCHN_NOTIFY, &notify))
		die("IOCTL_EVTCHN_NOTIFY");
}

/* Wait up to @ms for events on any port; consume and unmask them. */
static void fx_wait_events(struct fx *f, int ms)
{
	struct pollfd pfd = { .fd = f->efd, .events = POLLIN };
	unsigned int ports[16];
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0 || !(pfd.revents & POLLIN))
		return;
	n = read(f->efd, ports, sizeof(ports));
	if (n <= 0)
		return;
	if (write(f->efd, ports, (size_t)n) != n)
		die("unmasking event channels");
}

/* ------------------------------------------------------------------ */
/* Findings                                                            */
/* ------------------------------------------------------------------ */

static void fx_finding(struct fx *f, const char *what, const char *expected,
		       const char *got)
{
	const struct fx_seq *s = f->cur;
	char line[1024];
	unsigned int i;

	f->findings++;
	f->cat[s->cat].findings++;
	printf("FINDING seed=%llu index=%llu cat=%s rule=%s what=%s expected=%s got=%s\n",
	       (unsigned long long)f->seed, (unsigned long long)s->index,
	       fx_cat_name(s->cat), s->rule, what, expected, got);
	if (!f->cur_reported) {
		fx_seq_format(s, line, sizeof(line));
		printf("SEQ %s\n", line);
		f->cur_reported = true;
	}
	for (i = 0; i < f->nkinds; i++) {
		if (f->kind[i].cat == s->cat && !strcmp(f->kind[i].what, what)) {
			f->kind[i].count++;
			return;
		}
	}
	if (f->nkinds < FX_MAX_KINDS)
		f->kind[f->nkinds++] = (struct fx_kind){ s->cat, what, 1 };
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static uint32_t *fx_idx(struct fx_ring *r, unsigned int word)
{
	return (uint32_t *)(r->mem + 4 * word);
}

#define FX_REQ_PROD(r)		fx_idx(r, 0)
#define FX_REQ_EVENT(r)		fx_idx(r, 1)
#define FX_RSP_PROD(r)		fx_idx(r, 2)
#define FX_RSP_EVENT(r)		fx_idx(r, 3)

/* Slot @i: below 32, the same place in a ring of any size (fuzzseq.h). */
static uint8_t *fx_slot(struct fx_ring *r, enum fz_abi abi, uint32_t i)
{
	return r->mem + FX_RING_HEADER + (size_t)(i % 32) * fz_req_slot_size(abi);
}

static void fx_ring_reset(struct fx_ring *r)
{
	memset(r->mem, 0, (size_t)FX_RING_PAGES * PAGE_SIZE);
	r->req_prod = 0;
	r->rsp_cons = 0;
	*FX_REQ_EVENT(r) = 1;
	*FX_RSP_EVENT(r) = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Lay out a read or write of @nseg full pages at @sector on ring @r. */
static bool fx_post(struct fx *f, struct fx_ring *r, unsigned int q,
		    enum fz_abi abi, uint8_t op, uint64_t sector,
		    unsigned int nseg, uint64_t id)
{
	struct fz_grefs g = { .page = f->data_gref[q], .ring = r->gref[0],
			      .bad = 0xfffffU };
	struct fz_req *rq = f->rq;
	unsigned int i;

	if (r->req_prod - r->rsp_cons >= 32 || r->req_prod >= FX_MAX_RING_REQS)
		return false;
	memset(rq, 0, offsetof(struct fz_req, seg));
	rq->op = op;
	rq->nr_segments = (uint16_t)nseg;
	rq->id = id;
	rq->sector = sector;
	rq->nr_entries = (uint16_t)nseg;
	rq->nr_pages = (uint16_t)nseg;
	for (i = 0; i < nseg; i++) {
		rq->seg[i].ref.kind = FZ_PAGE_DATA;
		rq->seg[i].ref.page = (uint16_t)i;
		rq->seg[i].first_sect = 0;
		rq->seg[i].last_sect = SECTORS_PER_PAGE - 1;
	}
	fz_encode_req(abi, rq, &g, 0, fx_slot(r, abi, r->req_prod));
	r->req_prod++;
	return true;
}

static void fx_push(struct fx *f, struct fx_ring *r)
{
	store_release(FX_REQ_PROD(r), r->req_prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	fx_kick(f, r->port);
}

/* The next response of @r within @ms: 0, or -1. */
static int fx_response(struct fx *f, struct fx_ring *r, enum fz_abi abi,
		       int ms, uint64_t *id, uint8_t *op, int16_t *status)
{
	long end = now_ms() + ms;

	for (;;) {
		if (load_acquire(FX_RSP_PROD(r)) != r->rsp_cons)
			break;
		store_release(FX_RSP_EVENT(r), r->rsp_cons + 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (load_acquire(FX_RSP_PROD(r)) != r->rsp_cons)
			break;
		if (now_ms() > end)
			return -1;
		fx_wait_events(f, 50);
	}
	fz_decode_rsp(abi, fx_slot(r, abi, r->rsp_cons), id, op, status);
	r->rsp_cons++;
	return 0;
}

/*
 * One request and its answer: true when it was answered OKAY with its id
 * and op.  With @report, anything else is a finding.
 */
static bool fx_one(struct fx *f, struct fx_ring *r, unsigned int q,
		   enum fz_abi abi, uint8_t op, uint64_t sector,
		   unsigned int nseg, int ms, bool report)
{
	uint64_t id = (f->cur->index << 16) ^ ((uint64_t)q << 12) ^ r->req_prod ^
		      0x5a00000000000000ULL, got_id;
	char want[64], got[96];
	int16_t status;
	uint8_t got_op;

	if (!fx_post(f, r, q, abi, op, sector, nseg, id))
		fatal("a sequence outgrew its ring (blkif-fuzzseq.h)");
	fx_push(f, r);
	if (fx_response(f, r, abi, ms, &got_id, &got_op, &status)) {
		if (report) {
			snprintf(want, sizeof(want), "a-response-in-%dms", ms);
			snprintf(got, sizeof(got), "none-on-ring-%u", q);
			fx_finding(f, "no-response", want, got);
		}
		return false;
	}
	if (got_id == id && got_op == op && status == FZ_RSP_OKAY)
		return true;
	if (report) {
		snprintf(want, sizeof(want), "id=0x%llx,op=%u,OKAY",
			 (unsigned long long)id, op);
		snprintf(got, sizeof(got), "id=0x%llx,op=%u,status=%d,ring=%u",
			 (unsigned long long)got_id, got_op, status, q);
		fx_finding(f, "response", want, got);
	}
	return false;
}

/* Check what a read left in the data pages against the model. */
static bool fx_check_read(struct fx *f, unsigned int q, uint64_t sector,
			  unsigned int nseg, bool report)
{
	struct fz_mismatch mm;
	unsigned int i;
	char want[64], got[96];

	for (i = 0; i < nseg * SECTORS_PER_PAGE; i++) {
		if (fz_model_check(&f->model, sector + i,
				   f->data[q] + (size_t)i * SECTOR_SIZE, &mm)) {
			f->checked++;
			continue;
		}
		if (report) {
			snprintf(want, sizeof(want), "sector=%llu,gen=%llu",
				 (unsigned long long)mm.sector,
				 (unsigned long long)mm.want_gen);
			if (mm.got_pattern)
				snprintf(got, sizeof(got), "sector=%llu,gen=%llu",
					 (unsigned long long)mm.got_sector,
					 (unsigned long long)mm.got_gen);
			else
				snprintf(got, sizeof(got), "%s",
					 mm.got_zero ? "zeroes" : "foreign-data");
			fx_finding(f, "data", want, got);
		}
		return false;
	}
	return true;
}

/*
 * Read @nseg pages at a sector drawn from @rng, write them, read them
 * back, on ring @q: true when all three went right.
 */
static bool fx_triple(struct fx *f, struct fx_ring *r, unsigned int q,
		      enum fz_abi abi, struct fz_rng *rng, bool report)
{
	unsigned int nseg = 1 + (unsigned int)fz_below(rng, FX_DATA_PAGES);
	uint64_t pages = f->nr_sectors / SECTORS_PER_PAGE, sector, gen;
	unsigned int i;

	if (pages <= FX_DATA_PAGES)
		fatal("disk too small");
	sector = fz_below(rng, pages - nseg) * SECTORS_PER_PAGE;
	/* what earlier connections left there */
	memset(f->data[q], 0xa5, (size_t)FX_DATA_PAGES * PAGE_SIZE);
	if (!fx_one(f, r, q, abi, FZ_OP_READ, sector, nseg, f->wait_ms, report) ||
	    !fx_check_read(f, q, sector, nseg, report))
		return false;
	gen = ++f->generation;
	for (i = 0; i < nseg * SECTORS_PER_PAGE; i++)
		fz_fill_sector(f->data[q] + (size_t)i * SECTOR_SIZE, f->seed,
			       sector + i, gen);
	if (!fx_one(f, r, q, abi, FZ_OP_WRITE, sector, nseg, f->wait_ms,
		    report)) {
		/* written or not: the model cannot tell */
		fz_model_forget(&f->model, sector, nseg * SECTORS_PER_PAGE);
		return false;
	}
	for (i = 0; i < nseg * SECTORS_PER_PAGE; i++)
		fz_model_write(&f->model, sector + i,
			       f->data[q] + (size_t)i * SECTOR_SIZE, gen);
	memset(f->data[q], 0xa5, (size_t)FX_DATA_PAGES * PAGE_SIZE);
	return fx_one(f, r, q, abi, FZ_OP_READ, sector, nseg, f->wait_ms,
		      report) && fx_check_read(f, q, sector, nseg, report);
}

/* The disk's size, and the model, once a backend connected. */
static void fx_learn_disk(struct fx *f)
{
	uint64_t n;

	if (f->have_model)
		return;
	n = (uint64_t)fxs_read_num(f, f->be, "sectors", 0);
	if (!n || n > FZ_MODEL_MAX_SECTORS)
		fatal("disk size not for the model (0 or above 8 GiB)");
	if (fz_model_init(&f->model, n, f->zeroed))
		fatal("out of memory for the disk model");
	f->nr_sectors = n;
	f->have_model = true;
}

/* @s->pairs triples on each of the first @n rings: false on a finding. */
static bool fx_serve(struct fx *f, struct fx_ring *rings, unsigned int n,
		     enum fz_abi abi, unsigned int round)
{
	struct fz_rng rng;
	unsigned int q, i;

	fx_learn_disk(f);
	for (q = 0; q < n; q++) {
		fz_rng_seed(&rng, f->cur->sector_seed ^ fz_mix64(q * 16 + round));
		for (i = 0; i < f->cur->pairs; i++)
			if (!fx_triple(f, &rings[q], q, abi, &rng, true))
				return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

static const char *const fx_fe_keys[] = {
	"protocol", "ring-page-order", "num-ring-pages",
	"multi-queue-num-queues", "feature-persistent", "event-channel",
	"ring-ref",
};

static void fx_clear_keys(struct fx *f)
{
	char key[24];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fx_fe_keys); i++)
		fxs_rm(f, f->fe, fx_fe_keys[i]);
	for (i = 0; i < FX_RING_PAGES; i++) {
		snprintf(key, sizeof(key), "ring-ref%u", i);
		fxs_rm(f, f->fe, key);
	}
	for (i = 0; i < FX_MAX_QUEUES; i++) {
		snprintf(key, sizeof(key), "queue-%u", i);
		fxs_rm(f, f->fe, key);
	}
}

/* The keys of ring @q in @dir; @missing: leave out what the sequence says. */
static void fx_write_ring(struct fx *f, const struct fx_keys *k,
			  struct fx_ring *r, unsigned int q, const char *dir,
			  bool missing)
{
	bool gone = missing && k->missing_queue == (int)q;
	unsigned int i, port = r->port;
	char key[24];

	if (k->shared_evtchn && q == 1)
		port = f->ports[0];
	if (!(gone && k->missing_evtchn))
		fxs_write_num(f, dir, "event-channel", port);
	for (i = 0; i < k->nr_refs; i++) {
		if (gone && !k->missing_evtchn && i == k->missing_ref)
			continue;
		snprintf(key, sizeof(key), "ring-ref%u", i);
		fxs_write_num(f, dir, key, r->gref[i]);
	}
	/* a one-page ring's other name: gone with ring-ref0 */
	if (k->single_ref && !(gone && !k->missing_evtchn && !k->missing_ref))
		fxs_write_num(f, dir, "ring-ref", r->gref[0]);
}

/* Every key of @k, the rings those of @rings (ports already set). */
static void fx_write_keys(struct fx *f, const struct fx_keys *k,
			  struct fx_ring *rings)
{
	char dir[96];
	unsigned int q;

	fx_clear_keys(f);
	if (k->has_protocol)
		fxs_write(f, f->fe, "protocol", k->protocol);
	if (k->has_order)
		fxs_write(f, f->fe, "ring-page-order", k->order);
	if (k->has_pages)
		fxs_write(f, f->fe, "num-ring-pages", k->pages);
	if (k->has_queues)
		fxs_write(f, f->fe, "multi-queue-num-queues", k->queues);
	fxs_write_num(f, f->fe, "feature-persistent", k->persistent);
	for (q = 0; q < k->nr_queues; q++) {
		if (k->queue_dirs) {
			snprintf(dir, sizeof(dir), "%s/queue-%u", f->fe, q);
			fx_write_ring(f, k, &rings[q], q, dir, true);
		}
		if (!k->queue_dirs || (k->top_too && !q))
			fx_write_ring(f, k, &rings[q], q, f->fe, true);
	}
}

/* The next ring set, fresh, its rings on ports 0 .. n-1. */
static struct fx_ring *fx_take_set(struct fx *f, unsigned int n)
{
	struct fx_ring *rings = f->set[f->next_set];
	unsigned int q;

	f->next_set = (f->next_set + 1) % FX_SETS;
	fx_bind_ports(f, n);
	for (q = 0; q < FX_MAX_QUEUES; q++) {
		fx_ring_reset(&rings[q]);
		rings[q].port = q < f->nports ? f->ports[q] : 0;
	}
	return rings;
}

/* ------------------------------------------------------------------ */
/* Sequences                                                           */
/* ------------------------------------------------------------------ */

/* What the backend did with a handshake: wait for Connected or a refusal. */
static enum fx_outcome fx_outcome(struct fx *f, int ms)
{
	int state = fx_wait_backend(f, FX_BIT(FX_STATE_CONNECTED) |
				    FX_BIT(FX_STATE_CLOSING) |
				    FX_BIT(FX_STATE_CLOSED), ms);

	if (state == FX_STATE_CONNECTED)
		return FX_OUT_CONNECTED;
	if (state == FX_STATE_CLOSING || state == FX_STATE_CLOSED)
		return FX_OUT_REFUSED;
	return FX_OUT_SILENT;
}

static void fx_judge_step(struct fx *f, enum fx_expect e, enum fx_outcome o)
{
	const char *bad = fx_judge(e, o);
	char got[64];

	if (!bad)
		return;
	snprintf(got, sizeof(got), "%s,backend-state=%d", fx_outcome_name(o),
		 fx_backend_state(f));
	fx_finding(f, bad, fx_expect_name(e), got);
}

/* Closed, and the backend Closed; false when it never got there. */
static bool fx_close(struct fx *f)
{
	char got[32];
	int state;

	fx_frontend_state(f, FX_STATE_CLOSED);
	state = fx_wait_backend(f, FX_BIT(FX_STATE_CLOSED), 2 * f->wait_ms);
	if (state == FX_STATE_CLOSED)
		return true;
	snprintf(got, sizeof(got), "backend-state=%d", state);
	fx_finding(f, "close-hang", "backend-state=6", got);
	return false;
}

/* Initialising, and the backend in InitWait again. */
static bool fx_reopen(struct fx *f)
{
	char got[32];
	int state = fx_backend_state(f);

	if (state == FX_STATE_INIT_WAIT)
		return true;
	fx_frontend_state(f, FX_STATE_INITIALISING);
	state = fx_wait_backend(f, FX_BIT(FX_STATE_INIT_WAIT), 2 * f->wait_ms);
	if (state == FX_STATE_INIT_WAIT)
		return true;
	snprintf(got, sizeof(got), "backend-state=%d", state);
	fx_finding(f, "no-initwait", "backend-state=2", got);
	return false;
}

/* Write Initialised (or the sequence's state instead) and wait. */
static enum fx_outcome fx_handshake(struct fx *f, const struct fx_seq *s)
{
	bool instead = s->cat == FX_CAT_BAD_STATE ||
		       s->cat == FX_CAT_UNKNOWN_STATE;

	if (instead && !s->at_connected)
		fxs_write(f, f->fe, "state", s->state);
	else
		fx_frontend_state(f, FX_STATE_INITIALISED);
	/*
	 * A backend that dropped the device for state 0 says nothing more:
	 * a short look.  Everything else connects or refuses within the wait.
	 */
	return fx_outcome(f, s->cat == FX_CAT_UNKNOWN_STATE ?
			  3 * FX_SETTLE_MS : f->wait_ms);
}

/* Closed under load: writes in flight on every ring, then Closed. */
static void fx_burst(struct fx *f, struct fx_ring *rings, unsigned int n)
{
	const struct fx_seq *s = f->cur;
	uint64_t pages = f->nr_sectors / SECTORS_PER_PAGE, sector;
	struct fz_rng rng;
	unsigned int q, i;

	fz_rng_seed(&rng, s->sector_seed ^ 0xb0b0);
	for (q = 0; q < n; q++) {
		for (i = 0; i < SECTORS_PER_PAGE; i++)
			fz_fill_sector(f->data[q] + (size_t)i * SECTOR_SIZE,
				       f->seed, 0, ~0ULL);
		for (i = 0; i < s->burst; i++) {
			sector = fz_below(&rng, pages - 1) * SECTORS_PER_PAGE;
			/* whether it lands, and when, is open */
			fz_model_forget(&f->model, sector, SECTORS_PER_PAGE);
			fx_post(f, &rings[q], q, s->keys.abi, FZ_OP_WRITE,
				sector, 1, ((uint64_t)1 << 63) | i);
		}
		fx_push(f, &rings[q]);
	}
	f->teardown_maybe = true;
}

/*
 * Initialised again with other keys (FX_CAT_REINIT): the backend may keep
 * the first connection (its rings serve), take the new keys (the new rings
 * serve), or refuse.
 */
static void fx_reinit(struct fx *f, struct fx_ring *old)
{
	const struct fx_seq *s = f->cur;
	struct fx_ring *rings = old;
	struct fz_rng rng;
	enum fx_outcome o;

	if (strcmp(s->change, "protocol")) {
		/* the ports stay: fx_play() bound enough for both */
		rings = fx_take_set(f, f->nports);
	}
	fx_write_keys(f, &s->next, rings);
	fx_frontend_state(f, FX_STATE_INITIALISED);
	sleep_ms(FX_SETTLE_MS);
	o = fx_outcome(f, FX_SETTLE_MS);
	if (o == FX_OUT_CONNECTED) {
		f->cat[s->cat].again_connected++;
		fz_rng_seed(&rng, s->sector_seed ^ 0x2e2e);
		if (fx_triple(f, &old[0], 0, s->keys.abi, &rng, false))
			return;
		fz_rng_seed(&rng, s->sector_seed ^ 0x2e2f);
		if (fx_triple(f, &rings[0], 0, s->next.abi, &rng, false))
			return;
		fx_finding(f, "serves-neither", "old-or-new-rings", "neither");
		f->teardown_maybe = true;
	} else {
		f->cat[s->cat].again_refused += o == FX_OUT_REFUSED;
	}
}

/* What follows a connection that came up: the category's second step. */
static bool fx_connected(struct fx *f, struct fx_ring *rings)
{
	const struct fx_seq *s = f->cur;
	const struct fx_keys *k = &s->keys;
	enum fx_outcome o;
	int state;

	if (!fx_serve(f, rings, k->serve_rings, k->abi, 0)) {
		f->teardown_maybe = true;
		return true;
	}
	switch (s->cat) {
	case FX_CAT_CLOSED_UNDER_LOAD:
		fx_burst(f, rings, k->serve_rings);
		return true;
	case FX_CAT_CLOSING_CONNECTED:
		fx_frontend_state(f, FX_STATE_CLOSING);
		state = fx_wait_backend(f, FX_BIT(FX_STATE_CLOSING) |
					FX_BIT(FX_STATE_CLOSED), f->wait_ms);
		if (state != FX_STATE_CLOSING && state != FX_STATE_CLOSED) {
			fx_finding(f, "closing-ignored", "backend-state=5",
				   "backend-stayed");
			return true;
		}
		fx_frontend_state(f, FX_STATE_CONNECTED);
		/*
		 * The backend is Closing already: only Connected (or Closed)
		 * says it acted.  Closing that stays Closing is a refusal.
		 */
		state = fx_wait_backend(f, FX_BIT(FX_STATE_CONNECTED) |
					FX_BIT(FX_STATE_CLOSED), 3 * FX_SETTLE_MS);
		if (state == FX_STATE_CONNECTED) {
			f->cat[s->cat].again_connected++;
			if (!fx_serve(f, rings, k->serve_rings, k->abi, 1))
				f->teardown_maybe = true;
		} else {
			f->cat[s->cat].again_refused++;
		}
		return true;
	case FX_CAT_REINIT:
		fx_reinit(f, rings);
		return true;
	case FX_CAT_BAD_STATE:
	case FX_CAT_UNKNOWN_STATE:
		if (!s->at_connected)
			return true;
		fxs_write(f, f->fe, "state", s->state);
		state = fx_wait_backend(f, FX_BIT(FX_STATE_CLOSING) |
					FX_BIT(FX_STATE_CLOSED),
					s->expect2 == FX_EXPECT_REFUSE ?
					f->wait_ms : 3 * FX_SETTLE_MS);
		o = state == FX_STATE_CONNECTED ? FX_OUT_CONNECTED :
		    state == FX_STATE_CLOSING || state == FX_STATE_CLOSED ?
		    FX_OUT_REFUSED : FX_OUT_SILENT;
		if (o == FX_OUT_REFUSED)
			f->cat[s->cat].again_refused++;
		else
			f->cat[s->cat].again_connected++;
		fx_judge_step(f, s->expect2, o);
		return true;
	default:
		return true;
	}
}

/* One sequence, from InitWait back to Closed; false: the stream ends. */
static bool fx_play(struct fx *f, const struct fx_seq *s)
{
	struct fx_cat_count *cc = &f->cat[s->cat];
	unsigned int nrings, q, tries = 0;
	struct fx_ring *rings;
	enum fx_outcome o;

	f->cur = s;
	f->cur_reported = false;
	cc->played++;
	f->played++;
	if (!fx_reopen(f))
		return false;
	nrings = s->keys.nr_queues;
	if (s->cat == FX_CAT_REINIT && s->next.nr_queues > nrings)
		nrings = s->next.nr_queues;
	rings = fx_take_set(f, nrings);
	for (;;) {
		fx_write_keys(f, &s->keys, rings);
		o = fx_handshake(f, s);
		/*
		 * xen-blkback.rst: a frontend that connects again while the
		 * previous connection's requests are still in flight is
		 * refused ("pending I/O"); it starts over once they ended.
		 */
		if (o != FX_OUT_REFUSED || s->expect != FX_EXPECT_CONNECT ||
		    !f->teardown_maybe || tries == FX_RETRIES)
			break;
		tries++;
		cc->retried++;
		if (!fx_close(f))
			return false;
		sleep_ms(200);
		if (!fx_reopen(f))
			return false;
		for (q = 0; q < FX_MAX_QUEUES; q++)
			fx_ring_reset(&rings[q]);
	}
	/* a connection means the old one's requests all ended */
	if (o == FX_OUT_CONNECTED)
		f->teardown_maybe = false;
	cc->connected += o == FX_OUT_CONNECTED;
	cc->refused += o == FX_OUT_REFUSED;
	cc->silent += o == FX_OUT_SILENT;
	fx_judge_step(f, s->expect, o);
	if (o == FX_OUT_CONNECTED)
		fx_connected(f, rings);
	if (s->cat == FX_CAT_UNKNOWN_STATE) {
		/* the backend may have dropped the device: nothing to close */
		printf("ENDED index=%llu why=unknown-state\n",
		       (unsigned long long)s->index);
		fx_frontend_state(f, FX_STATE_CLOSED);
		fx_wait_backend(f, FX_BIT(FX_STATE_CLOSED), 3 * FX_SETTLE_MS);
		fx_unbind_ports(f);
		return false;
	}
	if (!fx_close(f)) {
		printf("ENDED index=%llu why=close-hang\n",
		       (unsigned long long)s->index);
		return false;
	}
	fx_unbind_ports(f);
	return true;
}

static void fx_print_results(struct fx *f, long ms)
{
	unsigned int i;

	for (i = 0; i < FX_NR_CAT; i++) {
		const struct fx_cat_count *c = &f->cat[i];

		if (!c->played)
			continue;
		printf("CAT %s played=%llu connected=%llu refused=%llu silent=%llu",
		       fx_cat_name(i), c->played, c->connected, c->refused,
		       c->silent);
		printf(" again-connected=%llu again-refused=%llu retried=%llu findings=%llu\n",
		       c->again_connected, c->again_refused, c->retried,
		       c->findings);
	}
	for (i = 0; i < f->nkinds; i++)
		printf("KIND %llu cat=%s what=%s\n", f->kind[i].count,
		       fx_cat_name(f->kind[i].cat), f->kind[i].what);
	printf("READS %llu sectors checked against the model\n", f->checked);
	printf("TIME %llu sequences in %ld ms\n", f->played, ms);
	printf("fuzz-xenstore: %llu sequences, %llu findings, seed %llu\n",
	       f->played, f->findings, (unsigned long long)f->seed);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

static void fx_usage(void)
{
	fprintf(stderr,
		"usage: " LAB_PROG " [-s seed] [-n count] [-f first] [-c category] [-z]\n"
		"                    [-t ms] <devid>\n");
	exit(2);
}

static unsigned long long fx_num(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || v > max)
		fx_usage();
	return v;
}

static void fx_options(struct fx *f, int argc, char **argv)
{
	int c;

	f->seed = 1;
	f->count = 100;
	f->only = -1;
	f->wait_ms = 10000;
	while ((c = getopt(argc, argv, "s:n:f:c:zt:")) != -1) {
		switch (c) {
		case 's':
			f->seed = fx_num(optarg, UINT64_MAX);
			break;
		case 'n':
			f->count = fx_num(optarg, UINT64_MAX);
			break;
		case 'f':
			f->first = fx_num(optarg, UINT64_MAX);
			break;
		case 'c':
			f->only = fx_cat_parse(optarg);
			if (f->only < 0)
				fx_usage();
			break;
		case 'z':
			f->zeroed = true;
			break;
		case 't':
			f->wait_ms = (int)fx_num(optarg, 3600000);
			break;
		default:
			fx_usage();
		}
	}
	if (optind != argc - 1)
		fx_usage();
	f->devid = (unsigned int)fx_num(argv[optind], UINT32_MAX);
}

static void fx_setup(struct fx *f)
{
	char path[160];
	unsigned int i;
	int state;

	f->xfd = open("/dev/xen/xenbus", O_RDWR);
	if (f->xfd < 0)
		die("open /dev/xen/xenbus");
	snprintf(f->fe, sizeof(f->fe), "device/vbd/%u", f->devid);
	if (fxs_read(f, f->fe, "backend", f->be, sizeof(f->be)) || !f->be[0])
		fatal("no backend for this vbd (is it attached?)");
	f->backend_id = (unsigned int)fxs_read_num(f, f->fe, "backend-id", 0);
	fxs_path(path, sizeof(path), f->be, "state");
	fxs_watch(f, path, "fx");
	state = fx_wait_backend(f, FX_BIT(FX_STATE_INIT_WAIT) |
				FX_BIT(FX_STATE_CLOSED), 3 * f->wait_ms);
	if (state != FX_STATE_INIT_WAIT && state != FX_STATE_CLOSED) {
		fprintf(stderr, LAB_PROG ": backend in state %d, not InitWait\n",
			state);
		exit(2);
	}
	f->offer.max_queues = (unsigned int)fxs_read_num(f, f->be,
					"multi-queue-max-queues", 1);
	f->offer.max_order = (unsigned int)fxs_read_num(f, f->be,
					"max-ring-page-order", 0);
	printf("OFFER max-queues=%u max-ring-page-order=%u\n",
	       f->offer.max_queues, f->offer.max_order);
	fx_gen_init(&f->gen, &f->offer, f->seed);
	if (f->only >= 0) {
		if (!fx_cat_applies(&f->offer, f->only))
			fatal("that category does not apply to this backend");
		for (i = 0; i < FX_NR_CAT; i++)
			f->gen.weight[i] = 0;
		f->gen.weight[f->only] = 1;
	}
	fx_share(f);
	f->rq = malloc(sizeof(*f->rq));
	if (!f->rq)
		fatal("out of memory");
}

int main(int argc, char **argv)
{
	static struct fx f = { .gfd = -1, .efd = -1, .xfd = -1 };
	static struct fx_seq s;
	long t0;
	uint64_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fx_options(&f, argc, argv);
	fx_setup(&f);
	printf("PLAY seed=%llu first=%llu count=%llu zeroed=%d\n",
	       (unsigned long long)f.seed, (unsigned long long)f.first,
	       (unsigned long long)f.count, f.zeroed);
	t0 = now_ms();
	for (n = 0; n < f.count; n++) {
		fx_gen_at(&f.gen, f.first + n, &s);
		if (!fx_play(&f, &s))
			break;
		if ((n + 1) % 100 == 0)
			printf("PROGRESS %llu sequences, %llu findings, %ld s\n",
			       (unsigned long long)(n + 1), f.findings,
			       (now_ms() - t0) / 1000);
	}
	fx_print_results(&f, now_ms() - t0);
	if (f.have_model)
		fz_model_free(&f.model);
	return f.findings ? 1 : 0;
}
