// SPDX-License-Identifier: MIT
/*
 * The DMA-mapping layer (dma.h): domains of IOVA mappings kept in an AVL
 * tree, listeners that mirror or pin them, and the unmap notification.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "dma.h"
#include "mem.h"

/* A mapping in a domain's tree; map.iova is the key, never overlapping. */
struct mapping {
	struct dma_map map;
	uint64_t last;		/* map.iova + map.len - 1 */
	uint32_t mirrors;	/* bit i: listeners[i] holds a mirror */
	unsigned int nr_pins;
	struct dma_pin *pins;
	int unmapping;		/* an unmap request is removing it */
	struct mapping *left, *right;
	int height;
};

/* --- the tree ------------------------------------------------------------
 * Mappings never overlap, so ordering by IOVA also orders them by their
 * last address: a search on either works.
 */

static int height(const struct mapping *n)
{
	return n ? n->height : 0;
}

static void update(struct mapping *n)
{
	n->height = 1 + MAX(height(n->left), height(n->right));
}

static struct mapping *rotate_right(struct mapping *n)
{
	struct mapping *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct mapping *rotate_left(struct mapping *n)
{
	struct mapping *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

static struct mapping *balance(struct mapping *n)
{
	int bf;

	update(n);
	bf = height(n->left) - height(n->right);
	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct mapping *tree_insert(struct mapping *root, struct mapping *n)
{
	if (!root) {
		n->left = n->right = NULL;
		n->height = 1;
		return n;
	}
	if (n->map.iova < root->map.iova)
		root->left = tree_insert(root->left, n);
	else
		root->right = tree_insert(root->right, n);
	return balance(root);
}

static struct mapping *take_min(struct mapping *root, struct mapping **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = take_min(root->left, min);
	return balance(root);
}

static struct mapping *tree_erase(struct mapping *root, struct mapping *n)
{
	struct mapping *min;

	if (!root)
		return NULL;
	if (n->map.iova < root->map.iova) {
		root->left = tree_erase(root->left, n);
	} else if (n->map.iova > root->map.iova) {
		root->right = tree_erase(root->right, n);
	} else {
		if (!root->right)
			return root->left;
		root->right = take_min(root->right, &min);
		min->left = root->left;
		min->right = root->right;
		return balance(min);
	}
	return balance(root);
}

/* The first mapping (lowest IOVA) whose last address is >= @addr. */
static struct mapping *first_from(struct mapping *n, uint64_t addr)
{
	struct mapping *best = NULL;

	while (n) {
		if (n->last >= addr) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/* The mapping after @m, or NULL. */
static struct mapping *next_of(struct dma_domain *d, const struct mapping *m)
{
	return m->last == UINT64_MAX ? NULL : first_from(d->root, m->last + 1);
}

/* The first mapping overlapping [iova, last], or NULL. */
static struct mapping *first_in(struct dma_domain *d, uint64_t iova,
				uint64_t last)
{
	struct mapping *m = first_from(d->root, iova);

	return m && m->map.iova <= last ? m : NULL;
}

#define for_each_in(d, m, iova, last)                                          \
	for (m = first_in(d, iova, last); m && m->map.iova <= (last);          \
	     m = next_of(d, m))

/* --- domains ------------------------------------------------------------ */

int dma_domain_create(struct dma_domain **out, const struct guest_mem *mem,
		      const char *name)
{
	struct dma_domain *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;
	int ret;

	if (!d)
		return -ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->mem = mem;
	d->max_mappings = DMA_MAX_MAPPINGS;
	d->retries = DMA_UNMAP_RETRIES;
	d->wait_ns = DMA_UNMAP_WAIT_NS;
	ret = -pthread_mutex_init(&d->lock, NULL);
	if (ret)
		goto err_free;
	/* Waits are bounded in time: a monotonic clock, whatever the date. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	ret = -pthread_cond_init(&d->released, &ca);
	pthread_condattr_destroy(&ca);
	if (ret)
		goto err_lock;
	*out = d;
	return 0;

err_lock:
	pthread_mutex_destroy(&d->lock);
err_free:
	free(d);
	return ret;
}

/* Remove @m's mirrors; the mask keeps those that failed. Lock held. */
static int unmirror(struct dma_domain *d, struct mapping *m)
{
	unsigned int i;
	int ret = 0, r;

	for (i = 0; i < DMA_MAX_LISTENERS; i++) {
		struct dma_listener *l = d->listeners[i];

		if (!(m->mirrors & (1u << i)))
			continue;
		r = l && l->ops->unmap ? l->ops->unmap(l, &m->map) : 0;
		if (r) {
			if (log_ratelimit_ok_level(&d->rl, LOG_ERR, d->name))
				err("dma: %s: listener '%s' cannot unmap "
				    "0x%llx-0x%llx: %s; it stays mapped", d->name,
				    l->name, (unsigned long long)m->map.iova,
				    (unsigned long long)m->last, strerror(-r));
			if (!ret)
				ret = r;
			continue;
		}
		m->mirrors &= ~(1u << i);
	}
	return ret;
}

int dma_map(struct dma_domain *d, uint64_t iova, uint64_t len, uint64_t gpa,
	    int prot)
{
	struct mapping *m;
	uint64_t last;
	unsigned int i;
	void *hva;
	int ret;

	if (!len || __builtin_add_overflow(iova, len - 1, &last) || !prot ||
	    (prot & ~(DMA_READ | DMA_WRITE)))
		return -EINVAL;
	hva = mem_gpa_to_hva(d->mem, gpa, len);
	if (!hva)
		return -EFAULT;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->map = (struct dma_map){ iova, len, gpa, hva, prot };
	m->last = last;
	pthread_mutex_lock(&d->lock);
	if (first_in(d, iova, last)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	if (d->nr_mappings >= d->max_mappings) {
		ret = -ENOSPC;
		goto err_unlock;
	}
	for (i = 0; i < DMA_MAX_LISTENERS; i++) {
		struct dma_listener *l = d->listeners[i];

		if (!l || !l->ops->map)
			continue;
		ret = l->ops->map(l, &m->map);
		if (ret)
			goto err_unmirror;
		m->mirrors |= 1u << i;
	}
	d->root = tree_insert(d->root, m);
	d->nr_mappings++;
	d->stats.maps++;
	pthread_mutex_unlock(&d->lock);
	return 0;

err_unmirror:
	/*
	 * Nothing may stay half-mapped: the others give theirs back. One
	 * that cannot keeps it, and so does the domain (fail closed: a
	 * later unmap of the range tries again), though the map failed.
	 */
	if (unmirror(d, m)) {
		d->root = tree_insert(d->root, m);
		d->nr_mappings++;
		m = NULL;
	}
err_unlock:
	d->stats.map_failures++;
	pthread_mutex_unlock(&d->lock);
	free(m);
	return ret;
}

/* Pins in [iova, last] now, and the mask of listeners holding them. */
static unsigned int pins_in(struct dma_domain *d, uint64_t iova, uint64_t last,
			    uint32_t *holders)
{
	struct dma_pin *p;
	struct mapping *m;
	unsigned int n = 0;

	*holders = 0;
	for_each_in(d, m, iova, last)
		for (p = m->pins; p; p = p->next, n++)
			*holders |= 1u << p->l->slot;
	return n;
}

static void set_unmapping(struct dma_domain *d, uint64_t iova, uint64_t last,
			  int on)
{
	struct mapping *m;

	for_each_in(d, m, iova, last)
		m->unmapping = on;
}

/* An absolute CLOCK_MONOTONIC time @ns from now. */
static struct timespec deadline(uint64_t ns)
{
	struct timespec t;
	uint64_t nsec;

	clock_gettime(CLOCK_MONOTONIC, &t);
	nsec = (uint64_t)t.tv_nsec + ns;
	t.tv_sec += (time_t)(nsec / 1000000000ULL);
	t.tv_nsec = (long)(nsec % 1000000000ULL);
	return t;
}

/*
 * Wait, with bounded retries, until no pin is left in [iova, last]. 0, or
 * -EBUSY with the mask of listeners still holding pins. Lock held.
 */
static int wait_released(struct dma_domain *d, uint64_t iova, uint64_t last,
			 uint32_t *stuck, unsigned int *nr)
{
	unsigned int tries;
	struct timespec t;

	for (tries = 0;; tries++) {
		*nr = pins_in(d, iova, last, stuck);
		if (!*nr)
			return 0;
		if (tries == d->retries)
			return -EBUSY;
		d->stats.retries++;
		t = deadline(d->wait_ns);
		pthread_cond_timedwait(&d->released, &d->lock, &t);
	}
}

/* One log line naming every listener of @stuck and what it holds. */
static void say_stuck(struct dma_domain *d, uint64_t iova, uint64_t last,
		      uint32_t stuck, unsigned int nr)
{
	char names[256];
	size_t n = 0;
	unsigned int i;

	names[0] = '\0';
	for (i = 0; i < DMA_MAX_LISTENERS && n < sizeof(names); i++) {
		struct dma_listener *l = d->listeners[i];

		if (!(stuck & (1u << i)) || !l)
			continue;
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s'%s'",
				      n ? ", " : "", l->name);
	}
	if (log_ratelimit_ok_level(&d->rl, LOG_ERR, d->name))
		err("dma: %s: unmap of 0x%llx-0x%llx refused: listener %s did "
		    "not release %u pin%s after %u retries; the range stays "
		    "mapped and pinned", d->name, (unsigned long long)iova,
		    (unsigned long long)last, names, nr, nr == 1 ? "" : "s",
		    d->retries);
}

int dma_unmap(struct dma_domain *d, uint64_t iova, uint64_t last,
	      uint64_t *unmapped)
{
	struct mapping *m, *next;
	uint64_t bytes = 0;
	uint32_t holders;
	unsigned int i, nr;
	int ret = 0, r;

	if (unmapped)
		*unmapped = 0;
	if (last < iova)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	/* The whole request is checked before anyone is told. */
	for_each_in(d, m, iova, last) {
		if (m->map.iova < iova || m->last > last) {
			d->stats.unmap_refused++;
			ret = -ERANGE;
			goto out;
		}
		if (m->unmapping) {
			ret = -EBUSY;
			goto out;
		}
	}
	set_unmapping(d, iova, last, 1);
	/* Once per request, to each holder, before anything goes. */
	if (pins_in(d, iova, last, &holders)) {
		/* Listeners cannot detach while this runs unlocked. */
		d->notifying++;
		for (i = 0; i < DMA_MAX_LISTENERS; i++)
			if ((holders & (1u << i)) &&
			    d->listeners[i]->ops->invalidate)
				d->stats.notifications++;
		pthread_mutex_unlock(&d->lock);
		for (i = 0; i < DMA_MAX_LISTENERS; i++) {
			struct dma_listener *l = d->listeners[i];

			if ((holders & (1u << i)) && l->ops->invalidate)
				l->ops->invalidate(l, iova, last);
		}
		pthread_mutex_lock(&d->lock);
		d->notifying--;
		pthread_cond_broadcast(&d->released);
	}
	ret = wait_released(d, iova, last, &holders, &nr);
	if (ret) {
		/* Fail closed: nothing someone holds is taken away. */
		set_unmapping(d, iova, last, 0);
		d->stats.unmap_stuck++;
		say_stuck(d, iova, last, holders, nr);
		goto out;
	}
	for (m = first_in(d, iova, last); m && m->map.iova <= last; m = next) {
		next = next_of(d, m);
		r = unmirror(d, m);
		if (r) {
			m->unmapping = 0;
			if (!ret)
				ret = -EIO;
			continue;
		}
		bytes += m->map.len;
		d->root = tree_erase(d->root, m);
		d->nr_mappings--;
		free(m);
	}
	if (!ret)
		d->stats.unmaps++;
out:
	pthread_mutex_unlock(&d->lock);
	if (unmapped)
		*unmapped = bytes;
	return ret;
}

int dma_domain_destroy(struct dma_domain *d)
{
	unsigned int i;
	int ret;

	if (!d)
		return 0;
	ret = dma_unmap(d, 0, UINT64_MAX, NULL);
	if (ret)
		return -EBUSY; /* logged; everything stays as it was */
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < DMA_MAX_LISTENERS; i++)
		if (d->listeners[i]) {
			d->listeners[i]->domain = NULL;
			d->listeners[i] = NULL;
		}
	pthread_mutex_unlock(&d->lock);
	pthread_cond_destroy(&d->released);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return 0;
}

/* --- listeners ---------------------------------------------------------- */

/* Mirror every mapping in @l (slot @i); undo all on failure. Lock held. */
static int replay(struct dma_domain *d, struct dma_listener *l, unsigned int i)
{
	struct mapping *m, *n;
	int ret;

	if (!l->ops->map)
		return 0;
	for (m = first_from(d->root, 0); m; m = next_of(d, m)) {
		ret = l->ops->map(l, &m->map);
		if (ret)
			goto err_undo;
		m->mirrors |= 1u << i;
	}
	return 0;

err_undo:
	for (n = first_from(d->root, 0); n != m; n = next_of(d, n))
		if (!l->ops->unmap || l->ops->unmap(l, &n->map) == 0)
			n->mirrors &= ~(1u << i);
	return ret;
}

int dma_listener_attach(struct dma_domain *d, struct dma_listener *l)
{
	unsigned int i;
	int ret;

	if (l->domain)
		return -EBUSY;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < DMA_MAX_LISTENERS && d->listeners[i]; i++)
		;
	if (i == DMA_MAX_LISTENERS) {
		ret = -ENOSPC;
		goto out;
	}
	ret = replay(d, l, i);
	if (ret)
		goto out;
	l->slot = (int)i;
	l->pins = 0;
	l->domain = d;
	d->listeners[i] = l;
out:
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int dma_listener_detach(struct dma_listener *l)
{
	struct dma_domain *d = l->domain;
	uint32_t bit;
	struct mapping *m;
	int ret = 0, r;

	if (!d)
		return 0;
	bit = 1u << l->slot;
	pthread_mutex_lock(&d->lock);
	/* An unmap may be calling this listener right now. */
	while (d->notifying)
		pthread_cond_wait(&d->released, &d->lock);
	if (l->pins) {
		ret = -EBUSY;
		goto out;
	}
	for (m = first_from(d->root, 0); m; m = next_of(d, m)) {
		if (!(m->mirrors & bit))
			continue;
		r = l->ops->unmap ? l->ops->unmap(l, &m->map) : 0;
		if (r && !ret) {
			err("dma: %s: listener '%s' cannot unmap 0x%llx-0x%llx "
			    "while detaching: %s", d->name, l->name,
			    (unsigned long long)m->map.iova,
			    (unsigned long long)m->last, strerror(-r));
			ret = r;
		}
		m->mirrors &= ~bit;
	}
	d->listeners[l->slot] = NULL;
	l->domain = NULL;
out:
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* --- pins ---------------------------------------------------------------- */

int dma_pin(struct dma_listener *l, uint64_t iova, uint64_t len, int prot,
	    struct dma_pin *pin)
{
	struct dma_domain *d = l->domain;
	struct mapping *m;
	uint64_t last;
	int ret = 0;

	if (!d || !len || __builtin_add_overflow(iova, len - 1, &last))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	m = first_in(d, iova, iova);
	if (!m || m->map.iova > iova || m->last < last ||
	    (prot & ~m->map.prot)) {
		ret = -EFAULT;
		goto out;
	}
	if (m->unmapping) {
		ret = -EBUSY;
		goto out;
	}
	*pin = (struct dma_pin){
		.l = l, .iova = iova, .len = len, .mapping = m,
		.hva = (uint8_t *)m->map.hva + (iova - m->map.iova),
		.next = m->pins,
	};
	m->pins = pin;
	m->nr_pins++;
	l->pins++;
out:
	pthread_mutex_unlock(&d->lock);
	return ret;
}

void dma_unpin(struct dma_pin *pin)
{
	struct dma_domain *d = pin->l->domain;
	struct mapping *m = pin->mapping;
	struct dma_pin **p;

	if (!d || !m)
		return;
	pthread_mutex_lock(&d->lock);
	for (p = &m->pins; *p; p = &(*p)->next)
		if (*p == pin) {
			*p = pin->next;
			m->nr_pins--;
			pin->l->pins--;
			break;
		}
	pin->mapping = NULL;
	pthread_cond_broadcast(&d->released);
	pthread_mutex_unlock(&d->lock);
}

int dma_lookup(struct dma_domain *d, uint64_t iova, struct dma_map *out)
{
	struct mapping *m;

	pthread_mutex_lock(&d->lock);
	m = first_in(d, iova, iova);
	if (m)
		*out = m->map;
	pthread_mutex_unlock(&d->lock);
	return m != NULL;
}

unsigned int dma_count(struct dma_domain *d)
{
	unsigned int n;

	pthread_mutex_lock(&d->lock);
	n = d->nr_mappings;
	pthread_mutex_unlock(&d->lock);
	return n;
}

/* --- limits -------------------------------------------------------------- */

void dma_limits_init(struct dma_limits *lim)
{
	lim->page_sizes = ~0ULL;
	lim->nr = 1;
	lim->usable[0] = (struct dma_range){ 0, UINT64_MAX };
}

int dma_limits_narrow(struct dma_limits *lim, uint64_t page_sizes,
		      const struct dma_range *ranges, unsigned int nr)
{
	struct dma_range out[DMA_MAX_RANGES];
	unsigned int i, j, n = 0;

	if (page_sizes)
		lim->page_sizes &= page_sizes;
	if (!lim->page_sizes)
		return -ERANGE;
	if (!nr)
		return 0;
	/*
	 * Every piece of every pair in common; the result stays sorted
	 * because the current ranges are, and the pieces inside one of them
	 * are sorted and merged here. New ranges past the first 64 meeting
	 * one current range are left out: narrower, never wider.
	 */
	for (i = 0; i < lim->nr; i++) {
		struct dma_range sorted[DMA_MAX_RANGES * 4];
		unsigned int ns = 0, k;

		for (j = 0; j < nr && ns < ARRAY_SIZE(sorted); j++) {
			if (ranges[j].last < lim->usable[i].start ||
			    ranges[j].start > lim->usable[i].last ||
			    ranges[j].last < ranges[j].start)
				continue;
			for (k = ns; k > 0 && sorted[k - 1].start >
						  ranges[j].start; k--)
				sorted[k] = sorted[k - 1];
			sorted[k] = (struct dma_range){
				MAX(ranges[j].start, lim->usable[i].start),
				MIN(ranges[j].last, lim->usable[i].last),
			};
			ns++;
		}
		for (k = 0; k < ns; k++) {
			if (n && sorted[k].start <= out[n - 1].last) {
				out[n - 1].last = MAX(out[n - 1].last,
						      sorted[k].last);
				continue;
			}
			if (n == DMA_MAX_RANGES)
				return -ENOSPC;
			out[n++] = sorted[k];
		}
	}
	if (!n)
		return -ERANGE;
	memcpy(lim->usable, out, n * sizeof(out[0]));
	lim->nr = n;
	return 0;
}

int dma_domain_identity(struct dma_domain **out, const struct guest_mem *mem)
{
	struct dma_domain *d;
	unsigned int i;
	int ret;

	ret = dma_domain_create(&d, mem, "guest RAM");
	if (ret)
		return ret;
	for (i = 0; i < mem->nr; i++) {
		const struct mem_region *r = &mem->regions[i];

		ret = dma_map(d, r->gpa, r->len, r->gpa, DMA_READ | DMA_WRITE);
		if (ret) {
			/* No listener, no pin yet: this cannot refuse. */
			dma_domain_destroy(d);
			return ret;
		}
	}
	*out = d;
	return 0;
}
