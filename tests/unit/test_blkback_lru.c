// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback's persistent grant purge policy: how many grants a full cache
 * gives back, which ones (idle before recently used, never in use), and
 * the age rule, including jiffies wrap-around.
 */
#include "../../drivers/block/xen-blkback/lru.c"
#include "unit.h"

static void no_purge_while_room(struct kunit *test)
{
	UNIT_EQ(blkback_lru_target(0, 1056, 0, false), 0);
	UNIT_EQ(blkback_lru_target(1055, 1056, 0, true), 0);
}

static void full_cache_gives_back_a_slice(struct kunit *test)
{
	/* 5% of 1056, once a grant found no room */
	UNIT_EQ(blkback_lru_target(1056, 1056, 0, true), 52);
	/* over the cap (cap lowered at runtime): the excess as well */
	UNIT_EQ(blkback_lru_target(1100, 1056, 0, false), 96);
	/* tiny caps still make progress */
	UNIT_EQ(blkback_lru_target(4, 4, 0, true), 1);
	/* a cap of 0 empties the cache */
	UNIT_EQ(blkback_lru_target(10, 0, 0, false), 10);
}

static void exact_fit_is_left_alone(struct kunit *test)
{
	/*
	 * A frontend whose grant pool is the cap (32 slots x 33 grants)
	 * fills the cache exactly: nothing to give back until a grant is
	 * turned away.
	 */
	UNIT_EQ(blkback_lru_target(1056, 1056, 0, false), 0);
	UNIT_EQ(blkback_lru_target(1056, 1056, 0, true), 52);
}

static void never_more_than_idle_grants(struct kunit *test)
{
	UNIT_EQ(blkback_lru_target(1056, 1056, 1050, true), 6);
	UNIT_EQ(blkback_lru_target(1056, 1056, 1056, true), 0);
}

static void in_use_never_victim(struct kunit *test)
{
	struct blkback_lru_pass p = { .now = 100000, .timeout = 10, .want = 5 };

	UNIT_CHECK(!blkback_lru_victim(&p, 0, true, false));
	UNIT_EQ(p.want, 5);
}

static void recently_used_survive_first_round(struct kunit *test)
{
	struct blkback_lru_pass p = { .now = 1000, .timeout = 0, .want = 1 };

	UNIT_CHECK(!blkback_lru_victim(&p, 999, false, true));
	UNIT_CHECK(blkback_lru_victim(&p, 999, false, false));
	UNIT_EQ(p.want, 0);
	/* target reached: the rest stays */
	UNIT_CHECK(!blkback_lru_victim(&p, 999, false, false));
}

static void unused_too_long_always_victim(struct kunit *test)
{
	struct blkback_lru_pass p = { .now = 1000, .timeout = 100, .want = 0 };

	UNIT_CHECK(blkback_lru_victim(&p, 899, false, true));
	UNIT_CHECK(!blkback_lru_victim(&p, 900, false, false));
	UNIT_CHECK(!blkback_lru_victim(&p, 950, false, false));
	UNIT_EQ(p.want, 0);
}

static void age_rule_survives_jiffies_wrap(struct kunit *test)
{
	struct blkback_lru_pass p = { .now = 50, .timeout = 100, .want = 0 };

	/* last used 60 ticks ago, across the wrap: not expired */
	UNIT_CHECK(!blkback_lru_victim(&p, (unsigned long)-10, false, false));
	/* last used 150 ticks ago, across the wrap: expired */
	UNIT_CHECK(blkback_lru_victim(&p, (unsigned long)-100, false, false));
}

static struct kunit_case blkback_lru_cases[] = {
	KUNIT_CASE(no_purge_while_room),
	KUNIT_CASE(full_cache_gives_back_a_slice),
	KUNIT_CASE(exact_fit_is_left_alone),
	KUNIT_CASE(never_more_than_idle_grants),
	KUNIT_CASE(in_use_never_victim),
	KUNIT_CASE(recently_used_survive_first_round),
	KUNIT_CASE(unused_too_long_always_victim),
	KUNIT_CASE(age_rule_survives_jiffies_wrap),
	{}
};

UNIT_SUITE(blkback_lru, blkback_lru_cases);
