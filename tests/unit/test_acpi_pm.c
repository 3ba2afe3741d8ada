// SPDX-License-Identifier: MIT
/* ACPI PM1 registers: what ACPICA writes on the way to S5, and the stop. */
#include <sys/eventfd.h>
#include <unistd.h>
#include "../../devices/acpi_pm.h"
#include "../../vmm/exitcode.h"
#include "../../vmm/vm.h"
#include "test.h"

static struct acpi_pm pm;

static uint32_t rd(uint64_t off, uint32_t len)
{
	uint32_t v = 0;

	acpi_pm_ops.read(&pm.bdev, off, &v, len);
	return v;
}

static void wr(uint64_t off, uint32_t v, uint32_t len)
{
	acpi_pm_ops.write(&pm.bdev, off, &v, len);
}

int main(void)
{
	static struct vm vm;
	char log[512];

	CHECK(acpi_pm_init(&pm, NULL, NULL, 0x600) == 0);
	CHECK_MSG(rd(ACPI_PM_CNT_OFF, 2) == ACPI_PM1_SCI_EN,
		  "PM1_CNT: SCI_EN set from reset (ACPI mode, no SMI port)");
	CHECK_MSG(rd(0, 2) == 0, "PM1_STS: no event ever happened");
	wr(0, 0xffff, 2);
	CHECK_MSG(rd(0, 2) == 0, "PM1_STS: write 1 to clear keeps it clear");
	wr(2, 0x0121, 2);
	CHECK_MSG(rd(2, 2) == 0x0121, "PM1_EN: kept as written");
	CHECK_MSG(rd(0, 4) == 0x01210000, "the event block read as a dword");
	wr(ACPI_PM_CNT_OFF, 0, 2);
	CHECK_MSG(rd(ACPI_PM_CNT_OFF, 2) == ACPI_PM1_SCI_EN,
		  "SCI_EN cannot be cleared");
	CHECK_MSG(rd(ACPI_PM_LEN, 1) == 0xff, "past the block: all-ones");

	/* ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN. */
	wr(ACPI_PM_CNT_OFF, ACPI_PM_S5_TYP << ACPI_PM1_SLP_TYP_SHIFT, 2);
	CHECK_MSG(!pm.powered_off, "SLP_TYP alone does nothing");
	CHECK_MSG(rd(ACPI_PM_CNT_OFF, 2) ==
			  (ACPI_PM_S5_TYP << ACPI_PM1_SLP_TYP_SHIFT |
			   ACPI_PM1_SCI_EN),
		  "SLP_TYP reads back");

	capture_begin();
	wr(ACPI_PM_CNT_OFF, 3 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN, 2);
	capture_end(log, sizeof(log));
	CHECK_MSG(!pm.powered_off && strstr(log, "sleep type 3; only S5"),
		  "another sleep type: refused, said once");
	CHECK_MSG(!(rd(ACPI_PM_CNT_OFF, 2) & ACPI_PM1_SLP_EN),
		  "SLP_EN reads as 0");

	/* A byte write of the high half is enough (any access width). */
	capture_begin();
	wr(ACPI_PM_CNT_OFF + 1,
	   (ACPI_PM_S5_TYP << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN) >> 8,
	   1);
	capture_end(log, sizeof(log));
	CHECK_MSG(pm.powered_off, "S5: powered off");

	/* With a VM: it stops with status 0. */
	vm.stop_fd = eventfd(0, 0);
	CHECK(vm.stop_fd >= 0);
	vm.exit_status = -1;
	CHECK(acpi_pm_init(&pm, &vm, NULL, 0x600) == 0);
	capture_begin();
	wr(ACPI_PM_CNT_OFF,
	   ACPI_PM_S5_TYP << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN, 2);
	capture_end(log, sizeof(log));
	CHECK_MSG(atomic_load(&vm.stopping) && vm.exit_status == FERRY_EXIT_OK,
		  "the VM stops with status 0");
	close(vm.stop_fd);
	printf("1..%d\n", test_count);
	return test_failed ? 1 : 0;
}
