// SPDX-License-Identifier: MIT
/*
 * exits: loops of PIO and MMIO exits, for bench/run and the --stats test:
 * pio=N UART scratch writes, mmio=N unclaimed MMIO reads and wmmio=N
 * unclaimed MMIO writes (which ferry logs, rate-limited), pit=N reads of
 * the PIT's counter 0 (x86: port 0x40; no exit where KVM's PIT exists,
 * an unclaimed port exit where it does not). With spam=1
 * the PIO loop prints a line every 64 iterations instead (console
 * output that can fill a pipe).
 */
#include "lib/guest.h"

#define UART_SCR 7 /* the 16550A's scratch register */

int main(void)
{
	unsigned long pio = bootarg_ulong("pio", 1000);
	unsigned long mmio = bootarg_ulong("mmio", 1000);
	unsigned long wmmio = bootarg_ulong("wmmio", 0);
#ifdef GUEST_PIT_COUNTER0
	unsigned long pit = bootarg_ulong("pit", 0);
#else
	unsigned long pit = 0; /* a board without a PIT */
#endif
	int spam = (int)bootarg_ulong("spam", 0);
	unsigned long i;
	uint32_t v = 0;
	int scratch_ok;

	/* A device register round trip, then the timed loops. */
	uart_write(UART_SCR, 0x5a);
	scratch_ok = uart_read(UART_SCR) == 0x5a;
	for (i = 0; i < pio; i++) {
		if (spam && !(i & 63))
			printf_("console output line %lu\n", i);
		else
			uart_write(UART_SCR, (uint8_t)i);
	}
	for (i = 0; i < mmio; i++)
		v |= ~mmio_read32(GUEST_UNCLAIMED_MMIO);
	for (i = 0; i < wmmio; i++)
		mmio_write32(GUEST_UNCLAIMED_MMIO, (uint32_t)i);
#ifdef GUEST_PIT_COUNTER0
	for (i = 0; i < pit; i++)
		v |= (uint32_t)(inb(GUEST_PIT_COUNTER0) ^ 0xff);
#endif
	report(scratch_ok, "UART scratch register holds a value");
	report(v == 0, "%lu unclaimed MMIO and %lu PIT reads all returned "
	       "all-ones", mmio, pit);
	printf_("exits: pio=%lu mmio=%lu wmmio=%lu\n", pio, mmio, wmmio);
	report_summary();
}
