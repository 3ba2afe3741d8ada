/* SPDX-License-Identifier: MIT */
/*
 * A minimal virtio-pci (modern) driver for test guests, and virtio-iommu
 * requests on top of it (lib/virtio.c, lib/viommu.c). One request at a
 * time, completion by polling the used ring, as Linux's virtio-iommu
 * driver does.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <stdint.h>

#define VQ_SIZE 16

struct gvq {
	uint16_t size;
	uint16_t next_avail, last_used;
	volatile uint8_t *desc, *avail, *used; /* in the guest's own RAM */
	uint64_t notify;		      /* its doorbell */
};

struct vdev {
	unsigned int slot;
	uint64_t common, isr, device, notify; /* guest-physical addresses */
	uint32_t notify_mult;
	uint64_t msix_table;		      /* 0: no MSI-X */
	unsigned int msix_nr;
	unsigned int kick_width;	      /* bytes of a doorbell write: 2 */
	unsigned long spins;		      /* polls of the used ring */
	struct gvq q[2];
};

/*
 * The virtio device at PCI @slot: its capabilities (BAR addresses as the
 * firmware or ferry left them, mapped if above 4 GiB), memory decoding
 * and bus mastering on. 0, or -1 if it is not a modern virtio device.
 */
int virtio_open(struct vdev *d, unsigned int slot);

/* Reset (and wait for status 0). */
void virtio_reset(struct vdev *d);

uint8_t virtio_status(struct vdev *d);
void virtio_set_status(struct vdev *d, uint8_t s);

/* The device's 64 feature bits. */
uint64_t virtio_device_features(struct vdev *d);

/*
 * ACKNOWLEDGE, DRIVER, then accept @want (VERSION_1 added) and set
 * FEATURES_OK. 0 if the device kept FEATURES_OK, -1 if not.
 */
int virtio_negotiate(struct vdev *d, uint64_t want);

/* Set up queue @q (rings in static memory), MSI-X @vector (0xffff none). */
int virtio_queue(struct vdev *d, unsigned int q, uint16_t vector);

/*
 * Point MSI-X entry @i at this CPU, vector @vec, unmasked; MSI-X on.
 * 0, or -1 if the message cannot be set up (arm64: the ITS).
 */
int virtio_msix(struct vdev *d, unsigned int i, uint8_t vec);
void virtio_set_config_vector(struct vdev *d, uint16_t v);

/*
 * One request on queue @q: @out (@out_len bytes, device-readable) then
 * @in (@in_len, device-writable). Kicks, then polls the used ring.
 * Returns the used length, or -1 when the device did not answer.
 */
int virtio_request(struct vdev *d, unsigned int q, const void *out,
		   uint32_t out_len, void *in, uint32_t in_len);

/* Kick queue @q with a @width-byte write (2: what KVM's ioeventfd takes). */
void virtio_kick(struct vdev *d, unsigned int q, unsigned int width);

/* Read @len bytes of device config at @off. */
uint64_t virtio_config(struct vdev *d, unsigned int off, unsigned int len);

/* --- virtio-iommu (lib/viommu.c) ---------------------------------------- */

#define VIOMMU_F_INPUT_RANGE 0
#define VIOMMU_F_MAP_UNMAP 2
#define VIOMMU_F_BYPASS 3
#define VIOMMU_F_PROBE 4
#define VIOMMU_F_BYPASS_CONFIG 6
#define VIOMMU_MAP_R 1
#define VIOMMU_MAP_W 2
#define VIOMMU_S_OK 0
#define VIOMMU_S_UNSUPP 2
#define VIOMMU_S_DEVERR 3
#define VIOMMU_S_INVAL 4
#define VIOMMU_S_RANGE 5
#define VIOMMU_S_NOENT 6

/*
 * The virtio-iommu at @slot, set up as Linux does it: MAP_UNMAP,
 * INPUT_RANGE and PROBE accepted when offered, the bypass turned off
 * where the device has a switch for it, the request queue ready. 0 or -1.
 */
int viommu_open(struct vdev *d, unsigned int slot);

/* Requests: the status (VIOMMU_S_*), or -1 when it came back unwritten. */
int viommu_attach(struct vdev *d, uint32_t domain, uint32_t endpoint);
int viommu_detach(struct vdev *d, uint32_t domain, uint32_t endpoint);
int viommu_map(struct vdev *d, uint32_t domain, uint64_t iova, uint64_t last,
	       uint64_t gpa, uint32_t flags);
int viommu_unmap(struct vdev *d, uint32_t domain, uint64_t iova,
		 uint64_t last);
/*
 * PROBE @endpoint: the reserved regions into @start/@last/@type (room for
 * @max), their number in *@n. The status.
 */
int viommu_probe(struct vdev *d, uint32_t endpoint, uint64_t *start,
		 uint64_t *last, uint8_t *type, unsigned int max,
		 unsigned int *n);

/*
 * Where the device tree puts the virtio-iommu (its PCI slot, -1 if none)
 * and the endpoint ID of the device at @slot (-1 if not translated).
 */
int viommu_fdt_slot(void);
int viommu_fdt_endpoint(unsigned int slot);

#endif
