// SPDX-License-Identifier: MIT
/* gzip payloads (Linux's default for its own builds), decoded with zlib. */
#include <errno.h>
#include <limits.h>
#include <zlib.h>
#include "log.h"
#include "unpack.h"

/* Give @s the sink's room for what comes next. 0 or -EINVAL. */
static int refill(z_stream *s, const struct unpack_sink *sink, size_t out_len)
{
	size_t room;

	s->next_out = unpack_sink_room(sink, (size_t)s->total_out, out_len,
				       &room);
	s->avail_out = s->next_out ? (uInt)room : 0;
	return s->next_out ? 0 : -EINVAL;
}

static int decode(const uint8_t *in, size_t in_len,
		  const struct unpack_sink *sink, size_t out_len,
		  unsigned int flags, char *why, size_t whylen)
{
	z_stream s;
	int r, ret;

	/* zlib checks the gzip trailer's CRC-32 whatever the flags say. */
	(void)flags;
	/* zlib counts in 32 bits; kernels are far smaller. */
	if (in_len > UINT_MAX || out_len > UINT_MAX)
		return why_set(why, whylen, -E2BIG, "the gzip payload is larger "
			       "than 4 GiB");
	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) /* gzip wrapper only */
		return why_set(why, whylen, -ENOMEM, "cannot start the gzip "
			       "decoder");
	s.next_in = (Bytef *)in;
	s.avail_in = (uInt)in_len;
	/* Until the stream ends, fails, or the room given is not all used
	 * (out of input), or all @out_len bytes are out. */
	do {
		if (s.avail_out == 0 && s.total_out < out_len &&
		    refill(&s, sink, out_len)) {
			inflateEnd(&s);
			return why_set(why, whylen, -EINVAL, "no room for the "
				       "decoded kernel at byte %lu",
				       s.total_out);
		}
		r = inflate(&s, Z_FINISH);
	} while ((r == Z_OK || r == Z_BUF_ERROR) && s.avail_out == 0 &&
		 s.total_out < out_len);
	/* Out of room: does the stream hold more? Ask for one byte more,
	 * into a scratch byte, never into the sink's memory. */
	if ((r == Z_OK || r == Z_BUF_ERROR) && s.avail_out == 0) {
		uint8_t extra;

		s.next_out = &extra;
		s.avail_out = 1;
		r = inflate(&s, Z_FINISH);
		if (s.avail_out == 0)
			r = Z_MEM_ERROR; /* stands for "more output" */
	}
	if (r == Z_STREAM_END && s.total_out == out_len)
		ret = 0;
	else if (r == Z_STREAM_END)
		ret = why_set(why, whylen, -EINVAL, "the gzip payload holds "
			      "%lu bytes, not the %zu its kernel says",
			      s.total_out, out_len);
	else if (r == Z_MEM_ERROR && s.avail_out == 0)
		ret = why_set(why, whylen, -E2BIG, "the gzip payload decodes to "
			      "more than %zu bytes; refused", out_len);
	else
		ret = why_set(why, whylen, -EINVAL, "the gzip payload is corrupt "
			      "or truncated (zlib error %d)", r);
	inflateEnd(&s);
	return ret;
}

static const uint8_t magic[] = { 0x1f, 0x8b };

const struct unpack_format unpack_gzip = {
	.name = "gzip", .magic = magic, .magic_len = sizeof(magic),
	.decode = decode,
};
