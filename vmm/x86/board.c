// SPDX-License-Identifier: MIT
/* The x86_64 board: RAM layout, its devices and where they live. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include "../../devices/debug_exit.h"
#include "../../devices/i8042.h"
#include "../../devices/pci_host.h"
#include "../../devices/rtc.h"
#include "../../devices/serial.h"
#include "../log.h"
#include "../vm.h"
#include "board_x86.h"
#include "bzimage.h"
#include "layout.h"

const uint16_t board_elf_machine = EM_X86_64;
/* xAPIC IDs are 8 bits, and the MP table numbers CPUs the same way. */
const unsigned int board_max_cpus = 255;
const unsigned int board_pci_first_slot = 1; /* the host bridge is 00:00.0 */
const uint64_t board_msi_base = X86_LAPIC_GPA, board_msi_size = 1 * MiB;

int board_layout_ram(struct guest_mem *mem)
{
	uint64_t low = MIN(mem->size, X86_MMIO_HOLE_GPA);
	int ret;

	ret = mem_add_region(mem, 0, low);
	if (ret || mem->size == low)
		return ret;
	return mem_add_region(mem, X86_HIGH_RAM_GPA, mem->size - low);
}

uint64_t board_initrd_limit(const struct boot_image *img,
			    const struct guest_mem *mem)
{
	uint64_t limit = MIN(mem->size, X86_MMIO_HOLE_GPA);
	struct bzimage_hdr h;
	char why[128];

	/* A kernel says how high it can reach for its initrd. */
	if (img->format == KERNEL_BZIMAGE &&
	    bzimage_parse(img->kernel, img->kernel_size, &h, why,
			  sizeof(why)) == 0)
		limit = MIN(limit, h.initrd_addr_max + 1);
	return limit;
}

/* The 64-bit BAR window starts above RAM, on a 1 GiB boundary. */
static uint64_t mem64_base(const struct guest_mem *mem)
{
	uint64_t top = X86_HIGH_RAM_GPA;

	if (mem->size > X86_MMIO_HOLE_GPA)
		top += mem->size - X86_MMIO_HOLE_GPA;
	return ALIGN_UP(top, GiB);
}

struct pci_windows x86_pci_windows(const struct guest_mem *mem)
{
	return (struct pci_windows){
		.ecam = X86_PCI_ECAM_GPA, .ecam_size = X86_PCI_ECAM_SIZE,
		.mem32 = X86_PCI_MEM32_GPA, .mem32_size = X86_PCI_MEM32_SIZE,
		.mem64 = mem64_base(mem), .mem64_size = X86_PCI_MEM64_SIZE,
		.io = X86_PCI_IO_BASE, .io_size = X86_PCI_IO_SIZE,
		.intx_pin_base = X86_PCI_INTX_PIN,
		.intx_pins = X86_PCI_INTX_PINS,
	};
}

/* The device table: what this board has, in the order it is created. */
static int serial_setup(struct board *b, const struct board_config *cfg)
{
	return serial_init(&b->serial, b->vm, &b->vm->pio, X86_COM1_PORT,
			   X86_COM1_IRQ, cfg->console_fd);
}

static int debug_exit_setup(struct board *b, const struct board_config *cfg)
{
	(void)cfg;
	return debug_exit_init(&b->debug_exit, b->vm, &b->vm->pio,
			       X86_DEBUG_EXIT_PORT);
}

static int i8042_setup(struct board *b, const struct board_config *cfg)
{
	(void)cfg;
	return i8042_init(&b->i8042, b->vm, &b->vm->pio, X86_I8042_PORT);
}

static int rtc_setup(struct board *b, const struct board_config *cfg)
{
	(void)cfg;
	return rtc_init(&b->rtc, &b->vm->pio, X86_RTC_PORT);
}

static int acpi_pm_setup(struct board *b, const struct board_config *cfg)
{
	(void)cfg;
	return acpi_pm_init(&b->acpi_pm, b->vm, &b->vm->pio, X86_ACPI_PM_PORT);
}

static int pci_setup(struct board *b, const struct board_config *cfg)
{
	struct pci_windows win = x86_pci_windows(&b->vm->mem);
	int ret;

	(void)cfg;
	ret = pci_bus_init(&b->pci, b->vm, &win);
	if (!ret)
		ret = x86_pci_io_init(&b->pci_io, b->vm, &b->pci);
	if (!ret)
		ret = pci_host_bridge_init(&b->host_bridge, &b->pci);
	return ret;
}

static const struct board_device x86_devices[] = {
	{ "serial (COM1)", serial_setup },
	{ "debug-exit", debug_exit_setup },
	{ "i8042", i8042_setup },
	{ "rtc", rtc_setup },
	{ "acpi-pm", acpi_pm_setup },
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
	b->cfg = *cfg;
	return board_create_devices(b, cfg, x86_devices,
				    ARRAY_SIZE(x86_devices));
}

void board_destroy(struct board *b)
{
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
