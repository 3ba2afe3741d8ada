// SPDX-License-Identifier: MIT
/* The x86 PVH boot ABI: a kernel's 32-bit entry note and hvm_start_info. */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "../loader.h"
#include "../log.h"
#include "boot_long.h"
#include "e820.h"
#include "layout.h"
#include "pvh.h"

static_assert(sizeof(struct pvh_start_info) == 56, "hvm_start_info layout");
static_assert(sizeof(struct pvh_module) == 32, "hvm_modlist_entry layout");
static_assert(sizeof(struct pvh_memmap_entry) == 24, "hvm_memmap layout");

/* The start info page: the structure, one module, then the memory map. */
#define INFO_GPA X86_ZERO_PAGE_GPA
#define MODLIST_GPA (INFO_GPA + 0x40)
#define MEMMAP_GPA (INFO_GPA + 0x100)
#define INFO_PAGE 0x1000
static_assert(0x100 + PVH_MEMMAP_MAX * sizeof(struct pvh_memmap_entry) <=
		      INFO_PAGE, "the memory map fits the page");

/* Selectors of the PVH GDT: what the hidden parts below describe. */
#define SEL_CODE32 0x08
#define SEL_DATA32 0x10
#define SEL_TSS32 0x18

int pvh_find_entry(const void *buf, size_t size, uint32_t *entry, char *why,
		   size_t whylen)
{
	const uint8_t *desc;
	uint32_t len;
	uint64_t v = 0;
	int ret;

	ret = elf_find_note(buf, size, PVH_NOTE_NAME, PVH_NOTE_PHYS32_ENTRY,
			    &desc, &len, why, whylen);
	if (ret <= 0)
		return ret;
	/* 32-bit kernels write .long, 64-bit ones .quad. */
	if (len != 4 && len != 8)
		return why_set(why, whylen, -ENOEXEC, "its PVH entry note has "
			       "%u bytes, not 4 or 8", len);
	memcpy(&v, desc, len);
	if (v > UINT32_MAX)
		return why_set(why, whylen, -ENOEXEC, "its PVH entry point "
			       "0x%llx is above 4 GiB", (unsigned long long)v);
	*entry = (uint32_t)v;
	return 1;
}

int pvh_check(const struct guest_mem *mem, const struct pvh_params *p,
	      char *why, size_t whylen)
{
	size_t len = p->cmdline ? strlen(p->cmdline) : 0;

	if (len >= X86_CMDLINE_MAX)
		return why_set(why, whylen, -E2BIG, "the command line is %zu "
			       "bytes; at most %llu fit", len,
			       (unsigned long long)X86_CMDLINE_MAX - 1);
	if (!mem_contains(mem, INFO_GPA, INFO_PAGE) ||
	    !mem_contains(mem, X86_CMDLINE_GPA, X86_CMDLINE_MAX))
		return why_set(why, whylen, -EINVAL, "guest RAM does not cover "
			       "the boot data");
	return 0;
}

int pvh_write_start_info(const struct guest_mem *mem,
			 const struct pvh_params *p, uint64_t *info_gpa,
			 char *why, size_t whylen)
{
	struct x86_e820 map[PVH_MEMMAP_MAX];
	struct pvh_memmap_entry *mm;
	struct pvh_start_info *si;
	struct pvh_module *mod;
	unsigned int i, n;
	size_t len;
	char *cmd;
	int ret;

	ret = pvh_check(mem, p, why, whylen);
	if (ret)
		return ret;
	si = mem_gpa_to_hva(mem, INFO_GPA, INFO_PAGE);
	cmd = mem_gpa_to_hva(mem, X86_CMDLINE_GPA, X86_CMDLINE_MAX);
	if (!si || !cmd)
		return why_set(why, whylen, -EINVAL, "guest RAM has no backing");
	memset(si, 0, INFO_PAGE);
	mod = (struct pvh_module *)((uint8_t *)si + (MODLIST_GPA - INFO_GPA));
	mm = (struct pvh_memmap_entry *)((uint8_t *)si +
					 (MEMMAP_GPA - INFO_GPA));

	len = p->cmdline ? strlen(p->cmdline) : 0;
	memcpy(cmd, p->cmdline ? p->cmdline : "", len);
	cmd[len] = '\0';

	n = x86_e820_map(mem, map, ARRAY_SIZE(map));
	for (i = 0; i < n; i++)
		mm[i] = (struct pvh_memmap_entry){
			.addr = map[i].addr, .size = map[i].size,
			.type = map[i].type };

	si->magic = PVH_START_MAGIC;
	si->version = 1;
	si->cmdline_paddr = X86_CMDLINE_GPA;
	si->rsdp_paddr = p->rsdp_gpa;
	si->memmap_paddr = MEMMAP_GPA;
	si->memmap_entries = n;
	if (p->initrd_size) {
		mod->paddr = p->initrd_gpa;
		mod->size = p->initrd_size;
		si->nr_modules = 1;
		si->modlist_paddr = MODLIST_GPA;
	}
	*info_gpa = INFO_GPA;
	return 0;
}

int pvh_write_gdt(const struct guest_mem *mem)
{
	uint64_t *gdt = mem_gpa_to_hva(mem, X86_GDT_GPA, 0x1000);

	if (!gdt)
		return -ENOMEM;
	gdt[0] = 0;
	gdt[SEL_CODE32 / 8] = 0x00cf9b000000ffffULL; /* 32-bit code, 4 GiB */
	gdt[SEL_DATA32 / 8] = 0x00cf93000000ffffULL; /* flat data */
	gdt[SEL_TSS32 / 8] = 0x00008b0000000067ULL;  /* busy 32-bit TSS at 0 */
	return 0;
}

int pvh_vcpu_enter(int vcpu_fd, uint32_t entry, uint32_t info_gpa)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	x86_flat_segments(&sregs, SEL_CODE32, SEL_DATA32, SEL_TSS32, 0, 4);
	sregs.cr0 = 0x11; /* PE, ET; paging off */
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rbx = info_gpa;
	regs.rflags = 0x2;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}
