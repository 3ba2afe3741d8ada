/* SPDX-License-Identifier: MIT */
/* One vCPU: its KVM fd, its thread and its exit loop. */
#ifndef FERRY_VCPU_H
#define FERRY_VCPU_H

#include "vm.h"

/* Signal used to kick a vCPU thread out of KVM_RUN. */
#define VCPU_KICK_SIGNAL SIGUSR1

/*
 * KVM_CREATE_VCPU @index, map its kvm_run and run arch_vcpu_init().
 * Logs and returns -errno; vcpu_destroy() cleans up either way.
 */
int vcpu_create(struct vm *vm, struct vcpu *vcpu,
		unsigned int index) __must_check;

/*
 * Install the (empty) kick signal handler. Call once before any vCPU
 * thread starts; returns 0 or -errno.
 */
int vcpu_install_kick_handler(void) __must_check;

/* Start the vCPU's thread running its exit loop. 0 or -errno. */
int vcpu_start(struct vcpu *vcpu) __must_check;

/*
 * Make the vCPU leave KVM_RUN soon: sets immediate_exit and signals its
 * thread, so a kick that lands just before KVM_RUN is not lost.
 */
void vcpu_kick(struct vcpu *vcpu);

/*
 * Wait for the vCPU thread to end (after vm->stopping and a kick),
 * kicking it again every 100 ms: a kick can land just before a blocking
 * call that is not KVM_RUN.
 */
void vcpu_join(struct vcpu *vcpu);

/*
 * Log at info level where the vCPU stopped: KVM's run state (running,
 * halted, not started...) and arch_vcpu_where(). For a guest stopped
 * from outside (a signal): a hung test kernel says where it hung. The
 * thread must have ended (vcpu_join).
 */
void vcpu_report_stopped(struct vcpu *vcpu);

/* Unmap kvm_run and close the fd. The thread must have ended. */
void vcpu_destroy(struct vcpu *vcpu);

#endif
