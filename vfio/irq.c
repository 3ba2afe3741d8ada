// SPDX-License-Identifier: MIT
/*
 * Interrupts of a VFIO device, delivered by KVM without exits: VFIO
 * signals an eventfd, an irqfd injects the GSI. INTx is level-triggered
 * with a resample eventfd that unmasks it at the guest's EOI; MSI and
 * MSI-X vectors are MSI routes. A masked vector (MSI-X entry, function
 * mask, MSI mask bit) has its irqfd detached: interrupts pile up in the
 * eventfd, and KVM injects the pending one when the irqfd is attached
 * again (the meaning of the pending bits).
 *
 * The mode follows the guest's enable bits as a device would: MSI-X when
 * its enable bit is set (whatever MSI says: a function with both set uses
 * MSI-X, and VFIO refuses MSI while MSI-X is on), else MSI when enabled,
 * else INTx. Every change of mode tears the old one down completely.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"


enum { STAGED_NONE, STAGED_ADDED, STAGED_CHANGED };

static int set_irqs(struct vfio_pci_dev *d, unsigned int index, uint32_t flags,
		    unsigned int count, const int32_t *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + count * sizeof(int32_t);
	struct vfio_irq_set *set = calloc(1, sz);
	int ret;

	if (!set)
		return -ENOMEM;
	set->argsz = (uint32_t)sz;
	set->flags = flags;
	set->index = index;
	set->start = 0;
	set->count = count;
	if (count && fds)
		memcpy(set->data, fds, count * sizeof(int32_t));
	ret = d->io->set_irqs(d, set);
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
		ret = irq_fd_attach(d->vfio->vm, d->intx_efd, d->intx_gsi,
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
	irq_fd_detach(d->vfio->vm, d->intx_efd, d->intx_gsi);
	disable_index(d, VFIO_PCI_INTX_IRQ_INDEX);
	d->intx_on = 0;
}

/*
 * Detach every vector's irqfd, free its route (one routing commit for
 * all), close its eventfd, in that order. Called with irq_lock held.
 */
static void free_vectors(struct vfio_pci_dev *d)
{
	struct vm *vm = d->vfio->vm;
	unsigned int i;
	int routes = 0, ret;

	for (i = 0; i < d->nr_vec; i++)
		if (d->vec[i].irqfd_on) {
			irq_fd_detach(vm, d->vec[i].efd, d->vec[i].gsi);
			d->vec[i].irqfd_on = 0;
		}
	for (i = 0; i < d->nr_vec; i++)
		if (d->vec[i].gsi >= 0) {
			irq_msi_free(vm, d->vec[i].gsi);
			routes = 1;
		}
	if (routes && (ret = irq_msi_commit(vm)))
		vfio_dev_warn_rl(d, "cannot remove MSI routes: %s",
				 strerror(-ret));
	for (i = 0; i < d->nr_vec; i++)
		if (d->vec[i].efd >= 0)
			close(d->vec[i].efd);
	free(d->vec);
	d->vec = NULL;
	d->nr_vec = 0;
}

/* @n vectors with fresh eventfds (their fds in @fds); none before. */
static int alloc_vectors(struct vfio_pci_dev *d, unsigned int n,
			 int32_t *fds)
{
	unsigned int i;

	if (d->vec)
		return -EBUSY; /* never overwrite vectors in use */
	d->vec = calloc(n, sizeof(*d->vec));
	if (!d->vec)
		return -ENOMEM;
	d->nr_vec = n;
	for (i = 0; i < n; i++) {
		d->vec[i].gsi = -1;
		d->vec[i].efd = -1;
	}
	for (i = 0; i < n; i++) {
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

	if (!fds)
		return -ENOMEM; /* INTx stays */
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

static uint64_t msi_addr(const struct vfio_pci_dev *d)
{
	return (uint64_t)d->msi.addr_hi << 32 | d->msi.addr_lo;
}

/*
 * The message vector @i should deliver, and whether it may (not masked).
 * With n = 2^k MSI vectors the device puts the vector number in the low
 * k bits of the data: (data & ~(n - 1)) | i. Called with irq_lock held.
 */
static int vector_msg(const struct vfio_pci_dev *d, unsigned int i,
		      uint64_t *addr, uint32_t *data)
{
	const uint32_t *e;

	if (d->irq_mode == IRQ_MSI) {
		*addr = msi_addr(d);
		*data = (d->msi.data & ~(d->nr_vec - 1)) | i;
		return !(d->msi.mask & (1u << i));
	}
	e = &d->msix.table[i * 4];
	*addr = (uint64_t)e[1] << 32 | e[0];
	*data = e[2];
	return !(d->msix.ctrl & PCI_MSIX_FLAGS_MASKALL) &&
	       !(e[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

/*
 * The device's PCI requester ID in the guest (bus 0, function 0): what
 * an ITS tells MSIs apart by (the device tree maps it 1:1 to DeviceID).
 */
static uint32_t requester_id(const struct vfio_pci_dev *d)
{
	return (uint32_t)d->pci.slot << 3;
}

/*
 * Routes of vectors [first, first + n) that are live go to their current
 * message. A masked vector keeps the route KVM has (its message is read
 * again when it is unmasked, so a rewrite while masked is never lost).
 * Called with irq_lock held; returns whether any route changed.
 */
static int stage_routes(struct vfio_pci_dev *d, unsigned int first,
			unsigned int n)
{
	struct vm *vm = d->vfio->vm;
	unsigned int i;
	int staged = 0;

	for (i = first; i < first + n; i++) {
		struct vfio_vector *v = &d->vec[i];
		uint64_t addr;
		uint32_t data;
		int gsi;

		v->live = vector_msg(d, i, &addr, &data);
		if (!v->live)
			continue;
		if (v->gsi < 0) {
			gsi = irq_msi_alloc(vm, addr, data, requester_id(d));
			if (gsi < 0) {
				vfio_dev_warn_rl(d, "no MSI route for vector "
						 "%u: %s", i, strerror(-gsi));
				continue;
			}
			v->gsi = gsi;
			v->staged = STAGED_ADDED;
		} else if (v->addr != addr || v->data != data) {
			if (irq_msi_set(vm, v->gsi, addr, data, requester_id(d)))
				continue;
			v->prev_addr = v->addr;
			v->prev_data = v->data;
			v->staged = STAGED_CHANGED;
		} else {
			continue;
		}
		v->addr = addr;
		v->data = data;
		staged = 1;
	}
	return staged;
}

/* KVM refused the table: put ferry's back as KVM has it. */
static void unstage_routes(struct vfio_pci_dev *d, unsigned int first,
			   unsigned int n)
{
	struct vm *vm = d->vfio->vm;
	unsigned int i;

	for (i = first; i < first + n; i++) {
		struct vfio_vector *v = &d->vec[i];

		if (v->staged == STAGED_ADDED) {
			irq_msi_free(vm, v->gsi);
			v->gsi = -1;
		} else if (v->staged == STAGED_CHANGED &&
			   !irq_msi_set(vm, v->gsi, v->prev_addr,
					v->prev_data, requester_id(d))) {
			v->addr = v->prev_addr;
			v->data = v->prev_data;
		}
		v->staged = STAGED_NONE;
	}
}

/*
 * Bring vectors [first, first + n) to what the guest programmed: routes
 * first, with one routing commit for all of them, then the irqfds, so an
 * interrupt already pending in an eventfd is injected through the new
 * route when its irqfd attaches. Called with irq_lock held.
 */
static void sync_vectors(struct vfio_pci_dev *d, unsigned int first,
			 unsigned int n)
{
	struct vm *vm = d->vfio->vm;
	unsigned int i;
	int ret;

	if (stage_routes(d, first, n)) {
		ret = irq_msi_commit(vm);
		if (ret) {
			vfio_dev_warn_rl(d, "KVM refused the MSI routes: %s",
					 strerror(-ret));
			unstage_routes(d, first, n);
		}
	}
	for (i = first; i < first + n; i++) {
		struct vfio_vector *v = &d->vec[i];

		v->staged = STAGED_NONE;
		if (v->live && v->gsi >= 0 && !v->irqfd_on) {
			ret = irq_fd_attach(vm, v->efd, v->gsi, -1);
			if (ret)
				vfio_dev_warn_rl(d, "vector %u: irqfd failed: "
						 "%s", i, strerror(-ret));
			else
				v->irqfd_on = 1;
		} else if (!v->live && v->irqfd_on) {
			irq_fd_detach(vm, v->efd, v->gsi);
			v->irqfd_on = 0;
		}
	}
}

/* Leave MSI or MSI-X: VFIO's vectors, then ours. Back to IRQ_NONE. */
static void leave_mode(struct vfio_pci_dev *d)
{
	if (d->irq_mode == IRQ_MSI)
		disable_index(d, VFIO_PCI_MSI_IRQ_INDEX);
	else if (d->irq_mode == IRQ_MSIX)
		disable_index(d, VFIO_PCI_MSIX_IRQ_INDEX);
	free_vectors(d);
	d->irq_mode = IRQ_NONE;
}

/* MSI vectors the guest enabled: 2^MME, at most what the device has. */
static unsigned int msi_vectors(const struct vfio_pci_dev *d)
{
	unsigned int mmc = (d->msi.ctrl & PCI_MSI_FLAGS_QMASK) >> 1;
	unsigned int mme = (d->msi.ctrl & PCI_MSI_FLAGS_QSIZE) >> 4;

	return 1u << MIN(MIN(mme, mmc), 5u); /* 6 and 7 are reserved */
}

/* The mode the guest's enable bits ask for, and its vector count. */
static enum vfio_irq_mode wanted_mode(const struct vfio_pci_dev *d,
				      unsigned int *n)
{
	*n = 0;
	if (d->msix.off && (d->msix.ctrl & PCI_MSIX_FLAGS_ENABLE)) {
		*n = d->msix.nr;
		return IRQ_MSIX;
	}
	if (d->msi.off && (d->msi.ctrl & PCI_MSI_FLAGS_ENABLE)) {
		*n = msi_vectors(d);
		return IRQ_MSI;
	}
	return IRQ_NONE;
}

void vfio_irq_update(struct vfio_pci_dev *d)
{
	enum vfio_irq_mode want;
	unsigned int n;

	want = wanted_mode(d, &n);
	if (want == d->irq_mode && n == d->nr_vec) {
		if (want == IRQ_NONE) {
			if (intx_enable(d)) /* a no-op unless it failed */
				vfio_dev_warn_rl(d, "INTx did not come back");
		} else {
			sync_vectors(d, 0, n);
		}
		return;
	}
	leave_mode(d);
	if (want == IRQ_NONE) {
		if (intx_enable(d))
			vfio_dev_warn_rl(d, "INTx did not come back");
		return;
	}
	/* VFIO (6.1) sizes MSI-X once: every vector is enabled now. */
	if (enter_vectors(d, want == IRQ_MSI ? VFIO_PCI_MSI_IRQ_INDEX
					     : VFIO_PCI_MSIX_IRQ_INDEX,
			  n, want == IRQ_MSI ? "MSI" : "MSI-X"))
		return;
	d->irq_mode = want;
	sync_vectors(d, 0, n);
}

uint32_t vfio_msi_pending(struct vfio_pci_dev *d)
{
	uint32_t pending = 0;
	unsigned int i;

	pthread_mutex_lock(&d->irq_lock);
	for (i = 0; d->irq_mode == IRQ_MSI && i < d->nr_vec; i++) {
		struct pollfd p = { .fd = d->vec[i].efd, .events = POLLIN };

		/* Masked, and the device signalled it: pending. */
		if (!d->vec[i].live && poll(&p, 1, 0) == 1 &&
		    (p.revents & POLLIN))
			pending |= 1u << i;
	}
	pthread_mutex_unlock(&d->irq_lock);
	return pending;
}

void vfio_msix_table_read(struct vfio_pci_dev *d, uint64_t off, void *data,
			  uint32_t len)
{
	memset(data, 0xff, len);
	if ((len != 4 && len != 8) || (off & (len - 1)) ||
	    off + len > d->msix.nr * 16ULL)
		return; /* the table takes aligned dword and qword accesses */
	pthread_mutex_lock(&d->irq_lock);
	memcpy(data, (uint8_t *)d->msix.table + off, len);
	pthread_mutex_unlock(&d->irq_lock);
}

void vfio_msix_table_write(struct vfio_pci_dev *d, uint64_t off,
			   const void *data, uint32_t len)
{
	unsigned int i = (unsigned int)(off / 16);

	if ((len != 4 && len != 8) || (off & (len - 1)) ||
	    off + len > d->msix.nr * 16ULL) {
		vfio_dev_warn_rl(d, "MSI-X table: %u-byte write at 0x%llx "
				 "dropped", len, (unsigned long long)off);
		return;
	}
	d->stats.msix_table_writes++;
	pthread_mutex_lock(&d->irq_lock);
	memcpy((uint8_t *)d->msix.table + off, data, len);
	d->msix.table[i * 4 + 3] &= PCI_MSIX_ENTRY_CTRL_MASKBIT; /* reserved bits */
	if (d->irq_mode == IRQ_MSIX && i < d->nr_vec)
		sync_vectors(d, i, 1);
	pthread_mutex_unlock(&d->irq_lock);
}

int vfio_irq_init(struct vfio_pci_dev *d)
{
	int ret;

	d->intx_efd = d->intx_resample_efd = -1;
	ret = -pthread_mutex_init(&d->irq_lock, NULL);
	if (ret)
		return ret;
	d->irq_ready = 1;
	if (!d->pci.irq_pin)
		return 0;
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
	if (!d->irq_ready)
		return; /* vfio_irq_init() never ran: no lock, nothing on */
	pthread_mutex_lock(&d->irq_lock);
	leave_mode(d);
	intx_disable(d);
	if (d->intx_efd >= 0)
		close(d->intx_efd);
	if (d->intx_resample_efd >= 0)
		close(d->intx_resample_efd);
	d->intx_efd = d->intx_resample_efd = -1;
	pthread_mutex_unlock(&d->irq_lock);
	pthread_mutex_destroy(&d->irq_lock);
	d->irq_ready = 0;
}
