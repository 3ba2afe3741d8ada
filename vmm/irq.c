// SPDX-License-Identifier: MIT
/* KVM interrupt routing: MSI routes, irqfds and INTx resampling. */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "irq.h"
#include "log.h"
#include "vm.h"

int irq_routing_init(struct irq_routing *r)
{
	struct kvm_irq_routing_entry *e;
	unsigned int gsi, n = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = -pthread_mutex_init(&r->lock, NULL);
	if (ret)
		return ret;
	r->table = calloc(1, sizeof(*r->table) +
				     (16 * 2 + 8 + IRQ_MAX_GSI) * sizeof(*e));
	if (!r->table)
		return -ENOMEM;
	e = r->table->entries;
	/* KVM's defaults: GSI n -> IOAPIC pin n, and for n < 16 the PICs. */
	for (gsi = 0; gsi < IRQ_FIRST_MSI_GSI; gsi++) {
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e[n].u.irqchip.pin = gsi;
		n++;
		if (gsi >= 16)
			continue;
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
						 : KVM_IRQCHIP_PIC_SLAVE;
		e[n].u.irqchip.pin = gsi % 8;
		n++;
	}
	r->table->nr = n;
	return 0;
}

void irq_routing_destroy(struct irq_routing *r)
{
	free(r->table);
	r->table = NULL;
	pthread_mutex_destroy(&r->lock);
}

/* Rebuild the MSI part of the table and hand it to KVM. Lock held. */
static int commit(struct vm *vm)
{
	struct irq_routing *r = &vm->irq;
	struct kvm_irq_routing_entry *e = r->table->entries;
	unsigned int n = 0, gsi;

	while (n < r->table->nr && e[n].type == KVM_IRQ_ROUTING_IRQCHIP)
		n++;
	for (gsi = IRQ_FIRST_MSI_GSI; gsi < IRQ_MAX_GSI; gsi++) {
		if (!r->used[gsi])
			continue;
		memset(&e[n], 0, sizeof(e[n]));
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_MSI;
		e[n].u.msi.address_lo = (uint32_t)r->msi_addr[gsi];
		e[n].u.msi.address_hi = (uint32_t)(r->msi_addr[gsi] >> 32);
		e[n].u.msi.data = r->msi_data[gsi];
		n++;
	}
	r->table->nr = n;
	if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r->table) < 0)
		return -errno;
	return 0;
}

int vm_msi_route_add(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct irq_routing *r = &vm->irq;
	int gsi, ret;

	pthread_mutex_lock(&r->lock);
	for (gsi = IRQ_FIRST_MSI_GSI; gsi < IRQ_MAX_GSI && r->used[gsi]; gsi++)
		;
	if (gsi == IRQ_MAX_GSI) {
		ret = -ENOSPC;
		goto out;
	}
	r->used[gsi] = 1;
	r->msi_addr[gsi] = addr;
	r->msi_data[gsi] = data;
	ret = commit(vm);
	if (ret)
		r->used[gsi] = 0;
	else
		ret = gsi;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int vm_msi_route_update(struct vm *vm, int gsi, uint64_t addr, uint32_t data)
{
	struct irq_routing *r = &vm->irq;
	int ret;

	if (gsi < IRQ_FIRST_MSI_GSI || gsi >= IRQ_MAX_GSI)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	if (r->msi_addr[gsi] == addr && r->msi_data[gsi] == data) {
		ret = 0;
	} else {
		r->msi_addr[gsi] = addr;
		r->msi_data[gsi] = data;
		ret = commit(vm);
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void vm_msi_route_del(struct vm *vm, int gsi)
{
	struct irq_routing *r = &vm->irq;

	if (gsi < IRQ_FIRST_MSI_GSI || gsi >= IRQ_MAX_GSI)
		return;
	pthread_mutex_lock(&r->lock);
	r->used[gsi] = 0;
	if (commit(vm))
		warn("cannot remove MSI route %d: %s", gsi, strerror(errno));
	pthread_mutex_unlock(&r->lock);
}

int vm_irqfd_assign(struct vm *vm, int fd, int gsi, int resample_fd)
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

void vm_irqfd_deassign(struct vm *vm, int fd, int gsi)
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
