// SPDX-License-Identifier: MIT
/* MSI-X of an emulated PCI device: table, PBA, eventfds into KVM routes. */
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "../vmm/irq.h"
#include "msix.h"

#define CTRL_MASKBIT 1u

int msix_init(struct msix *x, struct vm *vm, unsigned int nr)
{
	unsigned int i;
	int ret;

	memset(x, 0, sizeof(*x));
	if (!nr || nr > MSIX_MAX_VECTORS)
		return -EINVAL;
	for (i = 0; i < MSIX_MAX_VECTORS; i++) {
		x->v[i].efd = -1;
		x->v[i].gsi = -1;
	}
	ret = -pthread_mutex_init(&x->lock, NULL);
	if (ret)
		return ret;
	x->vm = vm;
	x->nr = nr;
	for (i = 0; i < nr; i++) {
		x->v[i].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (x->v[i].efd < 0) {
			ret = -errno;
			msix_destroy(x);
			return ret;
		}
		x->v[i].entry[3] = CTRL_MASKBIT;
	}
	return 0;
}

static int live(const struct msix *x, const struct msix_vector *v)
{
	return x->enabled && !x->masked && !(v->entry[3] & CTRL_MASKBIT);
}

static uint64_t addr_of(const struct msix_vector *v)
{
	return (uint64_t)v->entry[1] << 32 | v->entry[0];
}

/*
 * Make routes and irqfds follow the table and the control word: irqfds
 * of vectors no longer live go first, then routes change (one commit),
 * then live vectors get their irqfds. Called with x->lock held.
 */
static void follow(struct msix *x)
{
	unsigned int i;
	int changed = 0, ret;

	for (i = 0; i < x->nr; i++) {
		struct msix_vector *v = &x->v[i];

		if (v->irqfd_on && !live(x, v)) {
			irq_fd_detach(x->vm, v->efd, v->gsi);
			v->irqfd_on = 0;
		}
		if (!x->enabled && v->gsi >= 0) {
			irq_msi_free(x->vm, v->gsi);
			v->gsi = -1;
			changed = 1;
		}
		if (!live(x, v))
			continue;
		if (v->gsi < 0) {
			ret = irq_msi_alloc(x->vm, addr_of(v), v->entry[2],
					    x->devid);
			if (ret < 0) {
				if (log_ratelimit_ok(&x->rl, "msix"))
					warn("msix: no MSI route for vector %u "
					     "(%s); it stays silent", i,
					     strerror(-ret));
				continue;
			}
			v->gsi = ret;
			changed = 1;
		} else if (irq_msi_set(x->vm, v->gsi, addr_of(v), v->entry[2],
				       x->devid) == 0) {
			changed = 1; /* irq.c commits only real changes */
		}
	}
	if (changed && (ret = irq_msi_commit(x->vm)) != 0 &&
	    log_ratelimit_ok(&x->rl, "msix"))
		warn("msix: KVM refused the MSI routes: %s", strerror(-ret));
	for (i = 0; i < x->nr; i++) {
		struct msix_vector *v = &x->v[i];

		if (live(x, v) && v->gsi >= 0 && !v->irqfd_on) {
			ret = irq_fd_attach(x->vm, v->efd, v->gsi, -1);
			if (ret && log_ratelimit_ok(&x->rl, "msix"))
				warn("msix: cannot attach vector %u: %s", i,
				     strerror(-ret));
			v->irqfd_on = !ret;
		}
	}
}

void msix_destroy(struct msix *x)
{
	unsigned int i;

	if (!x->nr)
		return;
	pthread_mutex_lock(&x->lock);
	x->enabled = 0;
	follow(x);
	for (i = 0; i < x->nr; i++)
		if (x->v[i].efd >= 0) {
			close(x->v[i].efd);
			x->v[i].efd = -1;
		}
	x->nr = 0;
	pthread_mutex_unlock(&x->lock);
	pthread_mutex_destroy(&x->lock);
}

void msix_reset(struct msix *x)
{
	uint64_t drop;
	unsigned int i;

	pthread_mutex_lock(&x->lock);
	x->enabled = x->masked = 0;
	follow(x);
	for (i = 0; i < x->nr; i++) {
		memset(x->v[i].entry, 0, sizeof(x->v[i].entry));
		x->v[i].entry[3] = CTRL_MASKBIT;
		/* What was pending before the reset is forgotten. */
		if (read(x->v[i].efd, &drop, sizeof(drop)) < 0)
			drop = 0;
	}
	pthread_mutex_unlock(&x->lock);
}

void msix_control(struct msix *x, int enable, int mask)
{
	pthread_mutex_lock(&x->lock);
	if (x->enabled != !!enable || x->masked != !!mask) {
		x->enabled = !!enable;
		x->masked = !!mask;
		follow(x);
	}
	pthread_mutex_unlock(&x->lock);
}

/* The entry and dword an access at @off of @len bytes reaches, or -1. */
static int at(const struct msix *x, uint64_t off, uint32_t len)
{
	if ((len != 4 && len != 8) || !IS_ALIGNED(off, len) ||
	    off >= MSIX_TABLE_SIZE((uint64_t)x->nr))
		return -1;
	return (int)(off / 4);
}

void msix_table_read(struct msix *x, uint64_t off, void *data, uint32_t len)
{
	int dw = at(x, off, len);
	uint64_t v;

	memset(data, 0xff, len);
	if (dw < 0)
		return;
	pthread_mutex_lock(&x->lock);
	v = x->v[dw / 4].entry[dw % 4];
	if (len == 8)
		v |= (uint64_t)x->v[dw / 4].entry[dw % 4 + 1] << 32;
	pthread_mutex_unlock(&x->lock);
	data_put(data, len, v);
}

void msix_table_write(struct msix *x, uint64_t off, const void *data,
		      uint32_t len)
{
	int dw = at(x, off, len);
	uint64_t v = data_get(data, len);
	struct msix_vector *e;
	int k;

	if (dw < 0) {
		if (log_ratelimit_ok(&x->rl, "msix"))
			warn("msix: dropped a %u-byte table write at 0x%llx", len,
			     (unsigned long long)off);
		return;
	}
	pthread_mutex_lock(&x->lock);
	e = &x->v[dw / 4];
	for (k = 0; k < (int)len / 4; k++, v >>= 32) {
		if (dw % 4 + k == 3)
			e->entry[3] = (uint32_t)v & CTRL_MASKBIT;
		else
			e->entry[dw % 4 + k] = (uint32_t)v;
	}
	follow(x);
	pthread_mutex_unlock(&x->lock);
}

/* Is something counted in @fd, not yet taken by KVM? */
static int pending(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

void msix_pba_read(struct msix *x, uint64_t off, void *data, uint32_t len)
{
	uint64_t bits = 0;
	unsigned int i;

	memset(data, 0, len);
	if ((len != 4 && len != 8) || !IS_ALIGNED(off, len) ||
	    off >= MSIX_PBA_SIZE((uint64_t)x->nr))
		return;
	pthread_mutex_lock(&x->lock);
	for (i = 0; i < x->nr; i++)
		if (i / 64 == off / 8 && !live(x, &x->v[i]) &&
		    pending(x->v[i].efd))
			bits |= 1ULL << (i % 64);
	pthread_mutex_unlock(&x->lock);
	data_put(data, len, off % 8 ? bits >> 32 : bits);
}

int msix_notify(struct msix *x, unsigned int i)
{
	uint64_t one = 1;
	int ret = 0;

	pthread_mutex_lock(&x->lock);
	if (!x->enabled)
		ret = -ENODEV;
	else if (i >= x->nr)
		ret = -EINVAL;
	else if (write(x->v[i].efd, &one, sizeof(one)) == sizeof(one))
		x->sent++;
	pthread_mutex_unlock(&x->lock);
	return ret;
}
