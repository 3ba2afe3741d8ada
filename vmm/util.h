/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every ferry file: attributes, container_of, sizes. */
#ifndef FERRY_UTIL_H
#define FERRY_UTIL_H

#include <assert.h> /* static_assert */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define __must_check __attribute__((warn_unused_result))
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Little-endian access to a device data buffer of 1, 2, 4 or 8 bytes. */
static inline uint64_t data_get(const void *data, uint32_t len)
{
	uint64_t v = 0;

	memcpy(&v, data, len > 8 ? 8 : len);
	return v;
}

static inline void data_put(void *data, uint32_t len, uint64_t v)
{
	memcpy(data, &v, len > 8 ? 8 : len);
}

/* [a, a + alen) and [b, b + blen) intersect; lengths are non-zero. */
static inline int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
				 uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

#endif
