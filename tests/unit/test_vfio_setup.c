// SPDX-License-Identifier: MIT
/*
 * Bring-up against the fake: the IOMMU's usable IOVA ranges, and failure
 * paths that must leave nothing behind nor touch what was never set up.
 * Linked with pthread_mutex_{init,lock,destroy} wrapped: locking a mutex
 * that was never initialised (or was destroyed) is counted.
 */
#include <errno.h>
#include <fcntl.h>
#include "fake_vfio.h"
#include "test.h"

int __real_pthread_mutex_init(pthread_mutex_t *m,
			      const pthread_mutexattr_t *a);
int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_destroy(pthread_mutex_t *m);
int __wrap_pthread_mutex_init(pthread_mutex_t *m,
			      const pthread_mutexattr_t *a);
int __wrap_pthread_mutex_lock(pthread_mutex_t *m);
int __wrap_pthread_mutex_destroy(pthread_mutex_t *m);

/* The tests are single-threaded: a plain table will do. */
static pthread_mutex_t *live[4096];
static unsigned int nr_live, bad_locks;

int __wrap_pthread_mutex_init(pthread_mutex_t *m,
			      const pthread_mutexattr_t *a)
{
	if (nr_live < ARRAY_SIZE(live))
		live[nr_live++] = m;
	return __real_pthread_mutex_init(m, a);
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
	unsigned int i;

	for (i = 0; i < nr_live && live[i] != m; i++)
		;
	if (i == nr_live)
		bad_locks++;
	return __real_pthread_mutex_lock(m);
}

int __wrap_pthread_mutex_destroy(pthread_mutex_t *m)
{
	unsigned int i;

	for (i = 0; i < nr_live; i++)
		if (live[i] == m) {
			live[i] = live[--nr_live];
			break;
		}
	return __real_pthread_mutex_destroy(m);
}

static struct fake_env env;
static struct fake_dev dev;
static uint8_t ram[2][4096] __attribute__((aligned(4096)));

/*
 * Guest RAM of 1 MiB below 4 GiB and 1 MiB above, for the DMA map: its
 * identity domain in the layer, mirrored by the type1 backend. *@mapped
 * gets how many host mappings there were in between.
 */
static int map_ram(unsigned int *mapped)
{
	struct guest_mem *mem = &env.vm.mem;
	int ret;

	mem->nr = 2;
	mem->size = 2 * MiB;
	mem->regions[0] = (struct mem_region){ 0, MiB, ram[0], 0 };
	mem->regions[1] = (struct mem_region){ 4 * GiB, MiB, ram[1], MiB };
	if (dma_domain_destroy(env.ram) ||
	    dma_domain_identity(&env.ram, mem))
		return -EIO;
	env.vfio->ram = env.ram;
	/* The type1 backend on the fake container (it closes the dup). */
	ret = vfio_type1_create(&env.vfio->iommu, &env.vm,
				fcntl(env.container_fd, F_DUPFD_CLOEXEC, 0));
	if (ret)
		return ret;
	vfio_listener_init(env.vfio->iommu, "(guest RAM)");
	ret = vfio_map_ram(env.vfio);
	*mapped = fake_container.maps;
	if (!ret)
		vfio_unmap_ram(env.vfio);
	env.vfio->iommu->ops->destroy(env.vfio->iommu);
	env.vfio->iommu = NULL;
	return ret;
}

/* Finding 13: all ranges are read, and a missing report is said. */
static void iova_ranges(void)
{
	unsigned int i, mapped;
	char out[2048];

	CHECK(fake_env_init(&env) == 0);
	log_max_level = LOG_WARN;

	/* 20 ranges; the RAM above 4 GiB lies in the 19th only. */
	fake_container.report_ranges = 1;
	fake_container.nr_ranges = 20;
	for (i = 0; i < 20; i++) {
		fake_container.ranges[i].start = i * 0x10000000ULL + 0x1000;
		fake_container.ranges[i].end = i * 0x10000000ULL + 0x1fff;
	}
	fake_container.ranges[0].start = 0;
	fake_container.ranges[0].end = 0xfedfffff; /* the MSI window */
	fake_container.ranges[18].start = 4 * GiB;
	fake_container.ranges[18].end = 8 * GiB - 1;
	capture_begin();
	CHECK_MSG(map_ram(&mapped) == 0 && mapped == 2 &&
			  fake_container.maps == 0,
		  "RAM in the 19th of 20 usable ranges maps, one host mapping "
		  "per region (and unmaps)");
	capture_end(out, sizeof(out));
	CHECK(out[0] == 0);

	fake_container.ranges[18].start = 5 * GiB;
	capture_begin();
	CHECK_MSG(map_ram(&mapped) == -ERANGE && mapped == 0,
		  "RAM in no usable range is refused");
	capture_end(out, sizeof(out));
	CHECK_MSG(strstr(out, "outside the IOMMU's usable address ranges"),
		  "saying why");

	fake_container.report_ranges = 0;
	capture_begin();
	CHECK_MSG(map_ram(&mapped) == 0 && mapped == 2,
		  "a kernel without the report still maps");
	capture_end(out, sizeof(out));
	CHECK_MSG(strstr(out, "does not report the IOMMU's usable address "
			 "ranges") != NULL,
		  "but says the check was not made");
	log_max_level = LOG_ERR;
	fake_env_destroy(&env);
}

/*
 * Finding 13: a device failing before its interrupts were set up made
 * vfio_irq_release() lock a mutex nobody had initialised.
 */
static void early_failure(void)
{
	int fds = fake_count_fds();

	CHECK(fake_env_init(&env) == 0);
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x3000, 1, 0); /* not a power of two */
	bad_locks = 0;
	CHECK_MSG(fake_dev_add(&env, &dev, "0000:08:00.0") == -EINVAL,
		  "a device with a BAR of 12 KiB is refused");
	CHECK_MSG(bad_locks == 0,
		  "and its release locks no mutex that was never set up");
	CHECK_MSG(env.vfio->nr_devs == 0 && fake_kvm.irqfds == 0 &&
		  dev.irq_type == -1, "nothing of it is left on");
	fake_env_destroy(&env);
	CHECK_MSG(fake_count_fds() == fds, "nor any descriptor");
}

/* A good device brought up and torn down locks only live mutexes. */
static void lifecycle(void)
{
	CHECK(fake_env_init(&env) == 0);
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	fake_dev_msi(&dev, 0x40, 0);
	bad_locks = 0;
	CHECK(fake_dev_add(&env, &dev, "0000:09:00.0") == 0);
	fake_cfg_write(&env, &dev, 0x42, 1, 2);
	fake_mmio_read(&env, fake_cfg_read(&env, &dev, 0x10, 4) & ~0xfu, 4);
	fake_env_destroy(&env);
	CHECK_MSG(bad_locks == 0, "a whole device life locks only live "
		  "mutexes");
}

int main(void)
{
	log_max_level = LOG_ERR;
	iova_ranges();
	early_failure();
	lifecycle();
	return test_done();
}
