// SPDX-License-Identifier: MIT
/* ACPI PM1 event and control registers: the guest powers off through S5. */
#include "../vmm/exitcode.h"
#include "../vmm/vm.h"
#include "acpi_pm.h"

#define STS 0 /* PM1_STS: write 1 to clear */
#define EN 2
#define CNT ACPI_PM_CNT_OFF
/* SLP_EN and GBL_RLS are write-only; they read as 0. */
#define CNT_WRITE_ONLY (ACPI_PM1_SLP_EN | 0x0004)

static uint16_t reg16(const struct acpi_pm *pm, unsigned int off)
{
	return (uint16_t)(pm->regs[off] | pm->regs[off + 1] << 8);
}

static void pm_read(struct bus_dev *dev, uint64_t off, void *data,
		    uint32_t len)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, bdev);
	uint8_t *out = data;
	uint32_t i;

	pthread_mutex_lock(&pm->lock);
	for (i = 0; i < len; i++)
		out[i] = off + i < ACPI_PM_LEN ? pm->regs[off + i] : 0xff;
	pthread_mutex_unlock(&pm->lock);
}

/* Called with pm->lock held: SLP_EN was written with SLP_TYP @typ. */
static void sleep_request(struct acpi_pm *pm, unsigned int typ)
{
	if (typ != ACPI_PM_S5_TYP) {
		warn_ratelimited("guest asked for sleep type %u; only S5 "
				 "(type %u, power off) is offered", typ,
				 ACPI_PM_S5_TYP);
		return;
	}
	info("guest powered off (ACPI S5)");
	pm->powered_off = 1;
	if (pm->vm)
		vm_request_stop(pm->vm, FERRY_EXIT_OK);
}

/* Byte by byte, so any access width (1, 2, 4) means the same. */
static void pm_write(struct bus_dev *dev, uint64_t off, const void *data,
		     uint32_t len)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, bdev);
	const uint8_t *in = data;
	uint16_t cnt;
	uint32_t i;

	pthread_mutex_lock(&pm->lock);
	for (i = 0; i < len && off + i < ACPI_PM_LEN; i++) {
		uint64_t r = off + i;

		if (r < EN)
			pm->regs[r] &= (uint8_t)~in[i];
		else
			pm->regs[r] = in[i];
	}
	/* What the write-only bits asked for is acted on, not kept; SCI_EN
	 * stays set whatever is written. */
	cnt = reg16(pm, CNT);
	pm->regs[CNT] = (uint8_t)((cnt & ~CNT_WRITE_ONLY) | ACPI_PM1_SCI_EN);
	pm->regs[CNT + 1] = (uint8_t)((cnt & ~CNT_WRITE_ONLY) >> 8);
	if (cnt & ACPI_PM1_SLP_EN)
		sleep_request(pm, (cnt >> ACPI_PM1_SLP_TYP_SHIFT) & 7);
	pthread_mutex_unlock(&pm->lock);
}

const struct bus_ops acpi_pm_ops = { .read = pm_read, .write = pm_write };

int acpi_pm_init(struct acpi_pm *pm, struct vm *vm, struct bus *bus,
		 uint64_t base)
{
	int ret;

	pm->bdev = (struct bus_dev){ &acpi_pm_ops, "acpi-pm" };
	pm->vm = vm;
	pm->powered_off = 0;
	memset(pm->regs, 0, sizeof(pm->regs));
	pm->regs[CNT] = ACPI_PM1_SCI_EN;
	ret = -pthread_mutex_init(&pm->lock, NULL);
	if (ret || !bus)
		return ret;
	ret = bus_add(bus, base, ACPI_PM_LEN, &pm->bdev);
	if (ret)
		pthread_mutex_destroy(&pm->lock);
	return ret;
}
