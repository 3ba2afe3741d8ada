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

void report_summary(void)
{
	printf_("SUMMARY: %u tests, %u unexpected failures\n", tests, failures);
	debug_exit(failures || !tests ? 1 : 0);
}
