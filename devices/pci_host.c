// SPDX-License-Identifier: MIT
/* The host bridge at 00:00.0, which Linux's PCI probe looks for. */
#include <string.h>
#include "pci_host.h"

/* Red Hat's ID for a generic virtual PCIe host bridge (as QEMU's gpex). */
#define HB_VENDOR 0x1b36
#define HB_DEVICE 0x0008

static void hb_read(struct pci_dev *dev, uint32_t off, void *data,
		    uint32_t len)
{
	struct pci_host_bridge *hb = container_of(dev, struct pci_host_bridge,
						  dev);

	pci_cfg_array_read(&hb->cfg, off, data, len);
}

static void hb_write(struct pci_dev *dev, uint32_t off, const void *data,
		     uint32_t len)
{
	struct pci_host_bridge *hb = container_of(dev, struct pci_host_bridge,
						  dev);

	pci_cfg_array_write(&hb->cfg, off, data, len);
}

/* It has no BARs: no BAR callbacks. */
static const struct pci_dev_ops hb_ops = {
	.cfg_read = hb_read,
	.cfg_write = hb_write,
};

int pci_host_bridge_init(struct pci_host_bridge *hb, struct pci_bus *pci)
{
	uint8_t *r = hb->cfg.regs;

	memset(hb, 0, sizeof(*hb));
	hb->dev.name = "host-bridge";
	hb->dev.ops = &hb_ops;
	r[PCI_VENDOR_ID] = HB_VENDOR & 0xff;
	r[PCI_VENDOR_ID + 1] = HB_VENDOR >> 8;
	r[PCI_DEVICE_ID] = HB_DEVICE & 0xff;
	r[PCI_DEVICE_ID + 1] = HB_DEVICE >> 8;
	r[PCI_CLASS_DEVICE + 1] = 0x06; /* class bridge, sub-class host */
	r[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL; /* single function */
	memcpy(&r[PCI_SUBSYSTEM_VENDOR_ID], &r[PCI_VENDOR_ID], 4);
	hb->cfg.wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
				     PCI_COMMAND_MASTER;
	return pci_add_device(pci, &hb->dev, 0);
}
