// SPDX-License-Identifier: MIT
/* A minimal modern virtio-pci driver for test guests (lib/virtio.h). */
#include <string.h>
#include "guest.h"
#include "virtio.h"

#define CAP_VNDR 0x09
#define CAP_MSIX 0x11
#define T_COMMON 1
#define T_NOTIFY 2
#define T_ISR 3
#define T_DEVICE 4

/* Common config offsets (virtio 1.x 4.1.4.3). */
#define DFSELECT 0x00
#define DF 0x04
#define GFSELECT 0x08
#define GF 0x0c
#define MSIX_CONFIG 0x10
#define STATUS 0x14
#define Q_SELECT 0x16
#define Q_SIZE 0x18
#define Q_MSIX 0x1a
#define Q_ENABLE 0x1c
#define Q_NOFF 0x1e
#define Q_DESC 0x20
#define Q_AVAIL 0x28
#define Q_USED 0x30

#define SPINS 50000000UL

static uint8_t rings[2][3][4096] __attribute__((aligned(4096)));
static uint8_t bounce[2][2][4096] __attribute__((aligned(64)));

/* Device registers: one plain access each (what arm64's KVM can emulate). */
#define w8 mmio_write8
#define w16 mmio_write16
#define w32 mmio_write32
#define r8 mmio_read8
#define r16 mmio_read16
#define r32 mmio_read32

/* The address BAR @bar decodes at (64-bit BARs included). */
static uint64_t bar_addr(unsigned int slot, unsigned int bar)
{
	uint32_t lo = pci_cfg_read32(slot, 0x10 + 4 * bar);
	uint64_t a = lo & ~0xfULL;

	if ((lo & 6) == 4)
		a |= (uint64_t)pci_cfg_read32(slot, 0x14 + 4 * bar) << 32;
	if (a >= (4ULL << 30))
		map_gib(a & ~((1ULL << 30) - 1));
	return a;
}

int virtio_open(struct vdev *d, unsigned int slot)
{
	unsigned int p, n;

	memset(d, 0, sizeof(*d));
	d->slot = slot;
	d->kick_width = 2;
	d->spins = SPINS;
	if (pci_cfg_read16(slot, 0) != 0x1af4 || pci_cfg_read16(slot, 2) < 0x1040)
		return -1;
	/* Memory decoding and bus mastering (virtqueues are DMA). */
	pci_cfg_write16(slot, 0x04, pci_cfg_read16(slot, 0x04) | 0x6);
	for (p = pci_cfg_read8(slot, 0x34) & 0xfc, n = 0; p && n < 32;
	     p = pci_cfg_read8(slot, p + 1) & 0xfc, n++) {
		uint8_t id = pci_cfg_read8(slot, p);
		uint64_t base;

		if (id == CAP_MSIX) {
			uint32_t t = pci_cfg_read32(slot, p + 4);

			d->msix_table = bar_addr(slot, t & 7) + (t & ~7u);
			d->msix_nr = (pci_cfg_read16(slot, p + 2) & 0x7ff) + 1;
			continue;
		}
		if (id != CAP_VNDR)
			continue;
		base = bar_addr(slot, pci_cfg_read8(slot, p + 4)) +
		       pci_cfg_read32(slot, p + 8);
		switch (pci_cfg_read8(slot, p + 3)) {
		case T_COMMON: d->common = base; break;
		case T_ISR: d->isr = base; break;
		case T_DEVICE: d->device = base; break;
		case T_NOTIFY:
			d->notify = base;
			d->notify_mult = pci_cfg_read32(slot, p + 16);
			break;
		}
	}
	return d->common && d->notify && d->isr ? 0 : -1;
}

uint8_t virtio_status(struct vdev *d)
{
	return r8(d->common + STATUS);
}

void virtio_set_status(struct vdev *d, uint8_t s)
{
	w8(d->common + STATUS, s);
}

void virtio_reset(struct vdev *d)
{
	unsigned long spins = SPINS;

	virtio_set_status(d, 0);
	while (virtio_status(d) && spins--)
		cpu_relax();
}

uint64_t virtio_device_features(struct vdev *d)
{
	uint64_t f;

	w32(d->common + DFSELECT, 1);
	f = (uint64_t)r32(d->common + DF) << 32;
	w32(d->common + DFSELECT, 0);
	return f | r32(d->common + DF);
}

int virtio_negotiate(struct vdev *d, uint64_t want)
{
	want |= 1ULL << 32; /* VERSION_1 */
	virtio_reset(d);
	virtio_set_status(d, 1);
	virtio_set_status(d, 3);
	w32(d->common + GFSELECT, 0);
	w32(d->common + GF, (uint32_t)want);
	w32(d->common + GFSELECT, 1);
	w32(d->common + GF, (uint32_t)(want >> 32));
	virtio_set_status(d, 11);
	return virtio_status(d) & 8 ? 0 : -1;
}

int virtio_queue(struct vdev *d, unsigned int q, uint16_t vector)
{
	struct gvq *vq = &d->q[q];
	uint16_t max;

	w16(d->common + Q_SELECT, (uint16_t)q);
	max = r16(d->common + Q_SIZE);
	if (!max || q >= 2)
		return -1;
	vq->size = max < VQ_SIZE ? max : VQ_SIZE;
	vq->desc = rings[q][0];
	vq->avail = rings[q][1];
	vq->used = rings[q][2];
	memset((void *)vq->desc, 0, 3 * 4096);
	vq->next_avail = vq->last_used = 0;
	vq->notify = d->notify + (uint64_t)r16(d->common + Q_NOFF) *
					 d->notify_mult;
	w16(d->common + Q_SIZE, vq->size);
	w16(d->common + Q_MSIX, vector);
	w32(d->common + Q_DESC, (uint32_t)(uintptr_t)vq->desc);
	w32(d->common + Q_DESC + 4, (uint32_t)((uintptr_t)vq->desc >> 32));
	w32(d->common + Q_AVAIL, (uint32_t)(uintptr_t)vq->avail);
	w32(d->common + Q_AVAIL + 4, (uint32_t)((uintptr_t)vq->avail >> 32));
	w32(d->common + Q_USED, (uint32_t)(uintptr_t)vq->used);
	w32(d->common + Q_USED + 4, (uint32_t)((uintptr_t)vq->used >> 32));
	w16(d->common + Q_ENABLE, 1);
	return r16(d->common + Q_ENABLE) == 1 ? 0 : -1;
}

int virtio_msix(struct vdev *d, unsigned int i, uint8_t vec)
{
	uint64_t e = d->msix_table + 16ULL * i, addr;
	unsigned int cap = pci_find_cap(d->slot, CAP_MSIX);
	uint32_t data;

	if (msi_message(d->slot << 3, vec, &addr, &data))
		return -1;
	w32(e, (uint32_t)addr);
	w32(e + 4, (uint32_t)(addr >> 32));
	w32(e + 8, data);
	w32(e + 12, 0);
	pci_cfg_write16(d->slot, cap + 2, 0x8000);
	return 0;
}

void virtio_set_config_vector(struct vdev *d, uint16_t v)
{
	w16(d->common + MSIX_CONFIG, v);
}

void virtio_kick(struct vdev *d, unsigned int q, unsigned int width)
{
	if (width == 4)
		w32(d->q[q].notify, q);
	else
		w16(d->q[q].notify, (uint16_t)q);
}

int virtio_request(struct vdev *d, unsigned int q, const void *out,
		   uint32_t out_len, void *in, uint32_t in_len)
{
	struct gvq *vq = &d->q[q];
	uint8_t *o = bounce[q][0], *i = bounce[q][1];
	volatile uint8_t *desc = vq->desc;
	uint16_t slot = vq->next_avail % vq->size;
	unsigned long spins = d->spins;
	uint32_t len;

	if (out_len > 4096 || in_len > 4096)
		return -1;
	memcpy(o, out, out_len);
	memset(i, 0, in_len);
	/* Descriptors 0 and 1: the readable part, then the writable. */
	*(volatile uint64_t *)desc = (uintptr_t)o;
	*(volatile uint32_t *)(desc + 8) = out_len;
	*(volatile uint16_t *)(desc + 12) = 1; /* NEXT */
	*(volatile uint16_t *)(desc + 14) = 1;
	*(volatile uint64_t *)(desc + 16) = (uintptr_t)i;
	*(volatile uint32_t *)(desc + 24) = in_len;
	*(volatile uint16_t *)(desc + 28) = 2; /* WRITE */
	*(volatile uint16_t *)(vq->avail + 4 + 2 * slot) = 0;
	dma_wmb(); /* the chain, then the index that offers it */
	*(volatile uint16_t *)(vq->avail + 2) = ++vq->next_avail;
	virtio_kick(d, q, d->kick_width);
	while (*(volatile uint16_t *)(vq->used + 2) == vq->last_used &&
	       spins--)
		cpu_relax();
	if (*(volatile uint16_t *)(vq->used + 2) == vq->last_used)
		return -1;
	dma_rmb(); /* the used index, then the element and data it covers */
	len = *(volatile uint32_t *)(vq->used + 4 + 8 * (vq->last_used %
							  vq->size) + 4);
	vq->last_used++;
	memcpy(in, i, in_len);
	return (int)len;
}

uint64_t virtio_config(struct vdev *d, unsigned int off, unsigned int len)
{
	if (len == 8)
		return r32(d->device + off) |
		       (uint64_t)r32(d->device + off + 4) << 32;
	if (len == 4)
		return r32(d->device + off);
	if (len == 2)
		return r16(d->device + off);
	return r8(d->device + off);
}
