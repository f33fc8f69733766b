/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/compiler.h>: READ_ONCE for pure-logic code.
 * A byte copy, since the 32-bit guest layout is packed and UBSan would flag
 * the misaligned loads the kernel's version makes (x86 allows them).
 */
#ifndef XEN_BLK_SHIM_LINUX_COMPILER_H
#define XEN_BLK_SHIM_LINUX_COMPILER_H
#define READ_ONCE(x) ({						\
	union {								\
		__typeof__(x) v;					\
		char b[sizeof(x)];					\
	} __ro_u;							\
	__builtin_memcpy(__ro_u.b, (const void *)&(x), sizeof(x));	\
	__ro_u.v;							\
})
#endif
