/* SPDX-License-Identifier: MIT */
/* Test-guest entry: ferry starts every vCPU here in long mode with
 * RDI = device tree address and RSI = vCPU index; we pick a stack. */
#define STACK_SIZE 16384
#define MAX_CPUS 64

	.section .text.start, "ax"
	.globl _start
_start:
	cli
	cmp $MAX_CPUS, %rsi
	jae 2f
	/* stack = stacks + (index + 1) * STACK_SIZE */
	lea 1(%rsi), %rax
	imul $STACK_SIZE, %rax
	lea stacks(%rip), %rsp
	add %rax, %rsp
	/* FS base -> tls block: libfdt's stack protector reads %fs:0x28. */
	mov %rdi, %r12
	mov %rsi, %r13
	lea tls_block(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	mov $0xc0000100, %ecx
	wrmsr
	mov %r12, %rdi
	mov %r13, %rsi
	call guest_start
2:	cli
	hlt
	jmp 2b

	.section .data
	.balign 64
tls_block:
	.fill 5, 8, 0
	.quad 0x2f8dd23e10a25c01	/* stack protector canary at +0x28 */
	.fill 2, 8, 0

	.section .bss
	.balign 4096
stacks:
	.skip STACK_SIZE * MAX_CPUS
	.section .note.GNU-stack, "", @progbits
