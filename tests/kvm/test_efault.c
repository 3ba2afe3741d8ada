// SPDX-License-Identifier: MIT
/*
 * KVM_RUN -EFAULT recovery, on /dev/kvm: a memory slot at the exits
 * guest's MMIO address is backed by an empty memfd, so KVM cannot fault
 * it in (as when the kernel revokes a BAR mmap). The vCPU loop must call
 * the recovery hook, which removes the slot, and the guest's reads then
 * fall through to the MMIO bus (all-ones): the VM ends normally.
 *   test_efault EXITS_GUEST.elf
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../devices/debug_exit.h"
#include "../../devices/serial.h"
#include "loader.h"
#include "vcpu.h"
#include "vm.h"
#include "x86/boot_long.h"
#include "x86/layout.h"

#define BAD_GPA 0xd0000000ULL /* where guest/exits.c reads */

static struct vm vm;
static int bad_slot = -1, recoveries;

static int recover(void *ctx)
{
	(void)ctx;
	if (bad_slot < 0)
		return 0;
	recoveries++;
	if (vm_clear_slot(&vm, (unsigned int)bad_slot))
		return 0;
	bad_slot = -1;
	return 1;
}

int main(int argc, char **argv)
{
	static const struct gpa_range reserved[] = { { 0, X86_BOOT_DATA_END } };
	static const struct elf_rules rules = {
		.machine = EM_X86_64, .reserved = reserved, .nr_reserved = 1,
	};
	struct debug_exit dbg;
	struct serial uart;
	struct elf_image img;
	struct stat st;
	char why[256];
	void *elf, *hole;
	int fd, memfd, ret;
	struct pollfd p;

	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("SKIP: no usable /dev/kvm\n");
		return 77;
	}
	fd = open(argv[1], O_RDONLY);
	if (argc < 2 || fd < 0 || fstat(fd, &st) ||
	    (elf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			0)) == MAP_FAILED) {
		printf("FAIL: cannot read the guest\n");
		return 1;
	}
	if (vm_create(&vm, 1) || mem_create(&vm.mem, 64 << 20, MEM_ANON) ||
	    mem_add_region(&vm.mem, 0, 64 << 20) || vm_add_ram(&vm) ||
	    serial_init(&uart, &vm, &vm.pio, X86_COM1_PORT, X86_COM1_IRQ, -1) ||
	    debug_exit_init(&dbg, &vm, &vm.pio, X86_DEBUG_EXIT_PORT) ||
	    vm_create_vcpus(&vm)) {
		printf("FAIL: VM set-up\n");
		return 1;
	}
	ret = elf_load(&vm.mem, elf, (size_t)st.st_size, &rules, &img, why,
		       sizeof(why));
	if (ret || x86_write_long_mode_tables(&vm.mem) ||
	    x86_vcpu_enter_long_mode(vm.vcpus[0].fd, img.entry, X86_FDT_GPA, 0,
				     0)) {
		printf("FAIL: boot set-up: %s\n", why);
		return 1;
	}
	/* An empty memfd mapped 4 KiB long: any touch is beyond its end. */
	memfd = memfd_create("hole", MFD_CLOEXEC);
	hole = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	bad_slot = vm_slot_alloc(&vm);
	if (hole == MAP_FAILED || bad_slot < 0 ||
	    vm_set_slot(&vm, (unsigned int)bad_slot, BAD_GPA, 4096, hole)) {
		printf("FAIL: cannot install the broken slot\n");
		return 1;
	}
	vm.efault_recover = recover;
	if (vcpu_install_kick_handler() || vm_start(&vm)) {
		printf("FAIL: start\n");
		return 1;
	}
	p = (struct pollfd){ .fd = vm.stop_fd, .events = POLLIN };
	ret = poll(&p, 1, 60000);
	vm_stop_vcpus(&vm);
	printf("%s %d - the VM ended (status %d)\n",
	       ret == 1 && vm.exit_status == 1 ? "ok" : "not ok", 1,
	       vm.exit_status);
	printf("%s %d - the recovery hook ran once (%d)\n",
	       recoveries == 1 ? "ok" : "not ok", 2, recoveries);
	printf("1..2\n");
	vm_destroy(&vm);
	return ret == 1 && vm.exit_status == 1 && recoveries == 1 ? 0 : 1;
}
