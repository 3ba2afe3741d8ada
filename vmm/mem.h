/* SPDX-License-Identifier: MIT */
/* Guest RAM: one memfd mapped once, cut into regions around MMIO holes. */
#ifndef FERRY_MEM_H
#define FERRY_MEM_H

#include <stdint.h>
#include "util.h"

#define MEM_MAX_REGIONS 4

struct mem_region {
	uint64_t gpa;
	uint64_t len;
	uint8_t *hva;
	uint64_t fd_off; /* offset of this region in the memfd */
};

struct guest_mem {
	int fd;		/* memfd backing all RAM, or -1 (tests) */
	uint8_t *base;	/* mapping of the whole memfd */
	uint64_t size;	/* total RAM bytes */
	int huge;	/* backed by 2 MiB hugetlbfs pages */
	unsigned int nr;
	struct mem_region regions[MEM_MAX_REGIONS];
};

/*
 * Create @size bytes of zeroed RAM in a sealed-size memfd (so it can be
 * shared with device servers later) and map it MAP_SHARED; with @huge,
 * from 2 MiB hugetlbfs pages, all reserved now (@size must be a multiple
 * of 2 MiB). Regions are laid out by the caller with mem_add_region().
 * Returns 0 or -errno (-ENOMEM when the host refuses the size or has too
 * few free huge pages).
 */
int mem_create(struct guest_mem *mem, uint64_t size, int huge) __must_check;

/*
 * Describe the next @len bytes of the memfd as guest RAM at @gpa.
 * Returns 0, -EINVAL (unaligned, overlap, beyond the memfd), -ENOSPC.
 */
int mem_add_region(struct guest_mem *mem, uint64_t gpa,
		   uint64_t len) __must_check;

/* Unmap and close. Safe on a zeroed or half-created struct. */
void mem_destroy(struct guest_mem *mem);

/*
 * Host address of guest range [gpa, gpa + len), or NULL if any byte of it
 * is not RAM or the range crosses a region boundary. @len may be 0 only
 * to test a single address. Overflow-safe for any inputs.
 */
void *mem_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

#endif
