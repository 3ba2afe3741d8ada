// SPDX-License-Identifier: MIT
/* Linux arm64 boot protocol: checking and loading an Image. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "image.h"

/* Offsets in the 64-byte header (Documentation/arm64/booting.rst). */
#define HDR_TEXT_OFFSET 8
#define HDR_IMAGE_SIZE 16
#define HDR_FLAGS 24
#define HDR_MAGIC 56
#define HDR_SIZE 64
#define FLAG_BE 1ULL

static int fail(char *why, size_t whylen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t whylen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return ret;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int arm64_image_parse(const void *buf, size_t size, struct arm64_image_hdr *h,
		      char *why, size_t whylen)
{
	const uint8_t *b = buf;

	if (size < HDR_SIZE)
		return fail(why, whylen, -ENOEXEC, "it is too short (%zu bytes) "
			    "for an arm64 Image header", size);
	if ((uint32_t)le64(b + HDR_MAGIC) != ARM64_IMAGE_MAGIC)
		return fail(why, whylen, -ENOEXEC, "it has no arm64 Image magic "
			    "at offset 56");
	h->text_offset = le64(b + HDR_TEXT_OFFSET);
	h->image_size = le64(b + HDR_IMAGE_SIZE);
	h->flags = le64(b + HDR_FLAGS);
	if (h->flags & FLAG_BE)
		return fail(why, whylen, -ENOEXEC, "it is a big-endian kernel");
	if (h->image_size == 0)
		return fail(why, whylen, -ENOEXEC, "its header gives no "
			    "image_size (a kernel older than Linux 3.17)");
	if (h->image_size < size)
		return fail(why, whylen, -ENOEXEC, "its header says the kernel "
			    "takes %llu bytes, less than the file's %zu",
			    (unsigned long long)h->image_size, size);
	if (h->text_offset >= ARM64_IMAGE_ALIGN || (h->text_offset & 0xfff))
		return fail(why, whylen, -ENOEXEC, "its text_offset 0x%llx is "
			    "not a page offset below 2 MiB",
			    (unsigned long long)h->text_offset);
	return 0;
}

int arm64_image_check(const struct guest_mem *mem, const void *buf,
		      size_t size, uint64_t limit, uint64_t *gpa, char *why,
		      size_t whylen)
{
	struct arm64_image_hdr h;
	uint64_t base, end;
	int ret;

	ret = arm64_image_parse(buf, size, &h, why, whylen);
	if (ret)
		return ret;
	if (!mem->nr)
		return fail(why, whylen, -E2BIG, "the guest has no RAM");
	/* The lowest 2 MiB boundary in RAM, as close to its start as can be. */
	base = ALIGN_UP(mem->regions[0].gpa, ARM64_IMAGE_ALIGN);
	if (__builtin_add_overflow(base, h.text_offset, gpa) ||
	    __builtin_add_overflow(*gpa, h.image_size, &end) || end > limit ||
	    !mem_contains(mem, *gpa, h.image_size))
		return fail(why, whylen, -E2BIG, "the kernel needs %llu MiB of "
			    "RAM below its initrd and device tree; give more "
			    "--memory", (unsigned long long)(h.image_size >> 20) + 1);
	return 0;
}

int arm64_image_load(const struct guest_mem *mem, const void *buf,
		     size_t size, uint64_t limit, uint64_t *gpa, char *why,
		     size_t whylen)
{
	struct arm64_image_hdr h;
	uint8_t *dst;
	int ret;

	ret = arm64_image_check(mem, buf, size, limit, gpa, why, whylen);
	if (ret)
		return ret;
	ret = arm64_image_parse(buf, size, &h, why, whylen);
	if (ret)
		return ret;
	dst = mem_gpa_to_hva(mem, *gpa, h.image_size);
	if (!dst)
		return fail(why, whylen, -E2BIG, "guest RAM has no backing");
	memcpy(dst, buf, size);
	memset(dst + size, 0, h.image_size - size);
	return 0;
}
