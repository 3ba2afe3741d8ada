// SPDX-License-Identifier: MIT
/*
 * DMA for passed-through devices, through the DMA-mapping layer
 * (vmm/dma.h): each IOMMU backend instance is a listener that mirrors a
 * guest domain into the host IOMMU. Without a vIOMMU that domain is guest
 * RAM's identity map (IOVA == GPA), attached once the first device is;
 * with one, each device's own backend follows the domain the guest
 * attached it to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"

static struct vfio_iommu *of(struct dma_listener *l)
{
	return container_of(l, struct vfio_iommu, listener);
}

static int listener_map(struct dma_listener *l, const struct dma_map *m)
{
	struct vfio_iommu *io = of(l);

	return io->ops->dma_map(io, m->iova, m->len, m->hva, m->prot);
}

static int listener_unmap(struct dma_listener *l, const struct dma_map *m)
{
	struct vfio_iommu *io = of(l);

	return io->ops->dma_unmap(io, m->iova, m->len);
}

/*
 * The host IOMMU pins what it maps and lets go when unmapped, so the
 * mirror itself is its only hold on guest memory: no invalidate().
 */
static const struct dma_listener_ops vfio_listener_ops = {
	.map = listener_map,
	.unmap = listener_unmap,
};

void vfio_listener_init(struct vfio_iommu *io, const char *name)
{
	snprintf(io->name, sizeof(io->name), "vfio %s", name);
	io->listener = (struct dma_listener){
		.ops = &vfio_listener_ops,
		.name = io->name,
	};
}

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

int vfio_check_memlock(uint64_t need)
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

int vfio_map_ram(struct vfio *v)
{
	const struct guest_mem *mem = &v->vm->mem;
	struct timespec t0, t1;
	int ret;

	if (v->iommu->ops->pins_on_map(v->iommu)) {
		ret = check_iova(v);
		if (!ret)
			ret = vfio_check_memlock(mem->size);
		if (ret)
			return ret;
	} else {
		info("no IOMMU domain (mediated devices only): guest RAM is "
		     "mapped without pinning; each vendor driver pins the "
		     "pages it uses for DMA, counted in RLIMIT_MEMLOCK then");
	}
	hint_page_size(mem);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Attaching replays the identity domain: one host map per region. */
	ret = dma_listener_attach(v->ram, &v->iommu->listener);
	if (ret == -ENOMEM && v->iommu->ops->pins_on_map(v->iommu)) {
		/* The pin exceeded what the kernel lets us lock. */
		err("cannot pin guest RAM for DMA: the locked-memory limit is "
		    "exhausted (%s); raise RLIMIT_MEMLOCK (ulimit -l) or run "
		    "as root", v->iommu->ops->accounting);
		return ret;
	}
	if (ret) {
		err("cannot map guest RAM for DMA: %s", strerror(-ret));
		return ret;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	info("mapped %llu MiB of guest RAM for DMA in %.1f ms (%s)",
	     (unsigned long long)(mem->size >> 20),
	     (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	     v->iommu->ops->name);
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
	/* Only the identity domain's listener maps RAM before a device. */
	if (!v->ram || !v->iommu || !v->iommu->listener.domain ||
	    v->iommu->ops->pins_on_map(v->iommu))
		return 0;
	return vfio_check_memlock(v->vm->mem.size);
}

int vfio_unmap_ram(struct vfio *v)
{
	return dma_listener_detach(&v->iommu->listener);
}

/* What the IOMMU behind @io accepts, added to @lim. 0 or -errno. */
static int narrow(struct vfio_iommu *io, struct dma_limits *lim)
{
	struct vfio_iova_range *r;
	struct dma_range ranges[64];
	uint64_t sizes = 0;
	int n, i, ret;

	ret = io->ops->page_sizes(io, &sizes);
	if (ret && ret != -ENOTSUP)
		return ret;
	n = io->ops->iova_ranges(io, &r);
	if (n < 0)
		return n;
	if (n > (int)ARRAY_SIZE(ranges))
		n = ARRAY_SIZE(ranges); /* fewer usable: narrower, not wider */
	for (i = 0; i < n; i++)
		ranges[i] = (struct dma_range){ r[i].start, r[i].end };
	free(r);
	return dma_limits_narrow(lim, sizes, ranges, (unsigned int)n);
}

int vfio_dma_limits(struct vfio *v, struct dma_limits *lim)
{
	unsigned int i;
	int ret = 0;

	dma_limits_init(lim);
	if (v->iommu)
		ret = narrow(v->iommu, lim);
	for (i = 0; i < v->nr_devs && !ret; i++)
		if (v->devs[i]->iommu != v->iommu)
			ret = narrow(v->devs[i]->iommu, lim);
	if (ret)
		err("the IOMMUs of the passed-through devices have no page "
		    "size or address range in common: %s", strerror(-ret));
	return ret;
}
