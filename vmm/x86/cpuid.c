// SPDX-License-Identifier: MIT
/* Filtering the host's supported CPUID into what one vCPU sees. */
#include "cpuid.h"

#define CPUID_1_ECX_MONITOR (1u << 3)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_HTT (1u << 28)

void cpuid_filter(struct kvm_cpuid_entry2 *e, unsigned int n,
		  unsigned int index, unsigned int nr_cpus, int tsc_deadline)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		switch (e[i].function) {
		case 1:
			e[i].ebx &= 0x0000ffff;
			e[i].ebx |= (index & 0xff) << 24;
			e[i].ebx |= (nr_cpus & 0xff) << 16;
			e[i].ecx &= ~CPUID_1_ECX_MONITOR;
			e[i].ecx |= CPUID_1_ECX_HYPERVISOR;
			if (tsc_deadline)
				e[i].ecx |= CPUID_1_ECX_TSC_DEADLINE;
			if (nr_cpus > 1)
				e[i].edx |= CPUID_1_EDX_HTT;
			break;
		case 5: /* MONITOR/MWAIT leaf: hidden with the feature */
		case 0xa: /* architectural PMU */
			e[i].eax = e[i].ebx = e[i].ecx = e[i].edx = 0;
			break;
		case 0xb:
		case 0x1f:
			e[i].edx = index; /* x2APIC ID */
			break;
		default:
			break;
		}
	}
}
