/* SPDX-License-Identifier: MIT */
/* PCI bus 0: config space dispatch, BAR emulation, windows, INTx routing. */
#ifndef FERRY_PCI_H
#define FERRY_PCI_H

#include <pthread.h>
#include <stdint.h>
#include "../vmm/bus.h"
#include "../vmm/log.h"

struct vm;
struct pci_dev;

#define PCI_SLOTS 32
#define PCI_CFG_SPACE 4096
#define PCI_NUM_BARS 6
#define PCI_ROM_BAR 6 /* index of the expansion ROM in pci_dev.bars */

enum pci_bar_type { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	enum pci_bar_type type;
	uint64_t size;	/* a power of two; 0: not implemented */
	int prefetch;
	uint64_t addr;	/* what the guest programmed (sizing masked in) */
	int decoding;	/* bar_map() was told it decodes at @mapped_addr */
	uint64_t mapped_addr;
};

/*
 * A device model's callbacks. Config accesses never cross a dword and
 * never reach the BARs or the ROM BAR: the PCI layer emulates those.
 * Writes to the command register reach the device too (bus mastering).
 * Every callback runs with the device's own lock held (one config access
 * of a device at a time), never the bus-wide one: a slow callback (a
 * reset, interrupt setup in the kernel) holds up that device only.
 */
struct pci_dev_ops {
	void (*cfg_read)(struct pci_dev *dev, uint32_t off, void *data,
			 uint32_t len);
	void (*cfg_write)(struct pci_dev *dev, uint32_t off, const void *data,
			  uint32_t len);
	/*
	 * The one place a BAR's guest mapping changes (bhyve's pe_baraddr):
	 * BAR @bar starts (@on) or stops decoding at @addr. Returns 0, or
	 * -errno if it could not start (overlap, KVM refusal): the BAR then
	 * stays off until the guest moves or re-enables it. Stopping must
	 * not fail. Called with the device's lock (pci_dev.lock) held.
	 */
	int (*bar_map)(struct pci_dev *dev, int bar, uint64_t addr, int on);
};

/* Embedded in a device model; get back with container_of. */
struct pci_dev {
	const char *name;
	const struct pci_dev_ops *ops;
	uint8_t slot;	  /* device number on bus 0 */
	uint8_t irq_pin;  /* 1-4 for INTA-INTD, 0 for none */
	uint8_t irq_line; /* the IOAPIC pin INTx is routed to */
	uint16_t command; /* shadow of the command register */
	struct pci_bar bars[PCI_NUM_BARS + 1];
	struct pci *pci;
	/* Its config accesses, command shadow and BAR state; set up by
	 * pci_add_device(). Taken after pci.lock, never the other way. */
	pthread_mutex_t lock;
};

/* Guest-physical windows and the ECAM area (set by the board). */
struct pci_windows {
	uint64_t ecam, ecam_size;
	uint64_t mem32, mem32_size;
	uint64_t mem64, mem64_size;
	uint64_t io, io_size;
	uint8_t intx_pin_base; /* first IOAPIC pin for INTx (16) */
	uint8_t intx_pins;     /* number of pins shared by INTx (8) */
};

struct pci {
	struct vm *vm;
	struct pci_windows win;
	pthread_mutex_t lock; /* the slot table and the windows */
	struct pci_dev *slots[PCI_SLOTS];
	uint32_t cf8;	      /* the 0xcf8 address latch */
	uint64_t next_mem32, next_mem64, next_io;
	struct bus_dev cf8_dev, cfc_dev, ecam_dev;
	struct log_ratelimit bad_rl;
};

#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEM 0x2
#define PCI_COMMAND_MASTER 0x4

/*
 * Set up bus 0 with @win and claim 0xcf8/0xcfc and the ECAM window on
 * @vm's buses (when @vm is not NULL: unit tests pass none). 0 or -errno.
 */
int pci_init(struct pci *pci, struct vm *vm,
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
int pci_add_device(struct pci *pci, struct pci_dev *dev,
		   int slot) __must_check;

/*
 * Stop @dev's BARs decoding and take it off the bus; waits for a config
 * access in progress on it. Safe on a device never added.
 */
void pci_remove_device(struct pci *pci, struct pci_dev *dev);

/* Turn on memory and I/O decoding as firmware leaves devices. */
void pci_enable_decode(struct pci_dev *dev);

/* Config access to bus 0, device @slot, function 0 (others read ~0). */
void pci_cfg_read(struct pci *pci, unsigned int slot, unsigned int fn,
		  uint32_t off, void *data, uint32_t len);
void pci_cfg_write(struct pci *pci, unsigned int slot, unsigned int fn,
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

#endif
