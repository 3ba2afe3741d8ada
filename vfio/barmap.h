/* SPDX-License-Identifier: MIT */
/*
 * The mapping state machine of one BAR, kept apart from VFIO and KVM so
 * its rules are unit-tested with fakes:
 *
 *   OFF --arm(gpa)--> ARMED --fault--> MAPPED      (all pieces installed)
 *                        \--fault, a piece fails--> TRAPPED (none left)
 *   ARMED/MAPPED/TRAPPED --revoke--> ARMED   (reset: map again lazily)
 *   MAPPED --trap--> TRAPPED                 (backing lost: KVM -EFAULT)
 *   any --off--> OFF                         (decode off, BAR moved)
 *
 * Faults from several vCPUs at once install the BAR exactly once: the
 * first takes the lock and installs, the others find it MAPPED. A BAR is
 * never left half-mapped. Installation happens with the guest paused
 * (ops->pause): an access KVM began emulating as MMIO must not complete
 * through the slot that appears under it.
 */
#ifndef FERRY_BARMAP_H
#define FERRY_BARMAP_H

#include <pthread.h>
#include <stdint.h>
#include "../vmm/util.h"

#define BARMAP_MAX_PIECES 8

struct barmap_ops {
	/* Make [gpa, gpa + len) guest memory backed by @hva: a slot id >= 0,
	 * or -errno. */
	int (*install)(void *ctx, uint64_t gpa, uint64_t len, void *hva);
	/* Undo one install(); cannot fail. */
	void (*remove)(void *ctx, int slot);
	/*
	 * Optional, around the install()s of one fault: stop every access to
	 * the guest in flight and let them go again (vm_pause/vm_resume), so
	 * none that began while the BAR trapped ends on the new mapping.
	 */
	void (*pause)(void *ctx);
	void (*resume)(void *ctx);
};

enum barmap_state { BARMAP_OFF, BARMAP_ARMED, BARMAP_MAPPED, BARMAP_TRAPPED };

struct barmap_stats {
	_Atomic uint64_t faults; /* trapped accesses that asked to map */
	/* The rest change under barmap.lock only. */
	uint64_t installs;	 /* times the whole BAR was installed */
	uint64_t revokes;	 /* installed mappings taken away */
	uint64_t failures;	 /* installs that fell back to trapping */
};

struct barmap {
	pthread_mutex_t lock;
	const struct barmap_ops *ops;
	void *ctx;
	struct {
		uint64_t off, len;
		void *hva;
	} pieces[BARMAP_MAX_PIECES];
	unsigned int nr_pieces;
	enum barmap_state state;
	uint64_t gpa;
	int slots[BARMAP_MAX_PIECES];
	unsigned int nr_slots;
	struct barmap_stats stats;
};

/* An OFF map with no pieces. 0 or -errno. */
int barmap_init(struct barmap *bm, const struct barmap_ops *ops,
		void *ctx) __must_check;
void barmap_destroy(struct barmap *bm);

/* Add a mmapped piece at BAR offset @off (setup time, before arm). */
int barmap_add_piece(struct barmap *bm, uint64_t off, uint64_t len,
		     void *hva) __must_check;

/* The BAR decodes at @gpa: the next fault maps it. */
void barmap_arm(struct barmap *bm, uint64_t gpa);

/* The BAR stops decoding: take every mapping away. */
void barmap_off(struct barmap *bm);

/* Take the mappings away but keep decoding (device reset). */
void barmap_revoke(struct barmap *bm);

/*
 * The mappings' backing is gone (the kernel revoked the mmap): take them
 * away and serve every access by trapping until the next arm. Returns 1
 * if anything was mapped.
 */
int barmap_trap(struct barmap *bm);

/* Were this BAR's pieces ever installed as memory slots? */
int barmap_was_mapped(struct barmap *bm);

/*
 * Forget every piece (setup time, before arm): the BAR is then served by
 * trapping only.
 */
void barmap_clear_pieces(struct barmap *bm);

/*
 * A trapped access hit the BAR. If it is ARMED, install every piece (all
 * or nothing). The caller completes the access itself either way.
 * Returns 1 if this call installed the BAR, 0 otherwise.
 */
int barmap_fault(struct barmap *bm);

enum barmap_state barmap_state(struct barmap *bm);

#endif
