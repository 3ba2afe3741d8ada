/* SPDX-License-Identifier: MIT */
/* The x86 board's devices, shared by the files of its board. */
#ifndef FERRY_X86_BOARD_X86_H
#define FERRY_X86_BOARD_X86_H

#include "../../devices/acpi_pm.h"
#include "../../devices/debug_exit.h"
#include "../../devices/i8042.h"
#include "../../devices/pci.h"
#include "../../devices/pci_host.h"
#include "../../devices/rtc.h"
#include "../../devices/serial.h"
#include "../board.h"
#include "pci_io.h"

/* What board_create() makes for a VM (struct board is opaque outside). */
struct board {
	struct vm *vm;
	struct board_config cfg; /* a copy; cfg.viommu stays the caller's */
	struct serial serial;
	struct debug_exit debug_exit;
	struct i8042 i8042;
	struct rtc rtc;
	struct acpi_pm acpi_pm;
	struct pci_bus pci;
	struct x86_pci_io pci_io;
	struct pci_host_bridge host_bridge;
};

/* The PCI windows and ECAM of a machine with RAM @mem (also --dump-dtb). */
struct pci_windows x86_pci_windows(const struct guest_mem *mem);

#endif
