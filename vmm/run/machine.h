/* SPDX-License-Identifier: MIT */
/*
 * A machine: the composition of everything (vmm/run/). It reads the
 * user's input, asks the board for RAM and devices, adds the --device
 * kinds, and runs the VM to the end. Nothing else includes this.
 */
#ifndef FERRY_RUN_MACHINE_H
#define FERRY_RUN_MACHINE_H

#include <stddef.h>
#include <stdint.h>
#include "../board.h"
#include "../vm.h"
#include "opts.h"

struct vfio;
struct dma_domain;
struct viommu;

struct machine {
	const struct run_opts *opts;
	struct vm vm;
	struct boot_image img;	 /* kernel, initrd, command line */
	uint8_t *kernel_buf;	 /* read from disk; NULL: the built-in guest */
	uint8_t *initrd_buf;
	struct board_config board_cfg;
	struct board *board;	 /* the board's devices, or NULL */
	/* Guest RAM as devices see it without a vIOMMU (IOVA == GPA). */
	struct dma_domain *ram_dma;
	struct vfio *vfio;	 /* passed-through devices, or NULL */
	char cache_dir[4096];	 /* the kernel cache: where, once named */
	struct viommu *viommu;	 /* --viommu, or NULL */
	int slots[OPTS_MAX_DEVICES]; /* PCI slot of each --device */
	int viommu_slot;
	struct board_viommu viommu_desc; /* board_cfg.viommu with --viommu */
};

/*
 * Run a VM as @opts says, from reading the kernel to the last vCPU
 * joined, and return ferry's exit status (exitcode.h). Every failure
 * has been logged in one sentence and everything set up is undone.
 */
int machine_run(const struct run_opts *opts);

/*
 * Build the guest's flattened device tree into @buf: root, /chosen,
 * memory, cpus, then the board's devices. Needs only the RAM layout, not
 * a VM. Returns the tree's size or a negative libfdt error
 * (FDT_ERR_NOSPACE if @size is too small).
 */
int machine_build_fdt(const struct machine *m, void *buf, size_t size);

/*
 * Where each device goes on bus 0 (m->viommu_slot, m->slots[]): the
 * vIOMMU first (--viommu), then each --device in order, after the
 * board's own. With --viommu, m->board_cfg.viommu points at
 * m->viommu_desc: the vIOMMU's requester ID and one range of one
 * requester ID per --device, which the board turns into the device
 * tree's iommu-map and ACPI's VIOT; otherwise it is NULL. Needs only
 * m->opts, so it is known before anything exists (--dump-dtb,
 * --dump-acpi).
 */
void machine_plan_slots(struct machine *m);

/* images.c: the kernel and initrd. */

/* Read --kernel (or take the built-in guest) and --initrd. 0 or -errno. */
int images_load(struct machine *m) __must_check;
/* Choose the initrd's place in the RAM layout (needs no backing). */
int images_plan_initrd(struct machine *m) __must_check;
/* Decompress the kernel on the host (board_unpack_kernel). 0 or -errno. */
int images_unpack(struct machine *m) __must_check;
/* Copy the initrd there, once RAM is backed. 0 or -errno. */
int images_copy_initrd(struct machine *m) __must_check;
void images_free(struct machine *m);

/* stats.c: --stats. */
void stats_print(const struct machine *m);
/* Open file descriptors of this process, for the leak check; -1 unknown. */
int stats_count_fds(void);

/* console.c: the user's terminal as the guest's console. */

/*
 * On a terminal, put it in raw mode for the guest (restored at exit).
 * 1 if the console is interactive (stdin is read), 0 if not.
 */
int console_setup(const struct machine *m);
void console_restore(void);
/*
 * Forward what the user typed to the board's UART: Ctrl-A x stops the VM
 * (status 12), Ctrl-A Ctrl-A sends Ctrl-A. -1 at end of input.
 */
int console_input(struct machine *m, int *escape);

#endif
