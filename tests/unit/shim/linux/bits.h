/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XEN_BLK_SHIM_LINUX_BITS_H
#define XEN_BLK_SHIM_LINUX_BITS_H
#define BIT(n) (1UL << (n))
#endif
