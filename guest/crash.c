// SPDX-License-Identifier: MIT
/*
 * crash: a triple fault. With an empty IDT, the ud2 below raises #UD,
 * which cannot be delivered (#GP), nor can that (#DF): the CPU shuts
 * down, and ferry must exit with status 8 and dump the registers.
 * It prints where the ud2 is, for the test to compare with ferry's rip.
 */
#include "lib/guest.h"

extern const char crash_ud2[];

int main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };

	printf_("crash: ud2 at 0x%lx with no IDT\n", (unsigned long)crash_ud2);
	__asm__ volatile("lidt %0\n"
			 ".globl crash_ud2\n"
			 "crash_ud2: ud2" : : "m"(none));
	/* Not reached on a CPU that shuts down. */
	puts_("crash: still running after a triple fault\n");
	return 0x3f;
}
