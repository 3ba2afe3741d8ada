// SPDX-License-Identifier: MIT
/*
 * The virtio-iommu device: its config space, the request queue served
 * by the core (viommu.c), reset, and teardown. The event queue holds the
 * driver's buffers for fault reports; ferry sends none (the host IOMMU's
 * faults do not reach user space through VFIO).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "virtio_iommu.h"

#define REQUEST_Q 0
#define QUEUE_SIZE 256

static_assert(sizeof(struct virtio_iommu_config) == 40, "config layout");

static struct viommu *of(struct virtio_dev *vd)
{
	return container_of(vd, struct viommu, vd);
}

static void cfg_read(struct virtio_dev *vd, uint32_t off, void *data,
		     uint32_t len)
{
	memcpy(data, (uint8_t *)&of(vd)->config + off, len);
}

/*
 * The driver's write to the config: only bypass is writable (with
 * BYPASS_CONFIG). ferry keeps it 0: an endpoint in no domain reaches no
 * memory (fail closed); a driver wanting its devices to bypass attaches
 * them to a bypass domain, as Linux does. The write is said, not done.
 */
static void cfg_write(struct virtio_dev *vd, uint32_t off, const void *data,
		      uint32_t len)
{
	const uint32_t at = offsetof(struct virtio_iommu_config, bypass);
	uint8_t v;

	if (off > at || off + len <= at)
		return;
	v = ((const uint8_t *)data)[at - off];
	if (v && log_ratelimit_ok(&vd->rl, vd->info.name))
		warn("virtio-iommu: the driver asked for global bypass; ferry "
		     "keeps endpoints outside a domain cut off (attach them "
		     "to a bypass domain instead)");
}

/* Every request waiting in the request queue. */
static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* Add the time since @t0 to the stats of request type @type. */
static void account(struct viommu_stats *s, uint8_t type, uint64_t t0)
{
	uint64_t dt = now_ns() - t0;

	s->busy_ns += dt;
	if (type == VIRTIO_IOMMU_T_MAP)
		s->map_ns += dt;
	else if (type == VIRTIO_IOMMU_T_UNMAP)
		s->unmap_ns += dt;
}

static int queue_work(struct virtio_dev *vd, unsigned int q)
{
	struct viommu *v = of(vd);
	struct vq_chain c;
	size_t in, n;
	uint64_t t0;
	int ret, done = 0;

	if (q != REQUEST_Q)
		return 0; /* event buffers: kept for faults never sent */
	while ((ret = vq_pop(&vd->vqs[q], &c)) > 0) {
		t0 = now_ns();
		in = vq_chain_read(&c, 0, v->req, sizeof(v->req));
		n = 0;
		if (c.write_len <= VIOMMU_MAX_WRITE)
			n = viommu_core_request(&v->core, vd->driver_features,
						v->req, in, v->resp,
						(size_t)c.write_len);
		else
			v->core.stats.unparsed++;
		vq_chain_write(&c, 0, v->resp, n);
		vq_push(&vd->vqs[q], &c, (uint32_t)n);
		account(&v->core.stats, in ? v->req[0] : 0, t0);
		done = 1;
	}
	if (done)
		virtio_interrupt(vd, q);
	return ret;
}

static void reset(struct virtio_dev *vd)
{
	/* "When the device is reset, endpoints are not attached to any
	 * domain." What stays pinned is kept (and said), never dropped. */
	viommu_core_reset(&of(vd)->core);
}

static const struct virtio_dev_ops viommu_ops = {
	.cfg_read = cfg_read,
	.cfg_write = cfg_write,
	.queue_work = queue_work,
	.reset = reset,
};

int viommu_create(struct viommu **out, struct vm *vm, struct pci_bus *pci,
		  const struct guest_mem *mem, int slot,
		  const struct viommu_config *cfg)
{
	struct viommu *v = calloc(1, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	ret = viommu_core_init(&v->core, mem, cfg);
	if (ret) {
		err("virtio-iommu: the host IOMMUs have more reserved ranges "
		    "or endpoints than it takes");
		goto err_free;
	}
	v->config = (struct virtio_iommu_config){
		.page_size_mask = v->core.page_sizes,
		.input_range = { v->core.input.start, v->core.input.last },
		.probe_size = VIOMMU_PROBE_SIZE,
	};
	v->vd.info = (struct virtio_dev_info){
		.name = "virtio-iommu",
		.device_id = 23,
		.class_code = 0x088000, /* system peripheral, other */
		.features = 1ULL << VIRTIO_IOMMU_F_INPUT_RANGE |
			    1ULL << VIRTIO_IOMMU_F_MAP_UNMAP |
			    1ULL << VIRTIO_IOMMU_F_PROBE |
			    1ULL << VIRTIO_IOMMU_F_BYPASS_CONFIG,
		.nr_queues = 2,
		.queue_size = QUEUE_SIZE,
		.cfg_size = sizeof(v->config),
	};
	v->vd.ops = &viommu_ops;
	ret = virtio_pci_init(&v->vd, vm, pci, mem, slot);
	if (ret)
		goto err_free;
	*out = v;
	return 0;

err_free:
	free(v);
	return ret;
}

void viommu_stop(struct viommu *v)
{
	if (v)
		virtio_pci_stop(&v->vd);
}

void viommu_destroy(struct viommu *v)
{
	if (!v)
		return;
	viommu_stop(v);
	if (viommu_core_reset(&v->core)) {
		/* A listener never let go: its mappings outlive us rather
		 * than be taken from under a device (logged already). */
		err("virtio-iommu: domains still pinned at exit are left "
		    "mapped");
		v->core.domains = v->core.zombies = NULL;
	}
	virtio_pci_destroy(&v->vd);
	free(v);
}

void viommu_print_stats(const struct viommu *v)
{
	const struct viommu_stats *s;
	const struct virtio_stats *t;

	if (!v)
		return;
	s = &v->core.stats;
	t = &v->vd.stats;
	fprintf(stderr,
		"stats: virtio-iommu requests=%llu failed=%llu unparsed=%llu "
		"attach=%llu detach=%llu map=%llu unmap=%llu probe=%llu "
		"kicks=%llu trapped-kicks=%llu interrupts=%llu resets=%llu "
		"broken=%llu busy-ms=%.1f map-us=%.1f unmap-us=%.1f "
		"unmap-avg-us=%llu unmap-max-us=%llu\n",
		(unsigned long long)s->requests, (unsigned long long)s->failed,
		(unsigned long long)s->unparsed, (unsigned long long)s->attach,
		(unsigned long long)s->detach, (unsigned long long)s->map,
		(unsigned long long)s->unmap, (unsigned long long)s->probe,
		(unsigned long long)t->kicks,
		(unsigned long long)t->trapped_kicks,
		(unsigned long long)t->interrupts, (unsigned long long)t->resets,
		(unsigned long long)t->broken, (double)s->busy_ns / 1e6,
		s->map ? (double)s->map_ns / 1e3 / (double)s->map : 0.0,
		s->unmap ? (double)s->unmap_ns / 1e3 / (double)s->unmap : 0.0,
		(unsigned long long)(s->unmap_timed ? s->unmap_layer_ns /
							      s->unmap_timed / 1000
						    : 0),
		(unsigned long long)(s->unmap_max_ns / 1000));
}
