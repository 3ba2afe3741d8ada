// SPDX-License-Identifier: MIT
/* libFuzzer target: the ELF64 loader never reads or writes out of bounds. */
#include <elf.h>
#include <stdlib.h>
#include "loader.h"
#include "fuzz_elf_end.h"
#include "fuzz_ram.h"
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAM (4 * MiB)

/* The ELF header, the program headers and every segment's file bytes. */
size_t fuzz_structured_end(const uint8_t *data, size_t size)
{
	return fuzz_elf_end(data, size, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gpa_range reserved[] = { { 0, MiB } };
	static const struct elf_rules rules = {
		.machine = EM_X86_64, .reserved = reserved, .nr_reserved = 1,
	};
	const struct guest_mem *mem = fuzz_ram(FUZZ_RAM);
	struct elf_image img;
	char why[256];
	uint8_t *copy = fuzz_copy(data, size);

	if (!copy)
		return 0;
	why[0] = 0;
	if (elf_load(mem, copy, size, &rules, &img, why, sizeof(why)) == 0) {
		/* Whatever loaded must lie in RAM, above the reserved range,
		 * and the entry point inside it. */
		if (img.lo < MiB || img.hi > FUZZ_RAM || img.lo >= img.hi ||
		    img.entry < img.lo || img.entry >= img.hi ||
		    img.nr_segments == 0)
			abort();
	} else if (!why[0]) {
		abort(); /* every refusal says why */
	}
	free(copy);
	return 0;
}
