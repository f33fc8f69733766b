/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XEN_BLK_SHIM_LINUX_ERRNO_H
#define XEN_BLK_SHIM_LINUX_ERRNO_H
/* libc's errno.h includes <linux/errno.h> (this file): get the values first */
#include <asm/errno.h>
#include <errno.h>
#endif
