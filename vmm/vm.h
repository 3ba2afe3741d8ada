/* SPDX-License-Identifier: MIT */
/* A KVM virtual machine: fds, guest RAM, buses, vCPUs, and how it stops. */
#ifndef FERRY_VM_H
#define FERRY_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "bus.h"
#include "irq.h"
#include "mem.h"
#include "util.h"

struct census;
struct kvm_coalesced_mmio_ring;
struct kvm_run;
struct vm;

#define VM_MAX_SLOTS 512 /* KVM guarantees at least 509 user slots */

#define VCPU_EXIT_REASONS 64 /* KVM_EXIT_* counted one by one below this */

struct vcpu_stats {
	uint64_t exits, pio, mmio;
	uint64_t reasons[VCPU_EXIT_REASONS]; /* the last counts the rest */
};

struct vcpu {
	struct vm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;	/* the creator's handle, for joining */
	int thread_started;	/* the creator's view: a thread to join */
	/*
	 * Set by the vCPU's own thread, before its first KVM_RUN, once @tid
	 * holds its id: from then on it may be inside KVM_RUN and must be
	 * kicked. Cleared when it has been joined.
	 */
	atomic_int in_loop;
	pthread_t tid;
	struct vcpu_stats stats; /* written by this vCPU's thread only */
};

struct vm {
	int kvm_fd;
	int vm_fd;
	size_t run_size;
	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	struct guest_mem mem;
	unsigned int nr_slots;	/* RAM slots, 0 .. nr_slots-1 */
	pthread_mutex_t slot_lock;
	uint8_t slot_used[VM_MAX_SLOTS];
	int kvm_vfio_fd;	/* KVM's VFIO pseudo-device, or -1 */
	/* In-kernel interrupt controller devices the arch created (arm64:
	 * the GIC and its ITS), or -1; closed by vm_destroy(). */
	int irqchip_fd[2];

	/*
	 * Called on a vCPU thread when KVM_RUN fails with EFAULT: a memory
	 * slot's backing went away (a BAR mmap the kernel revoked). Takes
	 * such slots away and returns non-zero if the fault may have been
	 * on one (this call or another vCPU's took it away), so the access
	 * is retried and traps instead; the vCPU loop stops the VM on a
	 * second EFAULT in a row. Safe on several vCPUs at once. NULL when
	 * no device can cause this.
	 */
	int (*efault_recover)(void *ctx);
	void *efault_ctx;
	struct bus pio;
	struct bus mmio;
	struct irq_routing irq;
	/* --stats: exits per port and MMIO page (census.h), or NULL. */
	struct census *census;
	/* Writes KVM queued without an exit (coalesce.h), or NULL. */
	struct kvm_coalesced_mmio_ring *coalesced;
	pthread_mutex_t coalesced_lock;
	uint64_t coalesced_writes; /* under coalesced_lock */

	/*
	 * vm_pause(): while @paused, no vCPU thread is inside KVM_RUN.
	 * @running counts the threads inside it; @pauses counts the pauses
	 * so far (--stats); all under pause_lock.
	 */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	int paused;
	unsigned int running;
	uint64_t pauses;

	/* Stopping: the first vm_request_stop() sets the status. */
	atomic_int stopping;
	int exit_status;
	int stop_fd; /* eventfd: readable once a stop was requested */
};

/*
 * Open /dev/kvm, check the API, create the VM with @nr_vcpus vCPUs'
 * worth of checks (count within KVM's limit), the in-kernel interrupt
 * controller (arch_vm_init), its routing table and both buses; the
 * timers come with the vCPUs (vm_create_vcpus). vm->mem is kept as the caller
 * left it (a RAM layout from mem_init(), backed later, or zeroes); every
 * other field is reset. On failure logs one sentence and returns -errno;
 * the caller's exit status is FERRY_EXIT_HOST.
 */
int vm_create(struct vm *vm, unsigned int nr_vcpus) __must_check;

/*
 * Register every region of vm->mem (made by mem_create() and
 * mem_add_region()) as a KVM memory slot. Logs and returns -errno.
 */
int vm_add_ram(struct vm *vm) __must_check;

/*
 * Make [@gpa, @gpa + @len) of the guest memory slot @slot, backed by
 * @hva (replacing what the slot held). 0 or -errno from KVM.
 */
int vm_set_slot(struct vm *vm, unsigned int slot, uint64_t gpa, uint64_t len,
		void *hva) __must_check;

/*
 * A free memory slot number above the RAM slots, or -ENOSPC. Free it
 * with vm_slot_free() after vm_clear_slot().
 */
int vm_slot_alloc(struct vm *vm);
void vm_slot_free(struct vm *vm, int slot);

/* Slots handed out by vm_slot_alloc() and not freed (--stats). */
unsigned int vm_slots_in_use(struct vm *vm);

/* Remove memory slot @slot from the guest (KVM keeps no reference). */
int vm_clear_slot(struct vm *vm, unsigned int slot) __must_check;

/*
 * Tell KVM about a VFIO file @fd (an IOMMU group, or a device opened
 * through its cdev), through KVM's VFIO pseudo-device, created on first
 * use: needed for non-coherent DMA and some IOMMUs. 0 or -errno.
 */
int vm_kvm_vfio_add(struct vm *vm, int fd) __must_check;
void vm_kvm_vfio_del(struct vm *vm, int fd);

/*
 * Create every vCPU (KVM_CREATE_VCPU, mmap kvm_run, arch init), then
 * finish what needs them all (arch_vm_vcpus_created()).
 */
int vm_create_vcpus(struct vm *vm) __must_check;

/* Start one thread per vCPU. 0 or -errno (already started are stopped). */
int vm_start(struct vm *vm) __must_check;

/*
 * Ask the VM to stop with process exit @status. The first caller wins;
 * later calls are ignored. Async-signal-unsafe but thread-safe: called
 * from vCPU threads (debug exit, reset, fatal exit) and the main loop.
 */
void vm_request_stop(struct vm *vm, int status);

/* Kick every vCPU out of KVM_RUN and join its thread. Main thread only. */
void vm_stop_vcpus(struct vm *vm);

/*
 * Bring every vCPU out of KVM_RUN and keep it out until vm_resume(): on
 * return no vCPU is inside KVM_RUN, so none is half-way through an access
 * KVM is emulating. Needed when a memory slot appears where the guest saw
 * MMIO: KVM decides "MMIO" at the fault but reads the operand later, and
 * a slot added in between makes it read the slot's backing itself (byte
 * by byte through copy_from_user, wrong for device registers) instead of
 * exiting. Callable from any thread, a vCPU's own included (it is not in
 * KVM_RUN while it handles an exit); two pauses at once run one after the
 * other.
 * A caller must not hold a lock a vCPU needs to leave KVM_RUN.
 */
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);

/*
 * For vCPU threads, around KVM_RUN: vm_run_enter() waits while the VM is
 * paused, then counts the thread in; vm_run_leave() counts it out.
 */
void vm_run_enter(struct vm *vm);
void vm_run_leave(struct vm *vm);

/*
 * Signal eventfd @fd, in the kernel and without an exit, each time the
 * guest writes @len bytes (1, 2, 4 or 8) to MMIO address @gpa (an I/O
 * port with @pio): KVM's ioeventfd, for a device's doorbell. A write of
 * another size still exits to the bus as before. 0 or -errno (then the
 * device keeps trapping its doorbell).
 */
int vm_ioeventfd_add(struct vm *vm, int fd, uint64_t gpa, uint32_t len,
		     int pio) __must_check;
/* Undo vm_ioeventfd_add() with the same arguments. */
void vm_ioeventfd_del(struct vm *vm, int fd, uint64_t gpa, uint32_t len,
		      int pio);

/*
 * Raise or lower interrupt line @irq on the in-kernel irqchip: the
 * board's line number, as its GSI (x86 an IOAPIC pin, arm64 an SPI).
 */
void vm_irq_line(struct vm *vm, unsigned int irq, int level);

/* Close everything vm_create()/vm_add_ram()/vm_create_vcpus() opened. */
void vm_destroy(struct vm *vm);

#endif
