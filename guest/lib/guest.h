/* SPDX-License-Identifier: MIT */
/* The tiny test-guest library, one API on x86_64 and arm64: console,
 * reports, device tree, PCI, interrupts, leaving the VM. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MAX_CPUS 64

/* Port I/O, MMIO, cpu_relax(), the UART and debug-exit addresses and the
 * device-tree paths of this architecture (lib/x86/, lib/arm64/). */
#include "arch.h"

/* Set by the start-up code before main() runs. */
extern const void *guest_fdt;

/* Entry of the boot vCPU; its return value is reported like exit(). */
int main(void);

/* Entry of the other vCPUs (default: halt forever). */
void secondary_main(unsigned int cpu);

void halt_forever(void) __attribute__((noreturn));

/* Console on the COM1 UART (polled). */
void putchar_(char c);
void puts_(const char *s);
void printf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintf_(const char *fmt, va_list ap);

/* Reports in the style of kvm-unit-tests. */
void report(int pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print the summary line; returns 0 if every report passed (and there
 * was at least one), else non-zero. */
int report_print_summary(void);
/* Print the summary and exit through the debug port: 0 pass, 1 fail. */
void report_summary(void) __attribute__((noreturn));

/* Exit the VM through the debug-exit device with @v (ferry: (v<<1)|1). */
void debug_exit(uint32_t v) __attribute__((noreturn));

/* Write @v to the debug-exit device as a @width-byte (1, 2, 4) access. */
void debug_exit_write(unsigned int width, uint32_t v);

/* Reset the machine (x86: the i8042 reset line, arm64: PSCI
 * SYSTEM_RESET); ferry exits 0. */
void reboot(void) __attribute__((noreturn));

/* The console UART's register @reg (16550A, 0-7). */
uint8_t uart_read(unsigned int reg);
void uart_write(unsigned int reg, uint8_t v);

/* This vCPU's hardware ID (x86: APIC ID, arm64: MPIDR affinity), which
 * ferry makes the vCPU's index. */
unsigned int cpu_hw_id(void);

/* Device-tree helpers. */
int fdt_count_cpus(void);
const char *fdt_bootargs(void);
/* Value of "key=N" in the kernel command line, or @def. */
unsigned long bootarg_ulong(const char *key, unsigned long def);
/* Value of "key=WORD" (up to the next space) copied to @buf (@len bytes,
 * NUL-terminated); NULL if @key is absent or its value does not fit. */
const char *bootarg_str(const char *key, char *buf, size_t len);

/*
 * Interrupts (lib/ARCH/irq.c): enabled only inside irq_wait(). A vector
 * is a number below 256 the guest picks (x86: the IDT vector).
 */
void irq_init(void);
unsigned int irq_seen(unsigned int vector);
/* Run @fn in the interrupt handler of @vector, before the EOI (a driver
 * acknowledges a level-triggered device there). */
void irq_handler(unsigned int vector, void (*fn)(void));
/* Send the level-triggered PCI INTx line @line (what config register 0x3c
 * says: an IOAPIC pin, a GIC SPI) to @vector on this CPU. */
void intx_route(unsigned int line, unsigned int vector);
/*
 * The MSI message that raises @vector on this CPU when PCI device @devid
 * (requester ID, bus << 8 | devfn) writes it (arm64: mapped in the ITS
 * first). 0, or -1 if it cannot be set up.
 */
int msi_message(unsigned int devid, unsigned int vector, uint64_t *addr,
		uint32_t *data);
/* Wait until @vector has fired @count times in all; 0 on timeout. */
int irq_wait(unsigned int vector, unsigned int count, unsigned long spins);

/* Start the other vCPUs (arm64: PSCI CPU_ON for each one in the device
 * tree; x86: ferry started them all). Called by the boot vCPU. */
void arch_start_secondaries(void);

/* PCI through the ECAM window of the device tree (lib/pci.c). */
uint64_t pci_ecam_base(void);
int pci_find(uint16_t vendor, uint16_t device);
unsigned int pci_find_cap(unsigned int slot, uint8_t id);
uint32_t pci_cfg_read32(unsigned int slot, unsigned int off);
uint16_t pci_cfg_read16(unsigned int slot, unsigned int off);
uint8_t pci_cfg_read8(unsigned int slot, unsigned int off);
void pci_cfg_write32(unsigned int slot, unsigned int off, uint32_t v);
void pci_cfg_write16(unsigned int slot, unsigned int off, uint16_t v);

#endif
