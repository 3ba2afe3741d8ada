/* SPDX-License-Identifier: MIT */
/* arm64 vCPU registers, for the boot paths of the board. */
#ifndef FERRY_ARM64_KVM_ARM64_H
#define FERRY_ARM64_KVM_ARM64_H

#include <stdint.h>

/*
 * Start vCPU @vcpu_fd at @pc in EL1h with every exception masked and the
 * MMU off, X0 = @x0 (the device tree) and X1-X3 = 0, as Linux's arm64
 * boot protocol and ferry's test guests expect. 0 or -errno from KVM.
 */
int arm64_vcpu_set_entry(int vcpu_fd, uint64_t pc, uint64_t x0) __attribute__((warn_unused_result));

#endif
