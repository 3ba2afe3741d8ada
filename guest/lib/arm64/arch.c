// SPDX-License-Identifier: MIT
/* The arm64 side of the test-guest library's API: MMIO, PSCI, reset. */
#include <libfdt.h>
#include "../guest.h"

#define PSCI_CPU_ON 0xc4000003ULL     /* SMC64 */
#define PSCI_SYSTEM_RESET 0x84000009ULL

/* Debian's libfdt.a is built with -fstack-protector-strong. */
uintptr_t __stack_chk_guard = 0x2f8dd23e10a25c01ULL;

void secondary_entry(void);
void exc_dispatch(unsigned long kind);

uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "memory");
	return x0;
}

void halt_forever(void)
{
	for (;;)
		__asm__ volatile("msr daifset, #0xf; wfi");
}

void debug_exit_write(unsigned int width, uint32_t v)
{
	if (width == 1)
		mmio_write8(DEBUG_EXIT_BASE, (uint8_t)v);
	else if (width == 2)
		mmio_write16(DEBUG_EXIT_BASE, (uint16_t)v);
	else if (width == 4)
		mmio_write32(DEBUG_EXIT_BASE, v);
}

void debug_exit(uint32_t v)
{
	mmio_write32(DEBUG_EXIT_BASE, v);
	halt_forever();
}

void reboot(void)
{
	psci_call(PSCI_SYSTEM_RESET, 0, 0, 0);
	halt_forever();
}

uint8_t uart_read(unsigned int reg)
{
	return mmio_read8(UART_BASE + reg);
}

void uart_write(unsigned int reg, uint8_t v)
{
	mmio_write8(UART_BASE + reg, v);
}

/* ferry's MPIDR: Aff0 = index % 16, Aff1 = index / 16 (as KVM's reset). */
static unsigned int mpidr_index(uint64_t mpidr)
{
	return (unsigned int)((mpidr & 0xf) | ((mpidr >> 8) & 0xff) << 4 |
			      ((mpidr >> 16) & 0xff) << 12);
}

unsigned int cpu_hw_id(void)
{
	return mpidr_index(sysreg_read(mpidr_el1));
}

void arch_start_secondaries(void)
{
	int cpus = fdt_path_offset(guest_fdt, "/cpus"), node, len;
	uint64_t self = sysreg_read(mpidr_el1) & 0xffffff;

	if (cpus < 0)
		return;
	fdt_for_each_subnode(node, guest_fdt, cpus) {
		const fdt32_t *reg = fdt_getprop(guest_fdt, node, "reg", &len);
		uint64_t mpidr;
		int64_t ret;

		if (!reg || len != 4)
			continue;
		mpidr = fdt32_ld(reg);
		if (mpidr == self)
			continue;
		ret = (int64_t)psci_call(PSCI_CPU_ON, mpidr,
					 (uintptr_t)secondary_entry,
					 mpidr_index(mpidr));
		if (ret)
			printf_("guest: PSCI CPU_ON of 0x%lx failed: %ld\n",
				(unsigned long)mpidr, (long)ret);
	}
}

void exc_dispatch(unsigned long kind)
{
	printf_("guest: exception %lu (esr 0x%lx) at pc 0x%lx, far 0x%lx on "
		"vCPU %u\n", kind, (unsigned long)sysreg_read(esr_el1),
		(unsigned long)sysreg_read(elr_el1),
		(unsigned long)sysreg_read(far_el1), cpu_hw_id());
	debug_exit(0x7e);
}
