// SPDX-License-Identifier: MIT
/*
 * The iommufd IOMMU backend: each device's VFIO cdev
 * (/dev/vfio/devices/vfioN) bound to /dev/iommu and attached to one IOAS
 * (I/O address space) that holds guest RAM. The only file that knows
 * iommufd objects or device cdevs.
 *
 * Order, from Documentation/driver-api/vfio.rst and userspace-api/
 * iommufd.rst: open the cdev, register it with KVM (before the bind, so
 * drivers that need KVM find it), VFIO_DEVICE_BIND_IOMMUFD, then
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT to the IOAS. Teardown is the reverse:
 * guest RAM leaves the IOAS (vfio_unmap_ram()), each device detaches, KVM
 * lets go of it, and the last close of its file unbinds it; then the
 * IOAS is destroyed and /dev/iommu closed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"

#define IOMMUFD_DEV "/dev/iommu"
#define CDEV_DIR "/dev/vfio/devices"
#define VTD_ECAP_SC (1ULL << 7)	      /* VT-d snoop control */

struct ifd_dev {
	int fd;	       /* our reference to the device's cdev file; -1: free */
	const char *sysfs; /* the spec's, during attach() only */
	uint32_t devid;	   /* iommufd's object id of the bound device */
	int kvm_added;
	int attached;
	int mdev;	   /* a mediated device: no IOMMU domain, pins on use */
	char name[64];
	struct vfio_iommu_hw hw;
};

struct ifd {
	struct vfio_iommu io; /* first: container_of from the ops */
	int fd;		      /* /dev/iommu, or -1 before the first attach */
	uint32_t ioas;	      /* the IOAS every device attaches to; 0: none */
	char cdev_dir[128];
	struct ifd_dev devs[VFIO_MAX_DEVICES];
};

static struct ifd *ifd(struct vfio_iommu *io)
{
	return container_of(io, struct ifd, io);
}

int vfio_cdev_name(const char *sysfs, char *out, size_t len)
{
	char dir[512];
	struct dirent *e;
	int ret = -ENOENT;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/vfio-dev", sysfs);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "vfio", 4) != 0)
			continue;
		if (strlen(e->d_name) >= len) {
			ret = -ENAMETOOLONG;
			break;
		}
		memcpy(out, e->d_name, strlen(e->d_name) + 1);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

static void say_no_dev_iommu(void)
{
	err("this host has no " IOMMUFD_DEV ": its kernel is built without "
	    "CONFIG_IOMMUFD (no Debian kernel enables it) or the iommufd "
	    "module is not loaded; load it, or use the type1 backend "
	    "(--device vfio,...,iommu=type1)");
}

static void say_no_cdev(const struct vfio_spec *spec)
{
	err("%s has no VFIO device cdev (no vfio-dev/ in %s): the host "
	    "kernel is built without CONFIG_VFIO_DEVICE_CDEV; use the type1 "
	    "backend (--device vfio,...,iommu=type1)", spec->name,
	    spec->sysfs);
}

/*
 * The host must have /dev/iommu, the device an IOMMU (PCI), and, once it
 * is bound to a VFIO driver, a cdev. A PCI device bound elsewhere has no
 * cdev yet: vfio_spec_check() says what to bind next.
 */
static int ifd_check(const struct vfio_spec *spec)
{
	char link[128], cdev[32];

	if (access(IOMMUFD_DEV, F_OK) < 0) {
		say_no_dev_iommu();
		return -ENODEV;
	}
	if (spec->is_pci &&
	    vfio_sysfs_link(spec->sysfs, "iommu_group", link, sizeof(link))) {
		err("%s has no IOMMU group: the host runs without an IOMMU; "
		    "enable it (intel_iommu=on or amd_iommu=on on the kernel "
		    "command line)", spec->name);
		return -ENODEV;
	}
	if (spec->is_pci &&
	    (vfio_sysfs_link(spec->sysfs, "driver", link, sizeof(link)) ||
	     strcmp(link, "vfio-pci") != 0))
		return 0;
	if (vfio_cdev_name(spec->sysfs, cdev, sizeof(cdev))) {
		say_no_cdev(spec);
		return -ENODEV;
	}
	return 0;
}

static int open_iommufd(struct ifd *t)
{
	int fd = open(IOMMUFD_DEV, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			say_no_dev_iommu();
		else if (ret == -EACCES || ret == -EPERM)
			err("no permission to open " IOMMUFD_DEV "; run as root "
			    "or give your user access to it");
		else
			err("cannot open " IOMMUFD_DEV ": %s", strerror(-ret));
		return ret;
	}
	t->fd = fd;
	return 0;
}

static int alloc_ioas(struct ifd *t)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	int ret;

	if (ioctl(t->fd, IOMMU_IOAS_ALLOC, &a) < 0) {
		ret = -errno;
		err("iommufd refused to allocate an I/O address space: %s",
		    strerror(-ret));
		return ret;
	}
	t->ioas = a.out_ioas_id;
	return 0;
}

static const char *hw_type_name(uint32_t type)
{
	switch (type) {
	case IOMMU_HW_INFO_TYPE_INTEL_VTD: return "intel-vtd";
	case IOMMU_HW_INFO_TYPE_ARM_SMMUV3: return "arm-smmuv3";
	case IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV: return "tegra241-cmdqv";
	case IOMMU_HW_INFO_TYPE_AMD: return "amd";
	default: return "unknown";
	}
}

/*
 * What the host IOMMU is for @dev: type, PASID width, coherency. KVM
 * decides coherency itself (from the same driver capability); this is
 * for the user. VT-d: snoop control; AMD-Vi: always; others unknown (-1).
 */
static void query_hw(struct ifd *t, struct ifd_dev *dev)
{
	uint64_t data[32] = { 0 }; /* any vendor's info struct, aligned */
	struct iommu_hw_info h = {
		.size = sizeof(h),
		.dev_id = dev->devid,
		.data_len = sizeof(data),
		.data_uptr = (uint64_t)(uintptr_t)data,
	};
	const struct iommu_hw_info_vtd *vtd = (const void *)data;

	static_assert(sizeof(*vtd) <= sizeof(data), "VT-d info fits");
	dev->hw = (struct vfio_iommu_hw){ .type = "unknown", .coherent = -1 };
	if (ioctl(t->fd, IOMMU_GET_HW_INFO, &h) < 0) {
		info("%s: IOMMU_GET_HW_INFO failed (%s); the host IOMMU is "
		     "not described", dev->name, strerror(errno));
		return;
	}
	dev->hw.type = hw_type_name(h.out_data_type);
	dev->hw.pasid_bits = h.out_max_pasid_log2;
	dev->hw.caps = h.out_capabilities;
	if (h.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD)
		dev->hw.coherent = !!(vtd->ecap_reg & VTD_ECAP_SC);
	else if (h.out_data_type == IOMMU_HW_INFO_TYPE_AMD)
		dev->hw.coherent = 1;
}

/*
 * The kernel refused DMA ownership of @dev's IOMMU group (EPERM): another
 * device of the group is bound to a host driver (the group is not
 * viable), or another process owns it. Say which.
 */
static void explain_group(const struct ifd_dev *dev)
{
	char grp[32], dir[128], path[512], drv[128];
	struct dirent *e;
	DIR *d;

	if (vfio_sysfs_link(dev->sysfs, "iommu_group", grp, sizeof(grp)) == 0) {
		snprintf(dir, sizeof(dir), "/sys/kernel/iommu_groups/%s/devices",
			 grp);
		d = opendir(dir);
		while (d && (e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (vfio_sysfs_link(path, "driver", drv, sizeof(drv)) ||
			    strcmp(drv, "vfio-pci") == 0)
				continue;
			err("IOMMU group %s of %s is not viable: %s in the same "
			    "group is bound to host driver '%s'; bind every "
			    "device in %s to vfio-pci", grp, dev->name,
			    e->d_name, drv, dir);
			closedir(d);
			return;
		}
		if (d)
			closedir(d);
	}
	err("%s: another process owns DMA of its IOMMU group (it has another "
	    "device of the group); stop it or pass the whole group here",
	    dev->name);
}

/* Bind @dev's open cdev to our iommufd; one sentence on failure. */
static int bind_dev(struct ifd *t, struct ifd_dev *dev)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b),
		.iommufd = t->fd,
	};
	int ret;

	if (ioctl(dev->fd, VFIO_DEVICE_BIND_IOMMUFD, &b) == 0) {
		dev->devid = b.out_devid;
		return 0;
	}
	ret = -errno;
	if (ret == -EBUSY)
		err("%s is already in use through its IOMMU group (another "
		    "process, such as a VMM on the type1 backend, has "
		    "/dev/vfio/<group> open); stop it first", dev->name);
	else if (ret == -EINVAL)
		err("%s is already in use: another process has bound it to an "
		    "iommufd through its cdev; stop it first", dev->name);
	else if (ret == -EPERM)
		explain_group(dev);
	else
		err("%s: cannot bind the device to iommufd: %s", dev->name,
		    strerror(-ret));
	return ret;
}

static int attach_dev(struct ifd *t, struct ifd_dev *dev)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a),
		.pt_id = t->ioas,
	};
	int ret;

	if (ioctl(dev->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) < 0) {
		ret = -errno;
		err("%s: cannot attach the device to the I/O address space: "
		    "%s", dev->name, strerror(-ret));
		return ret;
	}
	dev->attached = 1;
	return 0;
}

/* Undo what attach() did for @dev, in reverse; frees its entry. */
static void dev_release(struct ifd *t, struct ifd_dev *dev)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	if (dev->attached && ioctl(dev->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d))
		info("%s: detach from the I/O address space: %s", dev->name,
		     strerror(errno));
	dev->attached = 0;
	if (dev->kvm_added)
		vm_kvm_vfio_del(t->io.vm, dev->fd);
	dev->kvm_added = 0;
	/* The last reference to the file: the device is unbound. */
	close(dev->fd);
	dev->fd = -1;
}

static int ifd_attach(struct vfio_iommu *io, const struct vfio_spec *spec,
		      int *dev_fd, void **handle)
{
	struct ifd *t = ifd(io);
	struct ifd_dev *dev = NULL;
	char cdev[32], path[192];
	unsigned int i;
	int ret, fd;

	ret = vfio_cdev_name(spec->sysfs, cdev, sizeof(cdev));
	if (ret) {
		say_no_cdev(spec);
		return ret;
	}
	for (i = 0; i < VFIO_MAX_DEVICES && !dev; i++)
		if (t->devs[i].fd < 0)
			dev = &t->devs[i];
	if (!dev) {
		err("ferry passes through at most %d devices", VFIO_MAX_DEVICES);
		return -ENOSPC;
	}
	if (t->fd < 0 && (ret = open_iommufd(t)) != 0)
		return ret;
	if (!t->ioas && (ret = alloc_ioas(t)) != 0)
		return ret;

	snprintf(path, sizeof(path), "%s/%s", t->cdev_dir, cdev);
	*dev = (struct ifd_dev){ .fd = open(path, O_RDWR | O_CLOEXEC) };
	snprintf(dev->name, sizeof(dev->name), "%s", spec->name);
	dev->mdev = vfio_spec_is_mdev(spec);
	dev->sysfs = spec->sysfs;
	if (dev->fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			err("%s: no %s although sysfs lists it; is devtmpfs "
			    "mounted on /dev?", spec->name, path);
		else if (ret == -EACCES || ret == -EPERM)
			err("no permission to open %s; run as root or give your "
			    "user access to it", path);
		else
			err("cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	/* KVM first: a driver that needs KVM looks for it at the bind. */
	ret = vm_kvm_vfio_add(t->io.vm, dev->fd);
	if (ret) {
		err("KVM refused the VFIO device %s: %s", path, strerror(-ret));
		goto err_release;
	}
	dev->kvm_added = 1;
	ret = bind_dev(t, dev);
	if (ret)
		goto err_release;
	query_hw(t, dev);
	ret = attach_dev(t, dev);
	if (ret)
		goto err_release;
	/* The device layer gets a descriptor of its own to close. */
	fd = fcntl(dev->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		err("%s: cannot duplicate the device descriptor: %s",
		    spec->name, strerror(-ret));
		goto err_release;
	}
	info("%s: %s bound to iommufd (device %u, IOAS %u)", spec->name, path,
	     dev->devid, t->ioas);
	*dev_fd = fd;
	*handle = dev;
	return 0;

err_release:
	dev_release(t, dev);
	return ret;
}

static void ifd_detach(struct vfio_iommu *io, void *handle)
{
	dev_release(ifd(io), handle);
}

/*
 * The DMA-mapping layer's listener (dma.c) calls these: one IOAS mapping
 * per mapping of the domain, at its IOVA, never split.
 */
static int ifd_dma_map(struct vfio_iommu *io, uint64_t iova, uint64_t size,
		       void *hva, int prot)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
			 (prot & DMA_READ ? IOMMU_IOAS_MAP_READABLE : 0) |
			 (prot & DMA_WRITE ? IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = ifd(io)->ioas,
		.user_va = (uint64_t)(uintptr_t)hva,
		.length = size,
		.iova = iova,
	};

	return ioctl(ifd(io)->fd, IOMMU_IOAS_MAP, &m) < 0 ? -errno : 0;
}

static int ifd_dma_unmap(struct vfio_iommu *io, uint64_t iova, uint64_t size)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = ifd(io)->ioas,
		.iova = iova,
		.length = size,
	};

	/*
	 * An mdev holding pins in the range is told by the kernel itself
	 * (its access's unmap callback) and must let go; one that does not
	 * makes this fail, and the layer keeps the mapping (fail closed).
	 */
	if (ioctl(ifd(io)->fd, IOMMU_IOAS_UNMAP, &u) < 0)
		return -errno;
	/* The kernel says how much it unmapped: less means not ours. */
	return u.length == size ? 0 : -EIO;
}

/* IOVA alignment the IOAS demands: every page size from it up. */
static int ifd_page_sizes(struct vfio_iommu *io, uint64_t *out)
{
	struct iommu_ioas_iova_ranges r = {
		.size = sizeof(r),
		.ioas_id = ifd(io)->ioas,
	};

	/* No room for ranges: EMSGSIZE if there are any, alignment filled. */
	if (ioctl(ifd(io)->fd, IOMMU_IOAS_IOVA_RANGES, &r) < 0 &&
	    errno != EMSGSIZE)
		return -errno;
	if (!r.out_iova_alignment ||
	    (r.out_iova_alignment & (r.out_iova_alignment - 1)))
		return -ENOTSUP;
	*out = ~(r.out_iova_alignment - 1);
	return 0;
}

/* One IOMMU group is one isolation unit for iommufd too. */
static int ifd_inseparable(const struct vfio_spec *a,
			   const struct vfio_spec *b)
{
	char ga[32], gb[32];

	return vfio_sysfs_link(a->sysfs, "iommu_group", ga, sizeof(ga)) == 0 &&
	       vfio_sysfs_link(b->sysfs, "iommu_group", gb, sizeof(gb)) == 0 &&
	       strcmp(ga, gb) == 0;
}

/*
 * A mediated device is an iommufd "access" without an IOMMU domain: the
 * IOAS records what is mapped and pins nothing until the vendor driver
 * pins pages for DMA. Anything else attached brings a domain that pins
 * everything mapped.
 */
static int ifd_pins_on_map(struct vfio_iommu *io)
{
	struct ifd *t = ifd(io);
	unsigned int i, mdevs = 0;

	for (i = 0; i < VFIO_MAX_DEVICES; i++) {
		if (t->devs[i].fd >= 0 && !t->devs[i].mdev)
			return 1;
		mdevs += t->devs[i].fd >= 0 && t->devs[i].mdev;
	}
	return mdevs == 0;
}

static int ifd_iova_ranges(struct vfio_iommu *io,
			   struct vfio_iova_range **out)
{
	struct iommu_ioas_iova_ranges r = {
		.size = sizeof(r),
		.ioas_id = ifd(io)->ioas,
	};
	struct iommu_iova_range *ranges = NULL;
	unsigned int i, tries;
	int ret = 0;

	static_assert(sizeof(struct iommu_iova_range) ==
			      sizeof(struct vfio_iova_range),
		      "both are {first, last} pairs of u64");
	*out = NULL;
	/*
	 * Ask with no room to learn the count (EMSGSIZE), then with room.
	 * The ranges change only when devices attach, which we do not do
	 * meanwhile; a few tries bound a kernel that says otherwise.
	 */
	for (tries = 0; tries < 4; tries++) {
		if (ioctl(ifd(io)->fd, IOMMU_IOAS_IOVA_RANGES, &r) == 0)
			break;
		ret = -errno;
		if (ret != -EMSGSIZE)
			goto err;
		free(ranges);
		ranges = calloc(r.num_iovas, sizeof(*ranges));
		if (!ranges) {
			ret = -ENOMEM;
			goto err;
		}
		r.allowed_iovas = (uint64_t)(uintptr_t)ranges;
		ret = 0;
	}
	if (tries == 4) {
		ret = -EAGAIN;
		goto err;
	}
	*out = calloc(r.num_iovas ? r.num_iovas : 1, sizeof(**out));
	if (!*out) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < r.num_iovas; i++) {
		(*out)[i].start = ranges[i].start;
		(*out)[i].end = ranges[i].last;
	}
	free(ranges);
	return (int)r.num_iovas;

err:
	free(ranges);
	return ret;
}

/* Coherent only if every attached device's IOMMU says so. */
static int ifd_coherent(struct vfio_iommu *io)
{
	struct ifd *t = ifd(io);
	unsigned int i;
	int any = 0;

	for (i = 0; i < VFIO_MAX_DEVICES; i++) {
		if (t->devs[i].fd < 0)
			continue;
		if (t->devs[i].hw.coherent != 1)
			return 0;
		any = 1;
	}
	return any;
}

static int ifd_hw_info(struct vfio_iommu *io, void *handle,
		       struct vfio_iommu_hw *out)
{
	const struct ifd_dev *dev = handle;

	(void)io;
	*out = dev->hw;
	return 0;
}

static void ifd_destroy(struct vfio_iommu *io)
{
	struct ifd *t = ifd(io);
	struct iommu_destroy d = { .size = sizeof(d), .id = t->ioas };
	unsigned int i;

	for (i = 0; i < VFIO_MAX_DEVICES; i++)
		if (t->devs[i].fd >= 0)
			dev_release(t, &t->devs[i]);
	if (t->ioas && ioctl(t->fd, IOMMU_DESTROY, &d) < 0)
		info("iommufd: destroying the I/O address space: %s",
		     strerror(errno));
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

const struct vfio_iommu_ops vfio_iommufd_ops = {
	.name = "iommufd",
	.check = ifd_check,
	.attach = ifd_attach, .detach = ifd_detach,
	.dma_map = ifd_dma_map, .dma_unmap = ifd_dma_unmap,
	.iova_ranges = ifd_iova_ranges, .page_sizes = ifd_page_sizes,
	.inseparable = ifd_inseparable, .coherent = ifd_coherent,
	.pins_on_map = ifd_pins_on_map, .hw_info = ifd_hw_info,
	.accounting = "iommufd counts the pinned memory of all processes of "
		      "this user together",
	.destroy = ifd_destroy,
};

int vfio_iommufd_create(struct vfio_iommu **out, struct vm *vm, int iommu_fd,
			const char *cdev_dir)
{
	struct ifd *t = calloc(1, sizeof(*t));
	unsigned int i;

	if (!t)
		return -ENOMEM;
	t->io = (struct vfio_iommu){ .ops = &vfio_iommufd_ops, .vm = vm };
	t->fd = iommu_fd;
	snprintf(t->cdev_dir, sizeof(t->cdev_dir), "%s",
		 cdev_dir ? cdev_dir : CDEV_DIR);
	for (i = 0; i < VFIO_MAX_DEVICES; i++)
		t->devs[i].fd = -1;
	*out = &t->io;
	return 0;
}
