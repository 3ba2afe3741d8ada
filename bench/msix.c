// SPDX-License-Identifier: MIT
/*
 * What a guest's MSI-X setup costs ferry, end to end through its config
 * space and MSI-X table emulation (vfio/config.c, vfio/irq.c, vmm/irq.c),
 * with the unit tests' fake VFIO device and a real KVM VM (in-kernel
 * irqchip: real KVM_SET_GSI_ROUTING and KVM_IRQFD). For n = 1..2048
 * vectors, microseconds per vector for:
 *   unmask-all  the function mask cleared with n vectors programmed
 *   one-by-one  n vectors unmasked one table write at a time (Linux's
 *               request_irq pattern)
 *   off         MSI-X disabled with n vectors live
 * "routings" counts the KVM_SET_GSI_ROUTING calls of all three. The
 * source uses only interfaces that predate issue 12's fixes, so the same
 * file measures ferry before and after them.
 *   msix [MAX_VECTORS [ROUNDS]]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "../tests/unit/fake_vfio.h"

#define MSIX_OFF 0x40
#define TABLE_BAR 2

static struct fake_env env;
static struct fake_dev dev;
static uint64_t table_gpa;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void ctrl(uint16_t v)
{
	fake_cfg_write(&env, &dev, MSIX_OFF + 2, v, 2);
}

static void entry(unsigned int i, int masked)
{
	uint64_t e = table_gpa + i * 16ULL;

	fake_mmio_write(&env, e, 0xfee00000 | (i % 8) << 12, 4);
	fake_mmio_write(&env, e + 8, 0x4000 | (i & 0xff), 4);
	fake_mmio_write(&env, e + 12, masked, 4);
}

/* A device with @n MSI-X vectors on a real KVM VM. */
static int setup(unsigned int n, int *kvm, int *vm)
{
	uint64_t bar = 1;

	while (bar < n * 16ULL || bar < 0x2000)
		bar <<= 1;
	fake_dev_init(&dev);
	fake_dev_bar(&dev, TABLE_BAR, bar * 2, 1, 0);
	fake_dev_msix(&dev, MSIX_OFF, n, TABLE_BAR, 0, (uint32_t)bar);
	if (fake_env_init(&env))
		return -1;
	*kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	*vm = *kvm < 0 ? -1 : ioctl(*kvm, KVM_CREATE_VM, 0);
	if (*vm < 0 || ioctl(*vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return -1;
	env.vm.kvm_fd = *kvm;
	env.vm.vm_fd = *vm;
	if (fake_dev_add(&env, &dev, "0000:01:00.0"))
		return -1;
	table_gpa = fake_cfg_read(&env, &dev, 0x10 + 4 * TABLE_BAR, 4) &
		    ~0xfULL;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

/* One round with @n vectors: the three times (us per vector). */
static int round_of(unsigned int n, double t[3], unsigned int *calls)
{
	unsigned int i, before;
	int kvm = -1, vm = -1, ret = -1;
	double t0;

	if (setup(n, &kvm, &vm))
		goto out;
	/* Enable function-masked, program every vector, unmask. */
	ctrl(0xc000);
	for (i = 0; i < n; i++)
		entry(i, 0);
	before = fake_kvm.real_routing_calls;
	t0 = now_us();
	ctrl(0x8000);
	t[0] = (now_us() - t0) / n;
	t0 = now_us();
	ctrl(0x0000);
	t[2] = (now_us() - t0) / n;
	/* Again, unmasking one vector at a time. */
	for (i = 0; i < n; i++)
		entry(i, 1);
	ctrl(0x8000);
	t0 = now_us();
	for (i = 0; i < n; i++)
		fake_mmio_write(&env, table_gpa + i * 16ULL + 12, 0, 4);
	t[1] = (now_us() - t0) / n;
	ctrl(0x0000);
	*calls = fake_kvm.real_routing_calls - before;
	ret = 0;
out:
	fake_env_destroy(&env);
	if (vm >= 0)
		close(vm);
	if (kvm >= 0)
		close(kvm);
	return ret;
}

#define MAX_ROUNDS 21

int main(int argc, char **argv)
{
	unsigned int max = argc > 1 ? (unsigned int)atoi(argv[1]) : 2048;
	unsigned int rounds = argc > 2 ? (unsigned int)atoi(argv[2]) : 5;
	double t[3][MAX_ROUNDS], one[3];
	unsigned int n, r, k, calls = 0;

	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("SKIP: no usable /dev/kvm\n");
		return 77;
	}
	rounds = MAX(1u, MIN(rounds, MAX_ROUNDS));
	log_max_level = LOG_ERR;
	printf("MSI-X through ferry's emulation, real KVM: us per vector, "
	       "median of %u\n", rounds);
	printf("%8s %12s %12s %12s %10s\n", "vectors", "unmask-all",
	       "one-by-one", "off", "routings");
	for (n = 1; n <= max && n <= FAKE_MAX_VECTORS; n *= 2) {
		for (r = 0; r < rounds; r++) {
			if (round_of(n, one, &calls)) {
				fprintf(stderr, "msix: cannot set up %u "
					"vectors\n", n);
				return 1;
			}
			for (k = 0; k < 3; k++)
				t[k][r] = one[k];
		}
		printf("%8u %12.2f %12.2f %12.2f %10u\n", n,
		       median(t[0], rounds), median(t[1], rounds),
		       median(t[2], rounds), calls);
		fflush(stdout);
	}
	return 0;
}
