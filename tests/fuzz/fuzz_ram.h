/* SPDX-License-Identifier: MIT */
/* Guest RAM for fuzz targets: allocated once, one region at GPA 0. */
#ifndef FERRY_FUZZ_RAM_H
#define FERRY_FUZZ_RAM_H

#include <stdlib.h>
#include <string.h>
#include "mem.h"

static inline const struct guest_mem *fuzz_ram(uint64_t size)
{
	static struct guest_mem mem;

	if (!mem.base) {
		mem.fd = -1;
		mem.base = malloc(size);
		mem.size = size;
		if (!mem.base || mem_add_region(&mem, 0, size))
			abort();
	}
	return &mem;
}

/* An exact-size heap copy, so ASan catches any read past the end. */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (copy)
		memcpy(copy, data, size);
	return copy;
}

#endif
