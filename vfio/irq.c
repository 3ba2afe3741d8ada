// SPDX-License-Identifier: MIT
/*
 * Interrupts of a VFIO device, delivered by KVM without exits: VFIO
 * signals an eventfd, an irqfd injects the GSI. INTx is level-triggered
 * with a resample eventfd that unmasks it at the guest's EOI; MSI and
 * MSI-X vectors are MSI routes. A masked MSI-X vector has its irqfd
 * detached: interrupts pile up in the eventfd, and KVM injects the
 * pending one when the irqfd is attached again (the PBA's meaning).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"

#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_MMC 0x000e
#define MSI_CTRL_MME 0x0070
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_VECTOR_MASKED 1

static int set_irqs(struct vfio_pci_dev *d, unsigned int index, uint32_t flags,
		    unsigned int count, const int32_t *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + count * sizeof(int32_t);
	struct vfio_irq_set *set = calloc(1, sz);
	int ret = 0;

	if (!set)
		return -ENOMEM;
	set->argsz = (uint32_t)sz;
	set->flags = flags;
	set->index = index;
	set->start = 0;
	set->count = count;
	if (count && fds)
		memcpy(set->data, fds, count * sizeof(int32_t));
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) < 0)
		ret = -errno;
	free(set);
	return ret;
}

static int disable_index(struct vfio_pci_dev *d, unsigned int index)
{
	return set_irqs(d, index,
			VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			0, NULL);
}

/* INTx on: trigger and resample eventfds, irqfd on the routed pin. */
static int intx_enable(struct vfio_pci_dev *d)
{
	int32_t trigger = d->intx_efd, unmask = d->intx_resample_efd;
	int ret;

	if (!d->pci.irq_pin || d->intx_on)
		return 0;
	ret = set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
		       VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		       1, &trigger);
	if (!ret)
		ret = set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
			       VFIO_IRQ_SET_DATA_EVENTFD |
				       VFIO_IRQ_SET_ACTION_UNMASK,
			       1, &unmask);
	if (!ret)
		ret = vm_irqfd_assign(d->vfio->vm, d->intx_efd, d->intx_gsi,
				      d->intx_resample_efd);
	if (ret) {
		disable_index(d, VFIO_PCI_INTX_IRQ_INDEX);
		return ret;
	}
	d->intx_on = 1;
	return 0;
}

/*
 * INTx off, in the order that keeps the two kernel users of our eventfds
 * apart: mask it in VFIO (no new trigger), detach KVM's resampling irqfd
 * (no new unmask), and only then free VFIO's interrupt and its unmask
 * handler. Freeing VFIO's side first, with KVM still resampling into it,
 * hung L1's kernel now and then in the lab.
 */
static void intx_disable(struct vfio_pci_dev *d)
{
	if (!d->intx_on)
		return;
	set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
		 VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, 1, NULL);
	vm_irqfd_deassign(d->vfio->vm, d->intx_efd, d->intx_gsi);
	disable_index(d, VFIO_PCI_INTX_IRQ_INDEX);
	d->intx_on = 0;
}

/* Detach and free every MSI/MSI-X vector. Called with irq_lock held. */
static void free_vectors(struct vfio_pci_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_vec; i++) {
		struct vfio_vector *v = &d->vec[i];

		if (v->irqfd_on)
			vm_irqfd_deassign(d->vfio->vm, v->efd, v->gsi);
		if (v->gsi >= 0)
			vm_msi_route_del(d->vfio->vm, v->gsi);
		if (v->efd >= 0)
			close(v->efd);
	}
	free(d->vec);
	d->vec = NULL;
	d->nr_vec = 0;
}

static int alloc_vectors(struct vfio_pci_dev *d, unsigned int n,
			 int32_t *fds)
{
	unsigned int i;

	d->vec = calloc(n, sizeof(*d->vec));
	if (!d->vec)
		return -ENOMEM;
	d->nr_vec = n;
	for (i = 0; i < n; i++) {
		d->vec[i].gsi = -1;
		d->vec[i].masked = 1;
		d->vec[i].efd = eventfd(0, EFD_CLOEXEC);
		if (d->vec[i].efd < 0) {
			int ret = -errno;

			free_vectors(d);
			return ret;
		}
		fds[i] = d->vec[i].efd;
	}
	return 0;
}

/*
 * Switch from INTx to @n vectors of VFIO IRQ index @index (MSI or MSI-X):
 * eventfds, then VFIO. On failure INTx comes back and -errno is
 * returned. Called with irq_lock held, no vectors allocated.
 */
static int enter_vectors(struct vfio_pci_dev *d, unsigned int index,
			 unsigned int n, const char *what)
{
	int32_t *fds = calloc(n, sizeof(*fds));
	int ret;

	if (!fds) {
		intx_enable(d); /* a no-op if it never went away */
		return -ENOMEM;
	}
	intx_disable(d);
	ret = alloc_vectors(d, n, fds);
	if (!ret)
		ret = set_irqs(d, index,
			       VFIO_IRQ_SET_DATA_EVENTFD |
				       VFIO_IRQ_SET_ACTION_TRIGGER,
			       n, fds);
	free(fds);
	if (ret) {
		vfio_dev_warn_rl(d, "cannot enable %u %s vector(s): %s", n,
				 what, strerror(-ret));
		free_vectors(d);
		if (intx_enable(d))
			vfio_dev_warn_rl(d, "INTx did not come back");
	}
	return ret;
}

/*
 * Make vector @i deliver @addr/@data when @live, or hold its interrupts
 * when not. Called with irq_lock held.
 */
static void vector_update(struct vfio_pci_dev *d, unsigned int i,
			  uint64_t addr, uint32_t data, int live)
{
	struct vfio_vector *v = &d->vec[i];
	struct vm *vm = d->vfio->vm;
	int ret;

	if (live && v->gsi < 0) {
		v->gsi = vm_msi_route_add(vm, addr, data);
		if (v->gsi < 0) {
			vfio_dev_warn_rl(d, "no MSI route for vector %u: %s", i,
					 strerror(-v->gsi));
			v->gsi = -1;
			return;
		}
	} else if (live && (v->addr != addr || v->data != data)) {
		ret = vm_msi_route_update(vm, v->gsi, addr, data);
		if (ret)
			vfio_dev_warn_rl(d, "vector %u: route update failed: "
					 "%s", i, strerror(-ret));
	}
	v->addr = addr;
	v->data = data;
	if (live && !v->irqfd_on) {
		ret = vm_irqfd_assign(vm, v->efd, v->gsi, -1);
		if (ret)
			vfio_dev_warn_rl(d, "vector %u: irqfd failed: %s", i,
					 strerror(-ret));
		else
			v->irqfd_on = 1;
	} else if (!live && v->irqfd_on) {
		vm_irqfd_deassign(vm, v->efd, v->gsi);
		v->irqfd_on = 0;
	}
}

static uint64_t msi_addr(const struct vfio_pci_dev *d)
{
	return (uint64_t)d->msi.addr_hi << 32 | d->msi.addr_lo;
}

/* Leave the current mode for @mode; INTx comes back with IRQ_NONE. */
static void leave_mode(struct vfio_pci_dev *d)
{
	if (d->irq_mode == IRQ_MSI)
		disable_index(d, VFIO_PCI_MSI_IRQ_INDEX);
	else if (d->irq_mode == IRQ_MSIX)
		disable_index(d, VFIO_PCI_MSIX_IRQ_INDEX);
	free_vectors(d);
	d->irq_mode = IRQ_NONE;
}

void vfio_msi_ctrl_write(struct vfio_pci_dev *d)
{
	unsigned int mmc, mme, n, i;

	pthread_mutex_lock(&d->irq_lock);
	if (!(d->msi.ctrl & MSI_CTRL_ENABLE)) {
		if (d->irq_mode == IRQ_MSI) {
			leave_mode(d);
			if (intx_enable(d))
				vfio_dev_warn_rl(d, "INTx did not come back");
		}
		goto out;
	}
	if (d->irq_mode == IRQ_MSI)
		leave_mode(d); /* the vector count changed: start over */
	mmc = (d->msi.ctrl & MSI_CTRL_MMC) >> 1;
	mme = (d->msi.ctrl & MSI_CTRL_MME) >> 4;
	n = 1u << MIN(mme, mmc);
	if (enter_vectors(d, VFIO_PCI_MSI_IRQ_INDEX, n, "MSI"))
		goto out;
	d->irq_mode = IRQ_MSI;
	for (i = 0; i < n; i++) /* vector i: the data's low bits are i */
		vector_update(d, i, msi_addr(d), d->msi.data | i, 1);
out:
	pthread_mutex_unlock(&d->irq_lock);
}

void vfio_msi_msg_changed(struct vfio_pci_dev *d)
{
	unsigned int i;

	pthread_mutex_lock(&d->irq_lock);
	if (d->irq_mode == IRQ_MSI)
		for (i = 0; i < d->nr_vec; i++)
			vector_update(d, i, msi_addr(d), d->msi.data | i, 1);
	pthread_mutex_unlock(&d->irq_lock);
}

static void msix_vector_sync(struct vfio_pci_dev *d, unsigned int i)
{
	const uint32_t *e = &d->msix.table[i * 4];
	uint64_t addr = (uint64_t)e[1] << 32 | e[0];
	int live = !(d->msix.ctrl & MSIX_CTRL_MASKALL) &&
		   !(e[3] & MSIX_VECTOR_MASKED);

	vector_update(d, i, addr, e[2], live);
}

void vfio_msix_ctrl_write(struct vfio_pci_dev *d, uint16_t ctrl)
{
	unsigned int i;

	ctrl &= MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL;
	pthread_mutex_lock(&d->irq_lock);
	if (!(ctrl & MSIX_CTRL_ENABLE)) {
		d->msix.ctrl = ctrl;
		if (d->irq_mode == IRQ_MSIX) {
			leave_mode(d);
			if (intx_enable(d))
				vfio_dev_warn_rl(d, "INTx did not come back");
		}
		goto out;
	}
	if (d->irq_mode != IRQ_MSIX) {
		/* VFIO (6.1) sizes MSI-X once: enable every vector now. */
		if (d->irq_mode == IRQ_MSI)
			leave_mode(d);
		if (enter_vectors(d, VFIO_PCI_MSIX_IRQ_INDEX, d->msix.nr,
				  "MSI-X"))
			goto out;
		d->irq_mode = IRQ_MSIX;
	}
	d->msix.ctrl = ctrl;
	for (i = 0; i < d->nr_vec; i++)
		msix_vector_sync(d, i);
out:
	pthread_mutex_unlock(&d->irq_lock);
}

void vfio_msix_table_read(struct vfio_pci_dev *d, uint64_t off, void *data,
			  uint32_t len)
{
	memset(data, 0xff, len);
	if ((len != 4 && len != 8) || (off & (len - 1)))
		return; /* the table takes aligned dword and qword accesses */
	pthread_mutex_lock(&d->irq_lock);
	memcpy(data, (uint8_t *)d->msix.table + off, len);
	pthread_mutex_unlock(&d->irq_lock);
}

void vfio_msix_table_write(struct vfio_pci_dev *d, uint64_t off,
			   const void *data, uint32_t len)
{
	unsigned int i = (unsigned int)(off / 16);

	if ((len != 4 && len != 8) || (off & (len - 1))) {
		vfio_dev_warn_rl(d, "MSI-X table: %u-byte write at 0x%llx "
				 "dropped", len, (unsigned long long)off);
		return;
	}
	d->stats.msix_table_writes++;
	pthread_mutex_lock(&d->irq_lock);
	memcpy((uint8_t *)d->msix.table + off, data, len);
	d->msix.table[i * 4 + 3] &= MSIX_VECTOR_MASKED; /* reserved bits */
	if (d->irq_mode == IRQ_MSIX && i < d->nr_vec)
		msix_vector_sync(d, i);
	pthread_mutex_unlock(&d->irq_lock);
}

int vfio_irq_init(struct vfio_pci_dev *d)
{
	int ret;

	d->intx_efd = d->intx_resample_efd = -1;
	ret = -pthread_mutex_init(&d->irq_lock, NULL);
	if (ret || !d->pci.irq_pin)
		return ret;
	d->intx_gsi = d->pci.irq_line;
	d->intx_efd = eventfd(0, EFD_CLOEXEC);
	d->intx_resample_efd = eventfd(0, EFD_CLOEXEC);
	if (d->intx_efd < 0 || d->intx_resample_efd < 0) {
		ret = -errno;
		vfio_irq_release(d);
		return ret;
	}
	pthread_mutex_lock(&d->irq_lock);
	ret = intx_enable(d);
	pthread_mutex_unlock(&d->irq_lock);
	if (ret) {
		vfio_dev_err(d, "cannot set up INTx: %s", strerror(-ret));
		vfio_irq_release(d);
	}
	return ret;
}

void vfio_irq_release(struct vfio_pci_dev *d)
{
	pthread_mutex_lock(&d->irq_lock);
	leave_mode(d);
	intx_disable(d);
	if (d->intx_efd >= 0)
		close(d->intx_efd);
	if (d->intx_resample_efd >= 0)
		close(d->intx_resample_efd);
	d->intx_efd = d->intx_resample_efd = -1;
	pthread_mutex_unlock(&d->irq_lock);
}
