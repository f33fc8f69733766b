// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: sysfs.  Attributes of the xenbus device, in a
 * "xen-blkfront" group: /sys/bus/xen/devices/vbd-N/xen-blkfront/, also
 * reachable as /sys/block/xvdX/device/xen-blkfront/.  Documented in
 * Documentation/ABI/testing/sysfs-driver-xen-blkfront.
 *
 * What counts since the probe (the counters, in_flight_peak, latency_*)
 * covers every entry of info->rinfo: the array is allocated once, for
 * the disk's hardware queues, and only the control plane, under
 * info->mutex, replaces it (before the disk exists); an entry past
 * nr_rings, a ring a later connection no longer uses, keeps its counts.
 * in_flight, a gauge, lists the rings in use.
 */
#include <linux/device.h>
#include <linux/sysfs.h>
#include "common.h"

static struct blkfront_info *blkfront_dev_info(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static const char *const blkfront_state_names[] = {
	[BLKFRONT_DISCONNECTED] = "disconnected",
	[BLKFRONT_CONNECTED] = "connected",
	[BLKFRONT_SUSPENDED] = "suspended",
	[BLKFRONT_ERROR] = "error",
	[BLKFRONT_CLOSED] = "closed",
};

static const char *const blkfront_flush_names[] = {
	[BLKFRONT_FLUSH_NONE] = "none",
	[BLKFRONT_FLUSH_DISKCACHE] = "flush-diskcache",
	[BLKFRONT_FLUSH_BARRIER] = "barrier",
};

/* One value of struct blkfront_info, read under the control-plane mutex. */
#define BLKFRONT_INFO_ATTR(name, fmt, expr)				\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct blkfront_info *info = blkfront_dev_info(dev);		\
	ssize_t n;							\
									\
	mutex_lock(&info->mutex);					\
	n = sysfs_emit(buf, fmt "\n", expr);				\
	mutex_unlock(&info->mutex);					\
	return n;							\
}									\
static DEVICE_ATTR_RO(name)

BLKFRONT_INFO_ATTR(state, "%s", blkfront_state_names[info->connected]);
BLKFRONT_INFO_ATTR(nr_rings, "%u", info->nr_rings);
BLKFRONT_INFO_ATTR(poll_rings, "%u", info->nr_poll_rings);
BLKFRONT_INFO_ATTR(ring_pages, "%u", info->nr_rings ? 1U << info->ring_order : 0);
BLKFRONT_INFO_ATTR(ring_slots, "%u", info->nr_rings ? info->rinfo[0].nr_slots : 0);
BLKFRONT_INFO_ATTR(max_indirect_segments, "%u", info->max_indirect_segments);
BLKFRONT_INFO_ATTR(persistent_grants, "%d", info->feature_persistent);
BLKFRONT_INFO_ATTR(flush, "%s", blkfront_flush_names[info->flush]);
BLKFRONT_INFO_ATTR(discard, "%d", info->feature_discard);
BLKFRONT_INFO_ATTR(discard_secure, "%d", info->feature_secdiscard);
BLKFRONT_INFO_ATTR(trusted, "%d", info->trusted);
BLKFRONT_INFO_ATTR(bounce, "%d", info->bounce);

/* A counter summed over the rings. */
#define BLKFRONT_STAT_ATTR(name, field)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct blkfront_info *info = blkfront_dev_info(dev);		\
	unsigned long sum = 0;						\
	unsigned int r;							\
									\
	mutex_lock(&info->mutex);					\
	for (r = 0; info->rinfo && r < info->nr_rinfo; r++)		\
		sum += READ_ONCE(info->rinfo[r].stats.field);		\
	mutex_unlock(&info->mutex);					\
	return sysfs_emit(buf, "%lu\n", sum);				\
}									\
static DEVICE_ATTR_RO(name)

BLKFRONT_STAT_ATTR(requests_read, reads);
BLKFRONT_STAT_ATTR(requests_write, writes);
BLKFRONT_STAT_ATTR(requests_flush, flushes);
BLKFRONT_STAT_ATTR(requests_discard, discards);
BLKFRONT_STAT_ATTR(requests_indirect, indirect);
BLKFRONT_STAT_ATTR(request_errors, errors);
BLKFRONT_STAT_ATTR(grants_in_use, grants_in_use);
BLKFRONT_STAT_ATTR(grants_granted, grants_granted);
BLKFRONT_STAT_ATTR(grants_revoked, grants_revoked);
BLKFRONT_STAT_ATTR(persistent_hits, persistent_hits);
BLKFRONT_STAT_ATTR(bounce_copies, bounce_copies);

/*
 * One count per ring, space separated: @peak, in_flight_peak of every ring
 * since the probe; else in_flight, a gauge, of the rings in use.
 */
static ssize_t blkfront_in_flight_show(struct device *dev, bool peak,
				       char *buf)
{
	struct blkfront_info *info = blkfront_dev_info(dev);
	ssize_t n = 0;
	unsigned int r, nr;

	mutex_lock(&info->mutex);
	nr = peak ? info->nr_rinfo : info->nr_rings;
	for (r = 0; info->rinfo && r < nr; r++) {
		const struct blkfront_ring_info *rinfo = &info->rinfo[r];

		n += sysfs_emit_at(buf, n, "%s%u", r ? " " : "",
				   peak ? READ_ONCE(rinfo->in_flight_peak) :
					  READ_ONCE(rinfo->in_flight));
	}
	mutex_unlock(&info->mutex);
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}

static ssize_t in_flight_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return blkfront_in_flight_show(dev, false, buf);
}
static DEVICE_ATTR_RO(in_flight);

static ssize_t in_flight_peak_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return blkfront_in_flight_show(dev, true, buf);
}
static DEVICE_ATTR_RO(in_flight_peak);

/* A counter of each ring the disk has had, ring 0 first. */
#define BLKFRONT_RING_STAT_ATTR(name, field)				\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct blkfront_info *info = blkfront_dev_info(dev);		\
	ssize_t n = 0;							\
	unsigned int r;							\
									\
	mutex_lock(&info->mutex);					\
	for (r = 0; info->rinfo && r < info->nr_rinfo; r++)		\
		n += sysfs_emit_at(buf, n, "%s%lu", r ? " " : "",	\
				   READ_ONCE(info->rinfo[r].stats.field)); \
	mutex_unlock(&info->mutex);					\
	n += sysfs_emit_at(buf, n, "\n");				\
	return n;							\
}									\
static DEVICE_ATTR_RO(name)

BLKFRONT_RING_STAT_ATTR(batches, batches);
BLKFRONT_RING_STAT_ATTR(batch_requests, batched);
BLKFRONT_RING_STAT_ATTR(interrupts, interrupts);
BLKFRONT_RING_STAT_ATTR(polled_completions, polled);

/*
 * One line per ring: its XEN_BLK_LAT_BUCKETS counts of one kind; the
 * rings whose lines do not fit in the page are left out, and counted in
 * a last line "truncated <n>" (xen_blk_lat_emit()).
 */
static ssize_t blkfront_latency_show(struct device *dev, unsigned int kind,
				     char *buf)
{
	struct blkfront_info *info = blkfront_dev_info(dev);
	size_t n = 0;
	unsigned int r;

	mutex_lock(&info->mutex);
	for (r = 0; info->rinfo && r < info->nr_rinfo; r++)
		if (!xen_blk_lat_emit(buf, PAGE_SIZE, &n,
				      info->rinfo[r].lat.hist[kind],
				      info->nr_rinfo - 1 - r))
			break;
	mutex_unlock(&info->mutex);
	return n;
}

#define BLKFRONT_LATENCY_ATTR(name, kind)				\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return blkfront_latency_show(dev, kind, buf);			\
}									\
static DEVICE_ATTR_RO(name)

BLKFRONT_LATENCY_ATTR(latency_read, XEN_BLK_LAT_READ);
BLKFRONT_LATENCY_ATTR(latency_write, XEN_BLK_LAT_WRITE);
BLKFRONT_LATENCY_ATTR(latency_flush, XEN_BLK_LAT_FLUSH);
BLKFRONT_LATENCY_ATTR(latency_discard, XEN_BLK_LAT_DISCARD);

static struct attribute *blkfront_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_nr_rings.attr,
	&dev_attr_poll_rings.attr,
	&dev_attr_ring_pages.attr,
	&dev_attr_ring_slots.attr,
	&dev_attr_max_indirect_segments.attr,
	&dev_attr_persistent_grants.attr,
	&dev_attr_flush.attr,
	&dev_attr_discard.attr,
	&dev_attr_discard_secure.attr,
	&dev_attr_trusted.attr,
	&dev_attr_bounce.attr,
	&dev_attr_requests_read.attr,
	&dev_attr_requests_write.attr,
	&dev_attr_requests_flush.attr,
	&dev_attr_requests_discard.attr,
	&dev_attr_requests_indirect.attr,
	&dev_attr_request_errors.attr,
	&dev_attr_grants_in_use.attr,
	&dev_attr_grants_granted.attr,
	&dev_attr_grants_revoked.attr,
	&dev_attr_persistent_hits.attr,
	&dev_attr_bounce_copies.attr,
	&dev_attr_in_flight.attr,
	&dev_attr_in_flight_peak.attr,
	&dev_attr_batches.attr,
	&dev_attr_batch_requests.attr,
	&dev_attr_interrupts.attr,
	&dev_attr_polled_completions.attr,
	&dev_attr_latency_read.attr,
	&dev_attr_latency_write.attr,
	&dev_attr_latency_flush.attr,
	&dev_attr_latency_discard.attr,
	NULL,
};

static const struct attribute_group blkfront_group = {
	.name = "xen-blkfront",
	.attrs = blkfront_attrs,
};

const struct attribute_group *blkfront_groups[] = {
	&blkfront_group,
	NULL,
};
