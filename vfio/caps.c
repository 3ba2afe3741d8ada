// SPDX-License-Identifier: MIT
/* Walking the capability chain of a VFIO info reply, bounded. */
#include "iommu.h"

struct vfio_info_cap_header *vfio_info_cap(void *info, uint32_t argsz,
					   uint32_t first, uint16_t id,
					   size_t min_size)
{
	struct vfio_info_cap_header *h;
	uint32_t off, prev = 0;

	if (min_size < sizeof(*h))
		min_size = sizeof(*h);
	/* Each capability inside the buffer, each after the one before:
	 * a chain that loops or points back ends here. */
	for (off = first; off > prev && off <= argsz &&
			  argsz - off >= min_size;
	     prev = off, off = h->next) {
		h = (void *)((char *)info + off);
		if (h->id == id)
			return h;
	}
	return NULL;
}
