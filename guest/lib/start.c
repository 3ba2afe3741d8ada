// SPDX-License-Identifier: MIT
/* C start-up of test guests: dispatch vCPUs, halt, exit and reboot. */
#include "guest.h"

const void *guest_fdt;

void guest_start(const void *fdt, unsigned long cpu);

__attribute__((weak)) void secondary_main(unsigned int cpu)
{
	(void)cpu;
}

void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
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

void guest_start(const void *fdt, unsigned long cpu)
{
	/* Every vCPU gets the IDT: an exception is reported, not a silent
	 * triple fault. */
	irq_init();
	if (cpu == 0) {
		guest_fdt = fdt;
		debug_exit((uint32_t)main());
	}
	secondary_main((unsigned int)cpu);
	halt_forever();
}
