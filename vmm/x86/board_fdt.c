// SPDX-License-Identifier: MIT
/* The x86 board's device-tree nodes: IOAPIC, PCI host, ISA devices. */
#include <libfdt.h>
#include <stdio.h>
#include "../fdt_util.h"
#include "board_x86.h"
#include "layout.h"

#define IOAPIC_PHANDLE 1
#define VIOMMU_PHANDLE 2

/* An ISA I/O-port device: reg = <1 port length>, as the ISA binding says. */
static int isa_node(void *fdt, const char *name, const char *compat,
		    uint32_t port, uint32_t len, int irq)
{
	uint32_t reg[3] = { cpu_to_fdt32(1), cpu_to_fdt32(port),
			    cpu_to_fdt32(len) };

	FDT_CHECK(fdt_begin_node(fdt, name));
	FDT_CHECK(fdt_property_string(fdt, "compatible", compat));
	FDT_CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
	if (irq >= 0) {
		/* IOAPIC pin and trigger (0: edge, as ISA interrupts are). */
		uint32_t cells[2] = { cpu_to_fdt32((uint32_t)irq), 0 };

		FDT_CHECK(fdt_property(fdt, "interrupts", cells, sizeof(cells)));
		FDT_CHECK(fdt_property_u32(fdt, "interrupt-parent",
					   IOAPIC_PHANDLE));
	}
	if (strcmp(compat, "ns16550a") == 0)
		FDT_CHECK(fdt_property_u32(fdt, "clock-frequency", 1843200));
	return fdt_end_node(fdt);
}

static int isa_nodes(void *fdt)
{
	FDT_CHECK(fdt_begin_node(fdt, "isa"));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "isa"));
	FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 1));
	FDT_CHECK(isa_node(fdt, "serial@i3f8", "ns16550a", X86_COM1_PORT, 8,
			   X86_COM1_IRQ));
	FDT_CHECK(isa_node(fdt, "debug-exit@if4", "ferry,debug-exit",
			   X86_DEBUG_EXIT_PORT, 4, -1));
	FDT_CHECK(isa_node(fdt, "keyboard-controller@i60", "intel,8042",
			   X86_I8042_PORT, 5, -1));
	FDT_CHECK(isa_node(fdt, "rtc@i70", "motorola,mc146818", X86_RTC_PORT,
			   2, -1));
	return fdt_end_node(fdt);
}

/*
 * Generic ECAM host for tiny guests (Linux on x86 uses ports 0xcf8/0xcfc).
 * ranges: I/O, 32-bit memory, 64-bit prefetchable memory.
 */
static int pci_node(void *fdt, const struct pci_windows *w,
		    const struct board_viommu *viommu)
{
	uint64_t reg[2] = { cpu_to_fdt64(w->ecam), cpu_to_fdt64(w->ecam_size) };
	uint32_t bus_range[2] = { 0, 0 };
	uint32_t ranges[3 * 7];
	const struct { uint32_t space; uint64_t base, size; } r[3] = {
		{ 0x01000000, w->io, w->io_size },
		{ 0x02000000, w->mem32, w->mem32_size },
		{ 0x43000000, w->mem64, w->mem64_size },
	};
	char name[32];
	int i;

	for (i = 0; i < 3; i++) {
		uint32_t *c = &ranges[i * 7];

		c[0] = cpu_to_fdt32(r[i].space);
		c[1] = c[3] = cpu_to_fdt32((uint32_t)(r[i].base >> 32));
		c[2] = c[4] = cpu_to_fdt32((uint32_t)r[i].base);
		c[5] = cpu_to_fdt32((uint32_t)(r[i].size >> 32));
		c[6] = cpu_to_fdt32((uint32_t)r[i].size);
	}
	snprintf(name, sizeof(name), "pci@%llx", (unsigned long long)w->ecam);
	FDT_CHECK(fdt_begin_node(fdt, name));
	FDT_CHECK(fdt_property_string(fdt, "compatible",
				      "pci-host-ecam-generic"));
	FDT_CHECK(fdt_property_string(fdt, "device_type", "pci"));
	FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 3));
	FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(fdt_property(fdt, "bus-range", bus_range, sizeof(bus_range)));
	FDT_CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
	FDT_CHECK(fdt_property(fdt, "ranges", ranges, sizeof(ranges)));
	if (viommu)
		FDT_CHECK(fdt_viommu_nodes(fdt, viommu, VIOMMU_PHANDLE));
	return fdt_end_node(fdt);
}

/* The IOAPIC, in the binding Linux uses for x86 device trees. */
static int ioapic_node(void *fdt)
{
	uint64_t reg[2] = { cpu_to_fdt64(X86_IOAPIC_GPA), cpu_to_fdt64(0x1000) };

	FDT_CHECK(fdt_begin_node(fdt, "interrupt-controller@fec00000"));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
	FDT_CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT_CHECK(fdt_property_u32(fdt, "#interrupt-cells", 2));
	FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 0));
	FDT_CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
	FDT_CHECK(fdt_property_u32(fdt, "phandle", IOAPIC_PHANDLE));
	return fdt_end_node(fdt);
}

int board_fdt_root(const struct board_config *cfg, void *fdt)
{
	(void)cfg;
	(void)fdt;
	return 0; /* nothing above the nodes on x86 */
}

uint64_t board_cpu_id(unsigned int index)
{
	return index; /* the APIC ID */
}

int board_fdt_cpu(void *fdt, unsigned int index)
{
	(void)fdt;
	(void)index;
	return 0;
}

int board_fdt_devices(const struct board_config *cfg,
		      const struct guest_mem *mem, void *fdt)
{
	struct pci_windows win = x86_pci_windows(mem);

	FDT_CHECK(ioapic_node(fdt));
	FDT_CHECK(pci_node(fdt, &win, cfg->viommu));
	FDT_CHECK(fdt_begin_node(fdt, "aliases"));
	FDT_CHECK(fdt_property_string(fdt, "serial0", "/isa/serial@i3f8"));
	FDT_CHECK(fdt_end_node(fdt));
	return isa_nodes(fdt);
}
