// SPDX-License-Identifier: MIT
/* C start-up of test guests: the boot vCPU runs main(), the others
 * secondary_main(). */
#include "guest.h"

const void *guest_fdt;

void guest_start(const void *fdt, unsigned long cpu);

__attribute__((weak)) void secondary_main(unsigned int cpu)
{
	(void)cpu;
}

void guest_start(const void *fdt, unsigned long cpu)
{
	/* Every vCPU gets the IDT: an exception is reported, not a silent
	 * triple fault. */
	irq_init();
	if (cpu == 0) {
		guest_fdt = fdt;
		arch_start_secondaries();
		debug_exit((uint32_t)main());
	}
	secondary_main((unsigned int)cpu);
	halt_forever();
}
