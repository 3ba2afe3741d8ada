/* SPDX-License-Identifier: MIT */
/* Entering a guest directly in 64-bit long mode (ELF test guests, Linux). */
#ifndef FERRY_X86_BOOT_LONG_H
#define FERRY_X86_BOOT_LONG_H

#include <stdint.h>
#include "../mem.h"

/*
 * Write a GDT and identity page tables covering [0, 4 GiB) with 2 MiB
 * pages ([3 GiB, 4 GiB) uncached) at the fixed addresses of layout.h.
 * Returns 0 or -ENOMEM if guest RAM does not cover them.
 */
int x86_write_long_mode_tables(const struct guest_mem *mem) __must_check;

/*
 * Flat 4 GiB code and data segments and a TSS, from the GDT at
 * X86_GDT_GPA of @gdt_entries descriptors, into @sregs: a 64-bit code
 * segment when @long_mode, else a 32-bit one (PVH's entry). No IDT, no
 * LDT; control registers are the caller's.
 */
struct kvm_sregs;
void x86_flat_segments(struct kvm_sregs *sregs, uint16_t code_sel,
		       uint16_t data_sel, uint16_t tss_sel, int long_mode,
		       unsigned int gdt_entries);

/*
 * Put vCPU @vcpu_fd in 64-bit ring 0 on those tables at @rip with
 * interrupts off, RDI = @rdi, RSI = @rsi and RSP = @rsp.
 * Returns 0 or -errno from KVM.
 */
int x86_vcpu_enter_long_mode(int vcpu_fd, uint64_t rip, uint64_t rdi,
			     uint64_t rsi, uint64_t rsp) __must_check;

#endif
