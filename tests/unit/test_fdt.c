// SPDX-License-Identifier: MIT
/* The guest device tree: every node the tiny guests and Linux rely on. */
#include <libfdt.h>
#include "run/machine.h"
#include "test.h"

static uint8_t buf[64 * 1024];

static const void *prop(const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(buf, path);

	return node < 0 ? NULL : fdt_getprop(buf, node, name, len);
}

/* board_acpi_tables()'s emit: a copy of the VIOT, if there is one. */
static uint8_t viot[256];
static size_t viot_len;

static int grab_viot(void *ctx, const char *name, const void *data,
		     size_t len)
{
	(void)ctx;
	if (strcmp(name, "viot") == 0 && len <= sizeof(viot)) {
		memcpy(viot, data, len);
		viot_len = len;
	}
	return 0;
}

static unsigned int le16(const uint8_t *p)
{
	return p[0] | (unsigned int)p[1] << 8;
}

/*
 * --viommu as machine_plan_slots() describes it: the device tree's
 * iommu-map and ACPI's VIOT from the one struct board_viommu, with the
 * requester IDs of the slots the devices get.
 */
static void check_viommu_plan(struct machine *m, struct run_opts *opts)
{
	const fdt32_t *r, *ph;
	const uint8_t *node;
	int len, ok = 1;
	unsigned int i;

	m->board_cfg.cpus = 2;
	opts->viommu = 1;
	opts->nr_devices = 2;
	machine_plan_slots(m);
	CHECK_MSG(m->viommu_slot == 1 && m->slots[0] == 2 && m->slots[1] == 3 &&
			  m->board_cfg.viommu == &m->viommu_desc &&
			  m->viommu_desc.rid == 0x08 &&
			  m->viommu_desc.nr_ranges == 2,
		  "--viommu and two devices: 00:01.0, then 00:02.0, 00:03.0");
	CHECK(machine_build_fdt(m, buf, sizeof(buf)) > 0);
	r = prop("/pci@e0000000", "iommu-map", &len);
	ph = prop("/pci@e0000000/iommu@1", "phandle", NULL);
	CHECK_MSG(r && ph && len == 32 && fdt32_to_cpu(r[0]) == 0x10 &&
			  r[1] == *ph && fdt32_to_cpu(r[3]) == 1 &&
			  fdt32_to_cpu(r[4]) == 0x18 && r[5] == *ph &&
			  fdt32_to_cpu(r[7]) == 1,
		  "the device tree's iommu-map names the planned slots");
	viot_len = 0;
	CHECK(board_acpi_tables(&m->board_cfg, &m->vm.mem, grab_viot, NULL) ==
	      0);
	node = viot + 48;
	CHECK_MSG(viot_len == 48 + 16 + 2 * 24 && memcmp(viot, "VIOT", 4) == 0 &&
			  le16(viot + 36) == 3 && node[0] == 3 &&
			  le16(node + 6) == 0x08,
		  "a Linux guest gets a VIOT: the virtio-pci IOMMU at 00:01.0");
	for (i = 0; i < 2; i++) {
		const uint8_t *pr = viot + 64 + 24 * i;
		unsigned int rid = (2 + i) << 3;

		ok &= pr[0] == 1 && le16(pr + 4) == rid &&
		      le16(pr + 12) == rid && le16(pr + 14) == rid &&
		      le16(pr + 16) == 48;
	}
	CHECK_MSG(ok, "VIOT: one PCI range per device, its own requester ID");

	/* Nothing behind it: the node for the test guests, no VIOT. */
	opts->nr_devices = 0;
	machine_plan_slots(m);
	CHECK(m->board_cfg.viommu && m->viommu_desc.nr_ranges == 0);
	CHECK(machine_build_fdt(m, buf, sizeof(buf)) > 0);
	CHECK_MSG(prop("/pci@e0000000/iommu@1", "compatible", NULL) &&
			  !prop("/pci@e0000000", "iommu-map", NULL),
		  "--viommu alone: the vIOMMU node, no iommu-map");
	viot_len = 0;
	CHECK_MSG(board_acpi_tables(&m->board_cfg, &m->vm.mem, grab_viot,
				    NULL) == 0 && viot_len == 0,
		  "--viommu alone: no VIOT (no ranges to give)");

	/* Without --viommu the devices start at 00:01.0, no VIOT. */
	opts->viommu = 0;
	opts->nr_devices = 2;
	machine_plan_slots(m);
	viot_len = 0;
	CHECK_MSG(!m->board_cfg.viommu && m->slots[0] == 1 &&
			  m->slots[1] == 2 &&
			  board_acpi_tables(&m->board_cfg, &m->vm.mem,
					    grab_viot, NULL) == 0 &&
			  viot_len == 0,
		  "no --viommu: no description, no VIOT");
	opts->nr_devices = 0;
}

int main(void)
{
	struct run_opts opts = { .memory = 5 * GiB, .cpus = 3,
				 .cmdline = "console=ttyS0 quiet" };
	struct machine m = { .opts = &opts,
			     .img.cmdline = "console=ttyS0 quiet" };
	const fdt64_t *reg;
	const char *s;
	int size, len, node, n;

	mem_init(&m.vm.mem, opts.memory);
	CHECK(board_layout_ram(&m.vm.mem) == 0);
	CHECK_MSG(m.vm.mem.nr == 2, "5G of RAM splits around the 3G hole");
	m.img.initrd_gpa = 0x1000000;
	m.img.initrd_size = 0x2345;

	size = machine_build_fdt(&m, buf, sizeof(buf));
	CHECK(size > 0 && fdt_check_header(buf) == 0);
	CHECK(machine_build_fdt(&m, buf, 64) == -FDT_ERR_NOSPACE);
	size = machine_build_fdt(&m, buf, sizeof(buf));

	reg = prop("/memory@0", "reg", &len);
	CHECK(reg && len == 16 && fdt64_ld(&reg[0]) == 0 &&
	      fdt64_ld(&reg[1]) == 3 * GiB);
	reg = prop("/memory@100000000", "reg", &len);
	CHECK(reg && len == 16 && fdt64_ld(&reg[0]) == 4 * GiB &&
	      fdt64_ld(&reg[1]) == 2 * GiB);
	s = prop("/memory@0", "device_type", NULL);
	CHECK(s && strcmp(s, "memory") == 0);

	node = fdt_path_offset(buf, "/cpus");
	n = 0;
	fdt_for_each_subnode(len, buf, node)
		n++;
	CHECK_MSG(n == 3, "three cpu nodes");
	CHECK(prop("/cpus/cpu@2", "reg", &len) && len == 4);

	s = prop("/chosen", "bootargs", NULL);
	CHECK(s && strcmp(s, "console=ttyS0 quiet") == 0);
	reg = prop("/chosen", "linux,initrd-start", &len);
	CHECK(reg && len == 8 && fdt64_ld(reg) == 0x1000000);
	reg = prop("/chosen", "linux,initrd-end", &len);
	CHECK(reg && fdt64_ld(reg) == 0x1002345);
	s = prop("/chosen", "stdout-path", NULL);
	CHECK(s && strcmp(s, "serial0") == 0);
	s = prop("/aliases", "serial0", NULL);
	CHECK_MSG(s && fdt_path_offset(buf, s) >= 0,
		  "the serial0 alias points at a real node");

	{
		const fdt32_t *r = prop("/isa/serial@i3f8", "reg", &len);

		CHECK(r && len == 12 && fdt32_to_cpu(r[0]) == 1 &&
		      fdt32_to_cpu(r[1]) == 0x3f8 && fdt32_to_cpu(r[2]) == 8);
		r = prop("/isa/serial@i3f8", "interrupts", &len);
		CHECK(r && len == 8 && fdt32_to_cpu(*r) == 4);
		r = prop("/isa/debug-exit@if4", "reg", &len);
		CHECK(r && fdt32_to_cpu(r[1]) == 0xf4);
	}
	CHECK_MSG(fdt_node_offset_by_compatible(buf, -1, "virtio,pci-iommu") <
			  0 && !prop("/pci@e0000000", "iommu-map", NULL),
		  "no vIOMMU asked for, none described");
	/* A vIOMMU at 00:01.0 translating 00:02.0 and 00:05.0. */
	m.board_cfg.viommu = &(const struct board_viommu){
		.rid = 0x08, .nr_ranges = 2,
		.ranges = { { 0x10, 0x10 }, { 0x28, 0x28 } },
	};
	CHECK(machine_build_fdt(&m, buf, sizeof(buf)) > 0);
	{
		const fdt32_t *r = prop("/pci@e0000000", "iommu-map", &len);
		const fdt32_t *ph = prop("/pci@e0000000/iommu@1", "phandle",
					 NULL);

		CHECK_MSG(r && len == 32 && ph && fdt32_to_cpu(r[0]) == 0x10 &&
				  r[1] == *ph && fdt32_to_cpu(r[2]) == 0x10 &&
				  fdt32_to_cpu(r[3]) == 1 &&
				  fdt32_to_cpu(r[4]) == 0x28 && r[5] == *ph &&
				  fdt32_to_cpu(r[6]) == 0x28 &&
				  fdt32_to_cpu(r[7]) == 1,
			  "iommu-map: each endpoint's requester ID to the "
			  "vIOMMU, endpoint ID = requester ID, nothing else");
		r = prop("/pci@e0000000/iommu@1", "reg", &len);
		CHECK_MSG(r && len == 20 && fdt32_to_cpu(r[0]) == 0x800,
			  "the vIOMMU node's reg: its own requester ID << 8");
		s = prop("/pci@e0000000/iommu@1", "compatible", NULL);
		CHECK(s && strcmp(s, "virtio,pci-iommu") == 0);
	}
	check_viommu_plan(&m, &opts);
	m.board_cfg.viommu = NULL;
	opts.cmdline = NULL;
	m.img.initrd_size = 0;
	m.img.cmdline = NULL;
	CHECK(machine_build_fdt(&m, buf, sizeof(buf)) > 0);
	s = prop("/chosen", "bootargs", NULL);
	CHECK_MSG(s && !*s, "no command line gives an empty bootargs");
	CHECK_MSG(!prop("/chosen", "linux,initrd-start", NULL),
		  "no initrd, no initrd properties");
	return test_done();
}
