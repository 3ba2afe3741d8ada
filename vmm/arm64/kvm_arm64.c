// SPDX-License-Identifier: MIT
/*
 * arm64 KVM set-up: the in-kernel GICv3 with an ITS, its routes, vCPUs
 * with PSCI (secondaries powered off until the guest's CPU_ON), their
 * entry state and register dump. The architected timer comes with the
 * vGIC: KVM wires its PPIs itself.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "../arch.h"
#include "../log.h"
#include "../vm.h"
#include "kvm_arm64.h"
#include "layout.h"

/* The GIC's and the ITS's device fds, in vm->irqchip_fd. */
#define GIC 0
#define ITS 1

static int dev_attr(int fd, uint32_t group, uint64_t attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)addr,
	};

	if (ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0)
		return -errno;
	return 0;
}

static int create_device(struct vm *vm, uint32_t type)
{
	struct kvm_create_device cd = { .type = type };

	if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &cd) < 0)
		return -errno;
	return (int)cd.fd;
}

/*
 * The distributor, the redistributors and the ITS at the board's
 * addresses, and the number of interrupts; the GIC is finished once
 * every vCPU exists (arch_vm_vcpus_created). Creating the ITS makes KVM
 * want a device ID in every MSI route (irq.c asks KVM_CAP_MSI_DEVID).
 */
int arch_vm_init(struct vm *vm)
{
	uint64_t dist = ARM64_GICD_GPA, redist = ARM64_GICR_GPA;
	uint64_t its = ARM64_GITS_GPA;
	uint32_t nr_irqs = ARM64_NR_IRQS;
	int gic_fd, its_fd, ret;

	if (vm->nr_vcpus > ARM64_MAX_CPUS) {
		err("--cpus %u is more than this board has room for (%u)",
		    vm->nr_vcpus, ARM64_MAX_CPUS);
		return -EINVAL;
	}
	gic_fd = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (gic_fd < 0) {
		ret = gic_fd;
		err("KVM cannot create an in-kernel GICv3: %s (ferry needs a "
		    "host with a GICv3)", strerror(-ret));
		return ret;
	}
	vm->irqchip_fd[GIC] = gic_fd; /* vm_destroy() closes it */
	ret = dev_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		       KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	if (!ret)
		ret = dev_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);
	if (!ret)
		ret = dev_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (ret) {
		err("KVM refused the GICv3's layout: %s", strerror(-ret));
		return ret;
	}
	its_fd = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS);
	if (its_fd < 0) {
		ret = its_fd;
		err("KVM cannot create an in-kernel GIC ITS: %s (MSIs need it)",
		    strerror(-ret));
		return ret;
	}
	vm->irqchip_fd[ITS] = its_fd;
	ret = dev_attr(its_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		       KVM_VGIC_ITS_ADDR_TYPE, &its);
	if (ret)
		err("KVM refused the ITS's address: %s", strerror(-ret));
	return ret;
}

int arch_vm_vcpus_created(struct vm *vm)
{
	int ret;

	ret = dev_attr(vm->irqchip_fd[GIC], KVM_DEV_ARM_VGIC_GRP_CTRL,
		       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (!ret)
		ret = dev_attr(vm->irqchip_fd[ITS], KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (ret)
		err("KVM cannot finish the GICv3 and its ITS: %s",
		    strerror(-ret));
	return ret;
}

unsigned int arch_irq_line(unsigned int gsi)
{
	/* SPI @gsi, INTID 32 + @gsi: the type in bits 24-27, no vCPU. */
	return (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (32 + gsi);
}

/* KVM's default: GSI n is SPI n (INTID 32 + n) of irqchip 0. */
unsigned int arch_irqchip_routes(struct kvm_irq_routing_entry *e,
				 unsigned int max, unsigned int *first_msi)
{
	unsigned int spi, n = 0;

	for (spi = 0; spi < ARM64_NR_SPIS && n < max; spi++, n++) {
		memset(&e[n], 0, sizeof(e[n]));
		e[n].gsi = spi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = 0;
		e[n].u.irqchip.pin = spi;
	}
	*first_msi = ARM64_NR_SPIS;
	return n;
}

/*
 * PSCI 0.2 or later (KVM implements it; the device tree says "psci" and
 * "hvc"). Every vCPU but the first starts powered off: the guest brings
 * it up with CPU_ON. No PMU: not virtualised by ferry, as on x86.
 */
int arch_vcpu_init(struct vcpu *vcpu)
{
	struct kvm_vcpu_init init;

	if (ioctl(vcpu->vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	memset(init.features, 0, sizeof(init.features));
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (vcpu->index > 0)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	return 0;
}

#define CORE_REG(name)                                                         \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                \
	 KVM_REG_ARM_CORE_REG(name))
/* System registers by (op0, op1, CRn, CRm, op2). */
#define SYS_REG(op0, op1, crn, crm, op2)                                       \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |            \
	 ((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) |                \
	 ((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |                \
	 ((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) |                \
	 ((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) |                \
	 ((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))

/* PSTATE at entry: EL1h, debug, SError, IRQ and FIQ masked. */
#define PSTATE_EL1H_MASKED 0x3c5ULL

static int set_reg(int fd, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&v };

	if (ioctl(fd, KVM_SET_ONE_REG, &r) < 0)
		return -errno;
	return 0;
}

static int get_reg(int fd, uint64_t id, uint64_t *v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)v };

	if (ioctl(fd, KVM_GET_ONE_REG, &r) < 0)
		return -errno;
	return 0;
}

int arm64_vcpu_set_entry(int vcpu_fd, uint64_t pc, uint64_t x0)
{
	int ret, i;

	ret = set_reg(vcpu_fd, CORE_REG(regs.pstate), PSTATE_EL1H_MASKED);
	if (!ret)
		ret = set_reg(vcpu_fd, CORE_REG(regs.pc), pc);
	if (!ret)
		ret = set_reg(vcpu_fd, CORE_REG(regs.regs[0]), x0);
	for (i = 1; i < 4 && !ret; i++)
		ret = set_reg(vcpu_fd, CORE_REG(regs.regs[i]), 0);
	return ret;
}

int arch_vcpu_where(struct vcpu *vcpu, char *buf, size_t len)
{
	uint64_t pc = 0, pstate = 0;
	char mode[8] = "AArch32";
	int ret;

	ret = get_reg(vcpu->fd, CORE_REG(regs.pc), &pc);
	if (!ret)
		ret = get_reg(vcpu->fd, CORE_REG(regs.pstate), &pstate);
	if (ret)
		return ret;
	/* PSTATE.M[4] is AArch32; else M[3:2] is the exception level.
	 * PSTATE.I masks IRQs. */
	if (!(pstate & (1u << 4)))
		snprintf(mode, sizeof(mode), "EL%u",
			 (unsigned int)((pstate >> 2) & 3));
	snprintf(buf, len, "pc=0x%llx, %s, interrupts %s",
		 (unsigned long long)pc, mode,
		 (pstate & (1u << 7)) ? "masked" : "on");
	return 0;
}

void arch_vcpu_dump(struct vcpu *vcpu)
{
	uint64_t pc = 0, pstate = 0, sp = 0, lr = 0, esr = 0, far = 0, elr = 0;
	int ret;

	ret = get_reg(vcpu->fd, CORE_REG(regs.pc), &pc);
	if (!ret)
		ret = get_reg(vcpu->fd, CORE_REG(regs.pstate), &pstate);
	if (!ret)
		ret = get_reg(vcpu->fd, CORE_REG(sp_el1), &sp);
	if (!ret)
		ret = get_reg(vcpu->fd, CORE_REG(regs.regs[30]), &lr);
	if (!ret)
		ret = get_reg(vcpu->fd, CORE_REG(elr_el1), &elr);
	if (!ret)
		ret = get_reg(vcpu->fd, SYS_REG(3, 0, 5, 2, 0), &esr);
	if (!ret)
		ret = get_reg(vcpu->fd, SYS_REG(3, 0, 6, 0, 0), &far);
	if (ret) {
		err("vCPU %u: registers unavailable: %s", vcpu->index,
		    strerror(-ret));
		return;
	}
	err("vCPU %u: pc=0x%llx pstate=0x%llx sp_el1=0x%llx lr=0x%llx",
	    vcpu->index, (unsigned long long)pc, (unsigned long long)pstate,
	    (unsigned long long)sp, (unsigned long long)lr);
	err("vCPU %u: esr_el1=0x%llx far_el1=0x%llx elr_el1=0x%llx",
	    vcpu->index, (unsigned long long)esr, (unsigned long long)far,
	    (unsigned long long)elr);
}
