// SPDX-License-Identifier: MIT
/* The kinds of --device: one table, each kind's parser, checks and adder. */
#include <errno.h>
#include <string.h>
#include "../log.h"
#include "devkind.h"
#include "machine.h"

/* vfio: a host device through VFIO (vfio/vfio.h). */
static int vfio_parse(const char *args, struct device_opt *d, char *why,
		      size_t whylen)
{
	return vfio_spec_parse(args, &d->u.vfio, why, whylen);
}

static int vfio_same(const struct device_opt *a, const struct device_opt *b)
{
	return strcmp(a->u.vfio.sysfs, b->u.vfio.sysfs) == 0;
}

static int vfio_check(const struct device_opt *d)
{
	return vfio_spec_check(&d->u.vfio);
}

static int vfio_add(struct machine *m, const struct device_opt *d, int slot)
{
	int ret;

	if (!m->vfio) {
		/* Behind a vIOMMU the guest decides what each device sees. */
		ret = vfio_create(&m->vfio, &m->vm, board_pci(m->board),
				  m->opts->viommu ? NULL : m->ram_dma);
		if (ret) {
			err("out of memory for passed-through devices");
			return ret;
		}
	}
	return vfio_add_device(m->vfio, &d->u.vfio, slot);
}

static const struct device_kind kinds[] = {
	{
		.name = "vfio",
		.usage = "vfio,host=DDDD:BB:DD.F or vfio,sysfsdev=PATH (optionally "
			 ",iommu=type1 or ,iommu=iommufd)",
		.parse = vfio_parse,
		.same = vfio_same,
		.check = vfio_check,
		.add = vfio_add,
	},
};

const struct device_kind *devkind_at(unsigned int i)
{
	return i < ARRAY_SIZE(kinds) ? &kinds[i] : NULL;
}

int devkind_parse(const char *text, struct device_opt *d, char *why,
		  size_t whylen)
{
	const char *comma = strchr(text, ',');
	size_t n = comma ? (size_t)(comma - text) : strlen(text);
	unsigned int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strlen(kinds[i].name) != n ||
		    strncmp(kinds[i].name, text, n) != 0)
			continue;
		d->kind = &kinds[i];
		return kinds[i].parse(comma ? comma + 1 : "", d, why, whylen);
	}
	return why_set(why, whylen, -EINVAL, "--device '%s' is not understood; "
		       "write %s", text, kinds[0].usage);
}
