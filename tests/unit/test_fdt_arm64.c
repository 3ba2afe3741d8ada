// SPDX-License-Identifier: MIT
/* The arm64 guest device tree: every node Linux and the tiny guests use. */
#include <libfdt.h>
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
	return test_done();
}
