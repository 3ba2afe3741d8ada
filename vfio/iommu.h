/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU-backend seam of vfio/: how a device is reached and DMA is
 * mapped for it. type1.c (container and groups) and iommufd.c (device
 * cdevs bound to /dev/iommu, one IOAS) implement it. Nothing outside a
 * backend file knows containers, groups, IOASes or cdevs.
 */
#ifndef FERRY_VFIO_IOMMU_H
#define FERRY_VFIO_IOMMU_H

#include <stdint.h>
#include <linux/vfio.h>
#include "../vmm/dma.h"
#include "../vmm/util.h"

struct vm;
struct vfio_spec;
struct vfio_iommu;

/* What the host IOMMU behind one attached device is (hw_info()). */
struct vfio_iommu_hw {
	const char *type;	 /* "intel-vtd", "amd", "arm-smmuv3", ... */
	unsigned int pasid_bits; /* PASID width usable for it, 0: none */
	int coherent;		 /* DMA snoops CPU caches whatever the TLP says */
	uint64_t caps;		 /* IOMMU_HW_CAP_* as the kernel reports them */
};

struct vfio_iommu_ops {
	const char *name;
	/*
	 * The checks that need only sysfs (the device's IOMMU grouping, its
	 * driver), made before anything is opened. Logs one sentence saying
	 * what to do; 0 or -errno.
	 */
	int (*check)(const struct vfio_spec *spec);
	/*
	 * Make the device of @spec reachable through this IOMMU (the first
	 * attach sets the IOMMU up), register it with KVM, and open it:
	 * its VFIO device fd in *@dev_fd, and in *@handle what detach()
	 * takes back. Logs one sentence; 0 or -errno, nothing left behind.
	 */
	int (*attach)(struct vfio_iommu *io, const struct vfio_spec *spec,
		      int *dev_fd, void **handle);
	/* Undo attach() (the device fd is the caller's to close first). */
	void (*detach)(struct vfio_iommu *io, void *handle);
	/*
	 * Map [@iova, @iova + @size) to @hva for DMA that @prot (DMA_READ,
	 * DMA_WRITE) allows. 0 or -errno.
	 */
	int (*dma_map)(struct vfio_iommu *io, uint64_t iova, uint64_t size,
		       void *hva, int prot);
	/* Unmap exactly a range dma_map() mapped. 0 or -errno. */
	int (*dma_unmap)(struct vfio_iommu *io, uint64_t iova, uint64_t size);
	/*
	 * The IOVA ranges the IOMMU accepts (reserved regions, such as the
	 * MSI window, left out), in *@out (the caller frees it): their
	 * number, 0 if the kernel does not say, or -errno. After attach().
	 */
	int (*iova_ranges)(struct vfio_iommu *io, struct vfio_iova_range **out);
	/*
	 * Does dma_map() pin the pages? Not while every attached device is
	 * mediated (no IOMMU domain: its vendor driver pins on demand, and
	 * there are no reserved IOVA ranges). Attaching a device behind a
	 * real IOMMU then pins everything already mapped.
	 */
	int (*pins_on_map)(struct vfio_iommu *io);
	/*
	 * The page sizes the IOMMU maps (bit n: 2^n bytes; the lowest set
	 * is its granule) in *@out. 0 or -errno. After attach().
	 */
	int (*page_sizes)(struct vfio_iommu *io, uint64_t *out);
	/*
	 * Must the devices of @a and @b share one address space (type1: the
	 * same IOMMU group)? From sysfs only.
	 */
	int (*inseparable)(const struct vfio_spec *a, const struct vfio_spec *b);
	/* Does the IOMMU enforce cache coherency of device DMA? */
	int (*coherent)(struct vfio_iommu *io);
	/*
	 * What the host IOMMU is for the device of @handle: 0 or -errno.
	 * NULL: the backend cannot say (type1).
	 */
	int (*hw_info)(struct vfio_iommu *io, void *handle,
		       struct vfio_iommu_hw *out);
	/*
	 * How this backend counts pinned memory against RLIMIT_MEMLOCK, for
	 * the sentence when dma_map() fails with -ENOMEM.
	 */
	const char *accounting;
	/* Close what is left; every handle has been detached. */
	void (*destroy)(struct vfio_iommu *io);
};

/*
 * What every backend's state starts with. Each backend instance is one
 * I/O address space on the host, and @listener mirrors a DMA domain of
 * the guest in it (dma.c): guest RAM's identity domain, or the domain a
 * vIOMMU attached the device to.
 */
struct vfio_iommu {
	const struct vfio_iommu_ops *ops;
	struct vm *vm;
	struct dma_listener listener;
	char name[80]; /* the listener's name: "vfio 0000:01:00.0" */
};

/* The backends. */
extern const struct vfio_iommu_ops vfio_type1_ops;
extern const struct vfio_iommu_ops vfio_iommufd_ops;

/*
 * The type1 backend (/dev/vfio/vfio, opened at the first attach). With
 * @container_fd >= 0 it takes that container instead (the unit tests'
 * fake). 0 or -ENOMEM.
 */
int vfio_type1_create(struct vfio_iommu **out, struct vm *vm,
		      int container_fd) __must_check;

/*
 * The iommufd backend: /dev/iommu (opened at the first attach) and one
 * IOAS that every device attaches to. With @iommu_fd >= 0 it takes that
 * descriptor instead, and with @cdev_dir non-NULL looks for device cdevs
 * there instead of /dev/vfio/devices (both for the unit tests' fake).
 * 0 or -ENOMEM.
 */
int vfio_iommufd_create(struct vfio_iommu **out, struct vm *vm, int iommu_fd,
			const char *cdev_dir) __must_check;

/*
 * The name of the VFIO device cdev of the device at sysfs directory
 * @sysfs ("vfio3", from its vfio-dev/ directory) into @out: 0, -ENOENT
 * (none: the kernel lacks VFIO_DEVICE_CDEV, or no VFIO driver is bound),
 * or -errno.
 */
int vfio_cdev_name(const char *sysfs, char *out, size_t len) __must_check;

/*
 * One capability of a VFIO info reply (@info, @argsz bytes, chain from
 * @first): the first with @id whose header and @min_size bytes lie in
 * the buffer, or NULL. The chain must only go forward, so a loop in it
 * ends the walk.
 */
struct vfio_info_cap_header *vfio_info_cap(void *info, uint32_t argsz,
					   uint32_t first, uint16_t id,
					   size_t min_size);

#endif
