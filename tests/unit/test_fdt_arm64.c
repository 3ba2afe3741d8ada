// SPDX-License-Identifier: MIT
/* The arm64 guest device tree: every node Linux and the tiny guests use. */
#include <errno.h>
#include <libfdt.h>
#include "arch.h"
#include "arm64/layout.h"
#include "run/machine.h"
#include "test.h"

static uint8_t buf[64 * 1024];

static const void *prop(const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(buf, path);

	return node < 0 ? NULL : fdt_getprop(buf, node, name, len);
}

static uint32_t cell(const char *path, const char *name, int i)
{
	int len;
	const fdt32_t *p = prop(path, name, &len);

	return p && len >= 4 * (i + 1) ? fdt32_ld(&p[i]) : 0xdeadbeef;
}

static int str_is(const char *path, const char *name, const char *want)
{
	const char *s = prop(path, name, NULL);

	return s && strcmp(s, want) == 0;
}

static int no_emit(void *ctx, const char *name, const void *data, size_t len)
{
	(void)ctx, (void)name, (void)data, (void)len;
	return 0;
}

/*
 * --viommu as machine_plan_slots() describes it, on arm64: the host
 * bridge's iommu-map and the virtio-iommu's node from the one struct
 * board_viommu (no ACPI: the device tree is all an arm64 guest gets),
 * with the requester IDs of the slots the devices get; MSIs stay with
 * the ITS, whose doorbell is the vIOMMU's MSI window.
 */
static void check_viommu(struct machine *m, struct run_opts *opts)
{
	const char *pci = "/pci@30000000", *iommu = "/pci@30000000/iommu@1";
	const fdt32_t *r;
	int len;

	opts->viommu = 1;
	opts->nr_devices = 2;
	machine_plan_slots(m);
	CHECK_MSG(m->viommu_slot == 1 && m->slots[0] == 2 && m->slots[1] == 3 &&
			  m->board_cfg.viommu == &m->viommu_desc &&
			  m->viommu_desc.rid == 0x08,
		  "--viommu and two devices: 00:01.0, then 00:02.0, 00:03.0");
	CHECK(machine_build_fdt(m, buf, sizeof(buf)) > 0);
	r = prop(pci, "iommu-map", &len);
	CHECK_MSG(r && len == 32 && cell(pci, "iommu-map", 0) == 0x10 &&
			  cell(pci, "iommu-map", 1) == cell(iommu, "phandle", 0) &&
			  cell(pci, "iommu-map", 2) == 0x10 &&
			  cell(pci, "iommu-map", 3) == 1 &&
			  cell(pci, "iommu-map", 4) == 0x18 &&
			  cell(pci, "iommu-map", 5) == cell(iommu, "phandle", 0) &&
			  cell(pci, "iommu-map", 6) == 0x18 &&
			  cell(pci, "iommu-map", 7) == 1,
		  "iommu-map: each device's requester ID to the vIOMMU, "
		  "endpoint ID = requester ID");
	CHECK(str_is(iommu, "compatible", "virtio,pci-iommu") &&
	      cell(iommu, "#iommu-cells", 0) == 1 &&
	      cell(iommu, "reg", 0) == 0x800);
	CHECK_MSG(cell(pci, "msi-parent", 0) ==
			  cell("/interrupt-controller@2c000000/msi-controller@2c020000",
			       "phandle", 0) &&
			  !prop(pci, "msi-map", NULL),
		  "MSIs still go to the ITS, DeviceID = requester ID");
	CHECK_MSG(cell(iommu, "phandle", 0) != cell("/", "interrupt-parent", 0) &&
			  cell(iommu, "phandle", 0) != cell(pci, "msi-parent", 0) &&
			  cell(iommu, "phandle", 0) !=
				  cell("/apb-pclk", "phandle", 0),
		  "the vIOMMU's phandle is its own");
	CHECK_MSG(board_msi_base == 0x2c030000 && board_msi_size == 0x10000,
		  "the MSI window the vIOMMU reports: GITS_TRANSLATER's frame");
	CHECK_MSG(board_acpi_tables(&m->board_cfg, &m->vm.mem, no_emit, NULL) ==
			  -EOPNOTSUPP,
		  "no ACPI on arm64: no VIOT, the device tree says it all");

	opts->nr_devices = 0;
	machine_plan_slots(m);
	CHECK(machine_build_fdt(m, buf, sizeof(buf)) > 0);
	CHECK_MSG(str_is(iommu, "compatible", "virtio,pci-iommu") &&
			  !prop(pci, "iommu-map", NULL),
		  "--viommu alone: the vIOMMU node, no iommu-map");

	opts->viommu = 0;
	opts->nr_devices = 2;
	machine_plan_slots(m);
	CHECK(machine_build_fdt(m, buf, sizeof(buf)) > 0);
	CHECK_MSG(!m->board_cfg.viommu && m->slots[0] == 1 &&
			  !prop(pci, "iommu-map", NULL) &&
			  fdt_node_offset_by_compatible(buf, -1,
							"virtio,pci-iommu") < 0,
		  "no --viommu: devices from 00:01.0, no vIOMMU in the tree");
	opts->nr_devices = 0;
}

int main(void)
{
	struct run_opts opts = { .memory = 512 * MiB, .cpus = 18 };
	struct machine m = { .opts = &opts, .img.cmdline = "console=ttyS0" };
	const fdt64_t *reg;
	int len, node, n = 0, ok = 1;
	uint32_t slot, pin, gic;

	m.board_cfg.cpus = opts.cpus;
	mem_init(&m.vm.mem, opts.memory);
	CHECK(board_layout_ram(&m.vm.mem) == 0);
	m.img.initrd_gpa = 0x90000000;
	m.img.initrd_size = 0x1234;
	CHECK(machine_build_fdt(&m, buf, sizeof(buf)) > 0);
	CHECK(fdt_check_header(buf) == 0);

	reg = prop("/memory@80000000", "reg", &len);
	CHECK_MSG(reg && len == 16 && fdt64_ld(&reg[0]) == 0x80000000 &&
			  fdt64_ld(&reg[1]) == 512 * MiB,
		  "RAM at 2 GiB");
	gic = cell("/interrupt-controller@2c000000", "phandle", 0);
	CHECK_MSG(cell("/", "interrupt-parent", 0) == gic,
		  "the root's interrupt-parent is the GIC");
	CHECK(str_is("/interrupt-controller@2c000000", "compatible",
		     "arm,gic-v3"));
	reg = prop("/interrupt-controller@2c000000", "reg", &len);
	CHECK_MSG(reg && len == 32 && fdt64_ld(&reg[2]) == 0x2c100000 &&
			  fdt64_ld(&reg[3]) == 18 * 0x20000,
		  "one 128 KiB redistributor per vCPU");
	CHECK(cell("/interrupt-controller@2c000000", "#interrupt-cells", 0) == 3);
	CHECK(str_is("/interrupt-controller@2c000000/msi-controller@2c020000",
		     "compatible", "arm,gic-v3-its"));
	CHECK(prop("/interrupt-controller@2c000000/msi-controller@2c020000",
		   "msi-controller", &len) && len == 0);

	node = fdt_path_offset(buf, "/cpus");
	fdt_for_each_subnode(node, buf, node) {
		const char *m2 = fdt_getprop(buf, node, "enable-method", NULL);
		const fdt32_t *r = fdt_getprop(buf, node, "reg", NULL);

		ok &= m2 && strcmp(m2, "psci") == 0 && r;
		n++;
	}
	CHECK_MSG(n == 18 && ok, "18 cpus, each with enable-method psci");
	CHECK_MSG(cell("/cpus/cpu@f", "reg", 0) == 0xf &&
			  cell("/cpus/cpu@100", "reg", 0) == 0x100 &&
			  cell("/cpus/cpu@101", "reg", 0) == 0x101,
		  "MPIDR: vCPU 16 is Aff1 1, Aff0 0 (as KVM resets it)");
	CHECK(str_is("/psci", "compatible", "arm,psci-0.2") &&
	      str_is("/psci", "method", "hvc"));
	CHECK_MSG(cell("/timer", "interrupts", 1) == 13 &&
			  cell("/timer", "interrupts", 4) == 14 &&
			  cell("/timer", "interrupts", 7) == 11 &&
			  cell("/timer", "interrupts", 10) == 10,
		  "timer PPIs 13, 14, 11, 10");
	CHECK(str_is("/serial@1000000", "compatible", "ns16550a"));
	CHECK_MSG(cell("/serial@1000000", "interrupts", 1) == 1,
		  "UART on SPI 1");
	CHECK(str_is("/aliases", "serial0", "/serial@1000000"));
	CHECK(str_is("/chosen", "stdout-path", "serial0"));
	CHECK(str_is("/chosen", "bootargs", "console=ttyS0"));
	CHECK_MSG(cell("/chosen", "linux,initrd-start", 1) == 0x90000000 &&
			  cell("/chosen", "linux,initrd-end", 1) == 0x90001234,
		  "initrd start and end");
	CHECK(str_is("/rtc@1010000", "compatible", "arm,pl031"));
	CHECK_MSG(cell("/rtc@1010000", "clocks", 0) ==
			  cell("/apb-pclk", "phandle", 0),
		  "the PL031's apb_pclk is the fixed clock");
	CHECK(str_is("/debug-exit@1020000", "compatible", "ferry,debug-exit"));

	CHECK(str_is("/pci@30000000", "compatible", "pci-host-ecam-generic"));
	CHECK_MSG(cell("/pci@30000000", "msi-parent", 0) ==
			  cell("/interrupt-controller@2c000000/msi-controller@2c020000",
			       "phandle", 0),
		  "PCI MSIs go to the ITS");
	CHECK_MSG(cell("/pci@30000000", "ranges", 0) == 0x01000000 &&
			  cell("/pci@30000000", "ranges", 4) == 0x3eff0000 &&
			  cell("/pci@30000000", "ranges", 7) == 0x02000000 &&
			  cell("/pci@30000000", "ranges", 9) == 0x40000000 &&
			  cell("/pci@30000000", "ranges", 14) == 0x43000000 &&
			  cell("/pci@30000000", "ranges", 15) == 0x40,
		  "ranges: I/O at 0x3eff0000, 32-bit at 1 GiB, 64-bit at 256 GiB");
	prop("/pci@30000000", "interrupt-map", &len);
	CHECK_MSG(len == 32 * 4 * 10 * 4, "interrupt-map: 32 slots x 4 pins");
	for (ok = 1, slot = 0; slot < 32; slot++)
		for (pin = 1; pin <= 4; pin++) {
			int e = (int)((slot * 4 + pin - 1) * 10);

			ok &= cell("/pci@30000000", "interrupt-map", e) == slot << 11 &&
			      cell("/pci@30000000", "interrupt-map", e + 3) == pin &&
			      cell("/pci@30000000", "interrupt-map", e + 4) == gic &&
			      cell("/pci@30000000", "interrupt-map", e + 8) ==
				      4 + (slot + pin - 1) % 4 &&
			      cell("/pci@30000000", "interrupt-map", e + 9) == 4;
		}
	CHECK_MSG(ok, "INTx of slot S pin P on SPI 4 + (S + P - 1) % 4, level");
	CHECK_MSG(fdt_node_offset_by_compatible(buf, -1, "virtio,pci-iommu") < 0 &&
			  !prop("/pci@30000000", "iommu-map", NULL),
		  "without --viommu: no vIOMMU, no iommu-map");
	check_viommu(&m, &opts);
	/* KVM_IRQ_LINE wants an SPI with its type: the UART's line 1 is
	 * INTID 33; PCI INTx (line 5) INTID 37, as the interrupt-map says. */
	CHECK_MSG(arch_irq_line(ARM64_UART_SPI) == (1u << 24 | 33) &&
			  arch_irq_line(5) == (1u << 24 | 37),
		  "vm_irq_line: SPI n is KVM_IRQ_LINE 0x1000000 | (32 + n)");
	return test_done();
}
