// SPDX-License-Identifier: MIT
/* Entering a guest directly in 64-bit long mode (ELF test guests, Linux). */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "boot_long.h"
#include "layout.h"

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

/* Linux's 64-bit boot protocol wants __BOOT_CS 0x10 and __BOOT_DS 0x18. */
#define SEL_CODE 0x10
#define SEL_DATA 0x18
#define SEL_TSS 0x20

int x86_write_long_mode_tables(const struct guest_mem *mem)
{
	uint64_t *gdt = mem_gpa_to_hva(mem, X86_GDT_GPA, 0x1000);
	uint64_t *pml4 = mem_gpa_to_hva(mem, X86_PML4_GPA, 0x1000);
	uint64_t *pdpt = mem_gpa_to_hva(mem, X86_PDPT_GPA, 0x1000);
	uint64_t *pd = mem_gpa_to_hva(mem, X86_PD_GPA, 4 * 0x1000);
	uint64_t i;

	if (!gdt || !pml4 || !pdpt || !pd)
		return -ENOMEM;

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[SEL_CODE / 8] = 0x00af9b000000ffffULL; /* 64-bit code, DPL 0 */
	gdt[SEL_DATA / 8] = 0x00cf93000000ffffULL; /* flat data */
	gdt[SEL_TSS / 8] = 0x0000890000000067ULL;  /* 64-bit TSS at 0 */
	gdt[SEL_TSS / 8 + 1] = 0;

	memset(pml4, 0, 0x1000);
	memset(pdpt, 0, 0x1000);
	pml4[0] = X86_PDPT_GPA | PTE_P | PTE_W;
	for (i = 0; i < 4; i++)
		pdpt[i] = (X86_PD_GPA + i * 0x1000) | PTE_P | PTE_W;
	for (i = 0; i < 4 * 512; i++) {
		uint64_t gpa = i << 21;

		pd[i] = gpa | PTE_P | PTE_W | PTE_PS;
		if (gpa >= X86_MMIO_HOLE_GPA)
			pd[i] |= PTE_PCD | PTE_PWT;
	}
	return 0;
}

void x86_flat_segments(struct kvm_sregs *sregs, uint16_t code_sel,
		       uint16_t data_sel, uint16_t tss_sel, int long_mode,
		       unsigned int gdt_entries)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = code_sel,
		.type = 0xb, .present = 1, .s = 1, .g = 1,
		.l = long_mode ? 1 : 0, .db = long_mode ? 0 : 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = data_sel,
		.type = 0x3, .present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment tss = {
		.base = 0, .limit = 0x67, .selector = tss_sel,
		.type = 0xb, .present = 1,
	};

	sregs->cs = code;
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
	sregs->tr = tss;
	sregs->ldt.unusable = 1;
	sregs->ldt.type = 2;
	sregs->gdt.base = X86_GDT_GPA;
	sregs->gdt.limit = (uint16_t)(gdt_entries * 8 - 1);
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
}

int x86_vcpu_enter_long_mode(int vcpu_fd, uint64_t rip, uint64_t rdi,
			     uint64_t rsi, uint64_t rsp)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	x86_flat_segments(&sregs, SEL_CODE, SEL_DATA, SEL_TSS, 1, 6);
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = X86_PML4_GPA;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rdi = rdi;
	regs.rsi = rsi;
	regs.rsp = rsp;
	regs.rflags = 0x2;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}
