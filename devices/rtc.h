/* SPDX-License-Identifier: MIT */
/* MC146818 CMOS real-time clock: the host's UTC time and 114 bytes of RAM. */
#ifndef FERRY_RTC_H
#define FERRY_RTC_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "../vmm/bus.h"

struct vm;

struct rtc {
	struct bus_dev bdev;
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t cmos[128];
	time_t (*now)(void); /* the clock; replaceable in unit tests */
};

/*
 * Claim the index and data registers at @base and @base + 1 on @bus
 * (0x70-0x71 on a PC) when @bus is not NULL; start in 24-hour BCD mode.
 * Returns 0 or -errno.
 */
int rtc_init(struct rtc *rtc, struct bus *bus, uint64_t base) __must_check;

extern const struct bus_ops rtc_ops;

#endif
