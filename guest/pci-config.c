// SPDX-License-Identifier: MIT
/*
 * pci-config: configuration space through ports 0xcf8/0xcfc (what Linux
 * uses without ACPI) and through the ECAM window of the device tree must
 * show the same host bridge at 00:00.0, and a write through one must read
 * back through the other. Then a reset through port 0xcf9 ends the VM:
 * ferry exits 0. Were the reset ignored, the guest exits with 0x3f.
 */
#include "lib/guest.h"

#define CF8 0xcf8
#define CFC 0xcfc
#define CF9 0xcf9
#define ENABLE 0x80000000u
#define HOST_BRIDGE_ID 0x00081b36 /* 1b36:0008 */

static uint32_t cf8_addr(unsigned int bus, unsigned int dev, unsigned int fn,
			 unsigned int reg)
{
	return ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static uint32_t cf8_read32(unsigned int bus, unsigned int dev,
			   unsigned int fn, unsigned int reg)
{
	outl(CF8, cf8_addr(bus, dev, fn, reg));
	return inl(CFC);
}

int main(void)
{
	uint64_t ecam = pci_ecam_base();
	uint32_t id;

	report(ecam == 0xe0000000, "ECAM window at 0x%lx in the device tree",
	       (unsigned long)ecam);
	id = pci_cfg_read32(0, 0);
	report(id == HOST_BRIDGE_ID, "ECAM: 00:00.0 is 1b36:0008 (read 0x%x)",
	       id);
	id = cf8_read32(0, 0, 0, 0);
	report(id == HOST_BRIDGE_ID, "0xcf8/0xcfc: 00:00.0 is 1b36:0008 (read "
	       "0x%x)", id);
	report(inl(CF8) == cf8_addr(0, 0, 0, 0), "the 0xcf8 latch reads back");
	report(cf8_read32(0, 0, 0, 8) >> 8 == 0x060000 &&
		       pci_cfg_read32(0, 8) >> 8 == 0x060000,
	       "class 0x060000 (host bridge) through both");

	/* Narrow reads at an offset inside the 0xcfc dword. */
	outl(CF8, cf8_addr(0, 0, 0, 0));
	report(inw(CFC + 2) == 0x0008 && inb(CFC + 1) == 0x1b &&
		       pci_cfg_read16(0, 2) == 0x0008 &&
		       pci_cfg_read8(0, 1) == 0x1b,
	       "16- and 8-bit reads at offsets through both");

	/* What is not there reads all-ones, through both. */
	report(cf8_read32(0, 5, 0, 0) == 0xffffffff &&
		       pci_cfg_read32(5, 0) == 0xffffffff,
	       "an empty slot reads all-ones");
	report(cf8_read32(0, 0, 1, 0) == 0xffffffff &&
		       cf8_read32(1, 0, 0, 0) == 0xffffffff,
	       "function 1 and bus 1 read all-ones");
	outl(CF8, 0); /* enable bit clear */
	report(inl(CFC) == 0xffffffff, "0xcfc without the enable bit reads "
	       "all-ones");

	/* The command register, written through one, read through the other. */
	outl(CF8, cf8_addr(0, 0, 0, 4));
	outw(CFC, 0x0006);
	report(pci_cfg_read16(0, 4) == 0x0006, "a 0xcfc write reads back "
	       "through ECAM");
	pci_cfg_write16(0, 4, 0x0001);
	outl(CF8, cf8_addr(0, 0, 0, 4));
	report(inw(CFC) == 0x0001, "an ECAM write reads back through 0xcfc");
	pci_cfg_write16(0, 4, 0);

	/* 0xcf9 without the reset bit (2) does nothing: were it to reset,
	 * the summary line below would be missing. */
	outb(CF9, 0x02);
	if (report_print_summary())
		debug_exit(1);
	puts_("resetting through 0xcf9\n");
	outb(CF9, 0x06);
	puts_("pci-config: the 0xcf9 reset was ignored\n");
	debug_exit(0x3f);
}
