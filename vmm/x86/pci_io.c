// SPDX-License-Identifier: MIT
/* PC config mechanism #1 (ports 0xcf8/0xcfc) and the 0xcf9 reset port. */
#include "../../devices/pci.h"
#include "../exitcode.h"
#include "../vm.h"
#include "pci_io.h"

#define CF8_ENABLE 0x80000000u
#define CF9_RESET_CPU 0x04

/* 0xcf8: the address latch (dword); 0xcf9: the reset control byte. */
static void cf8_read(struct bus_dev *bd, uint64_t off, void *data,
		     uint32_t len)
{
	struct x86_pci_io *io = container_of(bd, struct x86_pci_io, cf8_dev);

	if (off == 0 && len == 4)
		data_put(data, 4, io->cf8);
}

static void cf8_write(struct bus_dev *bd, uint64_t off, const void *data,
		      uint32_t len)
{
	struct x86_pci_io *io = container_of(bd, struct x86_pci_io, cf8_dev);

	if (off == 0 && len == 4) {
		io->cf8 = (uint32_t)data_get(data, 4);
	} else if (off == 1 && len == 1 &&
		   (*(const uint8_t *)data & CF9_RESET_CPU)) {
		info("guest reset the machine through port 0xcf9");
		vm_request_stop(io->vm, FERRY_EXIT_OK);
	}
}

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

static void cfc_read(struct bus_dev *bd, uint64_t off, void *data,
		     uint32_t len)
{
	struct x86_pci_io *io = container_of(bd, struct x86_pci_io, cfc_dev);
	unsigned int slot, fn;
	uint32_t reg;

	if (cf8_decode(io, off, &slot, &fn, &reg))
		pci_cfg_read(io->pci, slot, fn, reg, data, len);
}

static void cfc_write(struct bus_dev *bd, uint64_t off, const void *data,
		      uint32_t len)
{
	struct x86_pci_io *io = container_of(bd, struct x86_pci_io, cfc_dev);
	unsigned int slot, fn;
	uint32_t reg;

	if (cf8_decode(io, off, &slot, &fn, &reg))
		pci_cfg_write(io->pci, slot, fn, reg, data, len);
}

static const struct bus_ops cf8_ops = { .read = cf8_read, .write = cf8_write };
static const struct bus_ops cfc_ops = { .read = cfc_read, .write = cfc_write };

int x86_pci_io_init(struct x86_pci_io *io, struct vm *vm, struct pci_bus *pci)
{
	int ret;

	io->pci = pci;
	io->vm = vm;
	io->cf8 = 0;
	io->cf8_dev = (struct bus_dev){ &cf8_ops, "pci-cf8" };
	io->cfc_dev = (struct bus_dev){ &cfc_ops, "pci-cfc" };
	ret = bus_add(&vm->pio, X86_PCI_CF8_PORT, 4, &io->cf8_dev);
	if (ret)
		return ret;
	ret = bus_add(&vm->pio, X86_PCI_CFC_PORT, 4, &io->cfc_dev);
	if (ret)
		bus_remove(&vm->pio, X86_PCI_CF8_PORT, &io->cf8_dev);
	return ret;
}
