// SPDX-License-Identifier: MIT
/* A fake VFIO device and a fake KVM behind a wrapped ioctl (fake_vfio.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/kvm.h>
#include "arch.h"
#include "fake_vfio.h"

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

struct fake_kvm fake_kvm;
struct fake_container fake_container;
struct fake_iommufd fake_iommufd;
struct fake_kvm_vfio fake_kvm_vfio;

static uint64_t vm_ino, group_ino, container_ino, iommufd_ino, kvm_vfio_ino;
static struct fake_dev *devs[FAKE_MAX_DEVS];

#define CAP_MSI 0x05
#define CAP_MSIX 0x11
#define KVM_MAX_ROUTES 4096

static uint64_t fd_ino(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

static int is_eventfd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = 0;
	return strcmp(link, "anon_inode:[eventfd]") == 0;
}

static int fail(int e)
{
	errno = e;
	return -1;
}

/* --- KVM ---------------------------------------------------------------- */

static int kvm_set_routing(const struct kvm_irq_routing *t)
{
	static uint8_t seen[KVM_MAX_ROUTES], chip[KVM_MAX_ROUTES];
	unsigned int i, n = 0;

	if (fake_kvm.fail_routing)
		return fail(ENOMEM);
	if (t->nr > KVM_MAX_ROUTES || t->flags)
		return fail(EINVAL);
	memset(seen, 0, sizeof(seen));
	memset(chip, 0, sizeof(chip));
	/* As the kernel: an MSI GSI has one entry and no irqchip entry. */
	for (i = 0; i < t->nr; i++) {
		const struct kvm_irq_routing_entry *e = &t->entries[i];

		/* The device ID only where KVM asked for it (an ITS), and then
		 * on every MSI route. */
		if (e->gsi >= KVM_MAX_ROUTES ||
		    (e->type == KVM_IRQ_ROUTING_MSI &&
		     e->flags != (fake_kvm.msi_devid ? KVM_MSI_VALID_DEVID : 0u)) ||
		    (e->type != KVM_IRQ_ROUTING_MSI && e->flags))
			return fail(EINVAL);
		if (e->type == KVM_IRQ_ROUTING_IRQCHIP) {
			if (seen[e->gsi])
				return fail(EINVAL);
			chip[e->gsi] = 1;
		} else if (e->type == KVM_IRQ_ROUTING_MSI) {
			if (seen[e->gsi] || chip[e->gsi])
				return fail(EINVAL);
			seen[e->gsi] = 1;
		} else {
			return fail(EINVAL);
		}
	}
	for (i = 0; i < t->nr; i++) {
		const struct kvm_irq_routing_entry *e = &t->entries[i];

		if (e->type != KVM_IRQ_ROUTING_MSI)
			continue;
		fake_kvm.msi[n].gsi = e->gsi;
		fake_kvm.msi[n].addr = (uint64_t)e->u.msi.address_hi << 32 |
				       e->u.msi.address_lo;
		fake_kvm.msi[n].data = e->u.msi.data;
		fake_kvm.msi[n].devid = e->u.msi.devid;
		n++;
	}
	fake_kvm.msi_routes = n;
	fake_kvm.routing_calls++;
	fake_kvm.entries_copied += t->nr;
	return 0;
}

static int kvm_irqfd(const struct kvm_irqfd *a)
{
	unsigned int i;

	if (a->flags & KVM_IRQFD_FLAG_DEASSIGN) {
		for (i = 0; i < fake_kvm.irqfds; i++)
			if (fake_kvm.irqfd[i].fd == (int)a->fd &&
			    fake_kvm.irqfd[i].gsi == (int)a->gsi) {
				fake_kvm.irqfd[i] =
					fake_kvm.irqfd[--fake_kvm.irqfds];
				return 0;
			}
		fake_kvm.bad_deassigns++;
		return 0; /* the kernel does not complain either */
	}
	if (!is_eventfd((int)a->fd))
		return fail(EINVAL);
	if ((a->flags & KVM_IRQFD_FLAG_RESAMPLE) &&
	    !is_eventfd((int)a->resamplefd))
		return fail(EINVAL);
	for (i = 0; i < fake_kvm.irqfds; i++)
		if (fake_kvm.irqfd[i].fd == (int)a->fd)
			return fail(EBUSY);
	if (fake_kvm.irqfds == FAKE_MAX_IRQFDS)
		return fail(ENOSPC);
	fake_kvm.irqfd[fake_kvm.irqfds].fd = (int)a->fd;
	fake_kvm.irqfd[fake_kvm.irqfds].gsi = (int)a->gsi;
	fake_kvm.irqfd[fake_kvm.irqfds].resample_fd =
		a->flags & KVM_IRQFD_FLAG_RESAMPLE ? (int)a->resamplefd : -1;
	fake_kvm.irqfds++;
	return 0;
}

static int kvm_memory(const struct kvm_userspace_memory_region *m)
{
	unsigned int n = ARRAY_SIZE(fake_kvm.slot_size);

	fake_kvm.slot_calls++;
	if (m->slot >= n)
		return fail(EINVAL);
	if (!m->memory_size) {
		if (fake_kvm.slot_size[m->slot])
			fake_kvm.slots--;
		fake_kvm.slot_size[m->slot] = 0;
		return 0;
	}
	if (fake_kvm.slot_size[m->slot])
		return fail(EINVAL); /* moving a slot: not what ferry does */
	if ((m->guest_phys_addr | m->memory_size) & 4095)
		return fail(EINVAL);
	fake_kvm.slot_size[m->slot] = m->memory_size;
	fake_kvm.slots++;
	return 0;
}

/* KVM_IOEVENTFD as the kernel checks it (kvm_assign_ioeventfd()). */
static int kvm_ioeventfd(const struct kvm_ioeventfd *a)
{
	unsigned int i, n = fake_kvm.ioeventfds;
	int pio = !!(a->flags & KVM_IOEVENTFD_FLAG_PIO);

	if (a->flags & KVM_IOEVENTFD_FLAG_DEASSIGN) {
		for (i = 0; i < n; i++)
			if (fake_kvm.ioeventfd[i].addr == a->addr &&
			    fake_kvm.ioeventfd[i].len == a->len &&
			    fake_kvm.ioeventfd[i].fd == a->fd &&
			    fake_kvm.ioeventfd[i].pio == pio) {
				fake_kvm.ioeventfd[i] =
					fake_kvm.ioeventfd[--fake_kvm.ioeventfds];
				return 0;
			}
		return fail(ENOENT);
	}
	if (fake_kvm.fail_ioeventfd)
		return fail(ENOSPC);
	if ((a->len != 1 && a->len != 2 && a->len != 4 && a->len != 8) ||
	    a->addr + a->len < a->addr || !is_eventfd(a->fd) ||
	    (a->flags & ~(KVM_IOEVENTFD_FLAG_PIO |
			  KVM_IOEVENTFD_FLAG_DEASSIGN)))
		return fail(EINVAL);
	for (i = 0; i < n; i++)
		if (fake_kvm.ioeventfd[i].addr == a->addr &&
		    fake_kvm.ioeventfd[i].len == a->len &&
		    fake_kvm.ioeventfd[i].pio == pio)
			return fail(EEXIST);
	if (n == ARRAY_SIZE(fake_kvm.ioeventfd))
		return fail(ENOSPC);
	fake_kvm.ioeventfd[n].addr = a->addr;
	fake_kvm.ioeventfd[n].len = a->len;
	fake_kvm.ioeventfd[n].fd = a->fd;
	fake_kvm.ioeventfd[n].pio = pio;
	fake_kvm.ioeventfds++;
	return 0;
}

int fake_kvm_ioeventfd(uint64_t gpa, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < fake_kvm.ioeventfds; i++)
		if (fake_kvm.ioeventfd[i].addr == gpa &&
		    fake_kvm.ioeventfd[i].len == len && !fake_kvm.ioeventfd[i].pio)
			return fake_kvm.ioeventfd[i].fd;
	return -1;
}

/* Recorded per line as the board numbers it (arch_irq_line's inverse). */
static int kvm_irq_line(const struct kvm_irq_level *l)
{
	unsigned int gsi;

	for (gsi = 0; gsi < ARRAY_SIZE(fake_kvm.irq_level); gsi++)
		if (arch_irq_line(gsi) == l->irq)
			break;
	if (gsi == ARRAY_SIZE(fake_kvm.irq_level))
		return fail(EINVAL);
	fake_kvm.irq_level[gsi] = (uint8_t)l->level;
	fake_kvm.irq_line_calls++;
	return 0;
}

/* KVM_CREATE_DEVICE of the VFIO pseudo-device: a memfd stands for it. */
static int kvm_create_device(struct kvm_create_device *cd)
{
	int fd;

	if (cd->type != KVM_DEV_TYPE_VFIO)
		return fail(ENODEV);
	fd = memfd_create("fake-kvm-vfio", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	kvm_vfio_ino = fd_ino(fd);
	fake_kvm_vfio.creates++;
	cd->fd = (uint32_t)fd;
	return 0;
}

/* KVM_DEV_VFIO_FILE_ADD/DEL (the old GROUP_ADD/DEL, same numbers). */
static int kvm_vfio_ioctl(uint32_t req, struct kvm_device_attr *a)
{
	int32_t fd;
	uint64_t ino;
	unsigned int i;

	if (req != KVM_SET_DEVICE_ATTR || a->group != KVM_DEV_VFIO_GROUP)
		return fail(ENXIO);
	fd = *(const int32_t *)(uintptr_t)a->addr;
	ino = fd_ino(fd);
	if (!ino)
		return fail(EBADF);
	for (i = 0; i < fake_kvm_vfio.nr && fake_kvm_vfio.ino[i] != ino; i++)
		;
	if (a->attr == KVM_DEV_VFIO_GROUP_ADD) {
		if (i < fake_kvm_vfio.nr)
			return fail(EEXIST);
		if (fake_kvm_vfio.nr == ARRAY_SIZE(fake_kvm_vfio.ino))
			return fail(ENOSPC);
		fake_kvm_vfio.ino[fake_kvm_vfio.nr++] = ino;
		return 0;
	}
	if (a->attr == KVM_DEV_VFIO_GROUP_DEL) {
		if (i == fake_kvm_vfio.nr)
			return fail(ENOENT);
		fake_kvm_vfio.ino[i] = fake_kvm_vfio.ino[--fake_kvm_vfio.nr];
		return 0;
	}
	return fail(ENXIO);
}

static int kvm_knows(uint64_t ino)
{
	unsigned int i;

	for (i = 0; i < fake_kvm_vfio.nr; i++)
		if (fake_kvm_vfio.ino[i] == ino)
			return 1;
	return 0;
}

static int kvm_ioctl(uint32_t req, void *arg)
{
	switch (req) {
	case KVM_IOEVENTFD:
		return kvm_ioeventfd(arg);
	case KVM_IRQ_LINE:
		return kvm_irq_line(arg);
	case KVM_CREATE_DEVICE:
		return kvm_create_device(arg);
	case KVM_CHECK_EXTENSION:
		if ((uint32_t)(uintptr_t)arg == KVM_CAP_MSI_DEVID)
			return fake_kvm.msi_devid;
		return (uint32_t)(uintptr_t)arg == KVM_CAP_IRQ_ROUTING
			       ? KVM_MAX_ROUTES
			       : 0;
	case KVM_SET_GSI_ROUTING:
		return kvm_set_routing(arg);
	case KVM_IRQFD:
		return kvm_irqfd(arg);
	case KVM_SET_USER_MEMORY_REGION:
		return kvm_memory(arg);
	default:
		return fail(ENOTTY);
	}
}

/* --- VFIO: group and container ----------------------------------------- */

static int group_ioctl(uint32_t req, void *arg)
{
	struct vfio_group_status *st = arg;
	unsigned int i;

	switch (req) {
	case VFIO_GROUP_GET_DEVICE_FD:
		for (i = 0; i < FAKE_MAX_DEVS; i++)
			if (devs[i] && strcmp(devs[i]->name, arg) == 0)
				return fcntl(devs[i]->memfd, F_DUPFD_CLOEXEC, 0);
		return fail(ENODEV);
	case VFIO_GROUP_GET_STATUS:
		st->flags = VFIO_GROUP_FLAGS_VIABLE |
			    VFIO_GROUP_FLAGS_CONTAINER_SET;
		return 0;
	case VFIO_GROUP_SET_CONTAINER:
	case VFIO_GROUP_UNSET_CONTAINER:
		return 0;
	default:
		return fail(ENOTTY);
	}
}

/* The type1 info: a DMA-available capability, then the IOVA ranges. */
static int iommu_info(struct vfio_iommu_type1_info *info)
{
	struct vfio_iommu_type1_info_dma_avail *avail;
	struct vfio_iommu_type1_info_cap_iova_range *r;
	uint32_t avail_off = ALIGN_UP((uint32_t)sizeof(*info), 8);
	uint32_t range_off = ALIGN_UP(avail_off + (uint32_t)sizeof(*avail), 8);
	uint32_t need = range_off;

	if (fake_container.report_ranges)
		need += (uint32_t)(sizeof(*r) + fake_container.nr_ranges *
						       sizeof(r->iova_ranges[0]));
	info->flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info->iova_pgsizes = 4096 | (2 << 20) | (1 << 30);
	if (info->argsz < need) {
		info->argsz = need;
		info->cap_offset = 0;
		return 0;
	}
	info->cap_offset = avail_off;
	avail = (void *)((char *)info + avail_off);
	avail->header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	avail->header.version = 1;
	avail->header.next = fake_container.report_ranges ? range_off : 0;
	avail->avail = 65535;
	if (!fake_container.report_ranges)
		return 0;
	r = (void *)((char *)info + range_off);
	r->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	r->header.version = 1;
	r->header.next = 0;
	r->nr_iovas = fake_container.nr_ranges;
	memcpy(r->iova_ranges, fake_container.ranges,
	       fake_container.nr_ranges * sizeof(r->iova_ranges[0]));
	return 0;
}

/* type1v2's MAP_DMA: no overlap, a read or write flag, whole pages. */
static int container_map(int fd, const struct vfio_iommu_type1_dma_map *m)
{
	unsigned int i, n = fake_container.maps;

	if (!m->size || (m->iova | m->size | m->vaddr) & 4095 ||
	    m->iova + m->size - 1 < m->iova ||
	    !(m->flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)))
		return fail(EINVAL);
	for (i = 0; i < n; i++)
		if (fake_container.dma[i].fd == fd &&
		    ranges_overlap(m->iova, m->size, fake_container.dma[i].iova,
				   fake_container.dma[i].size))
			return fail(EEXIST);
	if (n == ARRAY_SIZE(fake_container.dma))
		return fail(ENOSPC);
	fake_container.dma[n] = (struct fake_dma){ fd, m->iova, m->size,
						   m->vaddr, m->flags };
	fake_container.maps++;
	fake_container.map_calls++;
	return 0;
}

/* type1v2's UNMAP_DMA: whole mappings inside the range; none split. */
static int container_unmap(int fd, struct vfio_iommu_type1_dma_unmap *u)
{
	uint64_t done = 0, last = u->iova + u->size - 1;
	unsigned int i;

	for (i = 0; i < fake_container.maps; i++) {
		const struct fake_dma *d = &fake_container.dma[i];

		if (d->fd == fd && ranges_overlap(u->iova, u->size, d->iova,
						  d->size) &&
		    (d->iova < u->iova || d->iova + d->size - 1 > last))
			return fail(EINVAL);
	}
	for (i = 0; i < fake_container.maps;) {
		const struct fake_dma *d = &fake_container.dma[i];

		if (d->fd == fd && d->iova >= u->iova &&
		    d->iova + d->size - 1 <= last) {
			done += d->size;
			fake_container.dma[i] =
				fake_container.dma[--fake_container.maps];
			continue;
		}
		i++;
	}
	u->size = done;
	return 0;
}

const struct fake_dma *fake_dma_at(int fd, uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < fake_container.maps; i++)
		if (fake_container.dma[i].fd == fd &&
		    iova - fake_container.dma[i].iova <
			    fake_container.dma[i].size)
			return &fake_container.dma[i];
	return NULL;
}

static int container_ioctl(int fd, uint32_t req, void *arg)
{
	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return 1;
	case VFIO_SET_IOMMU:
		return 0;
	case VFIO_IOMMU_GET_INFO:
		return iommu_info(arg);
	case VFIO_IOMMU_MAP_DMA:
		return container_map(fd, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return container_unmap(fd, arg);
	default:
		return fail(ENOTTY);
	}
}

/* --- iommufd ------------------------------------------------------------ */

static int ioas_ranges(struct iommu_ioas_iova_ranges *r)
{
	struct iommu_iova_range *out = (void *)(uintptr_t)r->allowed_iovas;
	uint32_t max = r->num_iovas, i;

	if (!fake_iommufd.ioas || r->ioas_id != fake_iommufd.ioas)
		return fail(ENOENT);
	for (i = 0; i < fake_iommufd.nr_ranges && i < max; i++) {
		out[i].start = fake_iommufd.ranges[i].start;
		out[i].last = fake_iommufd.ranges[i].end;
	}
	r->num_iovas = fake_iommufd.nr_ranges;
	r->out_iova_alignment = fake_iommufd.alignment ? fake_iommufd.alignment
						       : 4096;
	return fake_iommufd.nr_ranges > max ? fail(EMSGSIZE) : 0;
}

static int ioas_map(const struct iommu_ioas_map *m)
{
	unsigned int i;

	if (!fake_iommufd.ioas || m->ioas_id != fake_iommufd.ioas)
		return fail(ENOENT);
	fake_iommufd.map_calls++;
	if (!(m->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		fake_iommufd.unfixed_maps++;
	if (!m->length || (m->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA |
					IOMMU_IOAS_MAP_READABLE |
					IOMMU_IOAS_MAP_WRITEABLE)) ||
	    !(m->flags & (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)))
		return fail(EINVAL);
	if (fake_iommufd.fail_map)
		return fail(fake_iommufd.fail_map);
	for (i = 0; i < fake_iommufd.maps; i++)
		if (ranges_overlap(m->iova, m->length, fake_iommufd.map[i].iova,
				   fake_iommufd.map[i].len))
			return fail(EEXIST);
	if (fake_iommufd.maps == ARRAY_SIZE(fake_iommufd.map))
		return fail(ENOSPC);
	fake_iommufd.map[fake_iommufd.maps].iova = m->iova;
	fake_iommufd.map[fake_iommufd.maps].len = m->length;
	fake_iommufd.map[fake_iommufd.maps].vaddr = m->user_va;
	fake_iommufd.map[fake_iommufd.maps++].flags = m->flags;
	return 0;
}

/*
 * As iopt_unmap_iova(): every area inside [iova, iova + length) goes, one
 * that the range cuts refuses the whole request (ENOENT), nothing there
 * is ENOENT too; u->length gets what was unmapped.
 */
static int ioas_unmap(struct iommu_ioas_unmap *u)
{
	uint64_t last = u->iova + u->length - 1, done = 0;
	unsigned int i;

	if (!fake_iommufd.ioas || u->ioas_id != fake_iommufd.ioas)
		return fail(ENOENT);
	fake_iommufd.unmap_calls++;
	if (fake_iommufd.fail_unmap)
		return fail(fake_iommufd.fail_unmap);
	for (i = 0; i < fake_iommufd.maps; i++)
		if (ranges_overlap(u->iova, u->length, fake_iommufd.map[i].iova,
				   fake_iommufd.map[i].len) &&
		    (fake_iommufd.map[i].iova < u->iova ||
		     fake_iommufd.map[i].iova + fake_iommufd.map[i].len - 1 >
			     last))
			return fail(ENOENT);
	for (i = 0; i < fake_iommufd.maps;) {
		if (ranges_overlap(u->iova, u->length, fake_iommufd.map[i].iova,
				   fake_iommufd.map[i].len)) {
			done += fake_iommufd.map[i].len;
			fake_iommufd.map[i] =
				fake_iommufd.map[--fake_iommufd.maps];
			continue;
		}
		i++;
	}
	if (!done)
		return fail(ENOENT);
	u->length = done;
	return 0;
}

const struct fake_ioas_map *fake_ioas_at(uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < fake_iommufd.maps; i++)
		if (iova >= fake_iommufd.map[i].iova &&
		    iova - fake_iommufd.map[i].iova < fake_iommufd.map[i].len)
			return &fake_iommufd.map[i];
	return NULL;
}

static int hw_info(struct iommu_hw_info *h)
{
	struct iommu_hw_info_vtd vtd = {
		.cap_reg = 0x00d2008c22260286ULL,
		.ecap_reg = fake_iommufd.snoop ? 0x80 : 0,
	};
	unsigned int i;

	for (i = 0; i < FAKE_MAX_DEVS; i++)
		if (devs[i] && devs[i]->bound &&
		    h->dev_id == (uint32_t)(i + 1) * 16)
			break;
	if (i == FAKE_MAX_DEVS)
		return fail(ENOENT);
	memcpy((void *)(uintptr_t)h->data_uptr, &vtd,
	       MIN(sizeof(vtd), (size_t)h->data_len));
	h->data_len = sizeof(vtd);
	h->out_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	h->out_max_pasid_log2 = fake_iommufd.pasid_log2;
	h->out_capabilities = 0;
	return 0;
}

static int iommufd_ioctl(uint32_t req, void *arg)
{
	struct iommu_ioas_alloc *a = arg;
	struct iommu_destroy *d = arg;

	switch (req) {
	case IOMMU_IOAS_ALLOC:
		if (fake_iommufd.ioas)
			return fail(ENOSPC); /* the fake has room for one */
		fake_iommufd.ioas = ++fake_iommufd.ioas_allocs + 100;
		a->out_ioas_id = fake_iommufd.ioas;
		return 0;
	case IOMMU_DESTROY:
		if (!fake_iommufd.ioas || d->id != fake_iommufd.ioas)
			return fail(ENOENT);
		fake_iommufd.ioas = 0;
		fake_iommufd.maps = 0; /* the kernel unmaps what is left */
		fake_iommufd.ioas_destroys++;
		return 0;
	case IOMMU_IOAS_IOVA_RANGES:
		return ioas_ranges(arg);
	case IOMMU_IOAS_MAP:
		return ioas_map(arg);
	case IOMMU_IOAS_UNMAP:
		return ioas_unmap(arg);
	case IOMMU_GET_HW_INFO:
		return hw_info(arg);
	default:
		return fail(ENOTTY);
	}
}

/* --- VFIO: the device --------------------------------------------------- */

/* The cdev ioctls; device id of devs[i] is (i + 1) * 16. */
static int cdev_ioctl(struct fake_dev *f, uint32_t req, void *arg)
{
	struct vfio_device_bind_iommufd *b = arg;
	struct vfio_device_attach_iommufd_pt *at = arg;
	unsigned int i;

	switch (req) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		if (b->argsz < offsetof(struct vfio_device_bind_iommufd,
					token_uuid_ptr) || b->flags)
			return fail(EINVAL);
		if (fd_ino(b->iommufd) != iommufd_ino)
			return fail(EBADF);
		if (f->group_busy)
			return fail(EBUSY);
		if (f->group_owned)
			return fail(EPERM);
		if (f->bound)
			return fail(EINVAL); /* open_count != 0 */
		for (i = 0; i < FAKE_MAX_DEVS && devs[i] != f; i++)
			;
		f->bound = 1;
		f->kvm_at_bind = kvm_knows(f->ino);
		b->out_devid = (uint32_t)(i + 1) * 16;
		return 0;
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		if (!f->bound)
			return fail(EINVAL);
		if (!fake_iommufd.ioas || at->pt_id != fake_iommufd.ioas)
			return fail(ENOENT);
		f->attached = 1;
		f->pt_id = at->pt_id;
		return 0;
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		if (!f->attached)
			return fail(EINVAL);
		f->attached = 0;
		return 0;
	default:
		/* Until it is bound the cdev gives no access at all. */
		return f->bound ? 1 : fail(EINVAL);
	}
}

static unsigned int irq_max(const struct fake_dev *f, unsigned int index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return f->intx_max;
	case VFIO_PCI_MSI_IRQ_INDEX:
		return f->msi_max;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return f->msix_max;
	default:
		return 1;
	}
}

static int region_info(struct fake_dev *f, struct vfio_region_info *ri)
{
	struct vfio_region_info_cap_sparse_mmap *sp;
	unsigned int i = ri->index, a;
	uint32_t cap_off = ALIGN_UP((uint32_t)sizeof(*ri), 8), need;

	if (i >= VFIO_PCI_NUM_REGIONS)
		return fail(EINVAL);
	ri->offset = (uint64_t)i << FAKE_REGION_SHIFT;
	ri->size = f->region[i].size;
	ri->flags = 0;
	ri->cap_offset = 0;
	if (!ri->size)
		return 0;
	ri->flags = VFIO_REGION_INFO_FLAG_READ;
	if (i != VFIO_PCI_ROM_REGION_INDEX)
		ri->flags |= VFIO_REGION_INFO_FLAG_WRITE;
	if (f->region[i].mmap)
		ri->flags |= VFIO_REGION_INFO_FLAG_MMAP;
	if (!f->region[i].nr_areas)
		return 0;
	ri->flags |= VFIO_REGION_INFO_FLAG_CAPS;
	need = cap_off + (uint32_t)(sizeof(*sp) + f->region[i].nr_areas *
							 sizeof(sp->areas[0]));
	if (ri->argsz < need) {
		ri->argsz = need;
		return 0;
	}
	ri->cap_offset = cap_off;
	sp = (void *)((char *)ri + cap_off);
	sp->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sp->header.version = 1;
	sp->header.next = 0;
	sp->nr_areas = f->region[i].nr_areas;
	for (a = 0; a < f->region[i].nr_areas; a++) {
		sp->areas[a].offset = f->region[i].areas[a].off;
		sp->areas[a].size = f->region[i].areas[a].size;
	}
	return 0;
}

static int intx_set(struct fake_dev *f, uint32_t action, uint32_t type,
		    const struct vfio_irq_set *s)
{
	int32_t fd = type == VFIO_IRQ_SET_DATA_EVENTFD && s->count
			     ? *(const int32_t *)s->data
			     : -1;

	if (action == VFIO_IRQ_SET_ACTION_MASK ||
	    action == VFIO_IRQ_SET_ACTION_UNMASK) {
		if (f->irq_type != VFIO_PCI_INTX_IRQ_INDEX || s->start ||
		    s->count != 1)
			return fail(EINVAL);
		if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
			if (action == VFIO_IRQ_SET_ACTION_MASK)
				return fail(ENOTTY);
			if (fd >= 0 && !is_eventfd(fd))
				return fail(EINVAL);
			f->intx_unmask_fd = fd;
			return 0;
		}
		f->intx_masked = action == VFIO_IRQ_SET_ACTION_MASK;
		return 0;
	}
	if (f->irq_type == VFIO_PCI_INTX_IRQ_INDEX && !s->count &&
	    type == VFIO_IRQ_SET_DATA_NONE) {
		f->irq_type = -1;
		f->irq_count = 0;
		f->intx_unmask_fd = -1;
		f->intx_masked = 0;
		return 0;
	}
	if (f->irq_type != VFIO_PCI_INTX_IRQ_INDEX && f->irq_type != -1)
		return fail(EINVAL);
	if (type != VFIO_IRQ_SET_DATA_EVENTFD)
		return f->irq_type == VFIO_PCI_INTX_IRQ_INDEX ? 0
							       : fail(EINVAL);
	if (fd >= 0 && !is_eventfd(fd))
		return fail(EINVAL);
	f->irq_type = VFIO_PCI_INTX_IRQ_INDEX;
	f->irq_count = 1;
	f->irq_fds[0] = fd;
	return 0;
}

/* MSI and MSI-X, as vfio_pci_set_msi_trigger() in Linux decides. */
static int msi_set(struct fake_dev *f, uint32_t action, uint32_t type,
		   const struct vfio_irq_set *s)
{
	const int32_t *fds = (const int32_t *)s->data;
	unsigned int i;

	if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return fail(ENOTTY);
	if (f->irq_type == (int)s->index && !s->count &&
	    type == VFIO_IRQ_SET_DATA_NONE) {
		f->irq_type = -1;
		f->irq_count = 0;
		return 0;
	}
	/* MSI while MSI-X is on (or INTx), and the other way: refused. */
	if (f->irq_type != (int)s->index && f->irq_type != -1)
		return fail(EINVAL);
	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		for (i = 0; i < s->count; i++)
			if (fds[i] >= 0 && !is_eventfd(fds[i]))
				return fail(EINVAL);
		if (f->irq_type == (int)s->index) {
			if (s->start + s->count > f->irq_count)
				return fail(EINVAL);
		} else {
			f->irq_type = (int)s->index;
			f->irq_count = s->start + s->count;
		}
		for (i = 0; i < s->count; i++)
			f->irq_fds[s->start + i] = fds[i];
		return 0;
	}
	if (f->irq_type != (int)s->index ||
	    s->start + s->count > f->irq_count)
		return fail(EINVAL);
	return 0;
}

static int set_irqs(struct fake_dev *f, const struct vfio_irq_set *s)
{
	size_t minsz = offsetof(struct vfio_irq_set, count) + sizeof(s->count);
	uint32_t type = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = s->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	unsigned int max, size;

	if (s->argsz < minsz || s->index >= VFIO_PCI_NUM_IRQS ||
	    (s->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			  VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return fail(EINVAL);
	if (type == VFIO_IRQ_SET_DATA_NONE)
		size = 0;
	else if (type == VFIO_IRQ_SET_DATA_BOOL)
		size = 1;
	else if (type == VFIO_IRQ_SET_DATA_EVENTFD)
		size = 4;
	else
		return fail(EINVAL);
	if (action != VFIO_IRQ_SET_ACTION_MASK &&
	    action != VFIO_IRQ_SET_ACTION_UNMASK &&
	    action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return fail(EINVAL);
	max = irq_max(f, s->index);
	if (s->start >= max || s->count > max - s->start ||
	    s->argsz - minsz < (uint64_t)s->count * size)
		return fail(EINVAL);
	if (s->index == VFIO_PCI_INTX_IRQ_INDEX)
		return intx_set(f, action, type, s);
	if (s->index == VFIO_PCI_MSI_IRQ_INDEX ||
	    s->index == VFIO_PCI_MSIX_IRQ_INDEX)
		return msi_set(f, action, type, s);
	return 0;
}

static int dev_ioctl(struct fake_dev *f, uint32_t req, void *arg)
{
	struct vfio_device_info *info = arg;
	struct vfio_irq_info *ii = arg;
	int ret;

	if (f->cdev) {
		ret = cdev_ioctl(f, req, arg);
		if (ret != 1)
			return ret;
	}
	switch (req) {
	case VFIO_DEVICE_GET_INFO:
		info->flags = VFIO_DEVICE_FLAGS_PCI |
			      (f->no_reset ? 0 : VFIO_DEVICE_FLAGS_RESET);
		info->num_regions = VFIO_PCI_NUM_REGIONS;
		info->num_irqs = VFIO_PCI_NUM_IRQS;
		return 0;
	case VFIO_DEVICE_GET_REGION_INFO:
		return region_info(f, arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		if (ii->index >= VFIO_PCI_NUM_IRQS)
			return fail(EINVAL);
		ii->count = irq_max(f, ii->index);
		ii->flags = VFIO_IRQ_INFO_EVENTFD;
		return 0;
	case VFIO_DEVICE_SET_IRQS:
		f->set_irqs++;
		ret = set_irqs(f, arg);
		if (ret)
			f->set_irqs_refused++;
		return ret;
	case VFIO_DEVICE_RESET:
		if (f->no_reset)
			return fail(ENOTTY);
		f->resets++;
		return 0;
	default:
		return fail(ENOTTY);
	}
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	uint64_t ino = fd_ino(fd);
	unsigned int i;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (ino) {
		if (ino == vm_ino)
			return kvm_ioctl((uint32_t)req, arg);
		if (ino == group_ino)
			return group_ioctl((uint32_t)req, arg);
		if (ino == container_ino)
			return container_ioctl(fd, (uint32_t)req, arg);
		if (ino == iommufd_ino)
			return iommufd_ioctl((uint32_t)req, arg);
		if (ino == kvm_vfio_ino)
			return kvm_vfio_ioctl((uint32_t)req, arg);
		for (i = 0; i < FAKE_MAX_DEVS; i++)
			if (devs[i] && devs[i]->ino == ino)
				return dev_ioctl(devs[i], (uint32_t)req, arg);
	}
	if ((uint32_t)req == KVM_SET_GSI_ROUTING)
		fake_kvm.real_routing_calls++; /* a real VM (benchmarks) */
	return __real_ioctl(fd, req, arg);
}

/* --- the environment ---------------------------------------------------- */

static int env_init(struct fake_env *e, int viommu);

int fake_env_init(struct fake_env *e)
{
	return env_init(e, 0);
}

int fake_env_init_viommu(struct fake_env *e)
{
	return env_init(e, 1);
}

static int env_init(struct fake_env *e, int viommu)
{
	struct pci_windows win = {
		.ecam = 0xe0000000, .ecam_size = 0x100000,
		.mem32 = 0xc0000000, .mem32_size = 0x20000000,
		.mem64 = 0x100000000ULL, .mem64_size = 0x100000000ULL,
		.io = 0xc000, .io_size = 0x4000,
		.intx_pin_base = 16, .intx_pins = 8,
	};
	int ret;

	memset(e, 0, sizeof(*e));
	memset(&fake_kvm, 0, sizeof(fake_kvm));
	memset(&fake_iommufd, 0, sizeof(fake_iommufd));
	memset(&fake_kvm_vfio, 0, sizeof(fake_kvm_vfio));
	e->vm_fd = memfd_create("fake-kvm-vm", MFD_CLOEXEC);
	e->group_fd = memfd_create("fake-vfio-group", MFD_CLOEXEC);
	e->container_fd = memfd_create("fake-vfio-container", MFD_CLOEXEC);
	e->iommufd_fd = memfd_create("fake-iommufd", MFD_CLOEXEC);
	if (e->vm_fd < 0 || e->group_fd < 0 || e->container_fd < 0 ||
	    e->iommufd_fd < 0)
		return -errno;
	vm_ino = fd_ino(e->vm_fd);
	group_ino = fd_ino(e->group_fd);
	container_ino = fd_ino(e->container_fd);
	iommufd_ino = fd_ino(e->iommufd_fd);
	snprintf(e->dir, sizeof(e->dir), "/tmp/fake-vfio-XXXXXX");
	if (!mkdtemp(e->dir))
		return -errno;
	e->vm.vm_fd = e->vm.kvm_fd = e->vm_fd;
	e->vm.kvm_vfio_fd = e->vm.stop_fd = -1;
	e->vm.mem.fd = -1;
	e->vm.nr_slots = 1; /* slot 0 would be RAM */
	pthread_mutex_init(&e->vm.slot_lock, NULL);
	pthread_mutex_init(&e->vm.pause_lock, NULL);
	pthread_cond_init(&e->vm.pause_cond, NULL);
	ret = bus_init(&e->vm.pio, "pio", LOG_INFO);
	if (!ret)
		ret = bus_init(&e->vm.mmio, "mmio", LOG_WARN);
	if (!ret)
		ret = irq_routing_init(&e->vm.irq);
	if (!ret)
		ret = pci_bus_init(&e->pci, &e->vm, &win);
	if (!ret && !viommu)
		ret = dma_domain_identity(&e->ram, &e->vm.mem);
	if (!ret)
		ret = vfio_create(&e->vfio, &e->vm, &e->pci, e->ram);
	return ret;
}

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

void fake_env_destroy(struct fake_env *e)
{
	unsigned int i;

	vfio_destroy(e->vfio);
	e->vfio = NULL;
	if (dma_domain_destroy(e->ram))
		abort(); /* nothing pins guest RAM in the fake */
	e->ram = NULL;
	for (i = 0; i < FAKE_MAX_DEVS; i++)
		if (devs[i])
			fake_dev_forget(devs[i]);
	bus_destroy(&e->vm.mmio);
	bus_destroy(&e->vm.pio);
	irq_routing_destroy(&e->vm.irq);
	pthread_mutex_destroy(&e->pci.lock);
	pthread_mutex_destroy(&e->vm.slot_lock);
	pthread_mutex_destroy(&e->vm.pause_lock);
	pthread_cond_destroy(&e->vm.pause_cond);
	if (e->vm.kvm_vfio_fd >= 0)
		close(e->vm.kvm_vfio_fd);
	close(e->vm_fd);
	close(e->group_fd);
	close(e->container_fd);
	close(e->iommufd_fd);
	vm_ino = group_ino = container_ino = iommufd_ino = kvm_vfio_ino = 0;
	if (e->dir[0])
		nftw(e->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void fake_dev_init(struct fake_dev *f)
{
	memset(f, 0, sizeof(*f));
	f->memfd = -1;
	f->irq_type = -1;
	f->intx_unmask_fd = -1;
	f->cfg[0x00] = 0x86; /* 8086:10d3 */
	f->cfg[0x01] = 0x80;
	f->cfg[0x02] = 0xd3;
	f->cfg[0x03] = 0x10;
	f->cfg[0x0b] = 0x02; /* network controller */
	f->cfg[0x3d] = 1;    /* INTA */
	f->region[VFIO_PCI_CONFIG_REGION_INDEX].size = 4096;
}

void fake_dev_bar(struct fake_dev *f, int bar, uint64_t size, int mmap,
		  int is64)
{
	f->region[bar].size = size;
	f->region[bar].mmap = mmap;
	f->cfg[0x10 + 4 * bar] = is64 ? 0x04 : 0x00;
	if (is64)
		f->region[bar + 1].size = 0;
}

void fake_dev_cap(struct fake_dev *f, uint8_t off, uint8_t id)
{
	unsigned int ptr, n = 0;

	f->cfg[off] = id;
	f->cfg[off + 1] = 0;
	f->cfg[0x06] |= 0x10; /* capability list */
	if (!f->cfg[0x34]) {
		f->cfg[0x34] = off;
		return;
	}
	for (ptr = f->cfg[0x34]; f->cfg[ptr + 1] && n < 48; n++)
		ptr = f->cfg[ptr + 1];
	f->cfg[ptr + 1] = off;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

void fake_dev_msi(struct fake_dev *f, uint8_t off, uint16_t ctrl)
{
	fake_dev_cap(f, off, CAP_MSI);
	put16(&f->cfg[off + 2], ctrl);
}

void fake_dev_msix(struct fake_dev *f, uint8_t off, unsigned int nr, int bar,
		   uint32_t table_off, uint32_t pba_off)
{
	fake_dev_cap(f, off, CAP_MSIX);
	put16(&f->cfg[off + 2], (uint16_t)(nr - 1));
	put32(&f->cfg[off + 4], table_off | (uint32_t)bar);
	put32(&f->cfg[off + 8], pba_off | (uint32_t)bar);
}

/* What VFIO_DEVICE_GET_IRQ_INFO reports, from the device's own caps. */
static void irq_counts(struct fake_dev *f)
{
	unsigned int ptr, n;

	f->intx_max = f->cfg[0x3d] ? 1 : 0;
	if (!(f->cfg[0x06] & 0x10))
		return;
	for (ptr = f->cfg[0x34] & 0xfc, n = 0; ptr >= 0x40 && n < 48;
	     ptr = f->cfg[ptr + 1] & 0xfc, n++) {
		uint16_t ctrl = (uint16_t)(f->cfg[ptr + 2] |
					   f->cfg[ptr + 3] << 8);

		if (f->cfg[ptr] == CAP_MSI)
			f->msi_max = 1u << ((ctrl >> 1) & 7);
		else if (f->cfg[ptr] == CAP_MSIX)
			f->msix_max = (ctrl & 0x7ffu) + 1;
	}
}

/* @f's regions in @fd (a memfd or its cdev file), and the fake knows it. */
static int dev_register(struct fake_dev *f, const char *name, int fd)
{
	unsigned int i;

	snprintf(f->name, sizeof(f->name), "%s", name);
	f->memfd = fd;
	if (f->memfd < 0)
		return -errno;
	if (ftruncate(f->memfd, (off_t)VFIO_PCI_NUM_REGIONS
					<< FAKE_REGION_SHIFT) < 0 ||
	    pwrite(f->memfd, f->cfg, sizeof(f->cfg),
		   (off_t)VFIO_PCI_CONFIG_REGION_INDEX << FAKE_REGION_SHIFT) !=
		    (ssize_t)sizeof(f->cfg))
		return -errno;
	f->ino = fd_ino(f->memfd);
	irq_counts(f);
	for (i = 0; i < FAKE_MAX_DEVS && devs[i]; i++)
		;
	if (i == FAKE_MAX_DEVS)
		return -ENOSPC;
	devs[i] = f;
	return 0;
}

static int mkdirs(const char *path)
{
	char buf[320], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

int fake_dev_cdev(struct fake_env *e, struct fake_dev *f, const char *name,
		  int n, struct vfio_spec *spec)
{
	char path[320];
	int ret;

	snprintf(path, sizeof(path), "%s/dev", e->dir);
	ret = mkdirs(path);
	if (ret)
		return ret;
	snprintf(f->cdev_path, sizeof(f->cdev_path), "%s/dev/vfio%d", e->dir,
		 n);
	f->cdev = 1;
	ret = dev_register(f, name, open(f->cdev_path, O_RDWR | O_CREAT |
					 O_TRUNC | O_CLOEXEC, 0600));
	if (ret)
		return ret;
	memset(spec, 0, sizeof(*spec));
	snprintf(spec->sysfs, sizeof(spec->sysfs), "%s/sys/%s", e->dir, name);
	snprintf(spec->name, sizeof(spec->name), "%s", name);
	spec->is_pci = 1;
	spec->iommu = VFIO_IOMMU_IOMMUFD;
	snprintf(path, sizeof(path), "%s/vfio-dev/vfio%d", spec->sysfs, n);
	return mkdirs(path);
}

int fake_dev_open_fds(const struct fake_dev *f)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	struct stat st;
	char path[300];
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		if (stat(path, &st) == 0 && (uint64_t)st.st_ino == f->ino &&
		    atoi(de->d_name) != f->memfd)
			n++;
	}
	closedir(d);
	return n;
}

int fake_dev_add(struct fake_env *e, struct fake_dev *f, const char *name)
{
	struct vfio *v = e->vfio;
	struct vfio_pci_dev *d;
	int ret;

	ret = dev_register(f, name, memfd_create(name, MFD_CLOEXEC));
	if (ret)
		return ret;
	d = vfio_dev_alloc(v, name);
	if (!d)
		return -ENOMEM;
	/* As an IOMMU backend's attach() hands it over: the device fd from
	 * its group (the fake's group answers with the device memfd). */
	d->fd = ioctl(e->group_fd, VFIO_GROUP_GET_DEVICE_FD, name);
	if (d->fd < 0) {
		ret = -errno;
		free(d);
		return ret;
	}
	/* Behind a vIOMMU: an address space of its own (it closes the dup). */
	if (!v->ram) {
		ret = vfio_type1_create(&d->iommu, &e->vm,
					fcntl(e->container_fd, F_DUPFD_CLOEXEC,
					      0));
		if (ret) {
			close(d->fd);
			free(d);
			return ret;
		}
		vfio_listener_init(d->iommu, name);
	}
	ret = vfio_dev_setup(v, d);
	if (ret) {
		free(d);
		return ret;
	}
	f->vdev = d;
	return 0;
}

void fake_dev_forget(struct fake_dev *f)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAX_DEVS; i++)
		if (devs[i] == f)
			devs[i] = NULL;
	if (f->memfd >= 0)
		close(f->memfd);
	f->memfd = -1;
	f->vdev = NULL;
}

/* Descriptors in /proc/self/fd; only eventfds and memfds if @ours. */
static int count_fds(int ours)
{
	DIR *d = opendir("/proc/self/fd");
	char path[300], link[300];
	struct dirent *de;
	ssize_t len;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!ours) {
			n++;
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = 0;
		n += strcmp(link, "anon_inode:[eventfd]") == 0 ||
		     strncmp(link, "/memfd:", 7) == 0;
	}
	closedir(d);
	return ours ? n : n - 1; /* the directory's own */
}

int fake_count_fds(void)
{
	return count_fds(0);
}

int fake_count_our_fds(void)
{
	return count_fds(1);
}

int fake_kvm_route(uint32_t gsi, uint64_t *addr, uint32_t *data)
{
	unsigned int i;

	for (i = 0; i < fake_kvm.msi_routes; i++)
		if (fake_kvm.msi[i].gsi == gsi) {
			*addr = fake_kvm.msi[i].addr;
			*data = fake_kvm.msi[i].data;
			return 1;
		}
	return 0;
}

int fake_kvm_irqfd_gsi(int fd)
{
	unsigned int i;

	for (i = 0; i < fake_kvm.irqfds; i++)
		if (fake_kvm.irqfd[i].fd == fd)
			return fake_kvm.irqfd[i].gsi;
	return -1;
}

uint32_t fake_cfg_read(struct fake_env *e, struct fake_dev *f, uint32_t off,
		       uint32_t len)
{
	uint32_t v = 0;

	pci_cfg_read(&e->pci, f->vdev->pci.slot, 0, off, &v, len);
	return v;
}

void fake_cfg_write(struct fake_env *e, struct fake_dev *f, uint32_t off,
		    uint32_t val, uint32_t len)
{
	pci_cfg_write(&e->pci, f->vdev->pci.slot, 0, off, &val, len);
}

uint64_t fake_mmio_read(struct fake_env *e, uint64_t gpa, uint32_t len)
{
	uint64_t v = 0;

	bus_read(&e->vm.mmio, gpa, &v, len);
	return v;
}

void fake_mmio_write(struct fake_env *e, uint64_t gpa, uint64_t val,
		     uint32_t len)
{
	bus_write(&e->vm.mmio, gpa, &val, len);
}

uint8_t fake_dev_cfg_byte(struct fake_dev *f, uint32_t off)
{
	uint8_t b = 0xff;

	if (pread(f->memfd, &b, 1,
		  ((off_t)VFIO_PCI_CONFIG_REGION_INDEX << FAKE_REGION_SHIFT) +
			  off) != 1)
		return 0xff;
	return b;
}
