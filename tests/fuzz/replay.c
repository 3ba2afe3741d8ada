// SPDX-License-Identifier: MIT
/* Runs a fuzz target over files given on the command line (no libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long n;

		if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0) {
			printf("not ok %d - cannot read %s\n", i, argv[i]);
			return 1;
		}
		rewind(f);
		buf = malloc((size_t)n + 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			printf("not ok %d - cannot read %s\n", i, argv[i]);
			return 1;
		}
		fclose(f);
		/* Every prefix: truncations are the classic loader bugs. */
		for (long len = 0; len <= n; len += (n > 4096 ? 61 : 1))
			LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		printf("ok %d - %s and its prefixes\n", i, argv[i]);
	}
	printf("1..%d\n", argc - 1);
	return 0;
}
