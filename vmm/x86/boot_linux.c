// SPDX-License-Identifier: MIT
/* How the x86 board boots Linux: bzImage, vmlinux through PVH or 64-bit. */
#include <elf.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <asm/bootparam.h>
#include <linux/kvm.h>
#include "../coalesce.h"
#include "../log.h"
#include "../vm.h"
#include "acpi.h"
#include "board_x86.h"
#include "boot_long.h"
#include "bzimage.h"
#include "layout.h"
#include "mptable.h"
#include "pvh.h"

/* Below 1 MiB is boot data (and the MP table); the MMIO hole. */
static const struct gpa_range linux_reserved[] = {
	{ 0, X86_BOOT_DATA_END },
	{ X86_MMIO_HOLE_GPA, X86_HIGH_RAM_GPA - X86_MMIO_HOLE_GPA },
};

void x86_linux_rules(struct elf_rules *rules)
{
	*rules = (struct elf_rules){
		.machine = EM_X86_64, .reserved = linux_reserved,
		.nr_reserved = ARRAY_SIZE(linux_reserved), .physical = 1,
	};
}

int x86_linux_plan(const struct boot_image *img, struct x86_linux_plan *p,
		   char *why, size_t whylen)
{
	uint32_t entry;
	int ret;

	memset(p, 0, sizeof(*p));
	x86_linux_rules(&p->rules);
	if (img->format == KERNEL_BZIMAGE && !img->unpacked) {
		p->how = X86_LINUX_BZIMAGE;
		return 1;
	}
	p->elf = img->unpacked ? img->unpacked : img->kernel;
	p->elf_size = img->unpacked ? img->unpacked_size : img->kernel_size;
	ret = pvh_find_entry(p->elf, p->elf_size, &entry, why, whylen);
	if (ret < 0)
		return ret;
	if (ret == 1) {
		p->how = X86_LINUX_PVH;
		p->rules.entry = entry;
		return 1;
	}
	if (!img->unpacked)
		return 0; /* an ELF without the note: a test guest */
	/* A vmlinux without PVH: its 64-bit entry (e_entry is physical). */
	p->how = X86_LINUX_VMLINUX64;
	if (p->elf_size >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;

		memcpy(&eh, p->elf, sizeof(eh));
		p->rules.entry = eh.e_entry;
	}
	return 1;
}

/* The ELF kernel of @p fits, with the initrd above it. */
static int elf_fit(const struct boot_image *img, const struct guest_mem *mem,
		   const struct x86_linux_plan *p, int load, char *why,
		   size_t whylen)
{
	struct elf_image elf;
	int ret;

	/* Decoded into RAM already: the same checks, nothing to copy. */
	if (img->unpacked_in_ram)
		load = 0;
	ret = (load ? elf_load : elf_check)(mem, p->elf, p->elf_size,
					   &p->rules, &elf, why, whylen);
	if (ret)
		return ret;
	if (img->initrd_size && elf.hi > img->initrd_gpa)
		return why_set(why, whylen, -ENOMEM, "the initrd does not fit "
			       "above the kernel; give more --memory");
	return 0;
}

static struct pvh_params pvh_params(const struct boot_image *img,
				     uint64_t rsdp_gpa)
{
	return (struct pvh_params){
		.cmdline = img->cmdline,
		.initrd_gpa = img->initrd_gpa,
		.initrd_size = img->initrd_size,
		.rsdp_gpa = rsdp_gpa,
	};
}

/* boot_params.acpi_rsdp_addr came with boot protocol 2.14. */
#define PROTOCOL_RSDP_ADDR 0x020e

int x86_linux_check(const struct boot_image *img, const struct guest_mem *mem,
		    const struct x86_linux_plan *p, char *why, size_t whylen)
{
	struct pvh_params pp = pvh_params(img, 0);
	struct bzimage_hdr h;
	int ret;

	switch (p->how) {
	case X86_LINUX_BZIMAGE:
		return bzimage_check(mem, img->kernel, img->kernel_size,
				     img->cmdline, img->initrd_gpa,
				     img->initrd_size, &h, why, whylen);
	case X86_LINUX_PVH:
		ret = elf_fit(img, mem, p, 0, why, whylen);
		return ret ? ret : pvh_check(mem, &pp, why, whylen);
	case X86_LINUX_VMLINUX64:
		ret = elf_fit(img, mem, p, 0, why, whylen);
		return ret ? ret : bzimage_check(mem, img->kernel,
						 img->kernel_size, img->cmdline,
						 img->initrd_gpa,
						 img->initrd_size, &h, why,
						 whylen);
	}
	return -EINVAL;
}

/* INTx routes of the PCI devices present, for the MP table. */
static unsigned int pci_irqs(struct pci_bus *pci, struct mptable_pci_irq *out)
{
	unsigned int slot, n = 0;

	pthread_mutex_lock(&pci->lock);
	for (slot = 0; slot < PCI_SLOTS && n < MPTABLE_MAX_PCI_IRQS; slot++) {
		const struct pci_dev *d = pci->slots[slot];

		if (d && d->irq_pin)
			out[n++] = (struct mptable_pci_irq){
				(uint8_t)slot, d->irq_pin, d->irq_line };
	}
	pthread_mutex_unlock(&pci->lock);
	return n;
}

/*
 * What every Linux boot path needs: the PIT, ACPI tables (docs/acpi.md;
 * their RSDP's address in *@rsdp) and an MP table for kernels booted
 * with acpi=off, both saying where every vCPU and the IOAPIC are. The
 * vCPUs but the boot one wait for INIT/SIPI from Linux.
 */
static int linux_machine(struct board *b, uint64_t *rsdp)
{
	struct mptable_pci_irq irqs[MPTABLE_MAX_PCI_IRQS];
	struct vm *vm = b->vm;
	void *mpt;
	int ret;

	ret = x86_create_pit(vm);
	if (ret)
		return ret;
	/*
	 * Linux writes the PCI address latch and the CMOS index before every
	 * config or CMOS read: let KVM queue those writes rather than exit
	 * (half of the 32000 port exits of an early PCI scan). The read that
	 * follows exits and sees them. Without KVM's support, exits as ever.
	 */
	ret = coalesce_pio(vm, X86_PCI_CF8_PORT, 4);
	if (!ret)
		ret = coalesce_pio(vm, X86_RTC_PORT, 1);
	if (ret && ret != -ENOTSUP)
		warn("KVM refused coalesced port writes: %s", strerror(-ret));
	mpt = mem_gpa_to_hva(&vm->mem, X86_MPTABLE_GPA, X86_MPTABLE_MAX);
	ret = mpt ? mptable_write(mpt, X86_MPTABLE_MAX,
				  (uint32_t)X86_MPTABLE_GPA, vm->nr_vcpus,
				  irqs, pci_irqs(&b->pci, irqs))
		  : -ENOMEM;
	if (ret < 0) {
		err("cannot write the MP table for %u vCPUs", vm->nr_vcpus);
		return ret;
	}
	return x86_acpi_install(b, rsdp);
}

int x86_linux_boot(struct board *b, const struct boot_image *img,
		   const struct x86_linux_plan *p)
{
	struct pvh_params pp;
	struct bzimage_boot boot;
	struct boot_params *bp;
	struct vm *vm = b->vm;
	uint64_t info, rsdp;
	char why[256];
	int ret;

	ret = linux_machine(b, &rsdp);
	if (ret)
		return ret;
	pp = pvh_params(img, rsdp);
	switch (p->how) {
	case X86_LINUX_BZIMAGE:
		ret = bzimage_load(&vm->mem, img->kernel, img->kernel_size,
				   img->cmdline, img->initrd_gpa,
				   img->initrd_size, &boot, why, sizeof(why));
		break;
	case X86_LINUX_PVH:
		ret = elf_fit(img, &vm->mem, p, 1, why, sizeof(why));
		if (!ret)
			ret = pvh_write_start_info(&vm->mem, &pp, &info, why,
						   sizeof(why));
		break;
	case X86_LINUX_VMLINUX64:
		ret = elf_fit(img, &vm->mem, p, 1, why, sizeof(why));
		if (!ret)
			ret = bzimage_write_params(&vm->mem, img->kernel,
						   img->kernel_size,
						   img->cmdline,
						   img->initrd_gpa,
						   img->initrd_size, why,
						   sizeof(why));
		boot.entry = p->rules.entry;
		boot.zero_page = X86_ZERO_PAGE_GPA;
		break;
	default:
		return -EINVAL;
	}
	if (ret) {
		err("cannot boot kernel '%s': %s", img->kernel_name, why);
		return ret;
	}
	if (p->how != X86_LINUX_PVH) {
		/* Older kernels find the RSDP by scanning [0xe0000, 1 MiB). */
		bp = mem_gpa_to_hva(&vm->mem, boot.zero_page, sizeof(*bp));
		if (bp && bp->hdr.version >= PROTOCOL_RSDP_ADDR)
			bp->acpi_rsdp_addr = rsdp;
	}
	if (p->how == X86_LINUX_PVH) {
		ret = pvh_write_gdt(&vm->mem);
		if (!ret)
			ret = pvh_vcpu_enter(vm->vcpus[0].fd, (uint32_t)p->rules.entry,
					     (uint32_t)info);
	} else {
		ret = x86_write_long_mode_tables(&vm->mem);
		if (!ret)
			ret = x86_vcpu_enter_long_mode(vm->vcpus[0].fd,
						       boot.entry, 0,
						       boot.zero_page, 0);
	}
	if (ret) {
		err("cannot set the boot vCPU's entry state: %s",
		    strerror(-ret));
		return ret;
	}
	dbg("Linux: %s, entry 0x%llx",
	    p->how == X86_LINUX_PVH ? "PVH" :
	    p->how == X86_LINUX_BZIMAGE ? "bzImage" : "vmlinux 64-bit",
	    (unsigned long long)(p->how == X86_LINUX_PVH ? p->rules.entry
							  : boot.entry));
	return 0;
}
