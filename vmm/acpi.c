// SPDX-License-Identifier: MIT
/* ACPI tables any board can use: the common header, checksums, VIOT. */
#include <errno.h>
#include "acpi.h"
#include "log.h"

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return (uint8_t)-sum;
}

void acpi_table_init(void *t, const char *sig, uint32_t len, uint8_t rev)
{
	struct acpi_header *h = t;

	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "FRRY", 4);
	h->creator_revision = 1;
}

void acpi_table_finish(void *t)
{
	struct acpi_header *h = t;

	h->checksum = 0;
	h->checksum = acpi_checksum(h, h->length);
}

/* VIOT (ACPI 6.4 section 5.2.31), as Linux's drivers/acpi/viot.c reads it. */
struct viot {
	struct acpi_header h;
	uint16_t node_count;
	uint16_t node_offset;
	uint8_t reserved[8];
} __attribute__((packed));

struct viot_pci_range {
	uint8_t type, reserved0;
	uint16_t length;
	uint32_t endpoint_start;
	uint16_t segment_start, segment_end;
	uint16_t bdf_start, bdf_end;
	uint16_t output_node; /* offset of the IOMMU node in the table */
	uint8_t reserved[6];
} __attribute__((packed));

struct viot_virtio_pci {
	uint8_t type, reserved0;
	uint16_t length;
	uint16_t segment;
	uint16_t bdf;
	uint8_t reserved[8];
} __attribute__((packed));

static_assert(sizeof(struct viot) == 48, "VIOT header");
static_assert(sizeof(struct viot_pci_range) == 24, "VIOT PCI range node");
static_assert(sizeof(struct viot_virtio_pci) == 16, "VIOT virtio-pci node");

enum { VIOT_PCI_RANGE = 1, VIOT_VIRTIO_IOMMU_PCI = 3 };

int acpi_viot_check(const struct board_viommu *v, char *why, size_t whylen)
{
	unsigned int i, j;

	if (v->nr_ranges == 0 || v->nr_ranges > BOARD_VIOMMU_MAX_RANGES)
		return why_set(why, whylen, -EINVAL, "the virtio-iommu has %u "
			       "ranges of endpoints; give 1 to %d",
			       v->nr_ranges, BOARD_VIOMMU_MAX_RANGES);
	for (i = 0; i < v->nr_ranges; i++) {
		const struct board_viommu_range *r = &v->ranges[i];

		if (r->first > r->last)
			return why_set(why, whylen, -EINVAL, "the virtio-iommu's "
				       "range %u starts at 0x%x after its end "
				       "0x%x", i, r->first, r->last);
		for (j = 0; j < i; j++)
			if (r->first <= v->ranges[j].last &&
			    v->ranges[j].first <= r->last)
				return why_set(why, whylen, -EINVAL, "the "
					       "virtio-iommu's ranges %u and "
					       "%u overlap", j, i);
	}
	return 0;
}

int acpi_viot_write(void *dst, size_t max, const struct board_viommu *v)
{
	size_t len = sizeof(struct viot) + sizeof(struct viot_virtio_pci) +
		     v->nr_ranges * sizeof(struct viot_pci_range);
	struct viot *t = dst;
	struct viot_virtio_pci *iommu;
	struct viot_pci_range *r;
	char why[128];
	unsigned int i;

	if (acpi_viot_check(v, why, sizeof(why)))
		return -EINVAL;
	if (len > max)
		return -E2BIG;
	memset(dst, 0, len);
	acpi_table_init(t, "VIOT", (uint32_t)len, 0);
	t->node_count = (uint16_t)(1 + v->nr_ranges);
	t->node_offset = sizeof(*t);

	iommu = (struct viot_virtio_pci *)(t + 1);
	iommu->type = VIOT_VIRTIO_IOMMU_PCI;
	iommu->length = sizeof(*iommu);
	iommu->segment = 0;
	iommu->bdf = v->rid;

	r = (struct viot_pci_range *)(iommu + 1);
	for (i = 0; i < v->nr_ranges; i++, r++) {
		r->type = VIOT_PCI_RANGE;
		r->length = sizeof(*r);
		/* Endpoint ID = requester ID: the first of the range's. */
		r->endpoint_start = v->ranges[i].first;
		r->segment_start = r->segment_end = 0;
		r->bdf_start = v->ranges[i].first;
		r->bdf_end = v->ranges[i].last;
		r->output_node = sizeof(*t);
	}
	acpi_table_finish(t);
	return (int)len;
}
