/* SPDX-License-Identifier: MIT */
/* KVM interrupt routing: MSI routes, irqfds and INTx resampling. */
#ifndef FERRY_IRQ_H
#define FERRY_IRQ_H

#include <pthread.h>
#include <stdint.h>
#include "util.h"

struct vm;
struct kvm_irq_routing;

#define IRQ_MAX_GSI 1024
#define IRQ_FIRST_MSI_GSI 24 /* 0-23: the IOAPIC (0-15 also the PICs) */

struct irq_routing {
	pthread_mutex_t lock;
	struct kvm_irq_routing *table; /* irqchip routes + used MSI routes */
	uint8_t used[IRQ_MAX_GSI];     /* MSI GSIs handed out */
	uint64_t msi_addr[IRQ_MAX_GSI];
	uint32_t msi_data[IRQ_MAX_GSI];
};

/* Start with KVM's default irqchip routes. 0 or -errno. */
int irq_routing_init(struct irq_routing *r) __must_check;
void irq_routing_destroy(struct irq_routing *r);

/*
 * Allocate a GSI routed as an MSI with @addr/@data and commit the table
 * to KVM. Returns the GSI, or -ENOSPC / -errno from KVM.
 */
int vm_msi_route_add(struct vm *vm, uint64_t addr, uint32_t data);

/* Change the message of MSI route @gsi. 0 or -errno. */
int vm_msi_route_update(struct vm *vm, int gsi, uint64_t addr,
			uint32_t data) __must_check;

/* Free MSI route @gsi (its irqfd must be gone). */
void vm_msi_route_del(struct vm *vm, int gsi);

/*
 * Inject @gsi each time @fd (an eventfd) is signalled; with @resample_fd
 * >= 0 the GSI is level-triggered and @resample_fd is signalled when the
 * guest EOIs it (INTx). 0 or -errno.
 */
int vm_irqfd_assign(struct vm *vm, int fd, int gsi,
		    int resample_fd) __must_check;
void vm_irqfd_deassign(struct vm *vm, int fd, int gsi);

#endif
