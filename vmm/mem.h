/* SPDX-License-Identifier: MIT */
/* Guest RAM: one mapping (anonymous or a memfd), cut into regions around holes. */
#ifndef FERRY_MEM_H
#define FERRY_MEM_H

#include <stdint.h>
#include "util.h"

#define MEM_MAX_REGIONS 4

struct mem_region {
	uint64_t gpa;
	uint64_t len;
	uint8_t *hva;	 /* NULL while the layout has no backing */
	uint64_t fd_off; /* offset of this region in the backing */
};

/*
 * Guest RAM goes through two steps: a layout (mem_init() and
 * mem_add_region(), pure bookkeeping, so a kernel can be checked against
 * it before the host is asked for anything), then its backing
 * (mem_back(), which maps the memory and fills in every region's hva).
 */
struct guest_mem {
	int fd;		/* memfd backing all RAM, or -1 (anonymous, tests) */
	uint8_t *base;	/* the whole RAM, 2 MiB aligned; NULL: layout only */
	uint64_t size;	/* total RAM bytes */
	int huge;	/* backed by 2 MiB hugetlbfs pages */
	void *map;	/* what mem_back() mapped (base, or below it), or NULL */
	uint64_t map_len;
	unsigned int nr;
	struct mem_region regions[MEM_MAX_REGIONS];
};

/* Start a layout of @size bytes of RAM with no region and no backing. */
void mem_init(struct guest_mem *mem, uint64_t size);

/* How mem_back() backs guest RAM. */
enum mem_backing {
	/*
	 * Private anonymous memory, 2 MiB aligned, with MADV_HUGEPAGE: a
	 * stock host (THP "madvise" or "always") gives it transparent huge
	 * pages, as QEMU's RAM gets. No fd: the default, while nothing
	 * outside this process needs to map guest RAM.
	 */
	MEM_ANON,
	/*
	 * A sealed-size memfd mapped MAP_SHARED, for a device server that
	 * must map guest RAM too (vhost-user and the like). Its THP follow
	 * the host's shmem_enabled, "never" on a stock Debian host.
	 */
	MEM_MEMFD,
	/* A memfd of 2 MiB hugetlbfs pages, all reserved now (--hugepages). */
	MEM_HUGETLB,
};

/*
 * Back the layout with zeroed RAM as @how says (MEM_HUGETLB: the size
 * must be a multiple of 2 MiB). mem->base is 2 MiB aligned, so each
 * region whose guest address is 2 MiB aligned can get huge pages in
 * the guest's nested page tables. Returns 0 or -errno (-ENOMEM when the
 * host refuses the size or has too few free huge pages); on failure the
 * layout stays as it was.
 */
int mem_back(struct guest_mem *mem, enum mem_backing how) __must_check;

/*
 * mem_init() and mem_back() in one, for callers (tests, tools) that lay
 * out the regions afterwards with mem_add_region(). 0 or -errno.
 */
int mem_create(struct guest_mem *mem, uint64_t size,
	       enum mem_backing how) __must_check;

/*
 * Describe the next @len bytes of the RAM as guest RAM at @gpa (with its
 * hva when already backed). Returns 0, -EINVAL (unaligned, overlap,
 * beyond the RAM's size), -ENOSPC.
 */
int mem_add_region(struct guest_mem *mem, uint64_t gpa,
		   uint64_t len) __must_check;

/* Unmap and close. Safe on a zeroed or half-created struct. */
void mem_destroy(struct guest_mem *mem);

/*
 * Is guest range [gpa, gpa + len) RAM, inside one region? Works on a
 * layout without backing. @len 0 tests a single address. Overflow-safe.
 */
int mem_contains(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/*
 * Host address of guest range [gpa, gpa + len), or NULL if any byte of it
 * is not RAM, the range crosses a region boundary, or the RAM has no
 * backing yet. @len may be 0 only to test a single address. Overflow-safe
 * for any inputs.
 */
void *mem_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

#endif
