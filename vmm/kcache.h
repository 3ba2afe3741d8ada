/* SPDX-License-Identifier: MIT */
/* A cache of decompressed kernels, keyed by the compressed bytes' SHA-256. */
#ifndef FERRY_KCACHE_H
#define FERRY_KCACHE_H

#include <stddef.h>
#include <stdint.h>
#include "sha256.h"
#include "util.h"

struct kcache_key {
	uint8_t digest[SHA256_LEN]; /* of the compressed payload */
	size_t out_len;		    /* the decompressed size it must have */
};

/* The key of a payload @in/@in_len that decompresses to @out_len bytes. */
void kcache_key(struct kcache_key *key, const void *in, size_t in_len,
		size_t out_len);

/*
 * Map the image cached for @key under directory @dir, read-only; free
 * with kcache_unmap(*@buf, @key->out_len). 0, or -ENOENT when there is
 * none (or one of another size: a cut-off write), -errno otherwise.
 */
int kcache_map(const char *dir, const struct kcache_key *key,
	       const uint8_t **buf) __must_check;
void kcache_unmap(const uint8_t *buf, size_t len);

/*
 * Store @buf (@key->out_len bytes) for @key under @dir, creating the
 * directory and its parents (mode 0700): written to a temporary file
 * and renamed, so a reader sees a whole image or none. 0 or -errno.
 */
int kcache_store(const char *dir, const struct kcache_key *key,
		 const void *buf) __must_check;

#endif
