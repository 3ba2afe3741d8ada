// SPDX-License-Identifier: MIT
/* PCI bus 0: config space dispatch, BAR emulation, windows, INTx routing. */
#include <errno.h>
#include <string.h>
#include "../vmm/exitcode.h"
#include "../vmm/vm.h"
#include "pci.h"

#define CFG_BAR0 0x10
#define CFG_BAR_END 0x28
#define CFG_ROM 0x30
#define CFG_COMMAND 0x04
#define CFG_INT_LINE 0x3c
#define CFG_INT_PIN 0x3d
#define CF8_ENABLE 0x80000000u
#define CF9_RESET_CPU 0x04

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
	uint64_t last;

	if (!b->size || !b->addr ||
	    __builtin_add_overflow(b->addr, b->size - 1, &last))
		return 0;
	if (b->type == PCI_BAR_IO && last >= 0xffff)
		return 0;
	/* A 32-bit BAR reaching 4 GiB holds the all-ones sizing pattern. */
	if (b->type != PCI_BAR_MEM64 && last >= 0xffffffffULL)
		return 0;
	if (b->type == PCI_BAR_MEM64 && (b->addr >> 32) == 0xffffffffULL)
		return 0;
	return b->addr;
}

static int bar_enabled(const struct pci_dev *dev, int i)
{
	const struct pci_bar *b = &dev->bars[i];

	if (b->type == PCI_BAR_IO)
		return dev->command & PCI_COMMAND_IO;
	if (i == PCI_ROM_BAR && !(b->addr & 1))
		return 0;
	return dev->command & PCI_COMMAND_MEM;
}

/* Tell the device where BAR @i decodes now. Called with dev->lock held. */
static void update_decode(struct pci_dev *dev, int i)
{
	struct pci_bar *b = &dev->bars[i];
	uint64_t addr = bar_enabled(dev, i) ? decode_addr(dev, i) : 0;
	int ret;

	if (i == PCI_ROM_BAR)
		addr &= ~1ULL;
	if (b->decoding && b->mapped_addr == addr)
		return;
	if (b->decoding) {
		dev->ops->bar_map(dev, i, b->mapped_addr, 0);
		b->decoding = 0;
	}
	if (!addr)
		return;
	ret = dev->ops->bar_map(dev, i, addr, 1);
	if (ret) {
		if (log_ratelimit_ok(&dev->pci->bad_rl, "pci"))
			warn("%s: BAR%d cannot decode at 0x%llx (%s); it stays "
			     "off until moved", dev->name, i,
			     (unsigned long long)addr, strerror(-ret));
		return;
	}
	b->decoding = 1;
	b->mapped_addr = addr;
}

static void update_all(struct pci_dev *dev)
{
	int i;

	for (i = 0; i <= PCI_ROM_BAR; i++)
		if (dev->bars[i].size)
			update_decode(dev, i);
}

/* The 32-bit register of BAR slot @i (0-5, or 6 for the ROM). */
static uint32_t bar_reg(const struct pci_dev *dev, int i)
{
	const struct pci_bar *b;

	if (is_upper_half(dev, i)) {
		b = &dev->bars[i - 1];
		return (uint32_t)((b->addr & ~(b->size - 1)) >> 32);
	}
	b = &dev->bars[i];
	if (!b->size)
		return 0;
	switch (b->type) {
	case PCI_BAR_IO:
		return ((uint32_t)b->addr & ~((uint32_t)b->size - 1) & ~3u) | 1;
	case PCI_BAR_MEM32:
	case PCI_BAR_MEM64:
		if (i == PCI_ROM_BAR)
			return ((uint32_t)b->addr & ~((uint32_t)b->size - 1) &
				~0x7ffu) | ((uint32_t)b->addr & 1);
		return ((uint32_t)b->addr & ~((uint32_t)b->size - 1) & ~0xfu) |
		       (b->prefetch ? 0x8 : 0) |
		       (b->type == PCI_BAR_MEM64 ? 0x4 : 0);
	default:
		return 0;
	}
}

static void bar_reg_write(struct pci_dev *dev, int i, uint32_t v)
{
	struct pci_bar *b;

	if (is_upper_half(dev, i)) {
		b = &dev->bars[i - 1];
		b->addr = ((uint64_t)v << 32 | (b->addr & 0xffffffffULL)) &
			  ~(b->size - 1);
		update_decode(dev, i - 1);
		return;
	}
	b = &dev->bars[i];
	if (!b->size)
		return;
	if (i == PCI_ROM_BAR)
		b->addr = (v & ~((uint32_t)b->size - 1) & ~0x7ffu) | (v & 1);
	else if (b->type == PCI_BAR_IO)
		b->addr = v & ~((uint32_t)b->size - 1) & ~3u;
	else
		b->addr = (b->addr & 0xffffffff00000000ULL) |
			  (v & ~((uint32_t)b->size - 1) & ~0xfu);
	update_decode(dev, i);
}

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
static struct pci_dev *get(struct pci *pci, unsigned int slot,
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
	if (off >= CFG_BAR0 && off < CFG_BAR_END)
		return (int)(off - CFG_BAR0) / 4;
	if (off >= CFG_ROM && off < CFG_ROM + 4)
		return PCI_ROM_BAR;
	return -1;
}

void pci_cfg_read(struct pci *pci, unsigned int slot, unsigned int fn,
		  uint32_t off, void *data, uint32_t len)
{
	int bar = bar_at(off);
	struct pci_dev *dev;
	uint32_t v;

	memset(data, 0xff, len);
	if (off >= PCI_CFG_SPACE || (off & 3) + len > 4)
		return;
	dev = get(pci, slot, fn);
	if (!dev)
		return;
	if (bar >= 0) {
		v = bar_reg(dev, bar) >> ((off & 3) * 8);
		data_put(data, len, v);
	} else if (off >= CFG_INT_LINE && off < CFG_INT_LINE + 2) {
		v = dev->irq_line | (uint32_t)dev->irq_pin << 8;
		data_put(data, len, v >> ((off & 3) * 8));
	} else {
		dev->ops->cfg_read(dev, off, data, len);
	}
	pthread_mutex_unlock(&dev->lock);
}

void pci_cfg_write(struct pci *pci, unsigned int slot, unsigned int fn,
		   uint32_t off, const void *data, uint32_t len)
{
	int bar = bar_at(off);
	struct pci_dev *dev;

	if (off >= PCI_CFG_SPACE || (off & 3) + len > 4)
		return;
	dev = get(pci, slot, fn);
	if (!dev)
		return;
	if (bar >= 0) {
		bar_reg_write(dev, bar, merge(bar_reg(dev, bar), off & 3, data,
					      len));
	} else if (off == CFG_INT_LINE && len == 1) {
		dev->irq_line = *(const uint8_t *)data;
	} else if (off >= CFG_INT_LINE && off < CFG_INT_LINE + 4) {
		/* Pin, min-grant, max-latency: read-only. */
	} else if (off < CFG_COMMAND + 2 && off + len > CFG_COMMAND) {
		uint32_t shift = off - CFG_COMMAND;
		uint16_t cmd = (uint16_t)merge(dev->command, shift, data,
					       MIN(len, 2 - shift));

		/*
		 * Decode going off: the guest's mappings go before the device
		 * stops answering. Decode coming on: after it answers.
		 */
		dev->command &= cmd;
		update_all(dev);
		dev->ops->cfg_write(dev, off, data, len);
		dev->command = cmd;
		update_all(dev);
	} else {
		dev->ops->cfg_write(dev, off, data, len);
	}
	pthread_mutex_unlock(&dev->lock);
}

/* 0xcf8: the address latch (dword), and 0xcf9 the reset control byte. */
static void cf8_read(struct bus_dev *bd, uint64_t off, void *data,
		     uint32_t len)
{
	struct pci *pci = container_of(bd, struct pci, cf8_dev);

	if (off == 0 && len == 4)
		data_put(data, 4, pci->cf8);
}

static void cf8_write(struct bus_dev *bd, uint64_t off, const void *data,
		      uint32_t len)
{
	struct pci *pci = container_of(bd, struct pci, cf8_dev);

	if (off == 0 && len == 4) {
		pci->cf8 = (uint32_t)data_get(data, 4);
	} else if (off == 1 && len == 1 &&
		   (*(const uint8_t *)data & CF9_RESET_CPU)) {
		info("guest reset the machine through port 0xcf9");
		if (pci->vm)
			vm_request_stop(pci->vm, FERRY_EXIT_OK);
	}
}

static int cf8_decode(const struct pci *pci, uint64_t off, unsigned int *slot,
		      unsigned int *fn, uint32_t *reg)
{
	uint32_t a = pci->cf8;

	if (!(a & CF8_ENABLE) || ((a >> 16) & 0xff) != 0)
		return 0;
	*slot = (a >> 11) & 0x1f;
	*fn = (a >> 8) & 7;
	*reg = (a & 0xfc) | (uint32_t)off;
	return 1;
}

static void cfc_read(struct bus_dev *bd, uint64_t off, void *data,
		     uint32_t len)
{
	struct pci *pci = container_of(bd, struct pci, cfc_dev);
	unsigned int slot, fn;
	uint32_t reg;

	if (cf8_decode(pci, off, &slot, &fn, &reg))
		pci_cfg_read(pci, slot, fn, reg, data, len);
}

static void cfc_write(struct bus_dev *bd, uint64_t off, const void *data,
		      uint32_t len)
{
	struct pci *pci = container_of(bd, struct pci, cfc_dev);
	unsigned int slot, fn;
	uint32_t reg;

	if (cf8_decode(pci, off, &slot, &fn, &reg))
		pci_cfg_write(pci, slot, fn, reg, data, len);
}

/* ECAM: bus << 20 | device << 15 | function << 12 | register. */
static void ecam_read(struct bus_dev *bd, uint64_t off, void *data,
		      uint32_t len)
{
	struct pci *pci = container_of(bd, struct pci, ecam_dev);

	if (off >> 20)
		return; /* only bus 0 exists */
	pci_cfg_read(pci, (off >> 15) & 0x1f, (off >> 12) & 7, off & 0xfff,
		     data, len);
}

static void ecam_write(struct bus_dev *bd, uint64_t off, const void *data,
		       uint32_t len)
{
	struct pci *pci = container_of(bd, struct pci, ecam_dev);

	if (off >> 20)
		return;
	pci_cfg_write(pci, (off >> 15) & 0x1f, (off >> 12) & 7, off & 0xfff,
		      data, len);
}

static const struct bus_ops cf8_ops = { .read = cf8_read, .write = cf8_write };
static const struct bus_ops cfc_ops = { .read = cfc_read, .write = cfc_write };
static const struct bus_ops ecam_ops = { .read = ecam_read,
					 .write = ecam_write };

int pci_init(struct pci *pci, struct vm *vm, const struct pci_windows *win)
{
	int ret;

	memset(pci, 0, sizeof(*pci));
	pci->vm = vm;
	pci->win = *win;
	pci->next_mem32 = win->mem32;
	pci->next_mem64 = win->mem64;
	pci->next_io = win->io;
	pci->cf8_dev = (struct bus_dev){ &cf8_ops, "pci-cf8" };
	pci->cfc_dev = (struct bus_dev){ &cfc_ops, "pci-cfc" };
	pci->ecam_dev = (struct bus_dev){ &ecam_ops, "pci-ecam" };
	ret = -pthread_mutex_init(&pci->lock, NULL);
	if (ret || !vm)
		return ret;
	ret = bus_add(&vm->pio, 0xcf8, 4, &pci->cf8_dev);
	if (ret)
		return ret;
	ret = bus_add(&vm->pio, 0xcfc, 4, &pci->cfc_dev);
	if (ret)
		goto err_cf8;
	ret = bus_add(&vm->mmio, win->ecam, win->ecam_size, &pci->ecam_dev);
	if (ret)
		goto err_cfc;
	return 0;

err_cfc:
	bus_remove(&vm->pio, 0xcfc, &pci->cfc_dev);
err_cf8:
	bus_remove(&vm->pio, 0xcf8, &pci->cf8_dev);
	return ret;
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

static int assign_bar(struct pci *pci, struct pci_bar *b)
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

int pci_add_device(struct pci *pci, struct pci_dev *dev, int slot)
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

		b->decoding = 0;
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
		goto out;
	dev->pci = pci;
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
	uint16_t cmd = PCI_COMMAND_MEM | PCI_COMMAND_IO;

	pthread_mutex_lock(&dev->lock);
	dev->ops->cfg_write(dev, CFG_COMMAND, &cmd, 2);
	dev->command |= cmd;
	update_all(dev);
	pthread_mutex_unlock(&dev->lock);
}

void pci_remove_device(struct pci *pci, struct pci_dev *dev)
{
	int i;

	pthread_mutex_lock(&pci->lock);
	if (dev->pci != pci || dev->slot >= PCI_SLOTS ||
	    pci->slots[dev->slot] != dev) {
		pthread_mutex_unlock(&pci->lock);
		return;
	}
	/* Gone from the table first: no new access finds it. */
	pci->slots[dev->slot] = NULL;
	pthread_mutex_lock(&dev->lock);
	pthread_mutex_unlock(&pci->lock);
	for (i = 0; i <= PCI_ROM_BAR; i++) {
		struct pci_bar *b = &dev->bars[i];

		if (b->decoding)
			dev->ops->bar_map(dev, i, b->mapped_addr, 0);
		b->decoding = 0;
	}
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
