// SPDX-License-Identifier: GPL-2.0
/*
 * The wire layout of include/xen/interface/io/blkif.h as a userspace
 * program sees it: offsets, sizes and ring capacities that both ends of
 * the protocol must agree on.  (The header's static_asserts check many of
 * these at every kernel build; this test also checks the ring math.)
 */
#include <xen/interface/io/blkif.h>
#include "unit.h"

static void native_request_is_x86_64_layout(struct kunit *test)
{
	UNIT_EQ(sizeof(struct blkif_request), 112);
	UNIT_EQ(offsetof(struct blkif_request, u.rw.id), 8);
	UNIT_EQ(offsetof(struct blkif_request, u.rw.handle), 2);
	UNIT_EQ(offsetof(struct blkif_request, u.rw.sector_number), 16);
	UNIT_EQ(offsetof(struct blkif_request, u.rw.seg[1].gref), 32);
	UNIT_EQ(offsetof(struct blkif_request, u.discard.flag), 1);
	UNIT_EQ(offsetof(struct blkif_request, u.discard.nr_sectors), 24);
	UNIT_EQ(offsetof(struct blkif_request, u.indirect.indirect_op), 1);
	UNIT_EQ(offsetof(struct blkif_request, u.indirect.nr_segments), 2);
	UNIT_EQ(offsetof(struct blkif_request, u.indirect.sector_number), 16);
	UNIT_EQ(offsetof(struct blkif_request, u.indirect.indirect_grefs[7]), 56);
	UNIT_EQ(sizeof(struct blkif_response), 16);
}

static void x86_32_request_packs_id_at_4(struct kunit *test)
{
	UNIT_EQ(offsetof(struct blkif_x86_32_request, u.rw.id), 4);
	UNIT_EQ(offsetof(struct blkif_x86_32_request, u.rw.sector_number), 12);
	UNIT_EQ(offsetof(struct blkif_x86_32_request, u.indirect.sector_number), 12);
	UNIT_EQ(offsetof(struct blkif_x86_32_request, u.discard.sector_number), 12);
	UNIT_EQ(sizeof(struct blkif_x86_32_response), 12);
}

static void ring_capacity_per_order(struct kunit *test)
{
	/* 32 slots per page, doubling with each order, for both ABIs */
	UNIT_EQ(BLKIF_RING_SIZE(0), 32);
	UNIT_EQ(BLKIF_RING_SIZE(1), 64);
	UNIT_EQ(BLKIF_RING_SIZE(2), 128);
	UNIT_EQ(BLKIF_RING_SIZE(4), 512);
	UNIT_EQ(__CONST_RING_SIZE(blkif_x86_32, 4096 << 4), 512);
	UNIT_EQ(__CONST_RING_SIZE(blkif_x86_64, 4096 << 4), 512);
}

static void indirect_page_math(struct kunit *test)
{
	/* 512 segments per indirect page; 8 pages cover 4096 segments */
	UNIT_EQ(BLKIF_SEGS_PER_INDIRECT_PAGE, 512);
	UNIT_EQ(BLKIF_SEGS_PER_INDIRECT_PAGE * BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, 4096);
	UNIT_EQ(BLKIF_SECTORS_PER_GRANT_PAGE, 8);
}

static struct kunit_case blkif_layout_cases[] = {
	KUNIT_CASE(native_request_is_x86_64_layout),
	KUNIT_CASE(x86_32_request_packs_id_at_4),
	KUNIT_CASE(ring_capacity_per_order),
	KUNIT_CASE(indirect_page_math),
	{}
};

UNIT_SUITE(blkif_layout, blkif_layout_cases);
