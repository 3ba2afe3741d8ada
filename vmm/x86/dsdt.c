// SPDX-License-Identifier: MIT
/* The x86 machine's DSDT, as AML generated here (docs/acpi.md says why). */
#include <errno.h>
#include <stdio.h>
#include "../../devices/acpi_pm.h"
#include "../../devices/i8042.h"
#include "../acpi.h"
#include "../aml.h"
#include "acpi.h"
#include "layout.h"

#define PCI_SLOT_COUNT 32
#define INTX_PINS 4
#define CF8_PORT 0xcf8

/* Name(@name, ResourceTemplate(){...}) from a template built in @t. */
static void name_template(struct aml *a, const char *name, struct aml *t)
{
	aml_res_end(t);
	if (t->err) {
		a->err = a->err ? a->err : t->err;
		return;
	}
	aml_name_decl(a, name);
	aml_buffer(a, t->buf, t->len);
}

/*
 * The root bridge's resources: bus 0, the config ports, the legacy I/O
 * range below them (the ISA devices), and the windows BARs are given
 * from (devices/pci.c): I/O, 32-bit and, above RAM, 64-bit prefetchable.
 */
static void root_crs(struct aml *a, const struct pci_windows *w)
{
	uint8_t buf[256];
	struct aml t;

	aml_init(&t, buf, sizeof(buf));
	aml_res_bus_range(&t, 0, (uint16_t)((w->ecam_size >> 20) - 1));
	aml_res_io(&t, CF8_PORT, 8);
	aml_res_io_window(&t, 0, CF8_PORT - 1);
	aml_res_io_window(&t, (uint16_t)w->io,
			  (uint16_t)(w->io + w->io_size - 1));
	aml_res_mem32_window(&t, (uint32_t)w->mem32,
			     (uint32_t)(w->mem32 + w->mem32_size - 1));
	aml_res_mem64_window(&t, w->mem64, w->mem64 + w->mem64_size - 1);
	name_template(a, "_CRS", &t);
}

/*
 * One PCI interrupt link (PNP0C0F) per IOAPIC pin INTx uses: its only
 * interrupt is that pin, level-triggered and active-high as the MP table
 * says (Linux takes a bare GSI in _PRT as active-low). _SRS accepts the
 * one setting there is.
 */
static void intx_link(struct aml *a, unsigned int i, uint32_t gsi)
{
	uint8_t buf[32];
	struct aml t;
	char name[8];
	size_t dev, m;

	snprintf(name, sizeof(name), "GSI%u", i);
	dev = aml_device_open(a, name);
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0C0F");
	aml_name_decl(a, "_UID");
	aml_int(a, i);
	aml_name_decl(a, "_STA");
	aml_int(a, 0x0b); /* present, enabled, functioning */
	aml_init(&t, buf, sizeof(buf));
	aml_res_irq_level_high(&t, gsi);
	name_template(a, "_PRS", &t);
	aml_init(&t, buf, sizeof(buf));
	aml_res_irq_level_high(&t, gsi);
	name_template(a, "_CRS", &t);
	m = aml_method_open(a, "_SRS", 1);
	aml_close(a, m);
	aml_close(a, dev);
}

/*
 * _PRT: every slot's INTA-INTD, routed as devices/pci.c routes them:
 * pin p (0 = INTA) of slot s on IOAPIC pin base + (s + p) % pins, here
 * through link GSI<(s + p) % pins>.
 */
static void root_prt(struct aml *a, const struct pci_windows *w)
{
	unsigned int slot, pin;
	char link[8];
	size_t prt, e;

	aml_name_decl(a, "_PRT");
	prt = aml_package_open(a, PCI_SLOT_COUNT * INTX_PINS);
	for (slot = 0; slot < PCI_SLOT_COUNT; slot++) {
		for (pin = 0; pin < INTX_PINS; pin++) {
			snprintf(link, sizeof(link), "GSI%u",
				 (slot + pin) % w->intx_pins);
			e = aml_package_open(a, 4);
			aml_int(a, (uint64_t)slot << 16 | 0xffff);
			aml_int(a, pin);
			aml_name(a, link);
			aml_int(a, 0);
			aml_close(a, e);
		}
	}
	aml_close(a, prt);
}

static void pci_root(struct aml *a, const struct pci_windows *w)
{
	unsigned int i;
	size_t dev;

	dev = aml_device_open(a, "PCI0");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0A08"); /* PCI Express root (it has ECAM) */
	aml_name_decl(a, "_CID");
	aml_eisaid(a, "PNP0A03");
	aml_name_decl(a, "_SEG");
	aml_int(a, 0);
	aml_name_decl(a, "_BBN");
	aml_int(a, 0);
	aml_name_decl(a, "_UID");
	aml_int(a, 0);
	root_crs(a, w);
	for (i = 0; i < w->intx_pins; i++)
		intx_link(a, i, (uint32_t)w->intx_pin_base + i);
	root_prt(a, w);
	aml_close(a, dev);
}

/* An ISA device: _HID, _UID and its ports and IRQ (irq < 0: none). */
static void isa_device(struct aml *a, const char *name, const char *hid,
		       uint16_t port, uint8_t len, uint16_t port2, int irq)
{
	uint8_t buf[32];
	struct aml t;
	size_t dev;

	dev = aml_device_open(a, name);
	aml_name_decl(a, "_HID");
	aml_eisaid(a, hid);
	aml_name_decl(a, "_UID");
	aml_int(a, 1);
	aml_init(&t, buf, sizeof(buf));
	aml_res_io(&t, port, len);
	if (port2)
		aml_res_io(&t, port2, len);
	if (irq >= 0)
		aml_res_irq(&t, (unsigned int)irq);
	name_template(a, "_CRS", &t);
	aml_close(a, dev);
}

/* What the OS must leave alone: the PM block, debug-exit port, ECAM. */
static void motherboard(struct aml *a, const struct pci_windows *w)
{
	uint8_t buf[64];
	struct aml t;
	size_t dev;

	dev = aml_device_open(a, "RES0");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0C02");
	aml_name_decl(a, "_UID");
	aml_int(a, 0);
	aml_init(&t, buf, sizeof(buf));
	aml_res_io(&t, X86_ACPI_PM_PORT, ACPI_PM_LEN);
	aml_res_io(&t, X86_DEBUG_EXIT_PORT, 4);
	aml_res_mem32_fixed(&t, (uint32_t)w->ecam, (uint32_t)w->ecam_size);
	name_template(a, "_CRS", &t);
	aml_close(a, dev);
}

int x86_dsdt_build(const struct pci_windows *win, void *dst, size_t max)
{
	struct aml a;
	size_t sb, s5;
	int len;

	if (max < sizeof(struct acpi_header))
		return -E2BIG;
	aml_init(&a, (uint8_t *)dst + sizeof(struct acpi_header),
		 max - sizeof(struct acpi_header));
	sb = aml_scope_open(&a, "\\_SB");
	pci_root(&a, win);
	isa_device(&a, "COM1", "PNP0501", X86_COM1_PORT, 8, 0, X86_COM1_IRQ);
	/* ferry's RTC raises no interrupt: no alarm, no update IRQ. */
	isa_device(&a, "RTC", "PNP0B00", X86_RTC_PORT, 2, 0, -1);
	isa_device(&a, "KBD", "PNP0303", X86_I8042_PORT, 1,
		   X86_I8042_PORT + 4, I8042_KBD_IRQ);
	motherboard(&a, win);
	aml_close(&a, sb);
	/* S5 (soft off): SLP_TYP for PM1a and PM1b, and two reserved. */
	aml_name_decl(&a, "\\_S5");
	s5 = aml_package_open(&a, 4);
	aml_int(&a, ACPI_PM_S5_TYP);
	aml_int(&a, ACPI_PM_S5_TYP);
	aml_int(&a, 0);
	aml_int(&a, 0);
	aml_close(&a, s5);
	len = aml_finish(&a);
	if (len < 0)
		return len;
	/* Revision 2: integers are 64 bits (the 64-bit window). */
	acpi_table_init(dst, "DSDT", (uint32_t)(sizeof(struct acpi_header) + (size_t)len), 2);
	acpi_table_finish(dst);
	return (int)sizeof(struct acpi_header) + len;
}
