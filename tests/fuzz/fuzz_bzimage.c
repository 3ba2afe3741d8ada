// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the bzImage loader and its CRC-32 check (a signed
 * image's PE header) never read or write out of bounds, and what the
 * loader writes on success is a consistent boot_params.
 */
#include <stdlib.h>
#include <asm/bootparam.h>
#include "x86/bzimage.h"
#include "x86/layout.h"
#include "fuzz_ram.h"
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAM (48 * MiB)
#define CMDLINE "console=ttyS0"
#define INITRD_GPA (40 * MiB)
#define INITRD_SIZE 4096ULL
#define SETUP_HDR_OFF 0x1f1
#define E820_RAM 1

/* The setup header, the setup sectors and the 64-bit entry after them. */
size_t fuzz_structured_end(const uint8_t *data, size_t size)
{
	size_t end = SETUP_HDR_OFF + sizeof(struct setup_header);
	uint64_t sects;

	if (size <= SETUP_HDR_OFF)
		return end;
	sects = data[SETUP_HDR_OFF] ? data[SETUP_HDR_OFF] : 4;
	if ((sects + 1) * 512 + 0x200 + 1 > end)
		end = (sects + 1) * 512 + 0x200 + 1;
	return end < size ? end : size;
}

/* Is [gpa, gpa + len) inside one e820 RAM entry? */
static int in_e820_ram(const struct boot_params *bp, uint64_t gpa,
		       uint64_t len)
{
	unsigned int i;

	for (i = 0; i < bp->e820_entries; i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];

		if (e->type == E820_RAM && gpa >= e->addr &&
		    gpa - e->addr <= e->size &&
		    len <= e->size - (gpa - e->addr))
			return 1;
	}
	return 0;
}

/* Abort unless a successful load left what the boot protocol promises. */
static void check_loaded(const struct guest_mem *mem, const uint8_t *img,
			 size_t size, const struct bzimage_boot *boot)
{
	static const uint8_t zero[64 * 1024];
	const struct boot_params *bp;
	struct bzimage_hdr h;
	const uint8_t *kernel;
	const char *cmd;
	uint64_t i, prev_end = 0;
	char why[256];

	if (bzimage_parse(img, size, &h, why, sizeof(why)) != 0)
		abort(); /* loaded, yet its header does not parse */
	bp = mem_gpa_to_hva(mem, X86_ZERO_PAGE_GPA, sizeof(*bp));
	cmd = mem_gpa_to_hva(mem, X86_CMDLINE_GPA, X86_CMDLINE_MAX);
	kernel = mem_gpa_to_hva(mem, h.load_gpa, h.init_size);
	if (!bp || !cmd || !kernel || boot->zero_page != X86_ZERO_PAGE_GPA)
		abort();

	/* The kernel: the bytes after the setup sectors, then zeros, all
	 * below the initrd; the entry 0x200 into it. */
	if (h.load_gpa + h.init_size > INITRD_GPA ||
	    h.init_size < size - h.setup_size ||
	    memcmp(kernel, img + h.setup_size, size - h.setup_size))
		abort();
	for (i = size - h.setup_size; i < h.init_size; i += sizeof(zero))
		if (memcmp(kernel + i, zero,
			   MIN(sizeof(zero), h.init_size - i)))
			abort();
	if (boot->entry != h.load_gpa + 0x200 ||
	    boot->entry >= h.load_gpa + h.init_size)
		abort();

	/* The setup header as the kernel will read it. */
	if (bp->hdr.boot_flag != 0xaa55 || bp->hdr.header != 0x53726448 ||
	    bp->hdr.version != h.version || bp->hdr.type_of_loader != 0xff ||
	    bp->hdr.code32_start != h.load_gpa ||
	    !(bp->hdr.loadflags & LOADED_HIGH))
		abort();

	/* The command line, NUL-terminated where the pointer says. */
	if (bp->hdr.cmd_line_ptr != X86_CMDLINE_GPA || bp->ext_cmd_line_ptr ||
	    strcmp(cmd, CMDLINE) != 0)
		abort();

	/* The initrd, where the caller put it. */
	if (bp->hdr.ramdisk_image != INITRD_GPA || bp->ext_ramdisk_image ||
	    bp->hdr.ramdisk_size != INITRD_SIZE || bp->ext_ramdisk_size ||
	    INITRD_GPA + INITRD_SIZE - 1 > h.initrd_addr_max)
		abort();

	/* e820: sorted, disjoint, RAM entries backed by guest RAM, and the
	 * kernel, boot_params, command line and initrd all in RAM. */
	if (bp->e820_entries == 0 ||
	    bp->e820_entries > E820_MAX_ENTRIES_ZEROPAGE)
		abort();
	for (i = 0; i < bp->e820_entries; i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];

		if (!e->size || e->addr + e->size < e->addr ||
		    e->addr < prev_end)
			abort();
		if (e->type == E820_RAM &&
		    !mem_gpa_to_hva(mem, e->addr, e->size))
			abort();
		prev_end = e->addr + e->size;
	}
	if (!in_e820_ram(bp, h.load_gpa, h.init_size) ||
	    !in_e820_ram(bp, X86_ZERO_PAGE_GPA, sizeof(*bp)) ||
	    !in_e820_ram(bp, X86_CMDLINE_GPA, sizeof(CMDLINE)) ||
	    !in_e820_ram(bp, INITRD_GPA, INITRD_SIZE))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct guest_mem *mem = fuzz_ram(FUZZ_RAM);
	struct bzimage_boot boot;
	char why[256];
	uint8_t *copy = fuzz_copy(data, size);

	if (!copy)
		return 0;
	/* The CRC-32 and a signed image's PE header: in bounds, whatever. */
	if (bzimage_crc_ok(copy, size) > 1)
		abort();
	why[0] = 0;
	if (bzimage_load(mem, copy, size, CMDLINE, INITRD_GPA, INITRD_SIZE,
			 &boot, why, sizeof(why)) == 0)
		check_loaded(mem, copy, size, &boot);
	else if (!why[0])
		abort(); /* every refusal says why */
	free(copy);
	return 0;
}
