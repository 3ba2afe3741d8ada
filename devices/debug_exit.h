/* SPDX-License-Identifier: MIT */
/* Debug-exit port: a guest ends the VM with a status of its choosing. */
#ifndef FERRY_DEBUG_EXIT_H
#define FERRY_DEBUG_EXIT_H

#include "../vmm/bus.h"

struct vm;

struct debug_exit {
	struct bus_dev bdev;
	struct vm *vm;
};

/* A write of V (1, 2 or 4 bytes) stops the VM with (V << 1) | 1. */
static inline int debug_exit_status(uint64_t v)
{
	return (int)(((v << 1) | 1) & 0xff);
}

/* Claim 4 bytes at @base on @bus; stops @vm. Returns 0 or -errno. */
int debug_exit_init(struct debug_exit *d, struct vm *vm, struct bus *bus,
		    uint64_t base) __must_check;

#endif
