/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.x, section 2.7), the device's side: every
 * index, address and length the guest supplies is checked before use.
 */
#ifndef FERRY_VIRTQUEUE_H
#define FERRY_VIRTQUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_ring.h>
#include "../vmm/util.h"

struct guest_mem;

#define VQ_MAX_SIZE 1024 /* the largest queue ferry's devices offer */

/* A piece of guest RAM a descriptor names, as ferry reaches it. */
struct vq_seg {
	uint8_t *hva;
	uint32_t len;
};

/*
 * One descriptor chain taken from the available ring: first the segments
 * the device reads (@nr_read, @read_len bytes in all), then those it
 * writes (@nr_write, @write_len).
 */
struct vq_chain {
	uint16_t head;
	unsigned int nr_read, nr_write;
	uint64_t read_len, write_len;
	struct vq_seg *segs; /* the queue's, valid until the next vq_pop() */
};

struct virtqueue {
	/* What the driver programs through the transport (common config). */
	uint16_t max_size; /* what the device offers */
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t msix_vector;
	int enabled;
	/* The device's side, set by vq_enable(). */
	const struct guest_mem *mem;
	uint8_t *desc, *avail, *used;
	uint16_t last_avail; /* the next available entry to take */
	uint16_t used_idx;   /* the next used entry to fill */
	struct vq_seg segs[VQ_MAX_SIZE];
	/* Counters for --stats. */
	uint64_t chains, broken;
};

/* A queue offering @max_size entries (a power of 2, <= VQ_MAX_SIZE). */
void vq_init(struct virtqueue *vq, uint16_t max_size);

/* Back to what vq_init() left: disabled, addresses 0, size the maximum. */
void vq_reset(struct virtqueue *vq);

/*
 * Start using the queue as the driver programmed it: its size a power of
 * 2 no larger than the maximum, each ring aligned as the spec says
 * (descriptors 16, available 2, used 4) and inside one region of guest
 * RAM @mem, which must not move while the queue is on. 0, or -EINVAL:
 * the driver broke the queue (the caller marks the device as needing a
 * reset).
 */
int vq_enable(struct virtqueue *vq, const struct guest_mem *mem) __must_check;

/*
 * Take the next available chain into @c. Returns 1 (@c filled), 0
 * (nothing new), or -EIO: the driver broke the queue (an index out of
 * range, more new entries than the queue holds, a descriptor loop or a
 * chain longer than the queue, a buffer outside guest RAM, a readable
 * buffer after a writable one, an indirect descriptor, which is not
 * offered); then nothing is taken and the caller marks the device as
 * needing a reset. Guest memory is read once per field, so a guest
 * rewriting the ring meanwhile changes nothing already checked.
 */
int vq_pop(struct virtqueue *vq, struct vq_chain *c) __must_check;

/*
 * Give @c back to the driver in the used ring, @written bytes of it
 * written (at most c->write_len), and publish the new used index.
 */
void vq_push(struct virtqueue *vq, const struct vq_chain *c, uint32_t written);

/*
 * Does the driver want an interrupt now (the available ring's
 * NO_INTERRUPT flag is clear)? After vq_push().
 */
int vq_want_interrupt(struct virtqueue *vq);

/*
 * Copy up to @len bytes at offset @off of @c's readable part into @buf,
 * or of @buf into its writable part. Return the bytes copied (less at
 * the end of the part).
 */
size_t vq_chain_read(const struct vq_chain *c, uint64_t off, void *buf,
		     size_t len);
size_t vq_chain_write(const struct vq_chain *c, uint64_t off, const void *buf,
		      size_t len);

#endif
