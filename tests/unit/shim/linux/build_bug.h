/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XEN_BLK_SHIM_LINUX_BUILD_BUG_H
#define XEN_BLK_SHIM_LINUX_BUILD_BUG_H
#include <assert.h>
#define BUILD_BUG_ON(c) static_assert(!(c), #c)
#endif
