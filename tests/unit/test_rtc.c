// SPDX-License-Identifier: MIT
/* CMOS RTC: BCD and binary time, 12/24 h, status registers, CMOS RAM. */
#include "../../devices/rtc.h"
#include "test.h"

static struct rtc rtc;

/* 2026-11-21 16:07:09 UTC, a Saturday. */
static time_t fixed_now(void)
{
	return 1795277229;
}

static uint8_t rd(uint8_t reg)
{
	uint8_t v = 0;

	rtc_ops.write(&rtc.bdev, 0, &reg, 1);
	rtc_ops.read(&rtc.bdev, 1, &v, 1);
	return v;
}

static void wr(uint8_t reg, uint8_t v)
{
	rtc_ops.write(&rtc.bdev, 0, &reg, 1);
	rtc_ops.write(&rtc.bdev, 1, &v, 1);
}

int main(void)
{
	CHECK(rtc_init(&rtc, NULL, 0x70) == 0);
	rtc.now = fixed_now;
	CHECK_MSG(!(rd(0x0a) & 0x80), "update-in-progress never set");
	CHECK_MSG(rd(0x0d) & 0x80, "register D: time valid");
	CHECK_MSG(rd(0x0b) == 0x02, "24-hour BCD mode after reset");
	CHECK_MSG(rd(0x00) == 0x09 && rd(0x02) == 0x07 && rd(0x04) == 0x16,
		  "BCD time 16:07:09");
	CHECK_MSG(rd(0x07) == 0x21 && rd(0x08) == 0x11 && rd(0x09) == 0x26 &&
			  rd(0x32) == 0x20,
		  "BCD date 2026-11-21");
	CHECK_MSG(rd(0x06) == 0x07, "weekday: Saturday is 7");
	wr(0x0b, 0x06);
	CHECK_MSG(rd(0x04) == 16 && rd(0x09) == 26 && rd(0x32) == 20,
		  "binary mode when the guest asks for it");
	wr(0x0b, 0x04);
	CHECK_MSG(rd(0x04) == (4 | 0x80), "12-hour mode: 4 PM");
	wr(0x00, 0x55);
	CHECK_MSG(rd(0x00) == 9, "time writes are dropped");
	wr(0x40, 0xa5);
	CHECK_MSG(rd(0x40) == 0xa5, "CMOS RAM keeps its bytes");
	wr(0x80 | 0x41, 0);
	CHECK_MSG(rd(0x41) == 0x00 && rd(0x80 | 0x40) == 0xa5,
		  "index bit 7 (NMI mask) is not part of the address");
	return test_done();
}
