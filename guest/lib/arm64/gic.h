/* SPDX-License-Identifier: MIT */
/* What gic.c and its.c share. */
#ifndef GUEST_ARM64_GIC_H
#define GUEST_ARM64_GIC_H

#include <stdint.h>

#define GIC_LPI_BASE 8192

/* This CPU's redistributor (RD frame; the SGI frame is 64 KiB above). */
uint64_t gicr_base(void);

#endif
