/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkfront: tracepoints, under events/xen_blkfront/ in tracefs, named
 * blkfront_*.  The backend has the same events with blkback_ for blkfront_
 * (events/xen_blkback/), so that one trace of both sides reads alike.
 * Devices are named as in sysfs (vbd-<virtual-device>).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xen_blkfront

#if !defined(XEN_BLKFRONT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XEN_BLKFRONT_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

/* long enough for any device name, and for any reason of a violation */
#define BLKFRONT_TRACE_DEV_LEN	24
#define BLKFRONT_TRACE_WHY_LEN	48

#define blkfront_trace_xenbus_state(s)					\
	__print_symbolic(s, { 0, "Unknown" }, { 1, "Initialising" },	\
			 { 2, "InitWait" }, { 3, "Initialised" },	\
			 { 4, "Connected" }, { 5, "Closing" },		\
			 { 6, "Closed" }, { 7, "Reconfiguring" },	\
			 { 8, "Reconfigured" })

/* a request taken up: put on the ring (front), taken off it (back) */
TRACE_EVENT(blkfront_req_queued,
	    TP_PROTO(const char *dev, unsigned int ring, u64 id, u8 op,
		     u64 sector, u64 nr_sectors, unsigned int nseg),
	    TP_ARGS(dev, ring, id, op, sector, nr_sectors, nseg),
	    TP_STRUCT__entry(__array(char, dev, BLKFRONT_TRACE_DEV_LEN)
			     __field(unsigned int, ring)
			     __field(u64, id)
			     __field(u8, op)
			     __field(u64, sector)
			     __field(u64, nr_sectors)
			     __field(unsigned int, nseg)),
	    TP_fast_assign(strscpy(__entry->dev, dev, BLKFRONT_TRACE_DEV_LEN);
			   __entry->ring = ring;
			   __entry->id = id;
			   __entry->op = op;
			   __entry->sector = sector;
			   __entry->nr_sectors = nr_sectors;
			   __entry->nseg = nseg;),
	    TP_printk("%s ring=%u id=%llu op=%u sector=%llu nr_sectors=%llu nseg=%u",
		      __entry->dev,
		      __entry->ring,
		      __entry->id,
		      __entry->op,
		      __entry->sector,
		      __entry->nr_sectors,
		      __entry->nseg)
);

/* its response: received (front), written (back); latency in us */
TRACE_EVENT(blkfront_req_completed,
	    TP_PROTO(const char *dev, unsigned int ring, u64 id, u8 op,
		     u64 nr_sectors, unsigned int nseg, s16 status,
		     u64 latency_us),
	    TP_ARGS(dev, ring, id, op, nr_sectors, nseg, status, latency_us),
	    TP_STRUCT__entry(__array(char, dev, BLKFRONT_TRACE_DEV_LEN)
			     __field(unsigned int, ring)
			     __field(u64, id)
			     __field(u8, op)
			     __field(u64, nr_sectors)
			     __field(unsigned int, nseg)
			     __field(s16, status)
			     __field(u64, latency_us)),
	    TP_fast_assign(strscpy(__entry->dev, dev, BLKFRONT_TRACE_DEV_LEN);
			   __entry->ring = ring;
			   __entry->id = id;
			   __entry->op = op;
			   __entry->nr_sectors = nr_sectors;
			   __entry->nseg = nseg;
			   __entry->status = status;
			   __entry->latency_us = latency_us;),
	    TP_printk("%s ring=%u id=%llu op=%u nr_sectors=%llu nseg=%u status=%d latency_us=%llu",
		      __entry->dev,
		      __entry->ring,
		      __entry->id,
		      __entry->op,
		      __entry->nr_sectors,
		      __entry->nseg,
		      __entry->status,
		      __entry->latency_us)
);

/* grants, @nr at a time */
DECLARE_EVENT_CLASS(blkfront_grant_class,
		    TP_PROTO(const char *dev, unsigned int ring,
			     unsigned int nr),
		    TP_ARGS(dev, ring, nr),
		    TP_STRUCT__entry(__array(char, dev, BLKFRONT_TRACE_DEV_LEN)
				     __field(unsigned int, ring)
				     __field(unsigned int, nr)),
		    TP_fast_assign(strscpy(__entry->dev, dev, BLKFRONT_TRACE_DEV_LEN);
				   __entry->ring = ring;
				   __entry->nr = nr;),
		    TP_printk("%s ring=%u nr=%u",
			      __entry->dev,
			      __entry->ring,
			      __entry->nr)
);

/* the pages of one request granted to the backend (not persistent hits) */
DEFINE_EVENT(blkfront_grant_class, blkfront_grant_map,
	     TP_PROTO(const char *dev, unsigned int ring, unsigned int nr),
	     TP_ARGS(dev, ring, nr)
);

/* the grants of one request revoked (after its response, or a failure) */
DEFINE_EVENT(blkfront_grant_class, blkfront_grant_unmap,
	     TP_PROTO(const char *dev, unsigned int ring, unsigned int nr),
	     TP_ARGS(dev, ring, nr)
);

/* the grants kept across requests revoked, as the ring goes */
DEFINE_EVENT(blkfront_grant_class, blkfront_grant_purge,
	     TP_PROTO(const char *dev, unsigned int ring, unsigned int nr),
	     TP_ARGS(dev, ring, nr)
);

/* the other end changed state; @local is ours as it did */
TRACE_EVENT(blkfront_state_change,
	    TP_PROTO(const char *dev, int local, int remote),
	    TP_ARGS(dev, local, remote),
	    TP_STRUCT__entry(__array(char, dev, BLKFRONT_TRACE_DEV_LEN)
			     __field(int, local)
			     __field(int, remote)),
	    TP_fast_assign(strscpy(__entry->dev, dev, BLKFRONT_TRACE_DEV_LEN);
			   __entry->local = local;
			   __entry->remote = remote;),
	    TP_printk("%s local=%s remote=%s",
		      __entry->dev,
		      blkfront_trace_xenbus_state(__entry->local),
		      blkfront_trace_xenbus_state(__entry->remote))
);

/* the backend broke the protocol: what, and the offending value */
TRACE_EVENT(blkfront_protocol_violation,
	    TP_PROTO(const char *dev, unsigned int ring, const char *why,
		     u64 val),
	    TP_ARGS(dev, ring, why, val),
	    TP_STRUCT__entry(__array(char, dev, BLKFRONT_TRACE_DEV_LEN)
			     __field(unsigned int, ring)
			     __array(char, why, BLKFRONT_TRACE_WHY_LEN)
			     __field(u64, val)),
	    TP_fast_assign(strscpy(__entry->dev, dev, BLKFRONT_TRACE_DEV_LEN);
			   __entry->ring = ring;
			   strscpy(__entry->why, why, BLKFRONT_TRACE_WHY_LEN);
			   __entry->val = val;),
	    TP_printk("%s ring=%u %s: %llu",
		      __entry->dev,
		      __entry->ring,
		      __entry->why,
		      __entry->val)
);

#endif /* XEN_BLKFRONT_TRACE_H */

/* define_trace.h finds this file by its directory (-I$(src)) */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
