/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/kernel.h>: snprintf (libc's) and
 * scnprintf, which returns what it wrote, not what it would have written.
 */
#ifndef XEN_BLK_SHIM_LINUX_KERNEL_H
#define XEN_BLK_SHIM_LINUX_KERNEL_H
#include <stdarg.h>
#include <stdio.h>

static inline __attribute__((format(printf, 3, 4)))
int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	if (!size)
		return 0;
	va_start(args, fmt);
	n = vsnprintf(buf, size, fmt, args);
	va_end(args);
	if (n < 0)
		return 0;
	return (size_t)n < size ? n : (int)(size - 1);
}
#endif
