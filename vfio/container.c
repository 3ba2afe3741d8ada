// SPDX-License-Identifier: MIT
/* The type1 container: groups, viability, the IOMMU, guest RAM for DMA. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"

static int open_container(struct vfio *v)
{
	int fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			err("VFIO is not available on this host (no "
			    "/dev/vfio/vfio); load it with: modprobe vfio-pci");
		else
			err("cannot open /dev/vfio/vfio: %s", strerror(-ret));
		return ret;
	}
	if (ioctl(fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		err("the host's VFIO speaks another API version than ferry "
		    "(%d)", VFIO_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
	if (ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
		err("the host's VFIO has no type1v2 IOMMU backend; load "
		    "vfio_iommu_type1");
		close(fd);
		return -ENOTSUP;
	}
	v->container = fd;
	return 0;
}

/* Say which device of group @id keeps it from being viable. */
static void explain_not_viable(int id)
{
	char dir[128], path[512], drv[128];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/kernel/iommu_groups/%d/devices", id);
	d = opendir(dir);
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (vfio_sysfs_link(path, "driver", drv, sizeof(drv)) == 0 &&
		    strcmp(drv, "vfio-pci") != 0) {
			err("IOMMU group %d is not viable: %s in the same group "
			    "is bound to host driver '%s'; bind every device in "
			    "%s to vfio-pci", id, e->d_name, drv, dir);
			closedir(d);
			return;
		}
	}
	if (d)
		closedir(d);
	err("IOMMU group %d is not viable; bind every device in %s to "
	    "vfio-pci", id, dir);
}

static int open_group(int id)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	ret = -errno;
	if (ret == -EBUSY)
		err("IOMMU group %d is already in use, probably by another VM; "
		    "stop it or pass another device", id);
	else if (ret == -ENOENT)
		err("no %s: bind the device to vfio-pci first", path);
	else if (ret == -EACCES || ret == -EPERM)
		err("no permission to open %s; run as root or give your user "
		    "access to it", path);
	else
		err("cannot open %s: %s", path, strerror(-ret));
	return ret;
}

int vfio_container_attach(struct vfio *v, const char *sysfs, int id,
			  struct vfio_group **out)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vfio_group *g;
	unsigned int i;
	int fd, ret;

	(void)sysfs;
	for (i = 0; i < v->nr_groups; i++)
		if (v->groups[i].id == id && v->groups[i].fd >= 0) {
			v->groups[i].refs++;
			*out = &v->groups[i];
			return 0;
		}
	if (v->nr_groups == VFIO_MAX_GROUPS) {
		err("ferry passes through devices of at most %d IOMMU groups",
		    VFIO_MAX_GROUPS);
		return -ENOSPC;
	}
	if (v->container < 0) {
		ret = open_container(v);
		if (ret)
			return ret;
	}
	fd = open_group(id);
	if (fd < 0)
		return fd;
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0) {
		ret = -errno;
		err("cannot query IOMMU group %d: %s", id, strerror(-ret));
		goto err_close;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		explain_not_viable(id);
		ret = -EBUSY;
		goto err_close;
	}
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &v->container) < 0) {
		ret = -errno;
		err("cannot add IOMMU group %d to the container: %s", id,
		    strerror(-ret));
		goto err_close;
	}
	g = &v->groups[v->nr_groups];
	*g = (struct vfio_group){ .id = id, .fd = fd, .refs = 1 };
	v->nr_groups++;
	if (!v->iommu_set) {
		if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
			ret = -errno;
			err("cannot set up the type1v2 IOMMU: %s",
			    strerror(-ret));
			goto err_group;
		}
		v->iommu_set = 1;
		ret = vfio_container_map_ram(v);
		if (ret)
			goto err_group;
	}
	ret = vm_kvm_vfio_add(v->vm, fd);
	if (ret) {
		err("KVM refused VFIO group %d: %s", id, strerror(-ret));
		goto err_group;
	}
	g->kvm_added = 1;
	*out = g;
	return 0;

err_group:
	vfio_container_detach(v, g);
	return ret;
err_close:
	close(fd);
	return ret;
}

static unsigned int live_groups(const struct vfio *v)
{
	unsigned int i, n = 0;

	for (i = 0; i < v->nr_groups; i++)
		n += v->groups[i].fd >= 0;
	return n;
}

void vfio_container_detach(struct vfio *v, struct vfio_group *g)
{
	if (--g->refs > 0)
		return;
	if (g->kvm_added)
		vm_kvm_vfio_del(v->vm, g->fd);
	g->kvm_added = 0;
	/* The last group out takes the IOMMU with it: unmap first. */
	if (live_groups(v) == 1)
		vfio_dma_unmap_all(v);
	ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER);
	close(g->fd);
	g->fd = -1;
	/* Keep the array dense so indexes stay stable: only trim the tail. */
	while (v->nr_groups && v->groups[v->nr_groups - 1].fd < 0)
		v->nr_groups--;
	if (v->nr_groups == 0)
		v->iommu_set = 0;
}

/*
 * The IOVA ranges the IOMMU accepts (reserved regions already left out),
 * all of them, in *@out (the caller frees it). Returns their number, 0
 * when the kernel does not report them (Linux before 5.4), or -errno.
 */
static int iova_ranges(struct vfio *v, struct vfio_iova_range **out)
{
	struct vfio_iommu_type1_info_cap_iova_range *r;
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *h;
	uint32_t argsz = sizeof(*info), off;
	int n = 0;

	*out = NULL;
	for (;;) {
		info = calloc(1, argsz);
		if (!info)
			return -ENOMEM;
		info->argsz = argsz;
		if (ioctl(v->container, VFIO_IOMMU_GET_INFO, info) < 0) {
			n = -errno;
			goto out;
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
	}
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		goto out;
	/* Each header inside the buffer; the chain only goes forward. */
	for (off = info->cap_offset; off >= sizeof(*info) &&
				     off <= argsz - sizeof(*r);
	     off = h->next) {
		h = (void *)((char *)info + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			r = (void *)h;
			if (r->nr_iovas > (argsz - off - sizeof(*r)) /
						  sizeof(r->iova_ranges[0])) {
				n = -EIO; /* runs past what the kernel gave */
				goto out;
			}
			*out = calloc(r->nr_iovas ? r->nr_iovas : 1,
				      sizeof(**out));
			if (!*out) {
				n = -ENOMEM;
				goto out;
			}
			memcpy(*out, r->iova_ranges,
			       r->nr_iovas * sizeof(**out));
			n = (int)r->nr_iovas;
			break;
		}
		if (h->next <= off)
			break;
	}
out:
	free(info);
	return n;
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

	n = iova_ranges(v, &ranges);
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

	/* Root (CAP_IPC_LOCK) is not held to the limit by type1. */
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
 * QEMU's). memfd RAM gets transparent huge pages only where the host
 * allows them for shmem; say how to get them.
 */
static void hint_page_size(const struct guest_mem *mem)
{
	char mode[128] = "";
	FILE *f;

	if (mem->fd < 0 || mem->huge || !(f = fopen("/sys/kernel/mm/transparent_hugepage/"
					"shmem_enabled", "r")))
		return;
	if (!fgets(mode, sizeof(mode), f))
		mode[0] = '\0';
	fclose(f);
	if (strstr(mode, "[never]") || strstr(mode, "[deny]"))
		info("guest RAM is in 4 KiB pages (shmem huge pages are off on "
		     "this host), which slows device DMA; use --hugepages or "
		     "echo advise > /sys/kernel/mm/transparent_hugepage/"
		     "shmem_enabled");
}

int vfio_container_map_ram(struct vfio *v)
{
	const struct guest_mem *mem = &v->vm->mem;
	struct timespec t0, t1;
	unsigned int i;
	int ret;

	ret = check_iova(v);
	if (ret)
		return ret;
	ret = check_memlock(mem->size);
	if (ret)
		return ret;
	hint_page_size(mem);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < mem->nr; i++) {
		ret = vfio_dma_map(v, mem->regions[i].gpa, mem->regions[i].len,
				   mem->regions[i].hva);
		if (ret) {
			err("cannot map guest RAM at 0x%llx for DMA: %s",
			    (unsigned long long)mem->regions[i].gpa,
			    strerror(-ret));
			vfio_dma_unmap_all(v);
			return ret;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	info("mapped %llu MiB of guest RAM for DMA in %.1f ms",
	     (unsigned long long)(mem->size >> 20),
	     (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU) == 1)
		info("device DMA is cache-coherent: guest memory types need no "
		     "special care");
	else
		info("the IOMMU does not enforce cache coherency: KVM will "
		     "honour the guest's cache attributes and WBINVD");
	return 0;
}

void vfio_container_close(struct vfio *v)
{
	if (v->container >= 0)
		close(v->container);
	v->container = -1;
}
