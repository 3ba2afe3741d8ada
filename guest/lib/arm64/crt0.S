/* SPDX-License-Identifier: MIT */
/*
 * arm64 test-guest entry, at EL1 with the MMU off. ferry starts the boot
 * vCPU at _start with X0 = device tree; the guest starts the others with
 * PSCI CPU_ON at secondary_entry, X0 = their index. Each takes a stack,
 * turns on FP/SIMD (Debian's libfdt.a may use it), its vectors and the
 * MMU, then calls guest_start(fdt, index).
 */
#define STACK_SIZE 16384
#define MAX_CPUS 64

	.section .text.start, "ax"
	.globl _start
_start:
	mov x19, x0
	mov x20, #0
	b 1f

	.globl secondary_entry
secondary_entry:
	mov x19, #0
	mov x20, x0
1:	msr daifset, #0xf
	cmp x20, #MAX_CPUS
	b.hs 3f
	adrp x1, stacks
	add x1, x1, :lo12:stacks
	add x2, x20, #1
	mov x3, #STACK_SIZE
	madd x1, x2, x3, x1
	mov sp, x1
	mrs x1, cpacr_el1
	orr x1, x1, #(3 << 20)
	msr cpacr_el1, x1
	adr x1, vectors
	msr vbar_el1, x1
	isb
	mov x0, x20
	bl mmu_enable
	mov x0, x19
	mov x1, x20
	bl guest_start
3:	msr daifset, #0xf
	wfi
	b 3b

/* Caller-saved registers around a C call (the C code never uses FP). */
.macro save
	sub sp, sp, #176
	stp x0, x1, [sp, #0]
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	stp x8, x9, [sp, #64]
	stp x10, x11, [sp, #80]
	stp x12, x13, [sp, #96]
	stp x14, x15, [sp, #112]
	stp x16, x17, [sp, #128]
	stp x18, x29, [sp, #144]
	str x30, [sp, #160]
.endm
.macro restore
	ldp x0, x1, [sp, #0]
	ldp x2, x3, [sp, #16]
	ldp x4, x5, [sp, #32]
	ldp x6, x7, [sp, #48]
	ldp x8, x9, [sp, #64]
	ldp x10, x11, [sp, #80]
	ldp x12, x13, [sp, #96]
	ldp x14, x15, [sp, #112]
	ldp x16, x17, [sp, #128]
	ldp x18, x29, [sp, #144]
	ldr x30, [sp, #160]
	add sp, sp, #176
.endm

/* Anything but an IRQ at EL1h is reported: exc_dispatch(kind) exits. */
.macro fatal kind
	.balign 128
	save
	mov x0, #\kind
	bl exc_dispatch
	b .
.endm

	.text
	.balign 2048
vectors:
	fatal 0		/* current EL, SP0: sync */
	fatal 1		/* irq */
	fatal 2		/* fiq */
	fatal 3		/* serror */
	fatal 4		/* current EL, SPx: sync */
	.balign 128	/* current EL, SPx: irq */
	save
	bl irq_dispatch
	restore
	eret
	fatal 6		/* fiq */
	fatal 7		/* serror */
	fatal 8		/* lower EL (never used) */
	fatal 9
	fatal 10
	fatal 11
	fatal 12
	fatal 13
	fatal 14
	fatal 15

	.section .bss
	.balign 4096
stacks:
	.skip STACK_SIZE * MAX_CPUS
	.section .note.GNU-stack, "", @progbits
