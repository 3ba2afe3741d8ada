// SPDX-License-Identifier: MIT
/*
 * The iommufd backend (vfio/iommufd.c) against the fake: the order of a
 * device's bring-up (KVM knows the cdev before the bind; no device I/O
 * before it), guest RAM in the IOAS at fixed IOVAs inside its usable
 * ranges, the host IOMMU as GET_HW_INFO describes it, each refusal with
 * its one sentence, and a teardown that leaves no mapping, IOAS, KVM
 * registration or descriptor. Then the backend as a listener of the
 * DMA-mapping layer (vmm/dma.c) in a domain of its own, as behind
 * --viommu: each dma_map()/dma_unmap() is one IOAS_MAP/IOAS_UNMAP of
 * exactly that range and access, and the unmap notification's rules hold
 * with a pinning listener beside it (notified once, before the IOAS
 * loses anything; one that keeps its pins blocks the unmap; a failed
 * IOAS_UNMAP keeps the mapping everywhere).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <linux/iommufd.h>
#include "fake_vfio.h"
#include "test.h"

static struct fake_env env;
static struct fake_dev dev;
static uint8_t ram[2][4096] __attribute__((aligned(4096)));

/* Guest RAM of 1 MiB below 4 GiB and 1 MiB above, and the backend. */
static void env_up(void)
{
	struct guest_mem *mem = &env.vm.mem;
	char cdev_dir[96];

	CHECK(fake_env_init(&env) == 0);
	snprintf(cdev_dir, sizeof(cdev_dir), "%s/dev", env.dir);
	mem->nr = 2;
	mem->size = 2 * MiB;
	mem->regions[0] = (struct mem_region){ 0, MiB, ram[0], 0 };
	mem->regions[1] = (struct mem_region){ 4 * GiB, MiB, ram[1], MiB };
	fake_iommufd.nr_ranges = 2;
	fake_iommufd.ranges[0] = (struct vfio_iova_range){ 0, 0xfedfffff };
	fake_iommufd.ranges[1] =
		(struct vfio_iova_range){ 0xfef00000, (1ULL << 48) - 1 };
	fake_iommufd.snoop = 1;
	fake_iommufd.pasid_log2 = 20;
	/* Guest RAM's identity domain in the DMA-mapping layer. */
	CHECK(dma_domain_destroy(env.ram) == 0 &&
	      dma_domain_identity(&env.ram, mem) == 0);
	env.vfio->ram = env.ram;
	CHECK(vfio_iommufd_create(&env.vfio->iommu, &env.vm,
				  fcntl(env.iommufd_fd, F_DUPFD_CLOEXEC, 0),
				  cdev_dir) == 0);
	vfio_listener_init(env.vfio->iommu, "(guest RAM)");
}

/* What vfio_add_device() does once its checks have passed. */
static int add(struct fake_dev *f, const struct vfio_spec *spec)
{
	struct vfio_iommu *io = env.vfio->iommu;
	struct vfio_pci_dev *d = vfio_dev_alloc(env.vfio, spec->name);
	int ret;

	if (!d)
		return -ENOMEM;
	d->iommu = io;
	d->spec = *spec;
	ret = io->ops->attach(io, spec, &d->fd, &d->iommu_handle);
	if (ret)
		goto err_free;
	if (!env.vfio->nr_devs) {
		ret = vfio_map_ram(env.vfio);
		if (ret) {
			vfio_device_close(d);
			io->ops->detach(io, d->iommu_handle);
			goto err_free;
		}
	}
	ret = vfio_dev_setup(env.vfio, d);
	if (ret)
		goto err_free;
	f->vdev = d;
	return 0;
err_free:
	free(d);
	return ret;
}

static void plain_dev(void)
{
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	fake_dev_msi(&dev, 0x40, 0);
}

static void bring_up_and_down(void)
{
	struct vfio_iommu_hw hw;
	struct vfio_spec spec;
	int fds = fake_count_fds();
	char out[4096];

	env_up();
	plain_dev();
	CHECK(fake_dev_cdev(&env, &dev, "0000:05:00.0", 3, &spec) == 0);
	log_max_level = LOG_INFO;
	capture_begin();
	if (!CHECK_MSG(add(&dev, &spec) == 0,
		       "a device comes up through its cdev")) {
		capture_end(out, sizeof(out));
		diag_text(out);
		return;
	}
	capture_end(out, sizeof(out));
	log_max_level = LOG_ERR;
	diag_text(out);
	CHECK_MSG(dev.bound && dev.kvm_at_bind,
		  "it was bound to iommufd after KVM knew its file");
	CHECK_MSG(dev.attached && dev.pt_id == fake_iommufd.ioas &&
		  fake_iommufd.ioas_allocs == 1,
		  "and attached to the one IOAS");
	CHECK_MSG(fake_iommufd.maps == 2 && fake_iommufd.unfixed_maps == 0 &&
		  fake_iommufd.map[0].iova == 0 &&
		  fake_iommufd.map[1].iova == 4 * GiB,
		  "guest RAM is in the IOAS at IOVA == GPA");
	CHECK_MSG(strstr(out, "mapped 2 MiB of guest RAM for DMA") &&
		  strstr(out, "(iommufd)"), "the map is said at -v");
	CHECK_MSG(strstr(out, "device DMA is cache-coherent"),
		  "VT-d snoop control makes DMA coherent");
	CHECK(env.vfio->iommu->ops->hw_info(env.vfio->iommu,
					    dev.vdev->iommu_handle, &hw) == 0);
	CHECK_MSG(strcmp(hw.type, "intel-vtd") == 0 && hw.pasid_bits == 20 &&
		  hw.coherent == 1,
		  "GET_HW_INFO: VT-d, 20 PASID bits, coherent");
	CHECK_MSG(fake_cfg_read(&env, &dev, 0, 4) == 0x10d38086,
		  "config space reads through the cdev");
	vfio_destroy(env.vfio);
	env.vfio = NULL;
	CHECK_MSG(fake_iommufd.maps == 0 && fake_iommufd.ioas == 0 &&
		  fake_iommufd.ioas_destroys == 1,
		  "teardown unmaps guest RAM and destroys the IOAS");
	CHECK_MSG(!dev.attached && fake_kvm_vfio.nr == 0,
		  "the device was detached and KVM let go of it");
	CHECK_MSG(fake_dev_open_fds(&dev) == 0,
		  "no descriptor of the cdev is left (the last close unbinds)");
	fake_env_destroy(&env);
	CHECK_MSG(fake_count_fds() == fds, "nor any other descriptor");
}

/* RAM outside the IOAS's usable ranges: refused, nothing mapped. */
static void iova_ranges(void)
{
	struct vfio_spec spec;
	char out[2048];
	unsigned int i;

	env_up();
	/* More ranges than a first guess holds: EMSGSIZE, then again. */
	fake_iommufd.nr_ranges = 40;
	for (i = 2; i < 40; i++)
		fake_iommufd.ranges[i] = (struct vfio_iova_range){
			(1ULL << 48) + i * 0x1000, (1ULL << 48) + i * 0x1000 + 0xfff
		};
	fake_iommufd.ranges[1].start = 5 * GiB; /* RAM at 4 GiB: outside */
	plain_dev();
	CHECK(fake_dev_cdev(&env, &dev, "0000:05:00.1", 4, &spec) == 0);
	capture_begin();
	CHECK_MSG(add(&dev, &spec) == -ERANGE,
		  "RAM outside the IOAS's 40 usable ranges is refused");
	capture_end(out, sizeof(out));
	CHECK_MSG(strstr(out, "outside the IOMMU's usable address ranges") &&
		  count_str(out, "ferry: error:") == 1,
		  "in one sentence");
	CHECK_MSG(fake_iommufd.maps == 0 && fake_kvm_vfio.nr == 0 &&
		  fake_dev_open_fds(&dev) == 0,
		  "leaving no mapping, KVM registration or descriptor");
	fake_env_destroy(&env);
}

/* refuse: one failing bring-up; its message and a clean slate after. */
static void refuse(const char *what, int want, const char *msg)
{
	struct vfio_spec spec;
	char out[2048];
	int ret;

	plain_dev();
	CHECK(fake_dev_cdev(&env, &dev, "0000:06:00.0", 5, &spec) == 0);
	if (strcmp(what, "no cdev") == 0) {
		char path[400];

		snprintf(path, sizeof(path), "%s/vfio-dev/vfio5", spec.sysfs);
		CHECK(rmdir(path) == 0);
	} else if (strcmp(what, "group in use") == 0) {
		dev.group_busy = 1;
	} else if (strcmp(what, "group owned") == 0) {
		dev.group_owned = 1;
	} else if (strcmp(what, "already bound") == 0) {
		dev.bound = 1;
	} else if (strcmp(what, "memlock") == 0) {
		fake_iommufd.fail_map = ENOMEM;
	}
	capture_begin();
	ret = add(&dev, &spec);
	capture_end(out, sizeof(out));
	printf("# %s: %s", what, out);
	CHECK_MSG(ret == want, what);
	CHECK_MSG(strstr(out, msg) && count_str(out, "ferry: error:") == 1,
		  "with one sentence saying so");
	CHECK_MSG(fake_iommufd.maps == 0 && fake_kvm_vfio.nr == 0 &&
		  fake_dev_open_fds(&dev) == 0 && env.vfio->nr_devs == 0,
		  "and nothing left behind");
	fake_iommufd.fail_map = 0;
	fake_dev_forget(&dev);
}

static void refusals(void)
{
	int fds = fake_count_fds();

	env_up();
	refuse("no cdev", -ENOENT, "has no VFIO device cdev");
	refuse("group in use", -EBUSY,
	       "already in use through its IOMMU group");
	refuse("group owned", -EPERM,
	       "another process owns DMA of its IOMMU group");
	refuse("already bound", -EINVAL,
	       "another process has bound it to an iommufd");
	refuse("memlock", -ENOMEM, "iommufd counts the pinned memory of all "
	       "processes of this user together");
	fake_env_destroy(&env);
	CHECK_MSG(fake_count_fds() == fds, "five refusals leak no descriptor");
}

/* --- the backend as a listener of a guest domain ------------------------- */

/*
 * A listener that pins (an emulated device doing DMA by IOVA): it records
 * what the IOAS looked like when it was told to let go, and lets go only
 * if @release says so.
 */
struct pinner {
	struct dma_listener l;
	struct dma_pin pin;
	int pinned, release;
	unsigned int told, ioas_maps_when_told, ioas_unmaps_when_told;
	uint64_t iova, last;
};

static void pinner_invalidate(struct dma_listener *l, uint64_t iova,
			      uint64_t last)
{
	struct pinner *p = container_of(l, struct pinner, l);

	p->told++;
	p->iova = iova;
	p->last = last;
	p->ioas_maps_when_told = fake_iommufd.maps;
	p->ioas_unmaps_when_told = fake_iommufd.unmap_calls;
	if (p->release && p->pinned) {
		dma_unpin(&p->pin);
		p->pinned = 0;
	}
}

static const struct dma_listener_ops pinner_ops = {
	.invalidate = pinner_invalidate,
};

/* A mirroring listener that records how many mirrors it holds. */
struct mirror {
	struct dma_listener l;
	unsigned int live;
};

static int mirror_map(struct dma_listener *l, const struct dma_map *m)
{
	(void)m;
	container_of(l, struct mirror, l)->live++;
	return 0;
}

static int mirror_unmap(struct dma_listener *l, const struct dma_map *m)
{
	(void)m;
	container_of(l, struct mirror, l)->live--;
	return 0;
}

static const struct dma_listener_ops mirror_ops = {
	.map = mirror_map, .unmap = mirror_unmap,
};

#define RW (DMA_READ | DMA_WRITE)

static void as_listener(void)
{
	struct pinner pin = { .l = { .ops = &pinner_ops, .name = "pinner" } };
	struct mirror mir = { .l = { .ops = &mirror_ops, .name = "mirror" } };
	struct guest_mem *mem = &env.vm.mem;
	const struct fake_ioas_map *m;
	struct dma_limits lim;
	struct dma_domain *dom;
	struct vfio_iommu *io;
	struct dma_listener *l;
	struct vfio_spec spec;
	struct dma_map look;
	uint64_t bytes;
	char out[2048];
	int fds = fake_count_fds(), ret;

	/* As behind --viommu: no identity domain, a backend per device. */
	CHECK(fake_env_init_viommu(&env) == 0);
	mem->nr = 2;
	mem->size = 2 * MiB;
	mem->regions[0] = (struct mem_region){ 0, MiB, ram[0], 0 };
	mem->regions[1] = (struct mem_region){ 4 * GiB, MiB, ram[1], MiB };
	fake_iommufd.nr_ranges = 2;
	fake_iommufd.ranges[0] = (struct vfio_iova_range){ 0, 0xfedfffff };
	fake_iommufd.ranges[1] =
		(struct vfio_iova_range){ 0xfef00000, (1ULL << 48) - 1 };
	fake_iommufd.alignment = 4096;
	plain_dev();
	CHECK(fake_dev_cdev(&env, &dev, "0000:07:00.0", 6, &spec) == 0);
	{
		char cdev_dir[96];
		struct vfio_pci_dev *d = vfio_dev_alloc(env.vfio, spec.name);

		snprintf(cdev_dir, sizeof(cdev_dir), "%s/dev", env.dir);
		CHECK(d && vfio_iommufd_create(&d->iommu, &env.vm,
					       fcntl(env.iommufd_fd,
						     F_DUPFD_CLOEXEC, 0),
					       cdev_dir) == 0);
		vfio_listener_init(d->iommu, spec.name);
		d->spec = spec;
		CHECK(d->iommu->ops->attach(d->iommu, &spec, &d->fd,
					    &d->iommu_handle) == 0);
		CHECK(vfio_dev_setup(env.vfio, d) == 0);
		dev.vdev = d;
	}
	io = dev.vdev->iommu;
	l = vfio_device_listener(env.vfio, dev.vdev->pci.slot);
	CHECK_MSG(l == &io->listener && strcmp(l->name, "vfio 0000:07:00.0") == 0,
		  "behind a vIOMMU the device's iommufd backend is its listener");
	CHECK_MSG(fake_iommufd.maps == 0 && fake_iommufd.map_calls == 0,
		  "and guest RAM is not mapped up front");
	CHECK(vfio_dma_limits(env.vfio, &lim) == 0);
	CHECK_MSG(lim.page_sizes == ~0xfffULL && lim.nr == 2 &&
			  lim.usable[0].last == 0xfedfffff &&
			  lim.usable[1].start == 0xfef00000,
		  "the vIOMMU's limits: page sizes from the IOAS's IOVA "
		  "alignment, the IOAS's usable ranges");
	fake_iommufd.alignment = 3 * 4096;
	CHECK(vfio_dma_limits(env.vfio, &lim) == 0 && lim.page_sizes == ~0ULL);
	fake_iommufd.alignment = 4096;

	CHECK(dma_domain_create(&dom, mem, "domain 5") == 0);
	CHECK(dma_map(dom, 0x40000000, 0x2000, 0x3000, RW) == 0);
	CHECK_MSG(dma_listener_attach(dom, l) == 0 && fake_iommufd.maps == 1,
		  "attaching replays the domain's mapping into the IOAS");
	m = fake_ioas_at(0x40000000);
	CHECK_MSG(m && m->iova == 0x40000000 && m->len == 0x2000 &&
			  m->vaddr == (uint64_t)(uintptr_t)ram[0] + 0x3000 &&
			  m->flags == (IOMMU_IOAS_MAP_FIXED_IOVA |
				       IOMMU_IOAS_MAP_READABLE |
				       IOMMU_IOAS_MAP_WRITEABLE),
		  "one IOAS_MAP: that IOVA, that range, the GPA's HVA, R/W");
	CHECK(dma_map(dom, 0x50000000, 0x1000, 4 * GiB, DMA_READ) == 0);
	m = fake_ioas_at(0x50000000);
	CHECK_MSG(m && m->len == 0x1000 &&
			  m->vaddr == (uint64_t)(uintptr_t)ram[1] &&
			  m->flags == (IOMMU_IOAS_MAP_FIXED_IOVA |
				       IOMMU_IOAS_MAP_READABLE),
		  "a read-only guest mapping is read-only in the IOAS");
	CHECK_MSG(dma_map(dom, 0x40001000, 0x1000, 0, RW) == -EEXIST &&
			  fake_iommufd.map_calls == 2,
		  "an overlapping map is refused by the layer, never sent");

	/* A failed IOAS_MAP: nothing is left mapped anywhere. */
	CHECK(dma_listener_attach(dom, &mir.l) == 0 && mir.live == 2);
	fake_iommufd.fail_map = ENOMEM;
	CHECK_MSG(dma_map(dom, 0x60000000, 0x1000, 0, RW) == -ENOMEM &&
			  mir.live == 2 && fake_iommufd.maps == 2 &&
			  dma_count(dom) == 2,
		  "IOAS_MAP refused (ENOMEM): the map fails and no listener "
		  "keeps a mirror of it");
	fake_iommufd.fail_map = 0;

	/* Unmaps: never a split; the whole request goes as one. */
	ret = dma_unmap(dom, 0x40000000, 0x40000fff, &bytes);
	CHECK_MSG(ret == -ERANGE && fake_iommufd.unmap_calls == 0 &&
			  fake_iommufd.maps == 2,
		  "an unmap that would split a mapping: ERANGE, no IOAS_UNMAP");

	/* The notification: the pinner is told first, then the IOAS unmaps. */
	pin.release = 1;
	CHECK(dma_listener_attach(dom, &pin.l) == 0);
	CHECK(dma_pin(&pin.l, 0x40001000, 8, DMA_WRITE, &pin.pin) == 0);
	pin.pinned = 1;
	CHECK(dma_unmap(dom, 0x3fff0000, 0x4fffffff, &bytes) == 0);
	CHECK_MSG(pin.told == 1 && pin.iova == 0x3fff0000 &&
			  pin.last == 0x4fffffff && !pin.pinned,
		  "a pinner in the range is told once, with the whole request, "
		  "and lets go");
	CHECK_MSG(pin.ioas_maps_when_told == 2 && pin.ioas_unmaps_when_told == 0,
		  "it is told before the IOAS loses anything");
	CHECK_MSG(bytes == 0x2000 && fake_iommufd.unmap_calls == 1 &&
			  !fake_ioas_at(0x40000000) && fake_ioas_at(0x50000000) &&
			  mir.live == 1,
		  "then one IOAS_UNMAP of exactly that mapping");

	/* A pinner that keeps its pins blocks the unmap: nothing goes. */
	pin.release = 0;
	CHECK(dma_pin(&pin.l, 0x50000000, 4, DMA_READ, &pin.pin) == 0);
	pin.pinned = 1;
	dom->retries = 2;
	dom->wait_ns = 1000000;
	capture_begin();
	ret = dma_unmap(dom, 0x50000000, 0x50000fff, &bytes);
	capture_end(out, sizeof(out));
	CHECK_MSG(ret == -EBUSY && bytes == 0 && pin.told == 2 &&
			  fake_iommufd.unmap_calls == 1 &&
			  fake_ioas_at(0x50000000) && mir.live == 1 &&
			  dma_lookup(dom, 0x50000000, &look),
		  "a pinner that keeps its pins: EBUSY, still mapped in the "
		  "domain and the IOAS, no IOAS_UNMAP sent");
	CHECK_MSG(strstr(out, "listener 'pinner' did not release 1 pin") &&
			  count_str(out, "ferry: error:") == 1,
		  "the pinner is named in one log line");
	dma_unpin(&pin.pin);
	pin.pinned = 0;

	/* The kernel refuses IOAS_UNMAP: fail closed, then a retry works. */
	fake_iommufd.fail_unmap = EDEADLK;
	capture_begin();
	ret = dma_unmap(dom, 0x50000000, 0x50000fff, &bytes);
	capture_end(out, sizeof(out));
	CHECK_MSG(ret == -EIO && fake_ioas_at(0x50000000) &&
			  dma_lookup(dom, 0x50000000, &look) &&
			  strstr(out, "listener 'vfio 0000:07:00.0' cannot unmap"),
		  "IOAS_UNMAP refused: EIO, the mapping stays in the domain and "
		  "the IOAS, and the log says which listener");
	fake_iommufd.fail_unmap = 0;
	CHECK_MSG(dma_unmap(dom, 0x50000000, 0x50000fff, &bytes) == 0 &&
			  bytes == 0x1000 && fake_iommufd.maps == 0 &&
			  dma_count(dom) == 0,
		  "a later unmap of the range removes it");

	/* Detach takes every mirror out of the IOAS. */
	CHECK(dma_map(dom, 0x70000000, MiB, 0, RW) == 0 &&
	      fake_iommufd.maps == 1);
	CHECK(dma_listener_detach(&pin.l) == 0 &&
	      dma_listener_detach(&mir.l) == 0);
	CHECK_MSG(dma_listener_detach(l) == 0 && fake_iommufd.maps == 0 &&
			  dma_count(dom) == 1,
		  "detaching the device's listener (guest DETACH) empties its "
		  "IOAS; the domain keeps its mapping");
	CHECK(dma_domain_destroy(dom) == 0);
	vfio_destroy(env.vfio);
	env.vfio = NULL;
	CHECK_MSG(fake_iommufd.ioas == 0 && fake_kvm_vfio.nr == 0 &&
			  fake_dev_open_fds(&dev) == 0,
		  "teardown: IOAS destroyed, KVM let go, cdev closed");
	fake_env_destroy(&env);
	CHECK_MSG(fake_count_fds() == fds, "no descriptor left");
}

int main(void)
{
	log_max_level = LOG_ERR;
	bring_up_and_down();
	iova_ranges();
	refusals();
	as_listener();
	return test_done();
}
