/* SPDX-License-Identifier: MIT */
/* ACPI tables any board can use: the common header, checksums, VIOT. */
#ifndef FERRY_ACPI_H
#define FERRY_ACPI_H

#include <stddef.h>
#include <stdint.h>
#include "board.h"
#include "util.h"

/* The header every system description table starts with (section 5.2.6). */
struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

#define ACPI_OEM_ID "FERRY "
#define ACPI_OEM_TABLE_ID "FERRYVM "

/* The byte that makes @len bytes at @p sum to zero (with it at 0). */
uint8_t acpi_checksum(const void *p, size_t len);

/*
 * Fill the header of the table at @t: @sig, @len bytes in all (header
 * included), @rev, ferry's OEM and creator IDs; the checksum is 0 until
 * acpi_table_finish().
 */
void acpi_table_init(void *t, const char *sig, uint32_t len, uint8_t rev);

/* Set the checksum of the table at @t over its header's length. */
void acpi_table_finish(void *t);

/*
 * Write a VIOT table (Virtual I/O Translation, ACPI 6.4 section 5.2.31)
 * for @v into @dst (@max bytes): one virtio-pci IOMMU node for v->rid and
 * one PCI range node per range, each range's endpoint IDs being its
 * requester IDs. Returns the table's length, -E2BIG, or -EINVAL (no
 * ranges, too many, a range with first > last, ranges that overlap).
 */
int acpi_viot_write(void *dst, size_t max,
		    const struct board_viommu *v) __must_check;

/* What acpi_viot_write() would say of @v: 0 or -EINVAL, with @why. */
int acpi_viot_check(const struct board_viommu *v, char *why,
		    size_t whylen) __must_check;

#endif
