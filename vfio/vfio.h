/* SPDX-License-Identifier: MIT */
/*
 * VFIO PCI passthrough: the only interface the rest of ferry uses. One
 * struct vfio per VM holds its IOMMU backend, the DMA map of guest RAM,
 * and the passed-through devices.
 */
#ifndef FERRY_VFIO_H
#define FERRY_VFIO_H

#include <stddef.h>
#include "../vmm/util.h"

struct vm;
struct pci_bus;
struct vfio;
struct dma_domain;
struct dma_limits;
struct dma_listener;

/* Which IOMMU backend a device asks for (iommu=). */
enum vfio_iommu_kind {
	VFIO_IOMMU_AUTO,    /* iommufd if the device has a cdev and the host
			     * /dev/iommu, else type1 */
	VFIO_IOMMU_TYPE1,   /* the VFIO container and IOMMU groups */
	VFIO_IOMMU_IOMMUFD, /* the device cdev bound to /dev/iommu */
};

/* A --device vfio,... value, parsed: which host device to pass through. */
struct vfio_spec {
	char sysfs[256]; /* the device's sysfs directory */
	char name[64];	 /* "0000:01:00.0" or the mdev's UUID */
	int is_pci;	 /* host=: a PCI function bound to vfio-pci */
	int is_mdev;	 /* sysfsdev=.../bus/mdev/devices/UUID: mediated */
	enum vfio_iommu_kind iommu;
};

/*
 * Parse what follows "vfio," in a --device value: comma-separated
 * KEY=VALUE, each key once: "host=DDDD:BB:DD.F" (the domain may be left
 * out; hex digits only, each field in range) or "sysfsdev=PATH" (an
 * absolute path whose last component names the device, e.g. a mediated
 * device), exactly one of the two; optionally "iommu=type1|iommufd"
 * (default: chosen at start-up, vfio_spec_check()). 0, or -EINVAL with
 * one sentence in @why. Pure: touches no file.
 */
int vfio_spec_parse(const char *args, struct vfio_spec *spec, char *why,
		    size_t whylen) __must_check;

/*
 * The checks that need only sysfs and /dev: the device exists, the IOMMU
 * backend can reach it (the host has an IOMMU; iommufd: /dev/iommu and
 * the device's cdev), and (PCI) it is bound to vfio-pci, or (mediated
 * device) its parent driver is loaded, it is bound to a VFIO mdev driver
 * of the PCI API and no other process holds it. Run before /dev/kvm is
 * opened, so a wrong --device is reported before host problems. Logs one
 * sentence saying what to do and returns -errno
 * (-ENODEV, -EBUSY).
 */
int vfio_spec_check(const struct vfio_spec *spec) __must_check;

/*
 * An empty context for @vm's devices on @pci. @ram is guest RAM's
 * identity domain (vmm/dma.h), which every device's DMA sees, mapped
 * into one host IOMMU address space; NULL when a vIOMMU decides what each
 * device sees (each gets an address space of its own, empty until the
 * vIOMMU attaches its listener to a domain). @ram must outlive the
 * context. 0 or -ENOMEM.
 */
int vfio_create(struct vfio **out, struct vm *vm, struct pci_bus *pci,
		struct dma_domain *ram) __must_check;

/*
 * Pass the device of @spec through at PCI slot @slot (-1: the first
 * free): check it, attach it to an IOMMU backend (without a vIOMMU the
 * first device sets the IOMMU up and maps all guest RAM for DMA, raising
 * RLIMIT_MEMLOCK when allowed), reset it, and put it on the PCI bus with
 * virtualised config space, BARs and interrupts. On failure one sentence
 * says what to do and nothing of this device is left behind; returns
 * -errno.
 */
int vfio_add_device(struct vfio *v, const struct vfio_spec *spec,
		    int slot) __must_check;

/*
 * With a vIOMMU: the DMA listener of the device at PCI slot @slot (its
 * own host IOMMU address space), for the vIOMMU to attach to the domain
 * the guest chooses; NULL if there is none or no vIOMMU.
 */
struct dma_listener *vfio_device_listener(struct vfio *v, unsigned int slot);

/*
 * What every passed-through device's IOMMU accepts (page sizes, usable
 * IOVA ranges), for a vIOMMU to offer the guest. Logs one sentence; 0 or
 * -errno.
 */
int vfio_dma_limits(struct vfio *v, struct dma_limits *lim) __must_check;

/*
 * Stop every device's DMA: bus mastering off. Idempotent; the first step
 * of the teardown, before any domain goes.
 */
void vfio_quiesce(struct vfio *v);

/*
 * Stop every device's DMA (bus mastering off), release its interrupts
 * and BAR mappings, reset and close it; then its IOMMU address space
 * leaves the domain it mirrors (guest RAM is unmapped from the IOMMU),
 * the devices are detached and the backends close. The vCPUs must have
 * stopped. Safe on a NULL or half-built context.
 */
void vfio_destroy(struct vfio *v);

/* Print per-device statistics (--stats) to stderr. */
void vfio_print_stats(const struct vfio *v);

/*
 * --stats: the unmaps of each device's IOMMU address space as the
 * DMA-mapping layer saw them (its listener: count, failures, past the
 * deadline, notifications, average and longest time), one line each,
 * after "stats: @when". For a mediated device, each host unmap of a
 * range its vendor driver pinned is where type1 notifies that driver.
 */
void vfio_print_dma_stats(const struct vfio *v, const char *when);

#endif
