// SPDX-License-Identifier: MIT
/*
 * The iommufd backend (vfio/iommufd.c) against the fake: the order of a
 * device's bring-up (KVM knows the cdev before the bind; no device I/O
 * before it), guest RAM in the IOAS at fixed IOVAs inside its usable
 * ranges, the host IOMMU as GET_HW_INFO describes it, each refusal with
 * its one sentence, and a teardown that leaves no mapping, IOAS, KVM
 * registration or descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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
		printf("# %s", out);
		return;
	}
	capture_end(out, sizeof(out));
	log_max_level = LOG_ERR;
	printf("# %s", out);
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

int main(void)
{
	log_max_level = LOG_ERR;
	bring_up_and_down();
	iova_ranges();
	refusals();
	return test_done();
}
