// SPDX-License-Identifier: MIT
/* CRC-32, eight bytes a step (a bzImage is checked at every cold boot). */
#include <pthread.h>
#include "crc32.h"
#include "util.h"

/* t[k][b]: the CRC of byte b followed by k zero bytes. */
static uint32_t t[8][256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void make_tables(void)
{
	unsigned int b, k, i;

	for (b = 0; b < 256; b++) {
		uint32_t c = b;

		for (i = 0; i < 8; i++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320 : c >> 1;
		t[0][b] = c;
	}
	for (k = 1; k < 8; k++)
		for (b = 0; b < 256; b++)
			t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
}

uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t lo, hi;

	pthread_once(&once, make_tables);
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		lo = get_le32(p) ^ crc;
		hi = get_le32(p + 4);
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		      t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (len--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}
