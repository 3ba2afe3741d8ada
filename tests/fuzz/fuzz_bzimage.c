// SPDX-License-Identifier: MIT
/* libFuzzer target: the bzImage loader never reads or writes out of bounds. */
#include <stdlib.h>
#include "x86/bzimage.h"
#include "fuzz_ram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAM (48 * MiB)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct guest_mem *mem = fuzz_ram(FUZZ_RAM);
	struct bzimage_boot boot;
	char why[256];
	uint8_t *copy = fuzz_copy(data, size);

	if (!copy)
		return 0;
	why[0] = 0;
	if (bzimage_load(mem, copy, size, "console=ttyS0", 40 * MiB, 4096,
			 &boot, why, sizeof(why)) != 0 && !why[0])
		abort(); /* every refusal says why */
	free(copy);
	return 0;
}
