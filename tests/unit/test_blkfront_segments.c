// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: segment and negotiation arithmetic
 * (drivers/block/xen-blkfront/validate.c).
 */
#include "../../drivers/block/xen-blkfront/validate.c"
#include "unit.h"

static void whole_page_is_sectors_0_to_7(struct kunit *test)
{
	struct blkif_request_segment seg;

	UNIT_EQ(blkfront_seg_span(0, 4096, &seg), 0);
	UNIT_EQ(seg.first_sect, 0);
	UNIT_EQ(seg.last_sect, 7);
}

static void partial_pages_for_512_byte_sectors(struct kunit *test)
{
	struct blkif_request_segment seg;

	/* one sector in the middle */
	UNIT_EQ(blkfront_seg_span(1536, 512, &seg), 0);
	UNIT_EQ(seg.first_sect, 3);
	UNIT_EQ(seg.last_sect, 3);
	/* tail of a page */
	UNIT_EQ(blkfront_seg_span(3584, 512, &seg), 0);
	UNIT_EQ(seg.first_sect, 7);
	UNIT_EQ(seg.last_sect, 7);
	/* head of a page */
	UNIT_EQ(blkfront_seg_span(0, 1024, &seg), 0);
	UNIT_EQ(seg.first_sect, 0);
	UNIT_EQ(seg.last_sect, 1);
}

static void bad_spans_are_refused(struct kunit *test)
{
	struct blkif_request_segment seg;

	UNIT_EQ(blkfront_seg_span(0, 0, &seg), -EINVAL);
	UNIT_EQ(blkfront_seg_span(100, 512, &seg), -EINVAL);
	UNIT_EQ(blkfront_seg_span(0, 700, &seg), -EINVAL);
	UNIT_EQ(blkfront_seg_span(3584, 1024, &seg), -EINVAL);	/* crosses */
	UNIT_EQ(blkfront_seg_span(4096, 512, &seg), -EINVAL);
	UNIT_EQ(blkfront_seg_span(512, 0xfffffe00U, &seg), -EINVAL); /* wraps */
}

static void indirect_pages_per_request(struct kunit *test)
{
	UNIT_EQ(blkfront_indirect_pages(1), 1);
	UNIT_EQ(blkfront_indirect_pages(32), 1);
	UNIT_EQ(blkfront_indirect_pages(512), 1);
	UNIT_EQ(blkfront_indirect_pages(513), 2);
	UNIT_EQ(blkfront_indirect_pages(4096), 8);
}

static void indirect_negotiation(struct kunit *test)
{
	/* backend without indirect: none */
	UNIT_EQ(blkfront_negotiate_indirect(32, 0), 0);
	/* min of both sides */
	UNIT_EQ(blkfront_negotiate_indirect(32, 256), 32);
	UNIT_EQ(blkfront_negotiate_indirect(256, 64), 64);
	/* not above a direct request: no point */
	UNIT_EQ(blkfront_negotiate_indirect(11, 256), 0);
	UNIT_EQ(blkfront_negotiate_indirect(12, 256), 12);
	/* never more than 8 indirect pages describe */
	UNIT_EQ(blkfront_negotiate_indirect(100000, 100000), 4096);
	UNIT_EQ(blkfront_max_segments(0), BLKIF_MAX_SEGMENTS_PER_REQUEST);
	UNIT_EQ(blkfront_max_segments(256), 256);
}

static void ring_negotiation(struct kunit *test)
{
	UNIT_EQ(blkfront_negotiate_rings(4, 0, 2), 1);	/* key absent */
	UNIT_EQ(blkfront_negotiate_rings(4, 1, 2), 1);
	UNIT_EQ(blkfront_negotiate_rings(4, 8, 2), 2);	/* CPUs */
	UNIT_EQ(blkfront_negotiate_rings(4, 8, 16), 4);	/* param */
	UNIT_EQ(blkfront_negotiate_rings(4, 3, 16), 3);	/* backend */
	UNIT_EQ(blkfront_negotiate_rings(1, 8, 16), 1);
	UNIT_EQ(blkfront_negotiate_order(0, 4), 0);
	UNIT_EQ(blkfront_negotiate_order(2, 4), 2);
	UNIT_EQ(blkfront_negotiate_order(4, 1), 1);
	UNIT_EQ(blkfront_negotiate_order(9, 9), BLKIF_MAX_RING_PAGE_ORDER);
	UNIT_EQ(BLKIF_RING_SIZE(blkfront_negotiate_order(2, 4)), 128);
}

static void poll_ring_negotiation(struct kunit *test)
{
	UNIT_EQ(blkfront_negotiate_poll_rings(1, 0, 1), 0);	/* key absent */
	UNIT_EQ(blkfront_negotiate_poll_rings(1, 1, 1), 0);
	UNIT_EQ(blkfront_negotiate_poll_rings(1, 2, 2), 0);	/* all taken */
	UNIT_EQ(blkfront_negotiate_poll_rings(1, 2, 1), 1);
	UNIT_EQ(blkfront_negotiate_poll_rings(4, 4, 1), 3);	/* cut */
	UNIT_EQ(blkfront_negotiate_poll_rings(2, 8, 2), 2);
	UNIT_EQ(blkfront_negotiate_poll_rings(0, 8, 2), 0);
}

static void queues_to_rings(struct kunit *test)
{
	/* 2 interrupt-driven queues and 1 polled, on 2 + 1 rings */
	UNIT_EQ(blkfront_queue_ring(0, 2, 3, 1), 0);
	UNIT_EQ(blkfront_queue_ring(1, 2, 3, 1), 1);
	UNIT_EQ(blkfront_queue_ring(2, 2, 3, 1), 2);
	/* a restore onto one ring: all share it */
	UNIT_EQ(blkfront_queue_ring(1, 2, 1, 0), 0);
	UNIT_EQ(blkfront_queue_ring(2, 2, 1, 0), 0);
	/* two rings, no poll ring: polled queues on interrupt-driven rings */
	UNIT_EQ(blkfront_queue_ring(2, 2, 2, 0), 0);
	UNIT_EQ(blkfront_queue_ring(3, 2, 2, 0), 1);
	/* 1 + 2 polled queues on 1 + 1 rings */
	UNIT_EQ(blkfront_queue_ring(1, 1, 2, 1), 1);
	UNIT_EQ(blkfront_queue_ring(2, 1, 2, 1), 1);
	UNIT_EQ(blkfront_queue_ring(0, 1, 2, 1), 0);
	/* no rings; a poll count read mid-change never takes every ring */
	UNIT_EQ(blkfront_queue_ring(3, 2, 0, 0), 0);
	UNIT_EQ(blkfront_queue_ring(0, 1, 1, 1), 0);
	UNIT_EQ(blkfront_queue_ring(1, 1, 1, 1), 0);
	/* no polled queues at all: as before, queue modulo rings */
	UNIT_EQ(blkfront_queue_ring(3, 4, 2, 0), 1);
}

/*
 * A request nobody polls for on a polled queue (a flush blk-mq sent
 * there) goes to an interrupt-driven ring, whatever the rings in use; a
 * polled one, and any request of an interrupt-driven queue, stays.
 */
static void unpolled_requests_to_interrupt_rings(struct kunit *test)
{
	unsigned int irq, polled, nr, poll, q, unpolled, own;

	UNIT_EQ(blkfront_rq_queue(2, 2, false), 0);
	UNIT_EQ(blkfront_rq_queue(3, 2, false), 1);
	UNIT_EQ(blkfront_rq_queue(4, 2, false), 0);
	UNIT_EQ(blkfront_rq_queue(3, 2, true), 3);
	UNIT_EQ(blkfront_rq_queue(1, 2, false), 1);
	UNIT_EQ(blkfront_rq_queue(1, 0, false), 1);
	for (irq = 1; irq <= 4; irq++)
		for (polled = 1; polled <= 4; polled++)
			for (q = irq; q < irq + polled; q++) {
				unpolled = blkfront_rq_queue(q, irq, false);
				own = blkfront_rq_queue(q, irq, true);
				UNIT_EQ(own, q);
				/* the poll rings are the last */
				for (nr = 1; nr <= 8; nr++)
					for (poll = 0; poll < nr; poll++)
						UNIT_CHECK(blkfront_queue_ring(unpolled, irq,
									       nr, poll) <
							   nr - poll);
			}
}

static struct kunit_case blkfront_segments_cases[] = {
	KUNIT_CASE(whole_page_is_sectors_0_to_7),
	KUNIT_CASE(partial_pages_for_512_byte_sectors),
	KUNIT_CASE(bad_spans_are_refused),
	KUNIT_CASE(indirect_pages_per_request),
	KUNIT_CASE(indirect_negotiation),
	KUNIT_CASE(ring_negotiation),
	KUNIT_CASE(poll_ring_negotiation),
	KUNIT_CASE(queues_to_rings),
	KUNIT_CASE(unpolled_requests_to_interrupt_rings),
	{}
};

UNIT_SUITE(blkfront_segments, blkfront_segments_cases);
