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

/* Little-endian 32 and 64 bits at @p, any alignment (file formats,
 * device registers, guest requests), whatever the host's byte order. */
static inline uint32_t get_le32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t get_le64(const void *p)
{
	return get_le32(p) | (uint64_t)get_le32((const uint8_t *)p + 4) << 32;
}

/* [a, a + alen) and [b, b + blen) intersect; lengths are non-zero. */
static inline int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
				 uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

#endif
