// SPDX-License-Identifier: MIT
/* Guest RAM: region layout rules and overflow-safe translation. */
#include <errno.h>
#include <unistd.h>
#include "mem.h"
#include "test.h"

int main(void)
{
	struct guest_mem m;
	uint8_t *hva;

	CHECK(mem_create(&m, 16 * MiB, MEM_ANON) == 0);
	CHECK_MSG(m.fd == -1 && m.base && IS_ALIGNED((uintptr_t)m.base, 2 * MiB),
		  "default RAM is anonymous and 2 MiB aligned (THP)");
	{
		struct guest_mem h;

		CHECK_MSG(mem_create(&h, 3 * MiB, MEM_HUGETLB) == -EINVAL,
			  "huge-page RAM must be a multiple of 2 MiB");
	}
	{
		struct guest_mem s;
		uint8_t byte = 0;

		CHECK(mem_create(&s, 6 * MiB + 4096, MEM_MEMFD) == 0);
		CHECK_MSG(s.fd >= 0 && IS_ALIGNED((uintptr_t)s.base, 2 * MiB),
			  "memfd RAM has an fd and is 2 MiB aligned");
		s.base[6 * MiB + 17] = 0x5a;
		CHECK_MSG(pread(s.fd, &byte, 1, 6 * MiB + 17) == 1 &&
				  byte == 0x5a,
			  "memfd RAM is shared: a write shows through the fd");
		CHECK_MSG(mem_back(&s, MEM_ANON) == -EBUSY,
			  "RAM is backed only once");
		mem_destroy(&s);
		CHECK(s.base == NULL && s.fd == -1 && s.map == NULL);
	}
	CHECK(mem_add_region(&m, 0, 8 * MiB) == 0);
	CHECK_MSG(mem_add_region(&m, 4 * MiB, 4 * MiB) == -EINVAL,
		  "overlapping regions are refused");
	CHECK_MSG(mem_add_region(&m, 4 * GiB + 1, 4096) == -EINVAL,
		  "unaligned regions are refused");
	CHECK_MSG(mem_add_region(&m, 4 * GiB, 16 * MiB) == -EINVAL,
		  "regions beyond the memfd are refused");
	CHECK(mem_add_region(&m, 4 * GiB, 8 * MiB) == 0);
	CHECK(mem_add_region(&m, 8 * GiB, 4096) == -EINVAL);

	hva = mem_gpa_to_hva(&m, 0, 8 * MiB);
	CHECK(hva == m.base);
	CHECK(mem_gpa_to_hva(&m, 4 * GiB, 1) == m.base + 8 * MiB);
	CHECK_MSG(mem_gpa_to_hva(&m, 8 * MiB - 4, 8) == NULL,
		  "a range running off the end of a region is refused");
	CHECK_MSG(mem_gpa_to_hva(&m, 8 * MiB - 4, 4) == m.base + 8 * MiB - 4 &&
			  mem_gpa_to_hva(&m, 8 * MiB - 4, 5) == NULL,
		  "a range ending on a region's last byte translates, one "
		  "byte longer does not");
	CHECK_MSG(mem_gpa_to_hva(&m, 4 * GiB, 8 * MiB) == m.base + 8 * MiB &&
			  mem_gpa_to_hva(&m, 4 * GiB, 8 * MiB + 1) == NULL,
		  "the whole high region translates, one byte more does not");
	CHECK_MSG(mem_gpa_to_hva(&m, 8 * MiB, 1) == NULL, "the hole is not RAM");
	CHECK_MSG(mem_gpa_to_hva(&m, 4 * GiB + 8 * MiB - 1, 1) != NULL,
		  "the last byte of RAM is RAM");
	CHECK_MSG(mem_gpa_to_hva(&m, 4 * GiB, UINT64_MAX) == NULL,
		  "a huge length does not wrap");
	CHECK_MSG(mem_gpa_to_hva(&m, UINT64_MAX, 2) == NULL,
		  "an address near 2^64 does not wrap");
	/* Anonymous RAM is zeroed and writable through every alias. */
	CHECK(m.base[100] == 0);
	hva[100] = 7;
	CHECK(m.base[100] == 7);
	mem_destroy(&m);
	CHECK(m.base == NULL && m.fd == -1);
	return test_done();
}
