// SPDX-License-Identifier: MIT
/* A board's vIOMMU in its device tree: the PCI binding of virtio-iommu. */
#include <libfdt.h>
#include <stdio.h>
#include "board.h"
#include "fdt_util.h"

int fdt_viommu_nodes(void *fdt, const struct board_viommu *v,
		     uint32_t phandle)
{
	uint32_t map[BOARD_VIOMMU_MAX_RANGES * 4];
	uint32_t reg[5] = { cpu_to_fdt32((uint32_t)v->rid << 8), 0, 0, 0, 0 };
	char name[32];
	unsigned int i;

	if (v->nr_ranges > BOARD_VIOMMU_MAX_RANGES)
		return -FDT_ERR_BADVALUE;
	for (i = 0; i < v->nr_ranges; i++) {
		const struct board_viommu_range *r = &v->ranges[i];

		if (r->first > r->last)
			return -FDT_ERR_BADVALUE;
		map[4 * i] = cpu_to_fdt32(r->first);
		map[4 * i + 1] = cpu_to_fdt32(phandle);
		map[4 * i + 2] = cpu_to_fdt32(r->first);
		map[4 * i + 3] = cpu_to_fdt32((uint32_t)(r->last - r->first) + 1);
	}
	if (v->nr_ranges)
		FDT_CHECK(fdt_property(fdt, "iommu-map", map,
				       (int)(v->nr_ranges * 16)));
	/* The unit address dtc expects of a PCI child: "DEV" or "DEV,FN". */
	if (v->rid & 7)
		snprintf(name, sizeof(name), "iommu@%x,%x", v->rid >> 3,
			 v->rid & 7);
	else
		snprintf(name, sizeof(name), "iommu@%x", v->rid >> 3);
	FDT_CHECK(fdt_begin_node(fdt, name));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "virtio,pci-iommu"));
	FDT_CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
	FDT_CHECK(fdt_property_u32(fdt, "#iommu-cells", 1));
	FDT_CHECK(fdt_property_u32(fdt, "phandle", phandle));
	return fdt_end_node(fdt);
}
