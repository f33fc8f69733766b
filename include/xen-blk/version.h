/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The version of xen-blk, in one place: both drivers report it
 * (MODULE_VERSION: modinfo, /sys/module/<name>/version), dkms.conf and
 * scripts/deb.sh read it from the line below, so keep its form.
 */

#ifndef XEN_BLK_VERSION_H
#define XEN_BLK_VERSION_H

#define XEN_BLK_VERSION "0.9.0"

#endif /* XEN_BLK_VERSION_H */
