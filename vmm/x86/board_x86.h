/* SPDX-License-Identifier: MIT */
/* The x86 board's devices, shared by the files of its board. */
#ifndef FERRY_X86_BOARD_X86_H
#define FERRY_X86_BOARD_X86_H

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
	struct serial serial;
	struct debug_exit debug_exit;
	struct i8042 i8042;
	struct rtc rtc;
	struct pci_bus pci;
	struct x86_pci_io pci_io;
	struct pci_host_bridge host_bridge;
};

/* The PCI windows and ECAM of a machine with RAM @mem (also --dump-dtb). */
struct pci_windows x86_pci_windows(const struct guest_mem *mem);

/*
 * Create KVM's in-kernel PIT (i8254 at ports 0x40-0x43, IRQ 0): only
 * for kernels that use it (Linux times its boot against it; a tiny test
 * guest never touches it, and creating it costs start-up time). Call
 * after every vCPU exists. Logs and returns -errno.
 */
int x86_create_pit(struct vm *vm) __must_check;

#endif
