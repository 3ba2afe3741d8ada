// SPDX-License-Identifier: MIT
/* ARM PrimeCell PL031 real-time clock: the host's UTC time, a match alarm. */
#include <errno.h>
#include "../vmm/vm.h"
#include "pl031.h"

enum {
	RTCDR = 0x00,	/* data: the counter (read only) */
	RTCMR = 0x04,	/* match */
	RTCLR = 0x08,	/* load: sets the counter */
	RTCCR = 0x0c,	/* control: bit 0 starts the counter */
	RTCIMSC = 0x10, /* interrupt mask set/clear: 1 enables */
	RTCRIS = 0x14,	/* raw interrupt status */
	RTCMIS = 0x18,	/* masked interrupt status */
	RTCICR = 0x1c,	/* interrupt clear (write 1) */
	ID_BASE = 0xfe0 /* PeriphID0-3, PCellID0-3, one byte per word */
};

/* Part 0x031, designer ARM (0x41), revision 1; the PrimeCell ID. */
static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x14, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

static uint32_t counter(const struct pl031 *p)
{
	return (uint32_t)((int64_t)p->now() + p->offset);
}

/* Raise or lower the line as RTCMIS says. Called with p->lock held. */
static void update_irq(struct pl031 *p)
{
	int level = (p->ris & p->imsc & 1) != 0;

	if (level != p->irq_level && p->vm) {
		p->irq_level = level;
		vm_irq_line(p->vm, p->irq, level);
	}
	p->irq_level = level;
}

/*
 * The counter reached the match: raw status set once per match written
 * (or per load that moves the counter behind it). Called with p->lock held.
 */
static void check_match(struct pl031 *p)
{
	if (p->armed && (int32_t)(counter(p) - p->match) >= 0) {
		p->armed = 0;
		p->ris |= 1;
	}
	update_irq(p);
}

/* Arm the alarm if the match lies ahead. Called with p->lock held. */
static void arm(struct pl031 *p)
{
	p->armed = (int32_t)(p->match - counter(p)) > 0 ||
		   p->match == counter(p);
	check_match(p);
	if (p->thread_on)
		pthread_cond_signal(&p->cond);
}

static uint32_t reg_read(struct pl031 *p, uint64_t off)
{
	if (off >= ID_BASE && off < ID_BASE + 32 && !(off & 3))
		return pl031_id[(off - ID_BASE) / 4];
	switch (off) {
	case RTCDR:
		return counter(p);
	case RTCMR:
		return p->match;
	case RTCLR:
		return p->load;
	case RTCCR:
		return p->cr;
	case RTCIMSC:
		return p->imsc;
	case RTCRIS:
		return p->ris;
	case RTCMIS:
		return p->ris & p->imsc;
	default:
		return 0; /* reserved registers read as zero */
	}
}

static void reg_write(struct pl031 *p, uint64_t off, uint32_t v)
{
	switch (off) {
	case RTCMR:
		p->match = v;
		arm(p);
		break;
	case RTCLR:
		p->load = v;
		p->offset = (int64_t)v - (int64_t)p->now();
		arm(p);
		break;
	case RTCCR:
		p->cr |= v & 1; /* once started it cannot be stopped */
		break;
	case RTCIMSC:
		p->imsc = v & 1;
		break;
	case RTCICR:
		p->ris &= ~(v & 1);
		break;
	default:
		break; /* read-only and reserved registers */
	}
	update_irq(p);
}

static void pl031_read(struct bus_dev *dev, uint64_t off, void *data,
		       uint32_t len)
{
	struct pl031 *p = container_of(dev, struct pl031, bdev);
	uint32_t v;

	pthread_mutex_lock(&p->lock);
	check_match(p);
	v = reg_read(p, off & ~3ULL) >> ((off & 3) * 8);
	pthread_mutex_unlock(&p->lock);
	data_put(data, len, v);
}

static void pl031_write(struct bus_dev *dev, uint64_t off, const void *data,
			uint32_t len)
{
	struct pl031 *p = container_of(dev, struct pl031, bdev);

	/* Registers take whole words (the PrimeCell's APB bus is 32 bits). */
	if (len != 4 || (off & 3))
		return;
	pthread_mutex_lock(&p->lock);
	reg_write(p, off, (uint32_t)data_get(data, len));
	pthread_mutex_unlock(&p->lock);
}

const struct bus_ops pl031_ops = {
	.read = pl031_read,
	.write = pl031_write,
};

void pl031_poll(struct pl031 *p)
{
	pthread_mutex_lock(&p->lock);
	check_match(p);
	pthread_mutex_unlock(&p->lock);
}

/* Sleep until the match time (host seconds), or a change, or the end. */
static void *alarm_thread(void *arg)
{
	struct pl031 *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		check_match(p);
		if (p->armed) {
			struct timespec t = {
				.tv_sec = (time_t)((int64_t)p->match - p->offset),
			};

			pthread_cond_timedwait(&p->cond, &p->lock, &t);
		} else {
			pthread_cond_wait(&p->cond, &p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static time_t host_now(void)
{
	return time(NULL);
}

int pl031_init(struct pl031 *p, struct vm *vm, struct bus *bus, uint64_t base,
	       unsigned int irq)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->bdev.ops = &pl031_ops;
	p->bdev.name = "pl031";
	p->vm = vm;
	p->irq = irq;
	p->now = host_now;
	p->cr = 1; /* running from power-on, as firmware leaves it */
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (vm) {
		/* The thread runs with the stop signals blocked (main's mask). */
		ret = -pthread_create(&p->thread, NULL, alarm_thread, p);
		if (ret)
			return ret;
		p->thread_on = 1;
	}
	return bus ? bus_add(bus, base, 0x1000, &p->bdev) : 0;
}

void pl031_destroy(struct pl031 *p)
{
	if (!p->thread_on)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->thread_on = 0;
}
