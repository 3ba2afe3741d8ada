/* SPDX-License-Identifier: MIT */
/* The kinds of --device: one table, each kind's parser, checks and adder. */
#ifndef FERRY_RUN_DEVKIND_H
#define FERRY_RUN_DEVKIND_H

#include <stddef.h>
#include "../../vfio/vfio.h"
#include "../util.h"

struct machine;
struct device_kind;

/* One --device, parsed once into its kind's typed spec. */
struct device_opt {
	const struct device_kind *kind;
	union {
		struct vfio_spec vfio; /* kind "vfio" */
	} u;
};

struct device_kind {
	const char *name;  /* what --device starts with, before the comma */
	const char *usage; /* the forms it takes, for messages */
	/*
	 * Parse the part after "NAME," into @d->u. Pure: touches no file.
	 * 0, or -EINVAL with one sentence in @why.
	 */
	int (*parse)(const char *args, struct device_opt *d, char *why,
		     size_t whylen);
	/* Do @a and @b name the same host device (given twice)? */
	int (*same)(const struct device_opt *a, const struct device_opt *b);
	/*
	 * The checks that need no host resource beyond sysfs, made before
	 * /dev/kvm is opened. Logs one sentence; 0 or -errno.
	 */
	int (*check)(const struct device_opt *d);
	/*
	 * Add the device to @m's running machine, at PCI slot @slot of bus
	 * 0 (the composition plans the slots: the guest's description of
	 * the machine names them before the devices exist). Logs; 0 or
	 * -errno.
	 */
	int (*add)(struct machine *m, const struct device_opt *d, int slot);
};

/*
 * Parse one --device value "KIND,ARGS" into @d through the kind table.
 * 0, or -EINVAL with one sentence in @why (unknown kind, bad arguments).
 */
int devkind_parse(const char *text, struct device_opt *d, char *why,
		  size_t whylen) __must_check;

/* The kind table, for --help and tests: @i-th kind or NULL past the end. */
const struct device_kind *devkind_at(unsigned int i);

#endif
