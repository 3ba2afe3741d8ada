// SPDX-License-Identifier: MIT
/* hello: the smallest test guest; checks what ferry told it. */
#include <libfdt.h>
#include "lib/guest.h"

int main(void)
{
	int mem, len;
	const char *args;

	puts_("hello from a ferry test guest\n");
	report(fdt_check_header(guest_fdt) == 0, "device tree header valid");
	mem = fdt_path_offset(guest_fdt, "/memory@0");
	report(mem >= 0 && fdt_getprop(guest_fdt, mem, "reg", &len) &&
		       len == 16,
	       "memory node describes RAM at 0");
	report(fdt_path_offset(guest_fdt, "/isa/serial@i3f8") >= 0,
	       "serial port listed");
	report(fdt_path_offset(guest_fdt, "/isa/debug-exit@if4") >= 0,
	       "debug-exit port listed");
	args = fdt_bootargs();
	report(args != NULL, "command line: '%s'", args ? args : "(none)");
	report(fdt_count_cpus() >= 1, "%d vCPU(s) listed", fdt_count_cpus());
	/* fail=1 exercises the failure path of the harness and of ferry. */
	if (bootarg_ulong("fail", 0))
		report(0, "deliberate failure (fail=1)");
	report_summary();
}
