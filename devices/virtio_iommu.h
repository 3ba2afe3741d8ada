/* SPDX-License-Identifier: MIT */
/*
 * virtio-iommu (virtio 1.x, device type 23): the guest's IOMMU for
 * passed-through devices. Each guest domain is a domain of the
 * DMA-mapping layer (vmm/dma.h); attaching an endpoint attaches its
 * listener (its host IOMMU address space), so a guest MAP becomes a host
 * DMA map of exactly that range, IOVA -> GPA -> HVA. The request handling
 * (viommu.c) is apart from the virtio device (virtio_iommu.c).
 */
#ifndef FERRY_VIRTIO_IOMMU_H
#define FERRY_VIRTIO_IOMMU_H

#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_iommu.h>
#include "../vmm/dma.h"
#include "virtio.h"

#define VIOMMU_MAX_ENDPOINTS 16
#define VIOMMU_MAX_RESV 20	 /* reserved regions of an endpoint */
#define VIOMMU_PROBE_SIZE 512	 /* room for them all (24 bytes each) */
#define VIOMMU_MAX_WRITE 4096	 /* a request's writable part, at most */

/* What the machine gives the vIOMMU. */
struct viommu_config {
	/* What the host IOMMUs accept: page sizes, usable IOVA ranges. */
	struct dma_limits limits;
	/* The MSI doorbells (x86: 0xfee00000-0xfeefffff): never mapped,
	 * bypassed (a RESV_MEM_T_MSI region); last < start: none. */
	struct dma_range msi;
	unsigned int nr_endpoints;
	struct {
		uint32_t id;		      /* the PCI requester ID */
		struct dma_listener *listener; /* its host address space */
	} endpoints[VIOMMU_MAX_ENDPOINTS];
};

struct viommu_domain {
	uint32_t id;
	int bypass; /* ATTACH_F_BYPASS: all of guest RAM, IOVA == GPA */
	struct dma_domain *dma;
	unsigned int users; /* endpoints attached */
	struct viommu_domain *next;
};

struct viommu_stats {
	uint64_t requests, failed; /* failed: a status other than OK */
	uint64_t attach, detach, map, unmap, probe;
	uint64_t unparsed;	   /* returned without a status */
	/* Time the device spent on requests (CLOCK_MONOTONIC, ns): all of
	 * them, and MAPs and UNMAPs alone (their VFIO ioctls included). */
	uint64_t busy_ns, map_ns, unmap_ns;
	/* UNMAPs as the DMA-mapping layer served them (dma_unmap(), waits for
	 * listeners included): how many were timed, their total and longest. */
	uint64_t unmap_timed, unmap_layer_ns, unmap_max_ns;
};

/* The request side: domains, endpoints, reserved regions. */
struct viommu_core {
	const struct guest_mem *mem;
	uint64_t page_sizes;
	struct dma_range input;
	unsigned int nr_resv;
	struct {
		struct dma_range r;
		uint8_t subtype; /* VIRTIO_IOMMU_RESV_MEM_T_* */
	} resv[VIOMMU_MAX_RESV];
	unsigned int nr_eps;
	struct {
		uint32_t id;
		struct dma_listener *l;
		struct viommu_domain *domain; /* attached to, or NULL */
	} eps[VIOMMU_MAX_ENDPOINTS];
	struct viommu_domain *domains; /* with endpoints attached */
	/* Domains left by every endpoint whose mappings someone still pins
	 * (fail closed): drained again at the next reset. */
	struct viommu_domain *zombies;
	struct viommu_stats stats;
	struct log_ratelimit rl;
};

/*
 * The core for guest RAM @mem and @cfg: page sizes (the host's, or 4 KiB,
 * 2 MiB and 1 GiB when it has no say), the input range (from the first
 * usable IOVA to the last), the reserved regions (the holes between
 * usable ranges, RESV_MEM_T_RESERVED, and the MSI window, T_MSI), and
 * the endpoints, none attached. 0 or -EINVAL (too many ranges or
 * endpoints).
 */
int viommu_core_init(struct viommu_core *c, const struct guest_mem *mem,
		     const struct viommu_config *cfg) __must_check;

/*
 * As at device reset: every endpoint detached, every domain drained and
 * freed. 0, or -EBUSY if some domain's mappings are still pinned by a
 * listener: it stays (logged) until a later reset.
 */
int viommu_core_reset(struct viommu_core *c);

/*
 * One request: @in holds its device-readable part (@in_len bytes), @out
 * receives its device-writable part (@out_len bytes, at most
 * VIOMMU_MAX_WRITE). @features are the VIRTIO_IOMMU_F_* bits the driver
 * accepted. Returns the bytes written to @out: all @out_len (properties,
 * zeroes, and the status in the last 4 bytes: struct
 * virtio_iommu_req_tail), or 0 when the request has no place for a
 * status, an unknown type, or is a PROBE without VIRTIO_IOMMU_F_PROBE
 * (the spec: buffers returned unwritten).
 */
size_t viommu_core_request(struct viommu_core *c, uint64_t features,
			   const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t out_len);

/* The virtio device. */
struct viommu {
	struct virtio_dev vd;
	struct viommu_core core;
	struct virtio_iommu_config config;
	uint8_t req[128];
	uint8_t resp[VIOMMU_MAX_WRITE];
};

/*
 * A virtio-iommu at PCI slot @slot of @pci (virtio_pci_init()), with
 * @cfg's endpoints and limits, over guest RAM @mem. 0 or -errno, said;
 * nothing left behind.
 */
int viommu_create(struct viommu **out, struct vm *vm, struct pci_bus *pci,
		  const struct guest_mem *mem, int slot,
		  const struct viommu_config *cfg) __must_check;

/* No request is handled after this returns (teardown, first step). */
void viommu_stop(struct viommu *v);

/*
 * Stop, detach every endpoint, drain and free every domain (listeners
 * holding pins are notified, as for an unmap), take the device off the
 * bus. Idempotent; NULL is fine.
 */
void viommu_destroy(struct viommu *v);

/* --stats: requests, failures, mappings. */
void viommu_print_stats(const struct viommu *v);

#endif
