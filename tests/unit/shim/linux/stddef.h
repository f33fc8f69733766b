/* SPDX-License-Identifier: GPL-2.0 */
#include <stddef.h>
