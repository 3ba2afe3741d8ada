// SPDX-License-Identifier: MIT
/* How the x86 board boots a kernel: ELF test guests and Linux bzImage. */
#include <errno.h>
#include <sys/ioctl.h>
#include <asm/bootparam.h>
#include <linux/kvm.h>
#include "../log.h"
#include "../vm.h"
#include "acpi.h"
#include "board_x86.h"
#include "boot_long.h"
#include "bzimage.h"
#include "layout.h"
#include "mptable.h"

/* Where an ELF test guest may not load: boot data and the MMIO hole. */
static const struct gpa_range elf_reserved[] = {
	{ 0, X86_BOOT_DATA_END },
	{ X86_MMIO_HOLE_GPA, X86_HIGH_RAM_GPA - X86_MMIO_HOLE_GPA },
};

/* Check, or with @load also load, an ELF guest; logs why it cannot. */
static int elf_fit(const struct boot_image *img, const struct guest_mem *mem,
		   int load, struct elf_image *elf)
{
	char why[256];
	int ret;

	if (load)
		ret = elf_load(mem, img->kernel, img->kernel_size,
			       board_elf_machine, elf_reserved,
			       ARRAY_SIZE(elf_reserved), elf, why, sizeof(why));
	else
		ret = elf_check(mem, img->kernel, img->kernel_size,
				board_elf_machine, elf_reserved,
				ARRAY_SIZE(elf_reserved), elf, why,
				sizeof(why));
	if (ret) {
		err("cannot boot kernel '%s': %s", img->kernel_name, why);
		return ret;
	}
	if (img->initrd_size && elf->hi > img->initrd_gpa) {
		err("the initrd does not fit above the kernel; give more "
		    "--memory");
		return -ENOMEM;
	}
	return 0;
}

/* Put the device tree where test guests find it (RDI at entry). */
static int place_fdt(struct vm *vm, const void *fdt, size_t size)
{
	void *dst;

	if (size > X86_FDT_MAX)
		return -E2BIG;
	dst = mem_gpa_to_hva(&vm->mem, X86_FDT_GPA, size);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, fdt, size);
	return 0;
}

static int boot_elf(struct board *b, const struct boot_image *img,
		    const void *fdt, size_t fdt_size)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct vm *vm = b->vm;
	struct elf_image elf;
	unsigned int i;
	int ret;

	ret = elf_fit(img, &vm->mem, 1, &elf);
	if (ret)
		return ret;
	ret = place_fdt(vm, fdt, fdt_size);
	if (ret) {
		err("cannot place the device tree in guest RAM: %s",
		    strerror(-ret));
		return ret;
	}
	ret = x86_write_long_mode_tables(&vm->mem);
	if (ret) {
		err("guest RAM too small for the page tables");
		return ret;
	}
	/* Every vCPU starts at the entry; each learns its index from RSI. */
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		ret = x86_vcpu_enter_long_mode(v->fd, elf.entry, X86_FDT_GPA,
					       i, 0);
		if (!ret && i > 0 &&
		    ioctl(v->fd, KVM_SET_MP_STATE, &runnable) < 0)
			ret = -errno;
		if (ret) {
			err("cannot set vCPU %u's entry state: %s", i,
			    strerror(-ret));
			return ret;
		}
	}
	dbg("ELF guest: %u segments at 0x%llx-0x%llx, entry 0x%llx",
	    elf.nr_segments, (unsigned long long)elf.lo,
	    (unsigned long long)elf.hi, (unsigned long long)elf.entry);
	return 0;
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

/* boot_params.acpi_rsdp_addr came with boot protocol 2.14. */
#define PROTOCOL_RSDP_ADDR 0x020e

/*
 * Linux: boot_params and e820 from the bzImage loader, ACPI tables
 * (docs/acpi.md) and an MP table for kernels booted with acpi=off, both
 * saying where every vCPU and the IOAPIC are, and the boot vCPU at the
 * 64-bit entry. The others wait for INIT/SIPI from Linux.
 */
static int boot_bzimage(struct board *b, const struct boot_image *img)
{
	struct mptable_pci_irq irqs[MPTABLE_MAX_PCI_IRQS];
	struct vm *vm = b->vm;
	struct bzimage_boot boot;
	struct boot_params *bp;
	uint64_t rsdp;
	void *mpt;
	char why[256];
	int ret;

	ret = bzimage_load(&vm->mem, img->kernel, img->kernel_size,
			   img->cmdline, img->initrd_gpa, img->initrd_size,
			   &boot, why, sizeof(why));
	if (ret) {
		err("cannot boot kernel '%s': %s", img->kernel_name, why);
		return ret;
	}
	mpt = mem_gpa_to_hva(&vm->mem, X86_MPTABLE_GPA, X86_MPTABLE_MAX);
	ret = mpt ? mptable_write(mpt, X86_MPTABLE_MAX,
				  (uint32_t)X86_MPTABLE_GPA, vm->nr_vcpus,
				  irqs, pci_irqs(&b->pci, irqs))
		  : -ENOMEM;
	if (ret < 0) {
		err("cannot write the MP table for %u vCPUs", vm->nr_vcpus);
		return ret;
	}
	ret = x86_acpi_install(b, &rsdp);
	if (ret)
		return ret;
	/* Older kernels find the RSDP by scanning [0xe0000, 1 MiB). */
	bp = mem_gpa_to_hva(&vm->mem, boot.zero_page, sizeof(*bp));
	if (bp && boot.version >= PROTOCOL_RSDP_ADDR)
		bp->acpi_rsdp_addr = rsdp;
	ret = x86_write_long_mode_tables(&vm->mem);
	if (!ret)
		ret = x86_vcpu_enter_long_mode(vm->vcpus[0].fd, boot.entry, 0,
					       boot.zero_page, 0);
	if (ret) {
		err("cannot set the boot vCPU's entry state: %s",
		    strerror(-ret));
		return ret;
	}
	dbg("bzImage: entry 0x%llx, boot_params at 0x%llx",
	    (unsigned long long)boot.entry,
	    (unsigned long long)boot.zero_page);
	return 0;
}

int board_check_boot(const struct boot_image *img, const struct guest_mem *mem)
{
	struct bzimage_hdr h;
	struct elf_image elf;
	char why[256];
	int ret;

	switch (img->format) {
	case KERNEL_ELF64:
		return elf_fit(img, mem, 0, &elf);
	case KERNEL_BZIMAGE:
		ret = bzimage_check(mem, img->kernel, img->kernel_size,
				    img->cmdline, img->initrd_gpa,
				    img->initrd_size, &h, why, sizeof(why));
		if (ret)
			err("cannot boot kernel '%s': %s", img->kernel_name,
			    why);
		return ret;
	default:
		return -ENOEXEC;
	}
}

int board_boot(struct board *b, const struct boot_image *img, const void *fdt,
	       size_t fdt_size)
{
	switch (img->format) {
	case KERNEL_ELF64:
		return boot_elf(b, img, fdt, fdt_size);
	case KERNEL_BZIMAGE:
		return boot_bzimage(b, img);
	default:
		return -ENOEXEC;
	}
}
