/* SPDX-License-Identifier: MIT */
/* The x86 machine's ACPI tables: where they live and what they say. */
#ifndef FERRY_X86_ACPI_H
#define FERRY_X86_ACPI_H

#include <stddef.h>
#include <stdint.h>
#include "../../devices/pci.h"
#include "../board.h"

/* What the tables describe. */
struct x86_acpi_machine {
	unsigned int nr_cpus;		    /* APIC IDs 0 .. nr_cpus - 1 */
	struct pci_windows win;		    /* x86_pci_windows() */
	const struct board_viommu *viommu; /* NULL: no VIOT */
};

/* Tables in the order they are laid out; VIOT only with a viommu. */
#define X86_ACPI_MAX_TABLES 8
struct x86_acpi_table {
	char name[5];	/* signature in lower case: "rsdp", "facp", ... */
	uint32_t off;	/* from the start of the area (the RSDP) */
	uint32_t len;
};

/*
 * Build RSDP, XSDT, FADT, FACS, DSDT, MADT, MCFG and (with m->viommu)
 * VIOT into @dst (@max bytes) as the guest will see them at @gpa, the
 * RSDP first, at @gpa. @gpa + @max must lie below 4 GiB (the FADT's
 * 32-bit pointers). Lists the tables in @tables (X86_ACPI_MAX_TABLES)
 * and *@nr. Returns the bytes used, -E2BIG, or -EINVAL (nr_cpus 0 or
 * over 254, whose IOAPIC would have no APIC ID left; a bad viommu).
 */
int x86_acpi_build(const struct x86_acpi_machine *m, void *dst, size_t max,
		   uint64_t gpa, struct x86_acpi_table *tables,
		   unsigned int *nr) __must_check;

/*
 * Write the DSDT of a machine with PCI windows @win into @dst (@max
 * bytes): the PCI root (_CRS, _PRT through one link device per INTx
 * IOAPIC pin), COM1, the RTC, the i8042, the motherboard's resources
 * and \_S5. Returns its length or -E2BIG.
 */
int x86_dsdt_build(const struct pci_windows *win, void *dst,
		   size_t max) __must_check;

struct board;

/*
 * Write the tables for board @b's machine into guest RAM at
 * X86_ACPI_GPA and give the RSDP's guest-physical address in
 * *@rsdp_gpa (for boot_params.acpi_rsdp_addr or PVH's rsdp_paddr; the
 * RSDP also lies where a scan of [0xe0000, 1 MiB) finds it). Logs one
 * sentence and returns -errno on failure.
 */
int x86_acpi_install(struct board *b, uint64_t *rsdp_gpa) __must_check;

#endif
