// SPDX-License-Identifier: MIT
/* One vCPU: its KVM fd, its thread and its exit loop. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "arch.h"
#include "census.h"
#include "coalesce.h"
#include "exitcode.h"
#include "log.h"
#include "vcpu.h"

int vcpu_create(struct vm *vm, struct vcpu *vcpu, unsigned int index)
{
	void *run;
	int ret;

	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, index);
	if (vcpu->fd < 0) {
		ret = -errno;
		err("cannot create vCPU %u: %s", index, strerror(-ret));
		return ret;
	}
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu->fd, 0);
	if (run == MAP_FAILED) {
		ret = -errno;
		err("cannot map vCPU %u's run area: %s", index, strerror(-ret));
		return ret;
	}
	vcpu->run = run;
	ret = arch_vcpu_init(vcpu);
	if (ret)
		err("cannot set up vCPU %u: %s", index, strerror(-ret));
	return ret;
}

static void kick_handler(int sig)
{
	(void)sig; /* only there to make KVM_RUN return -EINTR */
}

int vcpu_install_kick_handler(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;
	return 0;
}

static void handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	vcpu->stats.pio++;
	if (vcpu->vm->census)
		census_pio(vcpu->vm->census, run->io.port);
	/* String I/O (rep outs/ins) arrives as count back-to-back items. */
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(&vcpu->vm->pio, run->io.port, data,
				  run->io.size);
		else
			bus_read(&vcpu->vm->pio, run->io.port, data,
				 run->io.size);
	}
}

static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t len = run->mmio.len;

	vcpu->stats.mmio++;
	if (vcpu->vm->census)
		census_mmio(vcpu->vm->census, run->mmio.phys_addr);
	if (len == 0 || len > sizeof(run->mmio.data)) {
		warn_ratelimited("vCPU %u: MMIO access of %u bytes at 0x%llx "
				 "ignored", vcpu->index, len,
				 (unsigned long long)run->mmio.phys_addr);
		return;
	}
	if (run->mmio.is_write)
		bus_write(&vcpu->vm->mmio, run->mmio.phys_addr, run->mmio.data,
			  len);
	else
		bus_read(&vcpu->vm->mmio, run->mmio.phys_addr, run->mmio.data,
			 len);
}

/* The VM cannot go on: say why, dump the registers, stop with status 8. */
static void fatal_exit(struct vcpu *vcpu, const char *fmt, ...)
	__printf(2, 3);

static void fatal_exit(struct vcpu *vcpu, const char *fmt, ...)
{
	char what[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err("vCPU %u: %s; stopping the VM", vcpu->index, what);
	arch_vcpu_dump(vcpu);
	vm_request_stop(vcpu->vm, FERRY_EXIT_GUEST_CRASH);
}

/* PSCI or ACPI-style power events: power off and reset end the VM (0). */
static void system_event(struct vcpu *vcpu)
{
	uint32_t type = vcpu->run->system_event.type;

	if (type != KVM_SYSTEM_EVENT_SHUTDOWN && type != KVM_SYSTEM_EVENT_RESET) {
		fatal_exit(vcpu, "system event %u", type);
		return;
	}
	info("guest requested %s",
	     type == KVM_SYSTEM_EVENT_RESET ? "reset" : "power off");
	vm_request_stop(vcpu->vm, FERRY_EXIT_OK);
}

/* Returns 0 to keep running, 1 when this vCPU is done. */
static int handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	/* Writes KVM queued before this exit happened before it. */
	coalesce_flush(vcpu->vm);
	vcpu->stats.exits++;
	vcpu->stats.reasons[MIN(run->exit_reason, VCPU_EXIT_REASONS - 1)]++;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vcpu);
		return 0;
	case KVM_EXIT_MMIO:
		handle_mmio(vcpu);
		return 0;
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		system_event(vcpu);
		return 1;
	case KVM_EXIT_SHUTDOWN:
		fatal_exit(vcpu, "the guest triple-faulted");
		return 1;
	case KVM_EXIT_FAIL_ENTRY:
		fatal_exit(vcpu, "VM entry failed (hardware reason 0x%llx)",
			   (unsigned long long)
				   run->fail_entry.hardware_entry_failure_reason);
		return 1;
	case KVM_EXIT_INTERNAL_ERROR:
		fatal_exit(vcpu, "KVM internal error %u", run->internal.suberror);
		return 1;
	case KVM_EXIT_HLT:
		fatal_exit(vcpu, "the guest halted with nothing to wake it");
		return 1;
	default:
		fatal_exit(vcpu, "unexpected KVM exit reason %u",
			   run->exit_reason);
		return 1;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t set;

	int efault_retry = 0;

	/* The main thread blocked the signals it waits on; we take kicks. */
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	/* From here on vcpu_kick() and vm_pause() reach this thread. */
	vcpu->tid = pthread_self();
	atomic_store(&vcpu->in_loop, 1);

	while (!atomic_load(&vm->stopping)) {
		int r;

		vm_run_enter(vm);
		r = ioctl(vcpu->fd, KVM_RUN, 0);
		vm_run_leave(vm);
		if (r < 0) {
			int e = errno;

			if (e == EINTR || e == EAGAIN) {
				vcpu->run->immediate_exit = 0;
				continue;
			}
			/* Once per fault: a second one in a row is real. */
			if (e == EFAULT && !efault_retry && vm->efault_recover &&
			    vm->efault_recover(vm->efault_ctx)) {
				warn_ratelimited("vCPU %u: a device mapping went "
						 "away; its BARs are trapped now",
						 vcpu->index);
				efault_retry = 1;
				continue;
			}
			err("vCPU %u: KVM_RUN failed: %s", vcpu->index,
			    strerror(e));
			arch_vcpu_dump(vcpu);
			vm_request_stop(vm, FERRY_EXIT_GUEST_CRASH);
			break;
		}
		efault_retry = 0;
		if (handle_exit(vcpu))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int ret = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);

	if (ret)
		return -ret;
	vcpu->thread_started = 1;
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->run)
		return;
	vcpu->run->immediate_exit = 1;
	/* A thread not yet in its loop checks vm->stopping and the pause
	 * before its first KVM_RUN. */
	if (atomic_load(&vcpu->in_loop))
		pthread_kill(vcpu->tid, VCPU_KICK_SIGNAL);
}

void vcpu_join(struct vcpu *vcpu)
{
	struct timespec t;

	if (!vcpu->thread_started)
		return;
	/*
	 * A kick can land just before a blocking call that is not KVM_RUN
	 * (a console write to a full pipe): kick again until it is gone.
	 */
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100 * 1000 * 1000;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(vcpu->thread, NULL, &t) == 0)
			break;
		vcpu_kick(vcpu);
	}
	vcpu->thread_started = 0;
	atomic_store(&vcpu->in_loop, 0);
}

/* KVM_GET_MP_STATE's state in words (the ones x86 and arm64 use). */
static const char *mp_state_name(uint32_t state)
{
	switch (state) {
	case KVM_MP_STATE_RUNNABLE:
		return "running";
	case KVM_MP_STATE_UNINITIALIZED:
		return "not started (waiting for INIT)";
	case KVM_MP_STATE_INIT_RECEIVED:
		return "waiting for a startup IPI";
	case KVM_MP_STATE_HALTED:
		return "halted (waiting for an interrupt)";
	case KVM_MP_STATE_SIPI_RECEIVED:
		return "starting";
	case KVM_MP_STATE_STOPPED:
		return "powered off";
	case KVM_MP_STATE_SUSPENDED:
		return "suspended (waiting for a wake-up event)";
	default:
		return "in an unknown state";
	}
}

void vcpu_report_stopped(struct vcpu *vcpu)
{
	struct kvm_mp_state mp;
	char where[128];
	int ret;

	if (vcpu->fd < 0 || log_max_level < LOG_INFO)
		return;
	if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) < 0) {
		info("vCPU %u when stopped: state unavailable: %s",
		     vcpu->index, strerror(errno));
		return;
	}
	ret = arch_vcpu_where(vcpu, where, sizeof(where));
	if (ret)
		snprintf(where, sizeof(where), "registers unavailable: %s",
			 strerror(-ret));
	info("vCPU %u when stopped: %s, %s", vcpu->index,
	     mp_state_name(mp.mp_state), where);
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->vm->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
