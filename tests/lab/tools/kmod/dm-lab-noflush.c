// SPDX-License-Identifier: GPL-2.0
/*
 * dm-lab-noflush: a device-mapper target for the lab only, a disk whose
 * write cache cannot be flushed.  It claims flush support, so that
 * device-mapper gives the mapped device a write cache ("write back" in
 * queue/write_cache) and passes flushes down to it, then completes every
 * flush with BLK_STS_NOTSUPP.  No real device the lab's dom0 has answers a
 * flush that way: tests/lab/back-flush-notsupp-withdraws-feature.sh uses
 * this one to see what xen-blkback does when one does.
 *
 * Standalone, like the zero target: reads return zeros, writes are
 * accepted and dropped.  No arguments:
 *
 *	dmsetup create <name> --table "0 <sectors> lab-noflush"
 *
 * "dmsetup status <name>" counts the bios it saw:
 *
 *	0 <sectors> lab-noflush flushes=<refused> reads=<n> writes=<n>
 */

#include <linux/atomic.h>
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/slab.h>

#define DM_MSG_PREFIX "lab-noflush"

/**
 * struct lab_noflush - one instance of the target
 * @flushes: flush bios refused
 * @reads: read bios answered with zeros
 * @writes: write bios accepted (and dropped)
 */
struct lab_noflush {
	atomic64_t flushes;
	atomic64_t reads;
	atomic64_t writes;
};

static int lab_noflush_ctr(struct dm_target *ti, unsigned int argc,
			   char **argv)
{
	struct lab_noflush *lnf;

	if (argc) {
		ti->error = "lab-noflush takes no arguments";
		return -EINVAL;
	}
	lnf = kzalloc(sizeof(*lnf), GFP_KERNEL);
	if (!lnf) {
		ti->error = "out of memory";
		return -ENOMEM;
	}
	ti->private = lnf;
	/*
	 * Both are needed for device-mapper to turn the mapped device's write
	 * cache on and to hand empty flushes to lab_noflush_map(): the target
	 * supports flushes itself, it has no underlying device to ask.
	 */
	ti->num_flush_bios = 1;
	ti->flush_supported = true;
	return 0;
}

static void lab_noflush_dtr(struct dm_target *ti)
{
	kfree(ti->private);
}

static int lab_noflush_map(struct dm_target *ti, struct bio *bio)
{
	struct lab_noflush *lnf = ti->private;

	/*
	 * A flush, with or without data (device-mapper splits the data off
	 * first, so it comes empty): the point of this target.
	 */
	if (bio->bi_opf & REQ_PREFLUSH) {
		atomic64_inc(&lnf->flushes);
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	switch (bio_op(bio)) {
	case REQ_OP_READ:
		atomic64_inc(&lnf->reads);
		zero_fill_bio(bio);
		break;
	case REQ_OP_WRITE:
		atomic64_inc(&lnf->writes);
		break;
	default:
		/* discards and the like are not offered: none should come */
		return DM_MAPIO_KILL;
	}
	bio_endio(bio);
	return DM_MAPIO_SUBMITTED;
}

static void lab_noflush_status(struct dm_target *ti, status_type_t type,
			       unsigned int status_flags, char *result,
			       unsigned int maxlen)
{
	struct lab_noflush *lnf = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("flushes=%lld reads=%lld writes=%lld",
		       (long long)atomic64_read(&lnf->flushes),
		       (long long)atomic64_read(&lnf->reads),
		       (long long)atomic64_read(&lnf->writes));
		break;
	case STATUSTYPE_TABLE:
	case STATUSTYPE_IMA:
		/* no arguments to show, nothing worth measuring */
		*result = '\0';
		break;
	}
}

static struct target_type lab_noflush_target = {
	.name = "lab-noflush",
	.version = { 1, 0, 0 },
	.module = THIS_MODULE,
	.ctr = lab_noflush_ctr,
	.dtr = lab_noflush_dtr,
	.map = lab_noflush_map,
	.status = lab_noflush_status,
};

static int __init lab_noflush_init(void)
{
	return dm_register_target(&lab_noflush_target);
}

static void __exit lab_noflush_exit(void)
{
	dm_unregister_target(&lab_noflush_target);
}

module_init(lab_noflush_init);
module_exit(lab_noflush_exit);

MODULE_DESCRIPTION("Lab-only device-mapper target whose flushes are not supported");
MODULE_LICENSE("GPL");
