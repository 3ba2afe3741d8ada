// SPDX-License-Identifier: MIT
/* The arm64 Image loader: header checks, placement, bss, every refusal. */
#include <errno.h>
#include <stdlib.h>
#include "../../vmm/arm64/image.h"
#include "test.h"

#define RAM (0x80000000ULL)
#define RAM_SIZE (64ULL << 20)

static uint8_t kernel[1 << 20];

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A header: text_offset, image_size, flags; magic at 56. */
static void header(uint64_t text, uint64_t image_size, uint64_t flags)
{
	memset(kernel, 0x5a, sizeof(kernel));
	put64(kernel + 8, text);
	put64(kernel + 16, image_size);
	put64(kernel + 24, flags);
	memcpy(kernel + 56, "ARM\x64", 4);
}

int main(void)
{
	struct guest_mem mem;
	struct arm64_image_hdr h;
	uint64_t gpa = 0, limit = RAM + RAM_SIZE - (2 << 20);
	char why[200];
	uint8_t *ram;
	size_t i;
	int ok;

	CHECK(mem_create(&mem, RAM_SIZE, 0) == 0);
	CHECK(mem_add_region(&mem, RAM, RAM_SIZE) == 0);
	ram = mem.regions[0].hva;

	header(0, 3 << 20, 0xa);
	CHECK(arm64_image_parse(kernel, sizeof(kernel), &h, why, sizeof(why)) == 0);
	CHECK_MSG(h.image_size == 3 << 20 && h.text_offset == 0 && h.flags == 0xa,
		  "header fields read little-endian");
	memset(ram, 0xee, 4 << 20);
	CHECK(arm64_image_load(&mem, kernel, sizeof(kernel), limit, &gpa, why,
			       sizeof(why)) == 0);
	CHECK_MSG(gpa == RAM, "text_offset 0: at the 2 MiB aligned start of RAM");
	CHECK_MSG(memcmp(ram, kernel, sizeof(kernel)) == 0, "the file is copied");
	for (ok = 1, i = sizeof(kernel); i < (3 << 20); i++)
		ok &= ram[i] == 0;
	CHECK_MSG(ok, "the rest of image_size (bss) is zeroed");
	CHECK_MSG(ram[3 << 20] == 0xee, "nothing past image_size is written");

	header(0x80000, 2 << 20, 0);
	CHECK(arm64_image_check(&mem, kernel, sizeof(kernel), limit, &gpa, why,
				sizeof(why)) == 0 && gpa == RAM + 0x80000);
	CHECK_MSG(gpa == RAM + 0x80000, "an old text_offset of 512 KiB is kept");

	header(0, 3 << 20, 0);
	kernel[56] = 'X';
	CHECK(arm64_image_parse(kernel, sizeof(kernel), &h, why, sizeof(why)) ==
	      -ENOEXEC && strstr(why, "magic"));
	CHECK(arm64_image_parse(kernel, 63, &h, why, sizeof(why)) == -ENOEXEC &&
	      strstr(why, "too short"));
	header(0, 3 << 20, 1);
	CHECK(arm64_image_parse(kernel, sizeof(kernel), &h, why, sizeof(why)) ==
	      -ENOEXEC && strstr(why, "big-endian"));
	header(0, 0, 0);
	CHECK(arm64_image_parse(kernel, sizeof(kernel), &h, why, sizeof(why)) ==
	      -ENOEXEC && strstr(why, "3.17"));
	header(0, 4096, 0);
	CHECK(arm64_image_parse(kernel, sizeof(kernel), &h, why, sizeof(why)) ==
	      -ENOEXEC && strstr(why, "less than the file"));
	header(2 << 20, 3 << 20, 0);
	CHECK(arm64_image_parse(kernel, sizeof(kernel), &h, why, sizeof(why)) ==
	      -ENOEXEC && strstr(why, "text_offset"));
	header(0x801, 3 << 20, 0);
	CHECK(arm64_image_parse(kernel, sizeof(kernel), &h, why, sizeof(why)) ==
	      -ENOEXEC);
	header(0, RAM_SIZE, 0);
	memset(ram, 0xee, 16);
	CHECK(arm64_image_load(&mem, kernel, sizeof(kernel), limit, &gpa, why,
			       sizeof(why)) == -E2BIG && strstr(why, "--memory"));
	CHECK_MSG(ram[0] == 0xee, "a refused kernel writes nothing");
	header(0, (limit - RAM) + 1, 0);
	CHECK_MSG(arm64_image_check(&mem, kernel, sizeof(kernel), limit, &gpa,
				    why, sizeof(why)) == -E2BIG,
		  "one byte past the limit (initrd, device tree) is refused");
	header(0, limit - RAM, 0);
	CHECK_MSG(arm64_image_check(&mem, kernel, sizeof(kernel), limit, &gpa,
				    why, sizeof(why)) == 0,
		  "up to the limit fits");
	header(0, UINT64_MAX - 4096, 0);
	CHECK_MSG(arm64_image_check(&mem, kernel, sizeof(kernel), limit, &gpa,
				    why, sizeof(why)) == -E2BIG,
		  "an image_size that wraps is refused");
	mem_destroy(&mem);
	return test_done();
}
