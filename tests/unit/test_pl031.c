// SPDX-License-Identifier: MIT
/* PL031: the counter, load, match and its interrupt status, the IDs. */
#include "../../devices/pl031.h"
#include "test.h"

static struct pl031 rtc;
static time_t clock_now = 1795277229; /* 2026-11-21 16:07:09 UTC */

static time_t fake_now(void)
{
	return clock_now;
}

static uint32_t rd(uint64_t off)
{
	uint32_t v = 0;

	pl031_ops.read(&rtc.bdev, off, &v, 4);
	return v;
}

static void wr(uint64_t off, uint32_t v)
{
	pl031_ops.write(&rtc.bdev, off, &v, 4);
}

int main(void)
{
	static const uint8_t id[8] = { 0x31, 0x10, 0x14, 0x00,
				       0x0d, 0xf0, 0x05, 0xb1 };
	unsigned int i, ids_ok = 1;
	uint8_t b = 0;

	CHECK(pl031_init(&rtc, NULL, NULL, 0, 0) == 0);
	rtc.now = fake_now;
	CHECK_MSG(rd(0x00) == 1795277229, "RTCDR counts the host's UTC seconds");
	CHECK_MSG(rd(0x0c) == 1, "RTCCR: running from reset");
	for (i = 0; i < 8; i++)
		ids_ok &= rd(0xfe0 + 4 * i) == id[i];
	CHECK_MSG(ids_ok, "PeriphID 0x00141031 and PCellID 0xb105f00d");
	pl031_ops.read(&rtc.bdev, 0xfe0, &b, 1);
	CHECK_MSG(b == 0x31, "a byte read of PeriphID0");

	wr(0x08, 1000);
	CHECK_MSG(rd(0x00) == 1000 && rd(0x08) == 1000,
		  "RTCLR sets the counter and reads back");
	clock_now += 5;
	CHECK_MSG(rd(0x00) == 1005, "the counter runs with the host clock");
	wr(0x00, 7);
	CHECK_MSG(rd(0x00) == 1005, "RTCDR is read-only");

	wr(0x04, 1010);
	CHECK_MSG(rd(0x04) == 1010 && rd(0x14) == 0, "match ahead: no status");
	clock_now += 4;
	pl031_poll(&rtc);
	CHECK_MSG(rd(0x14) == 0, "one second before the match: none");
	clock_now += 1;
	pl031_poll(&rtc);
	CHECK_MSG(rd(0x14) == 1 && rd(0x18) == 0,
		  "at the match: raw status set, masked status not (masked)");
	wr(0x10, 1);
	CHECK_MSG(rd(0x10) == 1 && rd(0x18) == 1 && rtc.irq_level == 1,
		  "unmasked: RTCMIS and the line are up");
	wr(0x1c, 1);
	CHECK_MSG(rd(0x14) == 0 && rd(0x18) == 0 && rtc.irq_level == 0,
		  "RTCICR clears it and the line drops");
	clock_now += 100;
	pl031_poll(&rtc);
	CHECK_MSG(rd(0x14) == 0, "a match fires once, not on every read after");
	wr(0x04, 1200);
	wr(0x08, 1300);
	CHECK_MSG(rd(0x14) == 0, "loading past an armed match does not fire");
	wr(0x04, (uint32_t)rd(0x00));
	CHECK_MSG(rd(0x14) == 1, "a match equal to the counter fires at once");
	wr(0x1c, 1);

	wr(0x0c, 0);
	CHECK_MSG(rd(0x0c) == 1, "RTCCR cannot stop the counter");
	wr(0x10, 0xff);
	CHECK_MSG(rd(0x10) == 1, "RTCIMSC keeps bit 0 only");
	b = 0x55;
	pl031_ops.write(&rtc.bdev, 0x04, &b, 1);
	CHECK_MSG(rd(0x04) == (uint32_t)rd(0x00) || rd(0x04) != 0x55,
		  "byte writes are dropped");
	CHECK_MSG(rd(0x20) == 0 && rd(0x800) == 0,
		  "reserved registers read as zero");
	pl031_destroy(&rtc);
	return test_done();
}
