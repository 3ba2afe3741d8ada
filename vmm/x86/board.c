// SPDX-License-Identifier: MIT
/* The x86_64 board: RAM layout, ISA devices, device tree, boot paths. */
#include <elf.h>
#include <errno.h>
#include <libfdt.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "../log.h"
#include "../machine.h"
#include "boot_long.h"
#include "bzimage.h"
#include "layout.h"
#include "mptable.h"

const uint16_t board_elf_machine = EM_X86_64;

#define COM1_PORT 0x3f8
#define COM1_IRQ 4
#define IOAPIC_PHANDLE 1

int board_layout_ram(struct guest_mem *mem)
{
	uint64_t low = MIN(mem->size, X86_MMIO_HOLE_GPA);
	int ret;

	ret = mem_add_region(mem, 0, low);
	if (ret || mem->size == low)
		return ret;
	return mem_add_region(mem, X86_HIGH_RAM_GPA, mem->size - low);
}

uint64_t board_initrd_limit(const struct machine *m)
{
	uint64_t limit = MIN(m->vm.mem.size, X86_MMIO_HOLE_GPA);
	struct bzimage_hdr h;
	char why[128];

	/* A kernel says how high it can reach for its initrd. */
	if (m->kernel_format == KERNEL_BZIMAGE &&
	    bzimage_parse(m->kernel, m->kernel_size, &h, why, sizeof(why)) == 0)
		limit = MIN(limit, h.initrd_addr_max + 1);
	return limit;
}

/* The device table: what this board has, in the order it is created. */
static int serial_setup(struct machine *m)
{
	int out = m->opts->console == CONSOLE_SERIAL ? STDOUT_FILENO : -1;

	return serial_init(&m->serial, &m->vm, COM1_PORT, COM1_IRQ, out);
}

static int debug_exit_setup(struct machine *m)
{
	return debug_exit_init(&m->debug_exit, &m->vm, DEBUG_EXIT_PORT);
}

static int i8042_setup(struct machine *m)
{
	return i8042_init(&m->i8042, &m->vm);
}

static int rtc_setup(struct machine *m)
{
	return rtc_init(&m->rtc, &m->vm);
}

static int isa_node(void *fdt, const char *name, const char *compat,
		    uint32_t port, uint32_t len, int irq)
{
	uint32_t reg[3] = { cpu_to_fdt32(1), cpu_to_fdt32(port),
			    cpu_to_fdt32(len) };
	int ret;

	ret = fdt_begin_node(fdt, name);
	if (!ret)
		ret = fdt_property_string(fdt, "compatible", compat);
	if (!ret)
		ret = fdt_property(fdt, "reg", reg, sizeof(reg));
	if (!ret && irq >= 0) {
		/* IOAPIC pin and trigger (0: edge, as ISA interrupts are). */
		uint32_t cells[2] = { cpu_to_fdt32((uint32_t)irq), 0 };

		ret = fdt_property(fdt, "interrupts", cells, sizeof(cells));
		if (!ret)
			ret = fdt_property_u32(fdt, "interrupt-parent",
					       IOAPIC_PHANDLE);
	}
	if (!ret && strcmp(compat, "ns16550a") == 0)
		ret = fdt_property_u32(fdt, "clock-frequency", 1843200);
	return ret ? ret : fdt_end_node(fdt);
}

static int serial_fdt(struct machine *m, void *fdt)
{
	(void)m;
	return isa_node(fdt, "serial@i3f8", "ns16550a", COM1_PORT, 8, COM1_IRQ);
}

static int debug_exit_fdt(struct machine *m, void *fdt)
{
	(void)m;
	return isa_node(fdt, "debug-exit@if4", "ferry,debug-exit",
			DEBUG_EXIT_PORT, 4, -1);
}

static int i8042_fdt(struct machine *m, void *fdt)
{
	(void)m;
	return isa_node(fdt, "keyboard-controller@i60", "intel,8042", 0x60, 5,
			-1);
}

/* The 64-bit BAR window starts above RAM, on a 1 GiB boundary. */
static uint64_t mem64_base(const struct machine *m)
{
	uint64_t top = X86_HIGH_RAM_GPA;

	if (m->vm.mem.size > X86_MMIO_HOLE_GPA)
		top += m->vm.mem.size - X86_MMIO_HOLE_GPA;
	return ALIGN_UP(top, GiB);
}

/* The PCI windows depend only on the RAM size (also for --dump-dtb). */
static struct pci_windows pci_windows(const struct machine *m)
{
	return (struct pci_windows){
		.ecam = X86_PCI_ECAM_GPA, .ecam_size = X86_PCI_ECAM_SIZE,
		.mem32 = X86_PCI_MEM32_GPA, .mem32_size = X86_PCI_MEM32_SIZE,
		.mem64 = mem64_base(m), .mem64_size = X86_PCI_MEM64_SIZE,
		.io = X86_PCI_IO_BASE, .io_size = X86_PCI_IO_SIZE,
		.intx_pin_base = X86_PCI_INTX_PIN,
		.intx_pins = X86_PCI_INTX_PINS,
	};
}

static int pci_setup(struct machine *m)
{
	struct pci_windows win = pci_windows(m);
	int ret;

	ret = pci_init(&m->pci, &m->vm, &win);
	if (!ret)
		ret = pci_host_bridge_init(&m->host_bridge, &m->pci);
	return ret;
}

/*
 * Generic ECAM host for tiny guests (Linux on x86 uses ports 0xcf8/0xcfc).
 * ranges: I/O, 32-bit memory, 64-bit prefetchable memory.
 */
static int pci_fdt(struct machine *m, void *fdt)
{
	const struct pci_windows win = pci_windows(m), *w = &win;
	uint64_t reg[2] = { cpu_to_fdt64(w->ecam), cpu_to_fdt64(w->ecam_size) };
	uint32_t bus_range[2] = { 0, 0 };
	uint32_t ranges[3 * 7];
	const struct { uint32_t space; uint64_t base, size; } r[3] = {
		{ 0x01000000, w->io, w->io_size },
		{ 0x02000000, w->mem32, w->mem32_size },
		{ 0x43000000, w->mem64, w->mem64_size },
	};
	char name[32];
	int i, ret;

	for (i = 0; i < 3; i++) {
		uint32_t *c = &ranges[i * 7];

		c[0] = cpu_to_fdt32(r[i].space);
		c[1] = c[3] = cpu_to_fdt32((uint32_t)(r[i].base >> 32));
		c[2] = c[4] = cpu_to_fdt32((uint32_t)r[i].base);
		c[5] = cpu_to_fdt32((uint32_t)(r[i].size >> 32));
		c[6] = cpu_to_fdt32((uint32_t)r[i].size);
	}
	snprintf(name, sizeof(name), "pci@%llx", (unsigned long long)w->ecam);
	ret = fdt_begin_node(fdt, name);
	if (!ret)
		ret = fdt_property_string(fdt, "compatible",
					  "pci-host-ecam-generic");
	if (!ret)
		ret = fdt_property_string(fdt, "device_type", "pci");
	if (!ret)
		ret = fdt_property_u32(fdt, "#address-cells", 3);
	if (!ret)
		ret = fdt_property_u32(fdt, "#size-cells", 2);
	if (!ret)
		ret = fdt_property(fdt, "bus-range", bus_range,
				   sizeof(bus_range));
	if (!ret)
		ret = fdt_property(fdt, "reg", reg, sizeof(reg));
	if (!ret)
		ret = fdt_property(fdt, "ranges", ranges, sizeof(ranges));
	return ret ? ret : fdt_end_node(fdt);
}

/* INTx routes of the PCI devices present, for the MP table. */
static unsigned int pci_irqs(const struct machine *m,
			     struct mptable_pci_irq *out)
{
	unsigned int slot, n = 0;

	for (slot = 0; slot < PCI_SLOTS && n < MPTABLE_MAX_PCI_IRQS; slot++) {
		const struct pci_dev *d = m->pci.slots[slot];

		if (d && d->irq_pin)
			out[n++] = (struct mptable_pci_irq){
				(uint8_t)slot, d->irq_pin, d->irq_line };
	}
	return n;
}

static int rtc_fdt(struct machine *m, void *fdt)
{
	(void)m;
	return isa_node(fdt, "rtc@i70", "motorola,mc146818", RTC_PORT, 2, -1);
}

static const struct board_device {
	const char *name;
	int (*init)(struct machine *m);
	int (*fdt)(struct machine *m, void *fdt);
} x86_devices[] = {
	{ "serial (COM1)", serial_setup, serial_fdt },
	{ "debug-exit", debug_exit_setup, debug_exit_fdt },
	{ "i8042", i8042_setup, i8042_fdt },
	{ "rtc", rtc_setup, rtc_fdt },
	{ "pci", pci_setup, NULL },
};

int board_init_devices(struct machine *m)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(x86_devices); i++) {
		ret = x86_devices[i].init(m);
		if (ret) {
			err("cannot create device %s: %s", x86_devices[i].name,
			    strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The IOAPIC, in the binding Linux uses for x86 device trees. */
static int ioapic_node(void *fdt)
{
	uint64_t reg[2] = { cpu_to_fdt64(X86_IOAPIC_GPA), cpu_to_fdt64(0x1000) };
	int ret;

	ret = fdt_begin_node(fdt, "interrupt-controller@fec00000");
	if (!ret)
		ret = fdt_property_string(fdt, "compatible",
					  "intel,ce4100-ioapic");
	if (!ret)
		ret = fdt_property(fdt, "interrupt-controller", NULL, 0);
	if (!ret)
		ret = fdt_property_u32(fdt, "#interrupt-cells", 2);
	if (!ret)
		ret = fdt_property_u32(fdt, "#address-cells", 0);
	if (!ret)
		ret = fdt_property(fdt, "reg", reg, sizeof(reg));
	if (!ret)
		ret = fdt_property_u32(fdt, "phandle", IOAPIC_PHANDLE);
	return ret ? ret : fdt_end_node(fdt);
}

int board_fdt_devices(struct machine *m, void *fdt)
{
	unsigned int i;
	int ret;

	ret = ioapic_node(fdt);
	if (!ret)
		ret = pci_fdt(m, fdt);
	if (!ret)
		ret = fdt_begin_node(fdt, "aliases");
	if (!ret)
		ret = fdt_property_string(fdt, "serial0", "/isa/serial@i3f8");
	if (!ret)
		ret = fdt_end_node(fdt);
	/* ISA I/O ports: reg = <1 port length>, as the ISA binding says. */
	if (!ret)
		ret = fdt_begin_node(fdt, "isa");
	if (!ret)
		ret = fdt_property_string(fdt, "compatible", "isa");
	if (!ret)
		ret = fdt_property_u32(fdt, "#address-cells", 2);
	if (!ret)
		ret = fdt_property_u32(fdt, "#size-cells", 1);
	for (i = 0; !ret && i < ARRAY_SIZE(x86_devices); i++)
		if (x86_devices[i].fdt)
			ret = x86_devices[i].fdt(m, fdt);
	return ret ? ret : fdt_end_node(fdt);
}

int board_place_fdt(struct machine *m, const void *fdt, size_t size,
		    uint64_t *gpa)
{
	void *dst;

	if (size > X86_FDT_MAX)
		return -E2BIG;
	dst = mem_gpa_to_hva(&m->vm.mem, X86_FDT_GPA, size);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, fdt, size);
	*gpa = X86_FDT_GPA;
	return 0;
}

/* Where an ELF test guest may not load: boot data and the MMIO hole. */
static const struct gpa_range elf_reserved[] = {
	{ 0, X86_BOOT_DATA_END },
	{ X86_MMIO_HOLE_GPA, X86_HIGH_RAM_GPA - X86_MMIO_HOLE_GPA },
};

static const char *kernel_name(const struct machine *m)
{
	return m->opts->kernel ? m->opts->kernel : "(built-in)";
}

/* Check, or with @load also load, an ELF guest; logs why it cannot. */
static int elf_fit(struct machine *m, int load, struct elf_image *img)
{
	char why[256];
	int ret;

	if (load)
		ret = elf_load(&m->vm.mem, m->kernel, m->kernel_size,
			       board_elf_machine, elf_reserved,
			       ARRAY_SIZE(elf_reserved), img, why, sizeof(why));
	else
		ret = elf_check(&m->vm.mem, m->kernel, m->kernel_size,
				board_elf_machine, elf_reserved,
				ARRAY_SIZE(elf_reserved), img, why,
				sizeof(why));
	if (ret) {
		err("cannot boot kernel '%s': %s", kernel_name(m), why);
		return ret;
	}
	if (m->initrd_size && img->hi > m->initrd_gpa) {
		err("the initrd does not fit above the kernel; give more "
		    "--memory");
		return -ENOMEM;
	}
	return 0;
}

static int boot_elf(struct machine *m)
{
	struct elf_image img;
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	unsigned int i;
	int ret;

	ret = elf_fit(m, 1, &img);
	if (ret)
		return ret;
	ret = x86_write_long_mode_tables(&m->vm.mem);
	if (ret) {
		err("guest RAM too small for the page tables");
		return ret;
	}
	/* Every vCPU starts at the entry; each learns its index from RSI. */
	for (i = 0; i < m->vm.nr_vcpus; i++) {
		struct vcpu *v = &m->vm.vcpus[i];

		ret = x86_vcpu_enter_long_mode(v->fd, img.entry, X86_FDT_GPA,
					       i, 0);
		if (!ret && i > 0 &&
		    ioctl(v->fd, KVM_SET_MP_STATE, &runnable) < 0)
			ret = -errno;
		if (ret) {
			err("cannot set vCPU %u's entry state: %s", i,
			    strerror(-ret));
			return ret;
		}
	}
	dbg("ELF guest: %u segments at 0x%llx-0x%llx, entry 0x%llx",
	    img.nr_segments, (unsigned long long)img.lo,
	    (unsigned long long)img.hi, (unsigned long long)img.entry);
	return 0;
}

/*
 * Linux: boot_params and e820 from the bzImage loader, an MP table so it
 * finds every vCPU and the IOAPIC (no ACPI: see README), and the boot
 * vCPU at the 64-bit entry. The others wait for INIT/SIPI from Linux.
 */
static int boot_bzimage(struct machine *m)
{
	struct mptable_pci_irq irqs[MPTABLE_MAX_PCI_IRQS];
	struct bzimage_boot boot;
	void *mpt;
	char why[256];
	int ret;

	ret = bzimage_load(&m->vm.mem, m->kernel, m->kernel_size,
			   m->opts->cmdline, m->initrd_gpa, m->initrd_size,
			   &boot, why, sizeof(why));
	if (ret) {
		err("cannot boot kernel '%s': %s", m->opts->kernel, why);
		return ret;
	}
	mpt = mem_gpa_to_hva(&m->vm.mem, X86_MPTABLE_GPA, X86_MPTABLE_MAX);
	ret = mpt ? mptable_write(mpt, X86_MPTABLE_MAX,
				  (uint32_t)X86_MPTABLE_GPA, m->vm.nr_vcpus,
				  irqs, pci_irqs(m, irqs))
		  : -ENOMEM;
	if (ret < 0) {
		err("cannot write the MP table for %u vCPUs", m->vm.nr_vcpus);
		return ret;
	}
	ret = x86_write_long_mode_tables(&m->vm.mem);
	if (!ret)
		ret = x86_vcpu_enter_long_mode(m->vm.vcpus[0].fd, boot.entry, 0,
					       boot.zero_page, 0);
	if (ret) {
		err("cannot set the boot vCPU's entry state: %s",
		    strerror(-ret));
		return ret;
	}
	dbg("bzImage: entry 0x%llx, boot_params at 0x%llx",
	    (unsigned long long)boot.entry,
	    (unsigned long long)boot.zero_page);
	return 0;
}

int board_check_boot(struct machine *m)
{
	struct bzimage_hdr h;
	struct elf_image img;
	char why[256];
	int ret;

	switch (m->kernel_format) {
	case KERNEL_ELF64:
		return elf_fit(m, 0, &img);
	case KERNEL_BZIMAGE:
		ret = bzimage_check(&m->vm.mem, m->kernel, m->kernel_size,
				    m->opts->cmdline, m->initrd_gpa,
				    m->initrd_size, &h, why, sizeof(why));
		if (ret)
			err("cannot boot kernel '%s': %s", kernel_name(m), why);
		return ret;
	default:
		return -ENOEXEC;
	}
}

int board_boot(struct machine *m)
{
	switch (m->kernel_format) {
	case KERNEL_ELF64:
		return boot_elf(m);
	case KERNEL_BZIMAGE:
		return boot_bzimage(m);
	default:
		return -ENOEXEC;
	}
}
