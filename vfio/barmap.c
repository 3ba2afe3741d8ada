// SPDX-License-Identifier: MIT
/* The mapping state machine of one BAR (see barmap.h). */
#include <errno.h>
#include "barmap.h"

int barmap_init(struct barmap *bm, const struct barmap_ops *ops, void *ctx)
{
	memset(bm, 0, sizeof(*bm));
	bm->ops = ops;
	bm->ctx = ctx;
	bm->state = BARMAP_OFF;
	return -pthread_mutex_init(&bm->lock, NULL);
}

void barmap_destroy(struct barmap *bm)
{
	barmap_off(bm);
	pthread_mutex_destroy(&bm->lock);
}

int barmap_add_piece(struct barmap *bm, uint64_t off, uint64_t len, void *hva)
{
	if (!len || !hva)
		return -EINVAL;
	if (bm->nr_pieces == BARMAP_MAX_PIECES)
		return -ENOSPC;
	bm->pieces[bm->nr_pieces].off = off;
	bm->pieces[bm->nr_pieces].len = len;
	bm->pieces[bm->nr_pieces].hva = hva;
	bm->nr_pieces++;
	return 0;
}

/*
 * Take every installed slot away and enter @state; a mapping that was
 * live counts as a revocation. Called with bm->lock held.
 */
static void unmap(struct barmap *bm, enum barmap_state state)
{
	if (bm->state == BARMAP_MAPPED)
		bm->stats.revokes++;
	while (bm->nr_slots)
		bm->ops->remove(bm->ctx, bm->slots[--bm->nr_slots]);
	bm->state = state;
}

void barmap_arm(struct barmap *bm, uint64_t gpa)
{
	pthread_mutex_lock(&bm->lock);
	unmap(bm, BARMAP_ARMED);
	bm->gpa = gpa;
	pthread_mutex_unlock(&bm->lock);
}

void barmap_off(struct barmap *bm)
{
	pthread_mutex_lock(&bm->lock);
	unmap(bm, BARMAP_OFF);
	pthread_mutex_unlock(&bm->lock);
}

void barmap_revoke(struct barmap *bm)
{
	pthread_mutex_lock(&bm->lock);
	if (bm->state != BARMAP_OFF)
		unmap(bm, BARMAP_ARMED);
	pthread_mutex_unlock(&bm->lock);
}

int barmap_trap(struct barmap *bm)
{
	int had;

	pthread_mutex_lock(&bm->lock);
	had = bm->state == BARMAP_MAPPED;
	if (had)
		unmap(bm, BARMAP_TRAPPED);
	pthread_mutex_unlock(&bm->lock);
	return had;
}

int barmap_was_mapped(struct barmap *bm)
{
	int was;

	pthread_mutex_lock(&bm->lock);
	was = bm->stats.installs > 0;
	pthread_mutex_unlock(&bm->lock);
	return was;
}

void barmap_clear_pieces(struct barmap *bm)
{
	pthread_mutex_lock(&bm->lock);
	bm->nr_pieces = 0;
	pthread_mutex_unlock(&bm->lock);
}

int barmap_fault(struct barmap *bm)
{
	unsigned int i;
	int installed = 0;

	bm->stats.faults++;
	pthread_mutex_lock(&bm->lock);
	if (bm->state != BARMAP_ARMED || !bm->nr_pieces)
		goto out;
	if (bm->ops->pause)
		bm->ops->pause(bm->ctx);
	for (i = 0; i < bm->nr_pieces; i++) {
		int slot = bm->ops->install(bm->ctx,
					    bm->gpa + bm->pieces[i].off,
					    bm->pieces[i].len,
					    bm->pieces[i].hva);

		if (slot < 0) {
			/* Never half-mapped: back to trapping all of it. */
			unmap(bm, BARMAP_TRAPPED);
			bm->stats.failures++;
			goto resume;
		}
		bm->slots[bm->nr_slots++] = slot;
	}
	bm->state = BARMAP_MAPPED;
	bm->stats.installs++;
	installed = 1;
resume:
	if (bm->ops->resume)
		bm->ops->resume(bm->ctx);
out:
	pthread_mutex_unlock(&bm->lock);
	return installed;
}

enum barmap_state barmap_state(struct barmap *bm)
{
	enum barmap_state s;

	pthread_mutex_lock(&bm->lock);
	s = bm->state;
	pthread_mutex_unlock(&bm->lock);
	return s;
}
