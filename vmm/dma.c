// SPDX-License-Identifier: MIT
/*
 * The DMA-mapping layer (dma.h): domains of IOVA mappings kept in an AVL
 * tree, listeners that mirror or pin them, the unmap notification, and
 * the threads that run blocking listeners' unmaps against a deadline.
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
	unsigned int unmapping;	/* the unmap request removing it, or 0 */
	unsigned int late;	/* blocking unmaps of it past their deadline */
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
	d->unmap_timeout_ns = DMA_UNMAP_TIMEOUT_NS;
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

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
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
 * A request's deadline for blocking listeners, read from the clock only
 * when one is asked (a clock read costs as much as a whole unmap in an
 * empty domain).
 */
struct req_deadline {
	int set;
	uint64_t ns;
	struct timespec t;
};

static const struct timespec *req_deadline(struct req_deadline *r)
{
	if (!r->set) {
		r->t = deadline(r->ns);
		r->set = 1;
	}
	return &r->t;
}

/* One ops->unmap call of @l that took @ns and returned @r. Lock held. */
static void account(struct dma_listener *l, uint64_t ns, int r)
{
	if (r)
		l->stats.unmap_failed++;
	else
		l->stats.unmaps++;
	l->stats.unmap_ns += ns;
	if (ns > l->stats.unmap_max_ns)
		l->stats.unmap_max_ns = ns;
}

/* @l's ops->unmap of @m in this thread, timed. Lock held. */
static int call_unmap(struct dma_listener *l, const struct dma_map *m)
{
	uint64_t t0 = now_ns();
	int r = l->ops->unmap(l, m);

	account(l, now_ns() - t0, r);
	return r;
}

static void say_cannot(struct dma_domain *d, const struct dma_listener *l,
		       const struct mapping *m, int r)
{
	if (log_ratelimit_ok_level(&d->rl, LOG_ERR, d->name))
		err("dma: %s: listener '%s' cannot unmap 0x%llx-0x%llx: %s; it "
		    "stays mapped", d->name, l->name,
		    (unsigned long long)m->map.iova,
		    (unsigned long long)m->last, strerror(-r));
}

/* --- blocking listeners' threads ------------------------------------------
 * One job at a time: remove the listener's mirror of one mapping. Its
 * poster waits for it until the request's deadline and takes the result
 * (JOB_DONE -> JOB_IDLE); past the deadline the poster marks it late and
 * the thread finishes the job itself when ops->unmap returns. State
 * under the domain's lock; d->released is broadcast at every change.
 */
enum { JOB_IDLE, JOB_POSTED, JOB_RUNNING, JOB_DONE };

struct dma_unmapper {
	pthread_t thread;
	pthread_cond_t wake;	/* a job was posted, or stop */
	struct dma_listener *l;
	struct dma_domain *d;
	int state, stop;
	int late;		/* the poster gave up waiting */
	struct mapping *m;	/* the job */
	int result;
	uint64_t started;
};

/* A late job ended: finish what its poster would have. Lock held. */
static void finish_late(struct dma_domain *d, struct dma_unmapper *w)
{
	struct mapping *m = w->m;

	if (w->result)
		say_cannot(d, w->l, m, w->result);
	else
		m->mirrors &= ~(1u << w->l->slot);
	if (log_ratelimit_ok_level(&d->rl, LOG_WARN, d->name))
		warn("dma: %s: listener '%s' finished its unmap of "
		     "0x%llx-0x%llx %llu ms after it began", d->name,
		     w->l->name, (unsigned long long)m->map.iova,
		     (unsigned long long)m->last,
		     (unsigned long long)((now_ns() - w->started) / 1000000));
	/* Busy until every late job on it is over; then unmappable again. */
	if (!--m->late)
		m->unmapping = 0;
	d->late--;
	w->late = 0;
	w->state = JOB_IDLE;
}

static void *unmapper_main(void *arg)
{
	struct dma_unmapper *w = arg;
	struct dma_domain *d = w->d;
	struct dma_listener *l = w->l;
	struct dma_map map;
	uint64_t ns;
	int r;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		while (!w->stop && w->state != JOB_POSTED)
			pthread_cond_wait(&w->wake, &d->lock);
		if (w->state != JOB_POSTED)
			break; /* stopped, nothing posted */
		w->state = JOB_RUNNING;
		map = w->m->map;
		w->started = now_ns();
		pthread_mutex_unlock(&d->lock);
		r = l->ops->unmap(l, &map);
		ns = now_ns() - w->started;
		pthread_mutex_lock(&d->lock);
		account(l, ns, r);
		w->result = r;
		if (w->late)
			finish_late(d, w);
		else
			w->state = JOB_DONE;
		pthread_cond_broadcast(&d->released);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* A thread for blocking listener @l of @d, waiting for jobs. */
static int unmapper_new(struct dma_domain *d, struct dma_listener *l,
			struct dma_unmapper **out)
{
	struct dma_unmapper *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	w->l = l;
	w->d = d;
	ret = -pthread_cond_init(&w->wake, NULL);
	if (ret)
		goto err_free;
	ret = -pthread_create(&w->thread, NULL, unmapper_main, w);
	if (ret)
		goto err_cond;
	*out = w;
	return 0;

err_cond:
	pthread_cond_destroy(&w->wake);
err_free:
	free(w);
	return ret;
}

/* End @w's thread (idle: no job posted or running) and free it. */
static void unmapper_end(struct dma_domain *d, struct dma_unmapper *w)
{
	pthread_mutex_lock(&d->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	free(w);
}

/* Hand mapping @m to idle @w. Lock held. */
static void post(struct dma_unmapper *w, struct mapping *m)
{
	w->m = m;
	w->late = 0;
	w->state = JOB_POSTED;
	pthread_cond_signal(&w->wake);
}

/* Have the jobs of every listener in @posted ended? Lock held. */
static int all_done(struct dma_domain *d, uint32_t posted)
{
	unsigned int i;

	for (i = 0; i < DMA_MAX_LISTENERS; i++)
		if ((posted & (1u << i)) &&
		    d->listeners[i]->unmapper->state != JOB_DONE)
			return 0;
	return 1;
}

/* One log line naming every listener of @late, still unmapping @m. */
static void say_late(struct dma_domain *d, const struct mapping *m,
		     uint32_t late)
{
	char names[256];
	size_t n = 0;
	unsigned int i;

	names[0] = '\0';
	for (i = 0; i < DMA_MAX_LISTENERS && n < sizeof(names); i++)
		if (late & (1u << i))
			n += (size_t)snprintf(names + n, sizeof(names) - n,
					      "%s'%s'", n ? ", " : "",
					      d->listeners[i]->name);
	if (log_ratelimit_ok_level(&d->rl, LOG_ERR, d->name))
		err("dma: %s: unmap of 0x%llx-0x%llx not done after %llu ms: "
		    "listener %s still unmapping (a vendor driver slow to "
		    "unpin?); it stays mapped until that has finished",
		    d->name, (unsigned long long)m->map.iova,
		    (unsigned long long)m->last,
		    (unsigned long long)(d->unmap_timeout_ns / 1000000), names);
}

/*
 * Remove @m's mirrors; the mask keeps those that failed. With a deadline
 * @rd, blocking listeners run on their threads, all at once, waited for
 * until it; without one, everything runs here. 0, the first listener's
 * -errno, or -ETIMEDOUT (m->late counts the jobs still running). Lock
 * held; dropped while waiting (the caller keeps listeners attached).
 */
static int unmirror(struct dma_domain *d, struct mapping *m,
		    struct req_deadline *rd)
{
	const struct timespec *t = NULL;
	uint32_t posted = 0, busy = 0, late, todo;
	unsigned int i;
	int ret = 0, r;

	for (todo = m->mirrors; todo; todo &= todo - 1) {
		struct dma_listener *l;

		i = (unsigned int)__builtin_ctz(todo);
		l = d->listeners[i];
		if (!l || !l->ops->unmap) {
			m->mirrors &= ~(1u << i);
			continue;
		}
		if (rd && l->unmapper) {
			t = req_deadline(rd);
			if (l->unmapper->state == JOB_IDLE) {
				post(l->unmapper, m);
				posted |= 1u << i;
			} else {
				busy |= 1u << i; /* on a late job */
			}
			continue;
		}
		r = call_unmap(l, &m->map);
		if (r) {
			say_cannot(d, l, m, r);
			if (!ret)
				ret = r;
			continue;
		}
		m->mirrors &= ~(1u << i);
	}
	if (!posted && !busy)
		return ret; /* nothing ran elsewhere */
	/* Those still busy get theirs when they are free, until @t. */
	while (busy || (posted && !all_done(d, posted))) {
		for (i = 0; i < DMA_MAX_LISTENERS; i++)
			if ((busy & (1u << i)) &&
			    d->listeners[i]->unmapper->state == JOB_IDLE) {
				post(d->listeners[i]->unmapper, m);
				busy &= ~(1u << i);
				posted |= 1u << i;
			}
		if ((busy || !all_done(d, posted)) &&
		    pthread_cond_timedwait(&d->released, &d->lock, t) ==
			    ETIMEDOUT)
			break;
	}
	late = busy;
	for (i = 0; i < DMA_MAX_LISTENERS; i++)
		if (busy & (1u << i))
			d->listeners[i]->stats.late++;
	for (i = 0; i < DMA_MAX_LISTENERS; i++) {
		struct dma_unmapper *w;

		if (!(posted & (1u << i)))
			continue;
		w = d->listeners[i]->unmapper;
		if (w->state != JOB_DONE) {
			w->late = 1;
			m->late++;
			d->late++;
			d->listeners[i]->stats.late++;
			late |= 1u << i;
			continue;
		}
		w->state = JOB_IDLE;
		pthread_cond_broadcast(&d->released);
		if (w->result) {
			say_cannot(d, d->listeners[i], m, w->result);
			if (!ret)
				ret = w->result;
			continue;
		}
		m->mirrors &= ~(1u << i);
	}
	if (late) {
		d->stats.unmap_late++;
		say_late(d, m, late);
		ret = -ETIMEDOUT;
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
	if (unmirror(d, m, NULL)) {
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

/*
 * Pins in the mappings of [iova, last] that request @req is removing, and
 * the mask of listeners holding them.
 */
static unsigned int pins_in(struct dma_domain *d, uint64_t iova, uint64_t last,
			    unsigned int req, uint32_t *holders)
{
	struct dma_pin *p;
	struct mapping *m;
	unsigned int n = 0;

	*holders = 0;
	for_each_in(d, m, iova, last)
		if (m->unmapping == req)
			for (p = m->pins; p; p = p->next, n++)
				*holders |= 1u << p->l->slot;
	return n;
}

/*
 * Mappings in [iova, last] marked @from are marked @to (a request's
 * number, or 0), but those with late jobs stay busy.
 */
static void set_unmapping(struct dma_domain *d, uint64_t iova, uint64_t last,
			  unsigned int from, unsigned int to)
{
	struct mapping *m;

	for_each_in(d, m, iova, last)
		if (m->unmapping == from && !(to == 0 && m->late))
			m->unmapping = to;
}

/*
 * Wait, with bounded retries, until no pin is left in what request @req
 * removes. 0, or -EBUSY with the mask of listeners still holding pins.
 * Lock held.
 */
static int wait_released(struct dma_domain *d, uint64_t iova, uint64_t last,
			 unsigned int req, uint32_t *stuck, unsigned int *nr)
{
	unsigned int tries;
	struct timespec t;

	for (tries = 0;; tries++) {
		*nr = pins_in(d, iova, last, req, stuck);
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

/*
 * dma_unmap(), with blocking listeners waited for until the domain's
 * timeout (@bounded) or for as long as they take.
 */
static int unmap_range(struct dma_domain *d, uint64_t iova, uint64_t last,
		       uint64_t *unmapped, int bounded)
{
	struct req_deadline rd = { .ns = d->unmap_timeout_ns };
	struct mapping *m, *next;
	uint64_t bytes = 0;
	uint32_t holders;
	unsigned int i, nr, req;
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
	/*
	 * The request's number marks what it removes: mappings made in the
	 * gaps while the lock is dropped below are not its to remove.
	 */
	req = ++d->requests ? d->requests : ++d->requests;
	set_unmapping(d, iova, last, 0, req);
	/* Once per request, to each holder, before anything goes. */
	if (pins_in(d, iova, last, req, &holders)) {
		/* Listeners cannot detach while this runs unlocked. */
		d->notifying++;
		for (i = 0; i < DMA_MAX_LISTENERS; i++)
			if ((holders & (1u << i)) &&
			    d->listeners[i]->ops->invalidate) {
				d->stats.notifications++;
				d->listeners[i]->stats.notified++;
			}
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
	ret = wait_released(d, iova, last, req, &holders, &nr);
	if (ret) {
		/* Fail closed: nothing someone holds is taken away. */
		set_unmapping(d, iova, last, req, 0);
		d->stats.unmap_stuck++;
		say_stuck(d, iova, last, holders, nr);
		goto out;
	}
	d->notifying++; /* unmirror() may drop the lock */
	for (m = first_in(d, iova, last); m && m->map.iova <= last; m = next) {
		if (m->unmapping != req) {
			next = next_of(d, m);
			continue;
		}
		r = unmirror(d, m, bounded ? &rd : NULL);
		next = next_of(d, m);
		if (r) {
			if (!m->late)
				m->unmapping = 0;
			if (r == -ETIMEDOUT)
				ret = r;
			else if (!ret)
				ret = -EIO;
			continue;
		}
		bytes += m->map.len;
		d->root = tree_erase(d->root, m);
		d->nr_mappings--;
		free(m);
	}
	d->notifying--;
	/* Only a dropped lock (a blocking listener) can have waiters. */
	if (rd.set)
		pthread_cond_broadcast(&d->released);
	if (!ret)
		d->stats.unmaps++;
out:
	pthread_mutex_unlock(&d->lock);
	if (unmapped)
		*unmapped = bytes;
	return ret;
}

int dma_unmap(struct dma_domain *d, uint64_t iova, uint64_t last,
	      uint64_t *unmapped)
{
	return unmap_range(d, iova, last, unmapped, 1);
}

int dma_domain_destroy(struct dma_domain *d)
{
	struct dma_unmapper *w[DMA_MAX_LISTENERS];
	unsigned int i, n = 0;
	int ret;

	if (!d)
		return 0;
	/* Late unmaps end when their listener has let go: wait for them. */
	pthread_mutex_lock(&d->lock);
	while (d->late)
		pthread_cond_wait(&d->released, &d->lock);
	pthread_mutex_unlock(&d->lock);
	ret = unmap_range(d, 0, UINT64_MAX, NULL, 0);
	if (ret)
		return -EBUSY; /* logged; everything stays as it was */
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < DMA_MAX_LISTENERS; i++)
		if (d->listeners[i]) {
			if (d->listeners[i]->unmapper)
				w[n++] = d->listeners[i]->unmapper;
			d->listeners[i]->unmapper = NULL;
			d->listeners[i]->domain = NULL;
			d->listeners[i] = NULL;
		}
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < n; i++)
		unmapper_end(d, w[i]);
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
		if (!l->ops->unmap || call_unmap(l, &n->map) == 0)
			n->mirrors &= ~(1u << i);
	return ret;
}

int dma_listener_attach(struct dma_domain *d, struct dma_listener *l)
{
	struct dma_unmapper *w = NULL;
	unsigned int i;
	int ret;

	if (l->domain)
		return -EBUSY;
	if (l->blocking) {
		ret = unmapper_new(d, l, &w);
		if (ret)
			return ret;
	}
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
	l->unmapper = w;
	w = NULL;
	d->listeners[i] = l;
out:
	pthread_mutex_unlock(&d->lock);
	if (w)
		unmapper_end(d, w);
	return ret;
}

int dma_listener_detach(struct dma_listener *l)
{
	struct dma_domain *d = l->domain;
	struct dma_unmapper *w = NULL;
	uint32_t bit;
	struct mapping *m;
	int ret = 0, r;

	if (!d)
		return 0;
	bit = 1u << l->slot;
	pthread_mutex_lock(&d->lock);
	/* An unmap may be calling this listener right now, or its thread. */
	while (d->notifying || (l->unmapper && l->unmapper->state != JOB_IDLE))
		pthread_cond_wait(&d->released, &d->lock);
	if (l->pins) {
		ret = -EBUSY;
		goto out;
	}
	for (m = first_from(d->root, 0); m; m = next_of(d, m)) {
		if (!(m->mirrors & bit))
			continue;
		r = l->ops->unmap ? call_unmap(l, &m->map) : 0;
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
	w = l->unmapper;
	l->unmapper = NULL;
out:
	pthread_mutex_unlock(&d->lock);
	if (w)
		unmapper_end(d, w);
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
