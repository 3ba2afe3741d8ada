/* SPDX-License-Identifier: MIT */
/* The x86 memory map Linux boot protocols hand the kernel (e820 types). */
#ifndef FERRY_X86_E820_H
#define FERRY_X86_E820_H

#include <stdint.h>
#include "../mem.h"

#define E820_RAM 1
#define E820_RESERVED 2

struct x86_e820 {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/*
 * The map of guest RAM @mem as a BIOS would report it, sorted: RAM
 * regions, with the legacy EBDA/VGA/BIOS range below 1 MiB reserved.
 * Writes at most @max entries to @out and returns how many.
 */
unsigned int x86_e820_map(const struct guest_mem *mem, struct x86_e820 *out,
			  unsigned int max);

#endif
