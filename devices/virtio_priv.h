/* SPDX-License-Identifier: MIT */
/* What the files of the virtio PCI transport share. */
#ifndef FERRY_VIRTIO_PRIV_H
#define FERRY_VIRTIO_PRIV_H

#include "virtio.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + device type: modern IDs */
#define VIRTIO_ISR_QUEUE 0x1	      /* VIRTIO_PCI_ISR_CONFIG is 0x2 */

/* virtio_pci_cfg.c: config space. */
void virtio_cfg_init(struct virtio_dev *vd);
void virtio_cfg_read(struct pci_dev *pdev, uint32_t off, void *data,
		     uint32_t len);
void virtio_cfg_write(struct pci_dev *pdev, uint32_t off, const void *data,
		      uint32_t len);

/*
 * virtio_pci.c: an access of @len bytes at @off of BAR @bar, as from a
 * vCPU (@write: from @data, else into it). Takes vd->lock where needed.
 */
void virtio_bar_access(struct virtio_dev *vd, int bar, uint64_t off,
		       void *data, uint32_t len, int write);

#endif
