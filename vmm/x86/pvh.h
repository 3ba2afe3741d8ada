/* SPDX-License-Identifier: MIT */
/* The x86 PVH boot ABI: a kernel's 32-bit entry note and hvm_start_info. */
#ifndef FERRY_X86_PVH_H
#define FERRY_X86_PVH_H

#include <stddef.h>
#include <stdint.h>
#include "../mem.h"

/* The note Linux's vmlinux carries with CONFIG_PVH (name "Xen"). */
#define PVH_NOTE_NAME "Xen"
#define PVH_NOTE_PHYS32_ENTRY 18 /* XEN_ELFNOTE_PHYS32_ENTRY */

#define PVH_START_MAGIC 0x336ec578
#define PVH_MEMMAP_MAX 64

/* What the PVH ABI hands the kernel in EBX (version 1 of the layout). */
struct pvh_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct pvh_module {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct pvh_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* e820 types */
	uint32_t reserved;
};

/* What goes into hvm_start_info. */
struct pvh_params {
	const char *cmdline;  /* NULL: empty */
	uint64_t initrd_gpa;  /* module 0 when @initrd_size is not 0 */
	uint64_t initrd_size;
	/*
	 * Guest-physical address of the board's ACPI RSDP, 0 while the
	 * board builds no ACPI tables (then Linux finds CPUs and the
	 * IOAPIC in the MP table).
	 */
	uint64_t rsdp_gpa;
};

/*
 * The 32-bit PVH entry point of the ELF64 file @buf/@size, from its
 * PHYS32_ENTRY note (4 or 8 bytes, the address below 4 GiB). 1 and
 * *@entry if it has one, 0 if not, -ENOEXEC with one sentence in @why if
 * the note or the notes' segments are malformed. Never reads outside
 * @buf.
 */
int pvh_find_entry(const void *buf, size_t size, uint32_t *entry, char *why,
		   size_t whylen) __must_check;

/*
 * Check that @p's command line and the start info fit the boot data
 * pages of layout.h in RAM @mem (backing not needed). 0 or -E2BIG /
 * -EINVAL with one sentence in @why.
 */
int pvh_check(const struct guest_mem *mem, const struct pvh_params *p,
	      char *why, size_t whylen) __must_check;

/*
 * pvh_check(), then write hvm_start_info, its memory map (from @mem),
 * the initrd module and the command line into (backed) RAM; *@info_gpa
 * is where the start info lies (EBX at entry).
 */
int pvh_write_start_info(const struct guest_mem *mem,
			 const struct pvh_params *p, uint64_t *info_gpa,
			 char *why, size_t whylen) __must_check;

/*
 * Write the 32-bit flat GDT of the PVH entry state at layout.h's GDT
 * page. 0 or -ENOMEM if RAM does not cover it.
 */
int pvh_write_gdt(const struct guest_mem *mem) __must_check;

/*
 * Put vCPU @vcpu_fd in the PVH entry state: 32-bit protected mode,
 * paging off, flat 4 GiB code and data segments, a 32-bit TSS, EFLAGS
 * 0x2, EIP = @entry, EBX = @info_gpa. 0 or -errno from KVM.
 */
int pvh_vcpu_enter(int vcpu_fd, uint32_t entry, uint32_t info_gpa) __must_check;

#endif
