/* SPDX-License-Identifier: MIT */
/* KVM's coalesced writes: index-latch ports written without an exit. */
#ifndef FERRY_COALESCE_H
#define FERRY_COALESCE_H

#include <stdint.h>
#include "util.h"

struct vm;

/*
 * Let KVM queue the guest's writes to ports [@port, @port + @len) in a
 * ring instead of exiting; coalesce_flush() hands them to the PIO bus,
 * in order, before any vCPU's next exit is handled. Only for ports whose
 * writes do nothing visible until a later access that exits (the PCI
 * address latch 0xcf8, the CMOS index 0x70): a queued write may wait
 * until then. Every vCPU must exist (the ring is in their mapping).
 * 0, -ENOTSUP when KVM has no KVM_CAP_COALESCED_PIO, or -errno.
 */
int coalesce_pio(struct vm *vm, uint16_t port, uint16_t len) __must_check;

/*
 * Dispatch the queued writes. Called by each vCPU thread before it
 * handles an exit; thread-safe (the ring is the VM's, shared).
 */
void coalesce_flush(struct vm *vm);

#endif
