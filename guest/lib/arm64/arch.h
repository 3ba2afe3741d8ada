/* SPDX-License-Identifier: MIT */
/* The arm64 part of the test-guest library (guest.h includes it). */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <stdint.h>

/* ferry's arm64 board (vmm/arm64/layout.h, docs/arm64.md). */
#define UART_BASE 0x01000000ULL
#define DEBUG_EXIT_BASE 0x01020000ULL
#define GICD_BASE 0x2c000000ULL
#define GITS_BASE 0x2c020000ULL
#define GICR_BASE 0x2c100000ULL
#define GICR_STRIDE 0x20000ULL
#define GUEST_RAM_BASE 0x80000000ULL
/* Device-tree paths of the UART, debug-exit device and the RAM. */
#define GUEST_FDT_SERIAL "/serial@1000000"
#define GUEST_FDT_DEBUG_EXIT "/debug-exit@1020000"
#define GUEST_FDT_MEMORY "/memory@80000000"
/* An MMIO address no device claims (below RAM, between devices). */
#define GUEST_UNCLAIMED_MMIO 0x20000000ULL
/* MSIs are writes to the ITS's GITS_TRANSLATER frame. */
#define GUEST_MSI_BASE 0x2c030000ULL
#define GUEST_MSI_LAST 0x2c03ffffULL

#define sysreg_read(r)                                                         \
	({                                                                     \
		uint64_t v_;                                                   \
		__asm__ volatile("mrs %0, " #r : "=r"(v_));                    \
		v_;                                                            \
	})
#define sysreg_write(r, v)                                                     \
	__asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

/*
 * MMIO with plain loads and stores of one register, no write-back
 * addressing: KVM can only emulate an access whose syndrome it is given.
 */
static inline uint8_t mmio_read8(uint64_t addr)
{
	uint32_t v;

	__asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return (uint8_t)v;
}

static inline void mmio_write8(uint64_t addr, uint8_t v)
{
	__asm__ volatile("strb %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline uint16_t mmio_read16(uint64_t addr)
{
	uint32_t v;

	__asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return (uint16_t)v;
}

static inline void mmio_write16(uint64_t addr, uint16_t v)
{
	__asm__ volatile("strh %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline uint64_t mmio_read64(uint64_t addr)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
	__asm__ volatile("str %x0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

#define GUEST_CYCLES "CNTVCT" /* what cycles() counts */
/* A cycle counter for benchmarks (the virtual counter). */
static inline uint64_t cycles(void)
{
	isb();
	return sysreg_read(cntvct_el0);
}

/*
 * Order the guest's writes to (reads from) RAM a device shares before
 * the next write (after the last read): the device is ferry, on other
 * CPUs of the same inner-shareable domain.
 */
#define dma_wmb() __asm__ volatile("dmb ishst" ::: "memory")
#define dma_rmb() __asm__ volatile("dmb ishld" ::: "memory")

/* The MMU maps the first 512 GiB already (BARs included): nothing to do. */
static inline int map_gib(uint64_t gpa)
{
	(void)gpa;
	return 0;
}

/* A PSCI call through HVC (SMC Calling Convention); returns X0. */
uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

/* Turn the MMU on: RAM write-back cacheable, the rest Device memory. */
void mmu_enable(unsigned long cpu);

#endif
