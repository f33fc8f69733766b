/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkback: the policy deciding which persistent grants to give back.
 * Pure logic (see tests/unit/test_blkback_lru.c); grants.c applies it.
 */

#ifndef XEN_BLKBACK_LRU_H
#define XEN_BLKBACK_LRU_H

#include <linux/types.h>

/* Share of the cap given back by one purge when the cache is full. */
#define BLKBACK_LRU_PURGE_PERCENT	5

/**
 * struct blkback_lru_pass - state of one purge pass over the grant cache
 * @now: current time (jiffies)
 * @timeout: a grant unused for longer than this is given back (jiffies;
 *	0 disables the age rule)
 * @want: grants still to give back to get under the cap
 */
struct blkback_lru_pass {
	unsigned long now;
	unsigned long timeout;
	unsigned int want;
};

unsigned int blkback_lru_target(unsigned int held, unsigned int max,
				unsigned int in_use, bool overflow);
bool blkback_lru_victim(struct blkback_lru_pass *pass, unsigned long last_used,
			bool in_use, bool recently_used);

#endif /* XEN_BLKBACK_LRU_H */
