// SPDX-License-Identifier: MIT
/*
 * Virtualised config space of a VFIO PCI device. Reads go to the device
 * (through the kernel's own filtering) and ferry overlays what it owns:
 * the capability chain (only MSI, MSI-X and PCI Express are shown), the
 * MSI and MSI-X capabilities (their messages become KVM routes), and an
 * empty extended space. The BARs, ROM BAR and interrupt line/pin are
 * emulated by the PCI layer before a request gets here.
 */
#include <errno.h>
#include <stdlib.h>
#include "vfio_priv.h"

#define CFG_STATUS 0x06
#define STATUS_CAP_LIST 0x10
#define CFG_CAP_PTR 0x34
#define CAP_MSI 0x05
#define CAP_PCIE 0x10
#define CAP_MSIX 0x11
#define PCIE_DEVCTL 0x08
#define PCIE_DEVCTL_FLR 0x8000

#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_MMC 0x000e /* multiple message capable */
#define MSI_CTRL_MME 0x0070 /* multiple message enable */
#define MSI_CTRL_64BIT 0x0080
#define MSI_CTRL_MASKABLE 0x0100
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000

static unsigned int msi_len(const struct vfio_pci_dev *d)
{
	unsigned int len = d->msi.is64 ? 0x0e : 0x0a;

	if (d->msi.ctrl & MSI_CTRL_MASKABLE)
		len = d->msi.is64 ? 0x18 : 0x14;
	return len;
}

static unsigned int msi_data_off(const struct vfio_pci_dev *d)
{
	return d->msi.is64 ? 0x0c : 0x08;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int vfio_config_init(struct vfio_pci_dev *d)
{
	uint8_t *c = d->cfg, last = 0;
	unsigned int ptr, n;
	int ret, i;

	ret = vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, 0, c, 256);
	if (ret) {
		vfio_dev_err(d, "cannot read config space: %s", strerror(-ret));
		return ret;
	}

	/* BAR types come from the device's registers, sizes from VFIO. */
	for (i = 0; i < PCI_NUM_BARS; i++) {
		uint32_t v = get32(&c[0x10 + 4 * i]);
		struct pci_bar *b = &d->pci.bars[i];
		uint64_t size = d->regions[i].size;

		if (!size)
			continue;
		if (size & (size - 1)) {
			vfio_dev_err(d, "BAR%d size 0x%llx is not a power of "
				     "two", i, (unsigned long long)size);
			return -EINVAL;
		}
		b->size = size;
		if (v & 1) {
			b->type = PCI_BAR_IO;
		} else if (((v >> 1) & 3) == 2 && i < PCI_NUM_BARS - 1) {
			b->type = PCI_BAR_MEM64;
			b->prefetch = !!(v & 8);
			i++; /* the upper half is not a BAR of its own */
		} else {
			b->type = PCI_BAR_MEM32;
			b->prefetch = !!(v & 8);
		}
	}
	if (d->regions[VFIO_PCI_ROM_REGION_INDEX].size) {
		d->pci.bars[PCI_ROM_BAR].type = PCI_BAR_MEM32;
		d->pci.bars[PCI_ROM_BAR].size =
			d->regions[VFIO_PCI_ROM_REGION_INDEX].size;
	}

	/* Walk the real chain (bounded: a loop in it must not hang us). */
	if (!(c[CFG_STATUS] & STATUS_CAP_LIST))
		return 0;
	for (ptr = c[CFG_CAP_PTR] & 0xfc, n = 0; ptr >= 0x40 && n < 48;
	     ptr = c[ptr + 1] & 0xfc, n++) {
		uint8_t id = c[ptr];

		if (id != CAP_MSI && id != CAP_MSIX && id != CAP_PCIE)
			continue; /* hidden: left out of the virtual chain */
		d->cap_exposed[ptr] = 1;
		if (last)
			d->cap_next[last] = (uint8_t)ptr;
		else
			d->cap_first = (uint8_t)ptr;
		last = (uint8_t)ptr;
		if (id == CAP_MSI) {
			d->msi.off = (uint8_t)ptr;
			/* Keep what the device can do; the guest enables. */
			d->msi.ctrl = get16(&c[ptr + 2]) &
				      (MSI_CTRL_MMC | MSI_CTRL_64BIT |
				       MSI_CTRL_MASKABLE);
			d->msi.is64 = !!(d->msi.ctrl & MSI_CTRL_64BIT);
		} else if (id == CAP_MSIX) {
			uint32_t table = get32(&c[ptr + 4]);
			uint32_t pba = get32(&c[ptr + 8]);
			unsigned int v;

			d->msix.off = (uint8_t)ptr;
			d->msix.nr = (get16(&c[ptr + 2]) & 0x7ff) + 1;
			d->msix.table_bar = (int)(table & 7);
			d->msix.table_off = table & ~7u;
			d->msix.pba_bar = (int)(pba & 7);
			d->msix.pba_off = pba & ~7u;
			d->msix.table = calloc(d->msix.nr, 16);
			if (!d->msix.table)
				return -ENOMEM;
			for (v = 0; v < d->msix.nr; v++)
				d->msix.table[v * 4 + 3] = 1; /* masked */
		} else {
			d->is_pcie = 1;
			d->pcie_off = (uint8_t)ptr;
		}
	}
	return 0;
}

/* The byte the guest sees at @reg, given the device's own @real byte. */
static uint8_t virt_byte(struct vfio_pci_dev *d, unsigned int reg,
			 uint8_t real)
{
	unsigned int o;

	if (reg == CFG_CAP_PTR)
		return d->cap_first;
	if (reg == CFG_STATUS && !d->cap_first)
		return real & (uint8_t)~STATUS_CAP_LIST;
	if (d->msi.off && reg >= d->msi.off && reg < d->msi.off + msi_len(d)) {
		o = reg - d->msi.off;
		switch (o) {
		case 0: return CAP_MSI;
		case 1: return d->cap_next[d->msi.off];
		case 2: return (uint8_t)d->msi.ctrl;
		case 3: return (uint8_t)(d->msi.ctrl >> 8);
		}
		if (o >= 4 && o < 8)
			return (uint8_t)(d->msi.addr_lo >> ((o - 4) * 8));
		if (d->msi.is64 && o >= 8 && o < 12)
			return (uint8_t)(d->msi.addr_hi >> ((o - 8) * 8));
		if (o == msi_data_off(d) || o == msi_data_off(d) + 1)
			return (uint8_t)(d->msi.data >>
					 ((o - msi_data_off(d)) * 8));
		return 0; /* mask and pending bits: none */
	}
	if (d->msix.off && reg >= d->msix.off && reg < d->msix.off + 12u) {
		o = reg - d->msix.off;
		if (o == 1)
			return d->cap_next[d->msix.off];
		if (o == 3)
			return (uint8_t)((real & 0x07) |
					 ((d->msix.ctrl >> 8) &
					  ((MSIX_CTRL_ENABLE |
					    MSIX_CTRL_MASKALL) >> 8)));
		return real;
	}
	if (reg > 0 && d->cap_exposed[reg - 1])
		return d->cap_next[reg - 1]; /* next pointer of a shown cap */
	return real;
}

static void vfio_cfg_read(struct pci_dev *pdev, uint32_t off, void *data,
			  uint32_t len)
{
	struct vfio_pci_dev *d = container_of(pdev, struct vfio_pci_dev, pci);
	uint8_t *b = data;
	uint32_t i;

	if (off >= 256) {
		memset(data, 0, len); /* no extended capabilities */
		return;
	}
	vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, data, len);
	for (i = 0; i < len; i++)
		b[i] = virt_byte(d, off + i, b[i]);
}

/* Apply a write to the MSI capability's shadow. */
static void msi_write(struct vfio_pci_dev *d, unsigned int o, uint8_t v)
{
	unsigned int data_off = msi_data_off(d);

	if (o == 2) {
		d->msi.ctrl = (uint16_t)((d->msi.ctrl & ~(MSI_CTRL_ENABLE |
							  MSI_CTRL_MME)) |
					 (v & (MSI_CTRL_ENABLE | MSI_CTRL_MME)));
	} else if (o >= 4 && o < 8) {
		uint32_t shift = (o - 4) * 8;

		d->msi.addr_lo = (d->msi.addr_lo & ~(0xffu << shift)) |
				 ((uint32_t)v << shift);
		d->msi.addr_lo &= ~3u;
	} else if (d->msi.is64 && o >= 8 && o < 12) {
		uint32_t shift = (o - 8) * 8;

		d->msi.addr_hi = (d->msi.addr_hi & ~(0xffu << shift)) |
				 ((uint32_t)v << shift);
	} else if (o == data_off || o == data_off + 1) {
		uint32_t shift = (o - data_off) * 8;

		d->msi.data = (uint16_t)((d->msi.data & ~(0xffu << shift)) |
					 ((uint32_t)v << shift));
	}
}

static void vfio_cfg_write(struct pci_dev *pdev, uint32_t off,
			   const void *data, uint32_t len)
{
	struct vfio_pci_dev *d = container_of(pdev, struct vfio_pci_dev, pci);
	const uint8_t *b = data;
	uint16_t old_ctrl;
	uint32_t i;

	if (off >= 256)
		return;
	if (d->msi.off && off >= d->msi.off && off < d->msi.off + msi_len(d)) {
		pthread_mutex_lock(&d->irq_lock);
		old_ctrl = d->msi.ctrl;
		for (i = 0; i < len; i++)
			msi_write(d, off + i - d->msi.off, b[i]);
		pthread_mutex_unlock(&d->irq_lock);
		if ((old_ctrl ^ d->msi.ctrl) & (MSI_CTRL_ENABLE | MSI_CTRL_MME))
			vfio_msi_ctrl_write(d);
		else if (d->msi.ctrl & MSI_CTRL_ENABLE)
			vfio_msi_msg_changed(d);
		return;
	}
	if (d->msix.off && off >= d->msix.off && off < d->msix.off + 12u) {
		/* Only the control word's top byte is writable. */
		for (i = 0; i < len; i++)
			if (off + i == d->msix.off + 3u)
				vfio_msix_ctrl_write(d, (uint16_t)(b[i] << 8));
		return;
	}
	if (off <= CFG_CAP_PTR && off + len > CFG_CAP_PTR)
		return; /* read-only pointer; nothing else shares its dword */
	/*
	 * Function-level reset requested by the guest (PCIe Device Control,
	 * bit 15): the kernel resets the device as the write lands, so the
	 * BARs' memory slots go first and come back lazily afterwards.
	 */
	if (d->pcie_off && off <= d->pcie_off + PCIE_DEVCTL + 1u &&
	    off + len > d->pcie_off + PCIE_DEVCTL + 1u &&
	    (b[d->pcie_off + PCIE_DEVCTL + 1u - off] & (PCIE_DEVCTL_FLR >> 8))) {
		vfio_dev_info(d, "guest requested a function-level reset");
		vfio_bars_revoke(d);
		d->stats.guest_resets++;
	}
	vfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, off, data, len);
}

const struct pci_dev_ops vfio_pci_ops = {
	.cfg_read = vfio_cfg_read,
	.cfg_write = vfio_cfg_write,
	.bar_map = vfio_bar_map,
};
