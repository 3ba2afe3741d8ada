// SPDX-License-Identifier: MIT
/*
 * debug-exit: writes value=V to the debug-exit port as a width=1, 2 or 4
 * byte access; ferry exits with (V << 1) | 1, masked to 8 bits. Anything
 * else ends with 0x3f (status 127), which no test expects.
 */
#include "lib/guest.h"

int main(void)
{
	unsigned long v = bootarg_ulong("value", 0);
	unsigned long width = bootarg_ulong("width", 4);

	printf_("debug-exit: writing 0x%lx as %lu bytes\n", v, width);
	debug_exit_write((unsigned int)width, (uint32_t)v);
	printf_("debug-exit: still running (width %lu)\n", width);
	return 0x3f;
}
