/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), for content-keyed caches. */
#ifndef FERRY_SHA256_H
#define FERRY_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/* The SHA-256 digest of @buf/@len into @out. */
void sha256(const void *buf, size_t len, uint8_t out[SHA256_LEN]);

#endif
