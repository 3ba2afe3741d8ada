/* SPDX-License-Identifier: MIT */
/* ACPI PM1 event and control registers: the guest powers off through S5. */
#ifndef FERRY_ACPI_PM_H
#define FERRY_ACPI_PM_H

#include <pthread.h>
#include <stdint.h>
#include "../vmm/bus.h"

struct vm;

/*
 * The fixed-hardware block of a PC without power-management hardware:
 * PM1_STS (2 bytes) and PM1_EN (2) form the PM1 event block, PM1_CNT (2)
 * the control block, at these offsets from the base. No event ever
 * happens, so the SCI never fires; SCI_EN always reads 1 (the machine is
 * in ACPI mode from reset: no SMI command port). Writing SLP_EN with
 * SLP_TYP = ACPI_PM_S5_TYP powers off: the VM stops with status 0.
 */
#define ACPI_PM_EVT_OFF 0
#define ACPI_PM_EVT_LEN 4
#define ACPI_PM_CNT_OFF 4
#define ACPI_PM_CNT_LEN 2
#define ACPI_PM_LEN 6
#define ACPI_PM_S5_TYP 5 /* \_S5's SLP_TYP in the DSDT */

#define ACPI_PM1_SCI_EN 0x0001
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_EN 0x2000

struct acpi_pm {
	struct bus_dev bdev;
	struct vm *vm; /* NULL in unit tests: a power-off only logs */
	pthread_mutex_t lock;
	uint8_t regs[ACPI_PM_LEN]; /* little-endian STS, EN, CNT */
	int powered_off;	   /* for unit tests */
};

/*
 * Claim ACPI_PM_LEN ports at @base on @bus (if not NULL); a power-off
 * stops @vm with status 0. Returns 0 or -errno.
 */
int acpi_pm_init(struct acpi_pm *pm, struct vm *vm, struct bus *bus,
		 uint64_t base) __must_check;

extern const struct bus_ops acpi_pm_ops;

#endif
