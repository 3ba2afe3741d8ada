// SPDX-License-Identifier: MIT
/* A VFIO device: its fd, regions (with sparse mmap areas), reset, I/O. */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vfio_priv.h"

/* Region info with its capability chain; caller frees. */
static struct vfio_region_info *region_info(int fd, unsigned int index)
{
	struct vfio_region_info *ri;
	uint32_t argsz = sizeof(*ri);

	for (;;) {
		ri = calloc(1, argsz);
		if (!ri)
			return NULL;
		ri->argsz = argsz;
		ri->index = index;
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
			free(ri);
			return NULL;
		}
		if (ri->argsz <= argsz)
			return ri;
		argsz = ri->argsz;
		free(ri);
	}
}

static struct vfio_info_cap_header *find_cap(struct vfio_region_info *ri,
					     uint16_t id)
{
	struct vfio_info_cap_header *h;
	uint32_t off;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return NULL;
	for (off = ri->cap_offset; off && off + sizeof(*h) <= ri->argsz;
	     off = h->next) {
		h = (void *)((char *)ri + off);
		if (h->id == id)
			return h;
		if (h->next <= off)
			break; /* a malformed chain must not loop */
	}
	return NULL;
}

/* Which parts of region @r may be mmapped: all, the sparse areas, none. */
static void mmap_areas(struct vfio_pci_dev *d, struct vfio_region *r,
		       struct vfio_region_info *ri)
{
	struct vfio_region_info_cap_sparse_mmap *sp;
	unsigned int i;

	r->nr_areas = 0;
	if (!(ri->flags & VFIO_REGION_INFO_FLAG_MMAP) || !ri->size)
		return;
	sp = (void *)find_cap(ri, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	if (!sp) {
		r->areas[0].off = 0;
		r->areas[0].size = ri->size;
		r->nr_areas = 1;
		return;
	}
	for (i = 0; i < sp->nr_areas && r->nr_areas < VFIO_MAX_AREAS; i++) {
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
	if (i < sp->nr_areas)
		vfio_dev_info(d, "region %u: only the first %d of %u mmap areas "
			      "are mapped, the rest are trapped", ri->index,
			      VFIO_MAX_AREAS, sp->nr_areas);
}

static int map_areas(struct vfio_pci_dev *d, struct vfio_region *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_areas; i++) {
		void *p = mmap(NULL, r->areas[i].size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, d->fd,
			       (off_t)(r->offset + r->areas[i].off));

		if (p == MAP_FAILED) {
			/* Not fatal: the area is trapped instead. */
			vfio_dev_info(d, "mmap of a BAR area failed (%s); it "
				      "will be trapped", strerror(errno));
			r->areas[i].hva = NULL;
			continue;
		}
		r->areas[i].hva = p;
	}
	return 0;
}

int vfio_device_open(struct vfio_pci_dev *d)
{
	unsigned int i;
	int ret;

	d->fd = ioctl(d->group->fd, VFIO_GROUP_GET_DEVICE_FD, d->name);
	if (d->fd < 0) {
		ret = -errno;
		if (ret == -EBUSY)
			vfio_dev_err(d, "the device is already in use by "
				     "another process; stop it first");
		else
			vfio_dev_err(d, "cannot get the device from its group: "
				     "%s", strerror(-ret));
		return ret;
	}
	d->info.argsz = sizeof(d->info);
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info) < 0) {
		ret = -errno;
		vfio_dev_err(d, "VFIO_DEVICE_GET_INFO: %s", strerror(-ret));
		goto err_close;
	}
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    d->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    d->info.num_irqs <= VFIO_PCI_MSIX_IRQ_INDEX) {
		vfio_dev_err(d, "not a VFIO PCI device");
		ret = -ENODEV;
		goto err_close;
	}
	for (i = 0; i <= VFIO_PCI_CONFIG_REGION_INDEX; i++) {
		struct vfio_region_info *ri = region_info(d->fd, i);
		struct vfio_region *r = &d->regions[i];

		if (!ri)
			continue; /* absent region: size 0 */
		r->flags = ri->flags;
		r->size = ri->size;
		r->offset = ri->offset;
		if (i < VFIO_PCI_ROM_REGION_INDEX)
			mmap_areas(d, r, ri);
		free(ri);
		ret = map_areas(d, r);
		if (ret)
			goto err_unmap;
	}
	if (!d->regions[VFIO_PCI_CONFIG_REGION_INDEX].size) {
		vfio_dev_err(d, "the device has no config space region");
		ret = -ENODEV;
		goto err_unmap;
	}
	return 0;

err_unmap:
	vfio_device_close(d);
	return ret;
err_close:
	close(d->fd);
	d->fd = -1;
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
		close(d->fd);
	d->fd = -1;
}

int vfio_device_reset(struct vfio_pci_dev *d)
{
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		vfio_dev_info(d, "the device has no reset method");
		return -ENOTSUP;
	}
	if (ioctl(d->fd, VFIO_DEVICE_RESET) < 0) {
		vfio_dev_warn_rl(d, "reset failed: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int region_io(struct vfio_pci_dev *d, unsigned int index, uint64_t off,
		     void *buf, size_t len, int write)
{
	const struct vfio_region *r = &d->regions[index];
	ssize_t n;

	if (off >= r->size || len > r->size - off)
		return -EINVAL;
	if (write)
		n = pwrite(d->fd, buf, len, (off_t)(r->offset + off));
	else
		n = pread(d->fd, buf, len, (off_t)(r->offset + off));
	if (n < 0)
		return -errno;
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
