/* SPDX-License-Identifier: MIT */
/* Interrupt and exception entry stubs for all 256 vectors. */
	.text
	.altmacro
.macro stub v
	.balign 16
isr_\v:
	/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. */
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp isr_common
.endm

	.globl isr_table
isr_table:
	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

isr_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %rsp, %rdi
	cld
	call isr_dispatch
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp		/* vector and error code */
	iretq
	.section .note.GNU-stack, "", @progbits
