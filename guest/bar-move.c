// SPDX-License-Identifier: MIT
/*
 * bar-move: the guest moves edu's BAR0 while it decodes. The old address
 * must read all-ones and the new one work; a BAR moved over guest RAM or
 * over the ECAM window must not shadow or break them (ferry refuses to
 * decode there), and moving it back to a free place works again.
 */
#include "lib/edu.h"
#include "lib/guest.h"

#define MiB (1024UL * 1024)

/* 2 MiB of RAM, so that one 1 MiB-aligned MiB lies inside it. */
static uint8_t ram[2 * MiB] __attribute__((aligned(4096)));

static int slot;

static void move_bar(uint64_t to)
{
	pci_cfg_write32((unsigned int)slot, 0x10, (uint32_t)to);
}

int main(void)
{
	uint64_t a, b, in_ram;
	uint32_t ecam_id;
	unsigned long i;
	int intact = 1;

	slot = pci_find(EDU_VENDOR, EDU_DEVICE);
	report(slot >= 0, "edu found");
	if (slot < 0)
		report_summary();
	ecam_id = pci_cfg_read32((unsigned int)slot, 0);
	a = pci_cfg_read32((unsigned int)slot, 0x10) & ~0xfULL;
	report(mmio_read32(a) == EDU_ID_VALUE, "BAR0 at 0x%lx reads the ID",
	       (unsigned long)a);

	b = a + 16 * MiB;
	move_bar(b);
	report((pci_cfg_read32((unsigned int)slot, 0x10) & ~0xfu) == b,
	       "BAR0 moved to 0x%lx with decode on", (unsigned long)b);
	report(mmio_read32(a) == 0xffffffff, "the old address reads all-ones");
	report(mmio_read32(b) == EDU_ID_VALUE, "the new address reads the ID");
	mmio_write32(b + 4, 0x5a5a0000);
	report(mmio_read32(b + 4) == ~0x5a5a0000u, "liveness at the new address");

	/* Over guest RAM: RAM stays RAM. */
	in_ram = ((uintptr_t)ram + MiB - 1) & ~(MiB - 1);
	for (i = 0; i < 4096; i++)
		((volatile uint8_t *)(uintptr_t)in_ram)[i] = (uint8_t)i;
	move_bar(in_ram);
	((volatile uint32_t *)(uintptr_t)in_ram)[1] = 0x11223344;
	for (i = 8; i < 4096; i++)
		intact &= ((volatile uint8_t *)(uintptr_t)in_ram)[i] == (uint8_t)i;
	report(intact && mmio_read32(in_ram) != EDU_ID_VALUE &&
		       ((volatile uint32_t *)(uintptr_t)in_ram)[1] == 0x11223344,
	       "a BAR placed over RAM does not shadow it");

	/* Over the ECAM window: config space keeps working. */
	move_bar(pci_ecam_base());
	report(pci_cfg_read32((unsigned int)slot, 0) == ecam_id,
	       "a BAR placed over ECAM does not break config space");

	move_bar(b);
	report(mmio_read32(b) == EDU_ID_VALUE, "moved back to a free place: works");
	move_bar(a);
	report(mmio_read32(a) == EDU_ID_VALUE && mmio_read32(b) == 0xffffffff,
	       "and home again");
	report_summary();
}
