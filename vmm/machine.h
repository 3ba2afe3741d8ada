/* SPDX-License-Identifier: MIT */
/* A machine: the VM, its devices, its kernel, and running it to the end. */
#ifndef FERRY_MACHINE_H
#define FERRY_MACHINE_H

#include <stddef.h>
#include <stdint.h>
#include "../devices/debug_exit.h"
#include "../devices/i8042.h"
#include "../devices/pci.h"
#include "../devices/pci_host.h"
#include "../devices/rtc.h"
#include "../devices/serial.h"
#include "loader.h"
#include "opts.h"
#include "vm.h"

struct machine {
	const struct run_opts *opts;
	struct vm vm;

	/* Images read from disk (or the built-in demo guest). */
	uint8_t *kernel;
	size_t kernel_size;
	int kernel_builtin; /* not malloc'd: do not free */
	enum kernel_format kernel_format;
	uint8_t *initrd;
	size_t initrd_size;
	uint64_t initrd_gpa;

	/* Devices; the board's device table says which exist. */
	struct serial serial;
	struct debug_exit debug_exit;
	struct i8042 i8042;
	struct rtc rtc;
	struct pci pci;
	struct pci_host_bridge host_bridge;
	struct vfio *vfio; /* passed-through devices, or NULL */
};

/*
 * Run a VM as @opts says, from reading the kernel to the last vCPU
 * joined, and return ferry's exit status (exitcode.h). Every failure
 * has been logged in one sentence and everything set up is undone.
 */
int machine_run(const struct run_opts *opts);

/*
 * Build the guest's flattened device tree into @buf: root, /chosen,
 * memory, cpus, then the board's devices. Returns the tree's size or a
 * negative libfdt error (FDT_ERR_NOSPACE if @size is too small).
 */
int machine_build_fdt(struct machine *m, void *buf, size_t size);

/* Board (vmm/<arch>/board.c): what differs between machines. */

/* Cut @mem (already mem_create()d) into the board's RAM regions. */
int board_layout_ram(struct guest_mem *mem) __must_check;

/* Highest guest RAM address + 1 an initrd may end at. */
uint64_t board_initrd_limit(const struct machine *m);

/* Create the devices of the board's device table. 0 or -errno. */
int board_init_devices(struct machine *m) __must_check;

/* Add the device nodes to @fdt (inside the root node). 0 or libfdt err. */
int board_fdt_devices(struct machine *m, void *fdt) __must_check;

/*
 * Check that m->kernel (and an initrd at m->initrd_gpa) can boot in the
 * RAM layout m->vm.mem, without touching RAM or the host: every check
 * board_boot() makes on the images. Logs one sentence, returns -errno.
 */
int board_check_boot(struct machine *m) __must_check;

/*
 * Load m->kernel into (backed) RAM, write boot data and set every vCPU's
 * entry state. Logs one sentence and returns -errno on failure.
 */
int board_boot(struct machine *m) __must_check;

/* Write the FDT into guest RAM for tiny guests; returns its gpa via @gpa. */
int board_place_fdt(struct machine *m, const void *fdt, size_t size,
		    uint64_t *gpa) __must_check;

/* ELF machine number of this board's CPUs (EM_X86_64, EM_AARCH64). */
extern const uint16_t board_elf_machine;

#endif
