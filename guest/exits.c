// SPDX-License-Identifier: MIT
/* exits: a loop of PIO and MMIO exits, for bench/exits. */
#include "lib/guest.h"

#define COM1_SCRATCH 0x3ff
#define UNCLAIMED_MMIO 0xd0000000ULL

int main(void)
{
	unsigned long pio = bootarg_ulong("pio", 1000);
	unsigned long mmio = bootarg_ulong("mmio", 1000);
	unsigned long i;
	uint32_t v = 0;
	int scratch_ok;

	/* A device register round trip, then the timed loops. */
	outb(COM1_SCRATCH, 0x5a);
	scratch_ok = inb(COM1_SCRATCH) == 0x5a;
	for (i = 0; i < pio; i++)
		outb(COM1_SCRATCH, (uint8_t)i);
	for (i = 0; i < mmio; i++)
		v |= ~mmio_read32(UNCLAIMED_MMIO);
	report(scratch_ok, "UART scratch register holds a value");
	report(v == 0, "%lu unclaimed MMIO reads all returned all-ones", mmio);
	printf_("exits: pio=%lu mmio=%lu\n", pio, mmio);
	report_summary();
}
