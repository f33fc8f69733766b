/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blkif-fuzz: the host-testable core of the hostile-frontend fuzzer (issue
 * 11).  Pure logic, no Xen: the lab tool in the guest supplies grants, the
 * ring and the event channel, and asks this core
 *
 *  - what to send: a seeded, deterministic stream of request descriptions
 *    (fz_gen_at(): request n of seed S is the same on every run and does not
 *    depend on the requests before it), each tagged with its category;
 *  - what the backend must answer: the oracle (fz_oracle()), written from
 *    Xen's io/blkif.h and our Documentation/xen-blkback.rst, not from the
 *    backend's code, so that it can disagree with it;
 *  - what the disk holds: a model with one content hash per 512-byte
 *    sector (fz_model_*), updated by what the backend acknowledged and
 *    checked against every read (fz_settle()).
 *
 * A request names its pages by index into the request's own pages (0 ..
 * nr_pages - 1), which the lab tool grants (read-only for FZ_PAGE_RO) and
 * turns into grant references; FZ_PAGE_RING and FZ_PAGE_BAD stand for the
 * ring's own grant and for a grant reference never granted.  Indirect pages
 * are request pages too: an indirect page that is also a data page is an
 * alias the generator made on purpose.
 *
 * Userspace, C11, no allocation but the model's.
 */
#ifndef BLKIF_FUZZ_H
#define BLKIF_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Deterministic PRNG: xoshiro256** seeded through splitmix64           */
/* ------------------------------------------------------------------ */

struct fz_rng {
	uint64_t s[4];
};

uint64_t fz_mix64(uint64_t x);
void fz_rng_seed(struct fz_rng *r, uint64_t seed);
uint64_t fz_next(struct fz_rng *r);
uint64_t fz_below(struct fz_rng *r, uint64_t n);	/* [0, n), 0 if n == 0 */
uint64_t fz_range(struct fz_rng *r, uint64_t lo, uint64_t hi); /* [lo, hi] */
bool fz_chance(struct fz_rng *r, unsigned int num, unsigned int den);

/* ------------------------------------------------------------------ */
/* The connection the requests are generated for                       */
/* ------------------------------------------------------------------ */

enum fz_abi {
	FZ_ABI_X86_32,
	FZ_ABI_X86_64,
};

/* What the backend offered (and the frontend took) on this connection. */
struct fz_conn {
	enum fz_abi abi;
	unsigned int ring_order;	/* 0..4 */
	unsigned int max_indirect;	/* feature-max-indirect-segments, 0: none */
	bool persistent;		/* feature-persistent on both sides */
	uint64_t nr_sectors;		/* disk size in 512-byte sectors */
	unsigned int sector_size;	/* logical block size: 512 or 4096 */
	bool readonly;			/* mode r (info has VDISK_READONLY) */
	bool flush;			/* feature-flush-cache */
	bool barrier;			/* feature-barrier */
	bool discard;			/* feature-discard */
	bool discard_secure;		/* discard-secure */
};

/* Requests one ring of this connection holds (either ABI: 32 a page). */
unsigned int fz_ring_slots(const struct fz_conn *c);

/* ------------------------------------------------------------------ */
/* Request descriptions                                                */
/* ------------------------------------------------------------------ */

enum fz_cat {
	FZ_CAT_VALID_RW,	/* honest direct read or write */
	FZ_CAT_VALID_INDIRECT,	/* honest indirect read or write */
	FZ_CAT_UNKNOWN_OP,	/* operation 4, 7, 255 or another unknown */
	FZ_CAT_NSEG_DIRECT,	/* nr_segments 0, 10, 11, 12, 255 ... */
	FZ_CAT_NSEG_INDIRECT,	/* 0, offer - 1, offer, offer + 1, 65535 ... */
	FZ_CAT_INDIRECT_PAGES,	/* indirect page grefs missing or extra */
	FZ_CAT_INDIRECT_OP,	/* indirect_op not read/write, or not offered */
	FZ_CAT_SECT_EDGE,	/* first > last, last > 7, 4 KiB misalignment */
	FZ_CAT_RANGE,		/* at, past the end, wrapping 2^64 */
	FZ_CAT_DISCARD,		/* zero, wrapping, misaligned, secure ... */
	FZ_CAT_FLUSH,		/* flush and barrier, with and without data */
	FZ_CAT_READONLY,	/* every kind of write on a read-only disk */
	FZ_CAT_ALIAS,		/* one page twice, indirect page = data page */
	FZ_CAT_BAD_GRANT,	/* never granted, the ring's gref, read-only */
	FZ_CAT_RACE,		/* rewritten while the backend reads it */
	FZ_CAT_RING_BREAK,	/* req_prod beyond the ring, a read into it */
	FZ_NR_CAT
};

const char *fz_cat_name(enum fz_cat cat);
/* Whether @cat means something on this connection (READONLY: ro disks). */
bool fz_cat_applies(const struct fz_conn *c, enum fz_cat cat);

enum fz_page_kind {
	FZ_PAGE_DATA,		/* request page .page, granted read-write */
	FZ_PAGE_RO,		/* request page .page, granted read-only */
	FZ_PAGE_RING,		/* the ring's own grant (its first page) */
	FZ_PAGE_BAD,		/* a grant reference nobody granted */
};

struct fz_pageref {
	uint8_t kind;		/* enum fz_page_kind */
	uint16_t page;		/* FZ_PAGE_DATA, FZ_PAGE_RO: request page */
};

struct fz_seg {
	struct fz_pageref ref;
	uint8_t first_sect;
	uint8_t last_sect;
};

/* wire values (include/xen/interface/io/blkif.h) */
#define FZ_OP_READ		0
#define FZ_OP_WRITE		1
#define FZ_OP_WRITE_BARRIER	2
#define FZ_OP_FLUSH_DISKCACHE	3
#define FZ_OP_RESERVED_1	4
#define FZ_OP_DISCARD		5
#define FZ_OP_INDIRECT		6
#define FZ_DISCARD_SECURE	0x1
#define FZ_RSP_OKAY		0
#define FZ_RSP_ERROR		(-1)
#define FZ_RSP_EOPNOTSUPP	(-2)
#define FZ_MAX_DIRECT_SEGS	11
#define FZ_MAX_INDIRECT_PAGES	8
#define FZ_SEGS_PER_PAGE	512
#define FZ_SECTOR_SIZE		512
#define FZ_PAGE_SIZE		4096
#define FZ_SECTORS_PER_PAGE	8

/* Most segment entries a request can carry (8 full indirect pages). */
#define FZ_MAX_ENTRIES		(FZ_MAX_INDIRECT_PAGES * FZ_SEGS_PER_PAGE)
/* Most distinct request pages: data pages plus indirect pages. */
#define FZ_MAX_PAGES		(FZ_MAX_ENTRIES + FZ_MAX_INDIRECT_PAGES)

/*
 * A generated request uses at most FZ_GEN_DISTINCT_PAGES data pages (the
 * entries of a longer one, refused anyway, reuse them) and so at most
 * FZ_GEN_MAX_PAGES request pages with its indirect pages: what the lab
 * tool must be able to grant for one request.
 */
#define FZ_GEN_DISTINCT_PAGES	512
#define FZ_GEN_MAX_PAGES	(FZ_GEN_DISTINCT_PAGES + 2 * FZ_MAX_INDIRECT_PAGES)

/* What the lab tool does with the ring besides writing the request. */
enum fz_ring_action {
	FZ_RING_NONE,
	/* publish req_prod = the backend's rsp_prod + ring slots + prod_excess */
	FZ_RING_PROD_OVERFLOW,
};

/*
 * One request, as the lab tool will lay it out in a slot of the
 * connection's ABI.  For an indirect request the tool writes entries
 * seg[0 .. nr_entries - 1] into the indirect pages ind[] in order, 512 a
 * page, and puts the grants of ind[0 .. nr_ind - 1] in indirect_grefs[]
 * (0 in the others).
 */
struct fz_req {
	uint64_t seq;		/* position in the stream */
	uint64_t id;		/* echoed in the response; unique per seq */
	enum fz_cat cat;
	uint8_t op;
	uint8_t indirect_op;	/* op == FZ_OP_INDIRECT */
	uint16_t nr_segments;	/* as written: u8 for direct requests */
	uint16_t handle;
	uint64_t sector;	/* sector_number */
	uint64_t nr_sectors;	/* discard */
	uint8_t discard_flag;
	uint8_t nr_ind;		/* indirect grefs written, 0..8 */
	struct fz_pageref ind[FZ_MAX_INDIRECT_PAGES];
	uint16_t nr_entries;	/* segment entries written */
	uint16_t nr_pages;	/* request pages 0 .. nr_pages - 1 in use */
	uint8_t ring_action;	/* enum fz_ring_action */
	uint8_t prod_excess;	/* FZ_RING_PROD_OVERFLOW: 1..255 */
	struct fz_seg seg[FZ_MAX_ENTRIES];
};

struct fz_gen {
	struct fz_conn conn;
	uint64_t seed;
	uint64_t next_seq;
	uint32_t weight[FZ_NR_CAT];
	unsigned int race_one_in;	/* FZ_CAT_RACE: one request in this */
	uint64_t count[FZ_NR_CAT];	/* generated, per category */
};

/*
 * Default weights: every category that applies to @c, except
 * FZ_CAT_RING_BREAK (the frontend breaks its own ring, which may stop
 * it: set its weight to ask for it).  FZ_CAT_RACE has no weight: one
 * request in g->race_one_in (default FZ_RACE_ONE_IN, 0: none) is a raced
 * one, chosen by a hash of the seed and its position apart from the
 * weights, so that every other request is the one the stream had without
 * races.
 */
#define FZ_RACE_ONE_IN		64
void fz_gen_init(struct fz_gen *g, const struct fz_conn *c, uint64_t seed);
void fz_gen_set_weight(struct fz_gen *g, enum fz_cat cat, uint32_t weight);
void fz_gen_set_race(struct fz_gen *g, unsigned int one_in);
/* Request @seq of the stream; depends only on the seed, @c and weights. */
void fz_gen_at(const struct fz_gen *g, uint64_t seq, struct fz_req *rq);
/* The next request of the stream; counts it in g->count. */
void fz_gen_next(struct fz_gen *g, struct fz_req *rq);

/* ------------------------------------------------------------------ */
/* Ring bytes                                                          */
/* ------------------------------------------------------------------ */

/* The grant references the lab tool made for a request. */
struct fz_grefs {
	const uint32_t *page;	/* of request page i, i < rq->nr_pages */
	uint32_t ring;		/* of the ring's first page */
	uint32_t bad;		/* one never granted */
};

/* Bytes of a request slot (108, 112) and of a response slot (12, 16). */
size_t fz_req_slot_size(enum fz_abi abi);
size_t fz_rsp_slot_size(enum fz_abi abi);
/*
 * @rq in @abi's layout (include/xen/interface/io/blkif.h) into a ring
 * slot of fz_req_slot_size() bytes; padding and unused entries get
 * @pad_byte (0 for a tidy frontend; anything: the backend must ignore it).
 */
void fz_encode_req(enum fz_abi abi, const struct fz_req *rq,
		   const struct fz_grefs *g, uint8_t pad_byte, void *slot);
/* Entries of indirect page @i of @rq (512 a page) into @page (4 KiB). */
void fz_encode_indirect_page(const struct fz_req *rq, unsigned int i,
			     const struct fz_grefs *g, void *page);
void fz_decode_rsp(enum fz_abi abi, const void *slot, uint64_t *id,
		   uint8_t *op, int16_t *status);

/* ------------------------------------------------------------------ */
/* Races: a second thread rewrites a published request                 */
/* ------------------------------------------------------------------ */

/*
 * A FZ_CAT_RACE request is an honest read, write, flush, discard or
 * indirect read or write inside the race zone (fz_race_zone()), laid out
 * as usual; once it is published a second thread of the lab tool rewrites
 * its slot and indirect pages (fz_race_next()) until the answer comes.  A
 * backend that copies the request once and checks the copy (io/blkif.h
 * leaves the frontend free to change anything it published; XSA-155)
 * answers it once, with its id and OKAY, ERROR or EOPNOTSUPP, and touches
 * nothing outside the zone and the request's own pages, whatever it read:
 *
 *  - the id and the other layouts are never written: an operation keeps
 *    the layout it had (a direct one stays READ, WRITE, BARRIER, FLUSH or
 *    unknown, an indirect one INDIRECT or unknown, a discard DISCARD or
 *    unknown), so that no field is ever read as another kind;
 *  - a grant reference (in the slot or an indirect page) is rewritten only
 *    in its top byte: the request's own gref, or one far beyond any grant
 *    table; every indirect gref of the slot and every entry of the eight
 *    indirect pages is the request's own, so that no count it reads makes
 *    it map something that is not;
 *  - every sector_number written, the first included, has byte b of the
 *    zone start (fz_race_zone()) at least that byte's value, so that any
 *    mixture of their bytes (a copy torn by the rewrites) starts in the
 *    zone or past the disk's end;
 *  - bytes 0..3 of the slot (operation and the byte, halfword after it)
 *    are where the answer's id goes: they are rewritten only by a
 *    compare-and-swap from the value last written, which fails for good
 *    once the answer has landed (a raced request's id has the low byte
 *    FZ_RACE_ID_MARK, an operation no rewrite writes).
 *
 * The model forgets the zone after each raced request, but on a read-only
 * disk: no copy of any request may change that one, so a request checked
 * as a read and done as a write (an operation fetched twice) shows in the
 * next read of the zone.
 */
#define FZ_RACE_ID_MARK		0xa5
/* Sectors the race zone wants: 1 MiB, or a quarter of a small disk. */
#define FZ_RACE_ZONE_SECTORS	2048

/*
 * The race zone: the disk's last sectors [*start, end of disk), *start a
 * multiple of 256^b with b the index of the top byte of the disk's last
 * sector.  Raced requests and their rewrites touch nothing else; the model
 * forgets it after each raced request.
 */
void fz_race_zone(const struct fz_conn *c, uint64_t *start, uint64_t *nr);

enum fz_race_where {
	FZ_RACE_WORD0,		/* bytes 0..3 of the slot: compare-and-swap */
	FZ_RACE_SLOT,		/* elsewhere in the slot */
	FZ_RACE_IND,		/* in indirect page .page */
};

/* One rewrite: store .value (little-endian, .len bytes) at .off. */
struct fz_race_write {
	uint8_t where;		/* enum fz_race_where */
	uint8_t page;		/* FZ_RACE_IND: which indirect page */
	uint8_t len;		/* 1, 2, 4 or 8 */
	uint16_t off;		/* in the slot or the indirect page */
	uint64_t value;
};

/* The racer of one request. */
struct fz_race {
	struct fz_rng rng;
	struct fz_conn conn;
	const struct fz_req *rq;
	const uint32_t *gref;	/* of request page i */
	uint64_t zone_start, zone_nr;
	unsigned int layout;	/* direct, indirect or discard */
	uint32_t word0;		/* slot bytes 0..3 as last written */
	bool word0_off;		/* the answer took them: leave them */
	uint8_t slot0[112];	/* the slot as published */
	bool undo_next;		/* the next rewrite puts back .undo */
	struct fz_race_write undo;
};

/*
 * Ready to rewrite @rq, laid out in @slot (@abi of @c) with its pages'
 * grants @g; the rewrites depend on @seed and the request only.
 */
void fz_race_start(struct fz_race *rc, const struct fz_conn *c,
		   const struct fz_req *rq, const struct fz_grefs *g,
		   uint64_t seed, const void *slot);
/*
 * The next rewrite (never of bytes 0..3 once rc->word0_off is set).  Every
 * other one puts back what the field held when the request was published,
 * so that the request flips between itself and itself but for one field,
 * as a double-fetch exploit plays it.
 */
void fz_race_next(struct fz_race *rc, struct fz_race_write *w);
/* Whether @op may answer raced request @rq: an operation of its layout. */
bool fz_race_op_ok(const struct fz_req *rq, uint8_t op);

/* ------------------------------------------------------------------ */
/* Corpus lines                                                        */
/* ------------------------------------------------------------------ */

/*
 * A finding is kept as two lines of text that replay it whatever the
 * generator becomes: the connection and the request itself, e.g.
 *
 *   conn abi=x86_64 order=0 indirect=32 persistent=0 sectors=2048
 *        sector-size=512 ro=0 flush=1 barrier=1 discard=1 secure=0
 *   req seq=7 id=0x2a cat=grant-alias op=1 iop=0 nseg=2 handle=0
 *        sector=16 nr=0 flag=0 action=0 excess=0 pages=1 ind=
 *        seg=D0:0-3,D0:4-7
 *
 * (each on one line).  Page references: D<n> request page n, O<n> the
 * same granted read-only, R the ring's grant, B a grant never made.
 * format returns what snprintf() would; parse returns 0, or -1 for a line
 * that is not one (unknown key, value out of range, too many entries).
 */
#define FZ_REQ_TEXT_MAX		(256 + 16 * FZ_MAX_ENTRIES)

int fz_conn_format(const struct fz_conn *c, char *buf, size_t len);
int fz_conn_parse(const char *line, struct fz_conn *c);
int fz_req_format(const struct fz_req *rq, char *buf, size_t len);
int fz_req_parse(const char *line, struct fz_req *rq);

/* ------------------------------------------------------------------ */
/* The oracle                                                          */
/* ------------------------------------------------------------------ */

/* Outcomes the oracle allows, as a bit set. */
#define FZ_ALLOW_OKAY		0x1
#define FZ_ALLOW_ERROR		0x2
#define FZ_ALLOW_EOPNOTSUPP	0x4
#define FZ_ALLOW_STOP		0x8	/* the ring stops, nothing answered */

struct fz_expect {
	unsigned int allow;	/* FZ_ALLOW_* */
	int16_t status;		/* the status the documentation names */
	bool stop;		/* the documented outcome: ring stopped */
	bool raced;		/* FZ_CAT_RACE: rsp_op any of fz_race_op_ok() */
	uint8_t rsp_op;		/* operation the response must echo */
	const char *rule;	/* which rule decided, for reports and tests */
	/* when answered OKAY: */
	bool reads;		/* data went into the request's pages */
	bool writes;		/* data went to the disk */
	bool discards;		/* sectors may now read as zeroes */
	uint64_t sector;	/* first sector touched, 512-byte units */
	uint64_t nr_sectors;	/* sectors touched */
};

void fz_oracle(const struct fz_conn *c, const struct fz_req *rq,
	       struct fz_expect *e);
unsigned int fz_status_allow_bit(int16_t status);	/* 0: no such status */
bool fz_expect_allows(const struct fz_expect *e, int16_t status);

/* ------------------------------------------------------------------ */
/* Page contents and the disk model                                    */
/* ------------------------------------------------------------------ */

/*
 * The data a write of generation @gen puts in disk sector @sector: 512
 * bytes that name seed, sector and generation (so a misplaced or stale
 * sector says where it came from), and fill the rest from them.
 */
void fz_fill_sector(void *buf, uint64_t seed, uint64_t sector, uint64_t gen);
/* Decode a sector made by fz_fill_sector(); false if it is not one. */
bool fz_decode_sector(const void *buf, uint64_t *seed, uint64_t *sector,
		      uint64_t *gen);
uint64_t fz_hash_sector(const void *buf);

/*
 * Contents of request page @page before the request is sent: for a write,
 * the data of every segment entry that uses it (generation rq->seq + 1);
 * for anything else a poison pattern that no disk sector holds.  The lab
 * tool then writes the segment entries into the indirect pages.
 */
void fz_req_fill_page(const struct fz_req *rq, uint64_t seed,
		      unsigned int page, void *buf);
/* The same for pages 0 .. rq->nr_pages - 1 at once (@pages[i], 4 KiB). */
void fz_req_fill_pages(const struct fz_req *rq, uint64_t seed,
		       void *const *pages);

enum fz_sector_state {
	FZ_SEC_UNKNOWN,		/* not known: the next read teaches it */
	FZ_SEC_EXACT,		/* holds exactly .hash */
	FZ_SEC_ZERO_OR,		/* discarded: zeroes or .hash */
};

struct fz_sector {
	uint64_t hash;
	uint64_t gen;		/* generation written, 0: initial or unknown */
	uint8_t state;
};

struct fz_model {
	uint64_t nr_sectors;
	struct fz_sector *sec;
};

/* Largest disk the model takes (32 bytes a sector: 512 MiB of model). */
#define FZ_MODEL_MAX_SECTORS	0x1000000ULL	/* 2^24: 8 GiB of disk */

/* @zeroed: the disk starts as zeroes; else each sector is learnt. */
int fz_model_init(struct fz_model *m, uint64_t nr_sectors, bool zeroed);
void fz_model_free(struct fz_model *m);
void fz_model_write(struct fz_model *m, uint64_t sector, const void *buf,
		    uint64_t gen);
void fz_model_discard(struct fz_model *m, uint64_t sector, uint64_t nr);
void fz_model_forget(struct fz_model *m, uint64_t sector, uint64_t nr);

struct fz_mismatch {
	uint64_t sector;	/* disk sector read */
	uint64_t want_gen;	/* generation the model holds (0: initial) */
	bool got_pattern;	/* the data read is some fz_fill_sector() */
	uint64_t got_sector;	/* ... of this sector */
	uint64_t got_gen;	/* ... and this generation */
	bool got_zero;
};

/* One sector read back; false (and *mm filled) if the model forbids it. */
bool fz_model_check(struct fz_model *m, uint64_t sector, const void *buf,
		    struct fz_mismatch *mm);

/* ------------------------------------------------------------------ */
/* Settling a response                                                 */
/* ------------------------------------------------------------------ */

struct fz_result {
	unsigned int findings;	/* 0 when the answer is allowed and data good */
	bool bad_status;	/* status not in e->allow */
	bool bad_op;		/* response op is not e->rsp_op */
	bool bad_id;		/* response id is not rq->id */
	unsigned int bad_sectors;	/* sectors read that the model forbids */
	unsigned int unchecked;		/* sectors read that cannot be judged */
	struct fz_mismatch first;	/* the first of bad_sectors */
};

/*
 * A response (@id, @op, @status) arrived for @rq: judge it against @e and
 * bring the model up to date.  @pages[i] is request page i (the tool's
 * buffer: as sent for a write, as the backend left it for a read); may be
 * NULL for a request without pages.
 */
void fz_settle(struct fz_model *m, const struct fz_conn *c,
	       const struct fz_req *rq, const struct fz_expect *e,
	       uint64_t id, uint8_t op, int16_t status,
	       void *const *pages, struct fz_result *res);
/* The ring was stopped with @rq outstanding (no response will come). */
void fz_settle_stopped(struct fz_model *m, const struct fz_req *rq,
		       const struct fz_expect *e, struct fz_result *res);

/*
 * Disk sectors @rq may touch, clamped to the disk; false if none.  The lab
 * tool keeps requests whose spans overlap from being in flight together
 * when either writes, so that the model's order is the disk's.
 */
bool fz_req_span(const struct fz_conn *c, const struct fz_req *rq,
		 uint64_t *sector, uint64_t *nr);

/* ------------------------------------------------------------------ */
/* Batches: requests in flight together                                */
/* ------------------------------------------------------------------ */

/*
 * What a request asks of the others on the ring with it.  A request is
 * played alone, after the batch before it has been answered, when it plays
 * with the ring itself (a ring action, the ring's own grant as one of its
 * pages) or when the oracle allows the ring to stop on it.  Any other may
 * share the ring with requests of other ids whose disk spans do not
 * overlap its own where either of the two may change the disk: then no
 * answer depends on the others, and the model may settle the batch in any
 * order.  Its pages must be its own too: that is the lab tool's part.
 */
struct fz_flight {
	uint64_t id;
	bool alone;		/* played alone, never in a batch */
	bool changes;		/* may change the disk: anything but a read */
	bool has_span;		/* touches the disk at all */
	uint64_t sector;	/* sectors it may touch, when has_span */
	uint64_t nr;
	unsigned int pages;	/* request pages the lab tool gives it */
	unsigned int ro_pages;	/* ... of them granted read-only */
};

void fz_flight_of(const struct fz_conn *c, const struct fz_req *rq,
		  const struct fz_expect *e, struct fz_flight *fl);
/* Whether @a and @b may not be in flight together. */
bool fz_flight_conflict(const struct fz_flight *a, const struct fz_flight *b);

/*
 * The next batch from a window of @n requests waiting, in stream order
 * (@win[i]): the first alone when it must be; else, in order, up to
 * @batch requests that may be in flight together and fit in @pages pool
 * pages and @ro_pages read-only pages, each passing the requests it skips
 * only when it conflicts with none of them (two requests on the same
 * sectors, one changing them, reach the disk in the stream's order, and
 * the disk ends as if they were played one at a time); none passes a
 * request that must be alone.  @order[] (n entries; @scratch too) gets
 * the window's new order: the batch, the requests it skipped, the rest.
 * Returns the batch's size, at least 1 when @n is.
 */
unsigned int fz_pick_batch(const struct fz_flight *const *win, unsigned int n,
			   unsigned int batch, unsigned int pages,
			   unsigned int ro_pages, unsigned int *order,
			   unsigned int *scratch);

/*
 * Pair the @nrsp responses of a batch (ids @rsp_id[], in ring order) with
 * its @nreq requests (ids @req_id[], in batch order).  A response whose id
 * is a request's that no earlier response took answers that request; the
 * others (an unknown id, or one already answered) are given in ring order
 * to the requests left, in batch order, to be judged as answers with a
 * wrong id, as the one answer of a lone request is.  @match[i]: the index
 * of request i's response, or -1 when none is left for it.
 */
void fz_match_responses(const uint64_t *req_id, unsigned int nreq,
			const uint64_t *rsp_id, unsigned int nrsp, int *match);

/* ------------------------------------------------------------------ */
/* Several queues                                                      */
/* ------------------------------------------------------------------ */

/*
 * A connection may have several queues, each a ring and an event channel
 * of its own (multi-queue-num-queues, queue-N/ in io/blkif.h).  The
 * stream does not depend on them: request @seq is the same whatever the
 * queues, and goes on ring fz_ring_of(seed, seq, queues), a draw of its
 * own (0 with one queue, so that a one-queue run is the run it was before
 * queues).  The disk model stays one per connection: requests on
 * different rings are put in flight together only when they may be on one
 * ring (fz_pick_batch()), so that the disk ends as if they were played one
 * at a time; each ring answers its own requests, once each.
 */

/*
 * Queues of a connection, from @seed and @tag (what tells the connections
 * of one run apart: ABI, ring order...): @lo when @hi <= @lo, else a draw
 * in [@lo, @hi].  @lo 0 counts as 1.
 */
unsigned int fz_queue_count(uint64_t seed, uint64_t tag, unsigned int lo,
			    unsigned int hi);
/* The ring of request @seq of the stream @seed on @nr_rings rings. */
unsigned int fz_ring_of(uint64_t seed, uint64_t seq, unsigned int nr_rings);

#endif /* BLKIF_FUZZ_H */
