// SPDX-License-Identifier: MIT
/* A KVM virtual machine: fds, guest RAM, buses, vCPUs, and how it stops. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "arch.h"
#include "exitcode.h"
#include "log.h"
#include "vcpu.h"
#include "vm.h"

static int open_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int e = errno;

	if (fd >= 0)
		return fd;
	if (e == ENOENT)
		err("/dev/kvm does not exist; load the kvm module (modprobe "
		    "kvm-intel or kvm-amd) or run on a host with "
		    "virtualization enabled");
	else if (e == EACCES || e == EPERM)
		err("no permission to open /dev/kvm; run as root or add your "
		    "user to the kvm group");
	else
		err("cannot open /dev/kvm: %s", strerror(e));
	return -e;
}

/* The API this KVM speaks, and whether it takes @nr_vcpus. 0 or -errno. */
static int check_kvm(int kvm_fd, unsigned int nr_vcpus)
{
	int ret, max;

	ret = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		err("/dev/kvm speaks KVM API %d, ferry needs %d", ret,
		    KVM_API_VERSION);
		return -ENOTSUP;
	}
	max = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max <= 0)
		max = 4; /* KVM's documented minimum without the capability */
	if (nr_vcpus > (unsigned int)max) {
		err("--cpus %u is more than this host's KVM allows (%d); give "
		    "at most %d", nr_vcpus, max, max);
		return -EINVAL;
	}
	return 0;
}

int vm_create(struct vm *vm, unsigned int nr_vcpus)
{
	struct guest_mem mem = vm->mem; /* the caller's RAM layout */
	unsigned int i;
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->mem = mem;
	vm->vm_fd = vm->stop_fd = vm->kvm_vfio_fd = -1;
	vm->irqchip_fd[0] = vm->irqchip_fd[1] = -1;
	pthread_mutex_init(&vm->slot_lock, NULL);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_mutex_init(&vm->coalesced_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	vm->nr_vcpus = nr_vcpus;

	vm->kvm_fd = open_kvm();
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	ret = check_kvm(vm->kvm_fd, nr_vcpus);
	if (ret)
		goto err_kvm;
	vm->run_size = (size_t)ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		ret = -errno;
		err("KVM_CREATE_VM failed: %s", strerror(-ret));
		goto err_kvm;
	}
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0) {
		ret = -errno;
		err("eventfd: %s", strerror(-ret));
		goto err_vm;
	}
	ret = bus_init(&vm->pio, "pio", LOG_INFO);
	if (ret) {
		err("cannot set up the I/O bus: %s", strerror(-ret));
		goto err_stop_fd;
	}
	ret = bus_init(&vm->mmio, "mmio", LOG_WARN);
	if (ret) {
		err("cannot set up the memory bus: %s", strerror(-ret));
		goto err_pio;
	}
	ret = arch_vm_init(vm); /* says what failed */
	if (ret)
		goto err_mmio;
	ret = irq_routing_init(&vm->irq);
	if (ret) {
		err("cannot set up interrupt routing: %s", strerror(-ret));
		goto err_mmio;
	}
	return 0;

err_mmio:
	for (i = 0; i < ARRAY_SIZE(vm->irqchip_fd); i++)
		if (vm->irqchip_fd[i] >= 0) {
			close(vm->irqchip_fd[i]);
			vm->irqchip_fd[i] = -1;
		}
	bus_destroy(&vm->mmio);
err_pio:
	bus_destroy(&vm->pio);
err_stop_fd:
	close(vm->stop_fd);
	vm->stop_fd = -1;
err_vm:
	close(vm->vm_fd);
	vm->vm_fd = -1;
err_kvm:
	close(vm->kvm_fd);
	vm->kvm_fd = -1;
	return ret;
}

int vm_set_slot(struct vm *vm, unsigned int slot, uint64_t gpa, uint64_t len,
		void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = len,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

int vm_slot_alloc(struct vm *vm)
{
	int slot, ret = -ENOSPC;

	pthread_mutex_lock(&vm->slot_lock);
	for (slot = (int)vm->nr_slots; slot < VM_MAX_SLOTS; slot++)
		if (!vm->slot_used[slot]) {
			vm->slot_used[slot] = 1;
			ret = slot;
			break;
		}
	pthread_mutex_unlock(&vm->slot_lock);
	return ret;
}

unsigned int vm_slots_in_use(struct vm *vm)
{
	unsigned int slot, n = 0;

	pthread_mutex_lock(&vm->slot_lock);
	for (slot = vm->nr_slots; slot < VM_MAX_SLOTS; slot++)
		n += vm->slot_used[slot];
	pthread_mutex_unlock(&vm->slot_lock);
	return n;
}

void vm_slot_free(struct vm *vm, int slot)
{
	if (slot < 0 || slot >= VM_MAX_SLOTS)
		return;
	pthread_mutex_lock(&vm->slot_lock);
	vm->slot_used[slot] = 0;
	pthread_mutex_unlock(&vm->slot_lock);
}

int vm_clear_slot(struct vm *vm, unsigned int slot)
{
	struct kvm_userspace_memory_region r = { .slot = slot };

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

/*
 * KVM_DEV_VFIO_FILE_ADD/DEL (Linux 6.6 names) are the values the older
 * GROUP_ADD/DEL had; a file is a group fd (type1) or a device cdev fd
 * (iommufd), and KVM tells them apart.
 */
static int kvm_vfio_attr(struct vm *vm, uint64_t op, int fd)
{
	int32_t v = fd;
	struct kvm_device_attr attr = {
		.group = KVM_DEV_VFIO_GROUP,
		.attr = op,
		.addr = (uint64_t)(uintptr_t)&v,
	};

	if (ioctl(vm->kvm_vfio_fd, KVM_SET_DEVICE_ATTR, &attr) < 0)
		return -errno;
	return 0;
}

int vm_kvm_vfio_add(struct vm *vm, int fd)
{
	if (vm->kvm_vfio_fd < 0) {
		struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO };

		if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &cd) < 0)
			return -errno;
		vm->kvm_vfio_fd = (int)cd.fd;
	}
	return kvm_vfio_attr(vm, KVM_DEV_VFIO_GROUP_ADD, fd);
}

void vm_kvm_vfio_del(struct vm *vm, int fd)
{
	if (vm->kvm_vfio_fd >= 0 &&
	    kvm_vfio_attr(vm, KVM_DEV_VFIO_GROUP_DEL, fd))
		warn("KVM did not let go of VFIO file descriptor %d", fd);
}

int vm_add_ram(struct vm *vm)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vm->mem.nr; i++) {
		const struct mem_region *r = &vm->mem.regions[i];

		ret = vm_set_slot(vm, vm->nr_slots, r->gpa, r->len, r->hva);
		if (ret) {
			err("cannot give %llu MiB of RAM to KVM: %s",
			    (unsigned long long)(r->len >> 20),
			    strerror(-ret));
			return ret;
		}
		vm->nr_slots++;
	}
	return 0;
}

int vm_create_vcpus(struct vm *vm)
{
	unsigned int i;
	int ret;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_create(vm, &vm->vcpus[i], i);
		if (ret)
			return ret; /* vm_destroy() closes what was made */
	}
	return arch_vm_vcpus_created(vm);
}

int vm_start(struct vm *vm)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_start(&vm->vcpus[i]);
		if (ret) {
			err("cannot start vCPU %u: %s", i, strerror(-ret));
			vm_request_stop(vm, FERRY_EXIT_HOST);
			vm_stop_vcpus(vm);
			return ret;
		}
	}
	return 0;
}

void vm_request_stop(struct vm *vm, int status)
{
	int expected = 0;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, 1))
		return;
	vm->exit_status = status;
	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		err("cannot signal the main loop: %s", strerror(errno));
}

void vm_pause(struct vm *vm)
{
	unsigned int i;

	pthread_mutex_lock(&vm->pause_lock);
	while (vm->paused)
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	vm->paused = 1;
	vm->pauses++;
	pthread_mutex_unlock(&vm->pause_lock);
	/*
	 * Not the caller's own thread. A kick landing outside KVM_RUN costs
	 * one empty KVM_RUN later. A thread that is not yet in its loop
	 * (in_loop 0 when read here) takes pause_lock in vm_run_enter()
	 * after setting in_loop, so it finds @paused set and waits.
	 */
	for (i = 0; i < vm->nr_vcpus; i++)
		if (atomic_load(&vm->vcpus[i].in_loop) &&
		    !pthread_equal(vm->vcpus[i].tid, pthread_self()))
			vcpu_kick(&vm->vcpus[i]);
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->running)
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->paused = 0;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_run_enter(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->paused)
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	vm->running++;
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_run_leave(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	if (!--vm->running && vm->paused)
		pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_stop_vcpus(struct vm *vm)
{
	unsigned int i;

	atomic_store(&vm->stopping, 1);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(&vm->vcpus[i]);
}

static int ioeventfd(struct vm *vm, int fd, uint64_t gpa, uint32_t len,
		     int pio, uint32_t flags)
{
	struct kvm_ioeventfd io = {
		.addr = gpa,
		.len = len,
		.fd = fd,
		.flags = flags | (pio ? KVM_IOEVENTFD_FLAG_PIO : 0),
	};

	if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0)
		return -errno;
	return 0;
}

int vm_ioeventfd_add(struct vm *vm, int fd, uint64_t gpa, uint32_t len,
		     int pio)
{
	return ioeventfd(vm, fd, gpa, len, pio, 0);
}

void vm_ioeventfd_del(struct vm *vm, int fd, uint64_t gpa, uint32_t len,
		      int pio)
{
	int ret = ioeventfd(vm, fd, gpa, len, pio,
			    KVM_IOEVENTFD_FLAG_DEASSIGN);

	if (ret)
		warn("cannot remove the ioeventfd at 0x%llx: %s",
		     (unsigned long long)gpa, strerror(-ret));
}

void vm_irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = arch_irq_line(irq),
				   .level = level ? 1 : 0 };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		warn_ratelimited("KVM_IRQ_LINE %u: %s", irq, strerror(errno));
}

void vm_destroy(struct vm *vm)
{
	unsigned int i;

	if (vm->vcpus) {
		for (i = 0; i < vm->nr_vcpus; i++)
			vcpu_destroy(&vm->vcpus[i]);
		free(vm->vcpus);
		vm->vcpus = NULL;
	}
	if (vm->vm_fd >= 0) {
		bus_destroy(&vm->mmio);
		bus_destroy(&vm->pio);
		irq_routing_destroy(&vm->irq);
	}
	mem_destroy(&vm->mem);
	for (i = 0; i < ARRAY_SIZE(vm->irqchip_fd); i++)
		if (vm->irqchip_fd[i] >= 0) {
			close(vm->irqchip_fd[i]);
			vm->irqchip_fd[i] = -1;
		}
	if (vm->kvm_vfio_fd >= 0)
		close(vm->kvm_vfio_fd);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->stop_fd = vm->vm_fd = vm->kvm_fd = vm->kvm_vfio_fd = -1;
}
