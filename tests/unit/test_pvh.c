// SPDX-License-Identifier: MIT
/* PVH: the entry note, physical ELF loading, hvm_start_info, the Linux plan. */
#include <errno.h>
#include <stdlib.h>
#include "x86/board_x86.h"
#include "x86/layout.h"
#include "x86/pvh.h"
#include "pvh_elf.h"
#include "test.h"

#define RAM (64 * MiB)

static uint8_t ram[RAM];
static struct guest_mem mem;
static const struct gpa_range reserved[] = { { 0, MiB } };

static void test_note(void)
{
	struct kelf k;
	uint32_t entry = 0;
	char why[200] = "";

	kelf_make(&k, KELF_ENTRY, 8);
	CHECK_MSG(pvh_find_entry(&k, sizeof(k), &entry, why, sizeof(why)) ==
				  1 && entry == KELF_ENTRY,
		  "the 8-byte PHYS32_ENTRY note is found past a decoy of another "
		  "type and one of another name");
	kelf_make(&k, KELF_ENTRY, 4);
	CHECK_MSG(pvh_find_entry(&k, sizeof(k), &entry, why, sizeof(why)) ==
				  1 && entry == KELF_ENTRY,
		  "a 4-byte note (32-bit kernels) is read too");
	kelf_make(&k, KELF_ENTRY, 3);
	CHECK_MSG(pvh_find_entry(&k, sizeof(k), &entry, why, sizeof(why)) ==
				  -ENOEXEC && strstr(why, "3 bytes"),
		  "a 3-byte note is refused, saying its size");
	kelf_make(&k, 0x100000000ULL, 8);
	CHECK_MSG(pvh_find_entry(&k, sizeof(k), &entry, why, sizeof(why)) ==
				  -ENOEXEC && strstr(why, "above 4 GiB"),
		  "an entry above 4 GiB is refused");
	kelf_make(&k, KELF_ENTRY, 8);
	k.ph[0].p_filesz -= 5;
	CHECK_MSG(pvh_find_entry(&k, sizeof(k), &entry, why, sizeof(why)) ==
				  -ENOEXEC && strstr(why, "past the segment"),
		  "a note cut by its segment's end is refused");
	kelf_make(&k, KELF_ENTRY, 8);
	k.ph[0].p_offset = sizeof(k) - 8;
	CHECK_MSG(pvh_find_entry(&k, sizeof(k), &entry, why, sizeof(why)) ==
				  -ENOEXEC && strstr(why, "truncated"),
		  "a note segment past the file is refused");
	kelf_make(&k, KELF_ENTRY, 8);
	k.ph[0].p_type = PT_NULL;
	CHECK_MSG(pvh_find_entry(&k, sizeof(k), &entry, why, sizeof(why)) == 0,
		  "no note segment: no PVH entry (a test guest)");
	CHECK_MSG(pvh_find_entry(&k, 10, &entry, why, sizeof(why)) == -ENOEXEC,
		  "a 10-byte file is not an ELF");
}

static void test_load(void)
{
	struct elf_rules r = {
		.machine = EM_X86_64, .reserved = reserved, .nr_reserved = 1,
		.physical = 1, .entry = KELF_ENTRY,
	};
	struct elf_image img;
	struct kelf k;
	char why[200] = "";

	kelf_make(&k, KELF_ENTRY, 8);
	memset(ram + KELF_PADDR, 0x77, 0x3000);
	CHECK_MSG(elf_load(&mem, &k, sizeof(k), &r, &img, why, sizeof(why)) ==
				  0 && img.entry == KELF_ENTRY &&
			  img.lo == KELF_PADDR && img.hi == KELF_PADDR + 0x2000,
		  "a kernel linked high loads at its physical addresses");
	CHECK_MSG(memcmp(ram + KELF_PADDR, k.text, sizeof(k.text)) == 0 &&
			  ram[KELF_PADDR + 0x1fff] == 0 &&
			  ram[KELF_PADDR + 0x2000] == 0x77,
		  "its bytes, zeroed .bss, nothing past it");
	r.entry = KELF_PADDR + 0x2000;
	CHECK_MSG(elf_check(&mem, &k, sizeof(k), &r, &img, why, sizeof(why)) ==
			  -EINVAL,
		  "an entry one past the segment is refused");
	r.physical = 0;
	r.entry = 0;
	CHECK_MSG(elf_check(&mem, &k, sizeof(k), &r, &img, why, sizeof(why)) ==
				  -EINVAL && strstr(why, "identity-mapped"),
		  "as a test guest the same file is refused (vaddr != paddr)");
}

static void test_start_info(void)
{
	struct pvh_params p = {
		.cmdline = "console=ttyS0 quiet", .initrd_gpa = 48 * MiB,
		.initrd_size = 12345,
	};
	const struct pvh_start_info *si =
		(const void *)(ram + X86_ZERO_PAGE_GPA);
	const struct pvh_memmap_entry *mm;
	const struct pvh_module *mod;
	char why[200] = "", big[X86_CMDLINE_MAX + 1];
	uint64_t info = 0;

	memset(ram, 0xee, MiB);
	CHECK(pvh_write_start_info(&mem, &p, &info, why, sizeof(why)) == 0);
	CHECK(info == X86_ZERO_PAGE_GPA);
	CHECK_MSG(si->magic == PVH_START_MAGIC && si->version == 1 &&
			  si->flags == 0 && si->reserved == 0,
		  "hvm_start_info: magic, version 1");
	CHECK_MSG(si->rsdp_paddr == 0, "no ACPI tables: rsdp_paddr is 0");
	CHECK_MSG(si->cmdline_paddr == X86_CMDLINE_GPA &&
			  strcmp((char *)ram + X86_CMDLINE_GPA, p.cmdline) == 0,
		  "the command line, NUL-terminated where it points");
	mod = (const void *)(ram + si->modlist_paddr);
	CHECK_MSG(si->nr_modules == 1 && si->modlist_paddr > info &&
			  mod->paddr == 48 * MiB && mod->size == 12345 &&
			  mod->cmdline_paddr == 0,
		  "the initrd is module 0");
	mm = (const void *)(ram + si->memmap_paddr);
	CHECK_MSG(si->memmap_entries == 4 && mm[0].addr == 0 &&
			  mm[0].size == X86_EBDA_GPA && mm[0].type == 1 &&
			  mm[1].type == 2 && mm[2].type == 2 &&
			  mm[3].addr == MiB && mm[3].size == RAM - MiB &&
			  mm[3].type == 1,
		  "the memory map: low RAM, the EBDA and BIOS reserved, RAM from "
		  "1 MiB to the end");
	CHECK_MSG(si->memmap_paddr + 4 * sizeof(*mm) <= info + 4096 &&
			  si->memmap_paddr >= si->modlist_paddr + sizeof(*mod),
		  "the table, module list and map do not overlap and fit the "
		  "page");
	p.initrd_size = 0;
	CHECK(pvh_write_start_info(&mem, &p, &info, why, sizeof(why)) == 0);
	CHECK_MSG(si->nr_modules == 0 && si->modlist_paddr == 0,
		  "no initrd: no module");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	p.cmdline = big;
	CHECK_MSG(pvh_write_start_info(&mem, &p, &info, why, sizeof(why)) ==
				  -E2BIG && strstr(why, "command line"),
		  "a command line longer than its page is refused");
	big[X86_CMDLINE_MAX - 1] = 0;
	CHECK_MSG(pvh_write_start_info(&mem, &p, &info, why, sizeof(why)) == 0 &&
			  strlen((char *)ram + X86_CMDLINE_GPA) ==
				  X86_CMDLINE_MAX - 1,
		  "the longest that fits is written whole");
}

static void test_plan(void)
{
	struct boot_image img = { 0 };
	struct x86_linux_plan p;
	struct kelf k;
	char why[200] = "";

	kelf_make(&k, KELF_ENTRY, 8);
	img.kernel = (const uint8_t *)&k;
	img.kernel_size = sizeof(k);
	img.format = KERNEL_ELF64;
	CHECK_MSG(x86_linux_plan(&img, &p, why, sizeof(why)) == 1 &&
			  p.how == X86_LINUX_PVH && p.rules.entry == KELF_ENTRY &&
			  p.rules.physical,
		  "an ELF with the note boots through PVH");
	CHECK(x86_linux_check(&img, &mem, &p, why, sizeof(why)) == 0);
	img.initrd_size = 4096;
	img.initrd_gpa = KELF_PADDR + 0x1000;
	CHECK_MSG(x86_linux_check(&img, &mem, &p, why, sizeof(why)) ==
				  -ENOMEM && strstr(why, "initrd"),
		  "an initrd overlapping the kernel is refused");
	img.initrd_size = 0;
	k.ph[0].p_type = PT_NULL;
	CHECK_MSG(x86_linux_plan(&img, &p, why, sizeof(why)) == 0,
		  "an ELF without the note is a test guest");
	kelf_make(&k, KELF_ENTRY, 3);
	CHECK_MSG(x86_linux_plan(&img, &p, why, sizeof(why)) == -ENOEXEC,
		  "a malformed note is an error, not a test guest");
	kelf_make(&k, KELF_ENTRY, 8);
	k.ph[0].p_type = PT_NULL;
	img.format = KERNEL_BZIMAGE;
	img.unpacked = (const uint8_t *)&k;
	img.unpacked_size = sizeof(k);
	CHECK_MSG(x86_linux_plan(&img, &p, why, sizeof(why)) == 1 &&
			  p.how == X86_LINUX_VMLINUX64 &&
			  p.rules.entry == KELF_PADDR,
		  "an unpacked vmlinux without the note: the 64-bit entry, "
		  "e_entry");
	img.unpacked = NULL;
	CHECK_MSG(x86_linux_plan(&img, &p, why, sizeof(why)) == 1 &&
			  p.how == X86_LINUX_BZIMAGE,
		  "a bzImage left packed decompresses itself");
}

int main(void)
{
	mem.fd = -1;
	mem.base = ram;
	mem.size = RAM;
	CHECK(mem_add_region(&mem, 0, RAM) == 0);
	test_note();
	test_load();
	test_start_info();
	test_plan();
	return test_done();
}
