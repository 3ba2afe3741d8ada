// SPDX-License-Identifier: MIT
/* Guest RAM: one mapping (anonymous or a memfd), cut into regions around holes. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "mem.h"

/* <linux/memfd.h> has these, but its MFD_* clash with glibc's. */
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_SHIFT 26
#define MFD_HUGE_2MB (21U << MFD_HUGE_SHIFT)
#endif

void mem_init(struct guest_mem *mem, uint64_t size)
{
	memset(mem, 0, sizeof(*mem));
	mem->fd = -1;
	mem->size = size;
}

/* A memfd of @size bytes whose size can never change. fd or -errno. */
static int make_memfd(uint64_t size, int huge)
{
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd, ret;

	if (huge)
		flags |= MFD_HUGETLB | MFD_HUGE_2MB;
	fd = memfd_create("ferry-ram", flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		ret = -errno;
		goto err_close;
	}
	/* The size never changes under the mapping (and device servers). */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK) < 0) {
		ret = -errno;
		goto err_close;
	}
	return fd;

err_close:
	close(fd);
	return ret;
}

/*
 * Anonymous RAM on a 2 MiB boundary: Linux before 6.7 aligns a large
 * anonymous mapping only to 4 KiB, and THP need the host's virtual and
 * the guest's physical addresses to agree modulo 2 MiB. Map 2 MiB more
 * and keep the aligned part. Sets mem->map/map_len/base; 0 or -errno.
 */
static int map_anon(struct guest_mem *mem)
{
	uint64_t len;
	uint8_t *p;

	if (__builtin_add_overflow(mem->size, 2 * MiB, &len))
		return -ENOMEM;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	mem->map = p;
	mem->map_len = len;
	mem->base = (uint8_t *)ALIGN_UP((uintptr_t)p, 2 * MiB);
	/* Transparent huge pages where the host allows them (Debian's
	 * default THP mode is "madvise"): fewer nested-paging faults and
	 * IOMMU entries. No fork ever needs a copy of guest RAM. */
	madvise(mem->base, mem->size, MADV_HUGEPAGE);
	madvise(mem->map, mem->map_len, MADV_DONTFORK);
	return 0;
}

static int map_memfd(struct guest_mem *mem, int huge)
{
	uint64_t len;
	uint8_t *p;
	int fd, ret;

	fd = make_memfd(mem->size, huge);
	if (fd < 0)
		return fd;
	if (__builtin_add_overflow(mem->size, 2 * MiB, &len)) {
		ret = -ENOMEM;
		goto err_close;
	}
	/* Reserve an address range with room to align, then map the memfd
	 * over its aligned part. */
	p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	mem->map = p;
	mem->map_len = len;
	mem->base = (uint8_t *)ALIGN_UP((uintptr_t)p, 2 * MiB);
	/* Huge pages are reserved at mmap (no MAP_NORESERVE): a shortage
	 * shows up here, not as a SIGBUS in the middle of the guest. */
	if (mmap(mem->base, mem->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED | (huge ? 0 : MAP_NORESERVE), fd,
		 0) == MAP_FAILED) {
		ret = -errno;
		goto err_unmap;
	}
	/* Shmem THP where the host allows them (shmem_enabled=advise). */
	if (!huge)
		madvise(mem->base, mem->size, MADV_HUGEPAGE);
	mem->fd = fd;
	return 0;

err_unmap:
	munmap(mem->map, mem->map_len);
	mem->map = NULL;
	mem->base = NULL;
err_close:
	close(fd);
	return ret;
}

int mem_back(struct guest_mem *mem, enum mem_backing how)
{
	unsigned int i;
	int ret;

	if (mem->base)
		return -EBUSY;
	if (how == MEM_HUGETLB && !IS_ALIGNED(mem->size, 2 * MiB))
		return -EINVAL;
	ret = how == MEM_ANON ? map_anon(mem)
			      : map_memfd(mem, how == MEM_HUGETLB);
	if (ret)
		return ret;
	mem->huge = how == MEM_HUGETLB;
	for (i = 0; i < mem->nr; i++)
		mem->regions[i].hva = mem->base + mem->regions[i].fd_off;
	return 0;
}

int mem_create(struct guest_mem *mem, uint64_t size, enum mem_backing how)
{
	mem_init(mem, size);
	return mem_back(mem, how);
}

int mem_add_region(struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t used = 0, last;
	unsigned int i;

	if (len == 0 || !IS_ALIGNED(gpa, 4096) || !IS_ALIGNED(len, 4096) ||
	    __builtin_add_overflow(gpa, len - 1, &last))
		return -EINVAL;
	if (mem->nr == MEM_MAX_REGIONS)
		return -ENOSPC;
	for (i = 0; i < mem->nr; i++) {
		if (ranges_overlap(gpa, len, mem->regions[i].gpa,
				   mem->regions[i].len))
			return -EINVAL;
		used += mem->regions[i].len;
	}
	if (len > mem->size - used)
		return -EINVAL;
	mem->regions[mem->nr++] = (struct mem_region){
		.gpa = gpa, .len = len, .hva = mem->base ? mem->base + used : NULL,
		.fd_off = used,
	};
	return 0;
}

void mem_destroy(struct guest_mem *mem)
{
	/* Only what mem_back() mapped is ours (tests bring their own). */
	if (mem->map) {
		munmap(mem->map, mem->map_len);
		if (mem->fd >= 0)
			close(mem->fd);
	}
	mem->map = NULL;
	mem->base = NULL;
	mem->fd = -1;
	mem->nr = 0;
}

/* The region holding all of [gpa, gpa + len), or NULL. */
static const struct mem_region *find(const struct guest_mem *mem, uint64_t gpa,
				     uint64_t len)
{
	unsigned int i;

	for (i = 0; i < mem->nr; i++) {
		const struct mem_region *r = &mem->regions[i];

		if (gpa < r->gpa || gpa - r->gpa >= r->len)
			continue;
		if (len > r->len - (gpa - r->gpa))
			return NULL;
		return r;
	}
	return NULL;
}

int mem_contains(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	return find(mem, gpa, len) != NULL;
}

void *mem_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	const struct mem_region *r = find(mem, gpa, len);

	if (!r || !r->hva)
		return NULL;
	return r->hva + (gpa - r->gpa);
}
