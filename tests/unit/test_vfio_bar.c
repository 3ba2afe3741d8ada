// SPDX-License-Identifier: MIT
/*
 * vfio/bar.c and the KVM_RUN -EFAULT hook against a fake device: lazy
 * mapping, recovery on several vCPUs at once, BARs with many mmap pieces.
 */
#include <pthread.h>
#include "fake_vfio.h"
#include "test.h"

static struct fake_env env;
static struct fake_dev dev;
static pthread_barrier_t barrier;

static uint64_t bar_gpa(int bar)
{
	return fake_cfg_read(&env, &dev, 0x10 + 4 * bar, 4) & ~0xfULL;
}

/* One vCPU thread whose KVM_RUN failed with EFAULT. */
static void *vcpu_efault(void *arg)
{
	int *handled = arg;

	pthread_barrier_wait(&barrier);
	*handled = env.vm.efault_recover(env.vm.efault_ctx);
	return NULL;
}

/*
 * Finding 3 of issue 12: the second vCPU faulting on the same revoked
 * BAR was told "not handled" and the VM stopped with status 8.
 */
static void efault_on_two_vcpus(void)
{
	uint32_t pattern = 0x12345678;
	int handled[2] = { 0, 0 }, i;
	pthread_t t[2];

	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	CHECK(fake_env_init(&env) == 0 &&
	      fake_dev_add(&env, &dev, "0000:06:00.0") == 0);
	CHECK_MSG(env.vm.efault_recover(env.vm.efault_ctx) == 0,
		  "an EFAULT with no BAR ever mapped is not ours");
	CHECK(pwrite(dev.memfd, &pattern, 4, 0x100) == 4);
	CHECK_MSG(fake_mmio_read(&env, bar_gpa(0) + 0x100, 4) == pattern &&
		  fake_kvm.slots == 1,
		  "the first access traps, is served, and maps the BAR");

	pthread_barrier_init(&barrier, NULL, 2);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, vcpu_efault, &handled[i]);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	CHECK_MSG(handled[0] && handled[1] && fake_kvm.slots == 0,
		  "two vCPUs faulting at once are both told to retry");
	CHECK_MSG(env.vm.efault_recover(env.vm.efault_ctx) == 1,
		  "and so is a third one after them");
	CHECK_MSG(fake_mmio_read(&env, bar_gpa(0) + 0x100, 4) == pattern &&
		  fake_kvm.slots == 0,
		  "the BAR is served by trapping from then on");
	fake_env_destroy(&env);
}

/*
 * Finding 13: a BAR cut into more pieces than a barmap holds (sparse mmap
 * areas around the MSI-X table) is trapped instead of failing the device.
 */
static void many_pieces(void)
{
	uint32_t pattern = 0xa5a5f00d;
	unsigned int i;

	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x20000, 1, 0);
	dev.region[0].nr_areas = 8;
	for (i = 0; i < 8; i++) {
		dev.region[0].areas[i].off = i * 0x4000ULL;
		dev.region[0].areas[i].size = 0x3000;
	}
	/* The table's page splits area 0 in two: 9 pieces. */
	fake_dev_msix(&dev, 0x40, 16, 0, 0x1000, 0x1800);
	CHECK(fake_env_init(&env) == 0);
	if (CHECK_MSG(fake_dev_add(&env, &dev, "0000:07:00.0") == 0,
		      "a BAR with 9 mmap pieces does not fail the device")) {
		CHECK(pwrite(dev.memfd, &pattern, 4, 0x8004) == 4);
		CHECK_MSG(fake_mmio_read(&env, bar_gpa(0) + 0x8004, 4) ==
					  pattern &&
				  fake_kvm.slots == 0,
			  "it is served by trapping: no memory slot");
	}
	fake_env_destroy(&env);

	/* Nine sparse areas: the first eight are mapped, the rest trap. */
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x20000, 1, 0);
	dev.region[0].nr_areas = 9;
	for (i = 0; i < 9; i++) {
		dev.region[0].areas[i].off = i * 0x2000ULL;
		dev.region[0].areas[i].size = 0x1000;
	}
	CHECK(fake_env_init(&env) == 0 &&
	      fake_dev_add(&env, &dev, "0000:07:00.1") == 0);
	CHECK(pwrite(dev.memfd, &pattern, 4, 0x10000) == 4);
	CHECK_MSG(fake_mmio_read(&env, bar_gpa(0) + 0x10000, 4) == pattern &&
		  fake_kvm.slots == 8,
		  "nine sparse areas: eight slots, the ninth served by traps");
	fake_env_destroy(&env);
}

int main(void)
{
	int fds = fake_count_fds();

	log_max_level = LOG_ERR;
	efault_on_two_vcpus();
	many_pieces();
	CHECK_MSG(fake_count_fds() == fds && fake_kvm.slots == 0,
		  "no descriptor or slot left behind");
	return test_done();
}
