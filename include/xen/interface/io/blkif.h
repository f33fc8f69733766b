/* SPDX-License-Identifier: MIT */
/*
 * The Xen blkif wire protocol, as spoken by xen-blkfront and xen-blkback.
 *
 * This file is the single statement of the protocol in this tree: request
 * and response layouts for both guest ABIs, operation codes, limits and the
 * XenStore key names that the two ends negotiate with.  Both drivers use
 * these names, so every magic number and key string of the protocol lives
 * here.
 *
 * The facts (sizes, offsets, values, key names) follow Xen's public header
 * io/blkif.h, which is the authority; the layout assertions at the bottom of
 * the file pin them down at build time.
 */

#ifndef XEN_BLK_WIRE_BLKIF_H
#define XEN_BLK_WIRE_BLKIF_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <xen/interface/io/ring.h>
#include <xen/interface/grant_table.h>

typedef u16 blkif_vdev_t;
typedef u64 blkif_sector_t;

/* Sector unit of the protocol, whatever the device's logical block size. */
#define BLKIF_SECTOR_SHIFT		9
#define BLKIF_SECTOR_SIZE		BIT(BLKIF_SECTOR_SHIFT)

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

#define BLKIF_OP_READ			0
#define BLKIF_OP_WRITE			1
#define BLKIF_OP_WRITE_BARRIER		2	/* needs feature-barrier */
#define BLKIF_OP_FLUSH_DISKCACHE	3	/* needs feature-flush-cache */
#define BLKIF_OP_RESERVED_1		4	/* never used on the wire */
#define BLKIF_OP_DISCARD		5	/* needs feature-discard */
#define BLKIF_OP_INDIRECT		6	/* needs feature-max-indirect-segments */

/* u.discard.flag */
#define BLKIF_DISCARD_SECURE		BIT(0)	/* needs discard-secure */

/* Response status */
#define BLKIF_RSP_EOPNOTSUPP		(-2)
#define BLKIF_RSP_ERROR			(-1)
#define BLKIF_RSP_OKAY			0

/* "info" bits published by the backend */
#define VDISK_CDROM			0x1
#define VDISK_REMOVABLE			0x2
#define VDISK_READONLY			0x4

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

/* Segments carried directly in a request: chosen so a ring page holds 32. */
#define BLKIF_MAX_SEGMENTS_PER_REQUEST		11

/* Grant references of indirect pages that fit in one indirect request. */
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST	8

/* Highest ring-page-order any Linux backend or frontend accepts (16 pages). */
#define BLKIF_MAX_RING_PAGE_ORDER		4
#define BLKIF_MAX_RING_PAGES			BIT(BLKIF_MAX_RING_PAGE_ORDER)

/* A segment covers sectors first_sect..last_sect of one 4 KiB grant page. */
#define BLKIF_GRANT_PAGE_SIZE			4096U
#define BLKIF_SECTORS_PER_GRANT_PAGE \
	(BLKIF_GRANT_PAGE_SIZE >> BLKIF_SECTOR_SHIFT)

/* ------------------------------------------------------------------ */
/* XenStore keys                                                       */
/* ------------------------------------------------------------------ */

/* Written by the toolstack / hotplug script in the backend directory. */
#define BLKIF_KEY_PARAMS			"params"
#define BLKIF_KEY_MODE				"mode"
#define BLKIF_KEY_TYPE				"type"
#define BLKIF_KEY_PHYSICAL_DEVICE		"physical-device"
#define BLKIF_KEY_HOTPLUG_STATUS		"hotplug-status"
#define BLKIF_KEY_DEVICE_TYPE			"device-type"	/* frontend: "cdrom", "disk" */
#define BLKIF_KEY_VIRTUAL_DEVICE		"virtual-device"
#define BLKIF_KEY_TRUSTED			"trusted"
#define BLKIF_KEY_DISCARD_ENABLE		"discard-enable"	/* 0: no discard */

/* Published by the backend. */
#define BLKIF_KEY_FEATURE_FLUSH_CACHE		"feature-flush-cache"
#define BLKIF_KEY_FEATURE_BARRIER		"feature-barrier"
#define BLKIF_KEY_FEATURE_DISCARD		"feature-discard"
#define BLKIF_KEY_DISCARD_GRANULARITY		"discard-granularity"
#define BLKIF_KEY_DISCARD_ALIGNMENT		"discard-alignment"
#define BLKIF_KEY_DISCARD_SECURE		"discard-secure"
#define BLKIF_KEY_FEATURE_PERSISTENT		"feature-persistent"
#define BLKIF_KEY_FEATURE_MAX_INDIRECT_SEGMENTS	"feature-max-indirect-segments"
#define BLKIF_KEY_MULTI_QUEUE_MAX_QUEUES	"multi-queue-max-queues"
#define BLKIF_KEY_MAX_RING_PAGE_ORDER		"max-ring-page-order"
#define BLKIF_KEY_SECTORS			"sectors"
#define BLKIF_KEY_INFO				"info"
#define BLKIF_KEY_SECTOR_SIZE			"sector-size"
#define BLKIF_KEY_PHYSICAL_SECTOR_SIZE		"physical-sector-size"

/* Published by the frontend (feature-persistent is written by both). */
#define BLKIF_KEY_MULTI_QUEUE_NUM_QUEUES	"multi-queue-num-queues"
#define BLKIF_KEY_RING_PAGE_ORDER		"ring-page-order"
#define BLKIF_KEY_NUM_RING_PAGES		"num-ring-pages"	/* legacy */
#define BLKIF_KEY_RING_REF			"ring-ref"	/* single page */
#define BLKIF_KEY_RING_REF_FMT			"ring-ref%u"	/* multi-page */
#define BLKIF_KEY_EVENT_CHANNEL			"event-channel"
#define BLKIF_KEY_QUEUE_FMT			"queue-%u"	/* per-queue subdir */
#define BLKIF_KEY_PROTOCOL			"protocol"

/* Values of the "protocol" key. */
#define BLKIF_PROTOCOL_X86_32			"x86_32-abi"
#define BLKIF_PROTOCOL_X86_64			"x86_64-abi"

/* Longest "queue-N/ring-refNN" style path component we ever build. */
#define BLKIF_KEY_MAX_LEN			32

/* ------------------------------------------------------------------ */
/* Native request and response layout                                  */
/* ------------------------------------------------------------------ */

/*
 * A segment: a grant for one 4 KiB page and the span of 512-byte sectors in
 * it that the request covers.  Also the entry type of indirect pages.
 */
struct blkif_request_segment {
	grant_ref_t gref;
	u8 first_sect;
	u8 last_sect;
};

/* Entries of one indirect page. */
#define BLKIF_SEGS_PER_INDIRECT_PAGE \
	(BLKIF_GRANT_PAGE_SIZE / sizeof(struct blkif_request_segment))

/*
 * The 8-byte alignment of the id field on 64-bit guests is part of the ABI:
 * a 32-bit guest packs id at offset 4, a 64-bit one pads it to offset 8,
 * hence the padding that only 64-bit builds carry below.
 */
struct blkif_request_rw {
	u8 nr_segments;
	blkif_vdev_t handle;
#ifndef CONFIG_X86_32
	u32 _pad1;
#endif
	u64 id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __packed;

struct blkif_request_discard {
	u8 flag;
	blkif_vdev_t _pad1;
#ifndef CONFIG_X86_32
	u32 _pad2;
#endif
	u64 id;
	blkif_sector_t sector_number;
	u64 nr_sectors;
	u8 _pad3;
} __packed;

/* Enough of any request to answer it: used for unknown operations. */
struct blkif_request_other {
	u8 _pad1;
	blkif_vdev_t _pad2;
#ifndef CONFIG_X86_32
	u32 _pad3;
#endif
	u64 id;
} __packed;

struct blkif_request_indirect {
	u8 indirect_op;
	u16 nr_segments;
#ifndef CONFIG_X86_32
	u32 _pad1;
#endif
	u64 id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	u16 _pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
#ifdef CONFIG_X86_32
	u64 _pad3;
#else
	u32 _pad3;
#endif
} __packed;

struct blkif_request {
	u8 operation;
	union {
		struct blkif_request_rw rw;
		struct blkif_request_discard discard;
		struct blkif_request_other other;
		struct blkif_request_indirect indirect;
	} u;
} __packed;

struct blkif_response {
	u64 id;
	u8 operation;
	s16 status;
};

DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response);

/* ------------------------------------------------------------------ */
/* Explicit guest ABIs, for a backend serving either kind of guest      */
/* ------------------------------------------------------------------ */

struct blkif_x86_32_request_rw {
	u8 nr_segments;
	blkif_vdev_t handle;
	u64 id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __packed;

struct blkif_x86_32_request_discard {
	u8 flag;
	blkif_vdev_t _pad1;
	u64 id;
	blkif_sector_t sector_number;
	u64 nr_sectors;
} __packed;

struct blkif_x86_32_request_other {
	u8 _pad1;
	blkif_vdev_t _pad2;
	u64 id;
} __packed;

struct blkif_x86_32_request_indirect {
	u8 indirect_op;
	u16 nr_segments;
	u64 id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	u16 _pad1;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	u64 _pad2;
} __packed;

struct blkif_x86_32_request {
	u8 operation;
	union {
		struct blkif_x86_32_request_rw rw;
		struct blkif_x86_32_request_discard discard;
		struct blkif_x86_32_request_other other;
		struct blkif_x86_32_request_indirect indirect;
	} u;
} __packed;

/* On i386 a u64 is 4-byte aligned, so the response is 12 bytes. */
struct blkif_x86_32_response {
	u64 id;
	u8 operation;
	u8 _pad;
	s16 status;
} __packed;

struct blkif_x86_64_request_rw {
	u8 nr_segments;
	blkif_vdev_t handle;
	u32 _pad1;
	u64 id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __packed;

struct blkif_x86_64_request_discard {
	u8 flag;
	blkif_vdev_t _pad1;
	u32 _pad2;
	u64 id;
	blkif_sector_t sector_number;
	u64 nr_sectors;
} __packed;

struct blkif_x86_64_request_other {
	u8 _pad1;
	blkif_vdev_t _pad2;
	u32 _pad3;
	u64 id;
} __packed;

struct blkif_x86_64_request_indirect {
	u8 indirect_op;
	u16 nr_segments;
	u32 _pad1;
	u64 id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	u16 _pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	u32 _pad3;
} __packed;

struct blkif_x86_64_request {
	u8 operation;
	union {
		struct blkif_x86_64_request_rw rw;
		struct blkif_x86_64_request_discard discard;
		struct blkif_x86_64_request_other other;
		struct blkif_x86_64_request_indirect indirect;
	} u;
} __packed;

/* 8-byte aligned id: the response takes 16 bytes. */
struct blkif_x86_64_response {
	u64 id;
	u8 operation;
	u8 _pad1;
	s16 status;
	u32 _pad2;
} __packed;

DEFINE_RING_TYPES(blkif_x86_32, struct blkif_x86_32_request,
		  struct blkif_x86_32_response);
DEFINE_RING_TYPES(blkif_x86_64, struct blkif_x86_64_request,
		  struct blkif_x86_64_response);

/* ------------------------------------------------------------------ */
/* Layout facts, checked wherever this header is compiled               */
/* ------------------------------------------------------------------ */

static_assert(sizeof(struct blkif_request_segment) == 8);
static_assert(BLKIF_SEGS_PER_INDIRECT_PAGE == 512);

static_assert(sizeof(struct blkif_x86_32_request) == 108);
static_assert(offsetof(struct blkif_x86_32_request, u.rw.id) == 4);
static_assert(offsetof(struct blkif_x86_32_request, u.rw.seg) == 20);
static_assert(offsetof(struct blkif_x86_32_request, u.discard.nr_sectors) == 20);
static_assert(offsetof(struct blkif_x86_32_request, u.indirect.handle) == 20);
static_assert(offsetof(struct blkif_x86_32_request, u.indirect.indirect_grefs) == 24);
static_assert(sizeof(struct blkif_x86_32_response) == 12);
static_assert(offsetof(struct blkif_x86_32_response, status) == 10);

static_assert(sizeof(struct blkif_x86_64_request) == 112);
static_assert(offsetof(struct blkif_x86_64_request, u.rw.id) == 8);
static_assert(offsetof(struct blkif_x86_64_request, u.rw.sector_number) == 16);
static_assert(offsetof(struct blkif_x86_64_request, u.rw.seg) == 24);
static_assert(offsetof(struct blkif_x86_64_request, u.discard.nr_sectors) == 24);
static_assert(offsetof(struct blkif_x86_64_request, u.indirect.handle) == 24);
static_assert(offsetof(struct blkif_x86_64_request, u.indirect.indirect_grefs) == 28);
static_assert(sizeof(struct blkif_x86_64_response) == 16);
static_assert(offsetof(struct blkif_x86_64_response, status) == 10);

#ifndef CONFIG_X86_32
static_assert(sizeof(struct blkif_request) == sizeof(struct blkif_x86_64_request));
static_assert(sizeof(struct blkif_response) == sizeof(struct blkif_x86_64_response));
static_assert(offsetof(struct blkif_request, u.indirect.indirect_grefs) ==
	      offsetof(struct blkif_x86_64_request, u.indirect.indirect_grefs));
#endif
static_assert(offsetof(struct blkif_response, status) == 10);

/* A one-page ring of either ABI holds 32 requests. */
static_assert(__CONST_RING_SIZE(blkif_x86_32, 4096) == 32);
static_assert(__CONST_RING_SIZE(blkif_x86_64, 4096) == 32);

/* Ring slots for a ring of (1 << order) pages, native ABI. */
#define BLKIF_RING_SIZE(order) \
	__CONST_RING_SIZE(blkif, BLKIF_GRANT_PAGE_SIZE << (order))

#endif /* XEN_BLK_WIRE_BLKIF_H */
