// SPDX-License-Identifier: MIT
/*
 * How the arm64 board boots a kernel: a Linux Image or an ELF test guest,
 * both entered at EL1 with the MMU off and the device tree's address in
 * X0. Only the boot vCPU runs; the others are powered off until the
 * guest starts them with PSCI CPU_ON (handled by KVM).
 */
#include <elf.h>
#include <errno.h>
#include "../log.h"
#include "../vm.h"
#include "board_arm64.h"
#include "image.h"
#include "kvm_arm64.h"
#include "layout.h"

/* The device tree's place: the last 2 MiB of RAM. */
static uint64_t fdt_gpa(const struct guest_mem *mem)
{
	return ARM64_RAM_GPA + mem->size - ARM64_FDT_MAX;
}

/* What a kernel must stay below: the initrd if any, else the tree. */
static uint64_t kernel_limit(const struct boot_image *img,
			     const struct guest_mem *mem)
{
	return img->initrd_size ? img->initrd_gpa : fdt_gpa(mem);
}

static int elf_fit(const struct boot_image *img, const struct guest_mem *mem,
		   int load, struct elf_image *elf)
{
	const struct gpa_range reserved[] = {
		{ fdt_gpa(mem), ARM64_FDT_MAX },
	};
	const struct elf_rules rules = {
		.machine = EM_AARCH64, .reserved = reserved,
		.nr_reserved = ARRAY_SIZE(reserved),
	};
	char why[256];
	int ret;

	if (load)
		ret = elf_load(mem, img->kernel, img->kernel_size, &rules, elf,
			       why, sizeof(why));
	else
		ret = elf_check(mem, img->kernel, img->kernel_size, &rules, elf,
				why, sizeof(why));
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

static int image_fit(const struct boot_image *img, const struct guest_mem *mem,
		     int load, uint64_t *gpa)
{
	char why[256];
	int ret;

	if (load)
		ret = arm64_image_load(mem, img->kernel, img->kernel_size,
				       kernel_limit(img, mem), gpa, why,
				       sizeof(why));
	else
		ret = arm64_image_check(mem, img->kernel, img->kernel_size,
					kernel_limit(img, mem), gpa, why,
					sizeof(why));
	if (ret)
		err("cannot boot kernel '%s': %s", img->kernel_name, why);
	return ret;
}

static int wrong_arch(const struct boot_image *img)
{
	err("kernel '%s' is an x86 bzImage; this ferry boots arm64 guests (a "
	    "Linux arm64 Image or an ELF64 test guest)", img->kernel_name);
	return -ENOEXEC;
}

/*
 * An arm64 Image is not compressed (it has no decompressor of its own;
 * Debian's arm64 vmlinuz is a plain Image): nothing to unpack.
 */
int board_unpack_kernel(struct boot_image *img, const struct guest_mem *mem)
{
	(void)img;
	(void)mem;
	return 0;
}

void board_free_kernel(struct boot_image *img)
{
	(void)img;
}

/* arm64 guests get their machine from the device tree only. */
int board_acpi_tables(const struct board_config *cfg,
		      const struct guest_mem *mem,
		      int (*emit)(void *ctx, const char *name, const void *data,
				  size_t len),
		      void *ctx)
{
	(void)cfg;
	(void)mem;
	(void)emit;
	(void)ctx;
	return -EOPNOTSUPP;
}

int board_check_boot(const struct boot_image *img, const struct guest_mem *mem)
{
	struct elf_image elf;
	uint64_t gpa;

	switch (img->format) {
	case KERNEL_ELF64:
		return elf_fit(img, mem, 0, &elf);
	case KERNEL_ARM64_IMAGE:
		return image_fit(img, mem, 0, &gpa);
	case KERNEL_BZIMAGE:
		return wrong_arch(img);
	default:
		return -ENOEXEC;
	}
}

int board_boot(struct board *b, const struct boot_image *img, const void *fdt,
	       size_t fdt_size)
{
	struct vm *vm = b->vm;
	struct elf_image elf;
	uint64_t entry;
	void *dst;
	int ret;

	switch (img->format) {
	case KERNEL_ELF64:
		ret = elf_fit(img, &vm->mem, 1, &elf);
		entry = elf.entry;
		break;
	case KERNEL_ARM64_IMAGE:
		ret = image_fit(img, &vm->mem, 1, &entry);
		break;
	case KERNEL_BZIMAGE:
		return wrong_arch(img);
	default:
		return -ENOEXEC;
	}
	if (ret)
		return ret;
	dst = mem_gpa_to_hva(&vm->mem, fdt_gpa(&vm->mem), fdt_size);
	if (fdt_size > ARM64_FDT_MAX || !dst) {
		err("cannot place the device tree in guest RAM");
		return -E2BIG;
	}
	memcpy(dst, fdt, fdt_size);
	ret = arm64_vcpu_set_entry(vm->vcpus[0].fd, entry, fdt_gpa(&vm->mem));
	if (ret) {
		err("cannot set the boot vCPU's entry state: %s", strerror(-ret));
		return ret;
	}
	dbg("%s: entry 0x%llx, device tree at 0x%llx",
	    img->format == KERNEL_ELF64 ? "ELF guest" : "Image",
	    (unsigned long long)entry,
	    (unsigned long long)fdt_gpa(&vm->mem));
	return 0;
}
