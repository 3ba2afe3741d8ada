// SPDX-License-Identifier: MIT
/*
 * echo: reads a line typed on the console (the UART's receiver) and
 * prints it back, control characters as ^X, then exits; with wait=1 it
 * reads forever (for Ctrl-A x). With idle=N it instead polls the
 * receiver N times and passes only if nothing at all arrived (ferry must
 * not read a stdin that is not a terminal).
 */
#include "lib/guest.h"

#define UART_LSR 5
#define LSR_DR 0x01

static char getchar_(void)
{
	while (!(uart_read(UART_LSR) & LSR_DR))
		cpu_relax();
	return (char)uart_read(0);
}

static void idle(unsigned long polls)
{
	unsigned long i, got = 0;

	puts_("listening\n");
	for (i = 0; i < polls; i++)
		if (uart_read(UART_LSR) & LSR_DR) {
			got++;
			printf_("received 0x%x\n", uart_read(0));
		}
	report(got == 0, "no input in %lu polls of the receiver (%lu bytes)",
	       polls, got);
	report_summary();
}

int main(void)
{
	char line[80];
	unsigned int n = 0, i;
	int forever = (int)bootarg_ulong("wait", 0);

	if (bootarg_ulong("idle", 0))
		idle(bootarg_ulong("idle", 0));
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
	puts_("got: [");
	for (i = 0; i < n; i++) {
		if ((unsigned char)line[i] < 0x20) {
			putchar_('^');
			putchar_((char)(line[i] + '@'));
		} else {
			putchar_(line[i]);
		}
	}
	puts_("]\n");
	report(n > 0, "read %u characters from the console", n);
	report_summary();
}
