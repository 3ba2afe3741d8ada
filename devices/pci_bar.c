// SPDX-License-Identifier: MIT
/*
 * BARs of bus 0's devices: their registers (sizing included) and where
 * they decode. A decoding BAR is a trap region on the I/O or memory bus
 * that hands each access to the device at (bar, offset); the device may
 * add a fast path (bar_map), the one hook that learns where a BAR lives.
 */
#include <errno.h>
#include <string.h>
#include "../vmm/vm.h"
#include "pci.h"

/* Is @i the upper half of a 64-bit BAR? */
static int is_upper_half(const struct pci_dev *dev, int i)
{
	return i > 0 && i < PCI_NUM_BARS &&
	       dev->bars[i - 1].type == PCI_BAR_MEM64;
}

/* Where the BAR would decode, or 0 when it is unassigned or mid-sizing. */
static uint64_t decode_addr(const struct pci_dev *dev, int i)
{
	const struct pci_bar *b = &dev->bars[i];
	uint64_t last, addr = b->addr;

	if (i == PCI_ROM_BAR)
		addr &= ~(uint64_t)PCI_ROM_ADDRESS_ENABLE;
	if (!b->size || !addr || __builtin_add_overflow(addr, b->size - 1, &last))
		return 0;
	if (b->type == PCI_BAR_IO && last >= 0xffff)
		return 0;
	/* A 32-bit BAR reaching 4 GiB holds the all-ones sizing pattern. */
	if (b->type != PCI_BAR_MEM64 && last >= 0xffffffffULL)
		return 0;
	if (b->type == PCI_BAR_MEM64 && (addr >> 32) == 0xffffffffULL)
		return 0;
	return addr;
}

static int bar_enabled(const struct pci_dev *dev, int i)
{
	const struct pci_bar *b = &dev->bars[i];

	if (b->type == PCI_BAR_IO)
		return dev->command & PCI_COMMAND_IO;
	if (i == PCI_ROM_BAR && !(b->addr & PCI_ROM_ADDRESS_ENABLE))
		return 0;
	return dev->command & PCI_COMMAND_MEMORY;
}

static struct bus *bar_bus(const struct pci_dev *dev, const struct pci_bar *b)
{
	struct vm *vm = dev->bus->vm;

	if (!vm)
		return NULL;
	return b->type == PCI_BAR_IO ? &vm->pio : &vm->mmio;
}

static int overlaps_ram(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < vm->mem.nr; i++)
		if (ranges_overlap(gpa, len, vm->mem.regions[i].gpa,
				   vm->mem.regions[i].len))
			return 1;
	return 0;
}

/* BAR @b stops decoding: the device's fast path goes, then the trap. */
static void decode_off(struct pci_dev *dev, struct pci_bar *b)
{
	struct bus *bus = bar_bus(dev, b);

	if (!b->decoding)
		return;
	if (dev->ops->bar_map)
		dev->ops->bar_map(dev, b->index, b->gpa, 0);
	if (bus)
		bus_remove(bus, b->gpa, &b->trap);
	b->decoding = 0;
}

/*
 * BAR @b starts decoding at @gpa: the trap, then the fast path. Never
 * over guest RAM or another region (an overlap is refused and the BAR
 * stays off until the guest moves it). 0 or -errno.
 */
static int decode_on(struct pci_dev *dev, struct pci_bar *b, uint64_t gpa)
{
	struct bus *bus = bar_bus(dev, b);
	int ret;

	if (!bus)
		return -ENODEV;
	if (b->type != PCI_BAR_IO && overlaps_ram(dev->bus->vm, gpa, b->size))
		return -EEXIST;
	ret = bus_add(bus, gpa, b->size, &b->trap);
	if (ret)
		return ret;
	b->decoding = 1;
	b->gpa = gpa;
	if (dev->ops->bar_map)
		dev->ops->bar_map(dev, b->index, gpa, 1);
	return 0;
}

/* Make BAR @i decode where its register and the command say. */
static void update(struct pci_dev *dev, int i)
{
	struct pci_bar *b = &dev->bars[i];
	uint64_t gpa = bar_enabled(dev, i) ? decode_addr(dev, i) : 0;
	int ret;

	if (b->decoding && b->gpa == gpa)
		return;
	decode_off(dev, b);
	if (!gpa)
		return;
	ret = decode_on(dev, b, gpa);
	if (ret && log_ratelimit_ok(&dev->bus->bad_rl, "pci"))
		warn("%s: BAR%d cannot decode at 0x%llx (%s); it stays off "
		     "until moved", dev->name, i, (unsigned long long)gpa,
		     strerror(-ret));
}

void pci_bars_update(struct pci_dev *dev)
{
	int i;

	for (i = 0; i <= PCI_ROM_BAR; i++)
		if (dev->bars[i].size)
			update(dev, i);
}

void pci_bars_off(struct pci_dev *dev)
{
	int i;

	for (i = 0; i <= PCI_ROM_BAR; i++)
		decode_off(dev, &dev->bars[i]);
}

static void trap_read(struct bus_dev *bd, uint64_t off, void *data,
		      uint32_t len)
{
	struct pci_bar *b = container_of(bd, struct pci_bar, trap);

	if (b->dev->ops->bar_read)
		b->dev->ops->bar_read(b->dev, b->index, off, data, len);
}

static void trap_write(struct bus_dev *bd, uint64_t off, const void *data,
		       uint32_t len)
{
	struct pci_bar *b = container_of(bd, struct pci_bar, trap);

	if (b->dev->ops->bar_write)
		b->dev->ops->bar_write(b->dev, b->index, off, data, len);
}

static const struct bus_ops trap_ops = {
	.read = trap_read,
	.write = trap_write,
};

void pci_bars_init(struct pci_dev *dev)
{
	int i;

	for (i = 0; i <= PCI_ROM_BAR; i++) {
		struct pci_bar *b = &dev->bars[i];

		b->trap = (struct bus_dev){ &trap_ops, dev->name };
		b->dev = dev;
		b->index = i;
		b->decoding = 0;
	}
}

uint32_t pci_bar_reg(const struct pci_dev *dev, int i)
{
	const struct pci_bar *b;
	uint32_t mask;

	if (is_upper_half(dev, i)) {
		b = &dev->bars[i - 1];
		return (uint32_t)((b->addr & ~(b->size - 1)) >> 32);
	}
	b = &dev->bars[i];
	if (!b->size)
		return 0;
	mask = ~((uint32_t)b->size - 1);
	switch (b->type) {
	case PCI_BAR_IO:
		return ((uint32_t)b->addr & mask & PCI_BASE_ADDRESS_IO_MASK) |
		       PCI_BASE_ADDRESS_SPACE_IO;
	case PCI_BAR_MEM32:
	case PCI_BAR_MEM64:
		if (i == PCI_ROM_BAR)
			return ((uint32_t)b->addr & mask & PCI_ROM_ADDRESS_MASK) |
			       ((uint32_t)b->addr & PCI_ROM_ADDRESS_ENABLE);
		return ((uint32_t)b->addr & mask & PCI_BASE_ADDRESS_MEM_MASK) |
		       (b->prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0) |
		       (b->type == PCI_BAR_MEM64 ? PCI_BASE_ADDRESS_MEM_TYPE_64
						 : 0);
	default:
		return 0;
	}
}

void pci_bar_reg_write(struct pci_dev *dev, int i, uint32_t v)
{
	struct pci_bar *b;
	uint32_t mask;

	if (is_upper_half(dev, i)) {
		b = &dev->bars[i - 1];
		b->addr = ((uint64_t)v << 32 | (b->addr & 0xffffffffULL)) &
			  ~(b->size - 1);
		update(dev, i - 1);
		return;
	}
	b = &dev->bars[i];
	if (!b->size)
		return;
	mask = ~((uint32_t)b->size - 1);
	if (i == PCI_ROM_BAR)
		b->addr = (v & mask & PCI_ROM_ADDRESS_MASK) |
			  (v & PCI_ROM_ADDRESS_ENABLE);
	else if (b->type == PCI_BAR_IO)
		b->addr = v & mask & PCI_BASE_ADDRESS_IO_MASK;
	else
		b->addr = (b->addr & 0xffffffff00000000ULL) |
			  (v & mask & PCI_BASE_ADDRESS_MEM_MASK);
	update(dev, i);
}
