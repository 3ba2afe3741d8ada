// SPDX-License-Identifier: MIT
/*
 * The type1 IOMMU backend: the VFIO container (/dev/vfio/vfio) and the
 * IOMMU groups of the devices in it. The only file that knows either.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"

#define TYPE1_MAX_GROUPS 16

struct type1_group {
	int id;	       /* /dev/vfio/<id> */
	int fd;	       /* -1: a free entry */
	int refs;      /* devices of this VM in the group */
	int kvm_added; /* registered with KVM's VFIO device */
	int mdev;      /* a mediated device's group: no IOMMU domain */
};

struct type1 {
	struct vfio_iommu io; /* first: container_of from the ops */
	int container;	      /* /dev/vfio/vfio, or -1 before the first attach */
	int iommu_set;	      /* VFIO_SET_IOMMU done */
	struct type1_group groups[TYPE1_MAX_GROUPS];
};

static struct type1 *type1(struct vfio_iommu *io)
{
	return container_of(io, struct type1, io);
}

static int open_container(struct type1 *t)
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
	t->container = fd;
	return 0;
}

/* The number of the IOMMU group of the device at @sysfs, or -errno. */
static int group_of(const char *sysfs)
{
	char grp[32];
	int ret = vfio_sysfs_link(sysfs, "iommu_group", grp, sizeof(grp));

	return ret ? ret : atoi(grp);
}

static int type1_check(const struct vfio_spec *spec)
{
	if (group_of(spec->sysfs) < 0) {
		err("%s has no IOMMU group: the host runs without an IOMMU; "
		    "enable it (intel_iommu=on or amd_iommu=on on the kernel "
		    "command line)", spec->name);
		return -ENODEV;
	}
	return 0;
}

/*
 * Why is group @id not viable? Every device in it must be bound to a VFIO
 * driver: vfio-pci for a PCI function, its vendor's VFIO mdev driver for
 * a mediated device (whose group holds only itself). Says which device
 * is not, and what to do.
 */
static void explain_not_viable(int id)
{
	char dir[128], path[512], drv[128];
	struct dirent *e;
	struct stat st;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/kernel/iommu_groups/%d/devices", id);
	d = opendir(dir);
	while (d && (e = readdir(d)) != NULL) {
		int bound, mdev;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/mdev_type", dir, e->d_name);
		mdev = lstat(path, &st) == 0;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		bound = vfio_sysfs_link(path, "driver", drv, sizeof(drv)) == 0;
		if (mdev && !bound) {
			err("IOMMU group %d is not viable: mediated device %s is "
			    "not bound to a driver; bind it: echo %s > "
			    "/sys/bus/mdev/drivers_probe", id, e->d_name,
			    e->d_name);
			closedir(d);
			return;
		}
		if (!mdev && bound && strcmp(drv, "vfio-pci") != 0) {
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
	    "vfio-pci (or, for a mediated device, its VFIO mdev driver)", id,
	    dir);
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
		err("no %s: bind the device to vfio-pci (a mediated device: "
		    "to its VFIO mdev driver) first", path);
	else if (ret == -EACCES || ret == -EPERM)
		err("no permission to open %s; run as root or give your user "
		    "access to it", path);
	else
		err("cannot open %s: %s", path, strerror(-ret));
	return ret;
}

/* Put group @fd (number @id) in the container; viable groups only. */
static int join_container(struct type1 *t, int fd, int id)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int ret;

	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0) {
		ret = -errno;
		err("cannot query IOMMU group %d: %s", id, strerror(-ret));
		return ret;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		explain_not_viable(id);
		return -EBUSY;
	}
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &t->container) < 0) {
		ret = -errno;
		err("cannot add IOMMU group %d to the container: %s", id,
		    strerror(-ret));
		return ret;
	}
	if (!t->iommu_set) {
		if (ioctl(t->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
			ret = -errno;
			err("cannot set up the type1v2 IOMMU: %s",
			    strerror(-ret));
			ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
			return ret;
		}
		t->iommu_set = 1;
	}
	return 0;
}

static void group_put(struct type1 *t, struct type1_group *g)
{
	unsigned int i;

	if (--g->refs > 0)
		return;
	if (g->kvm_added)
		vm_kvm_vfio_del(t->io.vm, g->fd);
	g->kvm_added = 0;
	ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER);
	close(g->fd);
	g->fd = -1;
	for (i = 0; i < TYPE1_MAX_GROUPS; i++)
		if (t->groups[i].fd >= 0)
			return;
	t->iommu_set = 0; /* the last group out took the IOMMU with it */
}

/* The group numbered @id, in the container and known to KVM. */
static int group_get(struct type1 *t, int id, int mdev,
		     struct type1_group **out)
{
	struct type1_group *g = NULL;
	unsigned int i;
	int fd, ret;

	for (i = 0; i < TYPE1_MAX_GROUPS; i++) {
		if (t->groups[i].fd >= 0 && t->groups[i].id == id) {
			t->groups[i].refs++;
			*out = &t->groups[i];
			return 0;
		}
		if (!g && t->groups[i].fd < 0)
			g = &t->groups[i];
	}
	if (!g) {
		err("ferry passes through devices of at most %d IOMMU groups",
		    TYPE1_MAX_GROUPS);
		return -ENOSPC;
	}
	if (t->container < 0) {
		ret = open_container(t);
		if (ret)
			return ret;
	}
	fd = open_group(id);
	if (fd < 0)
		return fd;
	ret = join_container(t, fd, id);
	if (ret) {
		close(fd);
		return ret;
	}
	*g = (struct type1_group){ .id = id, .fd = fd, .refs = 1,
				   .mdev = mdev };
	ret = vm_kvm_vfio_add(t->io.vm, fd);
	if (ret) {
		err("KVM refused VFIO group %d: %s", id, strerror(-ret));
		group_put(t, g);
		return ret;
	}
	g->kvm_added = 1;
	*out = g;
	return 0;
}

static int type1_attach(struct vfio_iommu *io, const struct vfio_spec *spec,
			int *dev_fd, void **handle)
{
	struct type1 *t = type1(io);
	struct type1_group *g;
	int id = group_of(spec->sysfs), fd, ret;

	if (id < 0)
		return type1_check(spec);
	ret = group_get(t, id, vfio_spec_is_mdev(spec), &g);
	if (ret)
		return ret;
	fd = ioctl(g->fd, VFIO_GROUP_GET_DEVICE_FD, spec->name);
	if (fd < 0) {
		ret = -errno;
		if (ret == -EBUSY && g->mdev)
			err("mediated device %s is in use by another process; "
			    "stop it or create another device", spec->name);
		else if (ret == -EBUSY)
			err("%s: the device is already in use by another "
			    "process; stop it first", spec->name);
		else
			err("%s: cannot get the device from its IOMMU group "
			    "%d: %s", spec->name, id, strerror(-ret));
		group_put(t, g);
		return ret;
	}
	info("%s: in IOMMU group %d", spec->name, id);
	*dev_fd = fd;
	*handle = g;
	return 0;
}

static void type1_detach(struct vfio_iommu *io, void *handle)
{
	group_put(type1(io), handle);
}

static int type1_dma_map(struct vfio_iommu *io, uint64_t iova, uint64_t size,
			 void *hva, int prot)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = (prot & DMA_READ ? VFIO_DMA_MAP_FLAG_READ : 0) |
			 (prot & DMA_WRITE ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uint64_t)(uintptr_t)hva,
		.iova = iova,
		.size = size,
	};

	if (ioctl(type1(io)->container, VFIO_IOMMU_MAP_DMA, &map) < 0)
		return -errno;
	return 0;
}

static int type1_dma_unmap(struct vfio_iommu *io, uint64_t iova,
			   uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(type1(io)->container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0)
		return -errno;
	/* type1v2 unmaps whole mappings only: less means it was not ours. */
	return unmap.size == size ? 0 : -EIO;
}

/* The container's VFIO_IOMMU_GET_INFO, with room for every capability. */
static int get_info(struct vfio_iommu *io, struct vfio_iommu_type1_info **out,
		    uint32_t *argsz_out)
{
	struct vfio_iommu_type1_info *info;
	uint32_t argsz = sizeof(*info);
	int ret;

	/* Set on every path: gcc -O3 cannot see that -errno is never 0. */
	*out = NULL;
	*argsz_out = 0;
	for (;;) {
		info = calloc(1, argsz);
		if (!info)
			return -ENOMEM;
		info->argsz = argsz;
		if (ioctl(type1(io)->container, VFIO_IOMMU_GET_INFO, info) < 0) {
			ret = -errno;
			free(info);
			return ret;
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
	}
	*out = info;
	*argsz_out = argsz;
	return 0;
}

static int type1_iova_ranges(struct vfio_iommu *io,
			     struct vfio_iova_range **out)
{
	struct vfio_iommu_type1_info_cap_iova_range *r;
	struct vfio_iommu_type1_info *info;
	uint32_t argsz;
	int n;

	*out = NULL;
	n = get_info(io, &info, &argsz);
	if (n)
		return n;
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		goto out;
	r = (void *)vfio_info_cap(info, argsz, info->cap_offset,
				  VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
				  sizeof(*r));
	if (!r)
		goto out;
	if (r->nr_iovas > (argsz - (uint32_t)((char *)r - (char *)info) -
			   sizeof(*r)) / sizeof(r->iova_ranges[0])) {
		n = -EIO; /* runs past what the kernel gave */
		goto out;
	}
	*out = calloc(r->nr_iovas ? r->nr_iovas : 1, sizeof(**out));
	if (!*out) {
		n = -ENOMEM;
		goto out;
	}
	memcpy(*out, r->iova_ranges, r->nr_iovas * sizeof(**out));
	n = (int)r->nr_iovas;
out:
	free(info);
	return n;
}

static int type1_page_sizes(struct vfio_iommu *io, uint64_t *out)
{
	struct vfio_iommu_type1_info *info;
	uint32_t argsz;
	int ret = get_info(io, &info, &argsz);

	if (ret)
		return ret;
	*out = info->flags & VFIO_IOMMU_INFO_PGSIZES ? info->iova_pgsizes : 0;
	free(info);
	return *out ? 0 : -ENOTSUP;
}

static int type1_inseparable(const struct vfio_spec *a,
			     const struct vfio_spec *b)
{
	int ga = group_of(a->sysfs);

	return ga >= 0 && ga == group_of(b->sysfs);
}

static int type1_coherent(struct vfio_iommu *io)
{
	return ioctl(type1(io)->container, VFIO_CHECK_EXTENSION,
		     VFIO_DMA_CC_IOMMU) == 1;
}

/*
 * A mediated device's group joins the container without an IOMMU domain
 * (type1's "external" domain): mapping records the range and pins
 * nothing, and its vendor driver pins pages when it does DMA.
 */
static int type1_pins_on_map(struct vfio_iommu *io)
{
	struct type1 *t = type1(io);
	unsigned int i, mdevs = 0;

	for (i = 0; i < TYPE1_MAX_GROUPS; i++) {
		if (t->groups[i].fd >= 0 && !t->groups[i].mdev)
			return 1;
		mdevs += t->groups[i].fd >= 0;
	}
	return mdevs == 0; /* no group yet (a given container): assume so */
}

static void type1_destroy(struct vfio_iommu *io)
{
	struct type1 *t = type1(io);
	unsigned int i;

	for (i = 0; i < TYPE1_MAX_GROUPS; i++)
		if (t->groups[i].fd >= 0) {
			t->groups[i].refs = 1;
			group_put(t, &t->groups[i]);
		}
	if (t->container >= 0)
		close(t->container);
	free(t);
}

const struct vfio_iommu_ops vfio_type1_ops = {
	.name = "type1",
	.check = type1_check,
	.attach = type1_attach, .detach = type1_detach,
	.dma_map = type1_dma_map, .dma_unmap = type1_dma_unmap,
	.iova_ranges = type1_iova_ranges, .page_sizes = type1_page_sizes,
	.inseparable = type1_inseparable, .coherent = type1_coherent,
	.pins_on_map = type1_pins_on_map,
	.accounting = "type1 counts the pinned memory of this process",
	.destroy = type1_destroy,
};

int vfio_type1_create(struct vfio_iommu **out, struct vm *vm, int container_fd)
{
	struct type1 *t = calloc(1, sizeof(*t));
	unsigned int i;

	if (!t)
		return -ENOMEM;
	t->io = (struct vfio_iommu){ .ops = &vfio_type1_ops, .vm = vm };
	t->container = container_fd;
	t->iommu_set = container_fd >= 0;
	for (i = 0; i < TYPE1_MAX_GROUPS; i++)
		t->groups[i].fd = -1;
	*out = &t->io;
	return 0;
}
