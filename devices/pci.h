/* SPDX-License-Identifier: MIT */
/* PCI bus 0: config space dispatch, BAR emulation, windows, INTx routing. */
#ifndef FERRY_PCI_H
#define FERRY_PCI_H

#include <pthread.h>
#include <stdint.h>
#include <linux/pci_regs.h>
#include "../vmm/bus.h"
#include "../vmm/log.h"

struct vm;
struct pci_bus;
struct pci_dev;

#define PCI_SLOTS 32
#define PCI_CFG_SPACE 4096
#define PCI_NUM_BARS 6
#define PCI_ROM_BAR 6 /* index of the expansion ROM in pci_dev.bars */

enum pci_bar_type { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

/*
 * One BAR (or the ROM BAR). The PCI layer owns its register and its
 * decoding: while @decoding, @trap covers [@gpa, @gpa + @size) on the I/O
 * or memory bus and hands every access to the device at (bar, offset).
 * This is the only copy of the decode state.
 */
struct pci_bar {
	enum pci_bar_type type;
	uint64_t size;	/* a power of two; 0: not implemented */
	int prefetch;
	uint64_t addr;	/* what the guest programmed (sizing masked in) */
	int decoding;	/* @trap is on its bus at @gpa */
	uint64_t gpa;
	struct bus_dev trap;
	struct pci_dev *dev;
	int index;
};

/*
 * A device model's callbacks. Config accesses never cross a dword and
 * never reach the BARs or the ROM BAR: the PCI layer emulates those.
 * Writes to the command register reach the device too (bus mastering).
 * The config callbacks and bar_map run with the device's own lock held
 * (one config access of a device at a time), never the bus-wide one: a
 * slow callback (a reset, interrupt setup in the kernel) holds up that
 * device only.
 */
struct pci_dev_ops {
	void (*cfg_read)(struct pci_dev *dev, uint32_t off, void *data,
			 uint32_t len);
	void (*cfg_write)(struct pci_dev *dev, uint32_t off, const void *data,
			  uint32_t len);
	/*
	 * An access to BAR @bar at @off (inside it; @len 1, 2, 4 or 8).
	 * Called without any PCI lock, from any vCPU, several at once: the
	 * device locks what it shares. NULL: reads all-ones, writes dropped.
	 */
	void (*bar_read)(struct pci_dev *dev, int bar, uint64_t off,
			 void *data, uint32_t len);
	void (*bar_write)(struct pci_dev *dev, int bar, uint64_t off,
			  const void *data, uint32_t len);
	/*
	 * Optional, the fast path (bhyve's pe_baraddr): BAR @bar now
	 * decodes at @gpa (@on, after its trap is in place) or stops (before
	 * its trap goes). A device may map its BAR there so that accesses no
	 * longer exit. Cannot fail. Called with the device's lock held.
	 */
	void (*bar_map)(struct pci_dev *dev, int bar, uint64_t gpa, int on);
};

/* Embedded in a device model; get back with container_of. */
struct pci_dev {
	const char *name;
	const struct pci_dev_ops *ops;
	uint8_t slot;	  /* device number on bus 0 */
	uint8_t irq_pin;  /* 1-4 for INTA-INTD, 0 for none */
	uint8_t irq_line; /* the interrupt controller pin INTx is routed to */
	uint16_t command; /* shadow of the command register */
	struct pci_bar bars[PCI_NUM_BARS + 1];
	struct pci_bus *bus;
	/* Its config accesses, command shadow and BAR state; set up by
	 * pci_add_device(). Taken after the bus lock, never the other way. */
	pthread_mutex_t lock;
};

/* Guest-physical windows and the ECAM area (set by the board). */
struct pci_windows {
	uint64_t ecam, ecam_size;
	uint64_t mem32, mem32_size;
	uint64_t mem64, mem64_size;
	uint64_t io, io_size;
	uint8_t intx_pin_base; /* first interrupt pin for INTx */
	uint8_t intx_pins;     /* number of pins shared by INTx */
};

struct pci_bus {
	struct vm *vm;	       /* its buses carry the BARs; NULL in tests */
	struct pci_windows win;
	pthread_mutex_t lock;  /* the slot table and the windows */
	struct pci_dev *slots[PCI_SLOTS];
	uint64_t next_mem32, next_mem64, next_io;
	struct bus_dev ecam_dev;
	struct log_ratelimit bad_rl;
};

/*
 * Set up bus 0 with @win, claiming the ECAM window on @vm's memory bus;
 * BARs will decode on @vm's I/O and memory buses. @vm may be NULL (unit
 * tests): then nothing is claimed and BARs never decode. 0 or -errno.
 */
int pci_bus_init(struct pci_bus *pci, struct vm *vm,
		 const struct pci_windows *win) __must_check;

/*
 * Put @dev in slot @slot (or the first free one if @slot < 0), assign
 * each implemented BAR an address in the right window as firmware would,
 * and route INTx. BARs start decoding only when the guest (or
 * pci_enable_decode()) sets the command bits. Returns 0, -EBUSY (slot
 * taken), -ENOSPC (no slot or window space), -EINVAL (a BAR size that is
 * not a power of two), -errno (lock setup); a refused device takes no
 * window space.
 */
int pci_add_device(struct pci_bus *pci, struct pci_dev *dev,
		   int slot) __must_check;

/*
 * Stop @dev's BARs decoding and take it off the bus; waits for a config
 * access in progress on it. Safe on a device never added, and twice.
 */
void pci_remove_device(struct pci_bus *pci, struct pci_dev *dev);

/* Turn on memory and I/O decoding as firmware leaves devices. */
void pci_enable_decode(struct pci_dev *dev);

/* Config access to bus 0, device @slot, function @fn (only 0 exists). */
void pci_cfg_read(struct pci_bus *pci, unsigned int slot, unsigned int fn,
		  uint32_t off, void *data, uint32_t len);
void pci_cfg_write(struct pci_bus *pci, unsigned int slot, unsigned int fn,
		   uint32_t off, const void *data, uint32_t len);

/* Byte-array config space for emulated devices, with a write mask. */
struct pci_cfg_array {
	uint8_t regs[256];
	uint8_t wmask[256];
};
void pci_cfg_array_read(const struct pci_cfg_array *c, uint32_t off,
			void *data, uint32_t len);
void pci_cfg_array_write(struct pci_cfg_array *c, uint32_t off,
			 const void *data, uint32_t len);

/*
 * pci_bar.c, for pci.c: a BAR register's value, a write to it, and the
 * decode update after the command register or a BAR changed. Called with
 * dev->lock held.
 */
uint32_t pci_bar_reg(const struct pci_dev *dev, int i);
void pci_bar_reg_write(struct pci_dev *dev, int i, uint32_t v);
void pci_bars_update(struct pci_dev *dev);
/* Stop every BAR of @dev decoding (removal). dev->lock held. */
void pci_bars_off(struct pci_dev *dev);
/* Set up each BAR's trap for @dev (pci_add_device). */
void pci_bars_init(struct pci_dev *dev);

#endif
