// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: PVH kernels. Finding the entry note, loading the ELF
 * at its physical addresses and writing hvm_start_info never read or
 * write out of bounds, and what loads is what the PVH ABI promises.
 */
#include <elf.h>
#include <stdlib.h>
#include "x86/layout.h"
#include "x86/pvh.h"
#include "loader.h"
#include "fuzz_elf_end.h"
#include "fuzz_ram.h"
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAM (48 * MiB)
#define CMDLINE "console=ttyS0 quiet"
#define INITRD_GPA (40 * MiB)
#define INITRD_SIZE 8192ULL

/* The ELF header, program headers, notes and loaded bytes. */
size_t fuzz_structured_end(const uint8_t *data, size_t size)
{
	return fuzz_elf_end(data, size, 1);
}

/* Abort unless the start info says what the ABI and the caller want. */
static void check_start_info(const struct guest_mem *mem, uint64_t info,
			     const struct elf_image *img)
{
	const struct pvh_start_info *si = mem_gpa_to_hva(mem, info, sizeof(*si));
	const struct pvh_module *mod;
	const struct pvh_memmap_entry *mm;
	const char *cmd;
	unsigned int i;

	if (!si || si->magic != PVH_START_MAGIC || si->version != 1 ||
	    si->nr_modules != 1 || si->rsdp_paddr != 0)
		abort();
	cmd = mem_gpa_to_hva(mem, si->cmdline_paddr, sizeof(CMDLINE));
	mod = mem_gpa_to_hva(mem, si->modlist_paddr, sizeof(*mod));
	mm = mem_gpa_to_hva(mem, si->memmap_paddr,
			    si->memmap_entries * sizeof(*mm));
	if (!cmd || strcmp(cmd, CMDLINE) || !mod || mod->paddr != INITRD_GPA ||
	    mod->size != INITRD_SIZE || !mm || si->memmap_entries == 0)
		abort();
	/* The boot data lies below the kernel, which lies below the initrd. */
	if (info + 4096 > img->lo || img->hi > INITRD_GPA)
		abort();
	for (i = 0; i < si->memmap_entries; i++)
		if (!mm[i].size || (mm[i].type == 1 &&
				    !mem_gpa_to_hva(mem, mm[i].addr, mm[i].size)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gpa_range reserved[] = { { 0, X86_BOOT_DATA_END } };
	const struct guest_mem *mem = fuzz_ram(FUZZ_RAM);
	struct pvh_params p = {
		.cmdline = CMDLINE, .initrd_gpa = INITRD_GPA,
		.initrd_size = INITRD_SIZE,
	};
	struct elf_rules r = {
		.machine = EM_X86_64, .reserved = reserved, .nr_reserved = 1,
		.physical = 1,
	};
	struct elf_image img;
	uint64_t info;
	uint32_t entry = 0;
	char why[256];
	uint8_t *copy = fuzz_copy(data, size);
	int ret;

	if (!copy)
		return 0;
	why[0] = 0;
	ret = pvh_find_entry(copy, size, &entry, why, sizeof(why));
	if (ret < 0 && !why[0])
		abort(); /* every refusal says why */
	if (ret != 1)
		goto out;
	r.entry = entry;
	why[0] = 0;
	if (elf_load(mem, copy, size, &r, &img, why, sizeof(why))) {
		if (!why[0])
			abort();
		goto out;
	}
	/* What loaded holds the entry, in RAM above the boot data. */
	if (img.entry != entry || entry < img.lo || entry >= img.hi ||
	    img.lo < X86_BOOT_DATA_END || img.hi > FUZZ_RAM)
		abort();
	if (img.hi <= INITRD_GPA &&
	    (pvh_write_start_info(mem, &p, &info, why, sizeof(why)) ||
	     (check_start_info(mem, info, &img), 0)))
		abort();
out:
	free(copy);
	return 0;
}
