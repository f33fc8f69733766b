// SPDX-License-Identifier: GPL-2.0
/*
 * blkif-evil: a hostile blkif frontend for the lab.  Runs in the guest with
 * xen-blkfront unloaded and plays the frontend of one vbd by hand: one ring
 * page and four data pages shared with the backend through
 * /dev/xen/gntalloc, an event channel from /dev/xen/evtchn, the XenStore
 * handshake through the xenstore-* tools, then requests written straight
 * into the ring, well-formed or not.
 *
 *	blkif-evil [-k] [-r] <devid> <case>...
 *
 * Each case prints one line, and the program judges nothing: the scenario
 * (tests/lab/back-hostile-frontend.sh) compares them with what the backend
 * must answer.
 *
 *	RESULT <case> status=<status> id=echoed|wrong:<id> op=<op> [data=<text>]
 *	RESULT <case> status=none		(no response within the time limit)
 *
 * At the end "END sent=<requests> answered=<responses>"; then the frontend
 * closes (state Closed, waiting for the backend to close too), or with -k
 * it prints "HOLD" and keeps the connection and every grant until killed or
 * until the guest dies.  With -r the frontend first closes whatever an
 * earlier run left and starts again from Initialising (a reconnect).
 *
 * The layouts are those of the x86_64 guest ABI (include/xen/interface/io/
 * blkif.h), which is what this program announces in "protocol".
 */

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define LAB_PROG "blkif-evil"
#include "blkif-lab.h"

typedef uint16_t domid_t;	/* <xen/evtchn.h> uses it without defining it */
#include <xen/evtchn.h>
#include <xen/gntalloc.h>

/* A grant reference far beyond any guest's grant table. */
#define BAD_GREF		0xfffffU

/* Where the scenario puts its marker: 1 MiB into the disk. */
#define MARKER_SECTOR		2048U

/* What "write-first" writes at sector 0 (24 bytes, as print_data shows). */
#define FIRST_TEXT		"xen-blk-new-connection-0"

/* A pure cache flush names a sector the backend must not use. */
#define OP_FLUSH_DISKCACHE	3
#define FLUSH_SECTOR		12345U

/* How long the "flood" case keeps the ring full of refused requests. */
#define FLOOD_MS		15000

/* Pages shared with the backend: the ring, then the data pages. */
#define NR_DATA			4
#define NR_PAGES		(1 + NR_DATA)

#define RSP_WAIT_MS		10000
/*
 * "read-patient": long enough for the backend's whole wait for dom0
 * memory (1000 tries 10 ms apart, about 16 s on the lab's debug kernel)
 */
#define PATIENT_RSP_WAIT_MS	60000
#define STATE_WAIT_MS		30000

struct evil {
	unsigned int devid;
	unsigned int backend_id;
	char fe[64];		/* frontend directory, relative to the guest */
	char be[128];		/* backend directory */
	int gfd;
	int efd;
	unsigned int port;
	uint32_t gref[NR_PAGES];
	uint8_t *page[NR_PAGES];
	struct sring *sring;
	uint32_t req_prod;	/* our private producer index */
	uint32_t rsp_cons;
	uint32_t sent;
	unsigned long long sectors;
	unsigned int max_indirect;
	unsigned int nr;	/* request counter, for the ids */
	int reconnect;		/* -r */
};

struct evil_case {
	const char *name;
	/* fill the zeroed slot; returns the data page to show, or -1 */
	int (*fill)(struct evil *e, uint8_t *slot, uint64_t id);
	/* a case that does not follow the request/response pattern */
	void (*run)(struct evil *e, const struct evil_case *c);
};

/* ------------------------------------------------------------------ */
/* XenStore, through the guest's xenstore-read and xenstore-write      */
/* ------------------------------------------------------------------ */

/* Wait until the backend's state is @want; returns the last state seen. */
static int wait_backend(struct evil *e, int want, int ms)
{
	long end = now_ms() + ms;
	int state;

	for (;;) {
		state = (int)xs_read_num(e->be, "state", 0);
		/* a backend that gave up (Closing) will not connect */
		if (want == XS_CONNECTED && state == XS_CLOSING)
			return state;
		if (state == want || now_ms() > end)
			return state;
		sleep_ms(100);
	}
}

/* ------------------------------------------------------------------ */
/* Grants and the event channel                                        */
/* ------------------------------------------------------------------ */

static void share_pages(struct evil *e)
{
	int i;

	e->gfd = open("/dev/xen/gntalloc", O_RDWR);
	if (e->gfd < 0)
		die("open /dev/xen/gntalloc");
	for (i = 0; i < NR_PAGES; i++) {
		struct ioctl_gntalloc_alloc_gref op = {
			.domid = (uint16_t)e->backend_id,
			.flags = GNTALLOC_FLAG_WRITABLE,
			.count = 1,
		};
		void *p;

		if (ioctl(e->gfd, IOCTL_GNTALLOC_ALLOC_GREF, &op))
			die("IOCTL_GNTALLOC_ALLOC_GREF");
		p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 e->gfd, (off_t)op.index);
		if (p == MAP_FAILED)
			die("mmap of a granted page");
		memset(p, 0, PAGE_SIZE);
		e->page[i] = p;
		e->gref[i] = op.gref_ids[0];
	}
	e->sring = (struct sring *)e->page[0];
}

static void open_evtchn(struct evil *e)
{
	struct ioctl_evtchn_bind_unbound_port bind = {
		.remote_domain = e->backend_id,
	};
	int port;

	e->efd = open("/dev/xen/evtchn", O_RDWR);
	if (e->efd < 0)
		die("open /dev/xen/evtchn");
	port = ioctl(e->efd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
	if (port < 0)
		die("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
	e->port = (unsigned int)port;
}

static void kick(struct evil *e)
{
	struct ioctl_evtchn_notify notify = { .port = e->port };

	if (ioctl(e->efd, IOCTL_EVTCHN_NOTIFY, &notify))
		die("IOCTL_EVTCHN_NOTIFY");
}

/* Wait up to @ms for an event; consume and unmask it. */
static void wait_event_ms(struct evil *e, int ms)
{
	struct pollfd pfd = { .fd = e->efd, .events = POLLIN };
	unsigned int port;

	if (poll(&pfd, 1, ms) <= 0 || !(pfd.revents & POLLIN))
		return;
	if (read(e->efd, &port, sizeof(port)) != sizeof(port))
		return;
	if (write(e->efd, &port, sizeof(port)) != sizeof(port))
		die("unmasking the event channel");
}

/* ------------------------------------------------------------------ */
/* The ring                                                            */
/* ------------------------------------------------------------------ */

static uint8_t *next_slot(struct evil *e)
{
	uint8_t *slot = e->sring->slot[e->req_prod % RING_SLOTS];

	memset(slot, 0, SLOT_SIZE);
	return slot;
}

/* Publish everything up to our private producer index and notify. */
static void push(struct evil *e)
{
	store_release(&e->sring->req_prod, e->req_prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	kick(e);
}

/* Take the next response; 0, or -1 when none came within @ms. */
static int take_response(struct evil *e, int ms, struct rsp *out)
{
	long end = now_ms() + ms;

	for (;;) {
		if (load_acquire(&e->sring->rsp_prod) != e->rsp_cons) {
			memcpy(out, e->sring->slot[e->rsp_cons % RING_SLOTS],
			       sizeof(*out));
			e->rsp_cons++;
			/* ask for an event at the next response */
			store_release(&e->sring->rsp_event, e->rsp_cons + 1);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			return 0;
		}
		if (now_ms() > end)
			return -1;
		wait_event_ms(e, 50);
	}
}

/* ------------------------------------------------------------------ */
/* Connecting and closing                                              */
/* ------------------------------------------------------------------ */

static void connect_backend(struct evil *e)
{
	char buf[128];
	int state;

	snprintf(e->fe, sizeof(e->fe), "device/vbd/%u", e->devid);
	if (xs_read(e->fe, "backend", e->be, sizeof(e->be)) || !e->be[0])
		fatal("no backend for this vbd (is it attached?)");
	e->backend_id = (unsigned int)xs_read_num(e->fe, "backend-id", 0);
	if (e->reconnect) {
		/* whatever an earlier run left: Closed, then Initialising */
		xs_write_num(e->fe, "state", XS_CLOSED);
		state = wait_backend(e, XS_CLOSED, STATE_WAIT_MS);
		printf("RECONNECT backend-state=%d\n", state);
		xs_write_num(e->fe, "state", XS_INITIALISING);
	}
	state = wait_backend(e, XS_INIT_WAIT, STATE_WAIT_MS);
	if (state != XS_INIT_WAIT) {
		fprintf(stderr, "blkif-evil: backend in state %d, not InitWait\n",
			state);
		exit(2);
	}

	share_pages(e);
	open_evtchn(e);
	e->sring->req_event = 1;
	e->sring->rsp_event = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* no feature-persistent: the backend maps every grant per request */
	xs_write_num(e->fe, "ring-ref", e->gref[0]);
	xs_write_num(e->fe, "event-channel", e->port);
	xs_write(e->fe, "protocol", "x86_64-abi");
	xs_write_num(e->fe, "state", XS_INITIALISED);
	state = wait_backend(e, XS_CONNECTED, STATE_WAIT_MS);
	if (e->reconnect && state != XS_CONNECTED) {
		/* a refusing backend goes Closing: say so, then give up */
		printf("REFUSED backend-state=%d\n", state);
		exit(3);
	}
	if (state != XS_CONNECTED) {
		fprintf(stderr, "blkif-evil: backend in state %d, not Connected\n",
			state);
		exit(2);
	}
	e->sectors = (unsigned long long)xs_read_num(e->be, "sectors", 0);
	e->max_indirect = (unsigned int)xs_read_num(e->be,
						    "feature-max-indirect-segments",
						    0);
	if (xs_read(e->be, "info", buf, sizeof(buf)) || !buf[0])
		snprintf(buf, sizeof(buf), "?");
	printf("CONNECTED devid=%u backend=%s ring-ref=%u port=%u",
	       e->devid, e->be, e->gref[0], e->port);
	printf(" sectors=%llu indirect=%u info=%s\n", e->sectors,
	       e->max_indirect, buf);
}

static void close_backend(struct evil *e)
{
	int state;

	xs_write_num(e->fe, "state", XS_CLOSED);
	state = wait_backend(e, XS_CLOSED, STATE_WAIT_MS);
	printf("CLOSED backend-state=%d\n", state);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static struct seg seg(uint32_t gref, unsigned int first, unsigned int last)
{
	struct seg s = {
		.gref = gref,
		.first_sect = (uint8_t)first,
		.last_sect = (uint8_t)last,
	};

	return s;
}

static struct req_rw *rw(uint8_t *slot, uint8_t op, unsigned int nseg,
			 uint64_t sector, uint64_t id)
{
	struct req_rw *r = (struct req_rw *)slot;

	r->operation = op;
	r->nr_segments = (uint8_t)nseg;
	r->id = id;
	r->sector = sector;
	return r;
}

/* An indirect request whose (only) indirect page is shared page 2. */
static struct req_indirect *indirect(struct evil *e, uint8_t *slot,
				     uint8_t op, unsigned int nseg,
				     uint64_t id)
{
	struct req_indirect *r = (struct req_indirect *)slot;

	r->operation = OP_INDIRECT;
	r->indirect_op = op;
	r->nr_segments = (uint16_t)nseg;
	r->id = id;
	r->sector = MARKER_SECTOR;
	r->indirect_grefs[0] = e->gref[2];
	return r;
}

/* Segment table of that indirect page. */
static struct seg *indirect_segs(struct evil *e)
{
	return (struct seg *)e->page[2];
}

/* A good read of one page at the marker: proves the harness works. */
static int fill_read_ok(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_READ, 1, MARKER_SECTOR, id);

	r->seg[0] = seg(e->gref[1], 0, SECTORS_PER_PAGE - 1);
	return 1;
}

/* A one-page write of FIRST_TEXT at sector 0 (where fill-writes begins). */
static int fill_write_first(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_WRITE, 1, 0, id);

	memcpy(e->page[1], FIRST_TEXT, strlen(FIRST_TEXT));
	r->seg[0] = seg(e->gref[1], 0, SECTORS_PER_PAGE - 1);
	return 1;
}

/* A one-page read of sector 0. */
static int fill_read_first(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_READ, 1, 0, id);

	r->seg[0] = seg(e->gref[1], 0, SECTORS_PER_PAGE - 1);
	return 1;
}

static int fill_bad_op(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, 99, 1, 0, id);

	r->seg[0] = seg(e->gref[1], 0, 7);
	return -1;
}

static int fill_nseg0(struct evil *e, uint8_t *slot, uint64_t id)
{
	(void)e;
	rw(slot, OP_READ, 0, 0, id);
	return -1;
}

static int fill_nseg12(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_READ, MAX_DIRECT_SEGS + 1, 0, id);
	unsigned int i;

	/* a 12th segment does not fit the slot: only 11 are there */
	for (i = 0; i < MAX_DIRECT_SEGS; i++)
		r->seg[i] = seg(e->gref[1], 0, 7);
	return -1;
}

static int fill_first_gt_last(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_READ, 1, 0, id);

	r->seg[0] = seg(e->gref[1], 5, 2);
	return -1;
}

static int fill_last_gt_7(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_READ, 1, 0, id);

	r->seg[0] = seg(e->gref[1], 0, SECTORS_PER_PAGE);
	return -1;
}

/* The first sector is the device's end. */
static int fill_past_end(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_READ, 1, e->sectors, id);

	r->seg[0] = seg(e->gref[1], 0, 7);
	return -1;
}

/* Starts inside the device, ends 4 sectors beyond it. */
static int fill_span_end(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_READ, 1, e->sectors - 4, id);

	r->seg[0] = seg(e->gref[1], 0, 7);
	return -1;
}

/* A good grant, then one that was never granted. */
static int fill_bad_gref(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_READ, 2, 0, id);

	r->seg[0] = seg(e->gref[1], 0, 7);
	r->seg[1] = seg(BAD_GREF, 0, 7);
	return -1;
}

/* A WRITE (meant for a read-only disk). */
static int fill_write(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_rw *r = rw(slot, OP_WRITE, 1, 0, id);

	memset(e->page[1], 0xee, PAGE_SIZE);
	r->seg[0] = seg(e->gref[1], 0, 7);
	return -1;
}

/* A good indirect read of two pages at the marker into pages 3 and 4. */
static int fill_ind_ok(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct seg *s = indirect_segs(e);

	indirect(e, slot, OP_READ, 2, id);
	s[0] = seg(e->gref[3], 0, 7);
	s[1] = seg(e->gref[4], 0, 7);
	return 3;
}

/* One segment more than the backend offered. */
static int fill_ind_too_many(struct evil *e, uint8_t *slot, uint64_t id)
{
	unsigned int n = e->max_indirect + 1, i;
	struct seg *s = indirect_segs(e);

	indirect(e, slot, OP_READ, n, id);
	for (i = 0; i < n && i < SEGS_PER_INDIRECT_PAGE; i++)
		s[i] = seg(e->gref[3], 0, 7);
	return -1;
}

/* Indirect requests only carry reads and writes. */
static int fill_ind_op_barrier(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct seg *s = indirect_segs(e);

	indirect(e, slot, OP_WRITE_BARRIER, 1, id);
	s[0] = seg(e->gref[3], 0, 7);
	return -1;
}

static int fill_ind_op_garbage(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct seg *s = indirect_segs(e);

	indirect(e, slot, 0xee, 1, id);
	s[0] = seg(e->gref[3], 0, 7);
	return -1;
}

/* The indirect page itself is not granted. */
static int fill_ind_bad_gref(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct req_indirect *r = indirect(e, slot, OP_READ, 2, id);

	r->indirect_grefs[0] = BAD_GREF;
	return -1;
}

/* A segment in the indirect page ends past its page. */
static int fill_ind_bad_seg(struct evil *e, uint8_t *slot, uint64_t id)
{
	struct seg *s = indirect_segs(e);

	indirect(e, slot, OP_READ, 2, id);
	s[0] = seg(e->gref[3], 0, 7);
	s[1] = seg(e->gref[4], 0, 9);
	return -1;
}

/* A cache flush without data that names a sector (it must be ignored). */
static int fill_flush_at(struct evil *e, uint8_t *slot, uint64_t id)
{
	(void)e;
	rw(slot, OP_FLUSH_DISKCACHE, 0, FLUSH_SECTOR, id);
	return -1;
}

/* A discard of @nr sectors from @sector. */
static struct req_discard *discard(uint8_t *slot, uint64_t sector,
				   uint64_t nr, uint64_t id)
{
	struct req_discard *r = (struct req_discard *)slot;

	r->operation = OP_DISCARD;
	r->id = id;
	r->sector = sector;
	r->nr_sectors = nr;
	return r;
}

/* A discard of nothing: there is nothing for the device to do. */
static int fill_discard_nothing(struct evil *e, uint8_t *slot, uint64_t id)
{
	(void)e;
	discard(slot, 0, 0, id);
	return -1;
}

/* The same at the disk's end, the last place a range may start. */
static int fill_discard_nothing_at_end(struct evil *e, uint8_t *slot,
				       uint64_t id)
{
	discard(slot, e->sectors, 0, id);
	return -1;
}

static void print_data(const uint8_t *p)
{
	unsigned int i;

	printf(" data=");
	for (i = 0; i < 24; i++)
		putchar(p[i] > ' ' && p[i] < 0x7f ? p[i] : '.');
}

/* One request, one response within @ms. */
static void run_request_wait(struct evil *e, const struct evil_case *c,
			     int ms)
{
	uint64_t id = 0x6576696c00000000ULL | ++e->nr;	/* "evil" */
	uint8_t *slot = next_slot(e);
	struct rsp rsp;
	int i, show;

	for (i = 1; i < NR_PAGES; i++)
		memset(e->page[i], 0, PAGE_SIZE);
	show = c->fill(e, slot, id);
	e->req_prod++;
	e->sent++;
	push(e);
	if (take_response(e, ms, &rsp)) {
		printf("RESULT %s status=none\n", c->name);
		return;
	}
	printf("RESULT %s status=%d", c->name, rsp.status);
	if (rsp.id == id)
		printf(" id=echoed");
	else
		printf(" id=wrong:%#llx", (unsigned long long)rsp.id);
	printf(" op=%u", rsp.operation);
	if (show > 0 && rsp.status == 0)
		print_data(e->page[show]);
	printf("\n");
}

static void run_request(struct evil *e, const struct evil_case *c)
{
	run_request_wait(e, c, RSP_WAIT_MS);
}

/* The same, for an answer the backend may hold back while short of memory. */
static void run_request_patient(struct evil *e, const struct evil_case *c)
{
	run_request_wait(e, c, PATIENT_RSP_WAIT_MS);
}

/*
 * Publish far more requests than the ring holds and kick a few times: the
 * backend must stop the ring, once, and answer nothing.
 */
static void run_overflow(struct evil *e, const struct evil_case *c)
{
	uint32_t before = load_acquire(&e->sring->rsp_prod);
	long end;
	int i;

	e->req_prod = e->rsp_cons + 1000;
	for (i = 0; i < 5; i++) {
		push(e);
		sleep_ms(200);
	}
	end = now_ms() + 3000;
	while (now_ms() < end)
		wait_event_ms(e, 100);
	if (load_acquire(&e->sring->rsp_prod) == before)
		printf("RESULT %s status=none\n", c->name);
	else
		printf("RESULT %s status=answered responses=%u\n", c->name,
		       load_acquire(&e->sring->rsp_prod) - before);
}

/* Take a response if one is there, without waiting; 0 or -1. */
static int take_ready(struct evil *e, struct rsp *out)
{
	if (load_acquire(&e->sring->rsp_prod) == e->rsp_cons)
		return -1;
	return take_response(e, 0, out);
}

/*
 * Keep every free slot of the ring filled with requests of an unknown
 * operation for FLOOD_MS, as fast as the backend answers them, one kick
 * per batch (waiting only while every slot is in flight); then wait for
 * the last answers.  Prints how many were sent and answered, and how many
 * answers were not EOPNOTSUPP.
 */
static void run_flood(struct evil *e, const struct evil_case *c)
{
	uint32_t sent = 0, answered = 0, wrong = 0, n;
	long end = now_ms() + FLOOD_MS;
	struct rsp rsp;

	while (now_ms() < end) {
		while (e->req_prod - e->rsp_cons < RING_SLOTS) {
			rw(next_slot(e), 99, 1, 0, 0x666c6f6f00000000ULL | sent);
			e->req_prod++;
			sent++;
		}
		push(e);
		n = 0;
		while (!take_ready(e, &rsp)) {
			n++;
			answered++;
			if (rsp.status != RSP_EOPNOTSUPP)
				wrong++;
		}
		if (!n)
			wait_event_ms(e, 10);
	}
	while (answered < sent && !take_response(e, RSP_WAIT_MS, &rsp)) {
		answered++;
		if (rsp.status != RSP_EOPNOTSUPP)
			wrong++;
	}
	e->sent += sent;
	printf("RESULT %s sent=%u answered=%u not-eopnotsupp=%u\n", c->name,
	       sent, answered, wrong);
}

/*
 * Fill every slot of the ring with a one-page write (all from data page 1)
 * and kick once, then wait a while without consuming anything: on a backing
 * device that holds its I/O, all of them stay in flight.  Prints how many
 * the backend answered meanwhile.
 */
static void run_fill_writes(struct evil *e, const struct evil_case *c)
{
	uint32_t before = load_acquire(&e->sring->rsp_prod);
	uint64_t id;
	unsigned int i;

	memset(e->page[1], 0x5a, PAGE_SIZE);
	for (i = 0; i < RING_SLOTS; i++) {
		struct req_rw *r;

		id = 0x6576696c00000000ULL | ++e->nr;
		r = rw(next_slot(e), OP_WRITE, 1,
		       (uint64_t)i * SECTORS_PER_PAGE, id);
		r->seg[0] = seg(e->gref[1], 0, SECTORS_PER_PAGE - 1);
		e->req_prod++;
		e->sent++;
	}
	push(e);
	sleep_ms(3000);
	printf("RESULT %s sent=%u answered=%u\n", c->name, RING_SLOTS,
	       load_acquire(&e->sring->rsp_prod) - before);
}

static const struct evil_case cases[] = {
	{ "read-ok", fill_read_ok, run_request },
	{ "bad-op", fill_bad_op, run_request },
	{ "nseg0", fill_nseg0, run_request },
	{ "nseg12", fill_nseg12, run_request },
	{ "first-gt-last", fill_first_gt_last, run_request },
	{ "last-gt-7", fill_last_gt_7, run_request },
	{ "past-end", fill_past_end, run_request },
	{ "span-end", fill_span_end, run_request },
	{ "bad-gref", fill_bad_gref, run_request },
	{ "write", fill_write, run_request },
	{ "ind-ok", fill_ind_ok, run_request },
	{ "ind-too-many", fill_ind_too_many, run_request },
	{ "ind-op-barrier", fill_ind_op_barrier, run_request },
	{ "ind-op-garbage", fill_ind_op_garbage, run_request },
	{ "ind-bad-gref", fill_ind_bad_gref, run_request },
	{ "ind-bad-seg", fill_ind_bad_seg, run_request },
	{ "read-again", fill_read_ok, run_request },
	{ "read-patient", fill_read_ok, run_request_patient },
	{ "overflow", NULL, run_overflow },
	{ "flush-at", fill_flush_at, run_request },
	{ "flood", NULL, run_flood },
	{ "fill-writes", NULL, run_fill_writes },
	{ "write-first", fill_write_first, run_request },
	{ "read-first", fill_read_first, run_request },
	{ "discard-nothing", fill_discard_nothing, run_request },
	{ "discard-nothing-at-end", fill_discard_nothing_at_end, run_request },
};

static const struct evil_case *find_case(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return NULL;
}

static void print_usage(void)
{
	size_t i;

	fprintf(stderr, "usage: blkif-evil [-k] [-r] <devid> <case>...\ncases:");
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		fprintf(stderr, " %s", cases[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct evil e = { .gfd = -1, .efd = -1 };
	int hold = 0, i, first;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-k")) {
		hold = 1;
		argv++;
		argc--;
	}
	if (argc > 1 && !strcmp(argv[1], "-r")) {
		e.reconnect = 1;
		argv++;
		argc--;
	}
	if (argc < 3)
		print_usage();
	e.devid = (unsigned int)strtoul(argv[1], NULL, 0);
	first = 2;
	for (i = first; i < argc; i++)
		if (!find_case(argv[i]))
			print_usage();

	connect_backend(&e);
	for (i = first; i < argc; i++) {
		const struct evil_case *c = find_case(argv[i]);

		c->run(&e, c);
	}
	printf("END sent=%u answered=%u\n", e.sent,
	       load_acquire(&e.sring->rsp_prod));
	if (hold) {
		printf("HOLD\n");
		for (;;)
			pause();
	}
	close_backend(&e);
	return 0;
}
