// SPDX-License-Identifier: MIT
/*
 * hello: the smallest test guest; checks what ferry told it. The test
 * says what command line it gave: expect=W1,W2,... lists the other words
 * in order, so the whole line must read "W1 W2 ... expect=W1,W2,...";
 * no expect= means the line must be empty.
 */
#include <libfdt.h>
#include "lib/guest.h"

#define MAX_ARGS 256

/* The command line the test's expect= describes, into @want. */
static void expected_cmdline(char *want)
{
	char words[MAX_ARGS];
	size_t i, n;

	want[0] = '\0';
	if (!bootarg_str("expect", words, sizeof(words)))
		return;
	n = strlen(words);
	for (i = 0; i < n; i++)
		want[i] = words[i] == ',' ? ' ' : words[i];
	if (n)
		want[n++] = ' ';
	memcpy(want + n, "expect=", 7);
	memcpy(want + n + 7, words, strlen(words) + 1);
}

int main(void)
{
	char want[2 * MAX_ARGS + 8];
	const char *args;
	int mem, len;

	puts_("hello from a ferry test guest\n");
	report(fdt_check_header(guest_fdt) == 0, "device tree header valid");
	mem = fdt_path_offset(guest_fdt, GUEST_FDT_MEMORY);
	report(mem >= 0 && fdt_getprop(guest_fdt, mem, "reg", &len) &&
		       len == 16,
	       "memory node describes RAM at %s", GUEST_FDT_MEMORY + 8);
	report(fdt_path_offset(guest_fdt, GUEST_FDT_SERIAL) >= 0,
	       "serial port listed");
	report(fdt_path_offset(guest_fdt, GUEST_FDT_DEBUG_EXIT) >= 0,
	       "debug-exit port listed");
	args = fdt_bootargs();
	expected_cmdline(want);
	report(args && strncmp(args, want, sizeof(want)) == 0,
	       "command line: '%s' (expected '%s')", args ? args : "(none)",
	       want);
	report(fdt_count_cpus() >= 1, "%d vCPU(s) listed", fdt_count_cpus());
	/* fail=1 exercises the failure path of the harness and of ferry. */
	if (bootarg_ulong("fail", 0))
		report(0, "deliberate failure (fail=1)");
	report_summary();
}
