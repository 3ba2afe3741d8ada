/* SPDX-License-Identifier: MIT */
/* Filtering the host's supported CPUID into what one vCPU sees. */
#ifndef FERRY_X86_CPUID_H
#define FERRY_X86_CPUID_H

#include <linux/kvm.h>

/*
 * Rewrite KVM_GET_SUPPORTED_CPUID output in place for vCPU @index of
 * @nr_cpus: APIC IDs, the hypervisor bit, logical CPU count; hide
 * MONITOR/MWAIT and the PMU (not virtualised by ferry). With
 * @tsc_deadline (KVM_CAP_TSC_DEADLINE_TIMER: KVM's LAPIC emulates it,
 * but KVM_GET_SUPPORTED_CPUID never says so) announce the TSC-deadline
 * timer mode, so a guest arms its LAPIC timer in TSC ticks and need not
 * time the LAPIC against the PIT at boot. Pure function.
 */
void cpuid_filter(struct kvm_cpuid_entry2 *e, unsigned int n,
		  unsigned int index, unsigned int nr_cpus, int tsc_deadline);

#endif
