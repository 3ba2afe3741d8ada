/* SPDX-License-Identifier: MIT */
/* Building device trees with libfdt's sequential writer: one error path. */
#ifndef FERRY_FDT_UTIL_H
#define FERRY_FDT_UTIL_H

#include <stdint.h>

struct board_viommu;

/* Run a libfdt call; on a negative (libfdt) error, return it. */
#define FDT_CHECK(expr)                                                        \
	do {                                                                   \
		int fdt_ret_ = (expr);                                         \
		if (fdt_ret_ < 0)                                              \
			return fdt_ret_;                                       \
	} while (0)

/*
 * Inside the PCI host node being written (after its other properties):
 * the vIOMMU @v as the PCI binding of virtio-iommu describes it, a child
 * of the host bridge at its own requester ID with @phandle, and the
 * bridge's iommu-map sending each endpoint's requester ID to it
 * (endpoint ID = requester ID, one entry per range: nothing else on the
 * bus is translated; no ranges, no iommu-map). The same on every board.
 * 0 or a libfdt error (-FDT_ERR_BADVALUE: a bad range).
 */
int fdt_viommu_nodes(void *fdt, const struct board_viommu *v,
		     uint32_t phandle);

#endif
