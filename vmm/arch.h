/* SPDX-License-Identifier: MIT */
/* What the generic VM code asks of an architecture (vmm/x86/, vmm/arm64/). */
#ifndef FERRY_ARCH_H
#define FERRY_ARCH_H

#include "util.h"

struct vm;
struct vcpu;

/* Create the in-kernel interrupt controller and timers. 0 or -errno. */
int arch_vm_init(struct vm *vm) __must_check;

/* Per-vCPU setup after KVM_CREATE_VCPU: CPUID, LAPIC. 0 or -errno. */
int arch_vcpu_init(struct vcpu *vcpu) __must_check;

/* Log the vCPU's registers after a fatal exit (rip, cr*, efer...). */
void arch_vcpu_dump(struct vcpu *vcpu);

#endif
