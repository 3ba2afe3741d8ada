/* SPDX-License-Identifier: MIT */
/*
 * What a board (vmm/<arch>/board.c, one per architecture) gives the
 * machine assembly (vmm/run/): where RAM lies, its devices and where they
 * live, its device-tree nodes, and how a kernel boots. The board places
 * the devices of devices/; the core below it knows none of them.
 */
#ifndef FERRY_BOARD_H
#define FERRY_BOARD_H

#include <stddef.h>
#include <stdint.h>
#include "loader.h"
#include "util.h"

struct vm;
struct guest_mem;
struct pci_bus;
struct board;

/* What to boot, read and identified by the caller. */
struct boot_image {
	const uint8_t *kernel;
	size_t kernel_size;
	enum kernel_format format;
	const char *kernel_name; /* for messages: the path, or "(built-in)" */
	const uint8_t *initrd;	 /* NULL: none */
	size_t initrd_size;
	uint64_t initrd_gpa;	 /* where the caller put it (board_initrd_limit) */
	const char *cmdline;	 /* NULL: empty */
};

#define BOARD_VIOMMU_MAX_ENDPOINTS 16

/*
 * A paravirtual IOMMU on PCI bus 0 (a virtio-iommu), for the board to
 * describe to the guest: in the device tree (iommu-map, for tiny guests
 * and arm64) and in ACPI's VIOT on x86 (a virtio-pci IOMMU node and one
 * PCI range node per endpoint). Endpoint IDs are PCI requester IDs
 * (bus 0: slot << 3), each translated by the vIOMMU; everything else on
 * the bus (the vIOMMU itself, the host bridge) is not.
 */
struct board_viommu {
	int present;
	uint16_t bdf;	/* the vIOMMU's own requester ID */
	unsigned int nr_endpoints;
	uint16_t endpoints[BOARD_VIOMMU_MAX_ENDPOINTS];
};

/* The machine the board builds its devices for. */
struct board_config {
	unsigned int cpus;
	uint64_t memory;
	int console_fd; /* the UART's output, or -1 to discard it */
	struct board_viommu viommu;
};

/* ELF machine number of this board's CPUs (EM_X86_64, EM_AARCH64). */
extern const uint16_t board_elf_machine;

/* The most vCPUs the board can describe to a guest (--cpus). */
extern const unsigned int board_max_cpus;

/* Cut @mem (mem_init()ed, not backed yet) into RAM regions. 0 or -errno. */
int board_layout_ram(struct guest_mem *mem) __must_check;

/* Highest guest-physical address + 1 an initrd of @img may end at. */
uint64_t board_initrd_limit(const struct boot_image *img,
			    const struct guest_mem *mem);

/*
 * Check that @img can boot in the RAM layout @mem, without touching RAM or
 * the host: every check board_boot() makes on the images. Logs one
 * sentence and returns -errno.
 */
int board_check_boot(const struct boot_image *img,
		     const struct guest_mem *mem) __must_check;

/*
 * Create the board's devices on @vm's buses, as @cfg says: console UART,
 * clock, reset and debug-exit devices, the PCI bus with its host bridge.
 * Logs which device failed and returns -errno; *@out is set either way
 * and board_destroy() cleans up.
 */
int board_create(struct board **out, struct vm *vm,
		 const struct board_config *cfg) __must_check;

/* Free what board_create() made; the vCPUs must have stopped. NULL: no-op. */
void board_destroy(struct board *b);

/* The PCI bus passed-through and emulated PCI devices go on. */
struct pci_bus *board_pci(struct board *b);

/*
 * The first slot of that bus (bus 0) left for the machine's own devices
 * (--device, the vIOMMU), which the composition places from there in
 * order; the board's devices sit below it.
 */
extern const unsigned int board_pci_first_slot;

/*
 * Where MSI doorbells live in the guest-physical space (x86: the LAPIC
 * window 0xfee00000-0xfeefffff): a vIOMMU never translates them.
 */
extern const uint64_t board_msi_base, board_msi_size;

/*
 * Can the guest, a kernel of @format, find a vIOMMU the board describes?
 * x86 today: ELF test guests (device tree); Linux needs ACPI VIOT.
 */
int board_describes_viommu(enum kernel_format format);

/* Bytes typed by the user, for the console UART. */
void board_console_input(struct board *b, const uint8_t *buf, size_t len);

/* Console bytes dropped (a closed stdout): --stats. */
uint64_t board_console_dropped(struct board *b);

/*
 * Add the board's device nodes to @fdt (inside the root node), for a
 * machine of @cfg with RAM @mem: it needs no board_create() (--dump-dtb
 * runs without KVM). 0 or a libfdt error.
 */
int board_fdt_devices(const struct board_config *cfg,
		      const struct guest_mem *mem, void *fdt) __must_check;

/*
 * Load @img into (backed) RAM, write the boot data the kernel's protocol
 * wants (@fdt of @fdt_size bytes for test guests) and set every vCPU's
 * entry state. Logs one sentence and returns -errno.
 */
int board_boot(struct board *b, const struct boot_image *img, const void *fdt,
	       size_t fdt_size) __must_check;

#endif
