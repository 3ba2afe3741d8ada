/* SPDX-License-Identifier: MIT */
/* Linux x86 boot protocol: loading a bzImage for its 64-bit entry. */
#ifndef FERRY_X86_BZIMAGE_H
#define FERRY_X86_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "../mem.h"

/* What the setup header says, once checked. */
struct bzimage_hdr {
	uint16_t version;	    /* boot protocol, e.g. 0x020f */
	uint64_t setup_size;	    /* bytes before the protected-mode kernel */
	uint64_t load_gpa;	    /* where the kernel goes (pref_address) */
	uint64_t init_size;	    /* memory the kernel needs from load_gpa */
	uint64_t initrd_addr_max;   /* last byte an initrd may occupy */
	uint32_t cmdline_size;	    /* longest command line, without NUL */
	uint64_t payload_off;	    /* the compressed kernel: file offset */
	uint64_t payload_len;	    /* and length (0: none); inside the file */
};

struct bzimage_boot {
	uint64_t entry;	    /* 64-bit entry point: load_gpa + 0x200 */
	uint64_t zero_page; /* boot_params, passed in RSI */
	uint16_t version;   /* the kernel's boot protocol, e.g. 0x020f */
};

/*
 * Check the setup header of @buf/@size: boot flag, "HdrS", protocol
 * >= 2.12 with a 64-bit entry point, sizes inside the file. Returns 0,
 * or -ENOEXEC with one sentence in @why. Never reads outside @buf.
 */
int bzimage_parse(const void *buf, size_t size, struct bzimage_hdr *hdr,
		  char *why, size_t whylen) __must_check;

/*
 * Does the CRC-32 that Linux's build appends to a bzImage (its last 4
 * bytes, over everything before them) match @buf/@size? For a signed
 * image, whose PE certificate table follows, the CRC is the 4 bytes
 * before the table. 1 if it matches, 0 if not. Never reads outside
 * @buf, whatever it holds.
 */
int bzimage_crc_ok(const void *buf, size_t size);

/*
 * Check that the kernel of @buf/@size, its command line and an initrd of
 * @initrd_size bytes at @initrd_gpa (0: none) fit the RAM layout @mem
 * (backing not needed): everything bzimage_load() checks. Fills @hdr.
 * Returns 0 or -ENOEXEC / -EINVAL / -E2BIG with one sentence in @why.
 */
int bzimage_check(const struct guest_mem *mem, const void *buf, size_t size,
		  const char *cmdline, uint64_t initrd_gpa, uint64_t initrd_size,
		  struct bzimage_hdr *hdr, char *why, size_t whylen) __must_check;

/*
 * Write boot_params (the setup header of @buf/@size, e820 map made from
 * @mem's regions, command line, initrd) at the zero page address of
 * layout.h, for a kernel entered at its 64-bit entry with RSI pointing
 * there: the bzImage's own, or its decompressed vmlinux's. Checks as
 * bzimage_check(); writes nothing on failure.
 */
int bzimage_write_params(const struct guest_mem *mem, const void *buf,
			 size_t size, const char *cmdline, uint64_t initrd_gpa,
			 uint64_t initrd_size, char *why,
			 size_t whylen) __must_check;

/*
 * Load the kernel at hdr.load_gpa and write boot_params (setup header,
 * e820 map made from @mem's regions with the boot data below 1 MiB
 * reserved, command line, initrd) at the zero page address of layout.h. @initrd_size 0 means none. The kernel's
 * footprint must lie in RAM below @initrd_gpa. Returns 0 or -EINVAL /
 * -E2BIG with one sentence in @why; writes nothing to RAM on failure.
 */
int bzimage_load(const struct guest_mem *mem, const void *buf, size_t size,
		 const char *cmdline, uint64_t initrd_gpa, uint64_t initrd_size,
		 struct bzimage_boot *boot, char *why,
		 size_t whylen) __must_check;

#endif
