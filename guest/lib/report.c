// SPDX-License-Identifier: MIT
/* report()/report_summary() in the style of kvm-unit-tests. */
#include "guest.h"

static unsigned int tests, failures;

void report(int pass, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!pass)
		failures++;
	puts_(pass ? "PASS: " : "FAIL: ");
	va_start(ap, fmt);
	vprintf_(fmt, ap);
	va_end(ap);
	putchar_('\n');
}

int report_print_summary(void)
{
	printf_("SUMMARY: %u tests, %u unexpected failures\n", tests, failures);
	return failures || !tests;
}

void report_summary(void)
{
	debug_exit(report_print_summary() ? 1 : 0);
}
