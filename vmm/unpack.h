/* SPDX-License-Identifier: MIT */
/* Decompressing kernel payloads (xz, gzip) with a hard bound on the output. */
#ifndef FERRY_UNPACK_H
#define FERRY_UNPACK_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/*
 * unpack()'s flags. UNPACK_INPUT_VERIFIED: the caller has verified the
 * compressed bytes against a checksum of their own (a bzImage's CRC-32),
 * so a format may skip the check its stream carries over the output (xz
 * does: a CRC-32 over 8x the bytes); gzip checks all the same.
 */
#define UNPACK_INPUT_VERIFIED 1u

/*
 * Where decoded bytes go. place() is asked for room for the output from
 * byte @off on, *@len being the bytes still to come; it returns where
 * they are written and sets *@len to how many fit there, 1 to what was
 * asked. A caller scatters a kernel straight into guest RAM this way;
 * unpack() writes one flat buffer.
 */
struct unpack_sink {
	uint8_t *(*place)(void *ctx, size_t off, size_t *len);
	void *ctx;
};

/*
 * For a format's decoder: the room @sink gives for the output from byte
 * @done of @out_len on (@done < @out_len), its size in *@room. NULL if
 * the sink misbehaves (gives no room, or more than is left): the
 * decoder then fails the decode, never writes.
 */
uint8_t *unpack_sink_room(const struct unpack_sink *sink, size_t done,
			  size_t out_len, size_t *room);

/* One compression format ferry can read (unpack.c's table). */
struct unpack_format {
	const char *name;	/* "xz", "gzip" */
	const uint8_t *magic;	/* the stream's first bytes */
	size_t magic_len;
	/*
	 * Decode one stream from @in/@in_len into exactly @out_len bytes,
	 * placed by @sink. 0 when the stream ends having produced exactly
	 * @out_len bytes; -E2BIG as soon as it would produce more (it never
	 * writes past @out_len); -EINVAL if it is corrupt or ends short, or
	 * fails its own check (unless @flags says the input is verified).
	 * One sentence in @why on failure.
	 */
	int (*decode)(const uint8_t *in, size_t in_len,
		      const struct unpack_sink *sink, size_t out_len,
		      unsigned int flags, char *why, size_t whylen);
};

/*
 * The format whose magic @buf/@size starts with, among those this build
 * reads (each needs its library), or NULL.
 */
const struct unpack_format *unpack_detect(const void *buf, size_t size);

/*
 * The name of a compression format Linux may use for @buf/@size that
 * this build cannot read ("zstd", "bzip2", "lzma", "lzo", "lz4"), or
 * NULL.
 */
const char *unpack_unsupported(const void *buf, size_t size);

/*
 * Decompress @in/@in_len, a stream of format @fmt, into exactly @out_len
 * bytes at @out (the size the caller expects, bounded by what it
 * allows: a stream that decodes to more is refused before it fills
 * more memory). Bytes after the end of the stream are ignored (Linux
 * appends the decompressed size). @flags: UNPACK_INPUT_VERIFIED or 0.
 * 0, -E2BIG or -EINVAL with one sentence in @why.
 */
int unpack(const struct unpack_format *fmt, const void *in, size_t in_len,
	   void *out, size_t out_len, unsigned int flags, char *why,
	   size_t whylen) __must_check;

/* unpack(), the output placed by @sink instead of a flat buffer. */
int unpack_to(const struct unpack_format *fmt, const void *in, size_t in_len,
	      const struct unpack_sink *sink, size_t out_len,
	      unsigned int flags, char *why, size_t whylen) __must_check;

/* Formats, each in its own file and built only with its library. */
extern const struct unpack_format unpack_xz, unpack_gzip;

#endif
