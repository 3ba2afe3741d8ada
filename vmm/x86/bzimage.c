// SPDX-License-Identifier: MIT
/* Linux x86 boot protocol: loading a bzImage for its 64-bit entry. */
#include <errno.h>
#include <stdio.h>
#include <asm/bootparam.h>
#include "../crc32.h"
#include "../log.h"
#include "bzimage.h"
#include "e820.h"
#include "layout.h"

#define SETUP_HDR_OFF 0x1f1
#define BOOT_FLAG 0xaa55
#define HDRS 0x53726448 /* "HdrS" */
#define MIN_PROTOCOL 0x020c /* 2.12: xloadflags, 64-bit entry */
#define ENTRY_64_OFF 0x200
#define HDR_212_END 0x268 /* through handover_offset (2.11) */

static_assert(SETUP_HDR_OFF + sizeof(struct setup_header) == 0x26c,
	      "setup_header layout");
static_assert(sizeof(struct boot_params) == 4096, "boot_params layout");

int bzimage_parse(const void *buf, size_t size, struct bzimage_hdr *h,
		  char *why, size_t whylen)
{
	struct setup_header sh;
	uint64_t setup_sects;

	if (size < SETUP_HDR_OFF + sizeof(sh))
		return why_set(why, whylen, -ENOEXEC, "it is too short to be a "
			    "bzImage (%zu bytes)", size);
	memcpy(&sh, (const uint8_t *)buf + SETUP_HDR_OFF, sizeof(sh));
	if (sh.boot_flag != BOOT_FLAG || sh.header != HDRS)
		return why_set(why, whylen, -ENOEXEC, "it has no Linux setup "
			    "header");
	if (sh.version < MIN_PROTOCOL)
		return why_set(why, whylen, -ENOEXEC, "its boot protocol %u.%02u "
			    "is older than 2.12; ferry needs a 64-bit kernel "
			    "from Linux 3.8 or later", sh.version >> 8,
			    sh.version & 0xff);
	/* The header's length is the short jump at 0x200: 0x202 + offset.
	 * Fields past its end are not the header's, and ferry copies only
	 * the header into boot_params, so it must reach every 2.12 field. */
	if (0x202 + ((const uint8_t *)buf)[0x201] < HDR_212_END)
		return why_set(why, whylen, -ENOEXEC, "its setup header ends at "
			    "0x%x, before the fields of boot protocol %u.%02u "
			    "(0x%x)", 0x202 + ((const uint8_t *)buf)[0x201],
			    sh.version >> 8, sh.version & 0xff, HDR_212_END);
	if (!(sh.xloadflags & XLF_KERNEL_64))
		return why_set(why, whylen, -ENOEXEC, "it has no 64-bit entry "
			    "point (a 32-bit kernel?)");
	if (!(sh.loadflags & LOADED_HIGH))
		return why_set(why, whylen, -ENOEXEC, "it is a zImage that must "
			    "load below 1 MiB");
	setup_sects = sh.setup_sects ? sh.setup_sects : 4;
	h->setup_size = (setup_sects + 1) * 512;
	if (h->setup_size + ENTRY_64_OFF >= size)
		return why_set(why, whylen, -ENOEXEC, "it is truncated: the "
			    "kernel after the %llu setup bytes is missing",
			    (unsigned long long)h->setup_size);
	h->version = sh.version;
	h->load_gpa = sh.pref_address ? sh.pref_address : 0x1000000;
	h->init_size = MAX((uint64_t)sh.init_size, size - h->setup_size);
	h->initrd_addr_max = sh.initrd_addr_max ? sh.initrd_addr_max
						: 0x37ffffff;
	h->cmdline_size = sh.cmdline_size ? sh.cmdline_size : 255;
	/* The compressed kernel, if the header says where (2.08 and later):
	 * inside the protected-mode part of the file. */
	h->payload_off = h->setup_size + sh.payload_offset;
	h->payload_len = sh.payload_length;
	if (h->payload_len && (h->payload_off > size ||
			       h->payload_len > size - h->payload_off))
		return why_set(why, whylen, -ENOEXEC, "it is truncated: its "
			    "compressed kernel (%u bytes at %llu) ends past the "
			    "file's %zu bytes", sh.payload_length,
			    (unsigned long long)h->payload_off, size);
	if (h->load_gpa < X86_BOOT_DATA_END || !IS_ALIGNED(h->load_gpa, 4096))
		return why_set(why, whylen, -ENOEXEC, "its preferred load address "
			    "0x%llx is unusable", (unsigned long long)h->load_gpa);
	return 0;
}

/* The PE header's offset (at 0x3c) and its certificate table entry. */
#define PE_OFF_AT 0x3c
#define PE_DIR_SECURITY 4

/*
 * Where the image Linux built ends in @img/@size: the file's end, or
 * the start of a PE certificate table (a signed kernel) that ends where
 * the file does.
 */
static size_t built_end(const uint8_t *img, size_t size)
{
	uint64_t pe, opt, dirs, nr, off, len;

	if (size < PE_OFF_AT + 4)
		return size;
	pe = get_le32(img + PE_OFF_AT);
	opt = pe + 24; /* "PE\0\0" and the COFF header */
	if (opt + 2 > size || memcmp(img + pe, "PE\0\0", 4) != 0)
		return size;
	switch (img[opt] | img[opt + 1] << 8) {
	case 0x10b: dirs = opt + 96; break;  /* PE32 */
	case 0x20b: dirs = opt + 112; break; /* PE32+ */
	default: return size;
	}
	if (dirs + 8 * (PE_DIR_SECURITY + 1) > size)
		return size;
	nr = get_le32(img + dirs - 4);
	if (nr <= PE_DIR_SECURITY)
		return size;
	off = get_le32(img + dirs + 8 * PE_DIR_SECURITY);
	len = get_le32(img + dirs + 8 * PE_DIR_SECURITY + 4);
	return len && off >= 4 && off + len == size ? (size_t)off : size;
}

int bzimage_crc_ok(const void *buf, size_t size)
{
	const uint8_t *img = buf;
	size_t end = built_end(img, size);

	if (end < 4)
		return 0;
	/* Linux stores its CRC register as it ends, not inverted. */
	return get_le32(img + end - 4) == ~crc32_ieee(0, img, end - 4);
}

/* RAM as Linux should see it: legacy holes below 1 MiB are reserved. */
static void build_e820(struct boot_params *bp, const struct guest_mem *mem)
{
	struct x86_e820 map[E820_MAX_ENTRIES_ZEROPAGE];
	unsigned int i, n = x86_e820_map(mem, map, ARRAY_SIZE(map));

	for (i = 0; i < n; i++)
		bp->e820_table[i] = (struct boot_e820_entry){
			.addr = map[i].addr, .size = map[i].size,
			.type = map[i].type };
	bp->e820_entries = (uint8_t)n;
}

int bzimage_check(const struct guest_mem *mem, const void *buf, size_t size,
		  const char *cmdline, uint64_t initrd_gpa, uint64_t initrd_size,
		  struct bzimage_hdr *h, char *why, size_t whylen)
{
	size_t cmd_len = cmdline ? strlen(cmdline) : 0;
	uint64_t kend;
	int ret;

	ret = bzimage_parse(buf, size, h, why, whylen);
	if (ret)
		return ret;
	if (__builtin_add_overflow(h->load_gpa, h->init_size, &kend) ||
	    !mem_contains(mem, h->load_gpa, h->init_size))
		return why_set(why, whylen, -EINVAL, "the kernel needs %llu MiB "
			    "of RAM from 0x%llx; give more --memory",
			    (unsigned long long)(h->init_size >> 20),
			    (unsigned long long)h->load_gpa);
	if (initrd_size && kend > initrd_gpa)
		return why_set(why, whylen, -EINVAL, "the initrd does not fit "
			    "above the kernel; give more --memory");
	if (initrd_size && initrd_gpa + initrd_size - 1 > h->initrd_addr_max)
		return why_set(why, whylen, -EINVAL, "the initrd ends above "
			    "0x%llx, where this kernel cannot reach it",
			    (unsigned long long)h->initrd_addr_max);
	if (cmd_len > h->cmdline_size || cmd_len >= X86_CMDLINE_MAX)
		return why_set(why, whylen, -E2BIG, "the command line is %zu "
			    "bytes; this kernel takes at most %u", cmd_len,
			    MIN(h->cmdline_size, (uint32_t)X86_CMDLINE_MAX - 1));
	if (!mem_contains(mem, X86_ZERO_PAGE_GPA, sizeof(struct boot_params)) ||
	    !mem_contains(mem, X86_CMDLINE_GPA, X86_CMDLINE_MAX))
		return why_set(why, whylen, -EINVAL, "guest RAM does not cover "
			    "the boot data");
	return 0;
}

int bzimage_write_params(const struct guest_mem *mem, const void *buf,
			 size_t size, const char *cmdline, uint64_t initrd_gpa,
			 uint64_t initrd_size, char *why, size_t whylen)
{
	const uint8_t *img = buf;
	struct bzimage_hdr h;
	struct boot_params *bp;
	size_t hdr_len, cmd_len = cmdline ? strlen(cmdline) : 0;
	char *cmd;
	int ret;

	ret = bzimage_check(mem, buf, size, cmdline, initrd_gpa, initrd_size,
			    &h, why, whylen);
	if (ret)
		return ret;
	bp = mem_gpa_to_hva(mem, X86_ZERO_PAGE_GPA, sizeof(*bp));
	cmd = mem_gpa_to_hva(mem, X86_CMDLINE_GPA, X86_CMDLINE_MAX);
	if (!bp || !cmd)
		return why_set(why, whylen, -EINVAL, "guest RAM has no backing");

	memset(bp, 0, sizeof(*bp));
	/* The header runs from 0x1f1 to the end its jump says (0x202+x). */
	hdr_len = 0x202 + img[0x201] - SETUP_HDR_OFF;
	memcpy(&bp->hdr, img + SETUP_HDR_OFF, MIN(hdr_len, sizeof(bp->hdr)));
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.vid_mode = 0xffff;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.code32_start = (uint32_t)h.load_gpa;
	bp->hdr.cmd_line_ptr = (uint32_t)X86_CMDLINE_GPA;
	memcpy(cmd, cmdline ? cmdline : "", cmd_len);
	cmd[cmd_len] = '\0';
	if (initrd_size) {
		bp->hdr.ramdisk_image = (uint32_t)initrd_gpa;
		bp->ext_ramdisk_image = (uint32_t)(initrd_gpa >> 32);
		bp->hdr.ramdisk_size = (uint32_t)initrd_size;
		bp->ext_ramdisk_size = (uint32_t)(initrd_size >> 32);
	}
	build_e820(bp, mem);
	return 0;
}

int bzimage_load(const struct guest_mem *mem, const void *buf, size_t size,
		 const char *cmdline, uint64_t initrd_gpa, uint64_t initrd_size,
		 struct bzimage_boot *boot, char *why, size_t whylen)
{
	const uint8_t *img = buf;
	struct bzimage_hdr h;
	uint8_t *kernel;
	int ret;

	ret = bzimage_check(mem, buf, size, cmdline, initrd_gpa, initrd_size,
			    &h, why, whylen);
	if (ret)
		return ret;
	kernel = mem_gpa_to_hva(mem, h.load_gpa, h.init_size);
	if (!kernel || !mem_gpa_to_hva(mem, X86_ZERO_PAGE_GPA, 4096))
		return why_set(why, whylen, -EINVAL, "guest RAM has no backing");
	ret = bzimage_write_params(mem, buf, size, cmdline, initrd_gpa,
				   initrd_size, why, whylen);
	if (ret)
		return ret;
	memcpy(kernel, img + h.setup_size, size - h.setup_size);
	memset(kernel + (size - h.setup_size), 0,
	       h.init_size - (size - h.setup_size));
	boot->entry = h.load_gpa + ENTRY_64_OFF;
	boot->zero_page = X86_ZERO_PAGE_GPA;
	boot->version = h.version;
	return 0;
}
