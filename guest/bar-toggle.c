// SPDX-License-Identifier: MIT
/*
 * bar-toggle: what a memory-decode toggle costs, beside its floor.
 *
 * A round is two writes of edu's command register and one read of BAR0.
 * "plain" rounds write the same command twice: decode stays on, the BAR
 * stays mapped and its read does not exit. "toggle" rounds turn decode off
 * and on again: ferry removes the BAR's memory slots before the off write
 * reaches the device, arms lazy mapping after the on write, and the read
 * faults the slots back in. The difference is the price of a toggle. The
 * two kinds run interleaved in blocks of 50 rounds (rounds=N in all, each
 * kind) so drift on a shared machine hits both alike; the TSC times them.
 * Every read must return edu's ID.
 */
#include "lib/edu.h"
#include "lib/guest.h"

#define BLOCK 50

static uint64_t bar0;
static unsigned int slot;
static unsigned long wrong;

/* BLOCK rounds of writes @a then @b, each followed by a BAR read. */
static uint64_t block(uint16_t a, uint16_t b)
{
	uint64_t t = rdtsc();
	unsigned int i;

	for (i = 0; i < BLOCK; i++) {
		pci_cfg_write16(slot, 0x04, a);
		pci_cfg_write16(slot, 0x04, b);
		wrong += mmio_read32(bar0) != EDU_ID_VALUE;
	}
	return rdtsc() - t;
}

int main(void)
{
	unsigned long rounds = bootarg_ulong("rounds", 1000), n;
	uint64_t plain = 0, toggle = 0;
	int s = pci_find(EDU_VENDOR, EDU_DEVICE);
	uint16_t cmd;

	report(s >= 0, "edu found");
	if (s < 0)
		report_summary();
	slot = (unsigned int)s;
	bar0 = pci_cfg_read32(slot, 0x10) & ~0xfULL;
	cmd = pci_cfg_read16(slot, 0x04) | 2;
	pci_cfg_write16(slot, 0x04, cmd);
	report(mmio_read32(bar0) == EDU_ID_VALUE, "BAR0 reads the ID");
	rounds = (rounds + BLOCK - 1) / BLOCK * BLOCK;
	for (n = 0; n < rounds; n += BLOCK) {
		plain += block(cmd, cmd);
		toggle += block(cmd & ~2, cmd);
	}
	report(wrong == 0, "every read after a write returned the ID (%lu rounds "
	       "of each kind)", rounds);
	if (rounds)
		printf_("bar-toggle: %lu rounds each; cycles per round: plain %lu, "
			"toggle %lu\n", rounds, (unsigned long)(plain / rounds),
			(unsigned long)(toggle / rounds));
	report_summary();
}
