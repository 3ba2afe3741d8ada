/* SPDX-License-Identifier: MIT */
/* The x86_64 part of the test-guest library (guest.h includes it). */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <stdint.h>

#define DEBUG_EXIT_PORT 0xf4
#define COM1 0x3f8
/* Device-tree paths of the UART, debug-exit device and the RAM at 0. */
#define GUEST_FDT_SERIAL "/isa/serial@i3f8"
#define GUEST_FDT_DEBUG_EXIT "/isa/debug-exit@if4"
#define GUEST_FDT_MEMORY "/memory@0"
/* An MMIO address no device claims (inside ferry's MMIO hole). */
#define GUEST_UNCLAIMED_MMIO 0xd0000000ULL
/* The PIT's counter 0 (guest/exits.c's pit=N loop; x86 only). */
#define GUEST_PIT_COUNTER0 0x40

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

/* Guest RAM starts at 0; the LAPIC's MSI window. */
#define GUEST_RAM_BASE 0ULL
#define GUEST_MSI_BASE 0xfee00000ULL
#define GUEST_MSI_LAST 0xfeefffffULL

static inline uint8_t mmio_read8(uint64_t addr)
{
	return *(volatile uint8_t *)(uintptr_t)addr;
}

static inline void mmio_write8(uint64_t addr, uint8_t v)
{
	*(volatile uint8_t *)(uintptr_t)addr = v;
}

static inline uint16_t mmio_read16(uint64_t addr)
{
	return *(volatile uint16_t *)(uintptr_t)addr;
}

static inline void mmio_write16(uint64_t addr, uint16_t v)
{
	*(volatile uint16_t *)(uintptr_t)addr = v;
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

#define GUEST_CYCLES "TSC" /* what cycles() counts */
/* A cycle counter for benchmarks (the TSC). */
static inline uint64_t cycles(void)
{
	return rdtsc();
}

/*
 * Order the guest's writes to (reads from) RAM a device shares before
 * the next write (after the last read): x86 keeps stores in order and
 * loads in order, so only the compiler must not reorder them.
 */
#define dma_wmb() __asm__ volatile("" ::: "memory")
#define dma_rmb() __asm__ volatile("" ::: "memory")

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

unsigned int lapic_id(void);
/* Send IOAPIC pin @pin to @vector on this CPU, level- or edge-triggered. */
void ioapic_route(unsigned int pin, unsigned int vector, int level);

/*
 * Paging (lib/x86/paging.c). ferry identity-maps [0, 4 GiB) only; this
 * maps the 1 GiB at @gpa (1 GiB aligned, below 512 GiB) write-back with
 * 2 MiB pages, from a small pool of page directories. 0, or -1 when
 * @gpa is unaligned, out of range or the pool is used up.
 */
int map_gib(uint64_t gpa);

#endif
