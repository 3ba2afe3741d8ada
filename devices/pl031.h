/* SPDX-License-Identifier: MIT */
/* ARM PrimeCell PL031 real-time clock: the host's UTC time, a match alarm. */
#ifndef FERRY_PL031_H
#define FERRY_PL031_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "../vmm/bus.h"

struct vm;

struct pl031 {
	struct bus_dev bdev;
	struct vm *vm;		/* NULL in unit tests: no interrupt line */
	unsigned int irq;
	pthread_mutex_t lock;	/* everything below */
	pthread_cond_t cond;	/* the alarm thread waits on it */
	pthread_t thread;
	int thread_on, stopping;
	int64_t offset;		/* counter = now() + offset (seconds) */
	uint32_t load;		/* last value written to RTCLR */
	uint32_t match;
	int armed;		/* the match has not been reached yet */
	uint32_t cr, imsc, ris;
	int irq_level;
	time_t (*now)(void);	/* the clock; replaceable in unit tests */
};

/*
 * A PL031 of 4 KiB of registers at @base on @bus, counting the host's UTC
 * seconds from reset; its match interrupt raises line @irq of @vm (a
 * thread waits for the match time). @vm NULL: no line and no thread
 * (unit tests, which call pl031_poll() instead). 0 or -errno.
 */
int pl031_init(struct pl031 *p, struct vm *vm, struct bus *bus, uint64_t base,
	       unsigned int irq) __must_check;

/* Stop the alarm thread. Safe on a zeroed or never started device. */
void pl031_destroy(struct pl031 *p);

/* Check the match against the clock now (what the thread does). */
void pl031_poll(struct pl031 *p);

extern const struct bus_ops pl031_ops;

#endif
