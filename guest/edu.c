// SPDX-License-Identifier: MIT
/*
 * edu: drives QEMU's "edu" PCI device (1234:11e8) passed through with
 * VFIO: identity and liveness registers, a factorial completed with an
 * MSI (or, with intx=1, a level-triggered INTx: IOAPIC, GIC SPI), a DMA
 * round trip through the real IOMMU (guest buffer -> device -> another
 * guest buffer), and the expansion ROM when the device has one. DMA stays
 * under 4096 bytes: QEMU 7.2's edu aborts on a full page (docs/lab.md).
 */
#include "lib/edu.h"
#include "lib/guest.h"

#define VECTOR 0x40
#define DMA_LEN 4000
#define SPINS 200000UL /* x 1000 interrupt windows */

static uint8_t src[DMA_LEN] __attribute__((aligned(64)));
static uint8_t dst[DMA_LEN] __attribute__((aligned(64)));
static uint64_t bar0;

static uint32_t rd(unsigned int off)
{
	return mmio_read32(bar0 + off);
}

static void wr(unsigned int off, uint32_t v)
{
	mmio_write32(bar0 + off, v);
}

static void wr64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)(bar0 + off) = v;
}

/* Point the MSI capability at this CPU, vector VECTOR. */
static int msi_enable(int slot)
{
	unsigned int cap = pci_find_cap((unsigned int)slot, 0x05);
	uint64_t addr;
	uint32_t data;
	uint16_t ctrl;

	if (!cap || msi_message((unsigned int)slot << 3, VECTOR, &addr, &data))
		return 0;
	ctrl = pci_cfg_read16((unsigned int)slot, cap + 2);
	pci_cfg_write32((unsigned int)slot, cap + 4, (uint32_t)addr);
	if (ctrl & 0x80) { /* 64-bit address */
		pci_cfg_write32((unsigned int)slot, cap + 8,
				(uint32_t)(addr >> 32));
		pci_cfg_write16((unsigned int)slot, cap + 12, (uint16_t)data);
	} else if (addr >> 32) {
		return 0;
	} else {
		pci_cfg_write16((unsigned int)slot, cap + 8, (uint16_t)data);
	}
	pci_cfg_write16((unsigned int)slot, cap + 2, (ctrl & ~0x70) | 1);
	return (pci_cfg_read16((unsigned int)slot, cap + 2) & 1) == 1;
}

/* Interrupt handler: collect and acknowledge the device's status before
 * the EOI, so a level-triggered INTx is low when it is unmasked again. */
static volatile uint32_t raised;

static void edu_isr(void)
{
	uint32_t st = rd(EDU_IRQ_STATUS);

	raised |= st;
	wr(EDU_IRQ_ACK, st);
}

/* Wait until the device says @what raised its interrupt; consume it. */
static int wait_irq(uint32_t what)
{
	unsigned long spins = SPINS;

	/* Interrupts arrive only inside irq_wait()'s windows. */
	while ((raised & what) != what && spins--)
		irq_wait(VECTOR, irq_seen(VECTOR) + 1, 1000);
	if ((raised & what) != what)
		return 0;
	raised &= ~what;
	return 1;
}

/* Enable the ROM where ferry put it and check the 0x55 0xaa signature. */
static void check_rom(int slot)
{
	uint32_t rom = pci_cfg_read32((unsigned int)slot, 0x30) & 0xfffff800;
	uint32_t size;

	if (!rom) {
		printf_("edu: no expansion ROM\n");
		return;
	}
	pci_cfg_write32((unsigned int)slot, 0x30, 0xfffff800);
	size = ~(pci_cfg_read32((unsigned int)slot, 0x30) & 0xfffff800) + 1;
	pci_cfg_write32((unsigned int)slot, 0x30, rom | 1);
	report(*(volatile uint16_t *)(uintptr_t)rom == 0xaa55,
	       "expansion ROM (%u KiB at 0x%x) readable, signature 55 aa",
	       size >> 10, rom);
	pci_cfg_write32((unsigned int)slot, 0x30, rom);
}

static int dma(uint64_t from, uint64_t to, uint32_t len, uint32_t dir)
{
	wr64(EDU_DMA_SRC, from);
	wr64(EDU_DMA_DST, to);
	wr64(EDU_DMA_COUNT, len);
	wr64(EDU_DMA_CMD, DMA_START | DMA_IRQ | dir);
	return wait_irq(IRQ_DMA) && !(rd(EDU_DMA_CMD) & DMA_START);
}

int main(void)
{
	unsigned long i, reads = bootarg_ulong("reads", 1000);
	uint32_t ok_reads = 0;
	int slot, same = 1;
	uint16_t cmd;

	irq_handler(VECTOR, edu_isr);
	slot = pci_find(EDU_VENDOR, EDU_DEVICE);
	report(slot >= 0, "edu found at slot %d through ECAM", slot);
	if (slot < 0)
		report_summary();
	bar0 = pci_cfg_read32((unsigned int)slot, 0x10) & ~0xfULL;
	cmd = pci_cfg_read16((unsigned int)slot, 0x04);
	report(bar0 && (cmd & 2), "BAR0 assigned at 0x%lx, memory decode on",
	       (unsigned long)bar0);
	pci_cfg_write16((unsigned int)slot, 0x04, cmd | 0x4); /* bus master */

	report(rd(EDU_ID) == EDU_ID_VALUE, "identification register 0x%x",
	       rd(EDU_ID));
	/* edu has no reset: acknowledge what an earlier run left raised. */
	wr(EDU_IRQ_ACK, rd(EDU_IRQ_STATUS));
	wr(EDU_LIVENESS, 0x12345678);
	report(rd(EDU_LIVENESS) == ~0x12345678u, "liveness register inverts");

	if (bootarg_ulong("intx", 0)) {
		unsigned int line = pci_cfg_read8((unsigned int)slot, 0x3c);

		intx_route(line, VECTOR);
		report(pci_cfg_read8((unsigned int)slot, 0x3d) == 1,
		       "INTx: INTA routed to interrupt line %u", line);
	} else {
		report(msi_enable(slot), "MSI enabled");
	}
	wr(EDU_STATUS, STATUS_IRQ_FACT);
	wr(EDU_FACTORIAL, 10);
	report(wait_irq(IRQ_FACT), "factorial completion raised an interrupt");
	report(rd(EDU_FACTORIAL) == 3628800, "10! = %u", rd(EDU_FACTORIAL));

	for (i = 0; i < DMA_LEN; i++)
		src[i] = (uint8_t)(i * 31 + 7);
	report(dma((uintptr_t)src, EDU_DMA_BUF, DMA_LEN, 0),
	       "DMA guest RAM -> device (%u bytes)", DMA_LEN);
	report(dma(EDU_DMA_BUF, (uintptr_t)dst, DMA_LEN, DMA_TO_RAM),
	       "DMA device -> guest RAM");
	for (i = 0; i < DMA_LEN; i++)
		same &= src[i] == dst[i];
	report(same, "DMA round trip through the IOMMU is intact");

	check_rom(slot);

	/* Mapped BAR reads: ferry --stats counts how many exited. */
	for (i = 0; i < reads; i++)
		ok_reads += rd(EDU_ID) == EDU_ID_VALUE;
	report(ok_reads == reads, "%lu reads of the mapped BAR", reads);
	printf_("edu: irqs=%u\n", irq_seen(VECTOR));
	/* hold=1: stay up, bus master on, until stopped from outside. */
	if (bootarg_ulong("hold", 0)) {
		puts_("edu: holding\n");
		for (;;)
			cpu_relax();
	}
	report_summary();
}
