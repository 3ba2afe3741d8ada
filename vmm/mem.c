// SPDX-License-Identifier: MIT
/* Guest RAM: one memfd mapped once, cut into regions around MMIO holes. */
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

int mem_back(struct guest_mem *mem, int huge)
{
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING, i;
	uint64_t size = mem->size;
	void *p;
	int ret;

	if (mem->base)
		return -EBUSY;
	if (huge) {
		if (!IS_ALIGNED(size, 2 * MiB))
			return -EINVAL;
		flags |= MFD_HUGETLB | MFD_HUGE_2MB;
	}
	mem->fd = memfd_create("ferry-ram", flags);
	if (mem->fd < 0) {
		ret = -errno;
		mem->fd = -1;
		return ret;
	}
	if (ftruncate(mem->fd, (off_t)size) < 0) {
		ret = -errno;
		goto err_close;
	}
	/* The size never changes under the mapping (and device servers). */
	if (fcntl(mem->fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK) < 0) {
		ret = -errno;
		goto err_close;
	}
	/* Huge pages are reserved at mmap (no MAP_NORESERVE): a shortage
	 * shows up here, not as a SIGBUS in the middle of the guest. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (huge ? 0 : MAP_NORESERVE), mem->fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	/* Transparent huge pages for shmem, where the host allows them
	 * (shmem_enabled=advise): fewer nested-paging and IOMMU entries. */
	if (!huge)
		madvise(p, size, MADV_HUGEPAGE);
	mem->base = p;
	mem->huge = huge;
	for (i = 0; i < mem->nr; i++)
		mem->regions[i].hva = mem->base + mem->regions[i].fd_off;
	return 0;

err_close:
	close(mem->fd);
	mem->fd = -1;
	return ret;
}

int mem_create(struct guest_mem *mem, uint64_t size, int huge)
{
	mem_init(mem, size);
	return mem_back(mem, huge);
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
	/* Only a mapping made by mem_create() has a memfd to close. */
	if (mem->base && mem->fd >= 0) {
		munmap(mem->base, mem->size);
		close(mem->fd);
	}
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
