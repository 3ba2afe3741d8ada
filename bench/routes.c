// SPDX-License-Identifier: MIT
/*
 * What MSI routes cost, on a real KVM VM with an in-kernel irqchip: n
 * vectors going live and going away, either with one KVM_SET_GSI_ROUTING
 * per vector (what every path did before issue 12, and what a guest
 * unmasking its vectors one at a time still costs, since each unmask
 * must reach KVM before it returns) or with one per batch (MSI-X enable,
 * function unmask, MSI-X off, MSI: irq_msi_commit() once). KVM
 * copies its whole table on every call, so per-vector commits grow with
 * n^2; batched ones with n. Prints per-vector times and their ratio.
 *   routes [ROUNDS]       (default 5; medians are printed)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "vm.h"

#define MAX_VECTORS 2048

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "routes: %s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

/*
 * Make @n routes live and take them away again; with @each, commit after
 * every change. Adds the two phases' times to @up and @down (us).
 */
static void cycle(struct vm *vm, unsigned int n, int each, double *up,
		  double *down)
{
	static int gsi[MAX_VECTORS];
	unsigned int i;
	double t0, t1, t2;

	t0 = now_us();
	for (i = 0; i < n; i++) {
		gsi[i] = irq_msi_alloc(vm, 0xfee00000 | (i % 8) << 12,
					    0x4000 | (i & 0xff), 0);
		check(gsi[i], "route");
		if (each)
			check(irq_msi_commit(vm), "commit");
	}
	if (!each)
		check(irq_msi_commit(vm), "commit");
	t1 = now_us();
	for (i = 0; i < n; i++) {
		irq_msi_free(vm, gsi[i]);
		if (each)
			check(irq_msi_commit(vm), "commit");
	}
	if (!each)
		check(irq_msi_commit(vm), "commit");
	t2 = now_us();
	*up += t1 - t0;
	*down += t2 - t1;
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

#define MAX_ROUNDS 21

int main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 5;
	double t[4][MAX_ROUNDS], m[4];
	unsigned int n, r, k;
	struct vm vm;

	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("SKIP: no usable /dev/kvm: the routing table is KVM's\n");
		return 77;
	}
	rounds = MAX(1u, MIN(rounds, MAX_ROUNDS));
	log_max_level = LOG_ERR;
	check(vm_create(&vm, 1), "vm_create");
	printf("MSI routes on a real VM: us per vector, median of %u; one "
	       "KVM_SET_GSI_ROUTING per vector or per batch\n", rounds);
	printf("%8s %12s %12s %12s %12s %8s %8s\n", "vectors", "up/vector",
	       "up/batch", "down/vector", "down/batch", "up x", "down x");
	for (n = 1; n <= MAX_VECTORS; n *= 2) {
		/* Interleaved, so machine noise hits both alike. */
		for (r = 0; r < rounds; r++) {
			for (k = 0; k < 4; k++)
				t[k][r] = 0;
			cycle(&vm, n, 1, &t[0][r], &t[2][r]);
			cycle(&vm, n, 0, &t[1][r], &t[3][r]);
		}
		for (k = 0; k < 4; k++)
			m[k] = median(t[k], rounds) / n;
		printf("%8u %12.2f %12.2f %12.2f %12.2f %8.1f %8.1f\n", n,
		       m[0], m[1], m[2], m[3], m[0] / m[1], m[2] / m[3]);
		fflush(stdout);
	}
	vm_destroy(&vm);
	return 0;
}
