/* SPDX-License-Identifier: MIT */
/* Building device trees with libfdt's sequential writer: one error path. */
#ifndef FERRY_FDT_UTIL_H
#define FERRY_FDT_UTIL_H

/* Run a libfdt call; on a negative (libfdt) error, return it. */
#define FDT_CHECK(expr)                                                        \
	do {                                                                   \
		int fdt_ret_ = (expr);                                         \
		if (fdt_ret_ < 0)                                              \
			return fdt_ret_;                                       \
	} while (0)

#endif
