// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: which persistent grants to give back, and how many.
 *
 * A persistent grant stays mapped between requests, which saves the map
 * and unmap hypercalls but pins a page of the guest and of dom0.  The cache
 * is capped (max_persistent_grants); when it is over the cap, or at the cap
 * and a new grant found no room, a pass gives back a slice of it,
 * oldest-unused first (a clock: grants used since the previous pass survive
 * the first round), and a grant unused for
 * persistent_grant_unused_seconds is given back whatever the cache size.
 * Grants serving a request in flight are never victims.
 */

#include <linux/types.h>
#include "lru.h"

/**
 * blkback_lru_target() - how many grants a purge pass should give back
 * @held: persistent grants in the cache
 * @max: the cap
 * @in_use: grants of the cache serving requests in flight
 * @overflow: a grant found the cache full since the previous pass
 *
 * A cache exactly at the cap with no grant turned away is a working set
 * that fits (a frontend whose grant pool equals the cap fills it exactly):
 * giving some back would only have them mapped again at their next use.
 *
 * Return: 0 while the cache has room or fits its users; over the cap, or
 * at the cap after an overflow, what brings it back under the cap plus
 * BLKBACK_LRU_PURGE_PERCENT of the cap (at least one), never more than the
 * grants not in use.
 */
unsigned int blkback_lru_target(unsigned int held, unsigned int max,
				unsigned int in_use, bool overflow)
{
	unsigned int want, idle;

	if (held < max || (held == max && !overflow))
		return 0;
	want = held - max + max * BLKBACK_LRU_PURGE_PERCENT / 100;
	if (!want)
		want = 1;
	idle = held > in_use ? held - in_use : 0;
	return want < idle ? want : idle;
}

/**
 * blkback_lru_victim() - decide the fate of one grant during a purge pass
 * @pass: the pass; @pass->want drops by one for each victim
 * @last_used: when the grant last served a request (jiffies)
 * @in_use: it serves a request in flight
 * @recently_used: it was used since the previous pass
 *
 * Return: true when the grant should be unmapped.
 */
bool blkback_lru_victim(struct blkback_lru_pass *pass, unsigned long last_used,
			bool in_use, bool recently_used)
{
	bool expired;

	if (in_use)
		return false;
	/* wrap-safe "now is after last_used + timeout" */
	expired = pass->timeout &&
		  (long)(pass->now - last_used - pass->timeout) > 0;
	if (!expired && (!pass->want || recently_used))
		return false;
	if (pass->want)
		pass->want--;
	return true;
}
