// SPDX-License-Identifier: MIT
/*
 * vm_pause(): while a pause is in force no thread is between
 * vm_run_enter() and vm_run_leave() (where a vCPU thread calls KVM_RUN),
 * and threads that want in wait for vm_resume(). Runner threads stand in
 * for vCPUs; with no vCPUs to kick they leave "KVM_RUN" by themselves.
 */
#include <sched.h>
#include <stdatomic.h>
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
	return test_done();
}
