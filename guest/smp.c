// SPDX-License-Identifier: MIT
/*
 * smp: every vCPU checks in; each must see its index as its hardware ID
 * (x86: the APIC ID in CPUID; arm64: MPIDR, after PSCI CPU_ON). The
 * test says how many vCPUs it asked for (cpus=N), so a ferry that listed
 * and started fewer fails; without cpus= the device tree's count is used.
 */
#include "lib/guest.h"

static volatile unsigned int checked_in;
static volatile uint8_t apic_id_ok[GUEST_MAX_CPUS];

void secondary_main(unsigned int cpu)
{
	apic_id_ok[cpu] = cpu_hw_id() == cpu;
	__atomic_fetch_add(&checked_in, 1, __ATOMIC_SEQ_CST);
}

int main(void)
{
	unsigned int listed = (unsigned int)fdt_count_cpus(), i, ok = 1;
	unsigned int want = (unsigned int)bootarg_ulong("cpus", listed);
	unsigned long spins = bootarg_ulong("spins", 20000000);

	apic_id_ok[0] = cpu_hw_id() == 0;
	__atomic_fetch_add(&checked_in, 1, __ATOMIC_SEQ_CST);
	report(listed == want, "the device tree lists %u vCPUs (want %u)",
	       listed, want);
	/* Then a moment more, in which a vCPU beyond @want would show. */
	while (checked_in < want && spins--)
		cpu_relax();
	for (spins = 100000; spins--;)
		cpu_relax();
	printf_("cpus: %u of %u checked in\n", checked_in, want);
	report(checked_in == want, "all %u vCPUs checked in", want);
	for (i = 0; i < want && i < GUEST_MAX_CPUS; i++)
		ok &= apic_id_ok[i];
	report(ok, "every vCPU sees its index as its hardware ID");
	report_summary();
}
