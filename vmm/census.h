/* SPDX-License-Identifier: MIT */
/* Exit census for --stats: exits per port and per MMIO page. */
#ifndef FERRY_CENSUS_H
#define FERRY_CENSUS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "util.h"

#define CENSUS_MMIO_SLOTS 256 /* distinct MMIO pages counted; then "other" */

struct census_entry {
	uint64_t key; /* port, or MMIO page address */
	uint64_t count;
};

/*
 * Counted on vCPU threads, read once they have stopped. Port counts are
 * one atomic per port; MMIO pages go in a small table under @lock (MMIO
 * exits are rare next to port exits in the guests ferry runs).
 */
struct census {
	_Atomic uint32_t pio[65536];
	pthread_mutex_t lock;
	struct census_entry mmio[CENSUS_MMIO_SLOTS];
	unsigned int nr_mmio;
	uint64_t mmio_other; /* pages past the table's room */
};

/* Allocate an empty census; NULL when out of memory. */
struct census *census_new(void);
void census_free(struct census *c);

/* One port exit at @port, one MMIO exit at @gpa. Thread-safe. */
void census_pio(struct census *c, uint16_t port);
void census_mmio(struct census *c, uint64_t gpa);

/*
 * The @max ports (@mmio 0) or MMIO pages (@mmio 1) with the most exits,
 * most first, into @out; their number.
 */
unsigned int census_top(const struct census *c, int mmio,
			struct census_entry *out, unsigned int max);

#endif
