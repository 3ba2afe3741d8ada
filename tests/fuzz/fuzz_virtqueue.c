// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a split virtqueue (devices/virtqueue.c) under a
 * driver doing anything to its rings. The input programs the queue (size,
 * where each ring is, misaligned and out of RAM included), then
 * interleaves writes of raw bytes anywhere in a small guest RAM (rings,
 * descriptors, buffers: a guest rewriting them while the device looks)
 * with the device popping chains, reading and writing them, pushing them
 * back, and resets. Every chain the queue hands out must lie inside guest
 * RAM and add up (else abort()); a queue that says "broken" must stay
 * broken until it is reset, as the transport would have it.
 */
#include <stdlib.h>
#include "../../devices/virtqueue.h"
#include "fuzz_ram.h"
#include "fuzz_input.h"
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE 0x10000
#define MAX_OPS 256

/* A ring address: mostly inside RAM, sometimes anywhere. */
static uint64_t addr(struct fuzz_input *in)
{
	uint8_t how = fuzz_u8(in);
	uint32_t v = fuzz_u32(in);

	if (how & 0x80)
		return (uint64_t)v << (how & 0x1f);
	return v % RAM_SIZE;
}

static const struct guest_mem *mem;
static struct virtqueue vq;

static void program(struct fuzz_input *in)
{
	vq_reset(&vq);
	vq.size = (uint16_t)(1u << (fuzz_u8(in) % 10)); /* 1 .. 512, max 256 */
	if (fuzz_u8(in) & 1)
		vq.size = fuzz_u16(in); /* anything */
	vq.desc_gpa = addr(in);
	vq.avail_gpa = addr(in);
	vq.used_gpa = addr(in);
	if (vq_enable(&vq, mem) == 0 &&
	    (vq.size > vq.max_size || (vq.size & (vq.size - 1))))
		abort(); /* a size the device does not take was taken */
}

static int inside(const uint8_t *p, uint64_t len)
{
	return p >= mem->base && len <= RAM_SIZE &&
	       (uint64_t)(p - mem->base) + len <= RAM_SIZE;
}

/* What a chain handed out must satisfy. */
static void check(const struct vq_chain *c)
{
	uint64_t rd = 0, wr = 0;
	unsigned int i;

	if (c->head >= vq.size || c->nr_read + c->nr_write > vq.size)
		abort();
	for (i = 0; i < c->nr_read + c->nr_write; i++) {
		if (!c->segs[i].len || !inside(c->segs[i].hva, c->segs[i].len))
			abort();
		if (i < c->nr_read)
			rd += c->segs[i].len;
		else
			wr += c->segs[i].len;
	}
	if (rd != c->read_len || wr != c->write_len)
		abort();
}

static void pop(struct fuzz_input *in, int *broken)
{
	uint8_t buf[64];
	struct vq_chain c;
	int ret;

	if (*broken)
		return; /* the transport stops at the first -EIO */
	ret = vq_pop(&vq, &c);
	if (ret < 0) {
		*broken = 1;
		return;
	}
	if (ret == 0)
		return;
	check(&c);
	if (vq_chain_read(&c, fuzz_u16(in), buf, fuzz_u8(in) % sizeof(buf)) >
	    sizeof(buf))
		abort();
	memset(buf, 0xa5, sizeof(buf));
	if (vq_chain_write(&c, fuzz_u16(in), buf, fuzz_u8(in) % sizeof(buf)) >
	    sizeof(buf))
		abort();
	vq_push(&vq, &c, fuzz_u32(in));
}

static void poke(struct fuzz_input *in)
{
	uint16_t off = fuzz_u16(in) % RAM_SIZE;
	uint8_t n = fuzz_u8(in) % 32, i;

	for (i = 0; i < n && off + i < RAM_SIZE; i++)
		mem->base[off + i] = fuzz_u8(in);
}

/* Every byte is part of the queue's program or an operation. */
size_t fuzz_structured_end(const uint8_t *data, size_t size)
{
	(void)data;
	return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	unsigned int n;
	int broken = 0;

	mem = fuzz_ram(RAM_SIZE);
	memset(mem->base, 0, RAM_SIZE);
	vq_init(&vq, 256);
	program(&in);
	for (n = 0; n < MAX_OPS && in.left; n++) {
		switch (fuzz_u8(&in) % 5) {
		case 0:
		case 1:
			poke(&in);
			break;
		case 2:
		case 3:
			pop(&in, &broken);
			break;
		default:
			program(&in);
			broken = 0;
			break;
		}
	}
	vq_want_interrupt(&vq);
	return 0;
}
