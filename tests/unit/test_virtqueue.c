// SPDX-License-Identifier: MIT
/*
 * Split virtqueues against well-behaved and hostile drivers: the rings
 * are written into guest RAM here as a driver would (or should not).
 */
#include <errno.h>
#include "../../devices/virtqueue.h"
#include "mem.h"
#include "test.h"

#define RAM (1 * MiB)
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define BUF 0x10000

static struct guest_mem mem;
static struct virtqueue vq;

static uint8_t *g(uint64_t gpa)
{
	return mem.base + gpa;
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(g(gpa), &v, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, g(gpa), 2);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, g(gpa), 4);
	return v;
}

static void desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	uint8_t *d = g(DESC + 16ULL * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Make chain @head available as the driver's @n-th entry (from 0). */
static void offer(uint16_t n, uint16_t head)
{
	put16(AVAIL + 4 + 2 * (n % vq.size), head);
	put16(AVAIL + 2, (uint16_t)(n + 1));
}

static int setup(uint16_t size)
{
	memset(mem.base, 0, 0x4000);
	vq_init(&vq, 256);
	vq.size = size;
	vq.desc_gpa = DESC;
	vq.avail_gpa = AVAIL;
	vq.used_gpa = USED;
	return vq_enable(&vq, &mem);
}

static void test_enable(void)
{
	CHECK(setup(8) == 0 && vq.enabled);
	CHECK_MSG(setup(6) == -EINVAL && !vq.enabled,
		  "a size that is not a power of 2 is refused");
	CHECK_MSG(setup(512) == -EINVAL, "a size above the maximum is refused");
	CHECK(setup(0) == -EINVAL);
	setup(8);
	vq_reset(&vq);
	vq.desc_gpa = DESC + 8;
	vq.avail_gpa = AVAIL;
	vq.used_gpa = USED;
	CHECK_MSG(vq_enable(&vq, &mem) == -EINVAL,
		  "descriptors not 16-byte aligned are refused");
	vq.desc_gpa = DESC;
	vq.used_gpa = USED + 2;
	CHECK_MSG(vq_enable(&vq, &mem) == -EINVAL,
		  "a used ring not 4-byte aligned is refused");
	vq.used_gpa = RAM - 16;
	CHECK_MSG(vq_enable(&vq, &mem) == -EINVAL,
		  "a used ring running past guest RAM is refused");
	vq.used_gpa = USED;
	vq.desc_gpa = UINT64_MAX - 15;
	CHECK_MSG(vq_enable(&vq, &mem) == -EINVAL,
		  "a descriptor table wrapping past 2^64 is refused");
}

static void test_good_chain(void)
{
	struct vq_chain c;
	uint8_t in[24], out[8] = "answer!";
	unsigned int i;

	setup(8);
	for (i = 0; i < 24; i++)
		g(BUF)[i] = (uint8_t)i;
	/* 10 + 14 readable bytes (and an empty one), then 8 writable. */
	desc(3, BUF, 10, VRING_DESC_F_NEXT, 5);
	desc(5, 0, 0, VRING_DESC_F_NEXT, 1);
	desc(1, BUF + 10, 14, VRING_DESC_F_NEXT, 7);
	desc(7, BUF + 0x100, 8, VRING_DESC_F_WRITE, 0);
	CHECK(vq_pop(&vq, &c) == 0);
	offer(0, 3);
	CHECK(vq_pop(&vq, &c) == 1);
	CHECK_MSG(c.head == 3 && c.nr_read == 2 && c.read_len == 24 &&
			  c.nr_write == 1 && c.write_len == 8,
		  "a chain's readable and writable parts (an empty buffer "
		  "skipped)");
	CHECK(vq_chain_read(&c, 0, in, sizeof(in)) == 24);
	for (i = 0; i < 24 && in[i] == i; i++)
		;
	CHECK_MSG(i == 24, "read across two buffers");
	CHECK(vq_chain_read(&c, 9, in, 3) == 3 && in[0] == 9 && in[2] == 11);
	CHECK(vq_chain_read(&c, 20, in, 10) == 4);
	CHECK(vq_chain_write(&c, 0, out, 8) == 8 &&
	      memcmp(g(BUF + 0x100), "answer!", 8) == 0);
	CHECK(vq_chain_write(&c, 4, out, 8) == 4);
	CHECK(vq_pop(&vq, &c) == 0);
	vq_push(&vq, &c, 100);
	CHECK_MSG(get16(USED + 2) == 1 && get32(USED + 4) == 3 &&
			  get32(USED + 8) == 8,
		  "used ring: id 3, length clamped to what is writable");
	CHECK(vq_want_interrupt(&vq));
	put16(AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
	CHECK_MSG(!vq_want_interrupt(&vq), "NO_INTERRUPT is honoured");
}

static void test_wrap(void)
{
	struct vq_chain c;
	unsigned int n, ok = 1;

	setup(4);
	desc(0, BUF, 4, 0, 0);
	/* 70000 chains: both 16-bit indices wrap around. */
	for (n = 0; n < 70000 && ok; n++) {
		offer((uint16_t)n, 0);
		ok = vq_pop(&vq, &c) == 1 && c.head == 0;
		vq_push(&vq, &c, 0);
	}
	CHECK_MSG(ok && get16(USED + 2) == (uint16_t)70000,
		  "70000 chains through a 4-entry queue: indices wrap");
}

/* Each hostile ring: -EIO, and nothing taken. */
static void hostile(const char *what, void (*make)(void))
{
	struct vq_chain c;
	uint16_t before;

	setup(8);
	make();
	before = vq.last_avail;
	CHECK_MSG(vq_pop(&vq, &c) == -EIO && vq.last_avail == before, what);
}

static void h_jump(void)
{
	desc(0, BUF, 4, 0, 0);
	put16(AVAIL + 2, 9); /* 9 new entries in an 8-entry queue */
}

static void h_head(void)
{
	offer(0, 8);
}

static void h_loop(void)
{
	desc(0, BUF, 4, VRING_DESC_F_NEXT, 1);
	desc(1, BUF, 4, VRING_DESC_F_NEXT, 2);
	desc(2, BUF, 4, VRING_DESC_F_NEXT, 0);
	offer(0, 0);
}

static void h_self(void)
{
	desc(5, BUF, 4, VRING_DESC_F_NEXT, 5);
	offer(0, 5);
}

static void h_next(void)
{
	desc(0, BUF, 4, VRING_DESC_F_NEXT, 8);
	offer(0, 0);
}

static void h_outside(void)
{
	desc(0, RAM - 8, 16, 0, 0);
	offer(0, 0);
}

static void h_wrap(void)
{
	desc(0, UINT64_MAX - 3, 0x100, 0, 0);
	offer(0, 0);
}

static void h_huge(void)
{
	desc(0, BUF, 0xffffffffu, VRING_DESC_F_WRITE, 0);
	offer(0, 0);
}

static void h_order(void)
{
	desc(0, BUF, 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(1, BUF, 4, 0, 0);
	offer(0, 0);
}

static void h_indirect(void)
{
	desc(0, BUF, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
}

static void test_longest(void)
{
	struct vq_chain c;
	unsigned int i;

	setup(8);
	for (i = 0; i < 8; i++)
		desc(i, BUF + i, 1, i < 7 ? VRING_DESC_F_NEXT : 0,
		     (uint16_t)(i + 1));
	offer(0, 0);
	CHECK_MSG(vq_pop(&vq, &c) == 1 && c.nr_read == 8,
		  "a chain of all 8 descriptors is fine");
	desc(7, BUF, 1, VRING_DESC_F_NEXT, 0);
	offer(1, 0);
	CHECK_MSG(vq_pop(&vq, &c) == -EIO,
		  "one more (a loop back to the head) is not");
}

static void test_disabled(void)
{
	struct vq_chain c;

	setup(8);
	desc(0, BUF, 4, 0, 0);
	offer(0, 0);
	vq_reset(&vq);
	CHECK_MSG(vq_pop(&vq, &c) == 0, "a reset queue offers nothing");
	vq_push(&vq, &c, 0);
	CHECK(get16(USED + 2) == 0);
}

int main(void)
{
	if (mem_create(&mem, RAM, 0) || mem_add_region(&mem, 0, RAM))
		return 1;
	test_enable();
	test_good_chain();
	test_wrap();
	hostile("an index jump past the queue size breaks it", h_jump);
	hostile("a head index out of range breaks it", h_head);
	hostile("a descriptor loop breaks it", h_loop);
	hostile("a descriptor chained to itself breaks it", h_self);
	hostile("a next index out of range breaks it", h_next);
	hostile("a buffer running out of guest RAM breaks it", h_outside);
	hostile("a buffer wrapping past 2^64 breaks it", h_wrap);
	hostile("a 4 GiB buffer breaks it", h_huge);
	hostile("a readable buffer after a writable one breaks it", h_order);
	hostile("an indirect descriptor (not offered) breaks it", h_indirect);
	test_longest();
	test_disabled();
	mem_destroy(&mem);
	return test_done();
}
