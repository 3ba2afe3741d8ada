/* SPDX-License-Identifier: MIT */
/*
 * virtio devices on PCI (modern only, virtio 1.x): the one transport every
 * virtio device model of ferry sits on (virtio_pci.c). The model gives
 * its identity, its config space and what to do with a queue; the
 * transport owns config space, the BARs (common config, ISR, device
 * config, doorbells, MSI-X), feature negotiation, reset, doorbells
 * (KVM ioeventfds) and interrupts (irqfds), and a worker thread.
 */
#ifndef FERRY_VIRTIO_H
#define FERRY_VIRTIO_H

#include <pthread.h>
#include <stdint.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include "msix.h"
#include "pci.h"
#include "virtqueue.h"

struct vm;
struct guest_mem;
struct virtio_dev;

#define VIRTIO_MAX_QUEUES 8

struct virtio_dev_ops {
	/*
	 * Read @len bytes at @off of the device-specific config (inside
	 * info.cfg_size). NULL: zeroes.
	 */
	void (*cfg_read)(struct virtio_dev *vd, uint32_t off, void *data,
			 uint32_t len);
	/* A driver's write there. NULL: the config is read-only. */
	void (*cfg_write)(struct virtio_dev *vd, uint32_t off,
			  const void *data, uint32_t len);
	/*
	 * The driver notified queue @q: take and complete what it holds
	 * (vq_pop(), vq_push(), virtio_interrupt()). Called on the worker
	 * thread only while the driver runs the device (DRIVER_OK) and it is
	 * not broken. 0, or -EIO: the driver broke the queue, and the
	 * transport marks the device as needing a reset.
	 */
	int (*queue_work)(struct virtio_dev *vd, unsigned int q);
	/* The driver reset the device: forget everything it set up. */
	void (*reset)(struct virtio_dev *vd);
};
/* All ops are called with vd->lock held. */

/* What a device model is, for the transport. */
struct virtio_dev_info {
	const char *name;	/* for messages and --stats */
	uint16_t device_id;	/* the virtio device type (23: IOMMU) */
	uint32_t class_code;	/* PCI class, subclass and interface */
	uint64_t features;	/* device-specific bits offered */
	unsigned int nr_queues; /* at most VIRTIO_MAX_QUEUES */
	uint16_t queue_size;	/* offered for each, a power of 2 */
	uint32_t cfg_size;	/* bytes of device-specific config */
};

struct virtio_stats {
	uint64_t kicks;	      /* doorbells the worker took */
	uint64_t trapped_kicks; /* ... that exited to ferry first */
	uint64_t interrupts;  /* MSI-X messages or INTx assertions */
	uint64_t resets;
	uint64_t broken;      /* times marked as needing a reset */
};

/* Embeds struct pci_dev; a device model embeds this. */
struct virtio_dev {
	struct pci_dev pci;
	const struct virtio_dev_ops *ops;
	struct virtio_dev_info info;
	struct vm *vm;
	const struct guest_mem *mem;
	/*
	 * The transport's state and the model's. Taken by the worker around
	 * queue_work(), by vCPUs for BAR accesses, and under the PCI
	 * device's lock for config accesses (so always after that one).
	 */
	pthread_mutex_t lock;
	struct pci_cfg_array cfg;
	uint64_t offered;	/* info.features plus the transport's */
	uint64_t driver_features;
	uint32_t device_feature_sel, driver_feature_sel;
	uint8_t status;
	uint8_t isr;
	uint16_t config_vector;
	uint16_t queue_sel;
	struct virtqueue vqs[VIRTIO_MAX_QUEUES];
	struct msix msix;
	/* Doorbells: an eventfd per queue, a KVM ioeventfd on its address. */
	int kick_fd[VIRTIO_MAX_QUEUES];
	int ioeventfds_on;
	uint64_t notify_gpa;
	/* The worker. */
	pthread_t worker;
	int worker_on;
	int stop_fd;
	struct virtio_stats stats;
	struct log_ratelimit rl;
};

/*
 * Bring up @vd, whose info and ops the model set: config space with the
 * virtio capabilities, BAR0 (common config, ISR, device config,
 * doorbells) and BAR1 (MSI-X table and PBA) on @pci at slot @slot (-1:
 * the first free), guest RAM @mem for the queues, and the worker thread.
 * BARs decode as firmware leaves them. 0 or -errno with nothing left
 * behind; says what failed.
 */
int virtio_pci_init(struct virtio_dev *vd, struct vm *vm, struct pci_bus *pci,
		    const struct guest_mem *mem, int slot) __must_check;

/*
 * Stop the worker: no queue is worked on after this returns (the first
 * step of a teardown). Idempotent.
 */
void virtio_pci_stop(struct virtio_dev *vd);

/*
 * Stop the worker, take the device off the bus and release doorbells,
 * interrupts and eventfds. Idempotent; safe after a failed init.
 */
void virtio_pci_destroy(struct virtio_dev *vd);

/* For the device model, with vd->lock held: */

/* Interrupt the driver for queue @q, unless it asked not to be. */
void virtio_interrupt(struct virtio_dev *vd, unsigned int q);

/* Did the driver accept feature bit @bit? */
int virtio_has(const struct virtio_dev *vd, unsigned int bit);

/*
 * The driver did what no driver may: set DEVICE_NEEDS_RESET, tell it
 * (a config change interrupt), work on no queue until it resets the
 * device. @why is said once per occurrence, rate-limited.
 */
void virtio_broken(struct virtio_dev *vd, const char *why);

/* The layout of BAR0 (offsets) and BAR1, for tests and guests. */
#define VIRTIO_BAR0_SIZE 0x4000
#define VIRTIO_COMMON_OFF 0x0000
#define VIRTIO_COMMON_LEN 0x38
#define VIRTIO_ISR_OFF 0x1000
#define VIRTIO_DEVICE_OFF 0x2000
#define VIRTIO_NOTIFY_OFF 0x3000
#define VIRTIO_NOTIFY_MULT 4
#define VIRTIO_BAR1_SIZE 0x1000
#define VIRTIO_PBA_OFF 0x800

#endif
