// SPDX-License-Identifier: MIT
/*
 * Config space of a virtio PCI device: identity, the MSI-X capability and
 * the virtio capabilities that say where each structure lies in BAR0, and
 * the VIRTIO_PCI_CAP_PCI_CFG window onto the BARs.
 */
#include "virtio_priv.h"

/* Capability offsets (each dword aligned, chained in this order). */
#define CAP_MSIX 0x40
#define CAP_COMMON 0x4c
#define CAP_NOTIFY 0x5c
#define CAP_ISR 0x70
#define CAP_DEVICE 0x80
#define CAP_PCI_CFG 0x90 /* 20 bytes: its data dword at 0xa0 */
#define PCI_CFG_DATA (CAP_PCI_CFG + 16)

static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap layout");
static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "notify cap");
static_assert(sizeof(struct virtio_pci_cfg_cap) == 20, "pci cfg cap");

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void vendor_cap(struct virtio_dev *vd, uint8_t off, uint8_t next,
		       uint8_t len, uint8_t type, uint32_t bar_off,
		       uint32_t length)
{
	struct virtio_pci_cap c = {
		.cap_vndr = PCI_CAP_ID_VNDR,
		.cap_next = next,
		.cap_len = len,
		.cfg_type = type,
		.bar = 0,
		.offset = bar_off,
		.length = length,
	};

	memcpy(&vd->cfg.regs[off], &c, sizeof(c));
}

void virtio_cfg_init(struct virtio_dev *vd)
{
	struct pci_cfg_array *c = &vd->cfg;
	unsigned int nr = vd->info.nr_queues + 1;

	memset(c, 0, sizeof(*c));
	put16(&c->regs[PCI_VENDOR_ID], VIRTIO_PCI_VENDOR);
	put16(&c->regs[PCI_DEVICE_ID],
	      (uint16_t)(VIRTIO_PCI_DEVICE_BASE + vd->info.device_id));
	/* I/O and memory decoding, bus mastering, INTx disable. */
	c->wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
				PCI_COMMAND_MASTER;
	c->wmask[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8;
	put16(&c->regs[PCI_STATUS], PCI_STATUS_CAP_LIST);
	c->regs[PCI_REVISION_ID] = 1; /* modern only (virtio 1.x 4.1.2) */
	c->regs[PCI_CLASS_PROG] = (uint8_t)vd->info.class_code;
	put16(&c->regs[PCI_CLASS_DEVICE], (uint16_t)(vd->info.class_code >> 8));
	put16(&c->regs[PCI_SUBSYSTEM_VENDOR_ID], VIRTIO_PCI_VENDOR);
	put16(&c->regs[PCI_SUBSYSTEM_ID], 0x1100);
	c->regs[PCI_CAPABILITY_LIST] = CAP_MSIX;

	/* MSI-X: a vector per queue and one for config changes, in BAR1. */
	c->regs[CAP_MSIX] = PCI_CAP_ID_MSIX;
	c->regs[CAP_MSIX + 1] = CAP_COMMON;
	put16(&c->regs[CAP_MSIX + PCI_MSIX_FLAGS], (uint16_t)(nr - 1));
	c->wmask[CAP_MSIX + PCI_MSIX_FLAGS + 1] =
		(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	put32(&c->regs[CAP_MSIX + PCI_MSIX_TABLE], 0 | 1);
	put32(&c->regs[CAP_MSIX + PCI_MSIX_PBA], VIRTIO_PBA_OFF | 1);

	vendor_cap(vd, CAP_COMMON, CAP_NOTIFY, 16, VIRTIO_PCI_CAP_COMMON_CFG,
		   VIRTIO_COMMON_OFF, VIRTIO_COMMON_LEN);
	vendor_cap(vd, CAP_NOTIFY, CAP_ISR, 20, VIRTIO_PCI_CAP_NOTIFY_CFG,
		   VIRTIO_NOTIFY_OFF,
		   VIRTIO_NOTIFY_MULT * vd->info.nr_queues);
	put32(&c->regs[CAP_NOTIFY + 16], VIRTIO_NOTIFY_MULT);
	vendor_cap(vd, CAP_ISR, CAP_DEVICE, 16, VIRTIO_PCI_CAP_ISR_CFG,
		   VIRTIO_ISR_OFF, 4);
	vendor_cap(vd, CAP_DEVICE, CAP_PCI_CFG, 16, VIRTIO_PCI_CAP_DEVICE_CFG,
		   VIRTIO_DEVICE_OFF, vd->info.cfg_size);
	/* The window onto the BARs: bar, offset, length and data writable. */
	vendor_cap(vd, CAP_PCI_CFG, 0, 20, VIRTIO_PCI_CAP_PCI_CFG, 0, 0);
	c->wmask[CAP_PCI_CFG + 4] = 0xff;
	memset(&c->wmask[CAP_PCI_CFG + 8], 0xff, 8);
	memset(&c->wmask[PCI_CFG_DATA], 0xff, 4);
}

/*
 * The VIRTIO_PCI_CAP_PCI_CFG window: a BAR access of cap.length (1, 2 or
 * 4) bytes at cap.offset of BAR cap.bar, through pci_cfg_data. Anything
 * else reads zero and writes nothing (the spec leaves it undefined).
 */
static int window(struct virtio_dev *vd, int *bar, uint32_t *off,
		  uint32_t *len)
{
	uint32_t o, l;

	memcpy(&o, &vd->cfg.regs[CAP_PCI_CFG + 8], 4);
	memcpy(&l, &vd->cfg.regs[CAP_PCI_CFG + 12], 4);
	*bar = vd->cfg.regs[CAP_PCI_CFG + 4];
	if ((l != 1 && l != 2 && l != 4) || !IS_ALIGNED(o, l) ||
	    (*bar != 0 && *bar != 1) || o >= vd->pci.bars[*bar].size)
		return 0;
	*off = o;
	*len = l;
	return 1;
}

static int in_data(uint32_t off, uint32_t len)
{
	return off < PCI_CFG_DATA + 4 && off + len > PCI_CFG_DATA;
}

void virtio_cfg_read(struct pci_dev *pdev, uint32_t off, void *data,
		     uint32_t len)
{
	struct virtio_dev *vd = container_of(pdev, struct virtio_dev, pci);
	uint32_t boff, blen;
	int bar;

	pci_cfg_array_read(&vd->cfg, off, data, len);
	if (in_data(off, len) && window(vd, &bar, &boff, &blen)) {
		uint32_t v = 0;

		virtio_bar_access(vd, bar, boff, &v, blen, 0);
		memcpy(&vd->cfg.regs[PCI_CFG_DATA], &v, 4);
		pci_cfg_array_read(&vd->cfg, off, data, len);
	}
}

void virtio_cfg_write(struct pci_dev *pdev, uint32_t off, const void *data,
		      uint32_t len)
{
	struct virtio_dev *vd = container_of(pdev, struct virtio_dev, pci);
	uint32_t boff, blen;
	uint16_t ctrl;
	int bar;

	pci_cfg_array_write(&vd->cfg, off, data, len);
	if (off < CAP_MSIX + PCI_MSIX_FLAGS + 2 &&
	    off + len > CAP_MSIX + PCI_MSIX_FLAGS) {
		memcpy(&ctrl, &vd->cfg.regs[CAP_MSIX + PCI_MSIX_FLAGS], 2);
		msix_control(&vd->msix, ctrl & PCI_MSIX_FLAGS_ENABLE,
			     ctrl & PCI_MSIX_FLAGS_MASKALL);
	}
	if (in_data(off, len) && window(vd, &bar, &boff, &blen)) {
		uint32_t v;

		memcpy(&v, &vd->cfg.regs[PCI_CFG_DATA], 4);
		virtio_bar_access(vd, bar, boff, &v, blen, 1);
	}
}
