// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the checks every backend response passes before the
 * frontend acts on it (drivers/block/xen-blkfront/validate.c).
 */
#include "../../drivers/block/xen-blkfront/validate.c"
#include "unit.h"

static struct blkif_response rsp(u64 id, u8 op, s16 status)
{
	struct blkif_response r = { .id = id, .operation = op, .status = status };

	return r;
}

static void answer_to_request_in_flight_is_accepted(struct kunit *test)
{
	struct blkfront_slot s = { .op = BLKIF_OP_WRITE, .in_flight = true };
	struct blkif_response r = rsp(3, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);

	UNIT_EQ(blkfront_check_rsp(&r, 32, &s), 0);
	r.status = BLKIF_RSP_ERROR;	/* an error status is still a valid answer */
	UNIT_EQ(blkfront_check_rsp(&r, 32, &s), 0);
}

static void id_outside_ring_is_rejected(struct kunit *test)
{
	struct blkfront_slot s = { .op = BLKIF_OP_READ, .in_flight = true };
	struct blkif_response r = rsp(32, BLKIF_OP_READ, 0);

	UNIT_EQ(blkfront_check_rsp(&r, 32, NULL), -ERANGE);
	/* even if a caller passed a slot, the id itself is checked */
	UNIT_EQ(blkfront_check_rsp(&r, 32, &s), -ERANGE);
	r.id = ~0ULL;
	UNIT_EQ(blkfront_check_rsp(&r, 32, &s), -ERANGE);
	r.id = 1ULL << 32;	/* would alias slot 0 if truncated to 32 bits */
	UNIT_EQ(blkfront_check_rsp(&r, 32, &s), -ERANGE);
	r.id = 31;
	UNIT_EQ(blkfront_check_rsp(&r, 32, &s), 0);
}

static void answer_for_free_slot_is_rejected(struct kunit *test)
{
	struct blkfront_slot s = { .op = BLKIF_OP_READ, .in_flight = false };
	struct blkif_response r = rsp(0, BLKIF_OP_READ, 0);

	/* a duplicate answer, or one for a request never sent */
	UNIT_EQ(blkfront_check_rsp(&r, 32, &s), -ENOENT);
}

static void operation_must_echo_request(struct kunit *test)
{
	struct blkfront_slot s = { .op = BLKIF_OP_READ, .in_flight = true };
	struct blkif_response r = rsp(5, BLKIF_OP_WRITE, 0);

	UNIT_EQ(blkfront_check_rsp(&r, 64, &s), -EPROTO);
	/* indirect requests are answered with their indirect_op */
	r.operation = BLKIF_OP_INDIRECT;
	UNIT_EQ(blkfront_check_rsp(&r, 64, &s), -EPROTO);
	s.op = BLKIF_OP_DISCARD;
	r.operation = BLKIF_OP_DISCARD;
	UNIT_EQ(blkfront_check_rsp(&r, 64, &s), 0);
}

static void rsp_prod_within_outstanding_requests(struct kunit *test)
{
	/* nothing outstanding: no response may appear */
	UNIT_EQ(blkfront_check_rsp_prod(10, 10, 10, 32), 0);
	UNIT_EQ(blkfront_check_rsp_prod(11, 10, 10, 32), -EPROTO);
	/* 5 outstanding: 0..5 ready is fine, 6 is not */
	UNIT_EQ(blkfront_check_rsp_prod(15, 10, 15, 32), 0);
	UNIT_EQ(blkfront_check_rsp_prod(12, 10, 15, 32), 0);
	UNIT_EQ(blkfront_check_rsp_prod(16, 10, 15, 32), -EPROTO);
	/* a producer behind our consumer wraps to a huge count */
	UNIT_EQ(blkfront_check_rsp_prod(9, 10, 15, 32), -EPROTO);
	/* a full ring */
	UNIT_EQ(blkfront_check_rsp_prod(42, 10, 42, 32), 0);
}

static void rsp_prod_across_index_wrap(struct kunit *test)
{
	RING_IDX cons = 0xfffffffeU;

	UNIT_EQ(blkfront_check_rsp_prod(cons + 4, cons, cons + 4, 32), 0);
	UNIT_EQ(blkfront_check_rsp_prod(cons + 5, cons, cons + 4, 32), -EPROTO);
	UNIT_EQ(blkfront_check_rsp_prod(cons + 33, cons, cons + 33, 32), -EPROTO);
}

static struct kunit_case blkfront_rsp_check_cases[] = {
	KUNIT_CASE(answer_to_request_in_flight_is_accepted),
	KUNIT_CASE(id_outside_ring_is_rejected),
	KUNIT_CASE(answer_for_free_slot_is_rejected),
	KUNIT_CASE(operation_must_echo_request),
	KUNIT_CASE(rsp_prod_within_outstanding_requests),
	KUNIT_CASE(rsp_prod_across_index_wrap),
	{}
};

UNIT_SUITE(blkfront_rsp_check, blkfront_rsp_check_cases);
