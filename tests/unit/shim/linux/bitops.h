/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/bitops.h>: fls64 for pure-logic code. */
#ifndef XEN_BLK_SHIM_LINUX_BITOPS_H
#define XEN_BLK_SHIM_LINUX_BITOPS_H
#include <linux/types.h>
static inline unsigned int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}
#endif
