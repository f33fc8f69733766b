// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: virtual-device numbers to xvd names and minors, the same
 * namespace as the in-tree driver (drivers/block/xen-blkfront/validate.c).
 */
#include "../../drivers/block/xen-blkfront/validate.c"
#include "unit.h"

static const char *name_of(u32 vdevice, struct blkfront_vdev *v)
{
	static char buf[32];

	if (blkfront_vdev_decode(vdevice, v))
		return "(none)";
	if (blkfront_disk_name(buf, sizeof(buf), v))
		return "(too long)";
	return buf;
}

#define UNIT_STREQ(a, b) UNIT_CHECK(strcmp((a), (b)) == 0)

static void xvd_major_whole_disks(struct kunit *test)
{
	struct blkfront_vdev v;

	UNIT_STREQ(name_of(202 << 8 | 0, &v), "xvda");	/* 51712 */
	UNIT_EQ(v.minor, 0);
	UNIT_EQ(v.nr_minors, 16);
	UNIT_STREQ(name_of(202 << 8 | 16, &v), "xvdb");	/* 51728 */
	UNIT_EQ(v.minor, 16);
	UNIT_STREQ(name_of(202 << 8 | 240, &v), "xvdp");
}

static void xvd_major_partition(struct kunit *test)
{
	struct blkfront_vdev v;

	UNIT_STREQ(name_of(202 << 8 | 17, &v), "xvdb1");
	UNIT_EQ(v.minor, 17);
	UNIT_EQ(v.nr_minors, 1);
}

static void emulated_ide_and_scsi_majors(struct kunit *test)
{
	struct blkfront_vdev v;

	UNIT_STREQ(name_of(3 << 8 | 0, &v), "xvda");	/* hda */
	UNIT_EQ(v.minor, 0);
	UNIT_STREQ(name_of(3 << 8 | 64, &v), "xvdb");	/* hdb */
	UNIT_EQ(v.minor, 16);
	UNIT_EQ(v.nr_minors, 16);
	UNIT_STREQ(name_of(22 << 8 | 0, &v), "xvdc");	/* hdc */
	UNIT_EQ(v.minor, 32);
	UNIT_STREQ(name_of(8 << 8 | 16, &v), "xvdb");	/* sdb */
	UNIT_STREQ(name_of(8 << 8 | 18, &v), "xvdb2");	/* sdb2 */
	UNIT_STREQ(name_of(65 << 8 | 0, &v), "xvdq");	/* sdq */
	UNIT_EQ(v.minor, 256);
	UNIT_STREQ(name_of(128 << 8 | 0, &v), "xvddy");	/* disk index 128 */
	UNIT_EQ(v.minor, 128 * 16);
}

static void extended_numbering(struct kunit *test)
{
	struct blkfront_vdev v;

	/* (1 << 28) | (disk << 8) | partition */
	UNIT_STREQ(name_of(1U << 28 | 26 << 8, &v), "xvdaa");
	UNIT_EQ(v.minor, 26 * 256);
	UNIT_EQ(v.nr_minors, 256);
	UNIT_STREQ(name_of(1U << 28 | 4 << 8 | 3, &v), "xvde3");
	UNIT_EQ(v.nr_minors, 1);
	UNIT_STREQ(name_of(1U << 28 | 702 << 8, &v), "xvdaaa");
}

static void invalid_numbers_are_refused(struct kunit *test)
{
	struct blkfront_vdev v;

	UNIT_EQ(blkfront_vdev_decode(2U << 28, &v), -ENODEV);	/* above ext */
	UNIT_EQ(blkfront_vdev_decode(1U << 8, &v), -ENODEV);	/* major 1 */
	UNIT_EQ(blkfront_vdev_decode(1U << 28 | 0xfffffff, &v), -ENODEV);
}

static void name_buffer_too_small(struct kunit *test)
{
	struct blkfront_vdev v = { .index = 26, .nr_minors = 1, .part = 123 };
	char buf[8];

	UNIT_EQ(blkfront_disk_name(buf, sizeof(buf), &v), -ENAMETOOLONG);
	v.part = 1;
	UNIT_EQ(blkfront_disk_name(buf, sizeof(buf), &v), 0);
	UNIT_STREQ(buf, "xvdaa1");
}

static struct kunit_case blkfront_vdev_names_cases[] = {
	KUNIT_CASE(xvd_major_whole_disks),
	KUNIT_CASE(xvd_major_partition),
	KUNIT_CASE(emulated_ide_and_scsi_majors),
	KUNIT_CASE(extended_numbering),
	KUNIT_CASE(invalid_numbers_are_refused),
	KUNIT_CASE(name_buffer_too_small),
	{}
};

UNIT_SUITE(blkfront_vdev_names, blkfront_vdev_names_cases);
