/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences between the kernels xen-blk builds for
 * (Debian 12's Linux 6.1 and 6.12), kept in one place.  Each helper has one
 * body per kernel; callers never test LINUX_VERSION_CODE themselves.
 */

#ifndef XEN_BLK_COMPAT_H
#define XEN_BLK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/fs.h>
#include <linux/file.h>

/* XEN_BLK_KERNEL_6_12 (0 or 1) comes from the drivers' Makefiles. */
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
 * xen_blk_bdev_open() - open a block device exclusively
 * @xb: filled in on success
 * @devt: device number
 * @write: open for writing as well as reading
 * @holder: exclusive holder cookie
 *
 * Return: 0 or a negative errno.
 */
static inline int xen_blk_bdev_open(struct xen_blk_bdev *xb, dev_t devt,
				    bool write, void *holder)
{
#if XEN_BLK_KERNEL_6_12
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);
	struct file *f = bdev_file_open_by_dev(devt, mode, holder, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	xb->handle = f;
	xb->bdev = file_bdev(f);
#else
	fmode_t mode = FMODE_READ | FMODE_EXCL | (write ? FMODE_WRITE : 0);
	struct block_device *b = blkdev_get_by_dev(devt, mode, holder);

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
	blkdev_put(xb->bdev, FMODE_READ | FMODE_EXCL |
		   (xb->write ? FMODE_WRITE : 0));
#endif
	xb->bdev = NULL;
}

#endif /* XEN_BLK_COMPAT_H */
