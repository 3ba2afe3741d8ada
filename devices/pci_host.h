/* SPDX-License-Identifier: MIT */
/* The host bridge at 00:00.0, which Linux's PCI probe looks for. */
#ifndef FERRY_PCI_HOST_H
#define FERRY_PCI_HOST_H

#include "pci.h"

struct pci_host_bridge {
	struct pci_dev dev;
	struct pci_cfg_array cfg;
};

/* Put the host bridge in slot 0 of @pci. Returns 0 or -errno. */
int pci_host_bridge_init(struct pci_host_bridge *hb,
			 struct pci_bus *pci) __must_check;

#endif
