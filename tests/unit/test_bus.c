// SPDX-License-Identifier: MIT
/* Bus rules: rejects bad regions, passes offsets, answers all-ones. */
#include <errno.h>
#include <time.h>
#include "bus.h"
#include "test.h"

struct fake {
	struct bus_dev bdev;
	uint64_t last_off;
	uint64_t last_val;
	int reads, writes;
};

static void fake_read(struct bus_dev *d, uint64_t off, void *data, uint32_t len)
{
	struct fake *f = container_of(d, struct fake, bdev);

	f->reads++;
	f->last_off = off;
	data_put(data, len, 0x1234);
}

static void fake_write(struct bus_dev *d, uint64_t off, const void *data,
		       uint32_t len)
{
	struct fake *f = container_of(d, struct fake, bdev);

	f->writes++;
	f->last_off = off;
	f->last_val = data_get(data, len);
}

static const struct bus_ops fake_ops = { fake_read, fake_write };
static const struct bus_ops write_only_ops = { .write = fake_write };

int main(void)
{
	struct fake a = { .bdev = { &fake_ops, "a" } };
	struct fake b = { .bdev = { &fake_ops, "b" } };
	struct fake c = { .bdev = { &write_only_ops, "c" } };
	struct bus bus;
	uint32_t v;
	uint64_t v64 = 0xdeadbeef;
	int i;

	CHECK(bus_init(&bus, "test", LOG_WARN) == 0);
	CHECK(bus_add(&bus, 0x100, 0, &a.bdev) == -EINVAL);
	CHECK_MSG(bus_add(&bus, UINT64_MAX - 1, 3, &a.bdev) == -EINVAL,
		  "a region wrapping past 2^64 is rejected");
	CHECK_MSG(bus_add(&bus, UINT64_MAX, 1, &a.bdev) == 0,
		  "a region ending exactly at 2^64-1 is accepted");
	CHECK(bus_remove(&bus, UINT64_MAX, &a.bdev) == 0);
	CHECK(bus_add(&bus, 0x100, 0x10, &a.bdev) == 0);
	CHECK_MSG(bus_add(&bus, 0x10f, 1, &b.bdev) == -EEXIST,
		  "overlap at the last byte is rejected");
	CHECK_MSG(bus_add(&bus, 0xf0, 0x11, &b.bdev) == -EEXIST,
		  "overlap at the first byte is rejected");
	CHECK_MSG(bus_add(&bus, 0x0, 0x1000, &b.bdev) == -EEXIST,
		  "a region enclosing another is rejected");
	CHECK(bus_add(&bus, 0x110, 0x10, &b.bdev) == 0);
	CHECK(bus_add(&bus, 0xf0, 0x10, &c.bdev) == 0);

	CHECK(bus_read(&bus, 0x104, &v, 4) == 1);
	CHECK_MSG(a.last_off == 4 && v == 0x1234,
		  "callbacks get the offset into their region");
	CHECK(bus_write(&bus, 0x118, &v64, 8) == 1);
	CHECK(b.last_off == 8 && b.last_val == 0xdeadbeef);
	CHECK_MSG(bus_read(&bus, 0x10e, &v, 4) == 0 && v == 0xffffffff,
		  "an access straddling two regions is unclaimed, all-ones");
	CHECK_MSG(bus_read(&bus, 0x2000, &v, 4) == 0 && v == 0xffffffff,
		  "unclaimed reads return all-ones");
	CHECK_MSG(bus_read(&bus, 0xf4, &v, 2) == 1 && (v & 0xffff) == 0xffff,
		  "a device without a read callback reads all-ones");
	for (i = 0; i < 10; i++)
		CHECK(bus_write(&bus, 0x3000 + i, &v, 1) == 0);
	CHECK(bus.unclaimed == 12);
	/*
	 * The dropped-write warnings are rate-limited, not silenced for good:
	 * after a quiet second a new unclaimed write is reported again.
	 */
	{
		struct timespec pause = { 1, 100 * 1000 * 1000 };
		char out[4096];

		capture_begin();
		CHECK(bus_write(&bus, 0x4000, &v, 1) == 0);
		nanosleep(&pause, NULL);
		CHECK(bus_write(&bus, 0x4001, &v, 1) == 0);
		capture_end(out, sizeof(out));
		CHECK_MSG(strstr(out, "address 0x4001") != NULL,
			  "an unclaimed write is reported again a second "
			  "after the burst");
	}

	CHECK(bus_remove(&bus, 0x100, &b.bdev) == -ENOENT);
	CHECK(bus_remove(&bus, 0x100, &a.bdev) == 0);
	CHECK(bus_read(&bus, 0x104, &v, 4) == 0);
	CHECK(bus_add(&bus, 0x100, 0x10, &a.bdev) == 0);
	/* Many regions: the table grows and lookups stay right. */
	{
		static struct fake many[100];
		int ok = 1;

		for (i = 0; i < 100; i++) {
			many[i].bdev = (struct bus_dev){ &fake_ops, "m" };
			ok &= bus_add(&bus, 0x10000 + (uint64_t)i * 0x100,
				      0x80, &many[i].bdev) == 0;
		}
		CHECK_MSG(ok, "100 more regions added");
		for (i = 0; i < 100; i++)
			ok &= bus_read(&bus, 0x10000 + (uint64_t)i * 0x100 + 3,
				       &v, 1) == 1 &&
			      many[i].reads == 1 && many[i].last_off == 3;
		CHECK_MSG(ok, "each of them is found at its own offset");
		CHECK_MSG(bus_read(&bus, 0x10080, &v, 1) == 0,
			  "the gaps between them are unclaimed");
	}
	bus_destroy(&bus);
	return test_done();
}
