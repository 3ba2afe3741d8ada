// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: host-side decompression of kernel payloads. Whatever
 * the compressed bytes, a decoder never writes past the bound it is given
 * (an exact-size heap buffer: ASan sees a single byte over), answers 0,
 * -E2BIG or -EINVAL, and says why when it refuses. The input is a
 * payload as a bzImage carries it: the stream, then the 32-bit size.
 */
#include <errno.h>
#include <stdlib.h>
#include "unpack.h"
#include "fuzz_ram.h"
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bound: what a fuzzer may make the decoder produce, at most. */
#define MAX_OUT (128 * 1024)

/* Compressed streams have structure all through. */
size_t fuzz_structured_end(const uint8_t *data, size_t size)
{
	(void)data;
	return size;
}

/* A sink that gives room in pieces of 1 to 4096 bytes (a fixed
 * sequence), into the buffer at @ctx: as the RAM sink does at the edges
 * of headers and segments. */
struct pieces {
	uint8_t *buf;
	uint32_t x;
};

static uint8_t *piece(void *ctx, size_t off, size_t *len)
{
	struct pieces *p = ctx;

	p->x = p->x * 1103515245 + 12345;
	*len = MIN(*len, (size_t)(p->x >> 20) % 4096 + 1);
	return p->buf + off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct unpack_format *f = unpack_detect(data, size);
	uint32_t want;
	uint8_t *in, *out, *out2 = NULL;
	struct pieces p = { NULL, (uint32_t)size };
	struct unpack_sink sink = { piece, &p };
	unsigned int flags;
	char why[256];
	int ret, ret2;

	if (!f || size < 4)
		return 0;
	memcpy(&want, data + size - 4, 4);
	if (want == 0 || want > MAX_OUT)
		want = MAX_OUT; /* as ferry: never more than it allows */
	in = fuzz_copy(data, size);
	out = malloc(want);
	out2 = malloc(want);
	if (!in || !out || !out2)
		goto out;
	why[0] = 0;
	flags = size & 1 ? UNPACK_INPUT_VERIFIED : 0;
	ret = unpack(f, in, size, out, want, flags, why, sizeof(why));
	if (ret != 0 && ret != -E2BIG && ret != -EINVAL)
		abort();
	if (ret && !why[0])
		abort();
	/* In pieces: the same answer, the same bytes. */
	p.buf = out2;
	ret2 = unpack_to(f, in, size, &sink, want, flags, why, sizeof(why));
	if (ret2 != ret || (ret == 0 && memcmp(out, out2, want)))
		abort();
out:
	free(in);
	free(out);
	free(out2);
	return 0;
}
