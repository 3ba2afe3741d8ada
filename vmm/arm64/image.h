/* SPDX-License-Identifier: MIT */
/* Linux arm64 boot protocol: checking and loading an Image. */
#ifndef FERRY_ARM64_IMAGE_H
#define FERRY_ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "../mem.h"

#define ARM64_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 56 */
#define ARM64_IMAGE_ALIGN (2ULL << 20)

/* What the Image header says, once checked. */
struct arm64_image_hdr {
	uint64_t text_offset; /* from a 2 MiB aligned base */
	uint64_t image_size;  /* bytes the kernel occupies, bss included */
	uint64_t flags;
};

/*
 * Check the header of @buf/@size: the magic, a little-endian kernel, a
 * non-zero image_size no smaller than the file, a text_offset below
 * 2 MiB. Returns 0, or -ENOEXEC with one sentence in @why. Never reads
 * outside @buf.
 */
int arm64_image_parse(const void *buf, size_t size, struct arm64_image_hdr *h,
		      char *why, size_t whylen) __must_check;

/*
 * Where the kernel of @buf/@size goes in the layout @mem (backing not
 * needed): text_offset above the 2 MiB aligned start of RAM, its whole
 * image_size in RAM below @limit (the initrd or the device tree). Sets
 * *@gpa. Returns 0 or -ENOEXEC / -E2BIG with one sentence in @why.
 */
int arm64_image_check(const struct guest_mem *mem, const void *buf,
		      size_t size, uint64_t limit, uint64_t *gpa, char *why,
		      size_t whylen) __must_check;

/*
 * arm64_image_check(), then copy the file to *@gpa and zero the rest of
 * image_size (the kernel's bss). Writes nothing on failure.
 */
int arm64_image_load(const struct guest_mem *mem, const void *buf,
		     size_t size, uint64_t limit, uint64_t *gpa, char *why,
		     size_t whylen) __must_check;

#endif
