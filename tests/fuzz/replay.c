// SPDX-License-Identifier: MIT
/* Runs a fuzz target over files and their prefixes (no libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every length within this many bytes of the end of the file is tried. */
#define TAIL 4096
/* ... and within this many past the target's structured region. */
#define MARGIN 64
/* Elsewhere every STRIDE-th length: a prime, so alignments vary. */
#define STRIDE 61

/*
 * Truncations are the classic loader bugs, so each file is replayed at
 * many prefix lengths. Every length is tried from 0 to MARGIN bytes past
 * the end of the structured part the target names (ELF: headers, program
 * headers and every segment's file bytes; bzImage: the setup header, the
 * setup sectors and the 64-bit entry), and every length in the last TAIL
 * bytes; between the two, every STRIDE-th. The oracle is the target's
 * own abort() on an inconsistent result plus ASan/UBSan in sanitized
 * builds: reaching the end of the loop means no violation.
 */
static int replay_one(const uint8_t *buf, size_t n, unsigned long *calls,
		      size_t *every_to)
{
	size_t end = fuzz_structured_end(buf, n), len;

	*every_to = end + MARGIN < n ? end + MARGIN : n;
	*calls = 0;
	for (len = 0; len <= n; len++) {
		if (len > *every_to && len + TAIL < n &&
		    (len - *every_to) % STRIDE)
			continue;
		LLVMFuzzerTestOneInput(buf, len);
		++*calls;
	}
	return *calls > 0;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		unsigned long calls;
		size_t every_to;
		uint8_t *buf;
		long n;

		if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0) {
			printf("not ok %d - cannot read %s, or it is empty\n",
			       i, argv[i]);
			failed = 1;
			if (f)
				fclose(f);
			continue;
		}
		rewind(f);
		buf = malloc((size_t)n);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			printf("not ok %d - cannot read %s\n", i, argv[i]);
			failed = 1;
			free(buf);
			fclose(f);
			continue;
		}
		fclose(f);
		if (replay_one(buf, (size_t)n, &calls, &every_to))
			printf("ok %d - %s: %lu prefixes of %ld bytes "
			       "(every length to %zu and in the last %d, "
			       "every %d bytes between)\n", i, argv[i], calls,
			       n, every_to, TAIL, STRIDE);
		else
			printf("not ok %d - %s: the target never ran\n", i,
			       argv[i]);
		free(buf);
	}
	printf("1..%d\n", argc - 1);
	return failed;
}
