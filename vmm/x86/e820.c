// SPDX-License-Identifier: MIT
/* The x86 memory map Linux boot protocols hand the kernel (e820 types). */
#include "e820.h"
#include "layout.h"

static void add(struct x86_e820 *out, unsigned int *n, unsigned int max,
		uint64_t addr, uint64_t size, uint32_t type)
{
	if (!size || *n >= max)
		return;
	out[(*n)++] = (struct x86_e820){ addr, size, type };
}

unsigned int x86_e820_map(const struct guest_mem *mem, struct x86_e820 *out,
			  unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < mem->nr; i++) {
		const struct mem_region *r = &mem->regions[i];

		if (r->gpa != 0) {
			add(out, &n, max, r->gpa, r->len, E820_RAM);
			continue;
		}
		add(out, &n, max, 0, X86_EBDA_GPA, E820_RAM);
		add(out, &n, max, X86_EBDA_GPA, 0xa0000 - X86_EBDA_GPA,
		    E820_RESERVED);
		/* ACPI tables, the MP table and the BIOS area. */
		add(out, &n, max, X86_ACPI_GPA,
		    X86_BOOT_DATA_END - X86_ACPI_GPA, E820_RESERVED);
		if (r->len > X86_BOOT_DATA_END)
			add(out, &n, max, X86_BOOT_DATA_END,
			    r->len - X86_BOOT_DATA_END, E820_RAM);
	}
	return n;
}
