/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test runner for the pure-logic unit tests.  A test case is a
 * KUnit-shaped function, static void name(struct kunit *test), whose
 * UNIT_CHECK and UNIT_EQ record a failure with its location and go on; a
 * test file lists its cases once, at its end, in KUnit's own form:
 *
 *	static struct kunit_case foo_cases[] = {
 *		KUNIT_CASE(first_case),
 *		KUNIT_CASE(second_case),
 *		{}
 *	};
 *
 *	UNIT_SUITE(foo, foo_cases);
 *
 * The same file builds three ways:
 * - a userspace program (`make unit`), where this header supplies
 *   struct kunit_case and KUNIT_CASE: one "PASS: name" or "FAIL: name"
 *   line per case, then a summary; the exit status is non-zero when any
 *   case failed;
 * - a kernel module holding the KUnit suite foo (__KERNEL__, `make -C
 *   tests/unit kunit`, needs CONFIG_KUNIT): a failed check fails the
 *   running KUnit case with the same message;
 * - UNIT_LIST, the preprocessor only (`make -C tests/unit cases`): the
 *   suite's name and the cases the source lists, as the words
 *   "UNIT_LISTED_SUITE foo" and "UNIT_LISTED_CASE first_case" in its
 *   output.
 */
#ifndef XEN_BLK_UNIT_H
#define XEN_BLK_UNIT_H

#define UNIT_CHECK(cond) do {						\
	if (!(cond))							\
		unit_check_failed(__FILE__, __LINE__, #cond);		\
} while (0)

#define UNIT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b)							\
		unit_eq_failed(__FILE__, __LINE__, #a, _a, #b, _b);	\
} while (0)

#if defined(UNIT_LIST)

#define KUNIT_CASE(fn) (UNIT_LISTED_CASE fn)
#define UNIT_SUITE(name, cases) (UNIT_LISTED_SUITE name cases)

#elif defined(__KERNEL__)

#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/module.h>
#include <linux/string.h>

static inline void unit_check_failed(const char *file, int line,
				     const char *cond)
{
	KUNIT_FAIL(kunit_get_current_test(), "%s:%d: check failed: %s",
		   file, line, cond);
}

static inline void unit_eq_failed(const char *file, int line,
				  const char *a, long long va,
				  const char *b, long long vb)
{
	KUNIT_FAIL(kunit_get_current_test(),
		   "%s:%d: %s == %lld, expected %s == %lld",
		   file, line, a, va, b, vb);
}

/* one test module per test file, holding one suite */
#define UNIT_SUITE(sname, cases)					\
	static struct kunit_suite sname##_suite = {			\
		.name = #sname,						\
		.test_cases = cases,					\
	};								\
	kunit_test_suite(sname##_suite);				\
	MODULE_DESCRIPTION("xen-blk unit tests as KUnit suite " #sname); \
	MODULE_LICENSE("GPL")

#else /* userspace */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kunit;	/* KUnit's test context: nothing in userspace */

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

#define KUNIT_CASE(fn) { .run_case = fn, .name = #fn }

static int unit_case_failed;

static inline void unit_check_failed(const char *file, int line,
				     const char *cond)
{
	printf("  %s:%d: check failed: %s\n", file, line, cond);
	unit_case_failed = 1;
}

static inline void unit_eq_failed(const char *file, int line,
				  const char *a, long long va,
				  const char *b, long long vb)
{
	printf("  %s:%d: %s == %lld, expected %s == %lld\n",
	       file, line, a, va, b, vb);
	unit_case_failed = 1;
}

static inline int unit_run_suite(const char *suite,
				 const struct kunit_case *c)
{
	int passed = 0, failed = 0;

	for (; c->name; c++) {
		unit_case_failed = 0;
		c->run_case(NULL);
		printf("%s: %s\n", unit_case_failed ? "FAIL" : "PASS", c->name);
		if (unit_case_failed)
			failed++;
		else
			passed++;
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}

/* the final declaration takes the semicolon after UNIT_SUITE() */
#define UNIT_SUITE(sname, cases)					\
	int main(void)							\
	{								\
		exit(unit_run_suite(#sname, cases));			\
	}								\
	struct kunit

#endif
#endif
