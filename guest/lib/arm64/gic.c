// SPDX-License-Identifier: MIT
/*
 * Interrupts for arm64 test guests: the GICv3 distributor, this CPU's
 * redistributor and system-register CPU interface, vectors and waiting.
 * The guest runs with IRQs masked except inside irq_wait(). Vectors are
 * the guest's own numbers below 256: an SPI is bound to one by
 * intx_route(), an LPI is INTID 8192 + vector (its.c).
 */
#include "../guest.h"
#include "gic.h"

#define GICD_CTLR 0x0000
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IROUTER 0x6000
#define CTLR_ENABLE_G1 (1u << 1)
#define CTLR_ARE (1u << 4)
#define GICR_WAKER 0x0014
#define WAKER_SLEEP (1u << 1)
#define WAKER_ASLEEP (1u << 2)
#define GICR_SGI 0x10000 /* the SGI/PPI frame */
#define SPURIOUS 1023
#define MAX_SPI 1020

static volatile unsigned int irq_count[256];
static void (*handlers[256])(void);
static uint8_t spi_vector[MAX_SPI];

uint64_t gicr_base(void)
{
	return GICR_BASE + (uint64_t)cpu_hw_id() * GICR_STRIDE;
}

void irq_init(void)
{
	uint64_t rd = gicr_base();
	unsigned long spins = 1000000;

	if (cpu_hw_id() == 0)
		mmio_write32(GICD_BASE + GICD_CTLR, CTLR_ARE | CTLR_ENABLE_G1);
	mmio_write32(rd + GICR_WAKER,
		     mmio_read32(rd + GICR_WAKER) & ~WAKER_SLEEP);
	while ((mmio_read32(rd + GICR_WAKER) & WAKER_ASLEEP) && spins--)
		cpu_relax();
	/* SGIs and PPIs in group 1, like everything else. */
	mmio_write32(rd + GICR_SGI + GICD_IGROUPR, 0xffffffff);
	/* The CPU interface through system registers. */
	sysreg_write(s3_0_c12_c12_5, sysreg_read(s3_0_c12_c12_5) | 1); /* SRE */
	isb();
	sysreg_write(s3_0_c4_c6_0, 0xff);  /* ICC_PMR_EL1: unmask all */
	sysreg_write(s3_0_c12_c12_3, 0);   /* ICC_BPR1_EL1 */
	sysreg_write(s3_0_c12_c12_7, 1);   /* ICC_IGRPEN1_EL1 */
	isb();
}

void irq_dispatch(void);

void irq_dispatch(void)
{
	uint32_t intid = (uint32_t)sysreg_read(s3_0_c12_c12_0) & 0xffffff;
	unsigned int vector;

	if (intid == SPURIOUS)
		return;
	if (intid >= GIC_LPI_BASE)
		vector = (intid - GIC_LPI_BASE) & 0xff;
	else if (intid >= 32 && intid < MAX_SPI)
		vector = spi_vector[intid];
	else
		vector = 0;
	/* A level-triggered source must be quiet before the EOI. */
	if (handlers[vector])
		handlers[vector]();
	irq_count[vector]++;
	sysreg_write(s3_0_c12_c12_1, intid); /* ICC_EOIR1_EL1 */
	isb();
}

void intx_route(unsigned int line, unsigned int vector)
{
	unsigned int intid = 32 + line;
	uint64_t d = GICD_BASE;
	uint32_t cfg;

	if (intid >= MAX_SPI)
		return;
	spi_vector[intid] = (uint8_t)vector;
	mmio_write32(d + GICD_IGROUPR + intid / 32 * 4,
		     mmio_read32(d + GICD_IGROUPR + intid / 32 * 4) |
			     1u << (intid % 32));
	/* Level-sensitive: the two config bits 00. */
	cfg = mmio_read32(d + GICD_ICFGR + intid / 16 * 4);
	cfg &= ~(3u << (intid % 16 * 2));
	mmio_write32(d + GICD_ICFGR + intid / 16 * 4, cfg);
	mmio_write8(d + GICD_IPRIORITYR + intid, 0xa0);
	mmio_write64(d + GICD_IROUTER + intid * 8ULL,
		     sysreg_read(mpidr_el1) & 0xff00ffffffULL);
	mmio_write32(d + GICD_ISENABLER + intid / 32 * 4, 1u << (intid % 32));
}

void irq_handler(unsigned int vector, void (*fn)(void))
{
	handlers[vector & 0xff] = fn;
}

unsigned int irq_seen(unsigned int vector)
{
	return irq_count[vector & 0xff];
}

int irq_wait(unsigned int vector, unsigned int count, unsigned long spins)
{
	/* No wfi: nothing arms a timer, so a lost interrupt would stop us
	 * for good. Open an IRQ window on each turn instead. */
	while (irq_count[vector & 0xff] < count && spins--)
		__asm__ volatile("msr daifclr, #2; nop; nop; msr daifset, #2"
				 ::: "memory");
	return irq_count[vector & 0xff] >= count;
}
