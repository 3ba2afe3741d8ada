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
	/* Where decompressed kernels are cached (the default), or NULL. */
	const char *cache_dir;
	int cache_explicit; /* --kernel-cache: its troubles are warnings */
	/*
	 * Set by board_unpack_kernel(): the kernel as it boots when the
	 * board unpacked @kernel on the host (x86: a bzImage's payload,
	 * Linux's vmlinux), else NULL; owned by the board.
	 */
	const uint8_t *unpacked;
	size_t unpacked_size;
	int unpacked_cached; /* --stats: the cache had it */
	/* Its loadable segments are in guest RAM already (decoded there),
	 * not in @unpacked, which has its headers and notes. */
	int unpacked_in_ram;
};

/*
 * A paravirtual IOMMU (virtio-iommu on PCI segment 0) and the PCI
 * functions whose DMA it translates. A function is named by its
 * requester ID, bus << 8 | device << 3 | function; that number is also
 * its endpoint ID in the virtio-iommu's requests. The x86 board
 * describes it twice: in the device tree (the host bridge's iommu-map,
 * for tiny guests) and in ACPI's VIOT (for Linux). Everything on the
 * bus outside the ranges (the vIOMMU itself, the host bridge) is not
 * translated. No ranges (nothing behind it): a device-tree node only.
 */
#define BOARD_VIOMMU_MAX_RANGES 16
struct board_viommu_range {
	uint16_t first, last; /* requester IDs, inclusive */
};
struct board_viommu {
	uint16_t rid; /* the virtio-iommu's own function */
	unsigned int nr_ranges;
	struct board_viommu_range ranges[BOARD_VIOMMU_MAX_RANGES];
};

/* The machine the board builds its devices for. */
struct board_config {
	unsigned int cpus;
	uint64_t memory;
	int console_fd; /* the UART's output, or -1 to discard it */
	/*
	 * NULL: no IOMMU for the guest. Otherwise the caller's description,
	 * which must stay valid as long as the board; it is read when the
	 * firmware tables are built (board_boot(), board_acpi_tables()), so
	 * the caller may fill it in after board_create(), e.g. once the
	 * devices have their slots. On x86 it becomes the ACPI VIOT table.
	 */
	const struct board_viommu *viommu;
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
 * Turn the kernel the user gave into what boots, on the host and
 * before /dev/kvm is opened: on x86 a bzImage whose payload is in a
 * format this build reads is decompressed (or taken from the cache in
 * @img->cache_dir) into @img->unpacked, bounded by the size the kernel
 * states and by @mem's size. When @mem is backed (x86: a bzImage
 * kernel) the vmlinux's segments are decoded straight to their places
 * in it (@img->unpacked_in_ram). A kernel left as it is is no error. Logs
 * one sentence and returns -errno when the payload is corrupt or too
 * large (a user's bad image: exit status 4).
 */
int board_unpack_kernel(struct boot_image *img,
			const struct guest_mem *mem) __must_check;

/* Free what board_unpack_kernel() made. */
void board_free_kernel(struct boot_image *img);

/*
 * Check that @img can boot in the RAM layout @mem, without touching RAM or
 * the host: every check board_boot() makes on the images. Logs one
 * sentence and returns -errno.
 */
int board_check_boot(const struct boot_image *img,
		     const struct guest_mem *mem) __must_check;

/* One device a board creates at board_create(), in its table's order. */
struct board_device {
	const char *name; /* named in the error line */
	int (*init)(struct board *b, const struct board_config *cfg);
};

/*
 * Create @n devices of @devs on @b in order; at the first failure say
 * which device in one line and return its -errno (what was made stays
 * for board_destroy()). 0 when all are made.
 */
int board_create_devices(struct board *b, const struct board_config *cfg,
			 const struct board_device *devs,
			 unsigned int n) __must_check;

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

/* Bytes typed by the user, for the console UART. */
void board_console_input(struct board *b, const uint8_t *buf, size_t len);

/* Console bytes dropped (a closed stdout): --stats. */
uint64_t board_console_dropped(struct board *b);

/*
 * Add the board's properties of the root node to @fdt (written before any
 * node: arm64's interrupt-parent). 0 or a libfdt error.
 */
int board_fdt_root(const struct board_config *cfg, void *fdt) __must_check;

/* vCPU @index's hardware ID: the DT's cpu reg (x86 APIC ID, arm64 MPIDR). */
uint64_t board_cpu_id(unsigned int index);

/*
 * Add the board's properties to vCPU @index's node (/cpus/cpu@ID, after
 * device_type and reg; arm64: compatible, enable-method). 0 or a libfdt
 * error.
 */
int board_fdt_cpu(void *fdt, unsigned int index) __must_check;

/*
 * Add the board's device nodes to @fdt (inside the root node), for a
 * machine of @cfg with RAM @mem: it needs no board_create() (--dump-dtb
 * runs without KVM). 0 or a libfdt error.
 */
int board_fdt_devices(const struct board_config *cfg,
		      const struct guest_mem *mem, void *fdt) __must_check;

/*
 * Hand each firmware table a kernel of @cfg with RAM @mem would get to
 * @emit(@ctx, NAME, DATA, LEN), NAME being the table's signature in lower
 * case ("rsdp", "dsdt", ...), as acpixtract names them. Needs no
 * board_create() (--dump-acpi runs without KVM). Returns 0, the first
 * non-zero result of @emit, -EINVAL (a bad cfg->viommu, logged) or
 * -EOPNOTSUPP (this board gives its kernels no ACPI).
 */
int board_acpi_tables(const struct board_config *cfg,
		      const struct guest_mem *mem,
		      int (*emit)(void *ctx, const char *name, const void *data,
				  size_t len),
		      void *ctx) __must_check;

/*
 * Load @img into (backed) RAM, write the boot data the kernel's protocol
 * wants (@fdt of @fdt_size bytes for test guests) and set every vCPU's
 * entry state. Logs one sentence and returns -errno.
 */
int board_boot(struct board *b, const struct boot_image *img, const void *fdt,
	       size_t fdt_size) __must_check;

#endif
