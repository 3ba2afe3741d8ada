// SPDX-License-Identifier: MIT
/*
 * MSIs for arm64 test guests through the GICv3 ITS: LPIs on this CPU's
 * redistributor, the ITS's device and collection tables and command
 * queue, and per (device, vector) a MAPD/MAPTI so that the device's
 * write of the vector to GITS_TRANSLATER raises LPI 8192 + vector.
 * One collection (0) on the CPU that sets it up.
 */
#include "../guest.h"
#include "gic.h"

#define GITS_CTLR 0x0000
#define GITS_CBASER 0x0080
#define GITS_CWRITER 0x0088
#define GITS_CREADR 0x0090
#define GITS_BASER 0x0100
#define GITS_TRANSLATER 0x10040
#define GICR_CTLR 0x0000
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define VALID (1ULL << 63)
#define ID_BITS 14 /* LPIs 8192-16383 */
#define EVENT_BITS 8
#define MAX_DEVICES 256 /* bus 0 */

#define CMD_MAPD 0x08
#define CMD_MAPC 0x09
#define CMD_MAPTI 0x0a
#define CMD_SYNC 0x05

static uint8_t prop_table[(1 << ID_BITS) - GIC_LPI_BASE]
	__attribute__((aligned(4096)));
static uint8_t pend_table[1 << (ID_BITS - 3)] __attribute__((aligned(65536)));
static uint64_t cmd_queue[4096 / 8] __attribute__((aligned(4096)));
/*
 * The device and collection tables: one flat 64 KiB page each, 64 KiB
 * aligned. KVM's ITS takes 64 KiB pages only (it forces GITS_BASER's
 * Page_Size to 64K and reads bits 15:12 of the address as bits 51:48):
 * a 4 KiB-aligned table would sit at an address no memslot has, and
 * every MAPD and MAPC would fail, every MSI be dropped.
 */
#define BASER_TYPE_DEVICE 1
#define BASER_TYPE_COLLECTION 4
#define BASER_PAGE_64K (2ULL << 8)
static uint8_t its_tables[2][65536] __attribute__((aligned(65536)));
/* One interrupt translation table per device (8-byte entries in KVM). */
static uint8_t itt[MAX_DEVICES][(1 << EVENT_BITS) * 8]
	__attribute__((aligned(256)));
static uint8_t mapped[MAX_DEVICES];
static unsigned int cmd_next, ready, rd_proc;

static void its_cmd(uint64_t d0, uint64_t d1, uint64_t d2)
{
	uint64_t *c = &cmd_queue[cmd_next * 4];
	unsigned long spins = 10000000;

	c[0] = d0;
	c[1] = d1;
	c[2] = d2;
	c[3] = 0;
	cmd_next = (cmd_next + 1) % (sizeof(cmd_queue) / 32);
	dsb(sy);
	mmio_write64(GITS_BASE + GITS_CWRITER, (uint64_t)cmd_next * 32);
	while (mmio_read64(GITS_BASE + GITS_CREADR) != (uint64_t)cmd_next * 32 &&
	       spins--)
		cpu_relax();
}

/* LPIs on this CPU, the ITS's tables and queue, collection 0 here. */
static int its_setup(void)
{
	uint64_t rd = gicr_base();
	unsigned int i;

	for (i = 0; i < sizeof(prop_table); i++)
		prop_table[i] = 0xa0; /* priority, disabled */
	dsb(sy);
	mmio_write64(rd + GICR_PROPBASER, (uintptr_t)prop_table | (ID_BITS - 1));
	mmio_write64(rd + GICR_PENDBASER, (uintptr_t)pend_table);
	mmio_write32(rd + GICR_CTLR, mmio_read32(rd + GICR_CTLR) | 1);

	/* Device and collection tables (nothing else is used here). */
	for (i = 0; i < 8; i++) {
		uint64_t b = mmio_read64(GITS_BASE + GITS_BASER + i * 8);
		uint64_t type = (b >> 56) & 7, esz = (b >> 48) & 0x1f;
		unsigned int t;

		if (type == BASER_TYPE_DEVICE)
			t = 0;
		else if (type == BASER_TYPE_COLLECTION)
			t = 1;
		else
			continue;
		mmio_write64(GITS_BASE + GITS_BASER + i * 8,
			     VALID | type << 56 | esz << 48 | BASER_PAGE_64K |
				     (uintptr_t)its_tables[t]);
	}
	mmio_write64(GITS_BASE + GITS_CBASER, VALID | (uintptr_t)cmd_queue);
	mmio_write64(GITS_BASE + GITS_CWRITER, 0);
	mmio_write32(GITS_BASE + GITS_CTLR, 1);
	if (!(mmio_read32(GITS_BASE + GITS_CTLR) & 1))
		return -1;
	/* GITS_TYPER.PTA is 0 in KVM: a redistributor is named by its
	 * processor number, which KVM makes the vCPU index. */
	rd_proc = cpu_hw_id();
	its_cmd(CMD_MAPC, 0, VALID | (uint64_t)rd_proc << 16 | 0);
	its_cmd(CMD_SYNC, 0, (uint64_t)rd_proc << 16);
	ready = 1;
	return 0;
}

int msi_message(unsigned int devid, unsigned int vector, uint64_t *addr,
		uint32_t *data)
{
	unsigned int lpi = GIC_LPI_BASE + (vector & 0xff);

	if (devid >= MAX_DEVICES || (!ready && its_setup()))
		return -1;
	prop_table[lpi - GIC_LPI_BASE] = 0xa0 | 1; /* enabled */
	dsb(sy);
	if (!mapped[devid]) {
		its_cmd(CMD_MAPD | (uint64_t)devid << 32, EVENT_BITS - 1,
			VALID | (uintptr_t)itt[devid]);
		mapped[devid] = 1;
	}
	/* Event = vector: the message's data. */
	its_cmd(CMD_MAPTI | (uint64_t)devid << 32,
		(vector & 0xff) | (uint64_t)lpi << 32, 0);
	its_cmd(CMD_SYNC, 0, (uint64_t)rd_proc << 16);
	*addr = GITS_BASE + GITS_TRANSLATER;
	*data = vector & 0xff;
	return 0;
}
