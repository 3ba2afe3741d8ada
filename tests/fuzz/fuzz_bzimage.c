// SPDX-License-Identifier: MIT
/* libFuzzer target: the bzImage loader never reads or writes out of bounds. */
#include <stdlib.h>
#include "x86/bzimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAM (48 * MiB)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	struct bzimage_boot boot;
	char why[256];
	uint8_t *copy;

	if (!mem.base) {
		mem.fd = -1;
		mem.base = malloc(FUZZ_RAM);
		mem.size = FUZZ_RAM;
		if (!mem.base || mem_add_region(&mem, 0, FUZZ_RAM))
			abort();
	}
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	why[0] = 0;
	if (bzimage_load(&mem, copy, size, "console=ttyS0", 40 * MiB, 4096,
			 &boot, why, sizeof(why)) != 0 && !why[0])
		abort(); /* every refusal says why */
	free(copy);
	return 0;
}
