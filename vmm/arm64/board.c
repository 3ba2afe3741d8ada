// SPDX-License-Identifier: MIT
/* The arm64 board: RAM layout, its devices and where they live. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <linux/kvm.h>
#include "../log.h"
#include "../vm.h"
#include "board_arm64.h"
#include "layout.h"

const uint16_t board_elf_machine = EM_AARCH64;
/* The redistributors of this many vCPUs fit below the ECAM window. */
const unsigned int board_max_cpus = ARM64_MAX_CPUS;
const unsigned int board_pci_first_slot = 1; /* the host bridge is 00:00.0 */
/*
 * MSIs are writes to the ITS's translation register: a vIOMMU reports
 * its frame as an MSI region, which a guest never maps for DMA and
 * Linux's dma-iommu maps 1:1, so devices behind it keep the doorbell
 * address the ITS (and KVM's routes) know.
 */
const uint64_t board_msi_base = ARM64_GITS_TRANSLATER_GPA,
	       board_msi_size = ARM64_GITS_TRANSLATER_SIZE;

int board_layout_ram(struct guest_mem *mem)
{
	/* Room for the device tree, and below the 64-bit PCI window. */
	if (mem->size < 2 * ARM64_FDT_MAX || mem->size > ARM64_RAM_MAX)
		return -EINVAL;
	return mem_add_region(mem, ARM64_RAM_GPA, mem->size);
}

uint64_t board_initrd_limit(const struct boot_image *img,
			    const struct guest_mem *mem)
{
	(void)img;
	/* Below the device tree's 2 MiB at the top of RAM. */
	return ARM64_RAM_GPA + mem->size - ARM64_FDT_MAX;
}

struct pci_windows arm64_pci_windows(void)
{
	return (struct pci_windows){
		.ecam = ARM64_PCI_ECAM_GPA, .ecam_size = ARM64_PCI_ECAM_SIZE,
		.mem32 = ARM64_PCI_MEM32_GPA, .mem32_size = ARM64_PCI_MEM32_SIZE,
		.mem64 = ARM64_PCI_MEM64_GPA, .mem64_size = ARM64_PCI_MEM64_SIZE,
		.io = ARM64_PCI_IO_BASE, .io_size = ARM64_PCI_IO_BARS,
		.intx_pin_base = ARM64_PCI_INTX_SPI,
		.intx_pins = ARM64_PCI_INTX_PINS,
	};
}

uint64_t arm64_mpidr(unsigned int index)
{
	/* KVM's reset value: 16 vCPUs per Aff0 cluster (a GICv3 limit). */
	return (index & 0xfULL) | (uint64_t)((index >> 4) & 0xff) << 8 |
	       (uint64_t)((index >> 12) & 0xff) << 16;
}

/*
 * The PCI I/O window: arm64 has no port instructions, so I/O BARs are
 * reached through this MMIO range, port = offset, as the device tree's
 * ranges say. Accesses go on to the I/O bus where the PCI layer decodes.
 */
static void pci_io_read(struct bus_dev *dev, uint64_t off, void *data,
			uint32_t len)
{
	struct board *b = container_of(dev, struct board, pci_io);

	bus_read(&b->vm->pio, off, data, len);
}

static void pci_io_write(struct bus_dev *dev, uint64_t off, const void *data,
			 uint32_t len)
{
	struct board *b = container_of(dev, struct board, pci_io);

	bus_write(&b->vm->pio, off, data, len);
}

static const struct bus_ops pci_io_ops = {
	.read = pci_io_read,
	.write = pci_io_write,
};

/* The device table: what this board has, in the order it is created. */
static int serial_setup(struct board *b, const struct board_config *cfg)
{
	return serial_init(&b->serial, b->vm, &b->vm->mmio, ARM64_UART_GPA,
			   ARM64_UART_SPI, cfg->console_fd);
}

static int rtc_setup(struct board *b, const struct board_config *cfg)
{
	(void)cfg;
	return pl031_init(&b->rtc, b->vm, &b->vm->mmio, ARM64_RTC_GPA,
			  ARM64_RTC_SPI);
}

static int debug_exit_setup(struct board *b, const struct board_config *cfg)
{
	(void)cfg;
	return debug_exit_init(&b->debug_exit, b->vm, &b->vm->mmio,
			       ARM64_DEBUG_EXIT_GPA);
}

static int pci_setup(struct board *b, const struct board_config *cfg)
{
	struct pci_windows win = arm64_pci_windows();
	int ret;

	(void)cfg;
	b->pci_io.ops = &pci_io_ops;
	b->pci_io.name = "pci-io";
	ret = bus_add(&b->vm->mmio, ARM64_PCI_IO_GPA, ARM64_PCI_IO_SIZE,
		      &b->pci_io);
	if (!ret)
		ret = pci_bus_init(&b->pci, b->vm, &win);
	if (!ret)
		ret = pci_host_bridge_init(&b->host_bridge, &b->pci);
	return ret;
}

static const struct board_device arm64_devices[] = {
	{ "serial (16550A)", serial_setup },
	{ "rtc (PL031)", rtc_setup },
	{ "debug-exit", debug_exit_setup },
	{ "pci", pci_setup },
};

int board_create(struct board **out, struct vm *vm,
		 const struct board_config *cfg)
{
	struct board *b = calloc(1, sizeof(*b));

	*out = b;
	if (!b) {
		err("out of memory for the board's devices");
		return -ENOMEM;
	}
	b->vm = vm;
	return board_create_devices(b, cfg, arm64_devices,
				    ARRAY_SIZE(arm64_devices));
}

void board_destroy(struct board *b)
{
	if (b)
		pl031_destroy(&b->rtc);
	free(b);
}

struct pci_bus *board_pci(struct board *b)
{
	return &b->pci;
}

void board_console_input(struct board *b, const uint8_t *buf, size_t len)
{
	serial_receive(&b->serial, buf, len);
}

uint64_t board_console_dropped(struct board *b)
{
	return b->serial.tx_dropped;
}
