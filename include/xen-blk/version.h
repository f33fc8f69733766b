/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The version of xen-blk, in one place: both drivers report it
 * (MODULE_VERSION: modinfo, /sys/module/<name>/version); dkms.conf, the
 * Debian package (scripts/deb.sh) and the checks read it from the line
 * below with sed, so keep its form.
 */

#ifndef XEN_BLK_VERSION_H
#define XEN_BLK_VERSION_H

#define XEN_BLK_VERSION "0.9.0"

#endif /* XEN_BLK_VERSION_H */
