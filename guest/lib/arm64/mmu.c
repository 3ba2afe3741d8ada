// SPDX-License-Identifier: MIT
/*
 * The MMU of arm64 test guests: an identity map of the first 512 GiB in
 * 1 GiB blocks, RAM (2 GiB to 256 GiB) normal write-back memory and the
 * rest Device-nGnRnE, so libfdt's unaligned accesses and atomics work
 * and device registers are never cached.
 */
#include "../guest.h"

#define GiB (1ULL << 30)
#define BLOCK 1ULL
#define ATTR_DEVICE (0ULL << 2) /* MAIR index 0 */
#define ATTR_NORMAL (1ULL << 2) /* MAIR index 1 */
#define SH_INNER (3ULL << 8)
#define AF (1ULL << 10)
#define XN (3ULL << 53) /* PXN and UXN */
#define RAM_END (256 * GiB)

#define MAIR_VALUE (0x00ULL | 0xffULL << 8)
/* T0SZ 25 (39-bit VA, walks start at level 1), write-back walks, inner
 * shareable, 4 KiB granule, TTBR1 walks off, 40-bit PA. */
#define TCR_VALUE                                                              \
	(25ULL | 1ULL << 8 | 1ULL << 10 | 3ULL << 12 | 1ULL << 23 | 2ULL << 32)
#define SCTLR_M (1ULL << 0)
#define SCTLR_A (1ULL << 1)
#define SCTLR_C (1ULL << 2)
#define SCTLR_I (1ULL << 12)

static uint64_t l1[512] __attribute__((aligned(4096)));

void mmu_enable(unsigned long cpu)
{
	uint64_t i, a;

	if (cpu == 0)
		for (i = 0; i < 512; i++) {
			a = i * GiB;
			l1[i] = a | BLOCK | AF |
				(a >= GUEST_RAM_BASE && a < RAM_END
					 ? ATTR_NORMAL | SH_INNER
					 : ATTR_DEVICE | XN);
		}
	dsb(sy);
	sysreg_write(mair_el1, MAIR_VALUE);
	sysreg_write(tcr_el1, TCR_VALUE);
	sysreg_write(ttbr0_el1, (uintptr_t)l1);
	isb();
	__asm__ volatile("tlbi vmalle1" ::: "memory");
	dsb(nsh);
	isb();
	sysreg_write(sctlr_el1, (sysreg_read(sctlr_el1) & ~SCTLR_A) | SCTLR_M |
					SCTLR_C | SCTLR_I);
	isb();
}
