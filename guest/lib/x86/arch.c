// SPDX-License-Identifier: MIT
/* The x86_64 side of the test-guest library's API: ports, APIC, reset. */
#include "../guest.h"

void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void debug_exit_write(unsigned int width, uint32_t v)
{
	if (width == 1)
		outb(DEBUG_EXIT_PORT, (uint8_t)v);
	else if (width == 2)
		outw(DEBUG_EXIT_PORT, (uint16_t)v);
	else if (width == 4)
		outl(DEBUG_EXIT_PORT, v);
}

void debug_exit(uint32_t v)
{
	outl(DEBUG_EXIT_PORT, v);
	halt_forever();
}

void reboot(void)
{
	outb(0x64, 0xfe);
	halt_forever();
}

uint8_t uart_read(unsigned int reg)
{
	return inb((uint16_t)(COM1 + reg));
}

void uart_write(unsigned int reg, uint8_t v)
{
	outb((uint16_t)(COM1 + reg), v);
}

unsigned int cpu_hw_id(void)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}

void intx_route(unsigned int line, unsigned int vector)
{
	ioapic_route(line, vector, 1);
}

int msi_message(unsigned int devid, unsigned int vector, uint64_t *addr,
		uint32_t *data)
{
	(void)devid;
	/* Fixed delivery to this CPU's LAPIC, edge. */
	*addr = 0xfee00000u | lapic_id() << 12;
	*data = vector & 0xff;
	return 0;
}

void arch_start_secondaries(void)
{
	/* ferry starts every vCPU at the entry point itself. */
}
