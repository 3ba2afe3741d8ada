// SPDX-License-Identifier: MIT
/* PIO and MMIO buses: sorted, non-overlapping regions under an rwlock. */
#include <errno.h>
#include <stdlib.h>
#include "bus.h"

int bus_init(struct bus *bus, const char *name, enum log_level unclaimed_level)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	bus->unclaimed_level = unclaimed_level;
	return -pthread_rwlock_init(&bus->lock, NULL);
}

void bus_destroy(struct bus *bus)
{
	free(bus->regions);
	bus->regions = NULL;
	bus->nr = bus->cap = 0;
	pthread_rwlock_destroy(&bus->lock);
}

/* Index of the first region whose end is above @addr. Lock held. */
static unsigned int lower_bound(const struct bus *bus, uint64_t addr)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_region *r = &bus->regions[mid];

		if (r->base + (r->len - 1) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus_add(struct bus *bus, uint64_t base, uint64_t len, struct bus_dev *dev)
{
	uint64_t last;
	unsigned int i;
	int ret = 0;

	if (len == 0 || __builtin_add_overflow(base, len - 1, &last))
		return -EINVAL;

	pthread_rwlock_wrlock(&bus->lock);
	i = lower_bound(bus, base);
	if (i < bus->nr && bus->regions[i].base <= last) {
		ret = -EEXIST;
		goto out;
	}
	if (bus->nr == bus->cap) {
		unsigned int cap = bus->cap ? bus->cap * 2 : 16;
		struct bus_region *r;

		r = realloc(bus->regions, cap * sizeof(*r));
		if (!r) {
			ret = -ENOMEM;
			goto out;
		}
		bus->regions = r;
		bus->cap = cap;
	}
	memmove(&bus->regions[i + 1], &bus->regions[i],
		(bus->nr - i) * sizeof(bus->regions[0]));
	bus->regions[i] = (struct bus_region){ base, len, dev };
	bus->nr++;
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int bus_remove(struct bus *bus, uint64_t base, struct bus_dev *dev)
{
	unsigned int i;
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	i = lower_bound(bus, base);
	if (i < bus->nr && bus->regions[i].base == base &&
	    bus->regions[i].dev == dev) {
		memmove(&bus->regions[i], &bus->regions[i + 1],
			(bus->nr - i - 1) * sizeof(bus->regions[0]));
		bus->nr--;
		ret = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

/*
 * Copy out the region claiming all of [addr, addr + len) so the callback
 * runs unlocked (it may itself add or remove regions, e.g. a BAR move).
 */
static int lookup(struct bus *bus, uint64_t addr, uint32_t len,
		  struct bus_region *out)
{
	unsigned int i;
	int found = 0;

	pthread_rwlock_rdlock(&bus->lock);
	i = lower_bound(bus, addr);
	if (i < bus->nr) {
		const struct bus_region *r = &bus->regions[i];
		uint64_t off = addr - r->base;

		if (addr >= r->base && len <= r->len && off <= r->len - len) {
			*out = *r;
			found = 1;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return found;
}

int bus_read(struct bus *bus, uint64_t addr, void *data, uint32_t len)
{
	struct bus_region r;

	bus->accesses++;
	memset(data, 0xff, len);
	if (!lookup(bus, addr, len, &r)) {
		bus->unclaimed++;
		return 0;
	}
	if (r.dev->ops->read)
		r.dev->ops->read(r.dev, addr - r.base, data, len);
	return 1;
}

int bus_write(struct bus *bus, uint64_t addr, const void *data, uint32_t len)
{
	struct bus_region r;

	bus->accesses++;
	if (!lookup(bus, addr, len, &r)) {
		bus->unclaimed++;
		if (log_ratelimit_ok_level(&bus->unclaimed_rl,
					   bus->unclaimed_level, bus->name))
			log_msg(bus->unclaimed_level, "%s: dropped %u-byte "
				"write of 0x%llx to unclaimed address 0x%llx",
				bus->name, len,
			     (unsigned long long)data_get(data, len),
			     (unsigned long long)addr);
		return 0;
	}
	if (r.dev->ops->write)
		r.dev->ops->write(r.dev, addr - r.base, data, len);
	return 1;
}

const char *bus_owner(struct bus *bus, uint64_t addr)
{
	struct bus_region r;

	return lookup(bus, addr, 1, &r) ? r.dev->name : NULL;
}
