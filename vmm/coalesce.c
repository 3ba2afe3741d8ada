// SPDX-License-Identifier: MIT
/* KVM's coalesced writes: index-latch ports written without an exit. */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "coalesce.h"
#include "log.h"
#include "vm.h"

/* <linux/kvm.h> sizes the ring with the kernel's PAGE_SIZE. */
#define RING_PAGE 4096
#define RING_MAX                                                               \
	((RING_PAGE - sizeof(struct kvm_coalesced_mmio_ring)) /                \
	 sizeof(struct kvm_coalesced_mmio))

int coalesce_pio(struct vm *vm, uint16_t port, uint16_t len)
{
	struct kvm_coalesced_mmio_zone zone = {
		.addr = port, .size = len, .pio = 1,
	};
	int ret;

	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0 ||
	    !vm->vcpus || !vm->vcpus[0].run ||
	    vm->run_size < (KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * RING_PAGE)
		return -ENOTSUP;
	if (ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone) < 0) {
		ret = -errno;
		return ret;
	}
	/* The same ring page is in every vCPU's kvm_run mapping. */
	vm->coalesced = (struct kvm_coalesced_mmio_ring *)
		((uint8_t *)vm->vcpus[0].run +
		 KVM_COALESCED_MMIO_PAGE_OFFSET * RING_PAGE);
	return 0;
}

void coalesce_flush(struct vm *vm)
{
	struct kvm_coalesced_mmio_ring *ring = vm->coalesced;

	if (!ring || __atomic_load_n(&ring->first, __ATOMIC_RELAXED) ==
			     __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&vm->coalesced_lock);
	/* KVM fills at @last, we consume at @first. */
	while (ring->first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE)) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[ring->first];
		uint32_t len = MIN(e->len, (uint32_t)sizeof(e->data));

		bus_write(e->pio ? &vm->pio : &vm->mmio, e->phys_addr, e->data,
			  len);
		vm->coalesced_writes++;
		__atomic_store_n(&ring->first, (ring->first + 1) % RING_MAX,
				 __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&vm->coalesced_lock);
}
