// SPDX-License-Identifier: MIT
/*
 * The floor for bench/run: the least a KVM launcher can do to run a test
 * guest. One vCPU, no irqchip, no threads, no buses; exits are decoded
 * inline. It shares ferry's ELF loader and long-mode tables (pure setup
 * code) and takes the device tree from `ferry run --dump-dtb`.
 *   raw_kvm GUEST.elf TREE.dtb MEMORY_MIB
 * Exit status: the guest's, (V << 1) | 1 when it writes V to port 0xf4
 * (always odd), or RAW_KVM_ERROR (even) when the launcher itself fails,
 * so bench/run never times a broken floor as a fast one.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "loader.h"
#include "x86/boot_long.h"
#include "x86/layout.h"

#define RAW_KVM_ERROR 2

static void *slurp(const char *path, size_t *size)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		exit(RAW_KVM_ERROR);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		perror(path);
		exit(RAW_KVM_ERROR);
	}
	close(fd);
	*size = (size_t)st.st_size;
	return p;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "raw_kvm: %s: %s\n", what, strerror(errno));
		exit(RAW_KVM_ERROR);
	}
}

int main(int argc, char **argv)
{
	static const struct gpa_range reserved[] = { { 0, X86_BOOT_DATA_END } };
	static const struct elf_rules rules = {
		.machine = EM_X86_64, .reserved = reserved, .nr_reserved = 1,
	};
	struct kvm_userspace_memory_region slot = { 0 };
	struct kvm_cpuid2 *cpuid;
	struct guest_mem mem = { .fd = -1 };
	struct elf_image img;
	struct kvm_run *run;
	size_t elf_size, dtb_size;
	void *elf, *dtb;
	uint8_t scratch = 0;
	char why[256];
	int kvm, vm, vcpu;

	if (argc != 4) {
		fprintf(stderr, "usage: raw_kvm GUEST.elf TREE.dtb MEMORY_MIB\n");
		return RAW_KVM_ERROR;
	}
	elf = slurp(argv[1], &elf_size);
	dtb = slurp(argv[2], &dtb_size);
	mem.size = strtoull(argv[3], NULL, 0) << 20;
	mem.base = mmap(NULL, mem.size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	check(mem.base != MAP_FAILED, "mmap");
	check(mem_add_region(&mem, 0, mem.size) == 0, "layout");
	if (elf_load(&mem, elf, elf_size, &rules, &img, why, sizeof(why))) {
		fprintf(stderr, "raw_kvm: %s\n", why);
		return RAW_KVM_ERROR;
	}
	memcpy(mem_gpa_to_hva(&mem, X86_FDT_GPA, dtb_size), dtb, dtb_size);
	check(x86_write_long_mode_tables(&mem) == 0, "page tables");

	kvm = open("/dev/kvm", O_RDWR);
	check(kvm >= 0, "/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	check(vm >= 0, "KVM_CREATE_VM");
	check(ioctl(vm, KVM_SET_TSS_ADDR, X86_KVM_TSS_GPA) == 0, "TSS");
	slot.memory_size = mem.size;
	slot.userspace_addr = (uintptr_t)mem.base;
	check(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) == 0, "memory");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	check(vcpu >= 0, "KVM_CREATE_VCPU");
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	cpuid->nent = 256;
	check(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) == 0, "CPUID");
	check(ioctl(vcpu, KVM_SET_CPUID2, cpuid) == 0, "SET_CPUID2");
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
		   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	check(run != MAP_FAILED, "kvm_run");
	check(x86_vcpu_enter_long_mode(vcpu, img.entry, X86_FDT_GPA, 0, 0) == 0,
	      "registers");

	for (;;) {
		check(ioctl(vcpu, KVM_RUN, 0) == 0, "KVM_RUN");
		if (run->exit_reason == KVM_EXIT_MMIO) {
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
			continue;
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "raw_kvm: exit reason %u\n",
				run->exit_reason);
			return RAW_KVM_ERROR;
		}
		uint8_t *d = (uint8_t *)run + run->io.data_offset;
		uint16_t port = run->io.port;

		if (run->io.direction == KVM_EXIT_IO_OUT) {
			if (port == 0xf4)
				return ((*d << 1) | 1) & 0xff;
			if (port == 0x3f8 && write(1, d, 1) < 0)
				return RAW_KVM_ERROR;
			if (port == 0x3ff)
				scratch = *d;
		} else {
			*d = port == 0x3fd ? 0x60 : port == 0x3ff ? scratch : 0xff;
		}
	}
}
