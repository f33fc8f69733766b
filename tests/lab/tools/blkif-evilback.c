// SPDX-License-Identifier: GPL-2.0
/*
 * blkif-evilback: a hostile blkif backend for the lab.  Runs in dom0 with
 * xen-blkback unloaded and plays the backend of one vbd by hand: the
 * XenStore handshake through the xenstore-* tools, the frontend's ring page
 * mapped through /dev/xen/gntdev, its event channel bound through
 * /dev/xen/evtchn, then responses written straight into the ring, correct
 * ones or not.
 *
 *	blkif-evilback [-f] [-d] [-s <sectors>] [-t <sector>] [-p] [-i <segs>]
 *		       <domid> <devid> <mode>
 *
 * Start it before "xl block-attach": it waits for the toolstack to create
 * the backend directory, publishes a disk of <sectors> 512-byte sectors
 * (default 131072) with no optional feature (so one single-page ring),
 * goes to InitWait, connects when the frontend is Initialised and serves
 * requests until the device is closed.  Reads are answered with a pattern
 * ("blkif-evilback sector <n>" at the start of every sector, zeros after
 * it), writes are answered OKAY and dropped.  In every mode but "good" the
 * first read of sector <sector> (-t, default 32768) is answered wrongly:
 *
 *	good		no misbehaviour
 *	id-range	a response with id 0xdeadbeef
 *	id-idle		a response with the id of a slot not in flight
 *	wrong-op	a response with the right id and operation WRITE
 *	rsp-prod-far	rsp_prod moved 1000 past the responses written
 *	rsp-prod-one	the right response, but rsp_prod moved one further
 *	dup		the read is held until another request comes; then
 *			the right response for it, twice (the other request
 *			stays unanswered)
 *	dup-alone	the right response, twice, nothing else in flight
 *	keep-mapped	the right response, but the read's pages stay mapped
 *			for KEEP_MS after it, and a marker ("blkif-evilback
 *			still mapped <n>") is written into the first sector
 *			of each of them every 10 ms; then they are unmapped
 *	scan		no misbehaviour; every data page of every read and
 *			write and every indirect page is mapped in full and
 *			checked: outside the segment each sector must be
 *			zero or a sector this program wrote for a read
 *			(the test writes only zeros), and an indirect page
 *			must be zero past the last descriptor
 *
 * -p offers feature-persistent, -i feature-max-indirect-segments <segs>
 * (indirect requests are then served too).
 *
 * These modes break no rule of the protocol and keep serving:
 *
 *	flush-error	the first flush answered RSP_ERROR, later ones OKAY
 *	notsupp		every flush and discard answered EOPNOTSUPP
 *	close-held	the read of <sector> is never answered; the backend
 *			goes Closing, lets go of the ring and goes Closed
 *			(a backend that disconnects under an open disk)
 *	early-event	an event on the frontend's channel as soon as it is
 *			bound, a second before Connected (nothing came to
 *			answer: a spurious event, which a frontend must
 *			survive); the frontend may take up to FRONT_SLOW_MS
 *			to become Initialised
 *	drain-violate	the read of <sector> is held until the device is
 *			closed or removed; then it is answered with id
 *			0xdeadbeef while the frontend waits for it
 *
 * -f offers feature-flush-cache, -d feature-discard.
 *
 * The program judges nothing; it prints what it did, one line each, for
 * the scenario (tests/lab/front-hostile-backend.sh) to check:
 *
 *	WAIT backend=<path>
 *	INITWAIT frontend=<path> sectors=<n>
 *	FRONTEND ring-ref=<ref> ... ring-page-order=<o|none> queues=<n|none>
 *	EARLY-EVENT port=<ours>			(early-event, before CONNECTED)
 *	CONNECTED ring-ref=<ref> event-channel=<port> port=<ours> protocol=<p>
 *	REQ op=<op> id=<id> sector=<s> nseg=<n>	(each request, until EVIL)
 *	HOLD id=<id> sector=<s>			(dup: the read held)
 *	HOLD-TIMEOUT id=<id>			(dup: nothing else came in 20 s)
 *	PAIR id=<id> sector=<s>			(dup: the request left unanswered)
 *	EVIL <mode> sector=<s> req-id=<id> rsp-id=<id> rsp-op=<op> rsp-prod=+<n>
 *	ANSWER op=<op> id=<id> status=<s>	(flush and discard answers)
 *	LATE op=<op> id=<id> sector=<s>		(requests taken after EVIL)
 *	KEPT id=<id> sector=<s>			(keep-mapped: answered, still mapped)
 *	RELEASED writes=<n>			(keep-mapped: unmapped after n markers)
 *	DIRTY <data|indirect> op=<op> sector=<s> seg=<i> off=<byte> bytes=<text>
 *					(scan: the first 8 dirty pages of each kind)
 *	SCAN data=<pages> indirect=<pages> dirty=<pages> dirty-data=<pages>
 *	     dirty-indirect=<pages>	(scan, before END; one line)
 *	CLOSING by=toolstack|frontend|gone|lifetime
 *	CLOSED frontend-state=<state>
 *	END requests=<n> answered=<n> late=<n> evil=<0|1>
 *
 * The layouts are those of the x86_64 guest ABI (include/xen/interface/io/
 * blkif.h); a frontend announcing another protocol is refused.
 */

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define LAB_PROG "blkif-evilback"
#include "blkif-lab.h"

/* the uapi headers use these without defining them */
typedef uint16_t domid_t;
typedef uint32_t grant_ref_t;
#include <xen/evtchn.h>
#include <xen/gntdev.h>

#define __printf(a, b)		__attribute__((format(printf, a, b)))
#include "blkif-labback.h"

#define DEFAULT_SECTORS		131072ULL
#define DEFAULT_TRIGGER		32768ULL
#define BAD_ID			0xdeadbeefULL
#define FAR_AHEAD		1000U

#define BACKEND_WAIT_MS		60000
#define FRONTEND_WAIT_MS	30000
#define FRONT_SLOW_MS		180000
#define EARLY_EVENT_MS		1000
#define CLOSE_WAIT_MS		20000
#define LIFETIME_MS		900000
#define XS_POLL_MS		300
#define HOLD_MS			20000
#define KEEP_MS			8000
#define KEEP_EVERY_MS		10
#define DIRTY_LINES		8


enum mode {
	MODE_GOOD,
	MODE_ID_RANGE,
	MODE_ID_IDLE,
	MODE_WRONG_OP,
	MODE_RSP_PROD_FAR,
	MODE_RSP_PROD_ONE,
	MODE_DUP,
	MODE_DUP_ALONE,
	MODE_KEEP_MAPPED,
	MODE_SCAN,
	MODE_FLUSH_ERROR,
	MODE_NOTSUPP,
	MODE_CLOSE_HELD,
	MODE_DRAIN_VIOLATE,
	MODE_EARLY_EVENT,
};

static const char *const mode_names[] = {
	[MODE_GOOD] = "good",
	[MODE_ID_RANGE] = "id-range",
	[MODE_ID_IDLE] = "id-idle",
	[MODE_WRONG_OP] = "wrong-op",
	[MODE_RSP_PROD_FAR] = "rsp-prod-far",
	[MODE_RSP_PROD_ONE] = "rsp-prod-one",
	[MODE_DUP] = "dup",
	[MODE_DUP_ALONE] = "dup-alone",
	[MODE_KEEP_MAPPED] = "keep-mapped",
	[MODE_SCAN] = "scan",
	[MODE_FLUSH_ERROR] = "flush-error",
	[MODE_NOTSUPP] = "notsupp",
	[MODE_CLOSE_HELD] = "close-held",
	[MODE_DRAIN_VIOLATE] = "drain-violate",
	[MODE_EARLY_EVENT] = "early-event",
};


#define MAX_SEGS	(MAX_INDIRECT_PAGES * SEGS_PER_INDIRECT_PAGE)

#define OP_FLUSH_DISKCACHE	3
#define OP_DISCARD		5

struct back {
	unsigned int domid;
	unsigned int devid;
	enum mode mode;
	unsigned long long sectors;
	unsigned long long trigger;
	char be[96];		/* backend directory */
	char fe[96];		/* frontend directory */
	int my_state;		/* the backend state we wrote last */
	int gfd;
	int efd;
	unsigned int port;	/* our end of the event channel */
	uint64_t ring_index;	/* gntdev offset of the ring mapping */
	struct sring *sring;
	uint32_t req_cons;
	uint32_t rsp_prod_pvt;
	unsigned int requests;
	unsigned int answered;
	unsigned int late;
	int evil;		/* the misbehaviour happened */
	int holding;		/* dup: a read waits for a second request */
	struct req_rw held;
	long held_since;
	int stopped;		/* the ring is no longer served */
	int persistent;		/* -p: feature-persistent offered */
	unsigned int indirect;	/* -i: feature-max-indirect-segments */
	unsigned long scan_data;	/* scan: data pages checked */
	unsigned long scan_indirect;	/* scan: indirect pages checked */
	unsigned long dirty;	/* scan: pages with bytes that must not be */
	unsigned long dirty_data;	/* scan: of them data pages */
	int offer_flush;	/* -f */
	int offer_discard;	/* -d */
	unsigned int flushes;	/* flushes answered */
	int close_now;		/* close-held: the read is held, close */
};

/* ------------------------------------------------------------------ */
/* XenStore, through dom0's xenstore-read and xenstore-write           */
/* ------------------------------------------------------------------ */

static void xs_read_states(struct back *b, int *be_state, int *fe_state)
{
	xs_read_both_states(b->be, b->fe, be_state, fe_state);
}

static void set_state(struct back *b, int state)
{
	if (xs_run("xenstore-write %s/state %d", b->be, state))
		fatal("writing the backend state");
	b->my_state = state;
}

/* Wait until the frontend's state is @want; the last state seen. */
static int wait_frontend(struct back *b, int want, int ms)
{
	long end = now_ms() + ms;
	int state;

	for (;;) {
		state = (int)xs_read_num(b->fe, "state", -1);
		if (state == want || state >= XS_CLOSING || state < 0 ||
		    now_ms() > end)
			return state;
		sleep_ms(100);
	}
}

/* ------------------------------------------------------------------ */
/* Grant mappings and the event channel                                */
/* ------------------------------------------------------------------ */

/* Map @n grants of the frontend with @prot; the address, or NULL. */
static void *map_grants_prot(struct back *b, const uint32_t *grefs,
			     unsigned int n, uint64_t *index, int prot)
{
	return gnt_map(b->gfd, b->domid, grefs, n, index, prot, 1);
}

static void *map_grants(struct back *b, const uint32_t *grefs, unsigned int n,
			uint64_t *index)
{
	return map_grants_prot(b, grefs, n, index, PROT_READ | PROT_WRITE);
}

static void unmap_grants(struct back *b, void *p, unsigned int n,
			 uint64_t index)
{
	gnt_unmap(b->gfd, p, n, index);
}

static void notify(struct back *b)
{
	evtchn_notify(b->efd, b->port);
}

/* ------------------------------------------------------------------ */
/* Connecting and disconnecting                                        */
/* ------------------------------------------------------------------ */

/* Wait for the toolstack's backend directory, then InitWait. */
static void init_wait(struct back *b)
{
	long end = now_ms() + BACKEND_WAIT_MS;
	char buf[96];

	printf("WAIT backend=%s\n", b->be);
	while (xs_read(b->be, "frontend", buf, sizeof(buf)) || !buf[0]) {
		if (now_ms() > end)
			fatal("no backend directory from the toolstack");
		sleep_ms(50);
	}
	snprintf(b->fe, sizeof(b->fe), "%s", buf);
	/*
	 * A disk and nothing else: no flush, discard, indirect, persistent,
	 * multi-queue or multi-page ring keys.
	 */
	if (xs_run("xenstore-write %s/sectors %llu %s/info 0 %s/sector-size %u",
		   b->be, b->sectors, b->be, b->be, SECTOR_SIZE))
		fatal("writing the disk keys");
	if (b->persistent &&
	    xs_run("xenstore-write %s/feature-persistent 1", b->be))
		fatal("writing feature-persistent");
	if (b->indirect &&
	    xs_run("xenstore-write %s/feature-max-indirect-segments %u",
		   b->be, b->indirect))
		fatal("writing feature-max-indirect-segments");
	if (b->offer_flush &&
	    xs_run("xenstore-write %s/feature-flush-cache 1", b->be))
		fatal("writing feature-flush-cache");
	if (b->offer_discard &&
	    xs_run("xenstore-write %s/feature-discard 1 %s/discard-granularity 4096",
		   b->be, b->be))
		fatal("writing feature-discard");
	set_state(b, XS_INIT_WAIT);
	printf("INITWAIT frontend=%s sectors=%llu\n", b->fe, b->sectors);
}

/* The frontend is Initialised: map its ring, bind its event channel. */
static void connect_frontend(struct back *b)
{
	struct ioctl_evtchn_bind_interdomain bind = { 0 };
	char proto[32], order[16], queues[16];
	uint32_t ref;
	int state, port;

	state = wait_frontend(b, XS_INITIALISED,
			      b->mode == MODE_EARLY_EVENT ? FRONT_SLOW_MS :
							    FRONTEND_WAIT_MS);
	if (state != XS_INITIALISED) {
		fprintf(stderr, "blkif-evilback: frontend in state %d, not Initialised\n",
			state);
		exit(2);
	}
	ref = (uint32_t)xs_read_num(b->fe, "ring-ref", -1);
	bind.remote_domain = b->domid;
	bind.remote_port = (unsigned int)xs_read_num(b->fe, "event-channel", 0);
	if (xs_read(b->fe, "protocol", proto, sizeof(proto)) || !proto[0])
		snprintf(proto, sizeof(proto), "native");
	if (xs_read(b->fe, "ring-page-order", order, sizeof(order)) || !order[0])
		snprintf(order, sizeof(order), "none");
	if (xs_read(b->fe, "multi-queue-num-queues", queues, sizeof(queues)) ||
	    !queues[0])
		snprintf(queues, sizeof(queues), "none");
	printf("FRONTEND ring-ref=%u event-channel=%u protocol=%s ring-page-order=%s queues=%s\n",
	       ref, bind.remote_port, proto, order, queues);
	if (strcmp(proto, "native") && strcmp(proto, "x86_64-abi"))
		fatal("only the x86_64 ABI is spoken here");
	if (strcmp(order, "none") || strcmp(queues, "none"))
		fatal("the frontend chose a ring layout that was not offered");

	b->gfd = open("/dev/xen/gntdev", O_RDWR);
	if (b->gfd < 0)
		die("open /dev/xen/gntdev");
	b->sring = map_grants(b, &ref, 1, &b->ring_index);
	if (!b->sring)
		fatal("cannot map the ring");
	b->efd = open("/dev/xen/evtchn", O_RDWR);
	if (b->efd < 0)
		die("open /dev/xen/evtchn");
	port = ioctl(b->efd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
	if (port < 0)
		die("IOCTL_EVTCHN_BIND_INTERDOMAIN");
	b->port = (unsigned int)port;
	/* a fresh ring: the frontend has produced nothing yet */
	b->req_cons = 0;
	b->rsp_prod_pvt = 0;
	if (b->mode == MODE_EARLY_EVENT) {
		notify(b);
		printf("EARLY-EVENT port=%u\n", b->port);
		sleep_ms(EARLY_EVENT_MS);
	}
	set_state(b, XS_CONNECTED);
	printf("CONNECTED ring-ref=%u event-channel=%u port=%u protocol=%s\n",
	       ref, bind.remote_port, b->port, proto);
}

/* Let go of the ring and the event channel (kernel blkback's disconnect). */
static void disconnect(struct back *b)
{
	if (b->sring) {
		unmap_grants(b, b->sring, 1, b->ring_index);
		b->sring = NULL;
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
/* Serving the ring                                                    */
/* ------------------------------------------------------------------ */

static void put_response(struct back *b, uint64_t id, uint8_t op,
			 int16_t status)
{
	struct rsp rsp = {
		.id = id,
		.operation = op,
		.status = status,
	};

	memcpy(b->sring->slot[b->rsp_prod_pvt % RING_SLOTS], &rsp,
	       sizeof(rsp));
	b->rsp_prod_pvt++;
}

/* Publish the responses written so far (plus @extra) and notify. */
static void push_responses(struct back *b, uint32_t extra)
{
	__atomic_store_n(&b->sring->rsp_prod, b->rsp_prod_pvt + extra,
			 __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	notify(b);
}

/* Write the pattern into the sectors segment @g covers of @page. */
static void fill_read(uint8_t *page, const struct seg *g,
		      unsigned long long *sector)
{
	unsigned int s;

	for (s = g->first_sect; s <= g->last_sect; s++) {
		char *sec = (char *)page + s * SECTOR_SIZE;

		memset(sec, 0, SECTOR_SIZE);
		snprintf(sec, SECTOR_SIZE, "blkif-evilback sector %llu\n",
			 (*sector)++);
	}
}

/* A sector as fill_read() leaves it: its line, then zeros. */
static int sector_from_read(const uint8_t *sec)
{
	static const char head[] = "blkif-evilback sector ";
	unsigned int i = sizeof(head) - 1;

	if (memcmp(sec, head, i))
		return 0;
	while (i < SECTOR_SIZE && sec[i] >= '0' && sec[i] <= '9')
		i++;
	if (i == SECTOR_SIZE || sec[i++] != '\n')
		return 0;
	for (; i < SECTOR_SIZE; i++)
		if (sec[i])
			return 0;
	return 1;
}

/* Offset of the first non-zero byte in [@from, @to) of @p, or @to. */
static unsigned int first_set(const uint8_t *p, unsigned int from,
			      unsigned int to)
{
	while (from < to && !p[from])
		from++;
	return from;
}

static void report_dirty(struct back *b, const char *kind, uint8_t op,
			 uint64_t sector, unsigned int seg, const uint8_t *page,
			 unsigned int off)
{
	unsigned long n;
	char text[33];
	unsigned int i;

	b->dirty++;
	if (!strcmp(kind, "data"))
		b->dirty_data++;
	n = !strcmp(kind, "data") ? b->dirty_data : b->dirty - b->dirty_data;
	if (n > DIRTY_LINES)
		return;
	for (i = 0; i < 32 && off + i < PAGE_SIZE; i++)
		text[i] = page[off + i] > ' ' && page[off + i] < 127 ?
			  (char)page[off + i] : '.';
	text[i] = '\0';
	printf("DIRTY %s op=%u sector=%llu seg=%u off=%u bytes=%s\n", kind, op,
	       (unsigned long long)sector, seg, off, text);
}

/* scan: outside the segment, only zeros or what a read put there. */
static void scan_data_page(struct back *b, const uint8_t *page,
			   const struct seg *g, uint8_t op, uint64_t sector,
			   unsigned int i)
{
	unsigned int s, off;

	b->scan_data++;
	for (s = 0; s < SECTORS_PER_PAGE; s++) {
		const uint8_t *sec = page + s * SECTOR_SIZE;

		if (s >= g->first_sect && s <= g->last_sect)
			continue;
		off = first_set(page, s * SECTOR_SIZE, (s + 1) * SECTOR_SIZE);
		if (off == (s + 1) * SECTOR_SIZE || sector_from_read(sec))
			continue;
		report_dirty(b, "data", op, sector, i, page, off);
		return;
	}
}

/* scan: an indirect page holds descriptors, then zeros. */
static void scan_indirect(struct back *b, const uint8_t *p, unsigned int npages,
			  unsigned int nseg, uint8_t op, uint64_t sector)
{
	unsigned int k, used, off;

	for (k = 0; k < npages; k++) {
		const uint8_t *page = p + (size_t)k * PAGE_SIZE;

		b->scan_indirect++;
		used = nseg - k * SEGS_PER_INDIRECT_PAGE;
		if (used > SEGS_PER_INDIRECT_PAGE)
			used = SEGS_PER_INDIRECT_PAGE;
		off = first_set(page, used * sizeof(struct seg), PAGE_SIZE);
		if (off < PAGE_SIZE)
			report_dirty(b, "indirect", op, sector, k, page, off);
	}
}

/* Serve the @nseg segments of a read or write; a status. */
static int16_t serve_rw(struct back *b, uint8_t op, uint64_t sector,
			const struct seg *segs, unsigned int nseg)
{
	static uint32_t grefs[MAX_SEGS];
	unsigned long long next = sector;
	int scan = b->mode == MODE_SCAN;
	unsigned int i;
	uint64_t index;
	uint8_t *p;

	if (!nseg || nseg > MAX_SEGS)
		return RSP_ERROR;
	for (i = 0; i < nseg; i++) {
		if (segs[i].first_sect > segs[i].last_sect ||
		    segs[i].last_sect >= SECTORS_PER_PAGE)
			return RSP_ERROR;
		grefs[i] = segs[i].gref;
	}
	/* writes are dropped: their pages are only looked at by scan */
	if (op == OP_WRITE && !scan)
		return RSP_OKAY;
	p = map_grants_prot(b, grefs, nseg, &index, op == OP_READ ?
			    PROT_READ | PROT_WRITE : PROT_READ);
	if (!p)
		return RSP_ERROR;
	for (i = 0; i < nseg; i++) {
		uint8_t *page = p + (size_t)i * PAGE_SIZE;

		if (scan)
			scan_data_page(b, page, &segs[i], op, sector, i);
		if (op == OP_READ)
			fill_read(page, &segs[i], &next);
	}
	unmap_grants(b, p, nseg, index);
	return RSP_OKAY;
}

/* An indirect read or write (offered with -i); a status. */
static int16_t serve_indirect(struct back *b, const struct req_indirect *r)
{
	static struct seg segs[MAX_SEGS];
	uint32_t grefs[MAX_INDIRECT_PAGES];
	unsigned int n = r->nr_segments, npages;
	uint64_t index;
	uint8_t *p;

	if (!b->indirect || !n || n > b->indirect || n > MAX_SEGS ||
	    (r->indirect_op != OP_READ && r->indirect_op != OP_WRITE))
		return RSP_ERROR;
	npages = (n + SEGS_PER_INDIRECT_PAGE - 1) / SEGS_PER_INDIRECT_PAGE;
	memcpy(grefs, r->indirect_grefs, sizeof(grefs));
	p = map_grants_prot(b, grefs, npages, &index, PROT_READ);
	if (!p)
		return RSP_ERROR;
	memcpy(segs, p, n * sizeof(segs[0]));
	if (b->mode == MODE_SCAN)
		scan_indirect(b, p, npages, n, r->indirect_op, r->sector);
	unmap_grants(b, p, npages, index);
	return serve_rw(b, r->indirect_op, r->sector, segs, n);
}

/*
 * keep-mapped: answer the read OKAY but keep its pages mapped, and keep
 * writing into them, for KEEP_MS.
 */
static void keep_mapped(struct back *b, const struct req_rw *r)
{
	struct seg segs[MAX_DIRECT_SEGS];
	uint32_t grefs[MAX_DIRECT_SEGS];
	unsigned long long next = r->sector;
	unsigned int i, n = r->nr_segments, writes = 0;
	uint64_t index;
	uint8_t *p;
	long end;

	memcpy(segs, r->seg, sizeof(segs));
	for (i = 0; i < n && i < MAX_DIRECT_SEGS; i++)
		grefs[i] = segs[i].gref;
	p = n && n <= MAX_DIRECT_SEGS ? map_grants(b, grefs, n, &index) : NULL;
	if (!p) {
		put_response(b, r->id, r->operation, RSP_ERROR);
		return;
	}
	for (i = 0; i < n; i++)
		fill_read(p + (size_t)i * PAGE_SIZE, &segs[i], &next);
	put_response(b, r->id, r->operation, RSP_OKAY);
	b->answered++;
	push_responses(b, 0);
	printf("KEPT id=%llu sector=%llu\n", (unsigned long long)r->id,
	       (unsigned long long)r->sector);
	end = now_ms() + KEEP_MS;
	while (now_ms() < end) {
		for (i = 0; i < n; i++)
			snprintf((char *)p + (size_t)i * PAGE_SIZE +
				 segs[i].first_sect * SECTOR_SIZE, SECTOR_SIZE,
				 "blkif-evilback still mapped %u\n", writes);
		writes++;
		sleep_ms(KEEP_EVERY_MS);
	}
	unmap_grants(b, p, n, index);
	printf("RELEASED writes=%u\n", writes);
}

/* Modes that hold the read of the trigger sector until the end. */
static int held_mode(const struct back *b)
{
	return b->mode == MODE_CLOSE_HELD || b->mode == MODE_DRAIN_VIOLATE;
}

/* Answer @r correctly. */
static void serve(struct back *b, const struct req_rw *r)
{
	struct seg segs[MAX_DIRECT_SEGS];
	uint8_t op = r->operation;
	struct req_indirect ind;
	int16_t status;

	switch (r->operation) {
	case OP_READ:
	case OP_WRITE:
		memcpy(segs, r->seg, sizeof(segs));
		status = r->nr_segments > MAX_DIRECT_SEGS ? RSP_ERROR :
			 serve_rw(b, r->operation, r->sector, segs,
				  r->nr_segments);
		break;
	case OP_INDIRECT:
		memcpy(&ind, r, sizeof(ind));
		status = serve_indirect(b, &ind);
		op = ind.indirect_op;
		break;
	case OP_FLUSH_DISKCACHE:
	case OP_DISCARD:
		if ((r->operation == OP_FLUSH_DISKCACHE && !b->offer_flush) ||
		    (r->operation == OP_DISCARD && !b->offer_discard))
			status = RSP_EOPNOTSUPP;
		else if (b->mode == MODE_NOTSUPP)
			status = RSP_EOPNOTSUPP;
		else if (b->mode == MODE_FLUSH_ERROR &&
			 r->operation == OP_FLUSH_DISKCACHE && !b->flushes)
			status = RSP_ERROR;
		else
			status = RSP_OKAY;
		if (r->operation == OP_FLUSH_DISKCACHE)
			b->flushes++;
		printf("ANSWER op=%u id=%llu status=%d\n", r->operation,
		       (unsigned long long)r->id, status);
		break;
	default:
		/* nothing else was offered */
		status = RSP_EOPNOTSUPP;
		break;
	}
	put_response(b, r->id, op, status);
	b->answered++;
}

/* Answer @r the way the mode says; the ring is not served after that. */
static void misbehave(struct back *b, const struct req_rw *r)
{
	uint64_t id = r->id;
	uint8_t op = r->operation;
	uint32_t extra = 0;

	switch (b->mode) {
	case MODE_ID_RANGE:
	case MODE_DRAIN_VIOLATE:
		id = BAD_ID;
		put_response(b, id, op, RSP_OKAY);
		break;
	case MODE_ID_IDLE:
		/* every other request was answered: no other slot is busy */
		id = (r->id + 1) % RING_SLOTS;
		put_response(b, id, op, RSP_OKAY);
		break;
	case MODE_WRONG_OP:
		op = OP_WRITE;
		put_response(b, id, op, RSP_OKAY);
		break;
	case MODE_RSP_PROD_FAR:
		extra = FAR_AHEAD;
		break;
	case MODE_RSP_PROD_ONE:
		serve(b, r);
		extra = 1;
		break;
	case MODE_DUP:
	case MODE_DUP_ALONE:
		serve(b, r);
		put_response(b, id, op, RSP_OKAY);
		break;
	case MODE_KEEP_MAPPED:
		keep_mapped(b, r);
		break;
	default:
		break;
	}
	printf("EVIL %s sector=%llu req-id=%llu rsp-id=%llu rsp-op=%u rsp-prod=+%u\n",
	       mode_names[b->mode], (unsigned long long)r->sector,
	       (unsigned long long)r->id, (unsigned long long)id, op,
	       b->rsp_prod_pvt + extra -
	       __atomic_load_n(&b->sring->rsp_prod, __ATOMIC_RELAXED));
	push_responses(b, extra);
	b->evil = 1;
}

/* Modes that answer everything correctly (or as a backend may). */
static int serving_mode(const struct back *b)
{
	return b->mode == MODE_FLUSH_ERROR || b->mode == MODE_NOTSUPP ||
	       b->mode == MODE_SCAN || b->mode == MODE_EARLY_EVENT ||
	       held_mode(b);
}

/* Take every request on the ring. */
static void serve_ring(struct back *b)
{
	uint32_t rp, answered;
	struct req_rw r;
	int more;

	do {
		rp = __atomic_load_n(&b->sring->req_prod, __ATOMIC_ACQUIRE);
		if (rp - b->req_cons > RING_SLOTS) {
			printf("BADPROD req_prod=%u req_cons=%u\n", rp, b->req_cons);
			b->stopped = 1;
			return;
		}
		answered = b->rsp_prod_pvt;
		for (; b->req_cons != rp; b->req_cons++) {
			memcpy(&r, b->sring->slot[b->req_cons % RING_SLOTS],
			       sizeof(r));
			b->requests++;
			if (b->evil) {
				/* the device is stopped: nothing more */
				printf("LATE op=%u id=%llu sector=%llu\n",
				       r.operation, (unsigned long long)r.id,
				       (unsigned long long)r.sector);
				b->late++;
				continue;
			}
			printf("REQ op=%u id=%llu sector=%llu nseg=%u\n",
			       r.operation, (unsigned long long)r.id,
			       (unsigned long long)r.sector, r.nr_segments);
			if (b->holding && b->mode == MODE_DUP) {
				/*
				 * Two requests in flight: the held read's
				 * response twice passes the frontend's
				 * rsp_prod check, and this one waits forever.
				 */
				printf("PAIR id=%llu sector=%llu\n",
				       (unsigned long long)r.id,
				       (unsigned long long)r.sector);
				b->holding = 0;
				misbehave(b, &b->held);
				continue;
			}
			if (held_mode(b) && r.operation == OP_READ &&
			    r.sector == b->trigger && !b->holding &&
			    !b->close_now) {
				b->held = r;
				b->close_now = b->mode == MODE_CLOSE_HELD;
				b->holding = b->mode == MODE_DRAIN_VIOLATE;
				printf("HOLD id=%llu sector=%llu\n",
				       (unsigned long long)r.id,
				       (unsigned long long)r.sector);
				continue;
			}
			if (b->mode != MODE_GOOD && !serving_mode(b) &&
			    r.operation == OP_READ && r.sector == b->trigger) {
				if (b->mode == MODE_DUP) {
					b->held = r;
					b->holding = 1;
					b->held_since = now_ms();
					printf("HOLD id=%llu sector=%llu\n",
					       (unsigned long long)r.id,
					       (unsigned long long)r.sector);
					continue;
				}
				misbehave(b, &r);
				continue;
			}
			serve(b, &r);
		}
		if (b->rsp_prod_pvt != answered && !b->evil)
			push_responses(b, 0);
		/* an event for the next request, then look once more */
		__atomic_store_n(&b->sring->req_event, b->req_cons + 1,
				 __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		more = __atomic_load_n(&b->sring->req_prod, __ATOMIC_ACQUIRE) !=
		       b->req_cons;
	} while (more);
}

/*
 * close-held: Closing, then let go of the ring with the read unanswered
 * and go Closed, whether the frontend closed or not; then wait for the
 * toolstack's detach and confirm Closed to it.
 */
static void close_under_frontend(struct back *b)
{
	long end;
	int be_state, fe_state;

	set_state(b, XS_CLOSING);
	sleep_ms(2000);
	disconnect(b);
	set_state(b, XS_CLOSED);
	end = now_ms() + CLOSE_WAIT_MS;
	do {
		fe_state = (int)xs_read_num(b->fe, "state", -1);
		if (fe_state == XS_CLOSED || fe_state < 0)
			break;
		sleep_ms(100);
	} while (now_ms() < end);
	printf("CLOSED frontend-state=%d\n", fe_state);
	end = now_ms() + LIFETIME_MS;
	while (now_ms() < end) {
		xs_read_states(b, &be_state, &fe_state);
		if (be_state < 0)
			return;
		if (be_state != XS_CLOSED &&
		    !xs_run("xenstore-exists %s/state", b->be)) {
			set_state(b, XS_CLOSED);
			return;
		}
		sleep_ms(XS_POLL_MS);
	}
}

/*
 * Serve until the device is closed: the toolstack writes Closing into our
 * directory (xl block-detach), the frontend closes, or the directories go
 * (a forced detach, the guest destroyed).
 */
static void run(struct back *b)
{
	long end = now_ms() + LIFETIME_MS, next_xs = 0;
	int be_state, fe_state = -1;
	const char *by = NULL;

	while (now_ms() < end) {
		if (!b->stopped)
			serve_ring(b);
		if (b->close_now) {
			by = "backend";
			break;
		}
		if (b->holding && b->mode == MODE_DUP &&
		    now_ms() - b->held_since > HOLD_MS) {
			/* no second request came: answer it after all */
			printf("HOLD-TIMEOUT id=%llu\n",
			       (unsigned long long)b->held.id);
			b->holding = 0;
			serve(b, &b->held);
			push_responses(b, 0);
		}
		evtchn_wait_ms(b->efd, 100);
		if (now_ms() < next_xs)
			continue;
		next_xs = now_ms() + XS_POLL_MS;
		xs_read_states(b, &be_state, &fe_state);
		if (be_state < 0) {
			by = "gone";
			break;
		}
		if (be_state == XS_CLOSING && b->my_state != XS_CLOSING) {
			by = "toolstack";
			break;
		}
		if (fe_state >= XS_CLOSING || fe_state < 0) {
			by = "frontend";
			break;
		}
	}
	if (!by)
		by = "lifetime";
	printf("CLOSING by=%s\n", by);
	if (b->mode == MODE_CLOSE_HELD && b->close_now) {
		close_under_frontend(b);
		return;
	}
	if (b->mode == MODE_DRAIN_VIOLATE && b->holding) {
		/*
		 * The frontend waits for the held read (its removal drains
		 * the ring for 10 s): a moment into that wait, answer it
		 * wrongly.
		 */
		sleep_ms(1000);
		b->holding = 0;
		misbehave(b, &b->held);
		sleep_ms(2000);
	}
	disconnect(b);
	if (!strcmp(by, "gone"))
		return;
	/* the frontend closes once it sees Closing, the toolstack's or ours */
	if (strcmp(by, "toolstack"))
		set_state(b, XS_CLOSING);
	end = now_ms() + CLOSE_WAIT_MS;
	do {
		fe_state = (int)xs_read_num(b->fe, "state", -1);
		if (fe_state == XS_CLOSED || fe_state < 0)
			break;
		sleep_ms(100);
	} while (now_ms() < end);
	/* never recreate a directory the toolstack removed meanwhile */
	if (!xs_run("xenstore-exists %s/state", b->be))
		set_state(b, XS_CLOSED);
	printf("CLOSED frontend-state=%d\n", fe_state);
}

static void print_usage(void)
{
	size_t i;

	fprintf(stderr, "usage: blkif-evilback [-f] [-d] [-s <sectors>] [-t <sector>] [-p] [-i <segs>]");
	fprintf(stderr, " <domid> <devid> <mode>\nmodes:");
	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		fprintf(stderr, " %s", mode_names[i]);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct back b = {
		.gfd = -1,
		.efd = -1,
		.sectors = DEFAULT_SECTORS,
		.trigger = DEFAULT_TRIGGER,
	};
	size_t i;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "fds:t:pi:")) != -1) {
		switch (opt) {
		case 'f':
			b.offer_flush = 1;
			break;
		case 'd':
			b.offer_discard = 1;
			break;
		case 's':
			b.sectors = strtoull(optarg, NULL, 0);
			break;
		case 't':
			b.trigger = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			b.persistent = 1;
			break;
		case 'i':
			b.indirect = (unsigned int)strtoul(optarg, NULL, 0);
			if (b.indirect > MAX_SEGS)
				b.indirect = MAX_SEGS;
			break;
		default:
			print_usage();
		}
	}
	if (argc - optind != 3)
		print_usage();
	b.domid = (unsigned int)strtoul(argv[optind], NULL, 0);
	b.devid = (unsigned int)strtoul(argv[optind + 1], NULL, 0);
	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(argv[optind + 2], mode_names[i]))
			break;
	if (i == ARRAY_SIZE(mode_names))
		print_usage();
	b.mode = (enum mode)i;
	snprintf(b.be, sizeof(b.be), "/local/domain/0/backend/vbd/%u/%u",
		 b.domid, b.devid);

	init_wait(&b);
	connect_frontend(&b);
	run(&b);
	if (b.mode == MODE_SCAN)
		printf("SCAN data=%lu indirect=%lu dirty=%lu dirty-data=%lu dirty-indirect=%lu\n",
		       b.scan_data, b.scan_indirect, b.dirty, b.dirty_data,
		       b.dirty - b.dirty_data);
	printf("END requests=%u answered=%u late=%u evil=%d\n", b.requests,
	       b.answered, b.late, b.evil);
	return 0;
}
