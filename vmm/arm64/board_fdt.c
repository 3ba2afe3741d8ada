// SPDX-License-Identifier: MIT
/*
 * The arm64 board's device-tree nodes: GICv3 and its ITS, the architected
 * timer, PSCI, the UART, the PL031 and its clock, the debug-exit device
 * and the generic ECAM PCI host (ranges, INTx map, MSIs to the ITS).
 */
#include <libfdt.h>
#include <stdio.h>
#include "../fdt_util.h"
#include "board_arm64.h"
#include "layout.h"

#define GIC_PHANDLE 1
#define ITS_PHANDLE 2
#define CLK_PHANDLE 3
#define VIOMMU_PHANDLE 4

/* GIC interrupt specifiers: <type number flags>. */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_LEVEL_HIGH 4

static int reg_prop(void *fdt, uint64_t gpa, uint64_t size)
{
	uint64_t reg[2] = { cpu_to_fdt64(gpa), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

static int spi_prop(void *fdt, unsigned int spi)
{
	uint32_t irq[3] = { cpu_to_fdt32(GIC_SPI), cpu_to_fdt32(spi),
			    cpu_to_fdt32(IRQ_LEVEL_HIGH) };

	return fdt_property(fdt, "interrupts", irq, sizeof(irq));
}

static int begin(void *fdt, const char *what, uint64_t gpa)
{
	char name[48];

	snprintf(name, sizeof(name), "%s@%llx", what, (unsigned long long)gpa);
	return fdt_begin_node(fdt, name);
}

int board_fdt_root(const struct board_config *cfg, void *fdt)
{
	(void)cfg;
	return fdt_property_u32(fdt, "interrupt-parent", GIC_PHANDLE);
}

uint64_t board_cpu_id(unsigned int index)
{
	return arm64_mpidr(index);
}

int board_fdt_cpu(void *fdt, unsigned int index)
{
	(void)index;
	FDT_CHECK(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
	return fdt_property_string(fdt, "enable-method", "psci");
}

static int gic_node(void *fdt, unsigned int cpus)
{
	uint64_t reg[4] = {
		cpu_to_fdt64(ARM64_GICD_GPA), cpu_to_fdt64(ARM64_GICD_SIZE),
		cpu_to_fdt64(ARM64_GICR_GPA),
		cpu_to_fdt64(cpus * ARM64_GICR_STRIDE),
	};

	FDT_CHECK(begin(fdt, "interrupt-controller", ARM64_GICD_GPA));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	FDT_CHECK(fdt_property_u32(fdt, "#interrupt-cells", 3));
	FDT_CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(fdt_property(fdt, "ranges", NULL, 0));
	FDT_CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
	FDT_CHECK(fdt_property_u32(fdt, "phandle", GIC_PHANDLE));
	/* The ITS: MSIs of PCI devices, DeviceID = requester ID. */
	FDT_CHECK(begin(fdt, "msi-controller", ARM64_GITS_GPA));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
	FDT_CHECK(fdt_property(fdt, "msi-controller", NULL, 0));
	FDT_CHECK(reg_prop(fdt, ARM64_GITS_GPA, ARM64_GITS_SIZE));
	FDT_CHECK(fdt_property_u32(fdt, "phandle", ITS_PHANDLE));
	FDT_CHECK(fdt_end_node(fdt));
	return fdt_end_node(fdt);
}

static int timer_node(void *fdt)
{
	static const unsigned int ppis[4] = {
		ARM64_TIMER_PPI_SEC, ARM64_TIMER_PPI_PHYS,
		ARM64_TIMER_PPI_VIRT, ARM64_TIMER_PPI_HYP,
	};
	uint32_t irq[12];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		irq[3 * i] = cpu_to_fdt32(GIC_PPI);
		irq[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		irq[3 * i + 2] = cpu_to_fdt32(IRQ_LEVEL_HIGH);
	}
	FDT_CHECK(fdt_begin_node(fdt, "timer"));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	FDT_CHECK(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	FDT_CHECK(fdt_property(fdt, "always-on", NULL, 0));
	return fdt_end_node(fdt);
}

static int psci_node(void *fdt)
{
	FDT_CHECK(fdt_begin_node(fdt, "psci"));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "arm,psci-0.2"));
	FDT_CHECK(fdt_property_string(fdt, "method", "hvc"));
	return fdt_end_node(fdt);
}

/* The APB clock the PL031 (an AMBA PrimeCell) needs to probe in Linux. */
static int clock_node(void *fdt)
{
	FDT_CHECK(fdt_begin_node(fdt, "apb-pclk"));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "fixed-clock"));
	FDT_CHECK(fdt_property_u32(fdt, "#clock-cells", 0));
	FDT_CHECK(fdt_property_u32(fdt, "clock-frequency", 24000000));
	FDT_CHECK(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	FDT_CHECK(fdt_property_u32(fdt, "phandle", CLK_PHANDLE));
	return fdt_end_node(fdt);
}

static int uart_node(void *fdt)
{
	FDT_CHECK(begin(fdt, "serial", ARM64_UART_GPA));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "ns16550a"));
	FDT_CHECK(reg_prop(fdt, ARM64_UART_GPA, 8));
	FDT_CHECK(spi_prop(fdt, ARM64_UART_SPI));
	FDT_CHECK(fdt_property_u32(fdt, "clock-frequency", 1843200));
	return fdt_end_node(fdt);
}

static int rtc_node(void *fdt)
{
	static const char compat[] = "arm,pl031\0arm,primecell";

	FDT_CHECK(begin(fdt, "rtc", ARM64_RTC_GPA));
	FDT_CHECK(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	FDT_CHECK(reg_prop(fdt, ARM64_RTC_GPA, ARM64_RTC_SIZE));
	FDT_CHECK(spi_prop(fdt, ARM64_RTC_SPI));
	FDT_CHECK(fdt_property_u32(fdt, "clocks", CLK_PHANDLE));
	FDT_CHECK(fdt_property_string(fdt, "clock-names", "apb_pclk"));
	return fdt_end_node(fdt);
}

static int debug_exit_node(void *fdt)
{
	FDT_CHECK(begin(fdt, "debug-exit", ARM64_DEBUG_EXIT_GPA));
	FDT_CHECK(fdt_property_string(fdt, "compatible", "ferry,debug-exit"));
	FDT_CHECK(reg_prop(fdt, ARM64_DEBUG_EXIT_GPA, ARM64_DEBUG_EXIT_SIZE));
	return fdt_end_node(fdt);
}

/*
 * INTx: every slot's INTA-INTD to the SPI the PCI layer routes it to
 * (intx_pin_base + (slot + pin - 1) % pins). Entry: PCI unit address
 * (3 cells) and pin, the GIC, its unit address (2 cells), an SPI.
 */
#define MAP_CELLS 10
static int intx_map(void *fdt, const struct pci_windows *w)
{
	static uint32_t map[PCI_SLOTS * 4 * MAP_CELLS];
	uint32_t mask[4] = { cpu_to_fdt32(0xf800), 0, 0, cpu_to_fdt32(7) };
	unsigned int slot, pin, n = 0;

	for (slot = 0; slot < PCI_SLOTS; slot++)
		for (pin = 1; pin <= 4; pin++) {
			uint32_t *e = &map[n++ * MAP_CELLS];

			memset(e, 0, MAP_CELLS * sizeof(*e));
			e[0] = cpu_to_fdt32(slot << 11);
			e[3] = cpu_to_fdt32(pin);
			e[4] = cpu_to_fdt32(GIC_PHANDLE);
			e[7] = cpu_to_fdt32(GIC_SPI);
			e[8] = cpu_to_fdt32(w->intx_pin_base +
					    (slot + pin - 1) % w->intx_pins);
			e[9] = cpu_to_fdt32(IRQ_LEVEL_HIGH);
		}
	FDT_CHECK(fdt_property(fdt, "interrupt-map-mask", mask, sizeof(mask)));
	return fdt_property(fdt, "interrupt-map", map,
			    n * MAP_CELLS * sizeof(*map));
}

/*
 * ranges: I/O ports at the MMIO window, 32-bit memory, 64-bit
 * prefetchable. MSIs go to the ITS with DeviceID = requester ID (no
 * msi-map: msi-parent's identity mapping says the same); with --viommu
 * the iommu-map sends the endpoints' DMA to the virtio-iommu.
 */
static int pci_node(void *fdt, const struct pci_windows *w,
		    const struct board_viommu *viommu)
{
	uint32_t bus_range[2] = { 0, 0 };
	uint32_t ranges[3 * 7];
	const struct {
		uint32_t space;
		uint64_t pci, cpu, size;
	} r[3] = {
		{ 0x01000000, 0, ARM64_PCI_IO_GPA, ARM64_PCI_IO_SIZE },
		{ 0x02000000, w->mem32, w->mem32, w->mem32_size },
		{ 0x43000000, w->mem64, w->mem64, w->mem64_size },
	};
	int i;

	for (i = 0; i < 3; i++) {
		uint32_t *c = &ranges[i * 7];

		c[0] = cpu_to_fdt32(r[i].space);
		c[1] = cpu_to_fdt32((uint32_t)(r[i].pci >> 32));
		c[2] = cpu_to_fdt32((uint32_t)r[i].pci);
		c[3] = cpu_to_fdt32((uint32_t)(r[i].cpu >> 32));
		c[4] = cpu_to_fdt32((uint32_t)r[i].cpu);
		c[5] = cpu_to_fdt32((uint32_t)(r[i].size >> 32));
		c[6] = cpu_to_fdt32((uint32_t)r[i].size);
	}
	FDT_CHECK(begin(fdt, "pci", w->ecam));
	FDT_CHECK(fdt_property_string(fdt, "compatible",
				      "pci-host-ecam-generic"));
	FDT_CHECK(fdt_property_string(fdt, "device_type", "pci"));
	FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 3));
	FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(fdt_property_u32(fdt, "#interrupt-cells", 1));
	FDT_CHECK(fdt_property(fdt, "bus-range", bus_range, sizeof(bus_range)));
	FDT_CHECK(fdt_property_u32(fdt, "linux,pci-domain", 0));
	FDT_CHECK(reg_prop(fdt, w->ecam, w->ecam_size));
	FDT_CHECK(fdt_property(fdt, "ranges", ranges, sizeof(ranges)));
	FDT_CHECK(fdt_property(fdt, "dma-coherent", NULL, 0));
	FDT_CHECK(fdt_property_u32(fdt, "msi-parent", ITS_PHANDLE));
	FDT_CHECK(intx_map(fdt, w));
	if (viommu)
		FDT_CHECK(fdt_viommu_nodes(fdt, viommu, VIOMMU_PHANDLE));
	return fdt_end_node(fdt);
}

int board_fdt_devices(const struct board_config *cfg,
		      const struct guest_mem *mem, void *fdt)
{
	struct pci_windows win = arm64_pci_windows();
	char path[48];

	(void)mem;
	FDT_CHECK(psci_node(fdt));
	FDT_CHECK(gic_node(fdt, cfg->cpus));
	FDT_CHECK(timer_node(fdt));
	FDT_CHECK(clock_node(fdt));
	FDT_CHECK(uart_node(fdt));
	FDT_CHECK(rtc_node(fdt));
	FDT_CHECK(debug_exit_node(fdt));
	FDT_CHECK(pci_node(fdt, &win, cfg->viommu));
	snprintf(path, sizeof(path), "/serial@%llx",
		 (unsigned long long)ARM64_UART_GPA);
	FDT_CHECK(fdt_begin_node(fdt, "aliases"));
	FDT_CHECK(fdt_property_string(fdt, "serial0", path));
	return fdt_end_node(fdt);
}
