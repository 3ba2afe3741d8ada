/* SPDX-License-Identifier: MIT */
/*
 * The DMA-mapping layer: guest-visible I/O address spaces (domains), their
 * mappings IOVA -> guest RAM, and the listeners that map or pin that
 * memory for a device. It knows nothing of VFIO: a host IOMMU backend, a
 * mediated device or one of ferry's own device models registers as a
 * listener. docs/dma.md has the rules.
 */
#ifndef FERRY_DMA_H
#define FERRY_DMA_H

#include <pthread.h>
#include <stdint.h>
#include "log.h"
#include "util.h"

struct guest_mem;
struct dma_domain;
struct dma_listener;

#define DMA_READ 1
#define DMA_WRITE 2

#define DMA_MAX_LISTENERS 32	 /* attached to one domain at a time */
#define DMA_UNMAP_RETRIES 10	 /* re-checks after the notification */
#define DMA_UNMAP_WAIT_NS 10000000ULL /* at most this long each */
#define DMA_MAX_MAPPINGS 65536	 /* per domain, as type1's default limit */
/* One unmap request waits at most this long for blocking listeners. */
#define DMA_UNMAP_TIMEOUT_NS 1000000000ULL

#define DMA_MAX_RANGES 16

/* An inclusive range of addresses. */
struct dma_range {
	uint64_t start, last;
};

/*
 * What the host IOMMUs behind a domain accept: the page sizes they map
 * (bit n: 2^n bytes; the lowest set bit is the granule) and the IOVA
 * ranges they translate (sorted, disjoint; reserved regions such as the
 * MSI window are left out).
 */
struct dma_limits {
	uint64_t page_sizes;
	unsigned int nr;
	struct dma_range usable[DMA_MAX_RANGES];
};

/* No limit yet: every page size, all of [0, 2^64). */
void dma_limits_init(struct dma_limits *lim);

/*
 * Narrow @lim to what one more IOMMU also accepts: @page_sizes (0: no
 * say) and @nr ranges (any order; @nr 0: no say). 0, -ERANGE (no page
 * size or no address left in common), -ENOSPC (more than DMA_MAX_RANGES
 * pieces); after a failure @lim is of no use.
 */
int dma_limits_narrow(struct dma_limits *lim, uint64_t page_sizes,
		      const struct dma_range *ranges,
		      unsigned int nr) __must_check;

/*
 * The identity domain of guest RAM: every region of @mem mapped IOVA ==
 * GPA, readable and writable (what devices see without a vIOMMU). 0 or
 * -errno.
 */
int dma_domain_identity(struct dma_domain **out,
			const struct guest_mem *mem) __must_check;

/* One mapping: [iova, iova + len) -> guest RAM [gpa, gpa + len) at hva. */
struct dma_map {
	uint64_t iova;
	uint64_t len;
	uint64_t gpa;
	void *hva;
	int prot; /* DMA_READ | DMA_WRITE */
};

struct dma_listener_ops {
	/*
	 * Mirror mapping @m (a host IOMMU maps and pins it). 0 or -errno;
	 * a failure refuses the mapping for every listener. NULL: this
	 * listener mirrors nothing and only pins. Called with the domain's
	 * lock held: must not call into the layer.
	 */
	int (*map)(struct dma_listener *l, const struct dma_map *m);
	/*
	 * Remove the mirror of @m that map() made. 0 or -errno: then the
	 * mapping stays in the domain (fail closed) and a later unmap tries
	 * this listener again. Same locking as map().
	 */
	int (*unmap)(struct dma_listener *l, const struct dma_map *m);
	/*
	 * The unmap notification: [@iova, @last] is about to go; release
	 * every pin this listener holds in it (dma_unpin()), now or soon
	 * from another thread. Called once per unmap request, before
	 * anything is removed, only on listeners holding pins in the range,
	 * without the domain's lock (dma_unpin() may be called from here).
	 * NULL: the listener is never told (and its pins block unmaps).
	 */
	void (*invalidate)(struct dma_listener *l, uint64_t iova, uint64_t last);
};

/* What the layer saw of one listener (all its domains, ever). */
struct dma_listener_stats {
	uint64_t notified;	 /* invalidate() calls */
	uint64_t unmaps;	 /* ops->unmap() calls that succeeded */
	uint64_t unmap_failed;	 /* ... and that failed */
	uint64_t unmap_ns;	 /* their time, in all */
	uint64_t unmap_max_ns;	 /* the longest */
	uint64_t late;		 /* not done by the request's deadline */
};

struct dma_unmapper;

/* Embedded in its user; get back with container_of. */
struct dma_listener {
	const struct dma_listener_ops *ops;
	const char *name; /* named in the log line of a refused unmap */
	/*
	 * Set before attaching: ops->unmap may wait on someone else (type1
	 * notifying a mediated device's vendor driver, which unpins when it
	 * likes). Then an unmap request runs it on a thread of the
	 * listener's own, beside the other listeners' (they are waited for
	 * together, not one after the other), and waits for it at most
	 * until the domain's unmap_timeout_ns.
	 */
	int blocking;
	/* The layer's, under the domain's lock: */
	struct dma_domain *domain; /* attached to, or NULL */
	int slot;		   /* its bit in a mapping's mirror mask */
	unsigned int pins;	   /* dma_pin()s it holds */
	struct dma_unmapper *unmapper; /* its thread, if blocking */
	struct dma_listener_stats stats;
};

/* A pinned piece of one mapping, in memory the pinner owns. */
struct dma_pin {
	struct dma_listener *l;
	uint64_t iova, len;
	void *hva;	       /* where [iova, iova + len) is in ferry */
	void *mapping;	       /* the layer's */
	struct dma_pin *next;  /* the layer's: the mapping's pins */
};

struct dma_stats {
	uint64_t maps, unmaps;	    /* requests that succeeded */
	uint64_t map_failures;	    /* refused (overlap, fault, listener) */
	uint64_t unmap_refused;	    /* would split a mapping (-ERANGE) */
	uint64_t unmap_stuck;	    /* a listener kept its pins (-EBUSY) */
	uint64_t notifications;	    /* invalidate() calls */
	uint64_t retries;	    /* re-checks after them */
	uint64_t unmap_late;	    /* a blocking listener missed the
				       deadline (-ETIMEDOUT) */
};

struct dma_domain {
	char name[48];
	const struct guest_mem *mem;
	pthread_mutex_t lock;	 /* everything below */
	pthread_cond_t released; /* a pin went away */
	void *root;		 /* the mappings, an AVL tree by IOVA */
	unsigned int nr_mappings, max_mappings;
	unsigned int notifying;	 /* unmaps running with the lock dropped */
	unsigned int late;	 /* blocking unmaps past their deadline */
	unsigned int requests;	 /* the last unmap request's number */
	struct dma_listener *listeners[DMA_MAX_LISTENERS];
	unsigned int retries;	 /* DMA_UNMAP_RETRIES unless a test says */
	uint64_t wait_ns;	 /* DMA_UNMAP_WAIT_NS unless a test says */
	uint64_t unmap_timeout_ns; /* DMA_UNMAP_TIMEOUT_NS, ditto */
	struct dma_stats stats;
	struct log_ratelimit rl;
};

/*
 * A new empty domain named @name (log lines) over guest RAM @mem (which
 * must outlive it). 0 or -ENOMEM.
 */
int dma_domain_create(struct dma_domain **out, const struct guest_mem *mem,
		      const char *name) __must_check;

/*
 * Drain and free @d: wait for blocking unmaps that missed their deadline,
 * unmap everything (listeners holding pins are notified first, as for
 * dma_unmap(); blocking listeners are waited for without a deadline),
 * detach every listener, free. Returns 0, or -EBUSY when a listener
 * keeps its pins or a mirror cannot be removed: then @d stays as it is
 * (fail closed, logged) and the call may be repeated. NULL: 0. Nothing
 * may use @d concurrently.
 */
int dma_domain_destroy(struct dma_domain *d);

/*
 * Map [@iova, @iova + @len) to guest RAM at @gpa with @prot, and mirror
 * it in every attached listener. 0, or: -EINVAL (zero length,
 * wrap-around, @prot empty or unknown), -EFAULT ([@gpa, @gpa + @len) is
 * not RAM inside one region), -EEXIST (overlaps a mapping), -ENOSPC (the
 * domain's mapping limit), -ENOMEM, or a listener's -errno. On failure
 * nothing is left mapped anywhere.
 */
int dma_map(struct dma_domain *d, uint64_t iova, uint64_t len, uint64_t gpa,
	    int prot) __must_check;

/*
 * Unmap every mapping inside [@iova, @last] (the virtio-iommu rules: a
 * range may spill over unmapped addresses; a mapping only partly inside
 * is never split). In order: check the whole request; notify, once,
 * every listener holding pins in it (invalidate()); re-check up to
 * d->retries times, waiting at most d->wait_ns for a pin to go each
 * time; then remove the mirrors and the mappings: blocking listeners'
 * on their own threads, all at once, each waited for until
 * d->unmap_timeout_ns after this step began. New pins in the range are
 * refused (-EBUSY) meanwhile. *@unmapped (may be NULL) gets the bytes
 * removed. Returns 0; -EINVAL (@last < @iova); -ERANGE (a mapping would
 * be split: nothing removed, nobody notified); -EBUSY (another unmap is
 * removing part of it, or a listener kept its pins: the range stays
 * mapped and pinned, and the listener is named in one log line); -EIO (a
 * mirror could not be removed: that mapping stays); -ETIMEDOUT (a
 * blocking listener had not finished by the deadline: it is named in one
 * log line, the mapping stays, busy, until it has finished; a later
 * unmap then removes it without asking that listener again).
 */
int dma_unmap(struct dma_domain *d, uint64_t iova, uint64_t last,
	      uint64_t *unmapped) __must_check;

/*
 * Attach @l to @d and replay every mapping into it (ops->map); a
 * blocking listener gets its thread. 0, -EBUSY (@l is attached
 * somewhere), -ENOSPC (DMA_MAX_LISTENERS), -ENOMEM or -EAGAIN (no
 * thread), or the listener's -errno (then @l is not attached and holds
 * nothing).
 */
int dma_listener_attach(struct dma_domain *d,
			struct dma_listener *l) __must_check;

/*
 * Detach @l from its domain, removing every mirror it holds (ops->unmap,
 * in the calling thread, without a deadline; a failure is logged and the
 * rest go on). Waits for unmaps notifying listeners in this domain and
 * for @l's own late unmap, if any; ends @l's thread. Returns 0, -EBUSY
 * if @l still holds pins (it stays attached), or the first -errno of
 * ops->unmap (detached anyway: the listener's own mapping state is its
 * to clean). Not attached: 0.
 */
int dma_listener_detach(struct dma_listener *l);

/*
 * Pin [@iova, @iova + @len) of @l's domain for an access of @prot: it
 * must lie inside one mapping that allows @prot. Fills @pin (memory the
 * caller keeps until dma_unpin()); pin->hva is where the range is. 0,
 * -EINVAL (not attached, zero length, wrap-around), -EFAULT (not mapped
 * or not allowed), -EBUSY (being unmapped).
 */
int dma_pin(struct dma_listener *l, uint64_t iova, uint64_t len, int prot,
	    struct dma_pin *pin) __must_check;

/* Release @pin; wakes an unmap waiting for it. Any thread. */
void dma_unpin(struct dma_pin *pin);

/*
 * The mapping holding @iova: 1 and a copy in *@out, or 0. Tests and
 * diagnostics.
 */
int dma_lookup(struct dma_domain *d, uint64_t iova, struct dma_map *out);

/* Mappings in @d now. */
unsigned int dma_count(struct dma_domain *d);

#endif
