// SPDX-License-Identifier: MIT
/* PC config mechanism #1 (ports 0xcf8/0xcfc) and the 0xcf9 reset port. */
#include "../../devices/pci.h"
#include "../exitcode.h"
#include "../vm.h"
#include "pci_io.h"

#define CF8_ENABLE 0x80000000u
#define CF9_RESET_CPU 0x04

/* The function the latch selects, on bus 0 only. 1 if there is one. */
static int cf8_decode(const struct x86_pci_io *io, uint64_t off,
		      unsigned int *slot, unsigned int *fn, uint32_t *reg)
{
	uint32_t a = io->cf8;

	if (!(a & CF8_ENABLE) || ((a >> 16) & 0xff) != 0)
		return 0;
	*slot = (a >> 11) & 0x1f;
	*fn = (a >> 8) & 7;
	*reg = (a & 0xfc) | (uint32_t)off;
	return 1;
}

/*
 * Ports 0xcf8-0xcff, at offsets 0-7: the address latch (a dword at 0),
 * the reset control byte 0xcf9 (1), and the data window 0xcfc-0xcff
 * (4-7) onto the function the latch selects.
 */
static void io_read(struct bus_dev *bd, uint64_t off, void *data, uint32_t len)
{
	struct x86_pci_io *io = container_of(bd, struct x86_pci_io, dev);
	unsigned int slot, fn;
	uint32_t reg;

	if (off == 0 && len == 4)
		data_put(data, 4, io->cf8);
	else if (off >= 4 && cf8_decode(io, off - 4, &slot, &fn, &reg))
		pci_cfg_read(io->pci, slot, fn, reg, data, len);
}

static void io_write(struct bus_dev *bd, uint64_t off, const void *data,
		     uint32_t len)
{
	struct x86_pci_io *io = container_of(bd, struct x86_pci_io, dev);
	unsigned int slot, fn;
	uint32_t reg;

	if (off == 0 && len == 4) {
		io->cf8 = (uint32_t)data_get(data, 4);
	} else if (off == 1 && len == 1) {
		if (!(*(const uint8_t *)data & CF9_RESET_CPU))
			return;
		info("guest reset the machine through port 0xcf9");
		vm_request_stop(io->vm, FERRY_EXIT_OK);
	} else if (off >= 4 && cf8_decode(io, off - 4, &slot, &fn, &reg)) {
		pci_cfg_write(io->pci, slot, fn, reg, data, len);
	}
}

static const struct bus_ops io_ops = { .read = io_read, .write = io_write };

int x86_pci_io_init(struct x86_pci_io *io, struct vm *vm, struct pci_bus *pci)
{
	io->pci = pci;
	io->vm = vm;
	io->cf8 = 0;
	io->dev = (struct bus_dev){ &io_ops, "pci-cf8" };
	return bus_add(&vm->pio, X86_PCI_CF8_PORT, 8, &io->dev);
}
