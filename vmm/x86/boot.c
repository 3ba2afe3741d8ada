// SPDX-License-Identifier: MIT
/* How the x86 board boots a kernel: ELF test guests here, Linux in boot_linux.c. */
#include <elf.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "../log.h"
#include "../vm.h"
#include "board_x86.h"
#include "boot_long.h"
#include "layout.h"

/* Where an ELF test guest may not load: boot data and the MMIO hole. */
static const struct gpa_range elf_reserved[] = {
	{ 0, X86_BOOT_DATA_END },
	{ X86_MMIO_HOLE_GPA, X86_HIGH_RAM_GPA - X86_MMIO_HOLE_GPA },
};
static const struct elf_rules test_guest_rules = {
	.machine = EM_X86_64, .reserved = elf_reserved,
	.nr_reserved = ARRAY_SIZE(elf_reserved),
};

/* Check, or with @load also load, an ELF guest; logs why it cannot. */
static int elf_fit(const struct boot_image *img, const struct guest_mem *mem,
		   int load, struct elf_image *elf)
{
	char why[256];
	int ret;

	if (load)
		ret = elf_load(mem, img->kernel, img->kernel_size,
			       &test_guest_rules, elf, why, sizeof(why));
	else
		ret = elf_check(mem, img->kernel, img->kernel_size,
				&test_guest_rules, elf, why, sizeof(why));
	if (ret) {
		/* Neither a PVH kernel (no note) nor a fitting test guest. */
		err("cannot boot kernel '%s' (an ELF test guest: it has no PVH "
		    "entry note): %s", img->kernel_name, why);
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

static int wrong_arch(const struct boot_image *img)
{
	err("kernel '%s' is a Linux arm64 Image; this ferry boots x86_64 "
	    "guests (a bzImage or an ELF64 test guest)", img->kernel_name);
	return -ENOEXEC;
}

/* Which path @img boots by: 1 Linux (*@p), 0 a test guest; logs -errno. */
static int plan(const struct boot_image *img, struct x86_linux_plan *p)
{
	char why[256];
	int ret;

	if (img->format == KERNEL_ARM64_IMAGE)
		return wrong_arch(img);
	if (img->format != KERNEL_ELF64 && img->format != KERNEL_BZIMAGE)
		return -ENOEXEC;
	ret = x86_linux_plan(img, p, why, sizeof(why));
	if (ret < 0)
		err("cannot boot kernel '%s': %s", img->kernel_name, why);
	return ret;
}

int board_check_boot(const struct boot_image *img, const struct guest_mem *mem)
{
	struct x86_linux_plan p;
	struct elf_image elf;
	char why[256];
	int ret;

	ret = plan(img, &p);
	if (ret == 0)
		return elf_fit(img, mem, 0, &elf);
	if (ret < 0)
		return ret;
	ret = x86_linux_check(img, mem, &p, why, sizeof(why));
	if (ret)
		err("cannot boot kernel '%s': %s", img->kernel_name, why);
	return ret;
}

int board_boot(struct board *b, const struct boot_image *img, const void *fdt,
	       size_t fdt_size)
{
	struct x86_linux_plan p;
	int ret;

	ret = plan(img, &p);
	if (ret == 0)
		return boot_elf(b, img, fdt, fdt_size);
	if (ret < 0)
		return ret;
	return x86_linux_boot(b, img, &p);
}
