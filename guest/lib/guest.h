/* SPDX-License-Identifier: MIT */
/* The tiny test-guest library: port/MMIO access, console, reports. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MAX_CPUS 64
#define DEBUG_EXIT_PORT 0xf4

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

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

/* Exit the VM through the debug-exit port with @v (ferry: (v<<1)|1). */
void debug_exit(uint32_t v) __attribute__((noreturn));

/* Reboot through the i8042 reset line (ferry exits 0). */
void reboot(void) __attribute__((noreturn));

/* Device-tree helpers. */
int fdt_count_cpus(void);
const char *fdt_bootargs(void);
/* Value of "key=N" in the kernel command line, or @def. */
unsigned long bootarg_ulong(const char *key, unsigned long def);
/* Value of "key=WORD" (up to the next space) copied to @buf (@len bytes,
 * NUL-terminated); NULL if @key is absent or its value does not fit. */
const char *bootarg_str(const char *key, char *buf, size_t len);

/*
 * Paging (lib/paging.c). ferry identity-maps [0, 4 GiB) only; this maps
 * the 1 GiB at @gpa (1 GiB aligned, below 512 GiB) write-back with
 * 2 MiB pages, from a small pool of page directories. 0, or -1 when
 * @gpa is unaligned, out of range or the pool is used up.
 */
int map_gib(uint64_t gpa);

/* Interrupts (lib/irq.c): enabled only inside irq_wait(). */
void irq_init(void);
unsigned int lapic_id(void);
unsigned int irq_seen(unsigned int vector);
/* Run @fn in the interrupt handler of @vector, before the EOI (a driver
 * acknowledges a level-triggered device there). */
void irq_handler(unsigned int vector, void (*fn)(void));
/* Send IOAPIC pin @pin to @vector on this CPU, level- or edge-triggered. */
void ioapic_route(unsigned int pin, unsigned int vector, int level);
/* Wait until @vector has fired @count times in all; 0 on timeout. */
int irq_wait(unsigned int vector, unsigned int count, unsigned long spins);

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
