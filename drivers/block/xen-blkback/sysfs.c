// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: observability under /sys/bus/xen-backend/devices/vbd-D-N/.
 *
 * physical_device, mode and statistics/{oo,rd,wr,f,ds}_req, {rd,wr}_sect
 * keep the names and formats existing tools read.  The other counters let
 * a test tell where requests and grants went (see
 * Documentation/ABI/testing/sysfs-driver-xen-blkback).  Counters add up
 * all rings and all connections of the device; gauges (persistent_grants,
 * pool_pages, inflight) describe the current connection, and so do the
 * per-ring files (ring_*, latency_*), one value or line per ring;
 * grants_mapped counts the device's mappings of every connection.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/sysfs.h>
#include "common.h"

enum blkback_attr_kind {
	BLKBACK_ATTR_STAT,	/* counter, enum blkback_stat */
	BLKBACK_ATTR_ERR,	/* counter, enum blkback_err */
	BLKBACK_ATTR_PGRANTS,	/* gauge */
	BLKBACK_ATTR_POOL,	/* gauge */
	BLKBACK_ATTR_INFLIGHT,	/* gauge */
	BLKBACK_ATTR_RING_REQ,	/* per ring */
	BLKBACK_ATTR_RING_PGRANTS,	/* per ring */
	BLKBACK_ATTR_RING_INFLIGHT,	/* per ring */
	BLKBACK_ATTR_RING_INFLIGHT_PEAK,	/* per ring */
};

struct blkback_attr {
	struct device_attribute attr;
	enum blkback_attr_kind kind;
	unsigned int idx;
};

#define BLKBACK_ATTR(_name, _kind, _idx)				\
	static struct blkback_attr blkback_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, blkback_attr_show, NULL),	\
		.kind = _kind,						\
		.idx = _idx,						\
	}

/**
 * blkback_stats_add() - fold the counters of a ring into a total
 * @to: the total
 * @from: the ring's counters
 */
void blkback_stats_add(struct blkback_stats *to, struct blkback_stats *from)
{
	unsigned int i;

	for (i = 0; i < BLKBACK_NR_STATS; i++)
		atomic64_add(atomic64_read(&from->st[i]), &to->st[i]);
	for (i = 0; i < BLKBACK_NR_ERR; i++)
		atomic64_add(atomic64_read(&from->err[i]), &to->err[i]);
}

static u64 blkback_ring_value(struct blkback_ring *ring,
			      const struct blkback_attr *a)
{
	switch (a->kind) {
	case BLKBACK_ATTR_STAT:
		return atomic64_read(&ring->stats.st[a->idx]);
	case BLKBACK_ATTR_ERR:
		return atomic64_read(&ring->stats.err[a->idx]);
	case BLKBACK_ATTR_PGRANTS:
	case BLKBACK_ATTR_RING_PGRANTS:
		return READ_ONCE(ring->nr_pgrants);
	case BLKBACK_ATTR_POOL:
		return blkback_pool_pages(ring);
	case BLKBACK_ATTR_INFLIGHT:
		return atomic_read(&ring->inflight);
	case BLKBACK_ATTR_RING_REQ:
		return atomic64_read(&ring->stats.st[BLKBACK_ST_REQ]);
	case BLKBACK_ATTR_RING_INFLIGHT:
		return atomic_read(&ring->inflight);
	case BLKBACK_ATTR_RING_INFLIGHT_PEAK:
		return READ_ONCE(ring->inflight_peak);
	}
	return 0;
}

static ssize_t blkback_attr_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct blkback_attr *a = container_of(attr, struct blkback_attr, attr);
	struct blkback_dev *be = dev_get_drvdata(dev);
	bool per_ring = a->kind >= BLKBACK_ATTR_RING_REQ;
	ssize_t len = 0;
	unsigned int i;
	u64 sum = 0;

	if (!be)
		return -ENODEV;
	mutex_lock(&be->lock);
	if (a->kind == BLKBACK_ATTR_STAT)
		sum = atomic64_read(&be->closed.st[a->idx]);
	else if (a->kind == BLKBACK_ATTR_ERR)
		sum = atomic64_read(&be->closed.err[a->idx]);
	for (i = 0; i < be->nr_rings; i++) {
		u64 v = blkback_ring_value(&be->rings[i], a);

		if (per_ring)
			len += sysfs_emit_at(buf, len, "%s%llu", i ? " " : "", v);
		else
			sum += v;
	}
	mutex_unlock(&be->lock);
	if (per_ring)
		return len + sysfs_emit_at(buf, len, "\n");
	return sysfs_emit(buf, "%llu\n", sum);
}

/*
 * One line per ring: its XEN_BLK_LAT_BUCKETS counts of one kind; the
 * rings whose lines do not fit in the page are left out, and counted in
 * a last line "truncated <n>" (xen_blk_lat_emit()).
 */
static ssize_t blkback_latency_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct blkback_attr *a = container_of(attr, struct blkback_attr, attr);
	struct blkback_dev *be = dev_get_drvdata(dev);
	size_t len = 0;
	unsigned int i;

	if (!be)
		return -ENODEV;
	mutex_lock(&be->lock);
	for (i = 0; i < be->nr_rings; i++)
		if (!xen_blk_lat_emit(buf, PAGE_SIZE, &len,
				      be->rings[i].lat.hist[a->idx],
				      be->nr_rings - 1 - i))
			break;
	mutex_unlock(&be->lock);
	return len;
}

/*
 * Grants of the device mapped now, by any of its connections: unlike the
 * gauges above, a connection still being torn down counts too.
 */
static ssize_t blkback_grants_mapped_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	struct blkback_dev *be = dev_get_drvdata(dev);

	if (!be)
		return -ENODEV;
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&be->grants_mapped));
}

static struct device_attribute blkback_attr_grants_mapped =
	__ATTR(grants_mapped, 0444, blkback_grants_mapped_show, NULL);

#define BLKBACK_LATENCY_ATTR(_name, _idx)				\
	static struct blkback_attr blkback_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, blkback_latency_show, NULL),\
		.idx = _idx,						\
	}

BLKBACK_LATENCY_ATTR(latency_read, XEN_BLK_LAT_READ);
BLKBACK_LATENCY_ATTR(latency_write, XEN_BLK_LAT_WRITE);
BLKBACK_LATENCY_ATTR(latency_flush, XEN_BLK_LAT_FLUSH);
BLKBACK_LATENCY_ATTR(latency_discard, XEN_BLK_LAT_DISCARD);

/* the names existing tools read */
BLKBACK_ATTR(oo_req, BLKBACK_ATTR_STAT, BLKBACK_ST_OO_REQ);
BLKBACK_ATTR(rd_req, BLKBACK_ATTR_STAT, BLKBACK_ST_RD_REQ);
BLKBACK_ATTR(wr_req, BLKBACK_ATTR_STAT, BLKBACK_ST_WR_REQ);
BLKBACK_ATTR(f_req, BLKBACK_ATTR_STAT, BLKBACK_ST_F_REQ);
BLKBACK_ATTR(ds_req, BLKBACK_ATTR_STAT, BLKBACK_ST_DS_REQ);
BLKBACK_ATTR(rd_sect, BLKBACK_ATTR_STAT, BLKBACK_ST_RD_SECT);
BLKBACK_ATTR(wr_sect, BLKBACK_ATTR_STAT, BLKBACK_ST_WR_SECT);
/* ours */
BLKBACK_ATTR(requests, BLKBACK_ATTR_STAT, BLKBACK_ST_REQ);
BLKBACK_ATTR(indirect_req, BLKBACK_ATTR_STAT, BLKBACK_ST_INDIRECT_REQ);
BLKBACK_ATTR(pgrant_hits, BLKBACK_ATTR_STAT, BLKBACK_ST_PGNT_HIT);
BLKBACK_ATTR(pgrant_misses, BLKBACK_ATTR_STAT, BLKBACK_ST_PGNT_MISS);
BLKBACK_ATTR(map_ops, BLKBACK_ATTR_STAT, BLKBACK_ST_MAP_OPS);
BLKBACK_ATTR(unmap_ops, BLKBACK_ATTR_STAT, BLKBACK_ST_UNMAP_OPS);
BLKBACK_ATTR(lru_purged, BLKBACK_ATTR_STAT, BLKBACK_ST_LRU_PURGED);
BLKBACK_ATTR(nomem_retries, BLKBACK_ATTR_STAT, BLKBACK_ST_NOMEM_RETRY);
BLKBACK_ATTR(persistent_grants, BLKBACK_ATTR_PGRANTS, 0);
BLKBACK_ATTR(pool_pages, BLKBACK_ATTR_POOL, 0);
BLKBACK_ATTR(inflight, BLKBACK_ATTR_INFLIGHT, 0);
BLKBACK_ATTR(ring_requests, BLKBACK_ATTR_RING_REQ, 0);
BLKBACK_ATTR(ring_persistent_grants, BLKBACK_ATTR_RING_PGRANTS, 0);
BLKBACK_ATTR(ring_inflight, BLKBACK_ATTR_RING_INFLIGHT, 0);
BLKBACK_ATTR(ring_inflight_peak, BLKBACK_ATTR_RING_INFLIGHT_PEAK, 0);
BLKBACK_ATTR(err_bad_op, BLKBACK_ATTR_ERR, BLKBACK_ERR_OP);
BLKBACK_ATTR(err_unsupported, BLKBACK_ATTR_ERR, BLKBACK_ERR_UNSUPP);
BLKBACK_ATTR(err_bad_nseg, BLKBACK_ATTR_ERR, BLKBACK_ERR_NSEG);
BLKBACK_ATTR(err_bad_segment, BLKBACK_ATTR_ERR, BLKBACK_ERR_SEG);
BLKBACK_ATTR(err_misaligned, BLKBACK_ATTR_ERR, BLKBACK_ERR_ALIGN);
BLKBACK_ATTR(err_out_of_range, BLKBACK_ATTR_ERR, BLKBACK_ERR_RANGE);
BLKBACK_ATTR(err_read_only, BLKBACK_ATTR_ERR, BLKBACK_ERR_RO);
BLKBACK_ATTR(err_grant_map, BLKBACK_ATTR_ERR, BLKBACK_ERR_MAP);
BLKBACK_ATTR(err_io, BLKBACK_ATTR_ERR, BLKBACK_ERR_IO);

static struct attribute *blkback_stat_attrs[] = {
	&blkback_attr_oo_req.attr.attr,
	&blkback_attr_rd_req.attr.attr,
	&blkback_attr_wr_req.attr.attr,
	&blkback_attr_f_req.attr.attr,
	&blkback_attr_ds_req.attr.attr,
	&blkback_attr_rd_sect.attr.attr,
	&blkback_attr_wr_sect.attr.attr,
	&blkback_attr_requests.attr.attr,
	&blkback_attr_indirect_req.attr.attr,
	&blkback_attr_pgrant_hits.attr.attr,
	&blkback_attr_pgrant_misses.attr.attr,
	&blkback_attr_map_ops.attr.attr,
	&blkback_attr_unmap_ops.attr.attr,
	&blkback_attr_lru_purged.attr.attr,
	&blkback_attr_nomem_retries.attr.attr,
	&blkback_attr_persistent_grants.attr.attr,
	&blkback_attr_pool_pages.attr.attr,
	&blkback_attr_inflight.attr.attr,
	&blkback_attr_grants_mapped.attr,
	&blkback_attr_ring_requests.attr.attr,
	&blkback_attr_ring_persistent_grants.attr.attr,
	&blkback_attr_ring_inflight.attr.attr,
	&blkback_attr_ring_inflight_peak.attr.attr,
	&blkback_attr_latency_read.attr.attr,
	&blkback_attr_latency_write.attr.attr,
	&blkback_attr_latency_flush.attr.attr,
	&blkback_attr_latency_discard.attr.attr,
	&blkback_attr_err_bad_op.attr.attr,
	&blkback_attr_err_unsupported.attr.attr,
	&blkback_attr_err_bad_nseg.attr.attr,
	&blkback_attr_err_bad_segment.attr.attr,
	&blkback_attr_err_misaligned.attr.attr,
	&blkback_attr_err_out_of_range.attr.attr,
	&blkback_attr_err_read_only.attr.attr,
	&blkback_attr_err_grant_map.attr.attr,
	&blkback_attr_err_io.attr.attr,
	NULL
};

static const struct attribute_group blkback_stat_group = {
	.name = "statistics",
	.attrs = blkback_stat_attrs,
};

static ssize_t physical_device_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct blkback_dev *be = dev_get_drvdata(dev);

	if (!be)
		return -ENODEV;
	return sysfs_emit(buf, "%x:%x\n", be->major, be->minor);
}
static DEVICE_ATTR_RO(physical_device);

static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct blkback_dev *be = dev_get_drvdata(dev);

	if (!be)
		return -ENODEV;
	return sysfs_emit(buf, "%s\n", be->mode ?: "");
}
static DEVICE_ATTR_RO(mode);

enum blkback_conn_field {
	BLKBACK_CONN_RINGS,
	BLKBACK_CONN_RING_PAGES,
	BLKBACK_CONN_PERSISTENT,
	BLKBACK_CONN_INDIRECT,
	BLKBACK_CONN_PROTOCOL,
};

/* What the current connection negotiated; 0 or "none" when unconnected. */
static ssize_t blkback_conn_show(struct device *dev,
				 enum blkback_conn_field what,
				 char *buf)
{
	static const char * const abi[] = {
		[BLKBACK_ABI_NATIVE] = "native",
		[BLKBACK_ABI_X86_32] = "x86_32",
		[BLKBACK_ABI_X86_64] = "x86_64",
	};
	struct blkback_dev *be = dev_get_drvdata(dev);
	unsigned int v = 0;
	ssize_t len;

	if (!be)
		return -ENODEV;
	mutex_lock(&be->lock);
	if (be->rings) {
		switch (what) {
		case BLKBACK_CONN_RINGS:
			v = be->nr_rings;
			break;
		case BLKBACK_CONN_RING_PAGES:
			v = 1U << be->ring_order;
			break;
		case BLKBACK_CONN_PERSISTENT:
			v = be->persistent;
			break;
		case BLKBACK_CONN_INDIRECT:
			v = be->max_indirect;
			break;
		case BLKBACK_CONN_PROTOCOL:
			break;
		}
	}
	if (what == BLKBACK_CONN_PROTOCOL)
		len = sysfs_emit(buf, "%s\n", be->rings ? abi[be->abi] : "none");
	else
		len = sysfs_emit(buf, "%u\n", v);
	mutex_unlock(&be->lock);
	return len;
}

static ssize_t nr_rings_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return blkback_conn_show(dev, BLKBACK_CONN_RINGS, buf);
}
static DEVICE_ATTR_RO(nr_rings);

static ssize_t ring_pages_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return blkback_conn_show(dev, BLKBACK_CONN_RING_PAGES, buf);
}
static DEVICE_ATTR_RO(ring_pages);

static ssize_t persistent_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return blkback_conn_show(dev, BLKBACK_CONN_PERSISTENT, buf);
}
static DEVICE_ATTR_RO(persistent);

static ssize_t indirect_segments_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return blkback_conn_show(dev, BLKBACK_CONN_INDIRECT, buf);
}
static DEVICE_ATTR_RO(indirect_segments);

static ssize_t protocol_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return blkback_conn_show(dev, BLKBACK_CONN_PROTOCOL, buf);
}
static DEVICE_ATTR_RO(protocol);

static struct attribute *blkback_conn_attrs[] = {
	&dev_attr_nr_rings.attr,
	&dev_attr_ring_pages.attr,
	&dev_attr_persistent.attr,
	&dev_attr_indirect_segments.attr,
	&dev_attr_protocol.attr,
	NULL
};

static const struct attribute_group blkback_conn_group = {
	.name = "connection",
	.attrs = blkback_conn_attrs,
};

static struct attribute *blkback_dev_attrs[] = {
	&dev_attr_physical_device.attr,
	&dev_attr_mode.attr,
	NULL
};

static const struct attribute_group blkback_dev_group = {
	.attrs = blkback_dev_attrs,
};

static const struct attribute_group *blkback_groups[] = {
	&blkback_dev_group,
	&blkback_conn_group,
	&blkback_stat_group,
	NULL
};

/**
 * blkback_sysfs_add() - create the device's sysfs files
 * @be: the device, with its backing device open
 *
 * Return: 0 or a negative errno.
 */
int blkback_sysfs_add(struct blkback_dev *be)
{
	return sysfs_create_groups(&be->xdev->dev.kobj, blkback_groups);
}

/**
 * blkback_sysfs_remove() - remove them; waits for readers in progress
 * @be: the device
 */
void blkback_sysfs_remove(struct blkback_dev *be)
{
	sysfs_remove_groups(&be->xdev->dev.kobj, blkback_groups);
}

/* Driver-wide files, in /sys/bus/xen-backend/drivers/vbd/. */
static ssize_t grants_mapped_show(struct device_driver *drv, char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&blkback_grants_mapped));
}
static DRIVER_ATTR_RO(grants_mapped);

static ssize_t pages_leaked_show(struct device_driver *drv, char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&blkback_pages_leaked));
}
static DRIVER_ATTR_RO(pages_leaked);

static struct attribute *blkback_driver_attrs[] = {
	&driver_attr_grants_mapped.attr,
	&driver_attr_pages_leaked.attr,
	NULL
};

static const struct attribute_group blkback_driver_group = {
	.attrs = blkback_driver_attrs,
};

const struct attribute_group *blkback_driver_groups[] = {
	&blkback_driver_group,
	NULL
};
