/* SPDX-License-Identifier: MIT */
/* A cache of decompressed kernels, keyed by the compressed bytes' SHA-256. */
#ifndef FERRY_KCACHE_H
#define FERRY_KCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
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
 * How much the cache may hold: a store that takes it past this removes
 * the least recently used images (ferry boots from the cache by
 * default, so it must not grow without end). Eight of Debian's kernels.
 */
#define KCACHE_MAX_BYTES (512 * MiB)

/*
 * Map the image cached for @key under directory @dir, read-only; free
 * with kcache_unmap(*@buf, @key->out_len), and mark it used (its
 * modification time: what kcache_trim() orders by). 0, or -ENOENT when
 * there is none (or one of another size: a cut-off write), -EPERM if
 * @dir or the image could be written by another user than this one (a
 * kernel someone else planted: never booted), -errno otherwise.
 */
int kcache_map(const char *dir, const struct kcache_key *key,
	       const uint8_t **buf) __must_check;
void kcache_unmap(const uint8_t *buf, size_t len);

/*
 * Store @buf (@key->out_len bytes) for @key under @dir, creating the
 * directory and its parents (mode 0700): written to a temporary file
 * and renamed, so a reader sees a whole image or none. Then trims @dir
 * to @max bytes (kcache_trim(), keeping this image). 0, -EFBIG if the
 * image alone is larger than @max (not stored), -EPERM as kcache_map(),
 * -errno otherwise.
 */
int kcache_store(const char *dir, const struct kcache_key *key,
		 const void *buf, uint64_t max) __must_check;

/*
 * kcache_store() of an image in pieces: @iov[0..@n) in order, which
 * must add up to @key->out_len bytes (-EINVAL otherwise, nothing
 * stored). For a kernel whose segments were decoded into guest RAM.
 */
int kcache_storev(const char *dir, const struct kcache_key *key,
		  const struct iovec *iov, unsigned int n,
		  uint64_t max) __must_check;

/*
 * Remove the least recently used images under @dir until those left
 * take at most @max bytes; never @keep's (NULL: none). Also removes the
 * temporary files of stores that were killed (older than an hour). The
 * number of images removed, or -errno (-EPERM as kcache_map()).
 * Another ferry may map an image as it goes: its mapping stays whole.
 */
int kcache_trim(const char *dir, uint64_t max, const struct kcache_key *keep);

#endif
