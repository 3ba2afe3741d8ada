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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct unpack_format *f = unpack_detect(data, size);
	uint32_t want;
	uint8_t *in, *out;
	char why[256];
	int ret;

	if (!f || size < 4)
		return 0;
	memcpy(&want, data + size - 4, 4);
	if (want == 0 || want > MAX_OUT)
		want = MAX_OUT; /* as ferry: never more than it allows */
	in = fuzz_copy(data, size);
	out = malloc(want);
	if (!in || !out)
		goto out;
	why[0] = 0;
	ret = unpack(f, in, size, out, want, size & 1 ? UNPACK_INPUT_VERIFIED : 0,
		     why, sizeof(why));
	if (ret != 0 && ret != -E2BIG && ret != -EINVAL)
		abort();
	if (ret && !why[0])
		abort();
out:
	free(in);
	free(out);
	return 0;
}
