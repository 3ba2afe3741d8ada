// SPDX-License-Identifier: MIT
/* The DMA map: guest RAM ranges mapped in the IOMMU, IOVA == GPA. */
#include <errno.h>
#include <sys/ioctl.h>
#include "vfio_priv.h"

int vfio_dma_map(struct vfio *v, uint64_t iova, uint64_t size, void *hva)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uint64_t)(uintptr_t)hva,
		.iova = iova,
		.size = size,
	};
	uint64_t last;
	unsigned int i;

	if (!size || __builtin_add_overflow(iova, size - 1, &last))
		return -EINVAL;
	if (v->nr_dma == VFIO_MAX_DMA)
		return -ENOSPC;
	for (i = 0; i < v->nr_dma; i++)
		if (ranges_overlap(iova, size, v->dma[i].iova, v->dma[i].size))
			return -EEXIST;
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map) < 0)
		return -errno;
	v->dma[v->nr_dma++] = (struct vfio_dma){ iova, size, hva };
	return 0;
}

/*
 * Unmap every mapping, whole (type1v2 refuses to split one). Returns 0,
 * or the first error; continues past errors so nothing stays mapped that
 * can be unmapped.
 */
int vfio_dma_unmap_all(struct vfio *v)
{
	int ret = 0;

	while (v->nr_dma) {
		struct vfio_dma *d = &v->dma[v->nr_dma - 1];
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap),
			.iova = d->iova,
			.size = d->size,
		};

		if (ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0) {
			if (!ret)
				ret = -errno;
			err("cannot unmap DMA at 0x%llx: %s",
			    (unsigned long long)d->iova, strerror(errno));
		} else if (unmap.size != d->size) {
			err("IOMMU unmapped %llu of %llu bytes at 0x%llx",
			    (unsigned long long)unmap.size,
			    (unsigned long long)d->size,
			    (unsigned long long)d->iova);
			if (!ret)
				ret = -EIO;
		}
		v->nr_dma--;
	}
	return ret;
}
