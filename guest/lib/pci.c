// SPDX-License-Identifier: MIT
/* PCI for test guests: the ECAM window from the device tree, config I/O. */
#include <libfdt.h>
#include "guest.h"

static uint64_t ecam;

uint64_t pci_ecam_base(void)
{
	int node;
	const fdt64_t *reg;
	int len;

	if (ecam)
		return ecam;
	node = fdt_node_offset_by_compatible(guest_fdt, -1,
					     "pci-host-ecam-generic");
	if (node < 0)
		return 0;
	reg = fdt_getprop(guest_fdt, node, "reg", &len);
	if (!reg || len < 16)
		return 0;
	ecam = fdt64_ld(reg);
	return ecam;
}

static volatile uint8_t *cfg(unsigned int slot, unsigned int off)
{
	return (volatile uint8_t *)(uintptr_t)(pci_ecam_base() +
					       ((uint64_t)slot << 15) + off);
}

uint32_t pci_cfg_read32(unsigned int slot, unsigned int off)
{
	return *(volatile uint32_t *)cfg(slot, off);
}

uint16_t pci_cfg_read16(unsigned int slot, unsigned int off)
{
	return *(volatile uint16_t *)cfg(slot, off);
}

uint8_t pci_cfg_read8(unsigned int slot, unsigned int off)
{
	return *cfg(slot, off);
}

void pci_cfg_write32(unsigned int slot, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)cfg(slot, off) = v;
}

void pci_cfg_write16(unsigned int slot, unsigned int off, uint16_t v)
{
	*(volatile uint16_t *)cfg(slot, off) = v;
}

int pci_find(uint16_t vendor, uint16_t device)
{
	unsigned int slot;

	if (!pci_ecam_base())
		return -1;
	for (slot = 0; slot < 32; slot++)
		if (pci_cfg_read32(slot, 0) ==
		    ((uint32_t)device << 16 | vendor))
			return (int)slot;
	return -1;
}

unsigned int pci_find_cap(unsigned int slot, uint8_t id)
{
	unsigned int ptr, n;

	if (!(pci_cfg_read16(slot, 0x06) & 0x10))
		return 0;
	for (ptr = pci_cfg_read8(slot, 0x34) & 0xfc, n = 0; ptr && n < 48;
	     ptr = pci_cfg_read8(slot, ptr + 1) & 0xfc, n++)
		if (pci_cfg_read8(slot, ptr) == id)
			return ptr;
	return 0;
}
