// SPDX-License-Identifier: MIT
/* PCI bus 0: config space dispatch, ECAM, windows, slots, INTx routing. */
#include <errno.h>
#include <string.h>
#include "../vmm/vm.h"
#include "pci.h"

/* Merge @len bytes at byte @shift of a 32-bit register. */
static uint32_t merge(uint32_t old, uint32_t shift, const void *data,
		      uint32_t len)
{
	uint32_t mask = (len == 4 ? 0xffffffffu : ((1u << (len * 8)) - 1))
			<< (shift * 8);
	uint32_t v = (uint32_t)data_get(data, len) << (shift * 8);

	return (old & ~mask) | (v & mask);
}

/*
 * The device at @slot/@fn with its lock taken, or NULL. The bus lock is
 * held only for the lookup, so a slow access to one device never holds up
 * another's; a device being removed is waited for in pci_remove_device().
 */
static struct pci_dev *get(struct pci_bus *pci, unsigned int slot,
			   unsigned int fn)
{
	struct pci_dev *dev = NULL;

	pthread_mutex_lock(&pci->lock);
	if (slot < PCI_SLOTS && fn == 0)
		dev = pci->slots[slot];
	if (dev)
		pthread_mutex_lock(&dev->lock);
	pthread_mutex_unlock(&pci->lock);
	return dev;
}

/* Which BAR register (0-5, or PCI_ROM_BAR) holds @off, or -1. */
static int bar_at(uint32_t off)
{
	if (off >= PCI_BASE_ADDRESS_0 && off < PCI_CARDBUS_CIS)
		return (int)(off - PCI_BASE_ADDRESS_0) / 4;
	if (off >= PCI_ROM_ADDRESS && off < PCI_ROM_ADDRESS + 4)
		return PCI_ROM_BAR;
	return -1;
}

/*
 * The device an access of @len bytes at @off reaches, locked, or NULL:
 * nothing there, or an access past config space or across a dword.
 */
static struct pci_dev *target(struct pci_bus *pci, unsigned int slot,
			      unsigned int fn, uint32_t off, uint32_t len)
{
	if (off >= PCI_CFG_SPACE || (off & 3) + len > 4)
		return NULL;
	return get(pci, slot, fn);
}

void pci_cfg_read(struct pci_bus *pci, unsigned int slot, unsigned int fn,
		  uint32_t off, void *data, uint32_t len)
{
	int bar = bar_at(off);
	struct pci_dev *dev;
	uint32_t v;

	memset(data, 0xff, len);
	dev = target(pci, slot, fn, off, len);
	if (!dev)
		return;
	if (bar >= 0) {
		v = pci_bar_reg(dev, bar) >> ((off & 3) * 8);
		data_put(data, len, v);
	} else if (off >= PCI_INTERRUPT_LINE && off < PCI_INTERRUPT_LINE + 2) {
		v = dev->irq_line | (uint32_t)dev->irq_pin << 8;
		data_put(data, len, v >> ((off & 3) * 8));
	} else {
		dev->ops->cfg_read(dev, off, data, len);
	}
	pthread_mutex_unlock(&dev->lock);
}

void pci_cfg_write(struct pci_bus *pci, unsigned int slot, unsigned int fn,
		   uint32_t off, const void *data, uint32_t len)
{
	int bar = bar_at(off);
	struct pci_dev *dev = target(pci, slot, fn, off, len);

	if (!dev)
		return;
	if (bar >= 0) {
		pci_bar_reg_write(dev, bar, merge(pci_bar_reg(dev, bar), off & 3,
						  data, len));
	} else if (off == PCI_INTERRUPT_LINE && len == 1) {
		dev->irq_line = *(const uint8_t *)data;
	} else if (off >= PCI_INTERRUPT_LINE && off < PCI_INTERRUPT_LINE + 4) {
		/* Pin, min-grant, max-latency: read-only. */
	} else if (off < PCI_COMMAND + 2 && off + len > PCI_COMMAND) {
		uint32_t shift = off - PCI_COMMAND;
		uint16_t cmd = (uint16_t)merge(dev->command, shift, data,
					       MIN(len, 2 - shift));

		/*
		 * Decode going off: the guest's mappings go before the device
		 * stops answering. Decode coming on: after it answers.
		 */
		dev->command &= cmd;
		pci_bars_update(dev);
		dev->ops->cfg_write(dev, off, data, len);
		dev->command = cmd;
		pci_bars_update(dev);
	} else {
		dev->ops->cfg_write(dev, off, data, len);
	}
	pthread_mutex_unlock(&dev->lock);
}

/* ECAM: bus << 20 | device << 15 | function << 12 | register. */
static void ecam_read(struct bus_dev *bd, uint64_t off, void *data,
		      uint32_t len)
{
	struct pci_bus *pci = container_of(bd, struct pci_bus, ecam_dev);

	if (off >> 20)
		return; /* only bus 0 exists */
	pci_cfg_read(pci, (off >> 15) & 0x1f, (off >> 12) & 7, off & 0xfff,
		     data, len);
}

static void ecam_write(struct bus_dev *bd, uint64_t off, const void *data,
		       uint32_t len)
{
	struct pci_bus *pci = container_of(bd, struct pci_bus, ecam_dev);

	if (off >> 20)
		return;
	pci_cfg_write(pci, (off >> 15) & 0x1f, (off >> 12) & 7, off & 0xfff,
		      data, len);
}

static const struct bus_ops ecam_ops = { .read = ecam_read,
					 .write = ecam_write };

int pci_bus_init(struct pci_bus *pci, struct vm *vm,
		 const struct pci_windows *win)
{
	int ret;

	memset(pci, 0, sizeof(*pci));
	pci->vm = vm;
	pci->win = *win;
	pci->next_mem32 = win->mem32;
	pci->next_mem64 = win->mem64;
	pci->next_io = win->io;
	pci->ecam_dev = (struct bus_dev){ &ecam_ops, "pci-ecam" };
	ret = -pthread_mutex_init(&pci->lock, NULL);
	if (ret || !vm)
		return ret;
	return bus_add(&vm->mmio, win->ecam, win->ecam_size, &pci->ecam_dev);
}

/* Take @size bytes aligned to @size from [*next, end). 0 if it is full. */
static uint64_t take(uint64_t *next, uint64_t end, uint64_t size)
{
	uint64_t a = ALIGN_UP(*next, size);

	if (a < *next || a + size < a || a + size > end)
		return 0;
	*next = a + size;
	return a;
}

static int assign_bar(struct pci_bus *pci, struct pci_bar *b)
{
	const struct pci_windows *w = &pci->win;
	uint64_t a = 0;

	if (b->type == PCI_BAR_IO) {
		a = take(&pci->next_io, w->io + w->io_size, MAX(b->size, 4));
	} else {
		/* Below 4 GiB when it fits, as firmware does; tiny guests
		 * only map the low 4 GiB. */
		a = take(&pci->next_mem32, w->mem32 + w->mem32_size,
			 MAX(b->size, 4096));
		if (!a && b->type == PCI_BAR_MEM64)
			a = take(&pci->next_mem64, w->mem64 + w->mem64_size,
				 MAX(b->size, 4096));
	}
	if (!a)
		return -ENOSPC;
	b->addr = a;
	return 0;
}

int pci_add_device(struct pci_bus *pci, struct pci_dev *dev, int slot)
{
	uint64_t mem32, mem64, io;
	int i, ret = 0;

	pthread_mutex_lock(&pci->lock);
	mem32 = pci->next_mem32;
	mem64 = pci->next_mem64;
	io = pci->next_io;
	if (slot < 0) {
		for (slot = 0; slot < PCI_SLOTS && pci->slots[slot]; slot++)
			;
		if (slot == PCI_SLOTS) {
			ret = -ENOSPC;
			goto out;
		}
	} else if (slot >= PCI_SLOTS || pci->slots[slot]) {
		ret = -EBUSY;
		goto out;
	}
	for (i = 0; i <= PCI_ROM_BAR; i++) {
		struct pci_bar *b = &dev->bars[i];

		if (!b->size)
			continue;
		if (b->size & (b->size - 1)) {
			ret = -EINVAL;
			goto err_windows;
		}
		ret = assign_bar(pci, b);
		if (ret)
			goto err_windows;
	}
	ret = -pthread_mutex_init(&dev->lock, NULL);
	if (ret)
		goto err_windows;
	pci_bars_init(dev);
	dev->bus = pci;
	dev->slot = (uint8_t)slot;
	dev->command = 0;
	if (dev->irq_pin)
		dev->irq_line = (uint8_t)(pci->win.intx_pin_base +
					  (slot + dev->irq_pin - 1) %
						  pci->win.intx_pins);
	pci->slots[slot] = dev;
out:
	pthread_mutex_unlock(&pci->lock);
	return ret;

err_windows:
	/* A refused device gives back the window space its BARs took. */
	pci->next_mem32 = mem32;
	pci->next_mem64 = mem64;
	pci->next_io = io;
	goto out;
}

void pci_enable_decode(struct pci_dev *dev)
{
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_IO;

	pthread_mutex_lock(&dev->lock);
	dev->ops->cfg_write(dev, PCI_COMMAND, &cmd, 2);
	dev->command |= cmd;
	pci_bars_update(dev);
	pthread_mutex_unlock(&dev->lock);
}

void pci_remove_device(struct pci_bus *pci, struct pci_dev *dev)
{
	pthread_mutex_lock(&pci->lock);
	if (dev->bus != pci || dev->slot >= PCI_SLOTS ||
	    pci->slots[dev->slot] != dev) {
		pthread_mutex_unlock(&pci->lock);
		return;
	}
	/* Gone from the table first: no new access finds it. */
	pci->slots[dev->slot] = NULL;
	pthread_mutex_lock(&dev->lock);
	pthread_mutex_unlock(&pci->lock);
	pci_bars_off(dev);
	pthread_mutex_unlock(&dev->lock);
	pthread_mutex_destroy(&dev->lock);
}

void pci_cfg_array_read(const struct pci_cfg_array *c, uint32_t off,
			void *data, uint32_t len)
{
	if (off + len <= sizeof(c->regs))
		memcpy(data, &c->regs[off], len);
	else
		memset(data, 0, len); /* extended space: no capabilities */
}

void pci_cfg_array_write(struct pci_cfg_array *c, uint32_t off,
			 const void *data, uint32_t len)
{
	const uint8_t *d = data;
	uint32_t i;

	if (off + len > sizeof(c->regs))
		return;
	for (i = 0; i < len; i++)
		c->regs[off + i] = (uint8_t)((c->regs[off + i] &
					      ~c->wmask[off + i]) |
					     (d[i] & c->wmask[off + i]));
}
