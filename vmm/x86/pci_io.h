/* SPDX-License-Identifier: MIT */
/* PC config mechanism #1 (ports 0xcf8/0xcfc) and the 0xcf9 reset port. */
#ifndef FERRY_X86_PCI_IO_H
#define FERRY_X86_PCI_IO_H

#include <stdint.h>
#include "../bus.h"

struct vm;
struct pci_bus;

#define X86_PCI_CF8_PORT 0xcf8 /* address latch; 0xcf9: reset control;
				* 0xcfc-0xcff: data window */

struct x86_pci_io {
	struct pci_bus *pci;
	struct vm *vm;
	uint32_t cf8; /* the address latch */
	struct bus_dev dev; /* ports 0xcf8-0xcff */
};

/*
 * Claim ports 0xcf8-0xcff on @vm's I/O bus for config access to @pci, as
 * PC firmware and Linux expect; a byte written to 0xcf9 with bit 2 set
 * resets the machine (ferry stops it with status 0). 0 or -errno.
 */
int x86_pci_io_init(struct x86_pci_io *io, struct vm *vm,
		    struct pci_bus *pci) __must_check;

#endif
