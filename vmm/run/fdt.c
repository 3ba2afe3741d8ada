// SPDX-License-Identifier: MIT
/* The generic part of the guest's device tree: root, chosen, memory, cpus. */
#include <libfdt.h>
#include <stdio.h>
#include "../fdt_util.h"
#include "machine.h"

static int memory_nodes(void *fdt, const struct guest_mem *mem)
{
	unsigned int i;
	char name[32];

	for (i = 0; i < mem->nr; i++) {
		const struct mem_region *r = &mem->regions[i];
		uint64_t reg[2] = { cpu_to_fdt64(r->gpa), cpu_to_fdt64(r->len) };

		snprintf(name, sizeof(name), "memory@%llx",
			 (unsigned long long)r->gpa);
		FDT_CHECK(fdt_begin_node(fdt, name));
		FDT_CHECK(fdt_property_string(fdt, "device_type", "memory"));
		FDT_CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
		FDT_CHECK(fdt_end_node(fdt));
	}
	return 0;
}

static int cpu_nodes(void *fdt, unsigned int nr)
{
	unsigned int i;
	char name[32];

	FDT_CHECK(fdt_begin_node(fdt, "cpus"));
	FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 1));
	FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 0));
	for (i = 0; i < nr; i++) {
		uint64_t id = board_cpu_id(i);

		snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)id);
		FDT_CHECK(fdt_begin_node(fdt, name));
		FDT_CHECK(fdt_property_string(fdt, "device_type", "cpu"));
		FDT_CHECK(fdt_property_u32(fdt, "reg", (uint32_t)id));
		FDT_CHECK(board_fdt_cpu(fdt, i));
		FDT_CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int chosen_node(void *fdt, const struct machine *m)
{
	FDT_CHECK(fdt_begin_node(fdt, "chosen"));
	FDT_CHECK(fdt_property_string(fdt, "bootargs",
				      m->img.cmdline ? m->img.cmdline : ""));
	FDT_CHECK(fdt_property_string(fdt, "stdout-path", "serial0"));
	if (m->img.initrd_size) {
		FDT_CHECK(fdt_property_u64(fdt, "linux,initrd-start",
					   m->img.initrd_gpa));
		FDT_CHECK(fdt_property_u64(fdt, "linux,initrd-end",
					   m->img.initrd_gpa +
						   m->img.initrd_size));
	}
	return fdt_end_node(fdt);
}

int machine_build_fdt(const struct machine *m, void *buf, size_t size)
{
	void *fdt = buf;

	FDT_CHECK(fdt_create(fdt, (int)size));
	FDT_CHECK(fdt_finish_reservemap(fdt));
	FDT_CHECK(fdt_begin_node(fdt, ""));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "ferry,virt"));
	FDT_CHECK(fdt_property_string(fdt, "model", "ferry"));
	FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(board_fdt_root(&m->board_cfg, fdt));
	FDT_CHECK(chosen_node(fdt, m));
	FDT_CHECK(memory_nodes(fdt, &m->vm.mem));
	FDT_CHECK(cpu_nodes(fdt, m->opts->cpus));
	FDT_CHECK(board_fdt_devices(&m->board_cfg, &m->vm.mem, fdt));
	FDT_CHECK(fdt_end_node(fdt));
	FDT_CHECK(fdt_finish(fdt));
	return (int)fdt_totalsize(fdt);
}
