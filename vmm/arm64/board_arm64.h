/* SPDX-License-Identifier: MIT */
/* The arm64 board's devices, shared by the files of its board. */
#ifndef FERRY_ARM64_BOARD_ARM64_H
#define FERRY_ARM64_BOARD_ARM64_H

#include "../../devices/debug_exit.h"
#include "../../devices/pci.h"
#include "../../devices/pci_host.h"
#include "../../devices/pl031.h"
#include "../../devices/serial.h"
#include "../board.h"

/* What board_create() makes for a VM (struct board is opaque outside). */
struct board {
	struct vm *vm;
	struct serial serial;
	struct pl031 rtc;
	struct debug_exit debug_exit;
	struct pci_bus pci;
	struct bus_dev pci_io;	/* the I/O window: MMIO forwarded to ports */
	struct pci_host_bridge host_bridge;
};

/* The PCI windows and ECAM (fixed on this board; also --dump-dtb). */
struct pci_windows arm64_pci_windows(void);

/* MPIDR affinity of vCPU @index, as KVM gives it (the DT's cpu reg). */
uint64_t arm64_mpidr(unsigned int index);

#endif
