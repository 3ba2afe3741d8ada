// SPDX-License-Identifier: MIT
/*
 * virtio-iommu: the request rules of the spec's device requirements
 * (viommu.c, with listeners of the test's own), then the whole device on
 * the virtio transport with a passed-through device of the fake VFIO
 * behind it: a guest ATTACH and MAP become a host VFIO_IOMMU_MAP_DMA of
 * exactly that range, UNMAP, DETACH and reset take it away, and guest RAM
 * is not mapped up front.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../devices/virtio_iommu.h"
#include "fake_vfio.h"
#include "test.h"

#define RAM (16 * MiB)
#define EP 0x10 /* endpoint ID: 00:02.0 */
#define EP2 0x18

static struct guest_mem mem;

/* --- a listener recording what it is asked to map ------------------------- */

struct rec {
	struct dma_listener l;
	unsigned int maps, unmaps, live;
	struct dma_map last;
	struct dma_pin pin;
	int pinned;
};

static int rec_map(struct dma_listener *l, const struct dma_map *m)
{
	struct rec *r = container_of(l, struct rec, l);

	r->maps++;
	r->live++;
	r->last = *m;
	return 0;
}

static int rec_unmap(struct dma_listener *l, const struct dma_map *m)
{
	struct rec *r = container_of(l, struct rec, l);

	r->unmaps++;
	r->live--;
	return 0;
}

/* Told to let go, it does not (a broken pinner). */
static void rec_ignore(struct dma_listener *l, uint64_t iova, uint64_t last)
{
}

static const struct dma_listener_ops rec_ops = {
	.map = rec_map, .unmap = rec_unmap, .invalidate = rec_ignore,
};

static struct rec a = { .l = { .ops = &rec_ops, .name = "ep-a" } };
static struct rec b = { .l = { .ops = &rec_ops, .name = "ep-b" } };

/* The limits of an Intel IOMMU with a 39-bit address width. */
static void intel_config(struct viommu_config *cfg)
{
	const struct dma_range r[] = { { 0, 0xfedfffff },
				       { 0xfef00000, 0x7fffffffffULL } };

	memset(cfg, 0, sizeof(*cfg));
	dma_limits_init(&cfg->limits);
	if (dma_limits_narrow(&cfg->limits, 0x40201000, r, 2))
		abort();
	cfg->msi = (struct dma_range){ 0xfee00000, 0xfeefffff };
	cfg->nr_endpoints = 2;
	cfg->endpoints[0].id = EP;
	cfg->endpoints[0].listener = &a.l;
	cfg->endpoints[1].id = EP2;
	cfg->endpoints[1].listener = &b.l;
}

/* --- requests as bytes ------------------------------------------------------ */

static struct viommu_core core;
static uint64_t feats = 1ULL << VIRTIO_IOMMU_F_MAP_UNMAP |
			1ULL << VIRTIO_IOMMU_F_PROBE |
			1ULL << VIRTIO_IOMMU_F_INPUT_RANGE;
static uint8_t out[1024];

static int send(const void *req, size_t len, size_t out_len)
{
	size_t n = viommu_core_request(&core, feats, req, len, out, out_len);

	return n ? out[n - 4] : -1; /* -1: returned without a status */
}

static int attach_flags(uint32_t dom, uint32_t ep, uint32_t flags)
{
	struct virtio_iommu_req_attach r = {
		.head.type = VIRTIO_IOMMU_T_ATTACH, .domain = dom, .endpoint = ep,
		.flags = flags,
	};

	return send(&r, sizeof(r) - 4, 4);
}

static int attach(uint32_t dom, uint32_t ep)
{
	return attach_flags(dom, ep, 0);
}

static int detach(uint32_t dom, uint32_t ep)
{
	struct virtio_iommu_req_detach r = {
		.head.type = VIRTIO_IOMMU_T_DETACH, .domain = dom, .endpoint = ep,
	};

	return send(&r, sizeof(r) - 4, 4);
}

static int map(uint32_t dom, uint64_t start, uint64_t last, uint64_t phys,
	       uint32_t flags)
{
	struct virtio_iommu_req_map r = {
		.head.type = VIRTIO_IOMMU_T_MAP, .domain = dom,
		.virt_start = start, .virt_end = last, .phys_start = phys,
		.flags = flags,
	};

	return send(&r, sizeof(r) - 4, 4);
}

static int unmap(uint32_t dom, uint64_t start, uint64_t last)
{
	struct virtio_iommu_req_unmap r = {
		.head.type = VIRTIO_IOMMU_T_UNMAP, .domain = dom,
		.virt_start = start, .virt_end = last,
	};

	return send(&r, sizeof(r) - 4, 4);
}

#define RW (VIRTIO_IOMMU_MAP_F_READ | VIRTIO_IOMMU_MAP_F_WRITE)

static void test_setup(void)
{
	struct viommu_config cfg;

	intel_config(&cfg);
	CHECK(viommu_core_init(&core, &mem, &cfg) == 0);
	CHECK_MSG(core.input.start == 0 && core.input.last == 0x7fffffffffULL &&
			  core.page_sizes == 0x40201000,
		  "input range and page sizes from the host IOMMU");
	CHECK_MSG(core.nr_resv == 1 && core.resv[0].r.start == 0xfee00000 &&
			  core.resv[0].r.last == 0xfeefffff &&
			  core.resv[0].subtype == VIRTIO_IOMMU_RESV_MEM_T_MSI,
		  "the host's MSI hole is one MSI region, not reserved too");
	cfg.limits.nr = 3;
	cfg.limits.usable[1] = (struct dma_range){ 0xfef00000, 0xffffffff };
	cfg.limits.usable[2] = (struct dma_range){ 0x200000000ULL,
						   0x7fffffffffULL };
	cfg.limits.usable[0].last = 0xfdffffff;
	CHECK(viommu_core_init(&core, &mem, &cfg) == 0);
	CHECK_MSG(core.nr_resv == 3 &&
			  core.resv[0].r.start == 0xfe000000 &&
			  core.resv[0].r.last == 0xfedfffff &&
			  core.resv[0].subtype == 0 &&
			  core.resv[1].subtype == 1 &&
			  core.resv[2].r.start == 0x100000000ULL &&
			  core.resv[2].r.last == 0x1ffffffffULL,
		  "other holes are reserved regions, sorted, the MSI window "
		  "carved out of them");
	intel_config(&cfg);
	CHECK(viommu_core_init(&core, &mem, &cfg) == 0);
}

static void test_probe(void)
{
	struct virtio_iommu_req_probe p = {
		.head.type = VIRTIO_IOMMU_T_PROBE, .endpoint = EP,
	};
	struct virtio_iommu_probe_resv_mem m;
	uint64_t keep = feats;

	memset(out, 0xee, sizeof(out));
	CHECK(send(&p, sizeof(p), VIOMMU_PROBE_SIZE + 4) == VIRTIO_IOMMU_S_OK);
	memcpy(&m, out, sizeof(m));
	CHECK_MSG(m.head.type == VIRTIO_IOMMU_PROBE_T_RESV_MEM &&
			  m.head.length == 20 &&
			  m.subtype == VIRTIO_IOMMU_RESV_MEM_T_MSI &&
			  m.start == 0xfee00000 && m.end == 0xfeefffff,
		  "PROBE: the MSI window, a RESV_MEM_T_MSI property");
	CHECK_MSG(out[24] == 0 && out[25] == 0 && out[VIOMMU_PROBE_SIZE - 1] == 0,
		  "then an empty property ends the list; the rest is zero");
	CHECK(send(&p, sizeof(p), VIOMMU_PROBE_SIZE) == VIRTIO_IOMMU_S_INVAL);
	p.endpoint = 0x99;
	CHECK(send(&p, sizeof(p), VIOMMU_PROBE_SIZE + 4) ==
	      VIRTIO_IOMMU_S_NOENT);
	feats &= ~(1ULL << VIRTIO_IOMMU_F_PROBE);
	CHECK_MSG(send(&p, sizeof(p), VIOMMU_PROBE_SIZE + 4) == -1,
		  "without the PROBE feature the buffers come back unwritten");
	feats = keep;
}

static void test_parsing(void)
{
	uint8_t junk[40] = { 0 };

	junk[0] = 9;
	CHECK_MSG(send(junk, sizeof(junk), 4) == -1,
		  "an unknown request type: used length 0");
	junk[0] = VIRTIO_IOMMU_T_MAP;
	CHECK_MSG(send(junk, 3, 4) == -1 || send(junk, 20, 4) ==
						  VIRTIO_IOMMU_S_INVAL,
		  "a MAP too short to hold its fields is invalid");
	CHECK(send(junk, 20, 4) == VIRTIO_IOMMU_S_INVAL);
	CHECK_MSG(send(junk, sizeof(junk), 3) == -1,
		  "no room for the status: used length 0");
	CHECK_MSG(send(junk, sizeof(junk), VIOMMU_MAX_WRITE + 1) == -1,
		  "a writable part larger than any request is not touched");
	CHECK(send(junk, 0, 4) == -1);
}

static void test_attach_map(void)
{
	struct virtio_iommu_req_attach r = {
		.head.type = VIRTIO_IOMMU_T_ATTACH, .domain = 1, .endpoint = EP,
	};
	struct dma_map m;

	CHECK(attach(1, 0x99) == VIRTIO_IOMMU_S_NOENT);
	r.reserved[2] = 1;
	CHECK_MSG(send(&r, sizeof(r) - 4, 4) == VIRTIO_IOMMU_S_INVAL,
		  "ATTACH with reserved bytes set is refused");
	r.reserved[2] = 0;
	r.flags = VIRTIO_IOMMU_ATTACH_F_BYPASS;
	CHECK_MSG(send(&r, sizeof(r) - 4, 4) == VIRTIO_IOMMU_S_INVAL,
		  "a bypass domain is refused without BYPASS_CONFIG negotiated");
	CHECK(map(1, 0x100000, 0x100fff, 0x1000, RW) == VIRTIO_IOMMU_S_NOENT);
	CHECK(attach(1, EP) == VIRTIO_IOMMU_S_OK && a.l.domain);
	CHECK(attach(1, EP) == VIRTIO_IOMMU_S_OK);
	CHECK_MSG(map(1, 0x100000, 0x100fff, 0x2000, VIRTIO_IOMMU_MAP_F_READ) ==
				  VIRTIO_IOMMU_S_OK &&
			  a.maps == 1 && a.last.iova == 0x100000 &&
			  a.last.len == 0x1000 && a.last.gpa == 0x2000 &&
			  a.last.hva == mem.base + 0x2000 &&
			  a.last.prot == DMA_READ,
		  "MAP: the endpoint's address space maps exactly that range");
	CHECK(map(1, 0x100800, 0x101fff, 0x2000, RW) == VIRTIO_IOMMU_S_RANGE);
	CHECK(map(1, 0x101000, 0x1017ff, 0x2000, RW) == VIRTIO_IOMMU_S_RANGE);
	CHECK(map(1, 0x101000, 0x101fff, 0x2800, RW) == VIRTIO_IOMMU_S_RANGE);
	CHECK_MSG(map(1, 0x100000, 0x101fff, 0x3000, RW) == VIRTIO_IOMMU_S_INVAL,
		  "MAP over a mapping: INVAL");
	CHECK_MSG(map(1, 0xfee00000, 0xfee00fff, 0x3000, RW) ==
			  VIRTIO_IOMMU_S_RANGE,
		  "MAP of the MSI window: RANGE");
	CHECK_MSG(map(1, 0x8000000000ULL, 0x8000000fffULL, 0x3000, RW) ==
			  VIRTIO_IOMMU_S_RANGE,
		  "MAP past the input range: RANGE");
	CHECK_MSG(map(1, 0x200000, 0x200fff, RAM, RW) == VIRTIO_IOMMU_S_RANGE,
		  "MAP of what is not guest RAM: RANGE");
	CHECK(map(1, 0x200000, 0x200fff, UINT64_MAX - 0xfff, RW) ==
	      VIRTIO_IOMMU_S_RANGE);
	CHECK(map(1, 0x200000, 0x200fff, 0x3000, VIRTIO_IOMMU_MAP_F_MMIO) ==
	      VIRTIO_IOMMU_S_INVAL);
	CHECK(map(1, 0x200000, 0x200fff, 0x3000, 0) == VIRTIO_IOMMU_S_INVAL);
	CHECK(map(1, 0x200fff, 0x200000, 0x3000, RW) == VIRTIO_IOMMU_S_INVAL);
	CHECK(map(1, 0, UINT64_MAX, 0, RW) == VIRTIO_IOMMU_S_RANGE);
	CHECK(a.maps == 1);
	feats &= ~(1ULL << VIRTIO_IOMMU_F_MAP_UNMAP);
	CHECK_MSG(map(1, 0x200000, 0x200fff, 0x3000, RW) ==
			  VIRTIO_IOMMU_S_UNSUPP,
		  "MAP without MAP_UNMAP negotiated: UNSUPP");
	feats |= 1ULL << VIRTIO_IOMMU_F_MAP_UNMAP;
	CHECK(map(1, 0x200000, 0x3fffff, 0x200000, RW) == VIRTIO_IOMMU_S_OK);
	CHECK_MSG(attach(1, EP2) == VIRTIO_IOMMU_S_OK && b.maps == 2 &&
			  b.live == 2,
		  "a second endpoint joining the domain gets its mappings");
	CHECK(dma_lookup(a.l.domain, 0x300000, &m) && m.iova == 0x200000 &&
	      m.gpa == 0x200000 && m.len == 0x200000);
}

static void test_unmap(void)
{
	CHECK(unmap(7, 0, 0xfff) == VIRTIO_IOMMU_S_NOENT);
	CHECK_MSG(unmap(1, 0x200000, 0x2fffff) == VIRTIO_IOMMU_S_RANGE &&
			  a.live == 2,
		  "UNMAP splitting a mapping: RANGE, nothing removed");
	CHECK(unmap(1, 0x200fff, 0x200000) == VIRTIO_IOMMU_S_INVAL);
	CHECK_MSG(unmap(1, 0x100000, 0x1fffff) == VIRTIO_IOMMU_S_OK &&
			  a.live == 1 && b.live == 1,
		  "UNMAP spilling over unmapped space removes the mapping in "
		  "every endpoint's address space");
	CHECK(unmap(1, 0x100000, 0x1fffff) == VIRTIO_IOMMU_S_OK);
}

static void test_pinned(void)
{
	char log[512];
	struct dma_domain *d = a.l.domain;
	int st;

	d->wait_ns = 1000000;
	CHECK(dma_pin(&b.l, 0x200000, 0x1000, DMA_READ, &b.pin) == 0);
	capture_begin();
	st = unmap(1, 0x200000, 0x3fffff);
	capture_end(log, sizeof(log));
	CHECK_MSG(st == VIRTIO_IOMMU_S_DEVERR && a.live == 1,
		  "UNMAP of a range a listener keeps pinned: an error status, "
		  "still mapped");
	CHECK_MSG(strstr(log, "listener 'ep-b' did not release 1 pin after "
			      "10 retries") != NULL,
		  "and the listener is named");
	capture_begin();
	st = detach(1, EP2);
	capture_end(log, sizeof(log));
	CHECK_MSG(st == VIRTIO_IOMMU_S_DEVERR && b.l.domain == d,
		  "an endpoint holding pins is not detached from under them");
	dma_unpin(&b.pin);
	CHECK(unmap(1, 0x200000, 0x3fffff) == VIRTIO_IOMMU_S_OK && !a.live);
}

static void test_detach(void)
{
	CHECK(map(1, 0x100000, 0x100fff, 0x2000, RW) == VIRTIO_IOMMU_S_OK);
	CHECK(detach(1, 0x99) == VIRTIO_IOMMU_S_NOENT);
	CHECK(detach(2, EP) == VIRTIO_IOMMU_S_INVAL);
	CHECK_MSG(detach(1, EP) == VIRTIO_IOMMU_S_OK && !a.l.domain &&
			  a.live == 0 && b.live == 1,
		  "DETACH: that endpoint's address space is emptied");
	CHECK_MSG(attach(2, EP2) == VIRTIO_IOMMU_S_OK && b.live == 0 &&
			  !core.domains->next,
		  "ATTACH elsewhere detaches first; a domain left by every "
		  "endpoint ceases to exist");
	CHECK_MSG(map(1, 0x100000, 0x100fff, 0x2000, RW) == VIRTIO_IOMMU_S_NOENT,
		  "its ID is free again");
	CHECK(map(2, 0x100000, 0x100fff, 0x2000, RW) == VIRTIO_IOMMU_S_OK);
	CHECK_MSG(viommu_core_reset(&core) == 0 && !b.l.domain && !b.live &&
			  !core.domains,
		  "reset: no endpoint attached, no domain, nothing mapped");
}

/* ATTACH_F_BYPASS (Linux with iommu.passthrough=1): all of guest RAM. */
static void test_bypass(void)
{
	uint64_t keep = feats;

	feats |= 1ULL << VIRTIO_IOMMU_F_BYPASS_CONFIG;
	a.maps = a.unmaps = 0;
	CHECK(attach_flags(9, EP, 2) == VIRTIO_IOMMU_S_INVAL);
	CHECK_MSG(attach_flags(9, EP, VIRTIO_IOMMU_ATTACH_F_BYPASS) ==
				  VIRTIO_IOMMU_S_OK &&
			  a.maps == 1 && a.live == 1 && a.last.iova == 0 &&
			  a.last.gpa == 0 && a.last.len == RAM &&
			  a.last.prot == (DMA_READ | DMA_WRITE),
		  "ATTACH to a bypass domain: the endpoint maps all of guest "
		  "RAM, IOVA == GPA");
	CHECK(attach_flags(9, EP, VIRTIO_IOMMU_ATTACH_F_BYPASS) ==
	      VIRTIO_IOMMU_S_OK && a.maps == 1);
	CHECK_MSG(map(9, 0x40000000, 0x40000fff, 0x1000, RW) ==
				  VIRTIO_IOMMU_S_INVAL &&
			  unmap(9, 0, RAM - 1) == VIRTIO_IOMMU_S_INVAL &&
			  a.live == 1,
		  "MAP and UNMAP in a bypass domain: INVAL, nothing changes");
	CHECK_MSG(attach(9, EP2) == VIRTIO_IOMMU_S_INVAL && !b.l.domain,
		  "a bypass domain's ID taken without the flag: INVAL");
	CHECK(attach(3, EP2) == VIRTIO_IOMMU_S_OK);
	CHECK_MSG(attach_flags(3, EP, VIRTIO_IOMMU_ATTACH_F_BYPASS) ==
				  VIRTIO_IOMMU_S_INVAL &&
			  a.l.domain && a.live == 1,
		  "a translated domain taken with the flag: INVAL, the endpoint "
		  "stays where it was");
	CHECK_MSG(attach(3, EP) == VIRTIO_IOMMU_S_OK && a.live == 0 &&
			  core.domains && !core.domains->next,
		  "leaving the bypass domain unmaps guest RAM; the domain goes");
	CHECK(viommu_core_reset(&core) == 0);
	feats = keep;
}

/* --- the whole device, a fake VFIO device behind it ------------------------ */

static struct fake_env env;
static struct fake_dev dev;
static struct viommu *vio;

#define VSLOT 1
#define RING 0x100000
#define REQ 0x110000

static uint64_t bar0(void)
{
	return vio->vd.pci.bars[0].gpa;
}

static void wr(uint64_t off, uint64_t v, uint32_t len)
{
	fake_mmio_write(&env, bar0() + off, v, len);
}

static uint64_t rd(uint64_t off, uint32_t len)
{
	return fake_mmio_read(&env, bar0() + off, len);
}

static uint16_t nreq;

/* One request through the request queue; its status, -1 for none. */
static int submit(const void *req, uint32_t len, uint32_t wlen)
{
	uint8_t *g = mem.base;
	uint64_t in = REQ, o = REQ + 0x800;
	uint16_t f1 = VRING_DESC_F_NEXT, f2 = VRING_DESC_F_WRITE, next = 1;
	uint16_t head = 0, idx = (uint16_t)(nreq + 1), used;
	uint32_t ulen;
	int i;

	memcpy(g + in, req, len);
	memset(g + o, 0xee, wlen);
	memcpy(g + RING, &in, 8);
	memcpy(g + RING + 8, &len, 4);
	memcpy(g + RING + 12, &f1, 2);
	memcpy(g + RING + 14, &next, 2);
	memcpy(g + RING + 16, &o, 8);
	memcpy(g + RING + 24, &wlen, 4);
	memcpy(g + RING + 28, &f2, 2);
	memcpy(g + RING + 0x1000 + 4 + 2 * (nreq % 16), &head, 2);
	memcpy(g + RING + 0x1000 + 2, &idx, 2);
	wr(VIRTIO_NOTIFY_OFF, 0, 2);
	for (i = 0; i < 2000; i++) {
		memcpy(&used, g + RING + 0x2000 + 2, 2);
		if (used == idx)
			break;
		usleep(1000);
	}
	nreq++;
	memcpy(&ulen, g + RING + 0x2000 + 4 + 8 * ((idx - 1) % 16) + 4, 4);
	return used == idx && ulen == wlen ? g[o + wlen - 4] : -1;
}

static void test_device(void)
{
	struct virtio_iommu_req_attach at = {
		.head.type = VIRTIO_IOMMU_T_ATTACH, .domain = 5, .endpoint = EP,
	};
	struct virtio_iommu_req_map mp = {
		.head.type = VIRTIO_IOMMU_T_MAP, .domain = 5,
		.virt_start = 0x40000000, .virt_end = 0x40001fff,
		.phys_start = 0x300000, .flags = RW,
	};
	struct virtio_iommu_req_unmap um = {
		.head.type = VIRTIO_IOMMU_T_UNMAP, .domain = 5,
		.virt_start = 0x40000000, .virt_end = 0x40001fff,
	};
	struct viommu_config cfg;
	const struct fake_dma *d;
	int cfd, fds = fake_count_fds();
	uint64_t v;

	CHECK(fake_env_init_viommu(&env) == 0);
	env.vm.mem = mem;
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x1000, 1, 0);
	fake_container.report_ranges = 1;
	fake_container.nr_ranges = 2;
	fake_container.ranges[0] = (struct vfio_iova_range){ 0, 0xfedfffff };
	fake_container.ranges[1] =
		(struct vfio_iova_range){ 0xfef00000, 0x7fffffffffULL };
	dev.vdev = NULL;
	CHECK(fake_dev_add(&env, &dev, "0000:0a:00.0") == 0);
	CHECK_MSG(fake_container.maps == 0,
		  "behind a vIOMMU, guest RAM is not mapped up front");
	memset(&cfg, 0, sizeof(cfg));
	CHECK(vfio_dma_limits(env.vfio, &cfg.limits) == 0);
	CHECK(cfg.limits.nr == 2 && cfg.limits.page_sizes == 0x40201000);
	cfg.msi = (struct dma_range){ 0xfee00000, 0xfeefffff };
	cfg.nr_endpoints = 1;
	cfg.endpoints[0].id = (uint32_t)dev.vdev->pci.slot << 3;
	cfg.endpoints[0].listener =
		vfio_device_listener(env.vfio, dev.vdev->pci.slot);
	at.endpoint = cfg.endpoints[0].id;
	CHECK(cfg.endpoints[0].listener != NULL);
	CHECK(viommu_create(&vio, &env.vm, &env.pci, &env.vm.mem, VSLOT,
			    &cfg) == 0);

	CHECK(fake_mmio_read(&env, 0xe0000000ULL + (VSLOT << 15), 4) ==
	      (0x1057u << 16 | 0x1af4));
	v = rd(VIRTIO_DEVICE_OFF, 8);
	CHECK_MSG(v == 0x40201000, "config: the host's page sizes");
	CHECK(rd(VIRTIO_DEVICE_OFF + 16, 8) == 0x7fffffffffULL);
	CHECK(rd(VIRTIO_DEVICE_OFF + 32, 4) == VIOMMU_PROBE_SIZE);
	wr(VIRTIO_PCI_COMMON_STATUS, 3, 1);
	wr(VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	CHECK_MSG(rd(VIRTIO_PCI_COMMON_DF, 4) == 0x55,
		  "features: INPUT_RANGE, MAP_UNMAP, PROBE, BYPASS_CONFIG");
	CHECK_MSG(rd(VIRTIO_DEVICE_OFF + 36, 1) == 0,
		  "config: bypass 0, endpoints in no domain cut off");
	wr(VIRTIO_DEVICE_OFF + 36, 1, 1);
	CHECK_MSG(rd(VIRTIO_DEVICE_OFF + 36, 1) == 0,
		  "and a driver's write of 1 leaves it 0");
	wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(VIRTIO_PCI_COMMON_GF, 0x15, 4);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(VIRTIO_PCI_COMMON_GF, 1, 4);
	wr(VIRTIO_PCI_COMMON_STATUS, 11, 1);
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
	wr(VIRTIO_PCI_COMMON_Q_DESCLO, RING, 8);
	wr(VIRTIO_PCI_COMMON_Q_AVAILLO, RING + 0x1000, 8);
	wr(VIRTIO_PCI_COMMON_Q_USEDLO, RING + 0x2000, 8);
	wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	wr(VIRTIO_PCI_COMMON_STATUS, 15, 1);
	CHECK(rd(VIRTIO_PCI_COMMON_STATUS, 1) == 15);

	CHECK(submit(&at, sizeof(at) - 4, 4) == VIRTIO_IOMMU_S_OK);
	CHECK(fake_container.maps == 0);
	CHECK(submit(&mp, sizeof(mp) - 4, 4) == VIRTIO_IOMMU_S_OK);
	cfd = fake_container.maps ? fake_container.dma[0].fd : -1;
	d = fake_dma_at(cfd, 0x40000000);
	CHECK_MSG(fake_container.maps == 1 && d && d->iova == 0x40000000 &&
			  d->size == 0x2000 &&
			  d->vaddr == (uint64_t)(uintptr_t)(mem.base + 0x300000) &&
			  d->flags == (VFIO_DMA_MAP_FLAG_READ |
				       VFIO_DMA_MAP_FLAG_WRITE),
		  "a guest MAP is one host VFIO_IOMMU_MAP_DMA: IOVA -> GPA -> "
		  "HVA, exactly that range");
	mp.virt_start = 0xfee00000;
	mp.virt_end = 0xfee00fff;
	CHECK(submit(&mp, sizeof(mp) - 4, 4) == VIRTIO_IOMMU_S_RANGE &&
	      fake_container.maps == 1);
	um.virt_end = 0x40000fff;
	CHECK_MSG(submit(&um, sizeof(um) - 4, 4) == VIRTIO_IOMMU_S_RANGE &&
			  fake_container.maps == 1,
		  "a guest UNMAP that would split it: RANGE, still mapped");
	um.virt_end = 0x40001fff;
	CHECK_MSG(submit(&um, sizeof(um) - 4, 4) == VIRTIO_IOMMU_S_OK &&
			  fake_container.maps == 0,
		  "a guest UNMAP is a host VFIO_IOMMU_UNMAP_DMA");
	mp.virt_start = 0x40000000;
	mp.virt_end = 0x40001fff;
	CHECK(submit(&mp, sizeof(mp) - 4, 4) == VIRTIO_IOMMU_S_OK &&
	      fake_container.maps == 1);
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	CHECK_MSG(fake_container.maps == 0 && !vio->core.domains,
		  "a device reset detaches the endpoint and unmaps");
	wr(VIRTIO_PCI_COMMON_STATUS, 3, 1);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(VIRTIO_PCI_COMMON_GF, 1, 4);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(VIRTIO_PCI_COMMON_GF, 0x15, 4);
	wr(VIRTIO_PCI_COMMON_STATUS, 11, 1);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
	wr(VIRTIO_PCI_COMMON_Q_DESCLO, RING, 8);
	wr(VIRTIO_PCI_COMMON_Q_AVAILLO, RING + 0x1000, 8);
	wr(VIRTIO_PCI_COMMON_Q_USEDLO, RING + 0x2000, 8);
	memset(mem.base + RING, 0, 0x3000);
	nreq = 0;
	wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	wr(VIRTIO_PCI_COMMON_STATUS, 15, 1);
	CHECK(submit(&at, sizeof(at) - 4, 4) == VIRTIO_IOMMU_S_OK);
	CHECK(submit(&mp, sizeof(mp) - 4, 4) == VIRTIO_IOMMU_S_OK &&
	      fake_container.maps == 1);
	viommu_destroy(vio);
	CHECK_MSG(fake_container.maps == 0 && !env.pci.slots[VSLOT],
		  "teardown drains the domain: the host mapping goes");
	fake_env_destroy(&env);
	fake_dev_forget(&dev);
	CHECK(fake_container.maps == 0 && fake_kvm.irqfds == 0 &&
	      fake_kvm.ioeventfds == 0);
	CHECK_MSG(fake_count_fds() == fds, "every descriptor closed");
}

int main(void)
{
	if (mem_create(&mem, RAM, 0) || mem_add_region(&mem, 0, RAM))
		return 1;
	log_max_level = LOG_ERR;
	test_setup();
	test_probe();
	test_parsing();
	test_attach_map();
	test_unmap();
	test_pinned();
	test_detach();
	test_bypass();
	test_device();
	mem_destroy(&mem);
	return test_done();
}
