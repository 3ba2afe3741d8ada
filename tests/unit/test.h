/* SPDX-License-Identifier: MIT */
/* A TAP-printing check harness for host-only unit tests. */
#ifndef FERRY_TEST_H
#define FERRY_TEST_H

#include <stdio.h>
#include <string.h>

static int test_count, test_failed;

static inline int check_(int ok, const char *what, const char *file, int line)
{
	test_count++;
	if (ok) {
		printf("ok %d - %s\n", test_count, what);
	} else {
		test_failed++;
		printf("not ok %d - %s (%s:%d)\n", test_count, what, file, line);
	}
	return ok;
}

/* CHECK(cond): one TAP test point named after the condition. */
#define CHECK(cond) check_(!!(cond), #cond, __FILE__, __LINE__)
/* CHECK_MSG(cond, name): a test point with a readable name. */
#define CHECK_MSG(cond, name) check_(!!(cond), name, __FILE__, __LINE__)

static inline int test_done(void)
{
	printf("1..%d\n", test_count);
	return test_failed ? 1 : 0;
}

#endif
