// SPDX-License-Identifier: MIT
/*
 * A VFIO device: the device-I/O seam (kernel VFIO's device fd is the
 * first implementation; vfio-user would be another), its regions with
 * their sparse mmap areas, reset and region I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vfio_priv.h"

/* --- kernel VFIO: the device fd ------------------------------------- */

static int kdev_info(struct vfio_pci_dev *d)
{
	d->info.argsz = sizeof(d->info);
	return ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info) < 0 ? -errno : 0;
}

static struct vfio_region_info *kdev_region_info(struct vfio_pci_dev *d,
						 unsigned int index)
{
	struct vfio_region_info *ri;
	uint32_t argsz = sizeof(*ri);

	for (;;) {
		ri = calloc(1, argsz);
		if (!ri)
			return NULL;
		ri->argsz = argsz;
		ri->index = index;
		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
			free(ri);
			return NULL;
		}
		if (ri->argsz <= argsz)
			return ri;
		argsz = ri->argsz;
		free(ri);
	}
}

static int kdev_irq_info(struct vfio_pci_dev *d, struct vfio_irq_info *ii)
{
	ii->argsz = sizeof(*ii);
	return ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, ii) < 0 ? -errno : 0;
}

static ssize_t kdev_read(struct vfio_pci_dev *d, void *buf, size_t len,
			 uint64_t off)
{
	ssize_t n = pread(d->fd, buf, len, (off_t)off);

	return n < 0 ? -errno : n;
}

static ssize_t kdev_write(struct vfio_pci_dev *d, const void *buf, size_t len,
			  uint64_t off)
{
	ssize_t n = pwrite(d->fd, buf, len, (off_t)off);

	return n < 0 ? -errno : n;
}

static void *kdev_mmap(struct vfio_pci_dev *d, uint64_t off, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		       (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

static int kdev_set_irqs(struct vfio_pci_dev *d, struct vfio_irq_set *set)
{
	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) < 0 ? -errno : 0;
}

static int kdev_reset(struct vfio_pci_dev *d)
{
	return ioctl(d->fd, VFIO_DEVICE_RESET) < 0 ? -errno : 0;
}

static void kdev_close(struct vfio_pci_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

const struct vfio_dev_io vfio_kernel_dev_io = {
	/* What the device has */
	.device_info = kdev_info, .region_info = kdev_region_info,
	.irq_info = kdev_irq_info,
	/* Its regions */
	.read = kdev_read, .write = kdev_write, .mmap = kdev_mmap,
	/* Interrupts, reset, the end */
	.set_irqs = kdev_set_irqs, .reset = kdev_reset, .close = kdev_close,
};

/* --- regions -------------------------------------------------------- */

/* Which parts of region @r may be mmapped: all, the sparse areas, none. */
static void mmap_areas(struct vfio_pci_dev *d, struct vfio_region *r,
		       struct vfio_region_info *ri)
{
	struct vfio_region_info_cap_sparse_mmap *sp = NULL;
	unsigned int i, nr;

	r->nr_areas = 0;
	if (!(ri->flags & VFIO_REGION_INFO_FLAG_MMAP) || !ri->size)
		return;
	if (ri->flags & VFIO_REGION_INFO_FLAG_CAPS)
		sp = (void *)vfio_info_cap(ri, ri->argsz, ri->cap_offset,
					   VFIO_REGION_INFO_CAP_SPARSE_MMAP,
					   sizeof(*sp));
	if (!sp) {
		r->areas[0].off = 0;
		r->areas[0].size = ri->size;
		r->nr_areas = 1;
		return;
	}
	/* Only the areas inside what the kernel gave. */
	nr = (unsigned int)MIN(sp->nr_areas,
			       (ri->argsz - ((char *)sp - (char *)ri) -
				sizeof(*sp)) / sizeof(sp->areas[0]));
	for (i = 0; i < nr && r->nr_areas < VFIO_MAX_AREAS; i++) {
		uint64_t end;

		if (!sp->areas[i].size ||
		    __builtin_add_overflow(sp->areas[i].offset,
					   sp->areas[i].size, &end) ||
		    end > ri->size)
			continue;
		r->areas[r->nr_areas].off = sp->areas[i].offset;
		r->areas[r->nr_areas].size = sp->areas[i].size;
		r->nr_areas++;
	}
	if (i < nr)
		vfio_dev_info(d, "region %u: only the first %d of %u mmap areas "
			      "are mapped, the rest are trapped", ri->index,
			      VFIO_MAX_AREAS, nr);
}

static void map_areas(struct vfio_pci_dev *d, struct vfio_region *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_areas; i++) {
		r->areas[i].hva = d->io->mmap(d, r->offset + r->areas[i].off,
					      r->areas[i].size);
		/* Not fatal: the area is trapped instead. */
		if (!r->areas[i].hva)
			vfio_dev_info(d, "mmap of a BAR area failed (%s); it "
				      "will be trapped", strerror(errno));
	}
}

int vfio_device_open(struct vfio_pci_dev *d)
{
	unsigned int i;
	int ret;

	ret = d->io->device_info(d);
	if (ret) {
		vfio_dev_err(d, "cannot read the device's VFIO info: %s",
			     strerror(-ret));
		goto err_close;
	}
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    d->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    d->info.num_irqs <= VFIO_PCI_MSIX_IRQ_INDEX) {
		vfio_dev_err(d, "the device does not offer the VFIO PCI API "
			     "(flags 0x%x, %u regions, %u interrupt indexes); "
			     "ferry passes through PCI devices only",
			     d->info.flags, d->info.num_regions,
			     d->info.num_irqs);
		ret = -ENODEV;
		goto err_close;
	}
	for (i = 0; i <= VFIO_PCI_CONFIG_REGION_INDEX; i++) {
		struct vfio_region_info *ri = d->io->region_info(d, i);
		struct vfio_region *r = &d->regions[i];

		if (!ri)
			continue; /* absent region: size 0 */
		r->flags = ri->flags;
		r->size = ri->size;
		r->offset = ri->offset;
		if (i < VFIO_PCI_ROM_REGION_INDEX)
			mmap_areas(d, r, ri);
		free(ri);
		map_areas(d, r);
	}
	if (d->regions[VFIO_PCI_CONFIG_REGION_INDEX].size < PCI_STD_HEADER_SIZEOF) {
		vfio_dev_err(d, "the device's config space region (%llu bytes) "
			     "does not hold the 64-byte PCI header",
			     (unsigned long long)
			     d->regions[VFIO_PCI_CONFIG_REGION_INDEX].size);
		ret = -ENODEV;
		goto err_close;
	}
	return 0;

err_close:
	vfio_device_close(d);
	return ret;
}

void vfio_device_close(struct vfio_pci_dev *d)
{
	unsigned int i, j;

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++)
		for (j = 0; j < d->regions[i].nr_areas; j++)
			if (d->regions[i].areas[j].hva) {
				munmap(d->regions[i].areas[j].hva,
				       d->regions[i].areas[j].size);
				d->regions[i].areas[j].hva = NULL;
			}
	if (d->fd >= 0)
		d->io->close(d);
}

int vfio_device_reset(struct vfio_pci_dev *d)
{
	int ret;

	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		vfio_dev_info(d, "the device has no reset method");
		return -ENOTSUP;
	}
	ret = d->io->reset(d);
	if (ret)
		vfio_dev_warn_rl(d, "reset failed: %s", strerror(-ret));
	return ret;
}

static int region_io(struct vfio_pci_dev *d, unsigned int index, uint64_t off,
		     void *buf, size_t len, int write)
{
	const struct vfio_region *r = &d->regions[index];
	ssize_t n;

	if (off >= r->size || len > r->size - off)
		return -EINVAL;
	if (write)
		n = d->io->write(d, buf, len, r->offset + off);
	else
		n = d->io->read(d, buf, len, r->offset + off);
	if (n < 0)
		return (int)n;
	return n == (ssize_t)len ? 0 : -EIO;
}

int vfio_region_read(struct vfio_pci_dev *d, unsigned int index, uint64_t off,
		     void *buf, size_t len)
{
	int ret = region_io(d, index, off, buf, len, 0);

	if (ret)
		memset(buf, 0xff, len); /* what a failed read returns */
	return ret;
}

int vfio_region_write(struct vfio_pci_dev *d, unsigned int index,
		      uint64_t off, const void *buf, size_t len)
{
	return region_io(d, index, off, (void *)buf, len, 1);
}
