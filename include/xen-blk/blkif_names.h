/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the blkif operations and response statuses, for the log lines of
 * both drivers: a number read off the ring is printed with its name, so that
 * an administrator need not look the value up in io/blkif.h.
 */
#ifndef XEN_BLK_BLKIF_NAMES_H
#define XEN_BLK_BLKIF_NAMES_H

#include <linux/types.h>
#include <xen/interface/io/blkif.h>

/**
 * xen_blkif_op_name() - name of a blkif operation
 * @op: a BLKIF_OP_* value, or whatever a peer put in the operation field
 *
 * Return: a static string, "unknown" for a value the protocol does not
 * define.
 */
static inline const char *xen_blkif_op_name(u8 op)
{
	switch (op) {
	case BLKIF_OP_READ:
		return "read";
	case BLKIF_OP_WRITE:
		return "write";
	case BLKIF_OP_WRITE_BARRIER:
		return "barrier";
	case BLKIF_OP_FLUSH_DISKCACHE:
		return "flush";
	case BLKIF_OP_DISCARD:
		return "discard";
	case BLKIF_OP_INDIRECT:
		return "indirect";
	default:
		return "unknown";
	}
}

/**
 * xen_blkif_status_name() - name of a blkif response status
 * @status: a BLKIF_RSP_* value, or whatever a peer put in the status field
 *
 * Return: a static string, "unknown" for a value the protocol does not
 * define.
 */
static inline const char *xen_blkif_status_name(s16 status)
{
	switch (status) {
	case BLKIF_RSP_OKAY:
		return "okay";
	case BLKIF_RSP_ERROR:
		return "error";
	case BLKIF_RSP_EOPNOTSUPP:
		return "not supported";
	default:
		return "unknown";
	}
}

#endif /* XEN_BLK_BLKIF_NAMES_H */
