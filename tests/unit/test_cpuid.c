// SPDX-License-Identifier: MIT
/* CPUID filtering: APIC IDs, hypervisor bit, hidden features. */
#include "x86/cpuid.h"
#include "test.h"

int main(void)
{
	struct kvm_cpuid_entry2 e[4];

	memset(e, 0, sizeof(e));
	e[0].function = 1;
	e[0].ebx = 0xff00aaaa;
	e[0].ecx = 1u << 3;
	e[1].function = 0xb;
	e[1].edx = 77;
	e[2].function = 0xa;
	e[2].eax = 0x07300403;
	e[3].function = 0x40000000;
	e[3].ebx = 0x4b4d564b;
	cpuid_filter(e, 4, 3, 4, 0);
	CHECK_MSG(e[0].ebx >> 24 == 3, "leaf 1 APIC ID is the vCPU index");
	CHECK_MSG(((e[0].ebx >> 16) & 0xff) == 4, "leaf 1 logical CPU count");
	CHECK_MSG((e[0].ebx & 0xffff) == 0xaaaa, "leaf 1 EBX low bits kept");
	CHECK_MSG(e[0].ecx & (1u << 31), "hypervisor bit set");
	CHECK_MSG(!(e[0].ecx & (1u << 3)), "MONITOR hidden");
	CHECK_MSG(e[0].edx & (1u << 28), "HTT set for SMP");
	CHECK_MSG(e[1].edx == 3, "x2APIC ID is the vCPU index");
	CHECK_MSG(e[2].eax == 0, "PMU leaf hidden");
	CHECK_MSG(e[3].ebx == 0x4b4d564b, "other leaves untouched");
	CHECK_MSG(!(e[0].ecx & (1u << 24)),
		  "no TSC-deadline timer unless KVM emulates it");
	cpuid_filter(e, 1, 0, 1, 1);
	CHECK(e[0].ebx >> 24 == 0);
	CHECK_MSG(e[0].ecx & (1u << 24),
		  "the TSC-deadline timer announced where KVM emulates it");
	return test_done();
}
