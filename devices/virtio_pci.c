// SPDX-License-Identifier: MIT
/*
 * The virtio PCI transport (modern, virtio 1.x section 4.1): BAR0 holds
 * the common config, the ISR, the device config and the doorbells; BAR1
 * the MSI-X table and PBA. Doorbells are KVM ioeventfds a worker thread
 * waits on; interrupts are MSI-X messages through irqfds, or INTx.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "virtio_priv.h"

static const uint8_t bad_bits = VIRTIO_CONFIG_S_NEEDS_RESET;

/* --- interrupts -------------------------------------------------------- */

static void intx(struct virtio_dev *vd, uint8_t isr_bit)
{
	vd->isr |= isr_bit;
	if (vd->vm && !(vd->pci.command & PCI_COMMAND_INTX_DISABLE))
		vm_irq_line(vd->vm, vd->pci.irq_line, 1);
	vd->stats.interrupts++;
}

/* Send MSI-X @vector, or INTx with @isr_bit when MSI-X is off. */
static void raise_irq(struct virtio_dev *vd, uint16_t vector, uint8_t isr_bit)
{
	int ret = msix_notify(&vd->msix, vector);

	if (ret == -ENODEV)
		intx(vd, isr_bit);
	else if (!ret)
		vd->stats.interrupts++;
	/* -EINVAL: no vector (VIRTIO_MSI_NO_VECTOR) means no interrupt. */
}

void virtio_interrupt(struct virtio_dev *vd, unsigned int q)
{
	if (q < vd->info.nr_queues && vq_want_interrupt(&vd->vqs[q]))
		raise_irq(vd, vd->vqs[q].msix_vector, VIRTIO_ISR_QUEUE);
}

void virtio_broken(struct virtio_dev *vd, const char *why)
{
	if (log_ratelimit_ok(&vd->rl, vd->info.name))
		warn("%s: %s; the device needs a reset", vd->info.name, why);
	if (vd->status & bad_bits)
		return;
	vd->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	vd->stats.broken++;
	/* A config change notification (virtio 1.x 2.1.2). */
	raise_irq(vd, vd->config_vector, VIRTIO_PCI_ISR_CONFIG);
}

int virtio_has(const struct virtio_dev *vd, unsigned int bit)
{
	return bit < 64 && (vd->driver_features >> bit) & 1;
}

/* --- the common configuration --------------------------------------------- */

static void reset(struct virtio_dev *vd)
{
	unsigned int q;

	if (vd->ops->reset)
		vd->ops->reset(vd);
	for (q = 0; q < vd->info.nr_queues; q++)
		vq_reset(&vd->vqs[q]);
	vd->driver_features = 0;
	vd->device_feature_sel = vd->driver_feature_sel = 0;
	vd->status = 0;
	vd->config_vector = VIRTIO_MSI_NO_VECTOR;
	vd->queue_sel = 0;
	if (vd->isr && vd->vm)
		vm_irq_line(vd->vm, vd->pci.irq_line, 0);
	vd->isr = 0;
	vd->stats.resets++;
}

static struct virtqueue *selected(struct virtio_dev *vd)
{
	return vd->queue_sel < vd->info.nr_queues ? &vd->vqs[vd->queue_sel]
						   : NULL;
}

/* The common configuration as the driver reads it. Lock held. */
static void common_image(struct virtio_dev *vd, struct virtio_pci_common_cfg *c)
{
	struct virtqueue *vq = selected(vd);

	memset(c, 0, sizeof(*c));
	c->device_feature_select = vd->device_feature_sel;
	if (vd->device_feature_sel < 2)
		c->device_feature = (uint32_t)(vd->offered >>
					       (32 * vd->device_feature_sel));
	c->guest_feature_select = vd->driver_feature_sel;
	if (vd->driver_feature_sel < 2)
		c->guest_feature = (uint32_t)(vd->driver_features >>
					      (32 * vd->driver_feature_sel));
	c->msix_config = vd->config_vector;
	c->num_queues = (uint16_t)vd->info.nr_queues;
	c->device_status = vd->status;
	c->config_generation = 0; /* the device config never changes */
	c->queue_select = vd->queue_sel;
	if (!vq)
		return; /* queue_size 0: no such queue */
	c->queue_size = vq->size;
	c->queue_msix_vector = vq->msix_vector;
	c->queue_enable = (uint16_t)vq->enabled;
	c->queue_notify_off = vd->queue_sel;
	c->queue_desc_lo = (uint32_t)vq->desc_gpa;
	c->queue_desc_hi = (uint32_t)(vq->desc_gpa >> 32);
	c->queue_avail_lo = (uint32_t)vq->avail_gpa;
	c->queue_avail_hi = (uint32_t)(vq->avail_gpa >> 32);
	c->queue_used_lo = (uint32_t)vq->used_gpa;
	c->queue_used_hi = (uint32_t)(vq->used_gpa >> 32);
}

static_assert(sizeof(struct virtio_pci_common_cfg) == VIRTIO_COMMON_LEN,
	      "common config layout");

/* FEATURES_OK is kept only for a subset of the offer with VERSION_1. */
static int features_ok(const struct virtio_dev *vd)
{
	return !(vd->driver_features & ~vd->offered) &&
	       virtio_has(vd, VIRTIO_F_VERSION_1);
}

static void kick_all(struct virtio_dev *vd)
{
	uint64_t one = 1;
	unsigned int q;

	for (q = 0; q < vd->info.nr_queues; q++)
		if (write(vd->kick_fd[q], &one, sizeof(one)) < 0)
			break; /* the counter is full: a kick is pending */
}

static void write_status(struct virtio_dev *vd, uint8_t v)
{
	uint8_t was = vd->status;

	if (!v) {
		reset(vd);
		return;
	}
	v = (uint8_t)((v & ~bad_bits) | (was & bad_bits));
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(was & VIRTIO_CONFIG_S_FEATURES_OK) && !features_ok(vd))
		v &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	vd->status = v;
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(v & VIRTIO_CONFIG_S_FEATURES_OK)) {
		virtio_broken(vd, "DRIVER_OK without FEATURES_OK");
		return;
	}
	/* Buffers made available before DRIVER_OK are looked at now. */
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(was & VIRTIO_CONFIG_S_DRIVER_OK))
		kick_all(vd);
}

static uint16_t valid_vector(struct virtio_dev *vd, uint16_t v)
{
	return v < vd->msix.nr ? v : VIRTIO_MSI_NO_VECTOR;
}

static void set_half(uint64_t *gpa, unsigned int half, uint64_t v,
		     uint32_t len)
{
	if (len == 8)
		*gpa = v;
	else if (half)
		*gpa = (*gpa & 0xffffffffULL) | v << 32;
	else
		*gpa = (*gpa & ~0xffffffffULL) | v;
}

static void queue_enable(struct virtio_dev *vd, struct virtqueue *vq)
{
	char why[96];

	if (vq->enabled)
		return;
	if (vq_enable(vq, vd->mem)) {
		snprintf(why, sizeof(why), "queue %u: size %u or its rings at "
			 "0x%llx/0x%llx/0x%llx are not valid", vd->queue_sel,
			 vq->size, (unsigned long long)vq->desc_gpa,
			 (unsigned long long)vq->avail_gpa,
			 (unsigned long long)vq->used_gpa);
		virtio_broken(vd, why);
	}
}

/* A driver's write to the common config; natural widths only. */
static void common_write(struct virtio_dev *vd, uint64_t off, uint64_t v,
			 uint32_t len)
{
	struct virtqueue *vq = selected(vd);

	switch (off | (uint64_t)len << 8) {
	case VIRTIO_PCI_COMMON_DFSELECT | 4 << 8:
		vd->device_feature_sel = (uint32_t)v;
		return;
	case VIRTIO_PCI_COMMON_GFSELECT | 4 << 8:
		vd->driver_feature_sel = (uint32_t)v;
		return;
	case VIRTIO_PCI_COMMON_GF | 4 << 8:
		/* Only before FEATURES_OK, and only the 64 bits defined. */
		if (!(vd->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
		    vd->driver_feature_sel < 2)
			set_half(&vd->driver_features, vd->driver_feature_sel,
				 v, 4);
		return;
	case VIRTIO_PCI_COMMON_MSIX | 2 << 8:
		vd->config_vector = valid_vector(vd, (uint16_t)v);
		return;
	case VIRTIO_PCI_COMMON_STATUS | 1 << 8:
		write_status(vd, (uint8_t)v);
		return;
	case VIRTIO_PCI_COMMON_Q_SELECT | 2 << 8:
		vd->queue_sel = (uint16_t)v;
		return;
	}
	if (!vq)
		return; /* writes to a queue that does not exist go nowhere */
	switch (off | (uint64_t)len << 8) {
	case VIRTIO_PCI_COMMON_Q_MSIX | 2 << 8:
		vq->msix_vector = valid_vector(vd, (uint16_t)v);
		return;
	case VIRTIO_PCI_COMMON_Q_ENABLE | 2 << 8:
		if (v == 1)
			queue_enable(vd, vq);
		return; /* 0 is not the driver's to write (queue_reset is) */
	}
	/* A queue's size and rings are fixed once it is enabled. */
	if (vq->enabled)
		return;
	switch (off | (uint64_t)len << 8) {
	case VIRTIO_PCI_COMMON_Q_SIZE | 2 << 8:
		vq->size = (uint16_t)v;
		return;
	case VIRTIO_PCI_COMMON_Q_DESCLO | 4 << 8:
	case VIRTIO_PCI_COMMON_Q_DESCHI | 4 << 8:
	case VIRTIO_PCI_COMMON_Q_DESCLO | 8 << 8:
		set_half(&vq->desc_gpa, off == VIRTIO_PCI_COMMON_Q_DESCHI, v,
			 len);
		return;
	case VIRTIO_PCI_COMMON_Q_AVAILLO | 4 << 8:
	case VIRTIO_PCI_COMMON_Q_AVAILHI | 4 << 8:
	case VIRTIO_PCI_COMMON_Q_AVAILLO | 8 << 8:
		set_half(&vq->avail_gpa, off == VIRTIO_PCI_COMMON_Q_AVAILHI, v,
			 len);
		return;
	case VIRTIO_PCI_COMMON_Q_USEDLO | 4 << 8:
	case VIRTIO_PCI_COMMON_Q_USEDHI | 4 << 8:
	case VIRTIO_PCI_COMMON_Q_USEDLO | 8 << 8:
		set_half(&vq->used_gpa, off == VIRTIO_PCI_COMMON_Q_USEDHI, v,
			 len);
		return;
	}
	if (log_ratelimit_ok(&vd->rl, vd->info.name))
		warn("%s: dropped a %u-byte write to the common config at "
		     "0x%llx", vd->info.name, len, (unsigned long long)off);
}

/* --- BARs ------------------------------------------------------------------ */

static void kick(struct virtio_dev *vd, uint64_t off)
{
	uint64_t q = off / VIRTIO_NOTIFY_MULT, one = 1;

	if (q < vd->info.nr_queues &&
	    write(vd->kick_fd[q], &one, sizeof(one)) == sizeof(one))
		vd->stats.trapped_kicks++;
}

/* BAR0: the four virtio structures. Lock held. */
static void bar0(struct virtio_dev *vd, uint64_t off, void *data,
		 uint32_t len, int write)
{
	struct virtio_pci_common_cfg c;

	if (off + len <= VIRTIO_COMMON_LEN) {
		if (write) {
			common_write(vd, off, data_get(data, len), len);
			return;
		}
		common_image(vd, &c);
		memcpy(data, (uint8_t *)&c + off, len);
	} else if (off >= VIRTIO_ISR_OFF && off < VIRTIO_ISR_OFF + 4) {
		if (write)
			return;
		/* Reading the ISR acknowledges it (and lowers INTx). */
		data_put(data, len, off == VIRTIO_ISR_OFF ? vd->isr : 0);
		if (off == VIRTIO_ISR_OFF && vd->isr) {
			vd->isr = 0;
			if (vd->vm)
				vm_irq_line(vd->vm, vd->pci.irq_line, 0);
		}
	} else if (off >= VIRTIO_DEVICE_OFF &&
		   off - VIRTIO_DEVICE_OFF + len <= vd->info.cfg_size) {
		off -= VIRTIO_DEVICE_OFF;
		if (write && vd->ops->cfg_write)
			vd->ops->cfg_write(vd, (uint32_t)off, data, len);
		else if (!write && vd->ops->cfg_read)
			vd->ops->cfg_read(vd, (uint32_t)off, data, len);
	} else if (off >= VIRTIO_NOTIFY_OFF && write) {
		kick(vd, off - VIRTIO_NOTIFY_OFF);
	}
}

void virtio_bar_access(struct virtio_dev *vd, int bar, uint64_t off,
		       void *data, uint32_t len, int write)
{
	if (!write)
		memset(data, 0, len);
	if (bar == 1) {
		/* MSI-X has its own lock: no need to wait for the worker. */
		if (off >= VIRTIO_PBA_OFF) {
			if (!write)
				msix_pba_read(&vd->msix, off - VIRTIO_PBA_OFF,
					      data, len);
		} else if (write) {
			msix_table_write(&vd->msix, off, data, len);
		} else {
			msix_table_read(&vd->msix, off, data, len);
		}
		return;
	}
	if (bar != 0 || len > 8)
		return;
	pthread_mutex_lock(&vd->lock);
	bar0(vd, off, data, len, write);
	pthread_mutex_unlock(&vd->lock);
}

static void bar_read(struct pci_dev *pdev, int bar, uint64_t off, void *data,
		     uint32_t len)
{
	virtio_bar_access(container_of(pdev, struct virtio_dev, pci), bar, off,
			  data, len, 0);
}

static void bar_write(struct pci_dev *pdev, int bar, uint64_t off,
		      const void *data, uint32_t len)
{
	uint64_t v = 0;

	memcpy(&v, data, len > 8 ? 8 : len);
	virtio_bar_access(container_of(pdev, struct virtio_dev, pci), bar, off,
			  &v, len, 1);
}

/* Doorbells as KVM ioeventfds while BAR0 decodes. Lock held. */
static void doorbells(struct virtio_dev *vd, uint64_t gpa, int on)
{
	unsigned int q, n = vd->info.nr_queues;
	int ret = 0;

	if (vd->ioeventfds_on) {
		for (q = 0; q < n; q++)
			vm_ioeventfd_del(vd->vm, vd->kick_fd[q],
					 vd->notify_gpa + VIRTIO_NOTIFY_MULT * q,
					 2, 0);
		vd->ioeventfds_on = 0;
	}
	if (!on || !vd->vm)
		return;
	vd->notify_gpa = gpa + VIRTIO_NOTIFY_OFF;
	for (q = 0; q < n && !ret; q++)
		ret = vm_ioeventfd_add(vd->vm, vd->kick_fd[q],
				       vd->notify_gpa + VIRTIO_NOTIFY_MULT * q, 2,
				       0);
	if (!ret) {
		vd->ioeventfds_on = 1;
		return;
	}
	/* All or none: the doorbells trap instead, slower but the same. */
	while (--q > 0)
		vm_ioeventfd_del(vd->vm, vd->kick_fd[q - 1],
				 vd->notify_gpa + VIRTIO_NOTIFY_MULT * (q - 1),
				 2, 0);
	if (log_ratelimit_ok_level(&vd->rl, LOG_INFO, vd->info.name))
		info("%s: no KVM ioeventfd for the doorbells (%s); they exit "
		     "to ferry", vd->info.name, strerror(-ret));
}

static void bar_map(struct pci_dev *pdev, int bar, uint64_t gpa, int on)
{
	struct virtio_dev *vd = container_of(pdev, struct virtio_dev, pci);

	if (bar != 0)
		return;
	pthread_mutex_lock(&vd->lock);
	doorbells(vd, gpa, on);
	pthread_mutex_unlock(&vd->lock);
}

static const struct pci_dev_ops virtio_pci_ops = {
	.cfg_read = virtio_cfg_read,
	.cfg_write = virtio_cfg_write,
	.bar_read = bar_read,
	.bar_write = bar_write,
	.bar_map = bar_map,
};

/* --- the worker ------------------------------------------------------------ */

static void work(struct virtio_dev *vd, unsigned int q)
{
	char why[64];

	pthread_mutex_lock(&vd->lock);
	vd->stats.kicks++;
	if ((vd->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(vd->status & (bad_bits | VIRTIO_CONFIG_S_FAILED)) &&
	    vd->vqs[q].enabled && vd->ops->queue_work(vd, q)) {
		vd->vqs[q].broken++;
		snprintf(why, sizeof(why), "the driver broke queue %u", q);
		virtio_broken(vd, why);
	}
	pthread_mutex_unlock(&vd->lock);
}

static void *worker(void *arg)
{
	struct virtio_dev *vd = arg;
	struct pollfd fds[VIRTIO_MAX_QUEUES + 1];
	unsigned int q, n = vd->info.nr_queues;
	uint64_t count;

	fds[0] = (struct pollfd){ .fd = vd->stop_fd, .events = POLLIN };
	for (q = 0; q < n; q++)
		fds[q + 1] = (struct pollfd){ .fd = vd->kick_fd[q],
					      .events = POLLIN };
	for (;;) {
		if (poll(fds, n + 1, -1) < 0)
			continue; /* EINTR */
		if (fds[0].revents)
			break;
		for (q = 0; q < n; q++)
			if ((fds[q + 1].revents & POLLIN) &&
			    read(vd->kick_fd[q], &count, sizeof(count)) > 0)
				work(vd, q);
	}
	return NULL;
}

/* --- life cycle ------------------------------------------------------------ */

int virtio_pci_init(struct virtio_dev *vd, struct vm *vm, struct pci_bus *pci,
		    const struct guest_mem *mem, int slot)
{
	unsigned int q, n = vd->info.nr_queues;
	int ret;

	if (!n || n > VIRTIO_MAX_QUEUES)
		return -EINVAL;
	vd->vm = vm;
	vd->mem = mem;
	vd->stop_fd = -1;
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vd->kick_fd[q] = -1;
	vd->offered = vd->info.features | 1ULL << VIRTIO_F_VERSION_1;
	vd->config_vector = VIRTIO_MSI_NO_VECTOR;
	for (q = 0; q < n; q++)
		vq_init(&vd->vqs[q], vd->info.queue_size);
	virtio_cfg_init(vd);
	ret = -pthread_mutex_init(&vd->lock, NULL);
	if (ret)
		return ret;
	ret = msix_init(&vd->msix, vm, n + 1);
	if (ret)
		goto err_lock;
	vd->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (q = 0; q < n; q++)
		vd->kick_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (q = 0; q < n && vd->stop_fd >= 0; q++)
		if (vd->kick_fd[q] < 0)
			break;
	if (vd->stop_fd < 0 || q < n) {
		ret = -errno;
		goto err_fds;
	}
	vd->pci.name = vd->info.name;
	vd->pci.ops = &virtio_pci_ops;
	vd->pci.irq_pin = 1;
	vd->pci.bars[0] = (struct pci_bar){ .type = PCI_BAR_MEM32,
					    .size = VIRTIO_BAR0_SIZE };
	vd->pci.bars[1] = (struct pci_bar){ .type = PCI_BAR_MEM32,
					    .size = VIRTIO_BAR1_SIZE };
	ret = pci_add_device(pci, &vd->pci, slot);
	if (ret) {
		err("%s: no room on the PCI bus for it: %s", vd->info.name,
		    strerror(-ret));
		goto err_fds;
	}
	vd->msix.devid = (uint32_t)vd->pci.slot << 3; /* bus 0, function 0 */
	ret = -pthread_create(&vd->worker, NULL, worker, vd);
	if (ret) {
		err("%s: cannot start its thread: %s", vd->info.name,
		    strerror(-ret));
		goto err_pci;
	}
	vd->worker_on = 1;
	pci_enable_decode(&vd->pci);
	return 0;

err_pci:
	pci_remove_device(pci, &vd->pci);
err_fds:
	for (q = 0; q < n; q++)
		if (vd->kick_fd[q] >= 0)
			close(vd->kick_fd[q]);
	if (vd->stop_fd >= 0)
		close(vd->stop_fd);
	msix_destroy(&vd->msix);
err_lock:
	pthread_mutex_destroy(&vd->lock);
	return ret;
}

void virtio_pci_stop(struct virtio_dev *vd)
{
	uint64_t one = 1;

	if (!vd->worker_on)
		return;
	if (write(vd->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(vd->worker, NULL);
	vd->worker_on = 0;
}

void virtio_pci_destroy(struct virtio_dev *vd)
{
	unsigned int q;

	if (!vd->pci.ops)
		return; /* never set up, or destroyed */
	virtio_pci_stop(vd);
	/* Doorbells and traps go with the BARs. */
	pci_remove_device(vd->pci.bus, &vd->pci);
	if (vd->isr && vd->vm)
		vm_irq_line(vd->vm, vd->pci.irq_line, 0);
	msix_destroy(&vd->msix);
	for (q = 0; q < vd->info.nr_queues; q++)
		close(vd->kick_fd[q]);
	close(vd->stop_fd);
	pthread_mutex_destroy(&vd->lock);
	vd->pci.ops = NULL;
}
