// SPDX-License-Identifier: MIT
/* Exit census for --stats: exits per port and per MMIO page. */
#include <stdlib.h>
#include "census.h"

struct census *census_new(void)
{
	struct census *c = calloc(1, sizeof(*c));

	if (c && pthread_mutex_init(&c->lock, NULL)) {
		free(c);
		return NULL;
	}
	return c;
}

void census_free(struct census *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void census_pio(struct census *c, uint16_t port)
{
	atomic_fetch_add_explicit(&c->pio[port], 1, memory_order_relaxed);
}

void census_mmio(struct census *c, uint64_t gpa)
{
	uint64_t page = gpa & ~0xfffULL;
	unsigned int i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->nr_mmio; i++)
		if (c->mmio[i].key == page)
			break;
	if (i < c->nr_mmio)
		c->mmio[i].count++;
	else if (c->nr_mmio < CENSUS_MMIO_SLOTS)
		c->mmio[c->nr_mmio++] = (struct census_entry){ page, 1 };
	else
		c->mmio_other++;
	pthread_mutex_unlock(&c->lock);
}

/* Keep @out (n of max entries, sorted by count, most first) the top. */
static void insert(struct census_entry *out, unsigned int *n,
		   unsigned int max, uint64_t key, uint64_t count)
{
	unsigned int i;

	if (!count || (*n == max && out[max - 1].count >= count))
		return;
	i = *n < max ? (*n)++ : max - 1;
	while (i > 0 && out[i - 1].count < count) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = (struct census_entry){ key, count };
}

unsigned int census_top(const struct census *c, int mmio,
			struct census_entry *out, unsigned int max)
{
	unsigned int i, n = 0;

	if (!max)
		return 0;
	if (mmio) {
		for (i = 0; i < c->nr_mmio; i++)
			insert(out, &n, max, c->mmio[i].key, c->mmio[i].count);
	} else {
		for (i = 0; i < 65536; i++)
			insert(out, &n, max, i, atomic_load_explicit(
				&c->pio[i], memory_order_relaxed));
	}
	return n;
}
