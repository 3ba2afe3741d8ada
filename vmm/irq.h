/* SPDX-License-Identifier: MIT */
/* KVM interrupt routing: MSI routes, irqfds and INTx resampling. */
#ifndef FERRY_IRQ_H
#define FERRY_IRQ_H

#include <pthread.h>
#include <stdint.h>
#include "util.h"

struct vm;
struct kvm_irq_routing;

/*
 * GSIs below KVM_MAX_IRQ_ROUTES (4096 on x86 and arm64); the routes in
 * use are also at most what KVM_CAP_IRQ_ROUTING reports, irqchip routes
 * included (4096 - 40 MSI routes on x86).
 */
#define IRQ_MAX_GSI 4096

/*
 * ferry's copy of KVM's routing table, kept incrementally: adding,
 * changing or freeing an MSI route costs O(1) here; handing the table to
 * KVM (KVM_SET_GSI_ROUTING replaces all of it, O(routes) in the kernel)
 * happens once per irq_msi_commit(), so a caller changing many
 * routes at once (an MSI-X enable, a function mask) pays for one.
 */
struct irq_routing {
	pthread_mutex_t lock;	       /* everything below */
	struct kvm_irq_routing *table; /* irqchip routes, then MSI routes */
	unsigned int nr_chip;	       /* irqchip entries at the start */
	unsigned int first_msi;	       /* GSIs below are the irqchip's */
	unsigned int max_entries;      /* KVM's limit; 0 until first asked */
	int16_t entry[IRQ_MAX_GSI];    /* GSI -> index in table, -1: free */
	uint16_t free_gsi[IRQ_MAX_GSI]; /* a stack of free MSI GSIs */
	unsigned int nr_free;
	int dirty;		       /* the table differs from KVM's */
	int need_devid;		       /* MSI routes carry a device ID */
	uint64_t commits;	       /* KVM_SET_GSI_ROUTING calls */
};

/* Start with the irqchip's routes (arch_irqchip_routes()). 0 or -errno. */
int irq_routing_init(struct irq_routing *r) __must_check;
void irq_routing_destroy(struct irq_routing *r);

/*
 * Allocate a GSI routed as an MSI with @addr/@data from the device whose
 * PCI requester ID is @devid (bus << 8 | devfn) in ferry's table. An
 * interrupt controller that translates MSIs per device (arm64's ITS:
 * KVM_CAP_MSI_DEVID on the VM) gets @devid in the route; others ignore
 * it. KVM sees the route at the next irq_msi_commit(): attach an irqfd
 * only after that. Returns the GSI, or -ENOSPC (KVM's limit reached).
 */
int irq_msi_alloc(struct vm *vm, uint64_t addr, uint32_t data,
		  uint32_t devid);

/*
 * Change the message of MSI route @gsi in the table (KVM sees it at the
 * next commit). 0, or -EINVAL if @gsi is not an allocated MSI route.
 */
int irq_msi_set(struct vm *vm, int gsi, uint64_t addr, uint32_t data,
		uint32_t devid) __must_check;

/*
 * Free MSI route @gsi. Its irqfd must be gone; until the next commit KVM
 * keeps the route, which nothing injects any more.
 */
void irq_msi_free(struct vm *vm, int gsi);

/*
 * Hand the table to KVM if it changed: one KVM_SET_GSI_ROUTING for every
 * change since the last commit, whoever made them. 0, or -errno from KVM
 * (the changes stay pending and go with the next commit).
 */
int irq_msi_commit(struct vm *vm) __must_check;

/* MSI routes allocated now (--stats, tests). */
unsigned int irq_msi_count(struct vm *vm);

/*
 * Inject @gsi each time @fd (an eventfd) is signalled; with @resample_fd
 * >= 0 the GSI is level-triggered and @resample_fd is signalled when the
 * guest EOIs it (INTx). 0 or -errno.
 */
int irq_fd_attach(struct vm *vm, int fd, int gsi,
		    int resample_fd) __must_check;
void irq_fd_detach(struct vm *vm, int fd, int gsi);

#endif
