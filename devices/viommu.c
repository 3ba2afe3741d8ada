// SPDX-License-Identifier: MIT
/*
 * virtio-iommu requests (virtio 1.x 5.13.6): ATTACH, DETACH, MAP, UNMAP,
 * PROBE, parsed from bytes a hostile guest wrote, each field checked, each
 * rule of the spec's device requirements applied. Domains are domains of
 * the DMA-mapping layer; an endpoint is a listener attached to one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "virtio_iommu.h"

/* The readable part of each request: its struct without the tail. */
#define LEN(type) (sizeof(struct type) - sizeof(struct virtio_iommu_req_tail))

static_assert(LEN(virtio_iommu_req_attach) == 20, "attach layout");
static_assert(LEN(virtio_iommu_req_detach) == 20, "detach layout");
static_assert(LEN(virtio_iommu_req_map) == 36, "map layout");
static_assert(LEN(virtio_iommu_req_unmap) == 28, "unmap layout");
static_assert(sizeof(struct virtio_iommu_req_probe) == 72, "probe layout");
static_assert(sizeof(struct virtio_iommu_probe_resv_mem) == 24, "resv mem");
static_assert(VIOMMU_MAX_RESV * 24 <= VIOMMU_PROBE_SIZE, "probe size");

/* --- set-up ------------------------------------------------------------ */

static int add_resv(struct viommu_core *c, uint64_t start, uint64_t last,
		    uint8_t subtype)
{
	if (c->nr_resv == VIOMMU_MAX_RESV)
		return -EINVAL;
	c->resv[c->nr_resv].r = (struct dma_range){ start, last };
	c->resv[c->nr_resv++].subtype = subtype;
	return 0;
}

/* The hole [start, last] minus the MSI window @msi. */
static int add_hole(struct viommu_core *c, uint64_t start, uint64_t last,
		    const struct dma_range *msi)
{
	int ret = 0;

	if (msi->last < msi->start || msi->last < start || msi->start > last)
		return add_resv(c, start, last, VIRTIO_IOMMU_RESV_MEM_T_RESERVED);
	if (msi->start > start)
		ret = add_resv(c, start, msi->start - 1,
			       VIRTIO_IOMMU_RESV_MEM_T_RESERVED);
	if (!ret && msi->last < last)
		ret = add_resv(c, msi->last + 1, last,
			       VIRTIO_IOMMU_RESV_MEM_T_RESERVED);
	return ret;
}

static void sort_resv(struct viommu_core *c)
{
	unsigned int i, j;

	for (i = 1; i < c->nr_resv; i++)
		for (j = i; j > 0 && c->resv[j - 1].r.start > c->resv[j].r.start;
		     j--) {
			__typeof__(c->resv[0]) t = c->resv[j];

			c->resv[j] = c->resv[j - 1];
			c->resv[j - 1] = t;
		}
}

int viommu_core_init(struct viommu_core *c, const struct guest_mem *mem,
		     const struct viommu_config *cfg)
{
	const struct dma_limits *lim = &cfg->limits;
	unsigned int i;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	if (!lim->nr || lim->nr > DMA_MAX_RANGES ||
	    cfg->nr_endpoints > VIOMMU_MAX_ENDPOINTS)
		return -EINVAL;
	c->mem = mem;
	/* No host say (every size): what x86 and arm64 page tables map. */
	c->page_sizes = lim->page_sizes == ~0ULL ? 0x40201000ULL
						  : lim->page_sizes;
	c->input = (struct dma_range){ lim->usable[0].start,
				       lim->usable[lim->nr - 1].last };
	for (i = 0; i + 1 < lim->nr && !ret; i++)
		ret = add_hole(c, lim->usable[i].last + 1,
			       lim->usable[i + 1].start - 1, &cfg->msi);
	if (!ret && cfg->msi.last >= cfg->msi.start)
		ret = add_resv(c, cfg->msi.start, cfg->msi.last,
			       VIRTIO_IOMMU_RESV_MEM_T_MSI);
	if (ret)
		return ret;
	sort_resv(c);
	for (i = 0; i < cfg->nr_endpoints; i++) {
		c->eps[i].id = cfg->endpoints[i].id;
		c->eps[i].l = cfg->endpoints[i].listener;
	}
	c->nr_eps = cfg->nr_endpoints;
	return 0;
}

/* --- domains and endpoints ---------------------------------------------- */

static struct viommu_domain *domain_of(struct viommu_core *c, uint32_t id)
{
	struct viommu_domain *d;

	for (d = c->domains; d && d->id != id; d = d->next)
		;
	return d;
}

static int endpoint_of(struct viommu_core *c, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < c->nr_eps; i++)
		if (c->eps[i].id == id)
			return (int)i;
	return -1;
}

static void unlink_domain(struct viommu_core *c, struct viommu_domain *d)
{
	struct viommu_domain **p;

	for (p = &c->domains; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			return;
		}
}

/*
 * A domain nobody is attached to any more ceases to exist (the spec's
 * DETACH); if its mappings are still pinned it is kept aside, mapped,
 * until a reset can drain it.
 */
static void drop_domain(struct viommu_core *c, struct viommu_domain *d)
{
	unlink_domain(c, d);
	if (dma_domain_destroy(d->dma)) {
		d->next = c->zombies;
		c->zombies = d;
		return;
	}
	free(d);
}

/* Detach endpoint @e from its domain. 0 or -errno (it stays attached). */
static int detach(struct viommu_core *c, unsigned int e)
{
	struct viommu_domain *d = c->eps[e].domain;
	int ret;

	if (!d)
		return 0;
	ret = dma_listener_detach(c->eps[e].l);
	if (ret == -EBUSY)
		return ret; /* it holds pins of its own: not taken from it */
	c->eps[e].domain = NULL;
	if (!--d->users)
		drop_domain(c, d);
	return 0;
}

/*
 * A new domain, or NULL. A bypass domain (ATTACH_F_BYPASS) is the
 * identity map of guest RAM, IOVA == GPA, and takes no MAP or UNMAP.
 */
static struct viommu_domain *new_domain(struct viommu_core *c, uint32_t id,
					int bypass)
{
	struct viommu_domain *d = calloc(1, sizeof(*d));
	char name[40];
	int ret;

	if (!d)
		return NULL;
	snprintf(name, sizeof(name), "viommu domain %u", id);
	ret = bypass ? dma_domain_identity(&d->dma, c->mem)
		     : dma_domain_create(&d->dma, c->mem, name);
	if (ret) {
		free(d);
		return NULL;
	}
	d->id = id;
	d->bypass = bypass;
	d->next = c->domains;
	c->domains = d;
	return d;
}

int viommu_core_reset(struct viommu_core *c)
{
	struct viommu_domain *z, *keep = NULL;
	unsigned int i;

	for (i = 0; i < c->nr_eps; i++)
		if (c->eps[i].domain && detach(c, i))
			/* Fail closed: its address space keeps the mappings. */
			if (log_ratelimit_ok_level(&c->rl, LOG_ERR, "viommu"))
				err("viommu: endpoint 0x%x holds pins; it stays "
				    "attached", c->eps[i].id);
	/* Domains drained earlier in vain are tried again. */
	while ((z = c->zombies) != NULL) {
		c->zombies = z->next;
		if (dma_domain_destroy(z->dma)) {
			z->next = keep;
			keep = z;
			continue;
		}
		free(z);
	}
	c->zombies = keep;
	return c->zombies || c->domains ? -EBUSY : 0;
}

/* --- requests --------------------------------------------------------------- */

static int zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

static uint8_t attach(struct viommu_core *c, uint64_t features,
		      const uint8_t *r)
{
	uint32_t dom = get_le32(r + 4), id = get_le32(r + 8);
	uint32_t flags = get_le32(r + 12);
	int bypass = !!(flags & VIRTIO_IOMMU_ATTACH_F_BYPASS);
	struct viommu_domain *d;
	int e = endpoint_of(c, id), ret;

	c->stats.attach++;
	/* Reserved bytes must be 0; BYPASS is the one flag, and only with
	 * BYPASS_CONFIG negotiated. */
	if (!zero(r + 16, 4) || flags & ~(uint32_t)VIRTIO_IOMMU_ATTACH_F_BYPASS ||
	    (bypass && !(features & 1ULL << VIRTIO_IOMMU_F_BYPASS_CONFIG)))
		return VIRTIO_IOMMU_S_INVAL;
	if (e < 0)
		return VIRTIO_IOMMU_S_NOENT;
	/* A domain is a bypass domain or not for as long as it exists. */
	d = domain_of(c, dom);
	if (d && d->bypass != bypass)
		return VIRTIO_IOMMU_S_INVAL;
	if (c->eps[e].domain == d && d)
		return VIRTIO_IOMMU_S_OK;
	/* As a DETACH first: one host address space is in one domain. */
	if (detach(c, (unsigned int)e))
		return VIRTIO_IOMMU_S_DEVERR;
	d = domain_of(c, dom);
	if (!d && !(d = new_domain(c, dom, bypass)))
		return VIRTIO_IOMMU_S_NOMEM;
	/* Attaching replays the domain's mappings into its address space. */
	ret = dma_listener_attach(d->dma, c->eps[e].l);
	if (ret) {
		if (!d->users)
			drop_domain(c, d);
		return ret == -ENOMEM || ret == -ENOSPC ? VIRTIO_IOMMU_S_NOMEM
						       : VIRTIO_IOMMU_S_DEVERR;
	}
	d->users++;
	c->eps[e].domain = d;
	return VIRTIO_IOMMU_S_OK;
}

static uint8_t do_detach(struct viommu_core *c, const uint8_t *r)
{
	uint32_t dom = get_le32(r + 4), id = get_le32(r + 8);
	int e = endpoint_of(c, id);

	c->stats.detach++;
	/* Reserved bytes are ignored, as the device must. */
	if (e < 0)
		return VIRTIO_IOMMU_S_NOENT;
	if (!c->eps[e].domain || c->eps[e].domain->id != dom)
		return VIRTIO_IOMMU_S_INVAL;
	return detach(c, (unsigned int)e) ? VIRTIO_IOMMU_S_DEVERR
					   : VIRTIO_IOMMU_S_OK;
}

/* Does [start, last] leave the input range or touch a reserved region? */
static int out_of_range(const struct viommu_core *c, uint64_t start,
			uint64_t last)
{
	unsigned int i;

	if (start < c->input.start || last > c->input.last)
		return 1;
	for (i = 0; i < c->nr_resv; i++)
		if (start <= c->resv[i].r.last && c->resv[i].r.start <= last)
			return 1;
	return 0;
}

static uint8_t map(struct viommu_core *c, const uint8_t *r)
{
	uint32_t dom = get_le32(r + 4), flags = get_le32(r + 32);
	uint64_t start = get_le64(r + 8), last = get_le64(r + 16);
	uint64_t phys = get_le64(r + 24);
	uint64_t granule = c->page_sizes & -c->page_sizes;
	struct viommu_domain *d = domain_of(c, dom);
	int prot, ret;

	c->stats.map++;
	/* MMIO is not offered: only READ and WRITE are recognised. */
	if (flags & ~(uint32_t)(VIRTIO_IOMMU_MAP_F_READ |
				VIRTIO_IOMMU_MAP_F_WRITE))
		return VIRTIO_IOMMU_S_INVAL;
	if (!d)
		return VIRTIO_IOMMU_S_NOENT;
	if (last < start || d->bypass)
		return VIRTIO_IOMMU_S_INVAL;
	if (((start | phys | (last + 1)) & (granule - 1)) ||
	    last - start == UINT64_MAX || out_of_range(c, start, last))
		return VIRTIO_IOMMU_S_RANGE;
	/* A host IOMMU cannot express a mapping allowing no access. */
	if (!flags)
		return VIRTIO_IOMMU_S_INVAL;
	prot = (flags & VIRTIO_IOMMU_MAP_F_READ ? DMA_READ : 0) |
	       (flags & VIRTIO_IOMMU_MAP_F_WRITE ? DMA_WRITE : 0);
	ret = dma_map(d->dma, start, last - start + 1, phys, prot);
	switch (ret) {
	case 0:
		return VIRTIO_IOMMU_S_OK;
	case -EEXIST:
	case -EINVAL:
		return VIRTIO_IOMMU_S_INVAL;
	case -EFAULT: /* not guest RAM */
		return VIRTIO_IOMMU_S_RANGE;
	case -ENOSPC:
	case -ENOMEM:
		return VIRTIO_IOMMU_S_NOMEM;
	default: /* a host IOMMU refused */
		return VIRTIO_IOMMU_S_DEVERR;
	}
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static uint8_t unmap(struct viommu_core *c, const uint8_t *r)
{
	uint32_t dom = get_le32(r + 4);
	uint64_t start = get_le64(r + 8), last = get_le64(r + 16), t0, ns;
	struct viommu_domain *d = domain_of(c, dom);
	int ret;

	c->stats.unmap++;
	/* Reserved bytes: the device MAY refuse; it unmaps. */
	if (!d)
		return VIRTIO_IOMMU_S_NOENT;
	if (last < start || d->bypass)
		return VIRTIO_IOMMU_S_INVAL;
	/* The guest waits this long: notifications and host unmaps. */
	t0 = now_ns();
	ret = dma_unmap(d->dma, start, last, NULL);
	ns = now_ns() - t0;
	c->stats.unmap_timed++;
	c->stats.unmap_layer_ns += ns;
	if (ns > c->stats.unmap_max_ns)
		c->stats.unmap_max_ns = ns;
	switch (ret) {
	case 0:
		return VIRTIO_IOMMU_S_OK;
	case -ERANGE: /* it would split a mapping: nothing removed */
		return VIRTIO_IOMMU_S_RANGE;
	default: /* pinned by someone (logged), or a host refused: kept */
		return VIRTIO_IOMMU_S_DEVERR;
	}
}

static uint8_t probe(struct viommu_core *c, const uint8_t *r, uint8_t *props,
		     size_t len)
{
	struct virtio_iommu_probe_resv_mem m;
	unsigned int i;

	c->stats.probe++;
	if (endpoint_of(c, get_le32(r + 4)) < 0)
		return VIRTIO_IOMMU_S_NOENT;
	if (len < VIOMMU_PROBE_SIZE)
		return VIRTIO_IOMMU_S_INVAL; /* and no property written */
	for (i = 0; i < c->nr_resv; i++) {
		memset(&m, 0, sizeof(m));
		m.head.type = VIRTIO_IOMMU_PROBE_T_RESV_MEM;
		m.head.length = sizeof(m) - sizeof(m.head);
		m.subtype = c->resv[i].subtype;
		m.start = c->resv[i].r.start;
		m.end = c->resv[i].r.last;
		memcpy(props + i * sizeof(m), &m, sizeof(m));
	}
	return VIRTIO_IOMMU_S_OK; /* the rest stays zero: T_NONE ends it */
}

size_t viommu_core_request(struct viommu_core *c, uint64_t features,
			   const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t out_len)
{
	static const size_t need[] = {
		[VIRTIO_IOMMU_T_ATTACH] = LEN(virtio_iommu_req_attach),
		[VIRTIO_IOMMU_T_DETACH] = LEN(virtio_iommu_req_detach),
		[VIRTIO_IOMMU_T_MAP] = LEN(virtio_iommu_req_map),
		[VIRTIO_IOMMU_T_UNMAP] = LEN(virtio_iommu_req_unmap),
		[VIRTIO_IOMMU_T_PROBE] = sizeof(struct virtio_iommu_req_probe),
	};
	const size_t tail = sizeof(struct virtio_iommu_req_tail);
	uint8_t type, status;

	c->stats.requests++;
	type = in_len ? in[0] : 0;
	/* No room for a status, or nothing we know: returned unwritten. */
	if (out_len < tail || out_len > VIOMMU_MAX_WRITE || !type ||
	    type >= ARRAY_SIZE(need) ||
	    (type == VIRTIO_IOMMU_T_PROBE &&
	     !(features & 1ULL << VIRTIO_IOMMU_F_PROBE))) {
		c->stats.unparsed++;
		return 0;
	}
	memset(out, 0, out_len);
	if (in_len < need[type])
		status = VIRTIO_IOMMU_S_INVAL;
	else if ((type == VIRTIO_IOMMU_T_MAP || type == VIRTIO_IOMMU_T_UNMAP) &&
		 !(features & 1ULL << VIRTIO_IOMMU_F_MAP_UNMAP))
		status = VIRTIO_IOMMU_S_UNSUPP;
	else if (type == VIRTIO_IOMMU_T_ATTACH)
		status = attach(c, features, in);
	else if (type == VIRTIO_IOMMU_T_DETACH)
		status = do_detach(c, in);
	else if (type == VIRTIO_IOMMU_T_MAP)
		status = map(c, in);
	else if (type == VIRTIO_IOMMU_T_UNMAP)
		status = unmap(c, in);
	else
		status = probe(c, in, out, out_len - tail);
	if (status != VIRTIO_IOMMU_S_OK)
		c->stats.failed++;
	/* The tail is the last 4 bytes of what the device writes. */
	out[out_len - tail] = status;
	return out_len;
}
