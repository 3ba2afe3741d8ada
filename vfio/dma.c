// SPDX-License-Identifier: MIT
/*
 * Guest RAM for device DMA: every RAM region mapped through the IOMMU
 * backend, IOVA == GPA, once the first device is attached, and unmapped
 * before the last one goes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"

/*
 * Every RAM region must lie in one usable IOVA range, else the IOMMU
 * would refuse (or worse, silently misroute) its DMA. 0 or -ERANGE.
 */
static int check_iova(struct vfio *v)
{
	const struct guest_mem *mem = &v->vm->mem;
	struct vfio_iova_range *ranges;
	unsigned int i, j;
	int n, ret = 0;

	n = v->iommu->ops->iova_ranges(v->iommu, &ranges);
	if (n < 0) {
		err("cannot read the IOMMU's usable address ranges: %s",
		    strerror(-n));
		return n;
	}
	if (n == 0) {
		warn("this kernel does not report the IOMMU's usable address "
		     "ranges (Linux 5.4 and later do): guest RAM is mapped for "
		     "DMA without checking it against reserved regions");
		return 0;
	}
	for (i = 0; i < mem->nr && !ret; i++) {
		const struct mem_region *r = &mem->regions[i];
		int ok = 0;

		for (j = 0; j < (unsigned int)n; j++)
			ok |= r->gpa >= ranges[j].start &&
			      r->gpa + r->len - 1 <= ranges[j].end;
		if (!ok) {
			err("guest RAM at 0x%llx-0x%llx is outside the IOMMU's "
			    "usable address ranges; give less --memory",
			    (unsigned long long)r->gpa,
			    (unsigned long long)(r->gpa + r->len - 1));
			ret = -ERANGE;
		}
	}
	free(ranges);
	return ret;
}

static int check_memlock(uint64_t need)
{
	struct rlimit rl;

	/* Root (CAP_IPC_LOCK) is not held to the limit by the kernel. */
	if (geteuid() == 0 || getrlimit(RLIMIT_MEMLOCK, &rl) < 0 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
			return 0;
	}
	err("DMA to guest RAM needs %llu MiB of locked memory but "
	    "RLIMIT_MEMLOCK is %llu MiB; raise it (ulimit -l %llu) or run as "
	    "root", (unsigned long long)(need >> 20),
	    (unsigned long long)(rl.rlim_cur >> 20),
	    (unsigned long long)(need >> 10));
	return -ENOMEM;
}

/*
 * Pinned 4 KiB guest pages make a device's DMA into fresh guest memory
 * several times slower than huge pages (bench/lab-vfio: NVMe reads 0.18x
 * QEMU's). Anonymous RAM gets transparent huge pages unless the host
 * turned THP off; memfd RAM only where the host allows them for shmem.
 * Say how to get them.
 */
static void hint_page_size(const struct guest_mem *mem)
{
	const char *knob = mem->fd < 0 ? "enabled" : "shmem_enabled";
	char path[96], mode[128] = "";
	FILE *f;

	if (mem->huge)
		return;
	snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s",
		 knob);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(mode, sizeof(mode), f))
		mode[0] = '\0';
	fclose(f);
	if (strstr(mode, "[never]") || strstr(mode, "[deny]"))
		info("guest RAM is in 4 KiB pages (transparent huge pages are "
		     "off on this host), which slows device DMA; use "
		     "--hugepages or echo madvise > %s", path);
}

/* Map one range and remember it. Overlaps are refused. 0 or -errno. */
static int map(struct vfio *v, uint64_t iova, uint64_t size, void *hva)
{
	uint64_t last;
	unsigned int i;
	int ret;

	if (!size || __builtin_add_overflow(iova, size - 1, &last))
		return -EINVAL;
	if (v->nr_dma == VFIO_MAX_DMA)
		return -ENOSPC;
	for (i = 0; i < v->nr_dma; i++)
		if (ranges_overlap(iova, size, v->dma[i].iova, v->dma[i].size))
			return -EEXIST;
	ret = v->iommu->ops->dma_map(v->iommu, iova, size, hva);
	if (ret)
		return ret;
	v->dma[v->nr_dma++] = (struct vfio_dma){ iova, size, hva };
	return 0;
}

int vfio_map_ram(struct vfio *v)
{
	const struct guest_mem *mem = &v->vm->mem;
	struct timespec t0, t1;
	unsigned int i;
	int ret;

	if (v->iommu->ops->pins_on_map(v->iommu)) {
		ret = check_iova(v);
		if (!ret)
			ret = check_memlock(mem->size);
		if (ret)
			return ret;
	} else {
		info("no IOMMU domain (mediated devices only): guest RAM is "
		     "mapped without pinning; each vendor driver pins the "
		     "pages it uses for DMA, counted in RLIMIT_MEMLOCK then");
	}
	hint_page_size(mem);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < mem->nr; i++) {
		ret = map(v, mem->regions[i].gpa, mem->regions[i].len,
			  mem->regions[i].hva);
		if (ret) {
			err("cannot map guest RAM at 0x%llx for DMA: %s",
			    (unsigned long long)mem->regions[i].gpa,
			    strerror(-ret));
			vfio_unmap_ram(v);
			return ret;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	info("mapped %llu MiB of guest RAM for DMA in %.1f ms",
	     (unsigned long long)(mem->size >> 20),
	     (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (v->iommu->ops->coherent(v->iommu))
		info("device DMA is cache-coherent: guest memory types need no "
		     "special care");
	else
		info("the IOMMU does not enforce cache coherency: KVM will "
		     "honour the guest's cache attributes and WBINVD");
	return 0;
}

int vfio_ram_check_pin(struct vfio *v)
{
	if (!v->iommu || !v->nr_dma || v->iommu->ops->pins_on_map(v->iommu))
		return 0;
	return check_memlock(v->vm->mem.size);
}

int vfio_unmap_ram(struct vfio *v)
{
	int ret = 0, r;

	while (v->nr_dma) {
		struct vfio_dma *d = &v->dma[v->nr_dma - 1];

		r = v->iommu->ops->dma_unmap(v->iommu, d->iova, d->size);
		if (r) {
			err("cannot unmap DMA at 0x%llx (%llu bytes): %s",
			    (unsigned long long)d->iova,
			    (unsigned long long)d->size, strerror(-r));
			if (!ret)
				ret = r;
		}
		v->nr_dma--;
	}
	return ret;
}
