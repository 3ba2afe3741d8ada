// SPDX-License-Identifier: MIT
/* MC146818 CMOS real-time clock: the host's UTC time and 114 bytes of RAM. */
#include <string.h>
#include "../vmm/vm.h"
#include "rtc.h"

enum {
	REG_SEC = 0x00, REG_MIN = 0x02, REG_HOUR = 0x04, REG_WDAY = 0x06,
	REG_MDAY = 0x07, REG_MON = 0x08, REG_YEAR = 0x09, REG_A = 0x0a,
	REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, REG_CENTURY = 0x32,
};

#define REG_A_DIVIDER 0x26 /* 32.768 kHz time base, 1024 Hz rate */
#define REG_B_24H 0x02
#define REG_B_BINARY 0x04
#define REG_D_VRT 0x80 /* RAM and time valid */
#define INDEX_MASK 0x7f /* bit 7 of the index port masks NMIs */

static uint8_t encode(const struct rtc *rtc, unsigned int v)
{
	if (rtc->cmos[REG_B] & REG_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Time registers are computed at each read: the update never "runs". */
static uint8_t read_reg(struct rtc *rtc, uint8_t reg)
{
	time_t t = rtc->now();
	struct tm tm;
	unsigned int hour;

	gmtime_r(&t, &tm);
	switch (reg) {
	case REG_SEC: return encode(rtc, (unsigned int)tm.tm_sec);
	case REG_MIN: return encode(rtc, (unsigned int)tm.tm_min);
	case REG_HOUR:
		hour = (unsigned int)tm.tm_hour;
		if (rtc->cmos[REG_B] & REG_B_24H)
			return encode(rtc, hour);
		/* 12-hour mode: 1-12, bit 7 set for PM. */
		return (uint8_t)(encode(rtc, hour % 12 ? hour % 12 : 12) |
				 (hour >= 12 ? 0x80 : 0));
	case REG_WDAY: return encode(rtc, (unsigned int)tm.tm_wday + 1);
	case REG_MDAY: return encode(rtc, (unsigned int)tm.tm_mday);
	case REG_MON: return encode(rtc, (unsigned int)tm.tm_mon + 1);
	case REG_YEAR: return encode(rtc, (unsigned int)tm.tm_year % 100);
	case REG_CENTURY: return encode(rtc, (unsigned int)(tm.tm_year / 100 + 19));
	case REG_A: return REG_A_DIVIDER; /* UIP (bit 7) never set */
	case REG_C: return 0;		  /* no interrupt flags */
	case REG_D: return REG_D_VRT;
	default: return rtc->cmos[reg];
	}
}

/* Called with rtc->lock held. */
static void write_reg(struct rtc *rtc, uint64_t off, uint8_t v)
{
	if (off == 0)
		rtc->index = v & INDEX_MASK;
	else if (rtc->index == REG_B)
		/* Data mode and 12/24 h are honoured; no RTC interrupts. */
		rtc->cmos[REG_B] = v & (REG_B_24H | REG_B_BINARY);
	else if (rtc->index > REG_D && rtc->index != REG_CENTURY)
		rtc->cmos[rtc->index] = v;
	/* Writes to the time registers are dropped: the clock is the host's. */
}

/* Byte accesses to the index (0) or data (1) register; others dropped. */
static void rtc_access(struct bus_dev *dev, uint64_t off, uint8_t *data,
		       uint32_t len, int write)
{
	struct rtc *rtc = container_of(dev, struct rtc, bdev);

	if (len != 1)
		return;
	pthread_mutex_lock(&rtc->lock);
	if (write)
		write_reg(rtc, off, *data);
	else
		*data = off == 0 ? 0xff : read_reg(rtc, rtc->index);
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_read(struct bus_dev *dev, uint64_t off, void *data,
		     uint32_t len)
{
	rtc_access(dev, off, data, len, 0);
}

static void rtc_write(struct bus_dev *dev, uint64_t off, const void *data,
		      uint32_t len)
{
	rtc_access(dev, off, (uint8_t *)data, len, 1);
}

const struct bus_ops rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
};

static time_t host_now(void)
{
	return time(NULL);
}

int rtc_init(struct rtc *rtc, struct bus *bus, uint64_t base)
{
	int ret;

	memset(rtc, 0, sizeof(*rtc));
	rtc->bdev.ops = &rtc_ops;
	rtc->bdev.name = "rtc";
	rtc->now = host_now;
	rtc->cmos[REG_B] = REG_B_24H;
	ret = -pthread_mutex_init(&rtc->lock, NULL);
	if (ret)
		return ret;
	return bus ? bus_add(bus, base, 2, &rtc->bdev) : 0;
}
