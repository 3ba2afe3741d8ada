// SPDX-License-Identifier: MIT
/*
 * Virtualised config space of a VFIO PCI device. Reads go to the device
 * (through the kernel's own filtering) and ferry overlays what it owns:
 * the capability chain (only MSI, MSI-X and PCI Express are shown), the
 * MSI and MSI-X capabilities (their messages become KVM routes), and the
 * extended space (config_ext.c). The BARs, ROM BAR and interrupt line/pin are
 * emulated by the PCI layer before a request gets here.
 */
#include <errno.h>
#include <stdlib.h>
#include "vfio_priv.h"

#define CFG_SIZE 256 /* the standard header and capabilities */
#define CAP_MAX 48 /* capabilities a walk of the chain visits at most */
#define MSIX_MAX_BIR 5
/* The whole PCI Express capability: v2 through Slot Status 2 for every
 * device type; v1 through Root Status, except that a v1 endpoint's ends
 * after Link Status and a v1 integrated endpoint's after Device Status
 * (PCIe 1.1, 7.8: QEMU's e1000e and real 82574s have theirs at 0xe0). */
#define PCIE_LEN_V1 (PCI_EXP_RTSTA + 4)
#define PCIE_LEN_V2 (PCI_EXP_SLTSTA2 + 2)

/* Bytes of a PCI Express capability with flags @flags. */
static unsigned int pcie_len_of(uint16_t flags)
{
	if ((flags & PCI_EXP_FLAGS_VERS) >= 2)
		return PCIE_LEN_V2;
	switch ((flags & PCI_EXP_FLAGS_TYPE) >> 4) {
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_LEG_END:
		return PCI_CAP_EXP_ENDPOINT_SIZEOF_V1;
	case PCI_EXP_TYPE_RC_END:
		return PCI_CAP_EXP_RC_ENDPOINT_SIZEOF_V1;
	default:
		return PCIE_LEN_V1;
	}
}

/* Bytes of an MSI capability with control word @ctrl. */
static unsigned int msi_len_of(uint16_t ctrl)
{
	int is64 = !!(ctrl & PCI_MSI_FLAGS_64BIT);

	if (ctrl & PCI_MSI_FLAGS_MASKBIT)
		return is64 ? PCI_MSI_PENDING_64 + 4 : PCI_MSI_PENDING_32 + 4;
	return is64 ? PCI_MSI_DATA_64 + 2 : PCI_MSI_DATA_32 + 2;
}

static unsigned int msi_len(const struct vfio_pci_dev *d)
{
	return msi_len_of(d->msi.ctrl);
}

static unsigned int msi_data_off(const struct vfio_pci_dev *d)
{
	return d->msi.is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
}

/* Mask bits, then pending bits 4 bytes on (per-vector masking only). */
static unsigned int msi_mask_off(const struct vfio_pci_dev *d)
{
	return d->msi.is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
}

/* The mask bits that exist: one per vector the device can have. */
static uint32_t msi_mask_valid(const struct vfio_pci_dev *d)
{
	unsigned int mmc = MIN((d->msi.ctrl & PCI_MSI_FLAGS_QMASK) >> 1, 5u);

	return mmc == 5 ? 0xffffffffu : (1u << (1u << mmc)) - 1;
}

/* Little-endian fields of the config snapshot (util.h's data_get). */
#define get16(p) ((uint16_t)data_get((p), 2))
#define get32(p) ((uint32_t)data_get((p), 4))

/* Does a capability of @len bytes at @ptr end inside config space? */
static int cap_fits(unsigned int ptr, unsigned int len)
{
	return ptr + len <= CFG_SIZE;
}

/*
 * The MSI-X capability at @ptr (its 12 bytes fit): table and PBA must lie
 * in memory BARs of the device. 0, 1 if they do not (the capability is
 * then hidden), -ENOMEM.
 */
static int msix_init(struct vfio_pci_dev *d, unsigned int ptr)
{
	const uint8_t *c = d->cfg;
	uint32_t table = get32(&c[ptr + PCI_MSIX_TABLE]);
	uint32_t pba = get32(&c[ptr + PCI_MSIX_PBA]);
	unsigned int nr = (get16(&c[ptr + PCI_MSIX_FLAGS]) & PCI_MSIX_FLAGS_QSIZE) + 1,
		     v;
	unsigned int tbar = table & 7, pbar = pba & 7;
	uint64_t toff = table & ~7u, poff = pba & ~7u;

	if (tbar > MSIX_MAX_BIR || pbar > MSIX_MAX_BIR ||
	    d->pci.bars[tbar].type == PCI_BAR_IO ||
	    d->pci.bars[pbar].type == PCI_BAR_IO ||
	    toff + nr * 16ULL > d->pci.bars[tbar].size ||
	    poff + ALIGN_UP(nr, 64) / 8 > d->pci.bars[pbar].size) {
		vfio_dev_info(d, "MSI-X table or PBA outside the device's "
			      "BARs; MSI-X hidden");
		return 1;
	}
	d->msix.off = (uint8_t)ptr;
	d->msix.nr = nr;
	d->msix.table_bar = (int)tbar;
	d->msix.table_off = toff;
	d->msix.pba_bar = (int)pbar;
	d->msix.pba_off = poff;
	d->msix.table = calloc(nr, 16);
	if (!d->msix.table)
		return -ENOMEM;
	for (v = 0; v < nr; v++)
		d->msix.table[v * 4 + 3] = 1; /* masked */
	return 0;
}

/*
 * Decide whether the capability at @ptr is shown: the first MSI, MSI-X
 * and PCI Express capability are, when all their fields lie inside the
 * 256 bytes ferry reads (a capability at 0xf8 cannot hold MSI-X's 12).
 * 1 shown, 0 hidden, -ENOMEM.
 */
static int cap_show(struct vfio_pci_dev *d, unsigned int ptr, uint8_t id)
{
	const uint8_t *c = d->cfg;
	unsigned int len;
	int ret;

	switch (id) {
	case PCI_CAP_ID_MSI:
		if (d->msi.off)
			return 0;
		len = msi_len_of(get16(&c[ptr + PCI_MSI_FLAGS])); /* ptr <= 0xfc */
		if (!cap_fits(ptr, len))
			break;
		d->msi.off = (uint8_t)ptr;
		/* Keep what the device can do; the guest enables. */
		d->msi.ctrl = get16(&c[ptr + PCI_MSI_FLAGS]) &
			      (PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_64BIT |
			       PCI_MSI_FLAGS_MASKBIT);
		d->msi.is64 = !!(d->msi.ctrl & PCI_MSI_FLAGS_64BIT);
		return 1;
	case PCI_CAP_ID_MSIX:
		if (d->msix.off)
			return 0;
		if (!cap_fits(ptr, PCI_CAP_MSIX_SIZEOF))
			break;
		ret = msix_init(d, ptr);
		return ret < 0 ? ret : !ret;
	case PCI_CAP_ID_EXP:
		if (d->pcie_off)
			return 0;
		len = pcie_len_of(get16(&c[ptr + PCI_EXP_FLAGS]));
		if (!cap_fits(ptr, len))
			break;
		d->is_pcie = 1;
		d->pcie_off = (uint8_t)ptr;
		return 1;
	default:
		return 0; /* hidden: left out of the virtual chain */
	}
	vfio_dev_info(d, "capability 0x%02x at 0x%02x runs past config space; "
		      "hidden", id, ptr);
	return 0;
}

/*
 * Walk the real chain (bounded, and a pointer seen before ends it: a loop
 * must not hang us nor show the guest a loop), link the shown capabilities
 * into the virtual chain and mark the bytes of the hidden ones: from each
 * to the next capability (by address) or the end of config space.
 */
static int caps_init(struct vfio_pci_dev *d)
{
	uint8_t *c = d->cfg, last = 0, seen[CFG_SIZE] = { 0 };
	uint8_t offs[CAP_MAX], shown[CAP_MAX];
	unsigned int ptr, n = 0, i, j, end;
	int ret;

	if (!(c[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	for (ptr = c[PCI_CAPABILITY_LIST] & 0xfc;
	     ptr >= PCI_STD_HEADER_SIZEOF && n < CAP_MAX && !seen[ptr];
	     ptr = c[ptr + 1] & 0xfc) {
		seen[ptr] = 1;
		ret = cap_show(d, ptr, c[ptr]);
		if (ret < 0)
			return ret;
		offs[n] = (uint8_t)ptr;
		shown[n++] = (uint8_t)ret;
		if (!ret)
			continue;
		d->cap_exposed[ptr] = 1;
		if (last)
			d->cap_next[last] = (uint8_t)ptr;
		else
			d->cap_first = (uint8_t)ptr;
		last = (uint8_t)ptr;
	}
	for (i = 0; i < n; i++) {
		if (shown[i])
			continue;
		for (end = CFG_SIZE, j = 0; j < n; j++)
			if (offs[j] > offs[i] && offs[j] < end)
				end = offs[j];
		memset(&d->cap_hidden[offs[i]], 1, end - offs[i]);
	}
	return 0;
}

/*
 * The device's own config bytes at [@off, @off + @len). A mediated
 * device's config region may be shorter than 256 bytes (mtty's and
 * mbochs's are 255): what lies past it reads as 0, as a register the
 * function does not implement, and writes there are dropped.
 */
static int dev_cfg_io(struct vfio_pci_dev *d, uint32_t off, void *data,
		      uint32_t len, int write)
{
	uint64_t size = d->regions[VFIO_PCI_CONFIG_REGION_INDEX].size;
	uint32_t n = off >= size ? 0 : (uint32_t)MIN((uint64_t)len, size - off);

	if (write)
		return n ? vfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX,
					     off, data, n) : 0;
	memset((uint8_t *)data + n, 0, len - n);
	return n ? vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off,
				    data, n) : 0;
}

int vfio_config_init(struct vfio_pci_dev *d)
{
	uint8_t *c = d->cfg;
	int ret, i;

	ret = dev_cfg_io(d, 0, c, CFG_SIZE, 0);
	if (ret) {
		vfio_dev_err(d, "cannot read config space: %s", strerror(-ret));
		return ret;
	}

	/* BAR types come from the device's registers, sizes from VFIO. */
	for (i = 0; i < PCI_NUM_BARS; i++) {
		uint32_t v = get32(&c[PCI_BASE_ADDRESS_0 + 4 * i]);
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
	ret = caps_init(d);
	return ret ? ret : vfio_ext_init(d);
}

/*
 * The byte the guest sees at @reg, given the device's own @real byte and
 * the MSI pending bits @pending.
 */
static uint8_t virt_byte(struct vfio_pci_dev *d, unsigned int reg,
			 uint8_t real, uint32_t pending)
{
	unsigned int o;

	if (reg == PCI_CAPABILITY_LIST)
		return d->cap_first;
	if (reg == PCI_STATUS && !d->cap_first)
		return real & (uint8_t)~PCI_STATUS_CAP_LIST;
	if (d->msi.off && reg >= d->msi.off && reg < d->msi.off + msi_len(d)) {
		o = reg - d->msi.off;
		switch (o) {
		case 0: return PCI_CAP_ID_MSI;
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
		if (o >= msi_mask_off(d) && o < msi_mask_off(d) + 4)
			return (uint8_t)(d->msi.mask >>
					 ((o - msi_mask_off(d)) * 8));
		if (o >= msi_mask_off(d) + 4 && o < msi_mask_off(d) + 8)
			return (uint8_t)(pending >>
					 ((o - msi_mask_off(d) - 4) * 8));
		return 0; /* extended message data: not supported */
	}
	if (d->msix.off && reg >= d->msix.off &&
	    reg < d->msix.off + (unsigned int)PCI_CAP_MSIX_SIZEOF) {
		o = reg - d->msix.off;
		if (o == 1)
			return d->cap_next[d->msix.off];
		if (o == 3)
			return (uint8_t)((real & 0x07) |
					 ((d->msix.ctrl >> 8) &
					  ((PCI_MSIX_FLAGS_ENABLE |
					    PCI_MSIX_FLAGS_MASKALL) >> 8)));
		return real;
	}
	if (reg > 0 && d->cap_exposed[reg - 1])
		return d->cap_next[reg - 1]; /* next pointer of a shown cap */
	return real;
}

/* Does [off, off + len) touch the MSI pending bits? */
static int reads_pending(const struct vfio_pci_dev *d, uint32_t off,
			 uint32_t len)
{
	unsigned int p = d->msi.off + msi_mask_off(d) + 4;

	return d->msi.off && (d->msi.ctrl & PCI_MSI_FLAGS_MASKBIT) &&
	       ranges_overlap(off, len, p, 4);
}

static void vfio_cfg_read(struct pci_dev *pdev, uint32_t off, void *data,
			  uint32_t len)
{
	struct vfio_pci_dev *d = container_of(pdev, struct vfio_pci_dev, pci);
	uint32_t i, pending = 0;
	uint8_t *b = data;

	if (off >= CFG_SIZE) {
		vfio_ext_read(d, off, data, len);
		return;
	}
	dev_cfg_io(d, off, data, len, 0);
	if (reads_pending(d, off, len))
		pending = vfio_msi_pending(d);
	for (i = 0; i < len; i++)
		b[i] = virt_byte(d, off + i, b[i], pending);
}

/* Apply a write to the MSI capability's shadow. Called with irq_lock. */
static void msi_write(struct vfio_pci_dev *d, unsigned int o, uint8_t v)
{
	unsigned int data_off = msi_data_off(d), mask_off = msi_mask_off(d);

	if (o == 2) {
		d->msi.ctrl = (uint16_t)((d->msi.ctrl & ~(PCI_MSI_FLAGS_ENABLE |
							  PCI_MSI_FLAGS_QSIZE)) |
					 (v & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)));
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
	} else if ((d->msi.ctrl & PCI_MSI_FLAGS_MASKBIT) && o >= mask_off &&
		   o < mask_off + 4) {
		uint32_t shift = (o - mask_off) * 8;

		d->msi.mask = (d->msi.mask & ~(0xffu << shift)) |
			      ((uint32_t)v << shift);
		d->msi.mask &= msi_mask_valid(d);
	}
	/* Pending bits and the rest are read-only. */
}

static void vfio_cfg_write(struct pci_dev *pdev, uint32_t off,
			   const void *data, uint32_t len)
{
	struct vfio_pci_dev *d = container_of(pdev, struct vfio_pci_dev, pci);
	const uint8_t *b = data;
	uint32_t i, flr;

	if (off >= CFG_SIZE) {
		vfio_ext_write(d, off, len);
		return;
	}
	if (d->msi.off && off >= d->msi.off && off < d->msi.off + msi_len(d)) {
		pthread_mutex_lock(&d->irq_lock);
		for (i = 0; i < len; i++)
			msi_write(d, off + i - d->msi.off, b[i]);
		vfio_irq_update(d);
		pthread_mutex_unlock(&d->irq_lock);
		return;
	}
	if (d->msix.off && off >= d->msix.off &&
	    off < d->msix.off + (unsigned int)PCI_CAP_MSIX_SIZEOF) {
		/* Only the control word's top byte is writable. */
		for (i = 0; i < len; i++) {
			if (off + i != d->msix.off + 3u)
				continue;
			pthread_mutex_lock(&d->irq_lock);
			d->msix.ctrl = (uint16_t)(b[i] << 8) &
				       (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
			vfio_irq_update(d);
			pthread_mutex_unlock(&d->irq_lock);
		}
		return;
	}
	/*
	 * A capability the guest is not shown is not the guest's to change:
	 * power management among them, whose D3hot would take the BARs away
	 * under the vCPUs. Such writes are dropped (and counted).
	 */
	if (d->cap_hidden[off]) {
		d->stats.hidden_cap_writes++;
		return;
	}
	if (off <= PCI_CAPABILITY_LIST && off + len > PCI_CAPABILITY_LIST)
		return; /* read-only pointer; nothing else shares its dword */
	/*
	 * Function-level reset requested by the guest (PCIe Device Control,
	 * bit 15): the kernel resets the device as the write lands, so the
	 * BARs' memory slots go first and come back lazily afterwards.
	 */
	flr = d->pcie_off + PCI_EXP_DEVCTL + 1u; /* the byte with the bit */
	if (d->pcie_off && off <= flr && off + len > flr &&
	    (b[flr - off] & (PCI_EXP_DEVCTL_BCR_FLR >> 8))) {
		vfio_dev_info_rl(d, &d->flr_rl,
				 "guest requested a function-level reset");
		vfio_bars_revoke(d);
		d->stats.guest_resets++;
	}
	dev_cfg_io(d, off, (void *)data, len, 1);
}

const struct pci_dev_ops vfio_pci_ops = {
	.cfg_read = vfio_cfg_read, .cfg_write = vfio_cfg_write,
	.bar_read = vfio_bar_read, .bar_write = vfio_bar_write,
	.bar_map = vfio_bar_map,
};
