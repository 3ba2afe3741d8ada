// SPDX-License-Identifier: MIT
/*
 * What the DMA-mapping layer (vmm/dma.h) itself costs per map + unmap,
 * without a host IOMMU: on a domain already holding 0, 1000 and 60000
 * mappings (the AVL tree's depth), with no listener, with a listener that
 * mirrors every mapping (a host IOMMU backend's place, doing nothing
 * here), and with a pinning listener whose pin in the range must be
 * released by the unmap notification first. 4 KiB and 2 MiB mappings.
 * Every case is run round-robin with the others; medians of the rounds
 * are printed per map + unmap pair, with their ratio to the bare layer on
 * an empty domain. The real type1 cost is measured by the lab's
 * viommu-edu guest.
 *   dma [ROUNDS]          (default 31; each round does 2000 pairs a case)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dma.h"
#include "mem.h"

#define RAM (8ULL << 20)
#define PAIRS 2000
#define MAX_ROUNDS 101
#define IOVA_FREE 0x4000000000ULL /* above every pre-made mapping */

static struct guest_mem mem;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "dma: %s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

/* A listener standing in for a host IOMMU: it accepts and counts. */
struct mirror {
	struct dma_listener l;
	unsigned long live;
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
	.map = mirror_map,
	.unmap = mirror_unmap,
};

/* A device model holding one pin, released when told. */
struct pinner {
	struct dma_listener l;
	struct dma_pin pin;
	int held;
	unsigned long told;
};

static void pinner_invalidate(struct dma_listener *l, uint64_t iova,
			      uint64_t last)
{
	struct pinner *p = container_of(l, struct pinner, l);

	(void)iova;
	(void)last;
	p->told++;
	if (p->held) {
		dma_unpin(&p->pin);
		p->held = 0;
	}
}

static const struct dma_listener_ops pinner_ops = {
	.invalidate = pinner_invalidate,
};

enum lst { NONE, MIRROR, PIN };

struct bench_case {
	const char *name;
	unsigned int pre;
	enum lst lst;
	uint64_t len;
	struct dma_domain *d;
	struct mirror m;
	struct pinner p;
	double ns[MAX_ROUNDS];
};

static void setup(struct bench_case *c)
{
	unsigned int i;

	check(dma_domain_create(&c->d, &mem, c->name), "domain");
	/* Mappings before the measured one: 4 KiB each, 8 KiB apart. */
	for (i = 0; i < c->pre; i++)
		check(dma_map(c->d, (uint64_t)i * 0x2000, 0x1000, 0,
			      DMA_READ | DMA_WRITE),
		      "pre-map");
	if (c->lst == MIRROR) {
		c->m.l.ops = &mirror_ops;
		c->m.l.name = "mirror";
		check(dma_listener_attach(c->d, &c->m.l), "attach");
	} else if (c->lst == PIN) {
		c->p.l.ops = &pinner_ops;
		c->p.l.name = "pinner";
		check(dma_listener_attach(c->d, &c->p.l), "attach");
	}
}

/* PAIRS maps and unmaps of one range; the ns per pair. */
static double run(struct bench_case *c)
{
	double t = now_ns();
	unsigned int i;

	for (i = 0; i < PAIRS; i++) {
		check(dma_map(c->d, IOVA_FREE, c->len, 0, DMA_READ | DMA_WRITE),
		      "map");
		if (c->lst == PIN) {
			check(dma_pin(&c->p.l, IOVA_FREE, 64, DMA_READ,
				      &c->p.pin),
			      "pin");
			c->p.held = 1;
		}
		check(dma_unmap(c->d, IOVA_FREE, IOVA_FREE + c->len - 1, NULL),
		      "unmap");
	}
	return (now_ns() - t) / PAIRS;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct bench_case cases[] = {
		{ "4k, empty, no listener", 0, NONE, 0x1000 },
		{ "2m, empty, no listener", 0, NONE, 0x200000 },
		{ "4k, 1000 mapped, no listener", 1000, NONE, 0x1000 },
		{ "4k, 60000 mapped, no listener", 60000, NONE, 0x1000 },
		{ "4k, empty, mirroring listener", 0, MIRROR, 0x1000 },
		{ "4k, 60000 mapped, mirroring", 60000, MIRROR, 0x1000 },
		{ "4k, empty, pin + notification", 0, PIN, 0x1000 },
		{ "2m, empty, pin + notification", 0, PIN, 0x200000 },
	};
	unsigned int n = sizeof(cases) / sizeof(cases[0]), i, r;
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 31;
	double base;

	if (!rounds || rounds > MAX_ROUNDS) {
		fprintf(stderr, "dma: ROUNDS is 1 to %d\n", MAX_ROUNDS);
		return 2;
	}
	check(mem_create(&mem, RAM, 0), "guest RAM");
	check(mem_add_region(&mem, 0, RAM), "guest RAM");
	for (i = 0; i < n; i++)
		setup(&cases[i]);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++)
			cases[i].ns[r] = run(&cases[i]);
	for (i = 0; i < n; i++)
		qsort(cases[i].ns, rounds, sizeof(double), cmp);
	base = cases[0].ns[rounds / 2];
	printf("DMA-mapping layer, map + unmap pairs (median of %u rounds of "
	       "%d)\n", rounds, PAIRS);
	for (i = 0; i < n; i++) {
		double med = cases[i].ns[rounds / 2];

		printf("  %-34s %8.0f ns  x%.2f\n", cases[i].name, med,
		       med / base);
		if (cases[i].lst == PIN && cases[i].p.told !=
					   (unsigned long)rounds * PAIRS) {
			fprintf(stderr, "dma: %s: %lu notifications for %lu "
				"unmaps\n", cases[i].name, cases[i].p.told,
				(unsigned long)rounds * PAIRS);
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		if (cases[i].lst != NONE)
			check(dma_listener_detach(cases[i].lst == MIRROR
							  ? &cases[i].m.l
							  : &cases[i].p.l),
			      "detach");
		check(dma_domain_destroy(cases[i].d), "destroy");
	}
	mem_destroy(&mem);
	return 0;
}
