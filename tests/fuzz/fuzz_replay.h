/* SPDX-License-Identifier: MIT */
/* What a fuzz target tells replay.c about its input format. */
#ifndef FERRY_FUZZ_REPLAY_H
#define FERRY_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/*
 * One past the last byte of @data (@size bytes) that the format gives
 * structure to: headers, tables, offsets a loader checks against the
 * file size. replay.c tries every prefix length up to (and a little
 * past) it. At most @size; any value for garbage input.
 */
size_t fuzz_structured_end(const uint8_t *data, size_t size);

#endif
