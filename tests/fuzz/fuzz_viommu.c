// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the virtio-iommu request parser (devices/viommu.c)
 * under any sequence of requests a guest can write: raw bytes of any
 * length, any writable size, features on and off. Three endpoints whose
 * listeners mirror what they are given (one also pins now and then, and
 * lets go when told). After each request every endpoint's mirror count
 * must equal the mappings of the domain it is attached to (nothing lost,
 * nothing left behind), the status must be one the spec defines, and a
 * reset must leave nothing mapped and no domain (else abort()).
 */
#include <stdlib.h>
#include "../../devices/virtio_iommu.h"
#include "fuzz_ram.h"
#include "fuzz_input.h"
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE (4 * MiB)
#define MAX_REQS 128

struct ep {
	struct dma_listener l;
	long live;
	struct dma_pin pin;
	int pinned;
};

static int ep_map(struct dma_listener *l, const struct dma_map *m)
{
	if (!mem_gpa_to_hva(fuzz_ram(RAM_SIZE), m->gpa, m->len))
		abort(); /* a mapping of what is not guest RAM */
	container_of(l, struct ep, l)->live++;
	return 0;
}

static int ep_unmap(struct dma_listener *l, const struct dma_map *m)
{
	container_of(l, struct ep, l)->live--;
	return 0;
}

static void ep_invalidate(struct dma_listener *l, uint64_t iova,
			  uint64_t last)
{
	struct ep *e = container_of(l, struct ep, l);

	if (e->pinned) {
		dma_unpin(&e->pin);
		e->pinned = 0;
	}
}

static const struct dma_listener_ops ep_ops = {
	.map = ep_map, .unmap = ep_unmap, .invalidate = ep_invalidate,
};

static struct ep eps[3];
static struct viommu_core core;

static void check(void)
{
	unsigned int i;

	for (i = 0; i < core.nr_eps; i++) {
		struct ep *e = container_of(core.eps[i].l, struct ep, l);
		long want = core.eps[i].domain
				    ? (long)dma_count(core.eps[i].domain->dma)
				    : 0;

		if (e->live != want || (e->l.domain != NULL) !=
					       (core.eps[i].domain != NULL))
			abort();
	}
}

/* Now and then the first endpoint pins the start of a mapping. */
static void maybe_pin(struct fuzz_input *in)
{
	struct ep *e = &eps[0];
	uint8_t b = fuzz_u8(in);

	if (e->pinned) {
		if (b & 1) {
			dma_unpin(&e->pin);
			e->pinned = 0;
		}
		return;
	}
	if ((b & 2) && e->l.domain)
		e->pinned = !dma_pin(&e->l, (uint64_t)fuzz_u16(in) << 12, 16,
				     DMA_READ, &e->pin);
}

size_t fuzz_structured_end(const uint8_t *data, size_t size)
{
	(void)data;
	return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dma_range usable[] = { { 0, 0xfedfffff },
					    { 0xfef00000, 0xffffffffffULL } };
	static uint8_t req[256], out[VIOMMU_MAX_WRITE + 16];
	struct fuzz_input in = { data, size };
	struct viommu_config cfg;
	unsigned int i, n;

	log_max_level = LOG_ERR;
	memset(&cfg, 0, sizeof(cfg));
	dma_limits_init(&cfg.limits);
	if (dma_limits_narrow(&cfg.limits, 0x40201000, usable, 2))
		abort();
	cfg.msi = (struct dma_range){ 0xfee00000, 0xfeefffff };
	cfg.nr_endpoints = 3;
	for (i = 0; i < 3; i++) {
		eps[i] = (struct ep){ .l = { .ops = &ep_ops, .name = "ep" } };
		cfg.endpoints[i].id = 8 * (i + 1);
		cfg.endpoints[i].listener = &eps[i].l;
	}
	if (viommu_core_init(&core, fuzz_ram(RAM_SIZE), &cfg))
		abort();
	for (n = 0; n < MAX_REQS && in.left; n++) {
		uint8_t len = fuzz_u8(&in), feat = fuzz_u8(&in);
		uint16_t out_len = fuzz_u16(&in) % (VIOMMU_MAX_WRITE + 16);
		size_t got;

		for (i = 0; i < len; i++)
			req[i] = fuzz_u8(&in);
		got = viommu_core_request(&core, (uint64_t)feat, req, len, out,
					  out_len);
		if (got && (got != out_len || out[got - 4] > VIRTIO_IOMMU_S_NOMEM))
			abort();
		check();
		maybe_pin(&in);
	}
	if (eps[0].pinned) {
		dma_unpin(&eps[0].pin);
		eps[0].pinned = 0;
	}
	if (viommu_core_reset(&core) || core.domains || core.zombies)
		abort();
	for (i = 0; i < 3; i++)
		if (eps[i].live || eps[i].l.domain)
			abort();
	return 0;
}
