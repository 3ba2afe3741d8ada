// SPDX-License-Identifier: MIT
/*
 * vm_pause(): while a pause is in force no thread is between
 * vm_run_enter() and vm_run_leave() (where a vCPU thread calls KVM_RUN),
 * and threads that want in wait for vm_resume(). Runner threads stand in
 * for vCPUs; with no vCPUs to kick they leave "KVM_RUN" by themselves.
 */
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "../../vmm/vcpu.h"
#include "../../vmm/vm.h"
#include "test.h"

#define RUNNERS 4
#define PAUSES 300

static struct vm vm;
static atomic_int inside, stop, entries;

static void *runner(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int spin;

		vm_run_enter(&vm);
		inside++;
		entries++;
		for (spin = 0; spin < 200; spin++)
			atomic_signal_fence(memory_order_seq_cst);
		inside--;
		vm_run_leave(&vm);
	}
	return NULL;
}

static void *pauser(void *arg)
{
	int i, *bad = arg;

	for (i = 0; i < PAUSES; i++) {
		vm_pause(&vm);
		*bad += inside != 0;
		sched_yield();
		*bad += inside != 0;
		vm_resume(&vm);
		sched_yield();
	}
	return NULL;
}

/*
 * A vCPU thread as vcpu_thread() runs it: it says it is in its loop
 * (tid, in_loop), then "KVM_RUN" stays in until a kick sets
 * immediate_exit, as KVM does with a vCPU that never exits by itself.
 */
static atomic_int fake_stop;

static void *fake_vcpu(void *arg)
{
	struct vcpu *v = arg;

	v->tid = pthread_self();
	atomic_store(&v->in_loop, 1);
	while (!atomic_load(&fake_stop)) {
		vm_run_enter(&vm);
		while (!__atomic_load_n(&v->run->immediate_exit, __ATOMIC_SEQ_CST))
			sched_yield();
		v->run->immediate_exit = 0;
		vm_run_leave(&vm);
	}
	return NULL;
}

static void on_kick(int sig)
{
	(void)sig;
}

static atomic_int pauser_stop;

static void *pause_loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&pauser_stop)) {
		vm_pause(&vm);
		vm_resume(&vm);
	}
	return NULL;
}

/*
 * A vCPU thread starting while another thread pauses the VM (a BAR
 * fault on a vCPU that started first): the pause must not miss it, or
 * the new thread stays in KVM_RUN and the pause waits for ever. The
 * creator is slow to note the thread it made (as a busy host can make
 * it), which is what vm_pause() once relied on. A watchdog alarm turns a
 * hang into a failure.
 */
static int pause_while_starting(void)
{
	static struct kvm_run run;
	static struct vcpu v;
	pthread_t pauser;
	int i, waited, ok = 1;

	signal(VCPU_KICK_SIGNAL, on_kick);
	v.vm = &vm;
	v.run = &run;
	vm.vcpus = &v;
	vm.nr_vcpus = 1;
	alarm(120); /* a safety net: a stuck pause is caught above */
	if (pthread_create(&pauser, NULL, pause_loop, NULL))
		return 0;
	for (i = 0; i < 50 && ok; i++) {
		uint64_t before;

		atomic_store(&fake_stop, 0);
		if (pthread_create(&v.thread, NULL, fake_vcpu, &v))
			return 0;
		usleep(2000);
		v.thread_started = 1;
		/* Pauses go on: none is stuck waiting for the new thread. */
		pthread_mutex_lock(&vm.pause_lock);
		before = vm.pauses;
		pthread_mutex_unlock(&vm.pause_lock);
		/* Up to 3 s (a loaded machine is slow, a stuck pause never
		 * moves): a pause that missed the thread waits for ever. */
		for (waited = 0, ok = 0; !ok && waited < 3000; waited++) {
			usleep(1000);
			pthread_mutex_lock(&vm.pause_lock);
			ok = vm.pauses > before + 1;
			pthread_mutex_unlock(&vm.pause_lock);
		}
		atomic_store(&fake_stop, 1);
		vcpu_kick(&v); /* as vm_stop_vcpus() does */
		pthread_join(v.thread, NULL);
		v.thread_started = 0;
		atomic_store(&v.in_loop, 0);
	}
	atomic_store(&pauser_stop, 1);
	vcpu_kick(&v);
	pthread_join(pauser, NULL);
	alarm(0);
	vm.vcpus = NULL;
	vm.nr_vcpus = 0;
	return ok;
}

int main(void)
{
	pthread_t r[RUNNERS], p[2];
	int i, bad[2] = { 0, 0 }, before;

	pthread_mutex_init(&vm.pause_lock, NULL);
	pthread_cond_init(&vm.pause_cond, NULL);

	vm_pause(&vm);
	CHECK_MSG(vm.running == 0, "a pause with nothing running returns");
	vm_resume(&vm);

	for (i = 0; i < RUNNERS; i++)
		pthread_create(&r[i], NULL, runner, NULL);
	/* Two pausers at once: they take turns. */
	for (i = 0; i < 2; i++)
		pthread_create(&p[i], NULL, pauser, &bad[i]);
	for (i = 0; i < 2; i++)
		pthread_join(p[i], NULL);
	CHECK_MSG(bad[0] + bad[1] == 0, "no runner inside during 600 pauses "
		  "by two threads at once");

	vm_pause(&vm);
	before = entries;
	for (i = 0; i < 1000; i++)
		sched_yield();
	CHECK_MSG(entries == before && inside == 0,
		  "runners wait while paused");
	vm_resume(&vm);
	for (i = 0; i < 100000 && entries == before; i++)
		sched_yield();
	CHECK_MSG(entries > before, "and run again after the resume");

	atomic_store(&stop, 1);
	for (i = 0; i < RUNNERS; i++)
		pthread_join(r[i], NULL);
	CHECK(vm.running == 0 && vm.paused == 0);
	CHECK_MSG(vm.pauses == 2 + 2 * PAUSES, "every pause counted (--stats)");
	CHECK_MSG(pause_while_starting(),
		  "50 vCPU threads starting under a pause loop: none missed");
	return test_done();
}
