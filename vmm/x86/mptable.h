/* SPDX-License-Identifier: MIT */
/* Intel MultiProcessor Specification 1.4 tables: CPUs and IRQ routing. */
#ifndef FERRY_X86_MPTABLE_H
#define FERRY_X86_MPTABLE_H

#include <stddef.h>
#include <stdint.h>
#include "../util.h"

#define MPTABLE_ISA_IRQS 16
#define MPTABLE_MAX_PCI_IRQS 32

/* INTx of PCI device @slot, pin @pin (1 = INTA), on IOAPIC pin @ioapic_pin. */
struct mptable_pci_irq {
	uint8_t slot, pin, ioapic_pin;
};

/*
 * Write an MP floating pointer followed by a configuration table into
 * @dst (@max bytes), which the guest will see at @gpa: @nr_cpus
 * processors (APIC ID = index, 0 the boot CPU), one IOAPIC (ID @nr_cpus)
 * at the architectural address, PCI bus 0 and ISA bus 1, ISA IRQ n on
 * IOAPIC pin n (KVM's default routing), the @nr_pci PCI INTx routes
 * (level, active high), LINT0 ExtINT and LINT1 NMI. Returns the bytes
 * written or -E2BIG. Checksums make every structure sum to zero.
 */
int mptable_write(void *dst, size_t max, uint32_t gpa, unsigned int nr_cpus,
		  const struct mptable_pci_irq *pci,
		  unsigned int nr_pci) __must_check;

#endif
