// SPDX-License-Identifier: MIT
/*
 * The DMA-mapping layer (vmm/dma.h): map and overlap rules, the
 * virtio-iommu unmap rules (no split), listeners that mirror mappings,
 * and the unmap notification: once per request, before removal, bounded
 * retries, fail closed with one log line, a listener that releases late;
 * blocking listeners (mediated devices): run together, bounded, named.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include "dma.h"
#include "mem.h"
#include "test.h"

#define RAM (64 * MiB)

static struct guest_mem mem;

/* --- a listener that records what it is asked --------------------------- */

#define LOG_MAX 64
struct rec {
	struct dma_listener l;
	char log[LOG_MAX][48]; /* "map IOVA", "unmap IOVA", "inv IOVA-LAST" */
	unsigned int n;
	int fail_map_at;       /* fail the map of this IOVA (-EIO); 0: never */
	int fail_unmap;	       /* refuse every unmap (-EIO) */
	unsigned int mirrors;  /* live mirrors */
	/* Pins it holds, and how it reacts to the notification. */
	struct dma_pin pins[8];
	unsigned int nr_pins;
	enum { RELEASE_NOW, RELEASE_NEVER, RELEASE_LATE } release;
	unsigned int late_ms;
	pthread_t late;
	int late_started;
	/* What the layer showed it at the notification. */
	int saw_mapping, saw_repin;
	uint64_t probe_iova;
};

static void rec_say(struct rec *r, const char *what, uint64_t a, uint64_t b)
{
	if (r->n < LOG_MAX)
		snprintf(r->log[r->n++], sizeof(r->log[0]), "%s %llx-%llx", what,
			 (unsigned long long)a, (unsigned long long)b);
}

static int rec_map(struct dma_listener *l, const struct dma_map *m)
{
	struct rec *r = container_of(l, struct rec, l);

	if (r->fail_map_at && m->iova == (uint64_t)r->fail_map_at)
		return -EIO;
	rec_say(r, "map", m->iova, m->iova + m->len - 1);
	r->mirrors++;
	return 0;
}

static int rec_unmap(struct dma_listener *l, const struct dma_map *m)
{
	struct rec *r = container_of(l, struct rec, l);

	if (r->fail_unmap)
		return -EIO;
	rec_say(r, "unmap", m->iova, m->iova + m->len - 1);
	r->mirrors--;
	return 0;
}

static void release_all(struct rec *r)
{
	while (r->nr_pins)
		dma_unpin(&r->pins[--r->nr_pins]);
}

static void *late_release(void *arg)
{
	struct rec *r = arg;
	struct timespec t = { 0, (long)r->late_ms * 1000000L };

	nanosleep(&t, NULL);
	release_all(r);
	return NULL;
}

static void rec_invalidate(struct dma_listener *l, uint64_t iova,
			   uint64_t last)
{
	struct rec *r = container_of(l, struct rec, l);
	struct dma_map m;
	struct dma_pin p;

	rec_say(r, "inv", iova, last);
	/* The range is still there when we are told... */
	r->saw_mapping = dma_lookup(l->domain, r->probe_iova, &m);
	/* ... and nobody may pin it any more. */
	r->saw_repin = dma_pin(l, r->probe_iova, 16, DMA_READ, &p);
	if (r->saw_repin == 0)
		dma_unpin(&p);
	switch (r->release) {
	case RELEASE_NOW:
		release_all(r);
		break;
	case RELEASE_LATE:
		r->late_started = !pthread_create(&r->late, NULL, late_release,
						  r);
		break;
	case RELEASE_NEVER:
		break;
	}
}

static const struct dma_listener_ops rec_ops = {
	.map = rec_map, .unmap = rec_unmap, .invalidate = rec_invalidate,
};

/* A listener that only pins (a device model), no mirrors. */
static const struct dma_listener_ops pin_only_ops = {
	.invalidate = rec_invalidate,
};

static void rec_init(struct rec *r, const char *name,
		     const struct dma_listener_ops *ops)
{
	memset(r, 0, sizeof(*r));
	r->l.ops = ops;
	r->l.name = name;
}

static int logged(const struct rec *r, const char *what)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->log[i], what) == 0)
			return (int)i + 1;
	return 0;
}

static struct dma_domain *domain(const char *name)
{
	struct dma_domain *d = NULL;

	if (dma_domain_create(&d, &mem, name))
		abort();
	return d;
}

static int pin(struct rec *r, uint64_t iova, uint64_t len)
{
	int ret = dma_pin(&r->l, iova, len, DMA_READ, &r->pins[r->nr_pins]);

	if (!ret)
		r->nr_pins++;
	return ret;
}

/* --- the tests ---------------------------------------------------------- */

static void test_map_rules(void)
{
	struct dma_domain *d = domain("rules");
	struct dma_map m;

	CHECK(dma_map(d, 0x10000, 0x2000, 0x4000, DMA_READ) == 0);
	CHECK(dma_lookup(d, 0x11fff, &m) && m.iova == 0x10000 &&
	      m.gpa == 0x4000 && m.hva == mem.base + 0x4000);
	CHECK_MSG(!dma_lookup(d, 0x12000, &m), "one past a mapping is unmapped");
	CHECK_MSG(dma_map(d, 0x11000, 0x1000, 0, DMA_READ) == -EEXIST,
		  "a map over the middle of another is refused");
	CHECK_MSG(dma_map(d, 0xf000, 0x1001, 0, DMA_READ) == -EEXIST,
		  "a map touching the first byte of another is refused");
	CHECK_MSG(dma_map(d, 0x12000, 0x1000, 0, DMA_WRITE) == 0,
		  "a map right after another is fine");
	CHECK(dma_map(d, 0x20000, 0, 0, DMA_READ) == -EINVAL);
	CHECK_MSG(dma_map(d, UINT64_MAX - 0xfff, 0x2000, 0, DMA_READ) ==
			  -EINVAL, "a map wrapping past 2^64 is refused");
	CHECK_MSG(dma_map(d, UINT64_MAX - 0xfff, 0x1000, 0, DMA_READ) == 0,
		  "a map ending at 2^64 - 1 is fine");
	CHECK(dma_map(d, 0x30000, 0x1000, 0, 0) == -EINVAL);
	CHECK(dma_map(d, 0x30000, 0x1000, 0, 4) == -EINVAL);
	CHECK_MSG(dma_map(d, 0x30000, 0x2000, RAM - 0x1000, DMA_READ) ==
			  -EFAULT, "a map running past guest RAM is refused");
	CHECK_MSG(dma_map(d, 0x30000, 0x1000, 4 * GiB, DMA_READ) == -EFAULT,
		  "a map of what is not RAM is refused");
	CHECK(dma_count(d) == 3);
	d->max_mappings = 3;
	CHECK_MSG(dma_map(d, 0x40000, 0x1000, 0, DMA_READ) == -ENOSPC,
		  "the domain's mapping limit holds");
	CHECK(d->stats.maps == 3);
	CHECK(dma_domain_destroy(d) == 0);
}

/* The examples of the virtio-iommu spec, UNMAP request, one by one. */
static void test_unmap_spec_examples(void)
{
	struct dma_domain *d = domain("spec");
	uint64_t n;

#define MAP(a, b) dma_map(d, (a) * 0x1000ULL, ((b) - (a) + 1) * 0x1000ULL, \
			  0, DMA_READ)
#define UNMAP(a, b) dma_unmap(d, (a) * 0x1000ULL, (b) * 0x1000ULL + 0xfff, &n)
	CHECK_MSG(UNMAP(0, 4) == 0 && n == 0,
		  "(1) unmap(0, 4) of nothing succeeds, unmaps nothing");
	CHECK(MAP(0, 9) == 0);
	CHECK_MSG(UNMAP(0, 9) == 0 && n == 0xa000 && !dma_count(d),
		  "(2) map(0, 9); unmap(0, 9) unmaps it");
	CHECK(MAP(0, 4) == 0 && MAP(5, 9) == 0);
	CHECK_MSG(UNMAP(0, 9) == 0 && n == 0xa000 && !dma_count(d),
		  "(3) map(0, 4), map(5, 9); unmap(0, 9) unmaps both");
	CHECK(MAP(0, 9) == 0);
	CHECK_MSG(UNMAP(0, 4) == -ERANGE && n == 0 && dma_count(d) == 1,
		  "(4) map(0, 9); unmap(0, 4) fails and unmaps nothing");
	CHECK_MSG(UNMAP(5, 9) == -ERANGE && dma_count(d) == 1,
		  "... nor does unmap(5, 9), which would split it too");
	CHECK(UNMAP(0, 9) == 0);
	CHECK(MAP(0, 4) == 0 && MAP(5, 9) == 0);
	CHECK_MSG(UNMAP(0, 4) == 0 && n == 0x5000 && dma_count(d) == 1,
		  "(5) map(0, 4), map(5, 9); unmap(0, 4) unmaps the first");
	CHECK(UNMAP(0, 9) == 0);
	CHECK(MAP(0, 4) == 0);
	CHECK_MSG(UNMAP(0, 9) == 0 && n == 0x5000 && !dma_count(d),
		  "(6) map(0, 4); unmap(0, 9) unmaps it");
	CHECK(MAP(0, 4) == 0 && MAP(10, 14) == 0);
	CHECK_MSG(UNMAP(0, 14) == 0 && n == 0xa000 && !dma_count(d),
		  "(7) map(0, 4), map(10, 14); unmap(0, 14) unmaps both");
	CHECK(MAP(2, 3) == 0 && MAP(5, 6) == 0 && MAP(8, 9) == 0);
	CHECK_MSG(UNMAP(4, 8) == -ERANGE && dma_count(d) == 3,
		  "a request ending inside a mapping removes none, even those "
		  "it covers");
	CHECK(dma_unmap(d, 5, 4, &n) == -EINVAL);
	CHECK(d->stats.unmap_refused == 3);
#undef MAP
#undef UNMAP
	CHECK(dma_domain_destroy(d) == 0);
}

static void test_mirrors(void)
{
	struct dma_domain *d = domain("mirrors");
	struct rec a, b;
	char out[512];
	int ret;

	rec_init(&a, "a", &rec_ops);
	rec_init(&b, "b", &rec_ops);
	CHECK(dma_map(d, 0x1000, 0x1000, 0x1000, DMA_READ) == 0);
	CHECK(dma_map(d, 0x8000, 0x1000, 0x1000, DMA_READ) == 0);
	CHECK(dma_listener_attach(d, &a.l) == 0);
	CHECK_MSG(a.mirrors == 2 && logged(&a, "map 1000-1fff") &&
			  logged(&a, "map 8000-8fff"),
		  "attaching replays every mapping");
	CHECK(dma_listener_attach(d, &a.l) == -EBUSY);
	b.fail_map_at = 0x8000;
	CHECK_MSG(dma_listener_attach(d, &b.l) == -EIO && b.mirrors == 0 &&
			  !b.l.domain,
		  "a listener failing the replay is left attached nowhere, "
		  "holding nothing");
	b.fail_map_at = 0x5000;
	CHECK(dma_listener_attach(d, &b.l) == 0 && b.mirrors == 2);
	CHECK_MSG(dma_map(d, 0x5000, 0x1000, 0, DMA_READ) == -EIO &&
			  a.mirrors == 2 && b.mirrors == 2 &&
			  logged(&a, "unmap 5000-5fff") && dma_count(d) == 2,
		  "a map one listener refuses is taken back from the others");
	CHECK(dma_map(d, 0x6000, 0x1000, 0, DMA_READ) == 0 &&
	      a.mirrors == 3 && b.mirrors == 3);
	b.fail_unmap = 1;
	capture_begin();
	ret = dma_unmap(d, 0x6000, 0x6fff, NULL);
	capture_end(out, sizeof(out));
	CHECK_MSG(ret == -EIO && dma_count(d) == 3 && a.mirrors == 2,
		  "a mirror that cannot go keeps the mapping (fail closed)");
	CHECK(strstr(out, "listener 'b' cannot unmap 0x6000-0x6fff") != NULL);
	b.fail_unmap = 0;
	a.n = 0;
	CHECK_MSG(dma_unmap(d, 0x6000, 0x6fff, NULL) == 0 &&
			  dma_count(d) == 2 && b.mirrors == 2 && a.n == 0,
		  "the next unmap asks only the listener that still holds it");
	CHECK(dma_listener_detach(&b.l) == 0 && b.mirrors == 0 && !b.l.domain);
	CHECK(dma_listener_detach(&b.l) == 0);
	CHECK(dma_domain_destroy(d) == 0);
	CHECK_MSG(a.mirrors == 0 && !a.l.domain,
		  "destroying a domain unmaps and detaches its listeners");
}

static void test_notify_order(void)
{
	struct dma_domain *d = domain("order");
	struct rec a, p;
	uint64_t n;
	int inv, un1, un2;

	rec_init(&a, "mirror", &rec_ops);
	rec_init(&p, "pinner", &rec_ops);
	CHECK(dma_listener_attach(d, &a.l) == 0);
	CHECK(dma_listener_attach(d, &p.l) == 0);
	CHECK(dma_map(d, 0x10000, 0x1000, 0x1000, DMA_READ) == 0);
	CHECK(dma_map(d, 0x11000, 0x1000, 0x2000, DMA_READ) == 0);
	CHECK(dma_map(d, 0x20000, 0x1000, 0x3000, DMA_READ) == 0);
	CHECK(pin(&p, 0x10010, 0x100) == 0 && pin(&p, 0x11000, 0x1000) == 0);
	CHECK(p.pins[0].hva == mem.base + 0x1010);
	CHECK_MSG(pin(&p, 0x10ff0, 0x20) == -EFAULT,
		  "a pin across two mappings is refused");
	CHECK(dma_pin(&p.l, 0x10000, 16, DMA_WRITE, &p.pins[7]) == -EFAULT);
	CHECK(dma_pin(&p.l, 0x30000, 16, DMA_READ, &p.pins[7]) == -EFAULT);
	p.probe_iova = 0x10000;
	p.release = RELEASE_NOW;
	CHECK(dma_unmap(d, 0x10000, 0x1ffff, &n) == 0 && n == 0x2000);
	inv = logged(&p, "inv 10000-1ffff");
	un1 = logged(&p, "unmap 10000-10fff");
	un2 = logged(&p, "unmap 11000-11fff");
	CHECK_MSG(inv && d->stats.notifications == 1,
		  "one notification for a request covering two pinned mappings");
	CHECK_MSG(inv && un1 > inv && un2 > inv,
		  "the notification comes before any mirror is removed");
	CHECK_MSG(p.saw_mapping, "the range is still mapped when notified");
	CHECK_MSG(p.saw_repin == -EBUSY,
		  "pins in a range being unmapped are refused");
	CHECK_MSG(!logged(&a, "inv 10000-1ffff"),
		  "a listener holding no pin is not notified");
	CHECK(dma_count(d) == 1 && a.mirrors == 1 && p.mirrors == 1);
	/* A request with no pin in it notifies nobody. */
	CHECK(dma_unmap(d, 0x20000, 0x20fff, NULL) == 0 &&
	      d->stats.notifications == 1);
	CHECK(dma_domain_destroy(d) == 0);
}

static void test_never_releases(void)
{
	struct dma_domain *d = domain("guest-domain-7");
	struct rec p;
	char out[2048];
	const char *line = "ferry: error: dma: guest-domain-7: unmap of "
			   "0x40000-0x40fff refused: listener 'stuck-dev' did "
			   "not release 2 pins after 10 retries; the range "
			   "stays mapped and pinned\n";
	struct timespec t0, t1;
	double ms;
	int ret;

	rec_init(&p, "stuck-dev", &rec_ops);
	d->wait_ns = 2000000; /* 2 ms per re-check */
	CHECK(dma_listener_attach(d, &p.l) == 0);
	CHECK(dma_map(d, 0x40000, 0x1000, 0x5000, DMA_READ | DMA_WRITE) == 0);
	CHECK(pin(&p, 0x40000, 8) == 0 && pin(&p, 0x40800, 8) == 0);
	p.probe_iova = 0x40000;
	p.release = RELEASE_NEVER;
	capture_begin();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = dma_unmap(d, 0x40000, 0x40fff, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	capture_end(out, sizeof(out));
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK_MSG(ret == -EBUSY, "an unmap a listener does not release fails");
	CHECK_MSG(d->stats.retries == 10 && d->stats.notifications == 1,
		  "after one notification and exactly 10 re-checks");
	CHECK_MSG(ms >= 18 && ms < 2000, "bounded in time (10 waits of 2 ms)");
	CHECK_MSG(strcmp(out, line) == 0, "one log line names the listener");
	if (strcmp(out, line) != 0)
		printf("# got: %s", out);
	CHECK_MSG(dma_count(d) == 1 && p.mirrors == 1 &&
			  !logged(&p, "unmap 40000-40fff"),
		  "the range stays mapped and mirrored (fail closed)");
	CHECK_MSG(p.nr_pins == 2 && p.l.pins == 2,
		  "nobody dropped the listener's pins for it");
	CHECK(dma_listener_detach(&p.l) == -EBUSY && p.l.domain == d);
	capture_begin();
	CHECK_MSG(dma_domain_destroy(d) == -EBUSY && dma_count(d) == 1,
		  "a domain with a stuck pin is not destroyed");
	capture_end(out, sizeof(out));
	CHECK(count_str(out, "did not release 2 pins") == 1);
	CHECK_MSG(pin(&p, 0x40100, 8) == 0,
		  "after the refusal the range may be pinned again");
	release_all(&p);
	CHECK_MSG(dma_domain_destroy(d) == 0 && p.mirrors == 0,
		  "once released, destroying it again completes");
}

static void test_releases_late(void)
{
	struct dma_domain *d = domain("late");
	struct rec p, q;
	uint64_t n;

	rec_init(&p, "slow-dev", &pin_only_ops);
	rec_init(&q, "other", &pin_only_ops);
	d->wait_ns = 1000000000ULL; /* a pin going wakes the wait at once */
	CHECK(dma_listener_attach(d, &p.l) == 0);
	CHECK(dma_listener_attach(d, &q.l) == 0);
	CHECK(dma_map(d, 0x80000, 0x2000, 0x8000, DMA_READ) == 0);
	CHECK(dma_map(d, 0x90000, 0x1000, 0x8000, DMA_READ) == 0);
	CHECK(pin(&p, 0x80000, 0x2000) == 0);
	CHECK(pin(&q, 0x90000, 0x10) == 0);
	p.probe_iova = 0x80000;
	p.release = RELEASE_LATE;
	p.late_ms = 30;
	CHECK_MSG(dma_unmap(d, 0x80000, 0x8ffff, &n) == 0 && n == 0x2000,
		  "an unmap waits for a listener that releases late");
	CHECK(p.late_started);
	if (p.late_started)
		pthread_join(p.late, NULL);
	CHECK_MSG(d->stats.retries >= 1 && d->stats.retries < 10,
		  "it took at least one re-check, not all of them");
	CHECK_MSG(!logged(&q, "inv 80000-8ffff") && q.nr_pins == 1,
		  "a listener holding pins elsewhere is not notified");
	CHECK(dma_count(d) == 1);
	release_all(&q);
	CHECK(dma_domain_destroy(d) == 0);
}

/* --- blocking listeners (a mediated device's container) ------------------ */

/*
 * A listener whose unmap takes its time: it sleeps @sleep_ms, or waits
 * until @hold is cleared, or until @other has started its own unmap.
 */
struct slow {
	struct dma_listener l;
	atomic_int calls, started, returned, mirrors;
	atomic_int hold;	  /* wait while set (at most 5 s) */
	unsigned int sleep_ms;
	struct slow *other;	  /* wait for it to start (at most 2 s) */
	int saw_other;
	struct dma_domain *map_into; /* map 0x2000 here while unmapping */
	int gap_map;
	int fail;
};

static void sleep_ms(unsigned int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static int slow_map(struct dma_listener *l, const struct dma_map *m)
{
	struct slow *s = container_of(l, struct slow, l);

	(void)m;
	s->mirrors++;
	return 0;
}

static int slow_unmap(struct dma_listener *l, const struct dma_map *m)
{
	struct slow *s = container_of(l, struct slow, l);
	unsigned int i;

	(void)m;
	s->calls++;
	s->started = 1;
	for (i = 0; s->other && !s->other->started && i < 2000; i++)
		sleep_ms(1);
	if (s->other)
		s->saw_other = s->other->started;
	for (i = 0; s->hold && i < 5000; i++)
		sleep_ms(1);
	if (s->sleep_ms)
		sleep_ms(s->sleep_ms);
	if (s->map_into) { /* the layer's lock is not held here */
		s->gap_map = dma_map(s->map_into, 0x2000, 0x1000, 0, DMA_READ);
		s->map_into = NULL;
	}
	if (s->fail)
		return -EIO;
	s->mirrors--;
	s->returned = 1;
	return 0;
}

static const struct dma_listener_ops slow_ops = {
	.map = slow_map, .unmap = slow_unmap,
};

static void slow_init(struct slow *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->l.ops = &slow_ops;
	s->l.name = name;
	s->l.blocking = 1;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Two mediated devices in one domain, one slow to unpin. */
static void test_blocking_together(void)
{
	struct dma_domain *d = domain("two-mdevs");
	struct slow a, b;
	struct rec plain;
	struct timespec t0;
	uint64_t n;
	double ms;
	int ret;

	slow_init(&a, "mdev-a");
	slow_init(&b, "mdev-b");
	rec_init(&plain, "vfio-pci", &rec_ops);
	a.other = &b; /* a's unmap ends only once b's has begun */
	a.sleep_ms = 60;
	CHECK(dma_listener_attach(d, &a.l) == 0 && a.l.unmapper);
	CHECK(dma_listener_attach(d, &b.l) == 0);
	CHECK(dma_listener_attach(d, &plain.l) == 0 && !plain.l.unmapper);
	CHECK(dma_map(d, 0x10000, 0x1000, 0x1000, DMA_READ) == 0);
	CHECK(a.mirrors == 1 && b.mirrors == 1 && plain.mirrors == 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = dma_unmap(d, 0x10000, 0x10fff, &n);
	ms = ms_since(&t0);
	CHECK_MSG(ret == 0 && n == 0x1000 && !dma_count(d),
		  "an unmap through two blocking listeners completes");
	CHECK_MSG(a.saw_other, "their unmaps ran at the same time, not one "
			       "after the other");
	CHECK_MSG(a.returned && b.returned && a.calls == 1 && b.calls == 1 &&
			  plain.mirrors == 0,
		  "each was asked once, and the request ended after the slow "
		  "one had");
	CHECK_MSG(ms >= 60 && ms < 1000, "it waited for the slow one, within "
					 "the bound");
	CHECK_MSG(a.l.stats.unmaps == 1 && b.l.stats.unmaps == 1 &&
			  a.l.stats.unmap_max_ns >= 60000000ULL &&
			  b.l.stats.unmap_max_ns < a.l.stats.unmap_max_ns &&
			  plain.l.stats.unmaps == 1 && !a.l.stats.late,
		  "per-listener counts and times");
	b.fail = 1;
	CHECK(dma_map(d, 0x20000, 0x1000, 0x1000, DMA_READ) == 0);
	capture_begin();
	ret = dma_unmap(d, 0x20000, 0x20fff, NULL);
	{
		char out[512];

		capture_end(out, sizeof(out));
		CHECK_MSG(ret == -EIO && dma_count(d) == 1 &&
				  strstr(out, "listener 'mdev-b' cannot unmap "
					      "0x20000-0x20fff") != NULL,
			  "a failure on a listener's thread is said and keeps "
			  "the mapping");
	}
	b.fail = 0;
	CHECK(dma_unmap(d, 0x20000, 0x20fff, NULL) == 0 && b.calls == 3 &&
	      a.calls == 2);
	CHECK(dma_listener_detach(&a.l) == 0 && !a.l.unmapper && !a.l.domain);
	CHECK(dma_domain_destroy(d) == 0 && !b.l.unmapper);
}

/* A vendor driver slower than ferry's bound. */
static void test_blocking_late(void)
{
	struct dma_domain *d = domain("viommu domain 3");
	const char *line = "ferry: error: dma: viommu domain 3: unmap of "
			   "0x40000-0x40fff not done after 50 ms: listener "
			   "'slow-mdev' still unmapping (a vendor driver slow "
			   "to unpin?); it stays mapped until that has "
			   "finished\n";
	struct slow a, b;
	struct dma_pin p;
	struct timespec t0;
	char out[1024];
	unsigned int i;
	double ms;
	int ret;

	slow_init(&a, "slow-mdev");
	slow_init(&b, "fast-mdev");
	d->unmap_timeout_ns = 50000000ULL;
	CHECK(dma_listener_attach(d, &a.l) == 0);
	CHECK(dma_listener_attach(d, &b.l) == 0);
	CHECK(dma_map(d, 0x40000, 0x1000, 0x1000, DMA_READ) == 0);
	CHECK(dma_map(d, 0x50000, 0x1000, 0x1000, DMA_READ) == 0);
	a.hold = 1;
	capture_begin();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = dma_unmap(d, 0x40000, 0x40fff, NULL);
	ms = ms_since(&t0);
	capture_end(out, sizeof(out));
	CHECK_MSG(ret == -ETIMEDOUT, "a listener past the deadline fails the "
				     "request");
	CHECK_MSG(ms >= 50 && ms < 1000, "after the bound (50 ms), not after "
					 "the listener");
	CHECK_MSG(strcmp(out, line) == 0, "one log line names the listener");
	if (strcmp(out, line) != 0)
		printf("# got: %s", out);
	CHECK_MSG(dma_count(d) == 2 && a.mirrors == 2 && b.mirrors == 1 &&
			  b.calls == 1,
		  "the mapping stays; the other listener's mirror went");
	CHECK(a.l.stats.late == 1 && d->stats.unmap_late == 1 && d->late == 1);
	CHECK_MSG(dma_unmap(d, 0x40000, 0x40fff, NULL) == -EBUSY &&
			  dma_pin(&b.l, 0x40000, 16, DMA_READ, &p) == -EBUSY,
		  "while it runs the mapping is busy: no unmap, no pin");
	capture_begin();
	ret = dma_unmap(d, 0x50000, 0x50fff, NULL);
	capture_end(out, sizeof(out));
	CHECK_MSG(ret == -ETIMEDOUT && dma_count(d) == 2 && b.calls == 2 &&
			  b.mirrors == 0,
		  "its thread is busy: another unmap through it is late too, "
		  "the other listener's part is done");
	CHECK(strstr(out, "listener 'slow-mdev' still unmapping") != NULL);
	capture_begin();
	a.hold = 0;
	for (i = 0; i < 2000 && (ret = dma_unmap(d, 0x40000, 0x40fff,
						 NULL)) == -EBUSY; i++)
		sleep_ms(1);
	capture_end(out, sizeof(out));
	CHECK_MSG(ret == 0 && a.calls == 1 && a.mirrors == 1 &&
			  dma_count(d) == 1,
		  "once it has finished, the next unmap removes the mapping "
		  "without asking it again");
	CHECK(strstr(out, "listener 'slow-mdev' finished its unmap of "
			  "0x40000-0x40fff") != NULL);
	CHECK(d->late == 0 && a.l.stats.unmaps == 1);
	/* A late job at destroy: waited for, with no bound. */
	a.sleep_ms = 120;
	capture_begin();
	CHECK(dma_unmap(d, 0x50000, 0x50fff, NULL) == -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = dma_domain_destroy(d);
	ms = ms_since(&t0);
	capture_end(out, sizeof(out));
	CHECK_MSG(ret == 0 && a.mirrors == 0 && !a.l.domain && !a.l.unmapper,
		  "destroy waits for a late unmap and for a slow one, "
		  "unbounded");
	CHECK(ms >= 60);
}

/* A map into a gap of a range being unmapped is not that request's. */
static void test_blocking_gap(void)
{
	struct dma_domain *d = domain("gap");
	struct dma_map m;
	struct slow a;

	slow_init(&a, "mapper");
	CHECK(dma_listener_attach(d, &a.l) == 0);
	CHECK(dma_map(d, 0x1000, 0x1000, 0, DMA_READ) == 0);
	CHECK(dma_map(d, 0x3000, 0x1000, 0, DMA_READ) == 0);
	a.map_into = d;
	CHECK(dma_unmap(d, 0, 0x4fff, NULL) == 0);
	CHECK(a.gap_map == 0 && !a.map_into);
	CHECK_MSG(dma_count(d) == 1 && dma_lookup(d, 0x2000, &m) &&
			  a.mirrors == 1,
		  "a mapping made while the request ran stays");
	CHECK(dma_domain_destroy(d) == 0 && a.mirrors == 0);
}

/* Random maps and unmaps against a plain array of pages. */
static void test_against_model(void)
{
	enum { PAGES = 512 };
	static int owner[PAGES]; /* first page of its mapping + 1, or 0 */
	struct dma_domain *d = domain("model");
	unsigned int i, k, bad = 0;
	uint32_t seed = 12345;

	memset(owner, 0, sizeof(owner));
	for (i = 0; i < 20000; i++) {
		unsigned int a, len, j, free_ = 1, split = 0;
		uint64_t n;
		int ret;

		seed = seed * 1103515245u + 12345u;
		a = (seed >> 8) % PAGES;
		len = 1 + (seed >> 20) % 8;
		if (a + len > PAGES)
			len = PAGES - a;
		if (seed & 1) {
			for (j = a; j < a + len; j++)
				free_ &= owner[j] == 0;
			ret = dma_map(d, (uint64_t)a << 12, (uint64_t)len << 12,
				      0, DMA_READ);
			bad += (ret == 0) != free_;
			if (!ret)
				for (j = a; j < a + len; j++)
					owner[j] = (int)a + 1;
			continue;
		}
		/* Would the unmap split a mapping at either end? */
		split = (owner[a] && owner[a] != (int)a + 1) ||
			(a + len < PAGES && owner[a + len - 1] &&
			 owner[a + len] == owner[a + len - 1]);
		ret = dma_unmap(d, (uint64_t)a << 12,
				((uint64_t)(a + len) << 12) - 1, &n);
		bad += (ret == -ERANGE) != split;
		if (!ret) {
			uint64_t want = 0;

			for (j = a; j < a + len; j++)
				if (owner[j]) {
					owner[j] = 0;
					want += 4096;
				}
			bad += n != want;
		}
	}
	for (k = 0, i = 0; i < PAGES; i++) {
		struct dma_map m;
		int mapped = dma_lookup(d, (uint64_t)i << 12, &m);

		bad += mapped != (owner[i] != 0);
		if (mapped)
			bad += m.iova != (uint64_t)(owner[i] - 1) << 12;
		k += owner[i] && owner[i] == (int)i + 1;
	}
	CHECK_MSG(!bad && dma_count(d) == k,
		  "20000 random maps and unmaps agree with a page model");
	CHECK(dma_domain_destroy(d) == 0);
}

/* Many mappings: lookups stay cheap (a balanced tree, not a list). */
static void test_many(void)
{
	struct dma_domain *d = domain("many");
	struct timespec t0, t1;
	unsigned int i, ok = 1;
	struct dma_map m;
	double us;

	for (i = 0; i < 65536; i++)
		ok &= dma_map(d, (uint64_t)i << 13, 4096, 0, DMA_READ) == 0;
	CHECK(ok && dma_count(d) == 65536);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 65536; i++)
		ok &= dma_lookup(d, ((uint64_t)i << 13) + 100, &m) &&
		      m.iova == (uint64_t)i << 13 &&
		      !dma_lookup(d, ((uint64_t)i << 13) + 4096, &m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
	CHECK_MSG(ok, "131072 lookups among 65536 mappings are right");
	printf("# 131072 lookups in %.0f us\n", us);
	CHECK_MSG(dma_unmap(d, 0, UINT64_MAX, NULL) == 0 && !dma_count(d),
		  "one request unmaps them all");
	CHECK(dma_domain_destroy(d) == 0);
}

/* What the host IOMMUs of several devices accept, in common. */
static void test_limits(void)
{
	const struct dma_range intel[] = {
		{ 0xfef00000, 0x7fffffffffULL }, { 0, 0xfedfffff },
	};
	const struct dma_range other[] = {
		{ 0x1000, 0xfffff }, { 0x200000, 0xfff00000ULL },
		{ 0x100000000ULL, UINT64_MAX },
	};
	const struct dma_range far[] = { { 0x8000000000ULL, UINT64_MAX } };
	struct dma_limits lim;

	dma_limits_init(&lim);
	CHECK(lim.nr == 1 && lim.usable[0].last == UINT64_MAX);
	CHECK(dma_limits_narrow(&lim, 0x40201000, intel, 2) == 0);
	CHECK_MSG(lim.nr == 2 && lim.usable[0].start == 0 &&
			  lim.usable[0].last == 0xfedfffff &&
			  lim.usable[1].start == 0xfef00000 &&
			  lim.usable[1].last == 0x7fffffffffULL &&
			  lim.page_sizes == 0x40201000,
		  "one IOMMU: its ranges, sorted, and its page sizes");
	CHECK(dma_limits_narrow(&lim, 0x201000, other, 3) == 0);
	CHECK_MSG(lim.nr == 4 && lim.usable[0].start == 0x1000 &&
			  lim.usable[1].start == 0x200000 &&
			  lim.usable[1].last == 0xfedfffff &&
			  lim.usable[2].start == 0xfef00000 &&
			  lim.usable[2].last == 0xfff00000ULL &&
			  lim.usable[3].start == 0x100000000ULL &&
			  lim.usable[3].last == 0x7fffffffffULL &&
			  lim.page_sizes == 0x201000,
		  "two IOMMUs: what both accept");
	CHECK(dma_limits_narrow(&lim, 0, NULL, 0) == 0 && lim.nr == 4);
	CHECK_MSG(dma_limits_narrow(&lim, 0, far, 1) == -ERANGE,
		  "nothing in common is an error");
	dma_limits_init(&lim);
	CHECK_MSG(dma_limits_narrow(&lim, 0x1000, NULL, 0) == 0 &&
			  dma_limits_narrow(&lim, 0x2000, NULL, 0) == -ERANGE,
		  "no page size in common is an error");
}

int main(void)
{
	if (mem_create(&mem, RAM, 0) || mem_add_region(&mem, 0, RAM))
		return 1;
	log_max_level = LOG_WARN;
	test_map_rules();
	test_unmap_spec_examples();
	test_mirrors();
	test_notify_order();
	test_never_releases();
	test_releases_late();
	test_blocking_together();
	test_blocking_late();
	test_blocking_gap();
	test_against_model();
	test_many();
	test_limits();
	mem_destroy(&mem);
	return test_done();
}
