// SPDX-License-Identifier: MIT
/* x86 KVM set-up: in-kernel irqchip, its routes, the PIT, CPUID and LAPIC. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "../arch.h"
#include "../log.h"
#include "../vm.h"
#include "board_x86.h"
#include "cpuid.h"
#include "layout.h"

int arch_vm_init(struct vm *vm)
{
	uint64_t ident = X86_KVM_IDENT_MAP_GPA;

	/* Intel VMX needs these two pages of the MMIO hole for real mode. */
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0 ||
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, X86_KVM_TSS_GPA) < 0) {
		err("KVM refused the TSS/identity-map pages: %s",
		    strerror(errno));
		return -errno;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		err("KVM cannot create the in-kernel irqchip: %s",
		    strerror(errno));
		return -errno;
	}
	return 0;
}

/* Nothing on x86: the PIT comes with the kernels that need it. */
int arch_vm_vcpus_created(struct vm *vm)
{
	(void)vm;
	return 0;
}

int x86_create_pit(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };
	int ret;

	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		ret = -errno;
		err("KVM cannot create the in-kernel PIT: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

/* IOAPIC pins 0-23; the legacy PICs' 0-15 share the first 16 GSIs. */
#define IOAPIC_PINS 24
#define PIC_PINS 16

unsigned int arch_irq_line(unsigned int gsi)
{
	return gsi; /* KVM_IRQ_LINE takes the GSI itself */
}

unsigned int arch_irqchip_routes(struct kvm_irq_routing_entry *e,
				 unsigned int max, unsigned int *first_msi)
{
	unsigned int gsi, n = 0;

	/* KVM's defaults: GSI n -> IOAPIC pin n, and for n < 16 the PICs. */
	for (gsi = 0; gsi < IOAPIC_PINS && n + 2 <= max; gsi++) {
		memset(&e[n], 0, sizeof(e[n]));
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e[n].u.irqchip.pin = gsi;
		n++;
		if (gsi >= PIC_PINS)
			continue;
		memset(&e[n], 0, sizeof(e[n]));
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
						 : KVM_IRQCHIP_PIC_SLAVE;
		e[n].u.irqchip.pin = gsi % 8;
		n++;
	}
	*first_msi = IOAPIC_PINS;
	return n;
}

static int set_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *c = NULL;
	unsigned int nent = 64;
	int ret;

	for (;;) {
		free(c);
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = nent;
		if (ioctl(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		if (errno != E2BIG || nent >= 4096) {
			ret = -errno;
			goto out;
		}
		nent *= 2;
	}
	cpuid_filter(c->entries, c->nent, vcpu->index, vcpu->vm->nr_vcpus,
		     ioctl(vcpu->vm->kvm_fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_TSC_DEADLINE_TIMER) > 0);
	ret = ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
out:
	free(c);
	return ret;
}

/* LVT delivery modes, as a BIOS leaves them for the boot CPU. */
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

static void lvt_set_mode(struct kvm_lapic_state *l, unsigned int reg,
			 uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &l->regs[reg], sizeof(v));
	v = (v & ~0x700u) | (mode << 8);
	memcpy(&l->regs[reg], &v, sizeof(v));
}

int arch_vcpu_init(struct vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	int ret;

	ret = set_cpuid(vcpu);
	if (ret)
		return ret;
	/* LINT0 carries the 8259's ExtINT, LINT1 NMI: what Linux expects. */
	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	lvt_set_mode(&lapic, APIC_LVT0, APIC_MODE_EXTINT);
	lvt_set_mode(&lapic, APIC_LVT1, APIC_MODE_NMI);
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
		return -errno;
	return 0;
}

int arch_vcpu_where(struct vcpu *vcpu, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	const char *mode;
	int lma;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	lma = !!(s.efer & (1u << 10));	/* EFER.LMA: long mode active */
	if (!(s.cr0 & 1))
		mode = "real mode";
	else if (r.rflags & (1u << 17))
		mode = "virtual-8086";
	else if (lma && s.cs.l)
		mode = "64-bit";
	else if (lma)
		mode = s.cs.db ? "32-bit compatibility" : "16-bit compatibility";
	else
		mode = s.cs.db ? "32-bit" : "16-bit protected";
	/* The CPL is SS.DPL (CS.DPL differs for conforming code). */
	snprintf(buf, len, "rip=0x%llx cs=0x%x, %s, ring %u, interrupts %s",
		 (unsigned long long)r.rip, s.cs.selector, mode, s.ss.dpl,
		 (r.rflags & (1u << 9)) ? "on" : "off");
	return 0;
}

void arch_vcpu_dump(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		err("vCPU %u: registers unavailable: %s", vcpu->index,
		    strerror(errno));
		return;
	}
	err("vCPU %u: rip=0x%llx rsp=0x%llx rflags=0x%llx cs=0x%x", vcpu->index,
	    (unsigned long long)r.rip, (unsigned long long)r.rsp,
	    (unsigned long long)r.rflags, s.cs.selector);
	err("vCPU %u: cr0=0x%llx cr2=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx",
	    vcpu->index, (unsigned long long)s.cr0, (unsigned long long)s.cr2,
	    (unsigned long long)s.cr3, (unsigned long long)s.cr4,
	    (unsigned long long)s.efer);
	/* KVM on AMD (SVM) resets a vCPU whose guest shut down (triple
	 * fault): what was read is the reset state, not the fault's. */
	if (r.rip == 0xfff0 && s.cs.selector == 0xf000 && !(s.cr0 & 1))
		err("vCPU %u: these are the reset values: this host's KVM "
		    "reset the vCPU when it shut down (AMD), so they do not "
		    "show where the guest faulted", vcpu->index);
}
