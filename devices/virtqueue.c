// SPDX-License-Identifier: MIT
/* Split virtqueues, the device's side: rings in guest RAM, all checked. */
#include <errno.h>
#include <linux/virtio_ring.h>
#include "../vmm/mem.h"
#include "virtqueue.h"

/* Ring layouts (virtio 1.x 2.7): sizes in bytes for @n entries. */
#define DESC_SIZE 16u
#define AVAIL_BYTES(n) (4u + 2u * (n) + 2u)
#define USED_BYTES(n) (4u + 8u * (n) + 2u)

static_assert(sizeof(struct vring_desc) == DESC_SIZE, "descriptor layout");
static_assert(sizeof(struct vring_used_elem) == 8, "used element layout");

void vq_init(struct virtqueue *vq, uint16_t max_size)
{
	memset(vq, 0, sizeof(*vq));
	vq->max_size = max_size;
	vq_reset(vq);
}

void vq_reset(struct virtqueue *vq)
{
	vq->size = vq->max_size;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->msix_vector = 0xffff; /* VIRTIO_MSI_NO_VECTOR */
	vq->enabled = 0;
	vq->desc = vq->avail = vq->used = NULL;
	vq->last_avail = vq->used_idx = 0;
}

int vq_enable(struct virtqueue *vq, const struct guest_mem *mem)
{
	uint16_t n = vq->size;

	if (!n || n > vq->max_size || (n & (n - 1)) ||
	    !IS_ALIGNED(vq->desc_gpa, 16) || !IS_ALIGNED(vq->avail_gpa, 2) ||
	    !IS_ALIGNED(vq->used_gpa, 4))
		return -EINVAL;
	vq->desc = mem_gpa_to_hva(mem, vq->desc_gpa, DESC_SIZE * n);
	vq->avail = mem_gpa_to_hva(mem, vq->avail_gpa, AVAIL_BYTES(n));
	vq->used = mem_gpa_to_hva(mem, vq->used_gpa, USED_BYTES(n));
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = vq->avail = vq->used = NULL;
		return -EINVAL;
	}
	vq->mem = mem;
	vq->last_avail = vq->used_idx = 0;
	vq->enabled = 1;
	return 0;
}

/* One 16-bit field of guest memory, read once (little-endian host). */
static uint16_t load16(const uint8_t *p)
{
	return __atomic_load_n((const uint16_t *)(const void *)p,
			       __ATOMIC_ACQUIRE);
}

/* A descriptor, copied out of guest memory before it is looked at. */
static struct vring_desc load_desc(const struct virtqueue *vq, uint16_t i)
{
	struct vring_desc d;

	memcpy(&d, vq->desc + (size_t)i * DESC_SIZE, sizeof(d));
	return d;
}

/* Walk the chain at @head into vq->segs. 0 or -EIO. */
static int walk(struct virtqueue *vq, uint16_t head, struct vq_chain *c)
{
	unsigned int n = 0;
	uint16_t i = head;
	int writing = 0;

	*c = (struct vq_chain){ .head = head, .segs = vq->segs };
	for (;;) {
		struct vring_desc d = load_desc(vq, i);

		/* A chain never holds more descriptors than the queue: a
		 * longer one loops. */
		if (++n > vq->size || (d.flags & VRING_DESC_F_INDIRECT))
			return -EIO;
		if (d.flags & VRING_DESC_F_WRITE)
			writing = 1;
		else if (writing)
			return -EIO; /* readable after writable */
		if (d.len) {
			uint8_t *hva = mem_gpa_to_hva(vq->mem, d.addr, d.len);
			unsigned int k = c->nr_read + c->nr_write;

			if (!hva)
				return -EIO;
			vq->segs[k] = (struct vq_seg){ hva, d.len };
			if (writing) {
				c->nr_write++;
				c->write_len += d.len;
			} else {
				c->nr_read++;
				c->read_len += d.len;
			}
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= vq->size)
			return -EIO;
		i = d.next;
	}
}

int vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t avail_idx, head;
	int ret;

	if (!vq->enabled)
		return 0;
	/* Acquire: the entries before this index are the driver's now. */
	avail_idx = load16(vq->avail + 2);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return -EIO;
	head = load16(vq->avail + 4 + 2u * (vq->last_avail & (vq->size - 1)));
	if (head >= vq->size)
		return -EIO;
	ret = walk(vq, head, c);
	if (ret)
		return ret;
	vq->last_avail++;
	vq->chains++;
	return 1;
}

void vq_push(struct virtqueue *vq, const struct vq_chain *c, uint32_t written)
{
	struct vring_used_elem e = {
		.id = c->head,
		.len = (uint32_t)MIN((uint64_t)written, c->write_len),
	};
	uint8_t *slot = vq->used + 4 + 8u * (vq->used_idx & (vq->size - 1));

	if (!vq->enabled)
		return;
	memcpy(slot, &e, sizeof(e));
	vq->used_idx++;
	/* Release: the element is visible before the index that covers it. */
	__atomic_store_n((uint16_t *)(void *)(vq->used + 2), vq->used_idx,
			 __ATOMIC_RELEASE);
}

int vq_want_interrupt(struct virtqueue *vq)
{
	if (!vq->enabled)
		return 0;
	/* The used index must be visible before the flag is read, or a
	 * driver re-enabling interrupts meanwhile would miss this one. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(load16(vq->avail) & VRING_AVAIL_F_NO_INTERRUPT);
}

size_t vq_chain_read(const struct vq_chain *c, uint64_t off, void *buf,
		     size_t len)
{
	uint8_t *out = buf;
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < c->nr_read && done < len; i++) {
		const struct vq_seg *s = &c->segs[i];
		size_t n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = MIN((size_t)(s->len - off), len - done);
		memcpy(out + done, s->hva + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t vq_chain_write(const struct vq_chain *c, uint64_t off, const void *buf,
		      size_t len)
{
	const uint8_t *in = buf;
	size_t done = 0;
	unsigned int i;

	for (i = c->nr_read; i < c->nr_read + c->nr_write && done < len; i++) {
		const struct vq_seg *s = &c->segs[i];
		size_t n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = MIN((size_t)(s->len - off), len - done);
		memcpy(s->hva + off, in + done, n);
		done += n;
		off = 0;
	}
	return done;
}
