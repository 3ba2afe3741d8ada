// SPDX-License-Identifier: MIT
/* The host bridge at 00:00.0, which Linux's PCI probe looks for. */
#include <errno.h>
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

static int hb_bar_map(struct pci_dev *dev, int bar, uint64_t addr, int on)
{
	(void)dev;
	(void)bar;
	(void)addr;
	(void)on;
	return -EINVAL; /* it has no BARs: never called */
}

static const struct pci_dev_ops hb_ops = {
	.cfg_read = hb_read,
	.cfg_write = hb_write,
	.bar_map = hb_bar_map,
};

int pci_host_bridge_init(struct pci_host_bridge *hb, struct pci *pci)
{
	uint8_t *r = hb->cfg.regs;

	memset(hb, 0, sizeof(*hb));
	hb->dev.name = "host-bridge";
	hb->dev.ops = &hb_ops;
	r[0x00] = HB_VENDOR & 0xff;
	r[0x01] = HB_VENDOR >> 8;
	r[0x02] = HB_DEVICE & 0xff;
	r[0x03] = HB_DEVICE >> 8;
	r[0x0b] = 0x06; /* class: bridge, host bridge, 0x060000 */
	r[0x0e] = 0x00; /* header type 0, single function */
	r[0x2c] = r[0x00]; /* subsystem = this device */
	r[0x2d] = r[0x01];
	r[0x2e] = r[0x02];
	r[0x2f] = r[0x03];
	hb->cfg.wmask[0x04] = 0x07; /* command: I/O, memory, bus master */
	return pci_add_device(pci, &hb->dev, 0);
}
