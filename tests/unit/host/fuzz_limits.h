/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The limits xen-blkback's checks (validate.c) apply to a connection of
 * the hostile-frontend fuzzer (blkif-fuzz.h): one mapping for every host
 * program that runs the fuzzer's requests through those checks.  Include
 * it after validate.c and blkif-fuzz.h.
 */
#ifndef FUZZ_LIMITS_H
#define FUZZ_LIMITS_H

static inline struct blkback_limits fz_conn_limits(const struct fz_conn *c)
{
	return (struct blkback_limits) {
		.nr_sectors = c->nr_sectors,
		.lbs_sectors = c->sector_size / 512,
		.max_indirect_segs = c->max_indirect,
		.readonly = c->readonly,
		.discard = c->discard,
		.discard_secure = c->discard_secure,
	};
}

#endif
