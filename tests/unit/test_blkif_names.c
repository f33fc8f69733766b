// SPDX-License-Identifier: GPL-2.0
/*
 * The names the drivers' log lines print beside a blkif operation or
 * response status (include/xen-blk/blkif_names.h).
 */
#include <linux/types.h>
#include <xen-blk/blkif_names.h>
#include "unit.h"

#define UNIT_STREQ(a, b) UNIT_CHECK(strcmp((a), (b)) == 0)

static void every_defined_op_has_its_name(struct kunit *test)
{
	UNIT_STREQ(xen_blkif_op_name(BLKIF_OP_READ), "read");
	UNIT_STREQ(xen_blkif_op_name(BLKIF_OP_WRITE), "write");
	UNIT_STREQ(xen_blkif_op_name(BLKIF_OP_WRITE_BARRIER), "barrier");
	UNIT_STREQ(xen_blkif_op_name(BLKIF_OP_FLUSH_DISKCACHE), "flush");
	UNIT_STREQ(xen_blkif_op_name(BLKIF_OP_DISCARD), "discard");
	UNIT_STREQ(xen_blkif_op_name(BLKIF_OP_INDIRECT), "indirect");
}

static void undefined_op_is_unknown(struct kunit *test)
{
	/* 4 is reserved, never on the wire; a peer may send anything */
	UNIT_STREQ(xen_blkif_op_name(BLKIF_OP_RESERVED_1), "unknown");
	UNIT_STREQ(xen_blkif_op_name(7), "unknown");
	UNIT_STREQ(xen_blkif_op_name(255), "unknown");
}

static void every_defined_status_has_its_name(struct kunit *test)
{
	UNIT_STREQ(xen_blkif_status_name(BLKIF_RSP_OKAY), "okay");
	UNIT_STREQ(xen_blkif_status_name(BLKIF_RSP_ERROR), "error");
	UNIT_STREQ(xen_blkif_status_name(BLKIF_RSP_EOPNOTSUPP), "not supported");
}

static void undefined_status_is_unknown(struct kunit *test)
{
	UNIT_STREQ(xen_blkif_status_name(-3), "unknown");
	UNIT_STREQ(xen_blkif_status_name(1), "unknown");
	UNIT_STREQ(xen_blkif_status_name(-32768), "unknown");
}

static struct kunit_case blkif_names_cases[] = {
	KUNIT_CASE(every_defined_op_has_its_name),
	KUNIT_CASE(undefined_op_is_unknown),
	KUNIT_CASE(every_defined_status_has_its_name),
	KUNIT_CASE(undefined_status_is_unknown),
	{}
};

UNIT_SUITE(blkif_names, blkif_names_cases);
