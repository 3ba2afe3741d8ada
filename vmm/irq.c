// SPDX-License-Identifier: MIT
/* KVM interrupt routing: MSI routes, irqfds and INTx resampling. */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "arch.h"
#include "irq.h"
#include "log.h"
#include "vm.h"

int irq_routing_init(struct irq_routing *r)
{
	struct kvm_irq_routing_entry *e;
	unsigned int gsi;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = -pthread_mutex_init(&r->lock, NULL);
	if (ret)
		return ret;
	r->table = calloc(1, sizeof(*r->table) + IRQ_MAX_GSI * sizeof(*e));
	if (!r->table) {
		pthread_mutex_destroy(&r->lock);
		return -ENOMEM;
	}
	/* The interrupt controller's own routes, as KVM starts with them. */
	r->table->nr = r->nr_chip = arch_irqchip_routes(r->table->entries,
							 IRQ_MAX_GSI,
							 &r->first_msi);
	for (gsi = 0; gsi < IRQ_MAX_GSI; gsi++)
		r->entry[gsi] = -1;
	return 0;
}

void irq_routing_destroy(struct irq_routing *r)
{
	free(r->table);
	r->table = NULL;
	pthread_mutex_destroy(&r->lock);
}

/*
 * The first allocation asks KVM how many routes it takes and fills the
 * free list with the GSIs below that. Called with r->lock held.
 */
static void learn_limit(struct vm *vm, struct irq_routing *r)
{
	int max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING);
	unsigned int gsi;

	/* Without the capability's answer: KVM's limit before Linux 4.11. */
	r->max_entries = max > 0 ? MIN((unsigned int)max, IRQ_MAX_GSI) : 1024;
	/* An ITS (arm64) translates by device: KVM then wants the ID. */
	r->need_devid = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION,
			      KVM_CAP_MSI_DEVID) > 0;
	r->nr_free = 0;
	for (gsi = r->max_entries; gsi-- > r->first_msi;)
		r->free_gsi[r->nr_free++] = (uint16_t)gsi;
}

/* Called with r->lock held. */
static void set_msi(const struct irq_routing *r,
		    struct kvm_irq_routing_entry *e, unsigned int gsi,
		    uint64_t addr, uint32_t data, uint32_t devid)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = (uint32_t)(addr >> 32);
	e->u.msi.data = data;
	if (r->need_devid) {
		e->flags = KVM_MSI_VALID_DEVID;
		e->u.msi.devid = devid;
	}
}

int irq_msi_alloc(struct vm *vm, uint64_t addr, uint32_t data,
		  uint32_t devid)
{
	struct irq_routing *r = &vm->irq;
	unsigned int gsi;
	int ret = -ENOSPC;

	pthread_mutex_lock(&r->lock);
	if (!r->max_entries)
		learn_limit(vm, r);
	if (!r->nr_free || r->table->nr >= r->max_entries)
		goto out;
	gsi = r->free_gsi[--r->nr_free];
	r->entry[gsi] = (int16_t)r->table->nr;
	set_msi(r, &r->table->entries[r->table->nr++], gsi, addr, data, devid);
	r->dirty = 1;
	ret = (int)gsi;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_msi_set(struct vm *vm, int gsi, uint64_t addr, uint32_t data,
		uint32_t devid)
{
	struct irq_routing *r = &vm->irq;
	struct kvm_irq_routing_entry *e;
	int ret = -EINVAL;

	if (gsi < (int)vm->irq.first_msi || gsi >= IRQ_MAX_GSI)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	if (r->entry[gsi] < 0)
		goto out;
	e = &r->table->entries[r->entry[gsi]];
	if (e->u.msi.address_lo != (uint32_t)addr ||
	    e->u.msi.address_hi != (uint32_t)(addr >> 32) ||
	    e->u.msi.data != data ||
	    (r->need_devid && e->u.msi.devid != devid)) {
		set_msi(r, e, (unsigned int)gsi, addr, data, devid);
		r->dirty = 1;
	}
	ret = 0;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void irq_msi_free(struct vm *vm, int gsi)
{
	struct irq_routing *r = &vm->irq;
	struct kvm_irq_routing_entry *e;
	unsigned int i, last;

	if (gsi < (int)vm->irq.first_msi || gsi >= IRQ_MAX_GSI)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->entry[gsi] < 0)
		goto out;
	/* The last entry fills the hole: the table stays dense. */
	e = r->table->entries;
	i = (unsigned int)r->entry[gsi];
	last = --r->table->nr;
	if (i != last) {
		e[i] = e[last];
		r->entry[e[i].gsi] = (int16_t)i;
	}
	r->entry[gsi] = -1;
	r->free_gsi[r->nr_free++] = (uint16_t)gsi;
	r->dirty = 1;
out:
	pthread_mutex_unlock(&r->lock);
}

int irq_msi_commit(struct vm *vm)
{
	struct irq_routing *r = &vm->irq;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	if (r->dirty) {
		r->commits++;
		if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r->table) < 0)
			ret = -errno;
		else
			r->dirty = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

unsigned int irq_msi_count(struct vm *vm)
{
	unsigned int n;

	pthread_mutex_lock(&vm->irq.lock);
	n = vm->irq.table->nr - vm->irq.nr_chip;
	pthread_mutex_unlock(&vm->irq.lock);
	return n;
}

int irq_fd_attach(struct vm *vm, int fd, int gsi, int resample_fd)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = (uint32_t)gsi,
	};

	if (resample_fd >= 0) {
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = (uint32_t)resample_fd;
	}
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return -errno;
	return 0;
}

void irq_fd_detach(struct vm *vm, int fd, int gsi)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = (uint32_t)gsi,
		.flags = KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		warn("cannot detach irqfd %d from GSI %d: %s", fd, gsi,
		     strerror(errno));
}
