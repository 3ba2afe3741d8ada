/* SPDX-License-Identifier: MIT */
/* The x86 board's devices, shared by the files of its board. */
#ifndef FERRY_X86_BOARD_X86_H
#define FERRY_X86_BOARD_X86_H

#include <sys/uio.h>
#include "../../devices/acpi_pm.h"
#include "../../devices/debug_exit.h"
#include "../../devices/i8042.h"
#include "../../devices/pci.h"
#include "../../devices/pci_host.h"
#include "../../devices/rtc.h"
#include "../../devices/serial.h"
#include "../board.h"
#include "../loader.h"
#include "../unpack.h"
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

/*
 * Create KVM's in-kernel PIT (i8254 at ports 0x40-0x43, IRQ 0): only
 * for kernels that use it (Linux times its boot against it; a tiny test
 * guest never touches it, and creating it costs start-up time). Call
 * after every vCPU exists. Logs and returns -errno.
 */
int x86_create_pit(struct vm *vm) __must_check;

/* boot_linux.c: how a Linux kernel boots. */
enum x86_linux_how {
	X86_LINUX_BZIMAGE,   /* the bzImage decompresses itself (64-bit entry) */
	X86_LINUX_PVH,	     /* an ELF with the PVH note, 32-bit entry */
	X86_LINUX_VMLINUX64, /* a decompressed vmlinux without it, 64-bit */
};

struct x86_linux_plan {
	enum x86_linux_how how;
	const uint8_t *elf; /* PVH, VMLINUX64: the ELF kernel */
	size_t elf_size;
	struct elf_rules rules; /* entry: the PVH or 64-bit entry point */
};

/*
 * Which Linux boot path @img takes (its unpacked kernel if it has one).
 * 1 and *@p; 0 if it is no Linux kernel (an ELF test guest); -ENOEXEC
 * with one sentence in @why if its PVH note is malformed.
 */
int x86_linux_plan(const struct boot_image *img, struct x86_linux_plan *p,
		   char *why, size_t whylen) __must_check;

/* Every check x86_linux_boot() makes, without RAM or the host. */
int x86_linux_check(const struct boot_image *img, const struct guest_mem *mem,
		    const struct x86_linux_plan *p, char *why,
		    size_t whylen) __must_check;

/*
 * Create the PIT, write the MP table, load the kernel and its boot data
 * and set the boot vCPU's entry state. Logs one sentence; -errno.
 */
int x86_linux_boot(struct board *b, const struct boot_image *img,
		   const struct x86_linux_plan *p) __must_check;

/* The ELF rules every Linux kernel (vmlinux) loads by on this board. */
void x86_linux_rules(struct elf_rules *rules);

/* A bzImage's payload, decompressed (unpack_kernel.c). */
struct x86_unpacked {
	const uint8_t *buf; /* mapped: from the cache or anonymous */
	size_t size;
	const char *format; /* "xz", "gzip" */
	int cached;	    /* the cache had it */
	/* Its loadable segments were decoded into guest RAM, in place,
	 * and are not in @buf (whose headers and notes are). */
	int in_ram;
	int crc_ok;	    /* decoded: the bzImage's CRC-32 held (then the
			       stream's own check was skipped) */
	/* The cache could not be read (@cache_op "use") or filled ("fill"):
	 * -errno. The kernel was decompressed all the same. */
	int cache_err;
	const char *cache_op;
};

/*
 * Decompress the payload of the bzImage @kernel/@size, at most @max_out
 * bytes (besides Linux's own size trailer, which must agree), through
 * the cache in @cache_dir (NULL: none; a cache that cannot be used is
 * passed by, and said in @out->cache_err). 1 and *@out (free with
 * x86_unpacked_free()); 0 if it cannot be done here (no header, a format
 * this build does not read: @why says which, if anything); -errno with
 * one sentence in @why if the payload is corrupt, too large or decodes
 * to more than it says (refused at the bound).
 */
int x86_unpack_payload(const uint8_t *kernel, size_t size, uint64_t max_out,
		       const char *cache_dir, const struct guest_mem *ram,
		       struct x86_unpacked *out, char *why,
		       size_t whylen) __must_check;
void x86_unpacked_free(struct x86_unpacked *u);

/* unpack_ram.c: the sink that decodes a vmlinux into guest RAM. */
struct x86_ram_seg {
	uint64_t off, end; /* file bytes [off, end) */
	uint8_t *hva;	   /* where they go */
};
struct x86_ram_bss {
	uint8_t *hva;
	uint64_t len;
};
enum x86_ram_state { X86_RAM_HEADERS, X86_RAM_STREAM, X86_RAM_FLAT };
struct x86_ram_sink {
	struct unpack_sink sink; /* give this to unpack_to() */
	const struct guest_mem *mem;
	uint8_t *flat; /* the whole image's room; gets what RAM does not */
	size_t len;
	enum x86_ram_state state;
	size_t have; /* header bytes in, while X86_RAM_HEADERS */
	struct x86_ram_seg seg[ELF_MAX_PHDRS];
	unsigned int nr, cur;
	struct x86_ram_bss bss[ELF_MAX_PHDRS];
	unsigned int nr_bss;
};

/*
 * Start a sink for an image of @len bytes: its headers (an ELF64
 * vmlinux's, within the first 64 KiB) go to @flat; once they pass
 * every check of x86_linux_rules() but the entry's against @mem
 * (backed; NULL: never), each loadable segment's bytes go to its
 * physical address in @mem and the rest to @flat at its offset.
 * Anything else (no ELF, bad headers, overlapping or early segments)
 * goes to @flat whole.
 */
void x86_ram_sink_init(struct x86_ram_sink *k, const struct guest_mem *mem,
		       uint8_t *flat, size_t len);

/* Room for x86_ram_sink_iov()'s pieces: a gap before each segment, the
 * segment, and the tail. */
#define X86_RAM_SINK_IOV (2 * ELF_MAX_PHDRS + 1)

/*
 * After a successful decode (before the guest runs): the whole image in
 * file order, as pieces of @flat and of guest RAM, into @iov (room for
 * X86_RAM_SINK_IOV). How many. The kernel cache stores it from there.
 */
unsigned int x86_ram_sink_iov(const struct x86_ram_sink *k,
			      struct iovec *iov);

/*
 * After a successful decode: zero the segments' .bss and copy the notes
 * that lie inside segments back into @flat. 1 if the segments are in
 * guest RAM (not in @flat), 0 if @flat holds the whole image.
 */
int x86_ram_sink_finish(struct x86_ram_sink *k);

#endif
