/* SPDX-License-Identifier: MIT */
/* Filtering the host's supported CPUID into what one vCPU sees. */
#ifndef FERRY_X86_CPUID_H
#define FERRY_X86_CPUID_H

#include <linux/kvm.h>

/*
 * Rewrite KVM_GET_SUPPORTED_CPUID output in place for vCPU @index of
 * @nr_cpus: APIC IDs, the hypervisor bit, logical CPU count; hide
 * MONITOR/MWAIT and the PMU (not virtualised by ferry). Pure function.
 */
void cpuid_filter(struct kvm_cpuid_entry2 *e, unsigned int n,
		  unsigned int index, unsigned int nr_cpus);

#endif
