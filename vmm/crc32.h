/* SPDX-License-Identifier: MIT */
/* CRC-32 (IEEE 802.3, the one of zlib, xz and Linux's bzImage trailer). */
#ifndef FERRY_CRC32_H
#define FERRY_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continue the CRC-32 @crc (0 to start) over @buf/@len: the standard
 * reflected CRC with polynomial 0xedb88320, initial and final value
 * inverted, so crc32_ieee(0, "123456789", 9) == 0xcbf43926.
 */
uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);

#endif
