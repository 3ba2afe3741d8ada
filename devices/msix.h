/* SPDX-License-Identifier: MIT */
/*
 * MSI-X of an emulated PCI device: its table and pending bits, each
 * vector an eventfd that KVM turns into the guest's message (an MSI route
 * and an irqfd, vmm/irq.h), so a device thread interrupts the guest
 * without an ioctl.
 */
#ifndef FERRY_MSIX_H
#define FERRY_MSIX_H

#include <pthread.h>
#include <stdint.h>
#include "../vmm/log.h"
#include "../vmm/util.h"

struct vm;

#define MSIX_MAX_VECTORS 64
#define MSIX_ENTRY_SIZE 16

struct msix_vector {
	uint32_t entry[4]; /* address low, high, data, control: as written */
	int efd;	   /* what the device signals */
	int gsi;	   /* its MSI route, -1: none */
	int irqfd_on;
};

struct msix {
	struct vm *vm;
	/*
	 * The function's PCI requester ID (bus << 8 | devfn), which its
	 * routes carry where MSIs are told apart by device (arm64's ITS):
	 * set by the device once it has its slot, before the guest runs.
	 */
	uint32_t devid;
	pthread_mutex_t lock; /* everything below */
	unsigned int nr;
	int enabled, masked;  /* the capability's enable and function mask */
	struct msix_vector v[MSIX_MAX_VECTORS];
	uint64_t sent;	      /* msix_notify() calls that signalled */
	struct log_ratelimit rl;
};

/*
 * @nr vectors (1 .. MSIX_MAX_VECTORS) for a device of @vm, all masked and
 * MSI-X off, as at reset. 0 or -errno (nothing left behind).
 */
int msix_init(struct msix *x, struct vm *vm, unsigned int nr) __must_check;

/* Release routes, irqfds and eventfds. Safe twice, and after a failed init. */
void msix_destroy(struct msix *x);

/* Reset: MSI-X off, every entry zero and masked; routes and irqfds go. */
void msix_reset(struct msix *x);

/*
 * The guest wrote the capability's control word: MSI-X @enable and the
 * function @mask. Routes and irqfds follow, one routing commit for all.
 */
void msix_control(struct msix *x, int enable, int mask);

/*
 * Accesses to the table and the PBA at @off inside them. Entries take
 * 4- and 8-byte aligned accesses (others read all-ones and are dropped,
 * said rate-limited); the PBA is read-only.
 */
void msix_table_read(struct msix *x, uint64_t off, void *data, uint32_t len);
void msix_table_write(struct msix *x, uint64_t off, const void *data,
		      uint32_t len);
void msix_pba_read(struct msix *x, uint64_t off, void *data, uint32_t len);

/*
 * The device raises vector @i: with its entry unmasked the guest gets the
 * message; masked, it stays pending (the PBA shows it) and is delivered
 * when unmasked. 0; -ENODEV when MSI-X is off (the device uses INTx,
 * whatever @i); -EINVAL for a vector the device does not have (such as
 * virtio's NO_VECTOR: no interrupt). Any thread.
 */
int msix_notify(struct msix *x, unsigned int i);

/* Bytes of the table and the PBA of @nr vectors. */
#define MSIX_TABLE_SIZE(nr) ((nr) * MSIX_ENTRY_SIZE)
#define MSIX_PBA_SIZE(nr) ((((nr) + 63) / 64) * 8)

#endif
