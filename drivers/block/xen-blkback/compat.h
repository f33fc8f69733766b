/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block-layer calls of xen-blkback whose API differs between kernels:
 * opening, closing and invalidating the served block device.
 *
 * xen-blkback is also maintained out of tree, for Debian 12's Linux 6.1 and
 * 6.12, and these calls changed between them.  They sit behind helpers so
 * that the rest of the driver reads the same for every kernel and never
 * tests the kernel version: out of tree each helper has one body per kernel
 * (XEN_BLK_KERNEL_6_12, 0 or 1, set by the Makefile), in tree only the
 * current kernel's.
 */

#ifndef XEN_BLKBACK_COMPAT_H
#define XEN_BLKBACK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/pagemap.h>

#ifndef XEN_BLK_KERNEL_6_12
#error "XEN_BLK_KERNEL_6_12 must be set by the build"
#endif

/* ------------------------------------------------------------------ */
/* Opening a block device by number (backend)                          */
/* ------------------------------------------------------------------ */

/**
 * struct xen_blk_bdev - an opened block device, whatever the kernel's handle
 * @bdev: the block device
 * @handle: what must be handed back to close it (a file on 6.12)
 * @write: opened for writing
 */
struct xen_blk_bdev {
	struct block_device *bdev;
#if XEN_BLK_KERNEL_6_12
	struct file *handle;
#endif
	bool write;
};

/**
 * xen_blk_bdev_open() - open a block device, shared
 * @xb: filled in on success
 * @devt: device number
 * @write: open for writing as well as reading
 *
 * Not exclusive, as upstream's backend opens it: several disks may serve
 * one read-only image, and a device dom0 holds itself (a mounted file
 * system, a device-mapper table over it) is served too.  Keeping writers
 * apart is the hotplug script's business (it refuses to share a device in
 * mode 'w').
 *
 * Return: 0 or a negative errno.
 */
static inline int xen_blk_bdev_open(struct xen_blk_bdev *xb, dev_t devt,
				    bool write)
{
#if XEN_BLK_KERNEL_6_12
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);
	struct file *f = bdev_file_open_by_dev(devt, mode, NULL, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	xb->handle = f;
	xb->bdev = file_bdev(f);
#else
	fmode_t mode = FMODE_READ | (write ? FMODE_WRITE : 0);
	struct block_device *b = blkdev_get_by_dev(devt, mode, NULL);

	if (IS_ERR(b))
		return PTR_ERR(b);
	xb->bdev = b;
#endif
	xb->write = write;
	return 0;
}

/**
 * xen_blk_bdev_close() - release what xen_blk_bdev_open() opened
 * @xb: the opened device; cleared on return
 */
static inline void xen_blk_bdev_close(struct xen_blk_bdev *xb)
{
	if (!xb->bdev)
		return;
#if XEN_BLK_KERNEL_6_12
	fput(xb->handle);
	xb->handle = NULL;
#else
	blkdev_put(xb->bdev, FMODE_READ | (xb->write ? FMODE_WRITE : 0));
#endif
	xb->bdev = NULL;
}

/**
 * xen_blk_bdev_invalidate() - drop dom0's page cache of an opened device
 * @xb: the opened device (written back by the caller first)
 *
 * Return: 0, or -EBUSY when some page could not be dropped.
 */
static inline int xen_blk_bdev_invalidate(struct xen_blk_bdev *xb)
{
#if XEN_BLK_KERNEL_6_12
	return invalidate_inode_pages2(xb->handle->f_mapping);
#else
	return invalidate_inode_pages2(xb->bdev->bd_inode->i_mapping);
#endif
}

#endif /* XEN_BLKBACK_COMPAT_H */
