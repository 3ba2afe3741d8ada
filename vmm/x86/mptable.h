/* SPDX-License-Identifier: MIT */
/* Intel MultiProcessor Specification 1.4 tables: CPUs and IRQ routing. */
#ifndef FERRY_X86_MPTABLE_H
#define FERRY_X86_MPTABLE_H

#include <stddef.h>
#include <stdint.h>
#include "../util.h"

#define MPTABLE_ISA_IRQS 16

/*
 * Write an MP floating pointer followed by a configuration table into
 * @dst (@max bytes), which the guest will see at @gpa: @nr_cpus
 * processors (APIC ID = index, 0 the boot CPU), one IOAPIC (ID @nr_cpus)
 * at the architectural address, ISA IRQ n on IOAPIC pin n (KVM's default
 * routing), LINT0 ExtINT and LINT1 NMI. Returns the bytes written or
 * -E2BIG. Checksums make every structure sum to zero.
 */
int mptable_write(void *dst, size_t max, uint32_t gpa,
		  unsigned int nr_cpus) __must_check;

#endif
