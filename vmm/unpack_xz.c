// SPDX-License-Identifier: MIT
/* xz payloads (Debian's kernels), decoded with liblzma. */
#include <errno.h>
#include <lzma.h>
#include "log.h"
#include "unpack.h"

/* Linux packs with a 32 MiB dictionary; the decoder needs about that. */
#define XZ_MEMLIMIT (256ULL << 20)

/* Give @s the sink's room for what comes next. 0 or -EINVAL. */
static int refill(lzma_stream *s, const struct unpack_sink *sink,
		  size_t out_len)
{
	size_t room;

	s->next_out = unpack_sink_room(sink, (size_t)s->total_out, out_len,
				       &room);
	s->avail_out = s->next_out ? room : 0;
	return s->next_out ? 0 : -EINVAL;
}

static int decode(const uint8_t *in, size_t in_len,
		  const struct unpack_sink *sink, size_t out_len,
		  unsigned int flags, char *why, size_t whylen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;
	int ret;

	/* One stream, no LZMA_CONCATENATED: Linux's size trailer follows.
	 * Input verified by the caller: skip the stream's CRC over the
	 * output (5% of the decode; every other check stays). */
	if (lzma_stream_decoder(&s, XZ_MEMLIMIT,
				flags & UNPACK_INPUT_VERIFIED ?
					LZMA_IGNORE_CHECK : 0) != LZMA_OK)
		return why_set(why, whylen, -ENOMEM, "cannot start the xz "
			       "decoder");
	s.next_in = in;
	s.avail_in = in_len;
	/* liblzma says LZMA_BUF_ERROR once it can make no more progress;
	 * the sink gives room again each time what it gave is full. */
	do {
		if (s.avail_out == 0 && s.total_out < out_len &&
		    refill(&s, sink, out_len)) {
			lzma_end(&s);
			return why_set(why, whylen, -EINVAL, "no room for the "
				       "decoded kernel at byte %llu",
				       (unsigned long long)s.total_out);
		}
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK);
	/* Out of room: does the stream hold more? Ask for one byte more,
	 * into a scratch byte, never into the sink's memory. */
	if (r == LZMA_BUF_ERROR && s.avail_out == 0) {
		uint8_t extra;

		s.next_out = &extra;
		s.avail_out = 1;
		do
			r = lzma_code(&s, LZMA_FINISH);
		while (r == LZMA_OK && s.avail_out);
		if (s.avail_out == 0)
			r = LZMA_MEMLIMIT_ERROR; /* stands for "more output" */
	}
	if (r == LZMA_STREAM_END && s.total_out == out_len)
		ret = 0;
	else if (r == LZMA_STREAM_END)
		ret = why_set(why, whylen, -EINVAL, "the xz payload holds "
			      "%llu bytes, not the %zu its kernel says",
			      (unsigned long long)s.total_out, out_len);
	else if (r == LZMA_MEMLIMIT_ERROR && s.avail_out == 0)
		ret = why_set(why, whylen, -E2BIG, "the xz payload decodes to "
			      "more than %zu bytes; refused", out_len);
	else
		ret = why_set(why, whylen, -EINVAL, "the xz payload is corrupt "
			      "or truncated (liblzma error %d)", (int)r);
	lzma_end(&s);
	return ret;
}

static const uint8_t magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

const struct unpack_format unpack_xz = {
	.name = "xz", .magic = magic, .magic_len = sizeof(magic),
	.decode = decode,
};
