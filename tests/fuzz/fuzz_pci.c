// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a passed-through device (the fake of
 * tests/unit/fake_vfio.h) under a guest doing anything to it. The input
 * describes the device (BAR sizes, mmap areas, raw capability bytes
 * anywhere in config space, chain pointers included), then drives
 * config reads and writes at any offset and length through 0xcf8/0xcfc,
 * ECAM and pci_cfg_*, BAR accesses, MSI-X table accesses, decode toggles
 * and BAR moves, MSI/MSI-X enable flapping, EFAULT recoveries. After each
 * input everything is torn down and must be back where it started: no
 * descriptor, irqfd, MSI route or memory slot left (else abort()).
 */
#include <stdlib.h>
#include <unistd.h>
#include "../unit/fake_vfio.h"
#include "fuzz_input.h"
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ECAM 0xe0000000ULL
#define MAX_OPS 512

static uint32_t len_of(uint8_t b)
{
	static const uint32_t lens[] = { 1, 2, 4, 8, 3, 0 };

	return lens[b % ARRAY_SIZE(lens)];
}

static struct fake_env env;
static struct fake_dev dev;

/* The device: BARs, mmap areas, and raw config bytes. */
static void describe(struct fuzz_input *in)
{
	uint8_t b0 = fuzz_u8(in), b2 = fuzz_u8(in), misc = fuzz_u8(in);
	unsigned int i, n;

	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 4096ULL << (b0 & 7), b0 & 8, b0 & 16);
	if (b2 & 16) { /* an I/O BAR */
		dev.region[2].size = 16u << (b2 & 3);
		dev.cfg[0x18] = 1;
	} else {
		fake_dev_bar(&dev, 2, 4096ULL << (b2 & 7), b2 & 8, 0);
	}
	if (misc & 1)
		dev.region[VFIO_PCI_ROM_REGION_INDEX].size = 0x8000;
	dev.cfg[0x3d] = misc & 2 ? 1 : 0;
	dev.no_reset = !!(misc & 4);
	n = fuzz_u8(in) % (FAKE_MAX_AREAS + 1);
	dev.region[0].nr_areas = n;
	for (i = 0; i < n; i++) {
		dev.region[0].areas[i].off = (fuzz_u8(in) & 0x7fULL) << 12;
		dev.region[0].areas[i].size = ((fuzz_u8(in) & 0x7fULL) + 1) << 12;
	}
	/* Capabilities: raw bytes where the input says, pointers and all. */
	dev.cfg[0x34] = fuzz_u8(in);
	if (misc & 8)
		dev.cfg[0x06] |= 0x10;
	n = fuzz_u8(in) % 8;
	for (i = 0; i < n; i++) {
		unsigned int off = fuzz_u8(in), k;

		for (k = 0; k < 16; k++)
			dev.cfg[(off + k) % 4096] = fuzz_u8(in);
	}
}

static uint64_t bar_base(int i)
{
	const struct pci_bar *b;

	if (!dev.vdev)
		return 0;
	b = &dev.vdev->pci.bars[i];
	return b->decoding ? b->gpa : b->addr;
}

static void cfg_access(struct fuzz_input *in, int write, int how)
{
	uint32_t off = fuzz_u16(in) & 0xfff, len = len_of(fuzz_u8(in)), v = fuzz_u32(in);
	uint32_t cf8 = 0x80000000u | (off & 0xfc) | (fuzz_u8(in) & 0x1f) << 11;
	uint64_t v64 = v;

	switch (how) {
	case 0: /* the PCI layer itself (len 3 and 8 are refused there) */
		if (write)
			pci_cfg_write(&env.pci, 0, 0, off, &v, MIN(len, 4));
		else
			pci_cfg_read(&env.pci, 0, 0, off, &v, MIN(len, 4));
		break;
	case 1: /* ECAM, bus 0 device 0 */
		if (write)
			bus_write(&env.vm.mmio, ECAM + off, &v64, len);
		else
			bus_read(&env.vm.mmio, ECAM + off, &v64, len);
		break;
	default: /* 0xcf8/0xcfc */
		bus_write(&env.vm.pio, 0xcf8, &cf8, 4);
		if (write)
			bus_write(&env.vm.pio, 0xcfc + (off & 3), &v64, len);
		else
			bus_read(&env.vm.pio, 0xcfc + (off & 3), &v64, len);
		break;
	}
}

static void bar_access(struct fuzz_input *in, int write)
{
	int i = fuzz_u8(in) % (PCI_NUM_BARS + 1);
	uint32_t off = fuzz_u32(in), len = len_of(fuzz_u8(in));
	uint64_t v = ((uint64_t)fuzz_u32(in) << 32) | fuzz_u32(in);
	struct bus *bus = &env.vm.mmio;

	if (!dev.vdev || !dev.vdev->pci.bars[i].size)
		return;
	if (dev.vdev->pci.bars[i].type == PCI_BAR_IO)
		bus = &env.vm.pio;
	off %= (uint32_t)MIN(dev.vdev->pci.bars[i].size + 16, 1ULL << 31);
	if (write)
		bus_write(bus, bar_base(i) + off, &v, len);
	else
		bus_read(bus, bar_base(i) + off, &v, len);
}

static void table_access(struct fuzz_input *in, int write)
{
	struct vfio_pci_dev *d = dev.vdev;
	uint32_t off = fuzz_u16(in), len = len_of(fuzz_u8(in)), v = fuzz_u32(in);
	uint64_t v64 = v, gpa;

	if (!d || !d->msix.off)
		return;
	gpa = bar_base(d->msix.table_bar) + d->msix.table_off +
	      off % (d->msix.nr * 16 + 8);
	if (write)
		bus_write(&env.vm.mmio, gpa, &v64, len);
	else
		bus_read(&env.vm.mmio, gpa, &v64, len);
}

/* Flip MSI and MSI-X enables (and masks) the way drivers do, or not. */
static void flap(struct fuzz_input *in)
{
	struct vfio_pci_dev *d = dev.vdev;
	uint16_t v = fuzz_u16(in);

	if (!d)
		return;
	if ((v & 1) && d->msi.off)
		pci_cfg_write(&env.pci, 0, 0, d->msi.off + 2u, &v, 2);
	if ((v & 2) && d->msix.off)
		pci_cfg_write(&env.pci, 0, 0, d->msix.off + 2u, &v, 2);
}

static void signal_vector(struct fuzz_input *in)
{
	uint64_t one = 1;
	unsigned int i = fuzz_u16(in);

	if (dev.irq_count && dev.irq_fds[i % dev.irq_count] >= 0 &&
	    write(dev.irq_fds[i % dev.irq_count], &one, 8) != 8)
		abort();
}

static void run(struct fuzz_input *in)
{
	unsigned int n;
	uint32_t v;

	for (n = 0; n < MAX_OPS && in->left; n++) {
		uint8_t op = fuzz_u8(in);

		switch (op % 12) {
		case 0: case 1: case 2:
			cfg_access(in, op & 0x10, op % 3);
			break;
		case 3: case 4: case 5:
			cfg_access(in, !(op & 0x10), op % 3);
			break;
		case 6:
			bar_access(in, op & 0x10);
			break;
		case 7:
			table_access(in, op & 0x10);
			break;
		case 8:
			flap(in);
			break;
		case 9: /* decode toggle or a BAR moved, sized, cleared */
			v = fuzz_u32(in);
			pci_cfg_write(&env.pci, 0, 0,
				      op & 0x10 ? 0x04 : 0x10 + 4 * (op >> 5),
				      &v, op & 0x10 ? 2 : 4);
			break;
		case 10:
			if (env.vm.efault_recover)
				env.vm.efault_recover(env.vm.efault_ctx);
			break;
		default:
			signal_vector(in);
			break;
		}
	}
}

/* Every byte is part of the device or an operation: every prefix is a
 * shorter run worth replaying. */
size_t fuzz_structured_end(const uint8_t *data, size_t size)
{
	(void)data;
	return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int base_fds = -1;
	struct fuzz_input in = { data, size };

	log_max_level = LOG_ERR;
	if (base_fds < 0)
		base_fds = fake_count_our_fds();
	if (fake_env_init(&env))
		abort();
	describe(&in);
	if (fake_dev_add(&env, &dev, "0000:0f:00.0"))
		dev.vdev = NULL; /* refused: the rest hits an empty slot */
	run(&in);
	fake_env_destroy(&env);
	if (fake_count_our_fds() != base_fds || fake_kvm.irqfds ||
	    fake_kvm.slots || fake_kvm.msi_routes || fake_container.maps)
		abort(); /* something of the device outlived it */
	return 0;
}
