/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the lab's hand-played blkif peers share (blkif-evil, a hostile
 * frontend in the guest, and blkif-evilback, a hostile backend in dom0):
 * the x86_64 ring layouts, the protocol's numbers, and small helpers for
 * time, for XenStore through the xenstore-* tools and for ring indices
 * (blkif-fuzzfront, the fuzzer's frontend, uses the helpers only).
 * Userspace, built with gcc -static; define LAB_PROG (the program's name,
 * for messages) before including it.
 */
#ifndef BLKIF_LAB_H
#define BLKIF_LAB_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define __packed		__attribute__((packed))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define PAGE_SIZE		4096U
#define SECTOR_SIZE		512U
#define SECTORS_PER_PAGE	8U

/* blkif facts, as in include/xen/interface/io/blkif.h */
#define OP_READ			0
#define OP_WRITE		1
#define OP_WRITE_BARRIER	2
#define OP_DISCARD		5
#define OP_INDIRECT		6
#define RSP_OKAY		0
#define RSP_ERROR		(-1)
#define RSP_EOPNOTSUPP		(-2)
#define MAX_DIRECT_SEGS		11U
#define MAX_INDIRECT_PAGES	8
#define SEGS_PER_INDIRECT_PAGE	512U

/* XenbusState values */
#define XS_INITIALISING		1
#define XS_INIT_WAIT		2
#define XS_INITIALISED		3
#define XS_CONNECTED		4
#define XS_CLOSING		5
#define XS_CLOSED		6

/* One ring page: 64-byte header, then 32 slots of 112 bytes. */
#define RING_SLOTS		32U
#define SLOT_SIZE		112U

struct seg {
	uint32_t gref;
	uint8_t first_sect;
	uint8_t last_sect;
	uint16_t pad;
};

struct req_rw {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint32_t pad;
	uint64_t id;
	uint64_t sector;
	struct seg seg[MAX_DIRECT_SEGS];
} __packed;

struct rsp {
	uint64_t id;
	uint8_t operation;
	uint8_t pad1;
	int16_t status;
	uint32_t pad2;
} __packed;

struct sring {
	uint32_t req_prod;
	uint32_t req_event;
	uint32_t rsp_prod;
	uint32_t rsp_event;
	uint8_t pad[48];
	uint8_t slot[RING_SLOTS][SLOT_SIZE];
};

static_assert(sizeof(struct seg) == 8, "segment size");
static_assert(sizeof(struct req_rw) == SLOT_SIZE, "x86_64 request size");
static_assert(offsetof(struct req_rw, id) == 8, "rw id offset");
static_assert(offsetof(struct req_rw, sector) == 16, "rw sector offset");
static_assert(offsetof(struct req_rw, seg) == 24, "rw seg offset");
static_assert(sizeof(struct rsp) == 16, "x86_64 response size");
static_assert(offsetof(struct rsp, status) == 10, "response status offset");
static_assert(offsetof(struct sring, slot) == 64, "ring header");
static_assert(sizeof(struct sring) <= PAGE_SIZE, "ring fits a page");

/* An indirect request as the x86_64 ABI lays it out. */
struct req_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint32_t pad1;
	uint64_t id;
	uint64_t sector;
	uint16_t handle;
	uint16_t pad2;
	uint32_t indirect_grefs[MAX_INDIRECT_PAGES];
	uint32_t pad3;
} __packed;

static_assert(offsetof(struct req_indirect, id) == 8, "indirect id offset");
static_assert(offsetof(struct req_indirect, handle) == 24, "indirect handle");
static_assert(offsetof(struct req_indirect, indirect_grefs) == 28,
	      "indirect grefs offset");
static_assert(sizeof(struct req_indirect) <= SLOT_SIZE, "indirect size");

/* A discard request as the x86_64 ABI lays it out. */
struct req_discard {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	uint32_t pad;
	uint64_t id;
	uint64_t sector;
	uint64_t nr_sectors;
} __packed;

static_assert(offsetof(struct req_discard, id) == 8, "discard id offset");
static_assert(offsetof(struct req_discard, nr_sectors) == 24,
	      "discard nr_sectors offset");

static inline void die(const char *what)
{
	fprintf(stderr, LAB_PROG ": %s: %s\n", what, strerror(errno));
	exit(2);
}

static inline void fatal(const char *what)
{
	fprintf(stderr, LAB_PROG ": %s\n", what);
	exit(2);
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read @dir/@key into @buf (maybe empty); 0, or -1 when it does not exist. */
static inline int xs_read(const char *dir, const char *key, char *buf,
			  size_t len)
{
	char cmd[256];
	FILE *f;
	int rc;

	if (snprintf(cmd, sizeof(cmd), "xenstore-read %s/%s 2>/dev/null",
		     dir, key) >= (int)sizeof(cmd))
		fatal("xenstore path too long");
	f = popen(cmd, "r");
	if (!f)
		die("popen xenstore-read");
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	rc = pclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return rc == 0 ? 0 : -1;
}

/* A number, or @dflt when the key is missing or empty. */
static inline long long xs_read_num(const char *dir, const char *key,
				    long long dflt)
{
	char buf[64];

	if (xs_read(dir, key, buf, sizeof(buf)) || !buf[0])
		return dflt;
	return strtoll(buf, NULL, 10);
}

/* Write @dir/@key = @val (xenstore-write); a failure ends the program. */
static inline void xs_write(const char *dir, const char *key, const char *val)
{
	char cmd[256];

	if (snprintf(cmd, sizeof(cmd), "xenstore-write %s/%s %s", dir, key,
		     val) >= (int)sizeof(cmd))
		fatal("xenstore path too long");
	if (system(cmd))
		fatal(cmd);
}

static inline void xs_write_num(const char *dir, const char *key,
				unsigned long v)
{
	char val[24];

	snprintf(val, sizeof(val), "%lu", v);
	xs_write(dir, key, val);
}

/* Ring indices in shared memory: the peer reads and writes them too. */
static inline uint32_t load_acquire(uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_release(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

#endif /* BLKIF_LAB_H */
