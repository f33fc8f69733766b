/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test runner for the pure-logic unit tests.  Each test case is a
 * function; UNIT_CHECK records a failure with its location and goes on.
 * Output: one "PASS: name" or "FAIL: name: why" line per case, then a
 * summary; the exit status is non-zero when any case failed.
 */
#ifndef XEN_BLK_UNIT_H
#define XEN_BLK_UNIT_H
#include <stdio.h>
#include <stdlib.h>

static int unit_case_failed;
static int unit_passed, unit_failed;

#define UNIT_CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_case_failed = 1;					\
	}								\
} while (0)

#define UNIT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("  %s:%d: %s == %lld, expected %s == %lld\n",	\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
		unit_case_failed = 1;					\
	}								\
} while (0)

#define UNIT_RUN(fn) do {						\
	unit_case_failed = 0;						\
	fn();								\
	if (unit_case_failed) {						\
		printf("FAIL: %s\n", #fn);				\
		unit_failed++;						\
	} else {							\
		printf("PASS: %s\n", #fn);				\
		unit_passed++;						\
	}								\
} while (0)

static inline int unit_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}
#endif
