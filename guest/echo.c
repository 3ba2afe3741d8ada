// SPDX-License-Identifier: MIT
/*
 * echo: reads a line typed on the console (the UART's receiver) and
 * prints it back, then exits; with wait=1 it reads forever (for Ctrl-A x).
 */
#include "lib/guest.h"

#define COM1 0x3f8
#define LSR_DR 0x01

static char getchar_(void)
{
	while (!(inb(COM1 + 5) & LSR_DR))
		cpu_relax();
	return (char)inb(COM1);
}

int main(void)
{
	char line[80];
	unsigned int n = 0;
	int forever = (int)bootarg_ulong("wait", 0);

	puts_("type a line:\n");
	for (;;) {
		char c = getchar_();

		if (c == '\r' || c == '\n') {
			if (!forever)
				break;
			continue;
		}
		if (n < sizeof(line) - 1)
			line[n++] = c;
	}
	line[n] = '\0';
	printf_("got: [%s]\n", line);
	report(n > 0, "read %u characters from the console", n);
	report_summary();
}
