// SPDX-License-Identifier: GPL-2.0
/* xen-blkback: the tracepoints of trace.h are defined here, once. */
#define CREATE_TRACE_POINTS
#include "trace.h"
