/* SPDX-License-Identifier: MIT */
/*
 * VFIO PCI passthrough over the type1 container: the only interface the
 * rest of ferry uses. One struct vfio per VM holds the container, its
 * groups, the DMA map of guest RAM, and the passed-through devices.
 */
#ifndef FERRY_VFIO_H
#define FERRY_VFIO_H

#include <stddef.h>
#include "../vmm/util.h"

struct vm;
struct pci;
struct vfio;

/*
 * Parse a --device value: "vfio,host=DDDD:BB:DD.F" (the domain may be
 * left out) or "vfio,sysfsdev=PATH" (a mediated device). Writes the
 * device's sysfs directory to @sysfs. 0, or -EINVAL with one sentence in
 * @why. Pure: touches no file.
 */
int vfio_spec_parse(const char *spec, char *sysfs, size_t len, char *why,
		    size_t whylen) __must_check;

/* An empty context for @vm's devices on @pci. 0 or -ENOMEM. */
int vfio_create(struct vfio **out, struct vm *vm,
		struct pci *pci) __must_check;

/*
 * Pass the device of @spec through: check it is bound to vfio-pci and its
 * IOMMU group is viable, attach the group to the container (the first
 * one sets up the type1v2 IOMMU and maps all guest RAM for DMA, raising
 * RLIMIT_MEMLOCK when allowed), reset the device, and put it on the PCI
 * bus with virtualised config space, BARs and interrupts. On failure one
 * sentence says what to do and nothing of this device is left behind;
 * returns -errno.
 */
int vfio_add_device(struct vfio *v, const char *spec) __must_check;

/*
 * Stop every device's DMA (bus mastering off, reset), release its
 * interrupts and BAR mappings, unmap guest RAM from the IOMMU and close
 * everything. The vCPUs must have stopped. Safe to call more than once,
 * and on a NULL or half-built context.
 */
void vfio_destroy(struct vfio *v);

/* Print per-device statistics (--stats) to stderr. */
void vfio_print_stats(const struct vfio *v);

#endif
