/* SPDX-License-Identifier: MIT */
/* What the generic VM code asks of an architecture (vmm/x86/, vmm/arm64/). */
#ifndef FERRY_ARCH_H
#define FERRY_ARCH_H

#include "util.h"

struct vm;
struct vcpu;
struct kvm_irq_routing_entry;

/* Create the in-kernel interrupt controller. 0 or -errno. */
int arch_vm_init(struct vm *vm) __must_check;

/*
 * Every vCPU exists (an interrupt controller such as a GIC can only be
 * finished now): create the in-kernel timers. 0 or -errno.
 */
int arch_vm_vcpus_created(struct vm *vm) __must_check;

/*
 * The routes KVM gives the in-kernel interrupt controller's pins, as a
 * routing table must keep them: written to @e (room for @max entries),
 * their number returned; *@first_msi is the first GSI free for MSI.
 */
unsigned int arch_irqchip_routes(struct kvm_irq_routing_entry *e,
				 unsigned int max, unsigned int *first_msi);

/*
 * KVM_IRQ_LINE's number for the board's interrupt line @gsi (the number
 * its routing table and its devices use: x86 an IOAPIC pin, arm64 SPI
 * @gsi, which KVM_IRQ_LINE wants encoded with its type).
 */
unsigned int arch_irq_line(unsigned int gsi);

/* Per-vCPU setup after KVM_CREATE_VCPU: CPUID, LAPIC. 0 or -errno. */
int arch_vcpu_init(struct vcpu *vcpu) __must_check;

/* Log the vCPU's registers after a fatal exit (rip, cr*, efer...). */
void arch_vcpu_dump(struct vcpu *vcpu);

/*
 * Where the vCPU's guest is, for one log line: its instruction pointer,
 * mode and whether it takes interrupts (x86 "rip=0x... cs=0x10, 64-bit,
 * ring 0, interrupts on"; arm64 "pc=0x..., EL1, interrupts masked"), into
 * @buf of @len bytes. The vCPU must not be in KVM_RUN. 0 or -errno.
 */
int arch_vcpu_where(struct vcpu *vcpu, char *buf, size_t len) __must_check;

#endif
