// SPDX-License-Identifier: MIT
/* BAR mapping state machine: lazy faults, races, injected failures. */
#include <errno.h>
#include <stdatomic.h>
#include "../../vfio/barmap.h"
#include "test.h"

struct fake {
	atomic_int installs, removes, live;
	int fail_on; /* the install number (1-based) that fails, 0: none */
	atomic_int calls;
	uint64_t gpas[16];
	atomic_int paused, pauses, unpaused_installs;
};

static int f_install(void *ctx, uint64_t gpa, uint64_t len, void *hva)
{
	struct fake *f = ctx;
	int n = atomic_fetch_add(&f->calls, 1) + 1;

	(void)len;
	(void)hva;
	if (!f->paused)
		f->unpaused_installs++;
	if (n == f->fail_on)
		return -EEXIST;
	f->gpas[n % 16] = gpa;
	f->installs++;
	f->live++;
	return n;
}

static void f_remove(void *ctx, int slot)
{
	struct fake *f = ctx;

	(void)slot;
	f->removes++;
	f->live--;
}

static void f_pause(void *ctx)
{
	struct fake *f = ctx;

	f->paused++;
	f->pauses++;
}

static void f_resume(void *ctx)
{
	struct fake *f = ctx;

	f->paused--;
}

static const struct barmap_ops ops = { f_install, f_remove, f_pause,
				       f_resume };
static char page[3][4096];

static struct barmap bm;
static atomic_int go;
static atomic_int installed_by_threads;

static void *racer(void *arg)
{
	(void)arg;
	while (!atomic_load(&go))
		;
	if (barmap_fault(&bm))
		installed_by_threads++;
	return NULL;
}

int main(void)
{
	struct fake f = { 0 };
	pthread_t t[8];
	int i, round, ok = 1;

	CHECK(barmap_init(&bm, &ops, &f) == 0);
	CHECK(barmap_add_piece(&bm, 0, 4096, page[0]) == 0);
	CHECK(barmap_add_piece(&bm, 0x2000, 4096, page[1]) == 0);
	CHECK(barmap_add_piece(&bm, 0x3000, 0, page[2]) == -EINVAL);

	CHECK_MSG(barmap_fault(&bm) == 0 && f.installs == 0,
		  "a fault on a BAR that does not decode installs nothing");
	barmap_arm(&bm, 0xc0000000);
	CHECK_MSG(f.installs == 0, "arming installs nothing (lazy)");
	CHECK(barmap_fault(&bm) == 1);
	CHECK_MSG(f.installs == 2 && f.live == 2 && barmap_state(&bm) ==
						       BARMAP_MAPPED,
		  "the first fault installs every piece");
	CHECK(f.gpas[1] == 0xc0000000 && f.gpas[2] == 0xc0002000);
	CHECK_MSG(barmap_fault(&bm) == 0 && f.installs == 2,
		  "a later fault installs nothing more");
	CHECK_MSG(f.pauses == 1 && f.paused == 0 && f.unpaused_installs == 0,
		  "the guest is paused once around an installation, never "
		  "for a fault that installs nothing");

	barmap_off(&bm);
	CHECK_MSG(f.live == 0 && barmap_state(&bm) == BARMAP_OFF,
		  "decode off removes every slot");
	CHECK(bm.stats.revokes == 1);

	/* Partial failure: the second piece fails. */
	f.fail_on = f.calls + 2;
	barmap_arm(&bm, 0xd0000000);
	CHECK(barmap_fault(&bm) == 0);
	CHECK_MSG(f.live == 0 && barmap_state(&bm) == BARMAP_TRAPPED,
		  "a failing second piece leaves nothing mapped: trapped");
	CHECK(bm.stats.failures == 1);
	CHECK_MSG(f.paused == 0, "a failed installation resumes the guest");
	CHECK_MSG(barmap_fault(&bm) == 0 && f.live == 0,
		  "a trapped BAR does not retry on every access");
	f.fail_on = 0;
	barmap_arm(&bm, 0xd0000000);
	CHECK_MSG(barmap_fault(&bm) == 1 && f.live == 2,
		  "re-arming (re-enable or move) retries the mapping");

	CHECK_MSG(barmap_trap(&bm) == 1 && f.live == 0 &&
			  barmap_state(&bm) == BARMAP_TRAPPED,
		  "a lost backing demotes the BAR to trapping");
	CHECK_MSG(barmap_fault(&bm) == 0 && f.live == 0,
		  "and faults do not map it again");
	CHECK_MSG(barmap_trap(&bm) == 0, "demoting twice removes nothing");
	barmap_arm(&bm, 0xd0000000);
	CHECK(barmap_fault(&bm) == 1 && f.live == 2);

	barmap_revoke(&bm);
	CHECK_MSG(f.live == 0 && barmap_state(&bm) == BARMAP_ARMED,
		  "revoke (reset) keeps decoding and maps again lazily");
	CHECK(barmap_fault(&bm) == 1 && f.live == 2);

	/* Eight threads fault at once, 200 times: one install per round. */
	for (round = 0; round < 200; round++) {
		int before = f.installs;

		barmap_arm(&bm, 0xc0000000);
		atomic_store(&go, 0);
		installed_by_threads = 0;
		for (i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, racer, NULL);
		atomic_store(&go, 1);
		for (i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
		ok &= installed_by_threads == 1 && f.installs == before + 2 &&
		      f.live == 2;
	}
	CHECK_MSG(ok, "concurrent faults install exactly once, 200 rounds");
	CHECK_MSG(f.unpaused_installs == 0 && f.paused == 0,
		  "every installation ran with the guest paused");
	CHECK(bm.stats.installs == 4 + 200);
	barmap_destroy(&bm);
	CHECK_MSG(f.live == 0, "destroy removes what is left");
	return test_done();
}
