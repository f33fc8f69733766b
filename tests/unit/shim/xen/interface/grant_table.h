/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: the only grant-table fact the ring code needs. */
#ifndef XEN_BLK_SHIM_GRANT_TABLE_H
#define XEN_BLK_SHIM_GRANT_TABLE_H
#include <stdint.h>
typedef uint32_t grant_ref_t;
#endif
