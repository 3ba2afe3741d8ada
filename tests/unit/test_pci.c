// SPDX-License-Identifier: MIT
/* PCI core: config dispatch, BAR sizing and placement, the decode hook. */
#include <errno.h>
#include <semaphore.h>
#include <time.h>
#include "../../devices/pci.h"
#include "../../devices/pci_host.h"
#include "vm.h"
#include "test.h"

struct fake {
	struct pci_dev dev;
	struct pci_cfg_array cfg;
	int maps, unmaps;
	int clock, cmd_seen_at, last_unmap_at, last_map_at;
	uint64_t last_addr;
	int last_bar;
	/* The last BAR access the PCI layer handed over. */
	int reads, writes, io_bar;
	uint64_t io_off;
	uint32_t io_len, io_val;
};

static void f_read(struct pci_dev *d, uint32_t off, void *data, uint32_t len)
{
	pci_cfg_array_read(&container_of(d, struct fake, dev)->cfg, off, data,
			   len);
}

static void f_write(struct pci_dev *d, uint32_t off, const void *data,
		    uint32_t len)
{
	struct fake *f = container_of(d, struct fake, dev);

	if (off == 4)
		f->cmd_seen_at = ++f->clock;
	pci_cfg_array_write(&f->cfg, off, data, len);
}

static void f_map(struct pci_dev *d, int bar, uint64_t addr, int on)
{
	struct fake *f = container_of(d, struct fake, dev);

	if (on) {
		f->maps++;
		f->last_map_at = ++f->clock;
	} else {
		f->unmaps++;
		f->last_unmap_at = ++f->clock;
	}
	f->last_addr = addr;
	f->last_bar = bar;
}

/* BAR reads answer (bar << 24 | offset), so a test sees where they went. */
static void f_bar_read(struct pci_dev *d, int bar, uint64_t off, void *data,
		       uint32_t len)
{
	struct fake *f = container_of(d, struct fake, dev);

	f->reads++;
	f->io_bar = bar;
	f->io_off = off;
	f->io_len = len;
	data_put(data, len, (uint64_t)bar << 24 | off);
}

static void f_bar_write(struct pci_dev *d, int bar, uint64_t off,
			const void *data, uint32_t len)
{
	struct fake *f = container_of(d, struct fake, dev);

	f->writes++;
	f->io_bar = bar;
	f->io_off = off;
	f->io_len = len;
	f->io_val = (uint32_t)data_get(data, len);
}

static const struct pci_dev_ops fake_ops = {
	.cfg_read = f_read,
	.cfg_write = f_write,
	.bar_read = f_bar_read,
	.bar_write = f_bar_write,
	.bar_map = f_map,
};

/* A VM with buses and a RAM layout, but no KVM: where BARs decode. */
static struct vm vm;
static struct pci_bus pci;

/*
 * A device whose config write takes as long as the test wants (as a
 * function-level reset or interrupt setup in the kernel does).
 */
static struct pci_dev slow_dev;
static sem_t slow_entered, slow_release, other_done;

static void slow_read(struct pci_dev *d, uint32_t off, void *data,
		      uint32_t len)
{
	memset(data, 0x5a, len);
}

static void slow_write(struct pci_dev *d, uint32_t off, const void *data,
		       uint32_t len)
{
	sem_post(&slow_entered);
	sem_wait(&slow_release);
}

static const struct pci_dev_ops slow_ops = { .cfg_read = slow_read,
					     .cfg_write = slow_write };

static void *slow_writer(void *arg)
{
	uint32_t v = 0x8000;

	pci_cfg_write(&pci, slow_dev.slot, 0, 0x48, &v, 4);
	return NULL;
}

static void *other_reader(void *arg)
{
	uint32_t *v = arg;

	pci_cfg_read(&pci, 3, 0, 0, v, 2);
	sem_post(&other_done);
	return NULL;
}

/* Does a config read of slot 3 finish while the slow device is busy? */
static int other_device_answers_while_slow(void)
{
	struct timespec until;
	pthread_t w, r;
	uint32_t v = 0;
	int done;

	sem_init(&slow_entered, 0, 0);
	sem_init(&slow_release, 0, 0);
	sem_init(&other_done, 0, 0);
	pthread_create(&w, NULL, slow_writer, NULL);
	sem_wait(&slow_entered);
	pthread_create(&r, NULL, other_reader, &v);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	done = sem_timedwait(&other_done, &until) == 0;
	sem_post(&slow_release);
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	return done && v == 0x1234;
}

static uint32_t rd(unsigned int slot, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	pci_cfg_read(&pci, slot, 0, off, &v, len);
	return v;
}

static void wr(unsigned int slot, uint32_t off, uint32_t v, uint32_t len)
{
	pci_cfg_write(&pci, slot, 0, off, &v, len);
}

static const struct pci_windows test_win = {
	.ecam = 0xe0000000, .ecam_size = 0x100000,
	.mem32 = 0xc0000000, .mem32_size = 0x20000000,
	.mem64 = 0x100000000ULL, .mem64_size = 0x100000000ULL,
	.io = 0xc000, .io_size = 0x4000,
	.intx_pin_base = 16, .intx_pins = 8,
};

/*
 * INTx swizzle, as the MP table and the guest see it: INTA-INTD of slot
 * S go to IOAPIC pin 16 + (S + pin - 1) % 8, for every slot and pin.
 */
static void check_intx_routing(void)
{
	static struct fake devs[PCI_SLOTS];
	unsigned int pin, slot, wrong = 0;
	struct pci_bus p;

	for (pin = 1; pin <= 4; pin++) {
		CHECK(pci_bus_init(&p, NULL, &test_win) == 0);
		for (slot = 0; slot < PCI_SLOTS; slot++) {
			struct fake *d = &devs[slot];
			uint32_t v = 0;
			unsigned int want = 16 + (slot + pin - 1) % 8;

			memset(d, 0, sizeof(*d));
			d->dev.name = "intx";
			d->dev.ops = &fake_ops;
			d->dev.irq_pin = (uint8_t)pin;
			if (pci_add_device(&p, &d->dev, (int)slot)) {
				wrong++;
				continue;
			}
			pci_cfg_read(&p, slot, 0, 0x3c, &v, 2);
			if (d->dev.irq_line != want || v != (pin << 8 | want)) {
				if (wrong++ < 4)
					printf("# slot %u INT%c: line %u, "
					       "want %u\n", slot, 'A' + pin - 1,
					       d->dev.irq_line, want);
			}
		}
		pthread_mutex_destroy(&p.lock);
	}
	CHECK_MSG(wrong == 0, "INTA-INTD of all 32 slots routed to pins "
		  "16 + (slot + pin - 1) % 8");
}

/*
 * Window placement: a 64-bit BAR that does not fit below 4 GiB goes to
 * the 64-bit window (the board puts it above RAM); a 32-bit one that
 * does not fit is refused.
 */
static void check_mem64_placement(void)
{
	struct fake big = { .dev = { .name = "big", .ops = &fake_ops } };
	struct fake small = { .dev = { .name = "small", .ops = &fake_ops } };
	struct fake wide = { .dev = { .name = "wide", .ops = &fake_ops } };
	struct pci_bus p;
	uint32_t lo = 0, hi = 0;

	CHECK(pci_bus_init(&p, NULL, &test_win) == 0);
	/* 1 GiB: twice the 512 MiB 32-bit window. */
	big.dev.bars[0] = (struct pci_bar){ .type = PCI_BAR_MEM64,
					    .size = 0x40000000, .prefetch = 1 };
	CHECK(pci_add_device(&p, &big.dev, 1) == 0);
	CHECK_MSG(big.dev.bars[0].addr == test_win.mem64,
		  "a 64-bit BAR too big for the 32-bit window goes to mem64");
	pci_cfg_read(&p, 1, 0, 0x10, &lo, 4);
	pci_cfg_read(&p, 1, 0, 0x14, &hi, 4);
	CHECK_MSG(lo == 0x0000000c && hi == 0x1,
		  "its BAR reads 0x1_0000000c (64-bit, prefetchable)");

	/* The 32-bit window is still free for a BAR that fits. */
	small.dev.bars[0] = (struct pci_bar){ .type = PCI_BAR_MEM64,
					      .size = 0x1000 };
	CHECK(pci_add_device(&p, &small.dev, 2) == 0);
	CHECK_MSG(small.dev.bars[0].addr == test_win.mem32,
		  "a 64-bit BAR that fits stays below 4 GiB");

	/* A second 1 GiB BAR follows the first, 1 GiB aligned. */
	wide.dev.bars[0] = (struct pci_bar){ .type = PCI_BAR_MEM64,
					     .size = 0x40000000 };
	wide.dev.bars[2] = (struct pci_bar){ .type = PCI_BAR_MEM32,
					     .size = 0x40000000 };
	CHECK_MSG(pci_add_device(&p, &wide.dev, 3) == -ENOSPC,
		  "a 32-bit BAR bigger than the 32-bit window is refused");
	wide.dev.bars[2] = (struct pci_bar){ 0 };
	CHECK(pci_add_device(&p, &wide.dev, 3) == 0);
	CHECK_MSG(wide.dev.bars[0].addr == test_win.mem64 + 0x40000000,
		  "the next big BAR follows in mem64");
	pthread_mutex_destroy(&p.lock);
}

/* An access through the buses, as a vCPU's exit makes it. */
static uint32_t mmio_rd(uint64_t gpa, uint32_t len)
{
	uint32_t v = 0;

	bus_read(&vm.mmio, gpa, &v, len);
	return v;
}

static uint32_t pio_rd(uint64_t port, uint32_t len)
{
	uint32_t v = 0;

	bus_read(&vm.pio, port, &v, len);
	return v;
}

/*
 * The PCI layer owns BAR decoding: a decoding BAR is a trap region that
 * hands each access to the device at (bar, offset); one that does not
 * decode is unclaimed (all-ones); moves, sizing and overlaps.
 */
static void check_bar_traps(struct fake *f)
{
	int before;

	wr(3, 0x04, 0x0003, 2);
	before = f->reads;
	CHECK_MSG(mmio_rd(0xc0000010, 4) == 0x10 && f->reads == before + 1 &&
		  f->io_bar == 0 && f->io_off == 0x10 && f->io_len == 4,
		  "a read of BAR0 reaches the device at (0, 0x10)");
	{
		uint16_t v = 0xbeef;

		bus_write(&vm.mmio, 0xc00ffffe, &v, 2);
		CHECK_MSG(f->writes == 1 && f->io_bar == 0 &&
			  f->io_off == 0xffffe && f->io_val == 0xbeef,
			  "a write at BAR0's last bytes reaches the device");
	}
	CHECK_MSG(pio_rd(0xc004, 1) == 4 &&
		  f->io_bar == 4 && f->io_off == 4,
		  "an I/O BAR traps on the I/O bus");
	wr(3, 0x04, 0x0001, 2);
	before = f->reads;
	CHECK_MSG(mmio_rd(0xc0000010, 4) == 0xffffffff && f->reads == before,
		  "memory decode off: BAR0 is unclaimed, all-ones");
	CHECK_MSG(pio_rd(0xc004, 1) == 4, "I/O decode stays on");
	wr(3, 0x04, 0x0002, 2);
	CHECK_MSG(mmio_rd(0xc0000000, 4) == 0, "memory decode back on");

	/* Moved: the old address is unclaimed, the new one is BAR0. */
	wr(3, 0x10, 0xc0800000, 4);
	CHECK_MSG(mmio_rd(0xc0000000, 4) == 0xffffffff &&
		  mmio_rd(0xc0800004, 4) == 4 && f->io_bar == 0,
		  "a moved BAR decodes at its new address only");
	/* Sizing: the all-ones pattern never decodes. */
	wr(3, 0x10, 0xffffffff, 4);
	CHECK_MSG(!f->dev.bars[0].decoding &&
		  mmio_rd(0xc0800004, 4) == 0xffffffff,
		  "a BAR being sized decodes nowhere");
	/* Over guest RAM: refused, RAM untouched. */
	wr(3, 0x10, 0x00100000, 4);
	CHECK_MSG(!f->dev.bars[0].decoding,
		  "a BAR placed over guest RAM is refused");
	/* Over the ECAM window: refused, config space still answers. */
	wr(3, 0x10, 0xe0000000, 4);
	CHECK_MSG(!f->dev.bars[0].decoding && mmio_rd(0xe0000000, 4) ==
						       0x00081b36,
		  "a BAR placed over ECAM is refused; ECAM still answers");
	/* A 64-bit BAR above 4 GiB. */
	CHECK_MSG(mmio_rd(0x200000008ULL, 4) == (2u << 24 | 8) &&
		  f->io_bar == 2,
		  "a 64-bit BAR decodes above 4 GiB");
	wr(3, 0x10, 0xc0000000, 4);
	CHECK_MSG(f->dev.bars[0].decoding && mmio_rd(0xc0000000, 4) == 0,
		  "moved back, BAR0 decodes again");
	CHECK_MSG(mmio_rd(0xc0200000, 4) == (unsigned int)PCI_ROM_BAR << 24,
		  "the ROM traps too, as BAR 6");
}

int main(void)
{
	struct pci_windows win = test_win;
	struct pci_host_bridge hb;
	struct fake f = { .dev = { .name = "fake", .ops = &fake_ops,
				   .irq_pin = 1 } };

	f.dev.bars[0] = (struct pci_bar){ .type = PCI_BAR_MEM32,
					  .size = 0x100000 };
	f.dev.bars[2] = (struct pci_bar){ .type = PCI_BAR_MEM64,
					  .size = 0x4000, .prefetch = 1 };
	f.dev.bars[4] = (struct pci_bar){ .type = PCI_BAR_IO, .size = 0x20 };
	f.dev.bars[PCI_ROM_BAR] = (struct pci_bar){ .type = PCI_BAR_MEM32,
						    .size = 0x10000 };
	f.cfg.regs[0] = 0x34;
	f.cfg.regs[1] = 0x12;
	f.cfg.wmask[4] = 0x07;

	CHECK(bus_init(&vm.pio, "pio", LOG_INFO) == 0 &&
	      bus_init(&vm.mmio, "mmio", LOG_WARN) == 0);
	mem_init(&vm.mem, 1 * GiB);
	CHECK(mem_add_region(&vm.mem, 0, 1 * GiB) == 0);
	CHECK(pci_bus_init(&pci, &vm, &win) == 0);
	CHECK(pci_host_bridge_init(&hb, &pci) == 0);
	CHECK(pci_add_device(&pci, &f.dev, 3) == 0);
	CHECK_MSG(pci_add_device(&pci, &f.dev, 3) == -EBUSY, "slot taken");

	CHECK_MSG(rd(0, 0, 4) == 0x00081b36 && rd(0, 0x0a, 2) == 0x0600,
		  "host bridge at 00:00.0");
	CHECK_MSG(rd(3, 0, 2) == 0x1234, "device answers in slot 3");
	CHECK_MSG(mmio_rd(0xe0000000 + (3 << 15), 2) == 0x1234,
		  "and through ECAM");
	CHECK_MSG(rd(5, 0, 4) == 0xffffffff, "empty slot reads all-ones");
	{
		uint32_t v = 0;

		pci_cfg_read(&pci, 3, 1, 0, &v, 4);
		CHECK_MSG(v == 0xffffffff, "function 1 reads all-ones");
	}
	CHECK_MSG(rd(3, 0x10, 4) == 0xc0000000, "BAR0 placed in the window");
	CHECK_MSG(rd(3, 0x18, 4) == 0xc010000c && rd(3, 0x1c, 4) == 0,
		  "64-bit prefetchable BAR2 placed below 4 GiB");
	CHECK_MSG(rd(3, 0x20, 4) == 0xc001, "I/O BAR4 in the I/O window");
	CHECK_MSG(rd(3, 0x3d, 1) == 1 && rd(3, 0x3c, 1) == 16 + (3 % 8),
		  "INTA of slot 3 routed to IOAPIC pin 19");
	CHECK_MSG(f.maps == 0 && mmio_rd(0xc0000000, 4) == 0xffffffff,
		  "nothing decodes before the command register");

	wr(3, 0x04, 0x0002, 2);
	CHECK_MSG(f.maps == 2, "memory decode maps BAR0, BAR2, not the ROM");
	wr(3, 0x04, 0x0003, 2);
	CHECK_MSG(f.maps == 3 && f.last_bar == 4 && f.last_addr == 0xc000,
		  "I/O decode maps BAR4");

	/* Sizing BAR0 with decode on: it stops decoding, then comes back. */
	wr(3, 0x10, 0xffffffff, 4);
	CHECK_MSG(rd(3, 0x10, 4) == 0xfff00000, "BAR0 size mask");
	CHECK_MSG(f.unmaps == 1 && f.last_bar == 0,
		  "the all-ones pattern is not decoded");
	wr(3, 0x10, 0xc0000000, 4);
	CHECK(f.maps == 4 && f.last_addr == 0xc0000000);
	wr(3, 0x18, 0xffffffff, 4);
	wr(3, 0x1c, 0xffffffff, 4);
	CHECK_MSG(rd(3, 0x18, 4) == 0xffffc00c && rd(3, 0x1c, 4) == 0xffffffff,
		  "64-bit BAR size mask across both halves");
	wr(3, 0x18, 0x00000000, 4);
	wr(3, 0x1c, 0x00000002, 4);
	CHECK_MSG(f.last_addr == 0x200000000ULL && f.last_bar == 2,
		  "64-bit BAR moved above 4 GiB");
	wr(3, 0x20, 0xffffffff, 4);
	CHECK_MSG(rd(3, 0x20, 4) == 0xffffffe1, "I/O BAR size mask");
	wr(3, 0x20, 0xc000, 4);
	CHECK(f.last_addr == 0xc000);

	wr(3, 0x30, 0xc0200001, 4);
	CHECK_MSG(f.last_bar == PCI_ROM_BAR && f.last_addr == 0xc0200000,
		  "ROM decodes once its enable bit is set");
	CHECK_MSG(rd(3, 0x30, 4) == 0xc0200001, "ROM BAR reads back");

	{
		int before = f.unmaps;

		wr(3, 0x04, 0x0000, 2);
		CHECK_MSG(f.unmaps == before + 4,
			  "clearing decode unmaps every decoding BAR");
		CHECK_MSG(f.last_unmap_at < f.cmd_seen_at,
			  "decode off: mappings go before the device sees it");
		wr(3, 0x04, 0x0002, 2);
		CHECK_MSG(f.last_map_at > f.cmd_seen_at,
			  "decode on: mappings come after the device sees it");
	}
	check_bar_traps(&f);

	/* Byte writes to the command register and odd accesses. */
	wr(3, 0x04, 0x00, 1);
	CHECK_MSG(!f.dev.bars[0].decoding, "byte write to the command register");
	CHECK_MSG(rd(3, 0x03, 2) == 0xffff,
		  "an access crossing a dword reads all-ones");
	wr(3, 0x3c, 0x0b, 1);
	CHECK_MSG(rd(3, 0x3c, 1) == 0x0b, "interrupt line is writable");
	wr(3, 0x3d, 0x04, 1);
	CHECK_MSG(rd(3, 0x3d, 1) == 1, "interrupt pin is read-only");

	/* One device's slow config write holds up no other device. */
	slow_dev = (struct pci_dev){ .name = "slow", .ops = &slow_ops };
	CHECK(pci_add_device(&pci, &slow_dev, -1) == 0);
	CHECK_MSG(other_device_answers_while_slow(),
		  "a config read of one device completes while another "
		  "device's config write is in progress");
	pci_remove_device(&pci, &slow_dev);
	CHECK(rd(slow_dev.slot, 0, 4) == 0xffffffff);

	wr(3, 0x04, 0x0003, 2);
	pci_remove_device(&pci, &f.dev);
	CHECK_MSG(rd(3, 0, 4) == 0xffffffff && mmio_rd(0xc0000000, 4) ==
							0xffffffff,
		  "a removed device's config space and BARs are gone");
	pci_remove_device(&pci, &f.dev);
	CHECK_MSG(pci.slots[3] == NULL && f.dev.bars[0].decoding == 0,
		  "removing twice is harmless");

	check_intx_routing();
	check_mem64_placement();
	return test_done();
}
