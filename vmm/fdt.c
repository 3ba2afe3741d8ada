// SPDX-License-Identifier: MIT
/* The generic part of the guest's device tree: root, chosen, memory, cpus. */
#include <libfdt.h>
#include <stdio.h>
#include "machine.h"

#define CHECK(expr)                                                            \
	do {                                                                   \
		int ret_ = (expr);                                             \
		if (ret_ < 0)                                                  \
			return ret_;                                           \
	} while (0)

static int memory_nodes(void *fdt, const struct guest_mem *mem)
{
	unsigned int i;
	char name[32];

	for (i = 0; i < mem->nr; i++) {
		const struct mem_region *r = &mem->regions[i];
		uint64_t reg[2] = { cpu_to_fdt64(r->gpa), cpu_to_fdt64(r->len) };

		snprintf(name, sizeof(name), "memory@%llx",
			 (unsigned long long)r->gpa);
		CHECK(fdt_begin_node(fdt, name));
		CHECK(fdt_property_string(fdt, "device_type", "memory"));
		CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
		CHECK(fdt_end_node(fdt));
	}
	return 0;
}

static int cpu_nodes(void *fdt, unsigned int nr)
{
	unsigned int i;
	char name[16];

	CHECK(fdt_begin_node(fdt, "cpus"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 1));
	CHECK(fdt_property_u32(fdt, "#size-cells", 0));
	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		CHECK(fdt_begin_node(fdt, name));
		CHECK(fdt_property_string(fdt, "device_type", "cpu"));
		CHECK(fdt_property_u32(fdt, "reg", i));
		CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int chosen_node(void *fdt, const struct machine *m)
{
	CHECK(fdt_begin_node(fdt, "chosen"));
	CHECK(fdt_property_string(fdt, "bootargs",
				  m->opts->cmdline ? m->opts->cmdline : ""));
	CHECK(fdt_property_string(fdt, "stdout-path", "serial0"));
	if (m->initrd_size) {
		CHECK(fdt_property_u64(fdt, "linux,initrd-start",
				       m->initrd_gpa));
		CHECK(fdt_property_u64(fdt, "linux,initrd-end",
				       m->initrd_gpa + m->initrd_size));
	}
	return fdt_end_node(fdt);
}

int machine_build_fdt(struct machine *m, void *buf, size_t size)
{
	void *fdt = buf;

	CHECK(fdt_create(fdt, (int)size));
	CHECK(fdt_finish_reservemap(fdt));
	CHECK(fdt_begin_node(fdt, ""));
	CHECK(fdt_property_string(fdt, "compatible", "ferry,virt"));
	CHECK(fdt_property_string(fdt, "model", "ferry"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(chosen_node(fdt, m));
	CHECK(memory_nodes(fdt, &m->vm.mem));
	CHECK(cpu_nodes(fdt, m->opts->cpus));
	CHECK(board_fdt_devices(m, fdt));
	CHECK(fdt_end_node(fdt));
	CHECK(fdt_finish(fdt));
	return (int)fdt_totalsize(fdt);
}
