// SPDX-License-Identifier: MIT
/* Decompressing kernel payloads (xz, gzip) with a hard bound on the output. */
#include <errno.h>
#include <string.h>
#include "log.h"
#include "unpack.h"

/* The formats this build reads; meson defines which libraries it has. */
static const struct unpack_format *const formats[] = {
#ifdef FERRY_HAVE_LZMA
	&unpack_xz,
#endif
#ifdef FERRY_HAVE_ZLIB
	&unpack_gzip,
#endif
	NULL,
};

/* Linux's other formats (arch/x86/boot/compressed/Makefile), by magic. */
static const struct {
	const char *name;
	uint8_t magic[6];
	size_t len;
} others[] = {
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
	{ "gzip", { 0x1f, 0x8b }, 2 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	{ "lzma", { 0x5d, 0, 0 }, 3 },
	{ "lzo", { 0x89, 'L', 'Z', 'O' }, 4 },
	{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4 },
};

const struct unpack_format *unpack_detect(const void *buf, size_t size)
{
	unsigned int i;

	for (i = 0; formats[i]; i++)
		if (size >= formats[i]->magic_len &&
		    memcmp(buf, formats[i]->magic, formats[i]->magic_len) == 0)
			return formats[i];
	return NULL;
}

const char *unpack_unsupported(const void *buf, size_t size)
{
	unsigned int i;

	if (unpack_detect(buf, size))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(others); i++)
		if (size >= others[i].len &&
		    memcmp(buf, others[i].magic, others[i].len) == 0)
			return others[i].name;
	return NULL;
}

int unpack_to(const struct unpack_format *fmt, const void *in, size_t in_len,
	      const struct unpack_sink *sink, size_t out_len,
	      unsigned int flags, char *why, size_t whylen)
{
	if (!fmt || in_len < fmt->magic_len ||
	    memcmp(in, fmt->magic, fmt->magic_len) != 0)
		return why_set(why, whylen, -EINVAL, "the payload is not %s "
			       "data", fmt ? fmt->name : "compressed");
	return fmt->decode(in, in_len, sink, out_len, flags, why, whylen);
}

uint8_t *unpack_sink_room(const struct unpack_sink *sink, size_t done,
			  size_t out_len, size_t *room)
{
	size_t left = out_len - done;
	uint8_t *at;

	*room = left;
	at = sink->place(sink->ctx, done, room);
	return at && *room && *room <= left ? at : NULL;
}

/* The flat sink: all of it at @ctx. */
static uint8_t *flat(void *ctx, size_t off, size_t *len)
{
	(void)len;
	return (uint8_t *)ctx + off;
}

int unpack(const struct unpack_format *fmt, const void *in, size_t in_len,
	   void *out, size_t out_len, unsigned int flags, char *why,
	   size_t whylen)
{
	const struct unpack_sink sink = { flat, out };

	return unpack_to(fmt, in, in_len, &sink, out_len, flags, why, whylen);
}
