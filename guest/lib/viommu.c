// SPDX-License-Identifier: MIT
/* virtio-iommu requests for test guests, and where the device tree says it is. */
#include <libfdt.h>
#include "guest.h"
#include "virtio.h"

#define PROBE_SIZE_OFF 32 /* struct virtio_iommu_config.probe_size */
#define BYPASS_OFF 36

static uint32_t probe_size;

int viommu_open(struct vdev *d, unsigned int slot)
{
	uint64_t f, want = 0;

	if (virtio_open(d, slot) || pci_cfg_read16(slot, 2) != 0x1057)
		return -1;
	f = virtio_device_features(d);
	want = f & (1ULL << VIOMMU_F_MAP_UNMAP | 1ULL << VIOMMU_F_INPUT_RANGE |
		    1ULL << VIOMMU_F_PROBE | 1ULL << VIOMMU_F_BYPASS_CONFIG);
	if (virtio_negotiate(d, want))
		return -1;
	/* Where unattached endpoints may bypass translation, forbid it. */
	if (want & 1ULL << VIOMMU_F_BYPASS_CONFIG)
		mmio_write8(d->device + BYPASS_OFF, 0);
	probe_size = want & 1ULL << VIOMMU_F_PROBE
			     ? (uint32_t)virtio_config(d, PROBE_SIZE_OFF, 4)
			     : 0;
	if (virtio_queue(d, 0, 0xffff) || virtio_queue(d, 1, 0xffff))
		return -1;
	virtio_set_status(d, 15);
	return virtio_status(d) == 15 ? 0 : -1;
}

/* A request of @len readable bytes with a 4-byte tail: its status. */
static int simple(struct vdev *d, const void *req, uint32_t len)
{
	uint8_t tail[4];

	if (virtio_request(d, 0, req, len, tail, 4) != 4)
		return -1;
	return tail[0];
}

struct head {
	uint8_t type, reserved[3];
};

int viommu_attach(struct vdev *d, uint32_t domain, uint32_t endpoint)
{
	struct {
		struct head h;
		uint32_t domain, endpoint, flags;
		uint8_t reserved[4];
	} __attribute__((packed)) r = { { 1, { 0 } }, domain, endpoint, 0,
					{ 0 } };

	return simple(d, &r, sizeof(r));
}

int viommu_detach(struct vdev *d, uint32_t domain, uint32_t endpoint)
{
	struct {
		struct head h;
		uint32_t domain, endpoint;
		uint8_t reserved[8];
	} __attribute__((packed)) r = { { 2, { 0 } }, domain, endpoint, { 0 } };

	return simple(d, &r, sizeof(r));
}

int viommu_map(struct vdev *d, uint32_t domain, uint64_t iova, uint64_t last,
	       uint64_t gpa, uint32_t flags)
{
	struct {
		struct head h;
		uint32_t domain;
		uint64_t start, end, phys;
		uint32_t flags;
	} __attribute__((packed)) r = { { 3, { 0 } }, domain, iova, last, gpa,
					flags };

	return simple(d, &r, sizeof(r));
}

int viommu_unmap(struct vdev *d, uint32_t domain, uint64_t iova,
		 uint64_t last)
{
	struct {
		struct head h;
		uint32_t domain;
		uint64_t start, end;
		uint8_t reserved[4];
	} __attribute__((packed)) r = { { 4, { 0 } }, domain, iova, last,
					{ 0 } };

	return simple(d, &r, sizeof(r));
}

int viommu_probe(struct vdev *d, uint32_t endpoint, uint64_t *start,
		 uint64_t *last, uint8_t *type, unsigned int max,
		 unsigned int *n)
{
	static uint8_t props[4096 + 4];
	struct {
		struct head h;
		uint32_t endpoint;
		uint8_t reserved[64];
	} __attribute__((packed)) r = { { 5, { 0 } }, endpoint, { 0 } };
	uint32_t off = 0, len = probe_size + 4;

	*n = 0;
	if (!probe_size || len > sizeof(props) ||
	    virtio_request(d, 0, &r, sizeof(r), props, len) != (int)len)
		return -1;
	/* Properties until an empty one (type 0) or the end. */
	while (off + 4 <= probe_size) {
		uint16_t t, l;

		memcpy(&t, props + off, 2);
		memcpy(&l, props + off + 2, 2);
		t &= 0xfff;
		if (!t || off + 4 + l > probe_size)
			break;
		if (t == 1 && l >= 20 && *n < max) {
			type[*n] = props[off + 4];
			memcpy(&start[*n], props + off + 8, 8);
			memcpy(&last[*n], props + off + 16, 8);
			(*n)++;
		}
		off += 4 + l;
	}
	return props[len - 4];
}

/* The PCI requester ID in the first cell of a PCI node's reg. */
static int fdt_rid(int node)
{
	const fdt32_t *reg;
	int len;

	reg = fdt_getprop(guest_fdt, node, "reg", &len);
	return reg && len >= 4 ? (int)(fdt32_to_cpu(reg[0]) >> 8) : -1;
}

int viommu_fdt_slot(void)
{
	int node = fdt_node_offset_by_compatible(guest_fdt, -1,
						 "virtio,pci-iommu");
	int rid = node < 0 ? -1 : fdt_rid(node);

	return rid < 0 ? -1 : rid >> 3;
}

int viommu_fdt_endpoint(unsigned int slot)
{
	int host = fdt_node_offset_by_compatible(guest_fdt, -1,
						 "pci-host-ecam-generic");
	const fdt32_t *map;
	uint32_t rid = slot << 3;
	int len, i;

	map = host < 0 ? NULL : fdt_getprop(guest_fdt, host, "iommu-map", &len);
	/* (rid-base, iommu phandle, iommu-base, length) each. */
	for (i = 0; map && i + 4 <= len / 4; i += 4) {
		uint32_t base = fdt32_to_cpu(map[i]), n = fdt32_to_cpu(map[i + 3]);

		if (rid >= base && rid - base < n)
			return (int)(fdt32_to_cpu(map[i + 2]) + rid - base);
	}
	return -1;
}
