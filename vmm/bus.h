/* SPDX-License-Identifier: MIT */
/* PIO and MMIO buses: address ranges mapped to device callbacks. */
#ifndef FERRY_BUS_H
#define FERRY_BUS_H

#include <pthread.h>
#include <stdint.h>
#include "log.h"
#include "util.h"

struct bus_dev;

/*
 * Device callbacks. @off is the offset into the region the device was
 * added at, never an absolute address. @data holds @len (1, 2, 4 or 8)
 * little-endian bytes. A NULL read answers all-ones; a NULL write drops.
 * Callbacks run without any bus lock held, possibly on several vCPU
 * threads at once: devices lock their own state.
 */
struct bus_ops {
	void (*read)(struct bus_dev *dev, uint64_t off, void *data,
		     uint32_t len);
	void (*write)(struct bus_dev *dev, uint64_t off, const void *data,
		      uint32_t len);
};

/* Embedded in a device model; get back with container_of. */
struct bus_dev {
	const struct bus_ops *ops;
	const char *name;
};

struct bus_region {
	uint64_t base;
	uint64_t len;
	struct bus_dev *dev;
};

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	/* Level of "dropped write" messages: probing empty I/O ports is
	 * routine for an OS (info), a stray MMIO write is not (warning). */
	enum log_level unclaimed_level;
	pthread_rwlock_t lock;
	struct bus_region *regions; /* sorted by base, never overlapping */
	unsigned int nr, cap;
	struct log_ratelimit unclaimed_rl;
	/* Counters for --stats: atomic increments, read at exit. */
	_Atomic uint64_t accesses, unclaimed;
};

/* Initialise an empty bus. Returns 0 or -errno. */
int bus_init(struct bus *bus, const char *name,
	     enum log_level unclaimed_level) __must_check;

/* Free the region table. No access may be in flight. */
void bus_destroy(struct bus *bus);

/*
 * Claim [base, base + len) for @dev. Returns 0, -EINVAL for zero length
 * or a range that wraps past 2^64, -EEXIST if it overlaps any region,
 * -ENOMEM. @dev must stay valid until the vCPUs have stopped: an access
 * that looked the region up just before bus_remove() may still complete.
 */
int bus_add(struct bus *bus, uint64_t base, uint64_t len,
	    struct bus_dev *dev) __must_check;

/* Remove the region of @dev starting at @base. Returns 0 or -ENOENT. */
int bus_remove(struct bus *bus, uint64_t base, struct bus_dev *dev);

/*
 * Dispatch an access at absolute @addr. An access that no region claims
 * in full reads as all-ones and is dropped on write (logged, rate
 * limited). Returns 1 if a device handled it, 0 if unclaimed.
 */
int bus_read(struct bus *bus, uint64_t addr, void *data, uint32_t len);
int bus_write(struct bus *bus, uint64_t addr, const void *data, uint32_t len);

/* The name of the device claiming @addr, or NULL (--stats). */
const char *bus_owner(struct bus *bus, uint64_t addr);

#endif
