// SPDX-License-Identifier: MIT
/* Passing a device through: --device parsing, checks, bring-up, teardown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"


/*
 * Read exactly @digits hex digits at *@s into *@v and advance. sscanf's
 * %x would take signs, spaces and "0x", so it is not used.
 */
static int hex_field(const char **s, unsigned int digits, unsigned int *v)
{
	unsigned int i, d;

	*v = 0;
	for (i = 0; i < digits; i++) {
		char c = (*s)[i];

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		*v = *v << 4 | d;
	}
	*s += digits;
	return 0;
}

static int expect(const char **s, char c)
{
	if (**s != c)
		return -EINVAL;
	(*s)++;
	return 0;
}

/* "DDDD:BB:DD.F" or "BB:DD.F", as lspci -D prints them; nothing after. */
static int parse_bdf(const char *s, unsigned int *dom, unsigned int *bus,
		     unsigned int *dev, unsigned int *fn)
{
	size_t n = strlen(s);

	*dom = 0;
	if (n == 12 && (hex_field(&s, 4, dom) || expect(&s, ':')))
		return -EINVAL;
	if ((n != 12 && n != 7) || hex_field(&s, 2, bus) || expect(&s, ':') ||
	    hex_field(&s, 2, dev) || expect(&s, '.') || hex_field(&s, 1, fn))
		return -EINVAL;
	return *dev <= 0x1f && *fn <= 7 ? 0 : -EINVAL;
}

/* "host=..." into @spec. */
static int parse_host(const char *val, struct vfio_spec *spec, char *why,
		      size_t whylen)
{
	unsigned int dom, bus, dev, fn;

	if (parse_bdf(val, &dom, &bus, &dev, &fn))
		return why_set(why, whylen, -EINVAL, "--device: '%s' is not a "
			       "PCI address; write it like 0000:01:00.0", val);
	snprintf(spec->name, sizeof(spec->name), "%04x:%02x:%02x.%x", dom, bus,
		 dev, fn);
	snprintf(spec->sysfs, sizeof(spec->sysfs), "/sys/bus/pci/devices/%s",
		 spec->name);
	spec->is_pci = 1;
	return 0;
}

/* "sysfsdev=..." into @spec. */
static int parse_sysfsdev(const char *val, struct vfio_spec *spec, char *why,
			  size_t whylen)
{
	const char *base = strrchr(val, '/');

	if (val[0] != '/' || !base || !base[1] ||
	    strlen(val) >= sizeof(spec->sysfs) ||
	    strlen(base + 1) >= sizeof(spec->name))
		return why_set(why, whylen, -EINVAL, "--device: sysfsdev= needs "
			       "the absolute path of a device directory, such "
			       "as /sys/bus/mdev/devices/UUID");
	snprintf(spec->sysfs, sizeof(spec->sysfs), "%s", val);
	snprintf(spec->name, sizeof(spec->name), "%s", base + 1);
	/* Other paths of an mdev are recognised by vfio_spec_check. */
	spec->is_mdev = strstr(val, "/bus/mdev/devices/") != NULL;
	return 0;
}

static int parse_iommu(const char *val, struct vfio_spec *spec, char *why,
		       size_t whylen)
{
	if (strcmp(val, "type1") == 0)
		spec->iommu = VFIO_IOMMU_TYPE1;
	else if (strcmp(val, "iommufd") == 0)
		spec->iommu = VFIO_IOMMU_IOMMUFD;
	else
		return why_set(why, whylen, -EINVAL, "--device: iommu='%s' is "
			       "not a backend; write iommu=type1 or "
			       "iommu=iommufd (or leave it out to choose "
			       "automatically)", val);
	return 0;
}

int vfio_spec_parse(const char *args, struct vfio_spec *spec, char *why,
		    size_t whylen)
{
	static const char *const keys[] = { "host", "sysfsdev", "iommu" };
	char buf[512], *key, *val, *save = NULL;
	unsigned int seen = 0, i;
	int ret;

	memset(spec, 0, sizeof(*spec));
	if (strlen(args) >= sizeof(buf))
		return why_set(why, whylen, -EINVAL, "--device 'vfio,...' is "
			       "too long");
	snprintf(buf, sizeof(buf), "%s", args);
	for (key = strtok_r(buf, ",", &save); key;
	     key = strtok_r(NULL, ",", &save)) {
		val = strchr(key, '=');
		for (i = 0; val && i < ARRAY_SIZE(keys); i++)
			if (strlen(keys[i]) == (size_t)(val - key) &&
			    strncmp(keys[i], key, (size_t)(val - key)) == 0)
				break;
		if (!val || i == ARRAY_SIZE(keys))
			return why_set(why, whylen, -EINVAL, "--device "
				       "'vfio,%s': '%s' is not understood; "
				       "write host=, sysfsdev= and optionally "
				       "iommu=", args, key);
		if (seen & (1u << i))
			return why_set(why, whylen, -EINVAL, "--device "
				       "'vfio,%s': %s= is given twice", args,
				       keys[i]);
		seen |= 1u << i;
		val++;
		if (i == 0)
			ret = parse_host(val, spec, why, whylen);
		else if (i == 1)
			ret = parse_sysfsdev(val, spec, why, whylen);
		else
			ret = parse_iommu(val, spec, why, whylen);
		if (ret)
			return ret;
	}
	if ((seen & 3) == 3)
		return why_set(why, whylen, -EINVAL, "--device 'vfio,%s': give "
			       "host= or sysfsdev=, not both", args);
	if (!(seen & 3))
		return why_set(why, whylen, -EINVAL, "--device 'vfio,%s': say "
			       "which device with host= or sysfsdev=", args);
	return 0;
}

/*
 * KVM could not reach a BAR's backing: the kernel revoked the mmap (a
 * reset or power change we did not cause). Serve the BARs by trapping,
 * where a failed read is all-ones and a failed write is dropped, as an
 * unsupported request would be. Never dereferencing BAR mmaps itself,
 * ferry cannot take a SIGBUS from them.
 *
 * Several vCPUs hit the revoked BAR at once: the first to get here takes
 * the slots away, and the others find nothing mapped any more. Their
 * access faulted on a slot that is gone now, so they must retry too:
 * "handled" is returned whenever some BAR was ever mapped. An EFAULT that
 * was not ours is then retried once, and the vCPU loop stops the VM on a
 * second one in a row, so it cannot loop.
 */
static int efault_recover(void *ctx)
{
	struct vfio *v = ctx;
	unsigned int i;
	int b, trapped = 0, was_mapped = 0;

	for (i = 0; i < v->nr_devs; i++)
		for (b = 0; b <= PCI_ROM_BAR; b++) {
			struct vfio_bar *bar = &v->devs[i]->bars[b];

			if (!bar->mappable)
				continue;
			trapped |= barmap_trap(&bar->map);
			was_mapped |= barmap_was_mapped(&bar->map);
		}
	return trapped || was_mapped;
}

int vfio_create(struct vfio **out, struct vm *vm, struct pci_bus *pci,
		struct dma_domain *ram)
{
	struct vfio *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->pci = pci;
	v->ram = ram;
	vm->efault_recover = efault_recover;
	vm->efault_ctx = v;
	*out = v;
	return 0;
}

int vfio_sysfs_link(const char *dir, const char *link, char *out,
		    size_t len)
{
	char path[600], target[512];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/*
 * The IOMMU backend for @spec: what its iommu= asks for; by default
 * iommufd when the host has /dev/iommu and the device a VFIO cdev (the
 * kernel's current interface), else type1. *@why says why (for -v).
 */
static const struct vfio_iommu_ops *backend_for(const struct vfio_spec *spec,
						const char **why)
{
	char cdev[32];

	switch (spec->iommu) {
	case VFIO_IOMMU_TYPE1:
		*why = "iommu=type1";
		return &vfio_type1_ops;
	case VFIO_IOMMU_IOMMUFD:
		*why = "iommu=iommufd";
		return &vfio_iommufd_ops;
	case VFIO_IOMMU_AUTO:
		break;
	}
	if (access("/dev/iommu", F_OK) < 0) {
		*why = "the host has no /dev/iommu";
		return &vfio_type1_ops;
	}
	if (vfio_cdev_name(spec->sysfs, cdev, sizeof(cdev))) {
		*why = "the device has no VFIO cdev";
		return &vfio_type1_ops;
	}
	*why = "the device has a VFIO cdev and the host /dev/iommu";
	return &vfio_iommufd_ops;
}

/* A backend instance of @ops for @spec: one host IOMMU address space. */
static int backend_create(struct vfio *v, const struct vfio_spec *spec,
			  const struct vfio_iommu_ops *ops,
			  struct vfio_iommu **out)
{
	int ret;

	if (ops == &vfio_iommufd_ops)
		ret = vfio_iommufd_create(out, v->vm, -1, NULL);
	else
		ret = vfio_type1_create(out, v->vm, -1);
	if (ret) {
		err("cannot set up the IOMMU backend: %s", strerror(-ret));
		return ret;
	}
	/* One for all devices is named for none of them. */
	vfio_listener_init(*out, v->ram ? "(guest RAM)" : spec->name);
	return 0;
}

/*
 * The backend @spec uses in @v: one per VM (all guest RAM is mapped
 * once, through it). A device without iommu= follows the VM's backend
 * when that can reach it. 0, or -EINVAL with one sentence.
 */
static int backend_pick(struct vfio *v, const struct vfio_spec *spec,
			const struct vfio_iommu_ops **out)
{
	/* With a vIOMMU each device has an instance of its own, all alike. */
	const struct vfio_iommu_ops *ops, *vm_ops =
		v->iommu ? v->iommu->ops :
		v->nr_devs ? v->devs[0]->iommu->ops : NULL;
	const char *why;
	char cdev[32];

	ops = backend_for(spec, &why);
	if (vm_ops && vm_ops != ops && spec->iommu == VFIO_IOMMU_AUTO &&
	    (vm_ops == &vfio_type1_ops ||
	     vfio_cdev_name(spec->sysfs, cdev, sizeof(cdev)) == 0)) {
		ops = vm_ops;
		why = "the backend of the VM's other devices";
	}
	if (vm_ops && vm_ops != ops) {
		err("%s: ferry uses one IOMMU backend per VM, and %s is in use "
		    "by the other devices; give every --device the same "
		    "iommu=", spec->name, vm_ops->name);
		return -EINVAL;
	}
	info("%s: %s IOMMU backend (%s)", spec->name, ops->name, why);
	*out = ops;
	return 0;
}

/* The checks that need only sysfs, each with its own advice. */
int vfio_spec_check(const struct vfio_spec *spec)
{
	const char *sysfs = spec->sysfs, *name = spec->name, *why;
	char drv[128];
	struct stat st;
	int ret;

	if (vfio_spec_is_mdev(spec)) {
		ret = vfio_mdev_check(spec);
		return ret ? ret : backend_for(spec, &why)->check(spec);
	}
	if (stat(sysfs, &st) < 0) {
		if (spec->is_pci)
			err("there is no PCI device %s on this host; list them "
			    "with lspci -D", name);
		else
			err("there is no device at %s", sysfs);
		return -ENODEV;
	}
	ret = backend_for(spec, &why)->check(spec);
	if (ret)
		return ret;
	if (!spec->is_pci)
		return 0;
	if (vfio_sysfs_link(sysfs, "driver", drv, sizeof(drv)) < 0) {
		err("%s is not bound to any driver; bind it to vfio-pci: "
		    "echo vfio-pci > %s/driver_override; echo %s > "
		    "/sys/bus/pci/drivers_probe", name, sysfs, name);
		return -ENODEV;
	}
	if (strcmp(drv, "vfio-pci") != 0) {
		err("%s is bound to host driver '%s', not vfio-pci; unbind it "
		    "(echo %s > /sys/bus/pci/drivers/%s/unbind) and bind "
		    "vfio-pci", name, drv, name, drv);
		return -EBUSY;
	}
	return 0;
}

static uint8_t irq_pin(struct vfio_pci_dev *d)
{
	struct vfio_irq_info ii = { .index = VFIO_PCI_INTX_IRQ_INDEX };
	uint8_t pin = d->cfg[PCI_INTERRUPT_PIN];

	if (d->io->irq_info(d, &ii) || !ii.count)
		return 0;
	return pin >= 1 && pin <= 4 ? pin : 0;
}

/* Bus mastering off: the device must not DMA any more. Idempotent. */
static void stop_dma(struct vfio_pci_dev *d)
{
	uint16_t cmd;

	if (d->fd >= 0 &&
	    vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND,
			     &cmd, 2) == 0 &&
	    (cmd & PCI_COMMAND_MASTER)) {
		cmd &= (uint16_t)~PCI_COMMAND_MASTER;
		vfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND,
				  &cmd, 2);
	}
}

void vfio_quiesce(struct vfio *v)
{
	unsigned int i;

	for (i = 0; v && i < v->nr_devs; i++)
		stop_dma(v->devs[i]);
}

/*
 * Stop @d and free what it holds, in the quiesce order: DMA off (bus
 * mastering), interrupts, BAR mappings and traps, reset, close. Leaves it
 * attached to the IOMMU (detach_device()). Idempotent.
 */
static void release_device(struct vfio *v, struct vfio_pci_dev *d)
{
	if (d->fd >= 0) {
		stop_dma(d);
		vfio_irq_release(d);
	}
	/* Its BARs stop decoding, their mappings and traps go. */
	pci_remove_device(v->pci, &d->pci);
	vfio_bars_release(d);
	if (d->fd >= 0)
		vfio_device_reset(d);
	vfio_device_close(d);
	free(d->msix.table);
	d->msix.table = NULL;
}

/*
 * Give @d's IOMMU attachment back (after release_device()); a backend of
 * its own leaves its domain and closes.
 */
static void detach_device(struct vfio *v, struct vfio_pci_dev *d)
{
	struct vfio_iommu *io = d->iommu;

	if (!io)
		return;
	if (io != v->iommu)
		dma_listener_detach(&io->listener); /* logs what it could not */
	if (d->iommu_handle)
		io->ops->detach(io, d->iommu_handle);
	d->iommu_handle = NULL;
	if (io != v->iommu)
		io->ops->destroy(io);
	d->iommu = NULL;
}

struct vfio_pci_dev *vfio_dev_alloc(struct vfio *v, const char *name)
{
	struct vfio_pci_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fd = -1;
	d->slot = -1;
	d->vfio = v;
	d->io = &vfio_kernel_dev_io;
	d->intx_efd = d->intx_resample_efd = -1;
	snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

int vfio_dev_setup(struct vfio *v, struct vfio_pci_dev *d)
{
	int ret;

	if (v->nr_devs == VFIO_MAX_DEVICES) {
		err("ferry passes through at most %d devices", VFIO_MAX_DEVICES);
		ret = -ENOSPC;
		goto err_release;
	}
	ret = vfio_device_open(d);
	if (ret)
		goto err_release;
	vfio_device_reset(d); /* a clean device, whatever ran before */
	ret = vfio_config_init(d);
	if (ret)
		goto err_release;
	d->pci.name = d->name;
	d->pci.ops = &vfio_pci_ops;
	d->pci.irq_pin = irq_pin(d);
	ret = pci_add_device(v->pci, &d->pci, d->slot);
	if (ret) {
		vfio_dev_err(d, "no room on the PCI bus for it: %s",
			     strerror(-ret));
		goto err_release;
	}
	ret = vfio_bars_init(d);
	if (!ret)
		ret = vfio_irq_init(d);
	if (ret)
		goto err_release;
	/* As firmware leaves a device: decoding, not yet bus mastering. */
	pci_enable_decode(&d->pci);
	v->devs[v->nr_devs++] = d;
	return 0;

err_release:
	release_device(v, d);
	/* The last device out: RAM leaves the IOMMU before it goes. */
	if (!v->nr_devs && d->iommu_handle && d->iommu == v->iommu)
		vfio_unmap_ram(v);
	detach_device(v, d);
	return ret;
}

/*
 * With a vIOMMU every device gets an address space of its own, so two
 * that the host cannot isolate (one IOMMU group) cannot be passed
 * through: the guest could put them in different domains.
 */
static int check_separable(struct vfio *v, const struct vfio_spec *spec,
			   const struct vfio_iommu_ops *ops)
{
	unsigned int i;

	for (i = 0; i < v->nr_devs; i++)
		if (ops->inseparable(spec, &v->devs[i]->spec)) {
			err("with --viommu each passed-through device needs an "
			    "IOMMU group of its own, but %s shares one with %s; "
			    "pass only one of them", spec->name,
			    v->devs[i]->name);
			return -EBUSY;
		}
	return 0;
}

/* Say what the host IOMMU is (-v), and keep it for --stats. */
static void describe_iommu(struct vfio_pci_dev *d)
{
	struct vfio_iommu *io = d->iommu;
	struct vfio_iommu_hw *hw = &d->iommu_hw;

	if (!io->ops->hw_info || io->ops->hw_info(io, d->iommu_handle, hw))
		return;
	d->has_iommu_hw = 1;
	vfio_dev_info(d, "host IOMMU %s, PASID width %u bits%s, DMA %s", hw->type,
		      hw->pasid_bits,
		      hw->pasid_bits ? "" : " (no PASID for this device)",
		      hw->coherent == 1 ? "cache-coherent (snoop enforced)" :
		      hw->coherent == 0 ? "not cache-coherent" :
					  "coherency not reported");
}

int vfio_add_device(struct vfio *v, const struct vfio_spec *spec, int slot)
{
	const struct vfio_iommu_ops *ops;
	struct vfio_iommu *io = v->iommu;
	struct vfio_pci_dev *d;
	int ret;

	if (v->nr_devs == VFIO_MAX_DEVICES) {
		err("ferry passes through at most %d devices", VFIO_MAX_DEVICES);
		return -ENOSPC;
	}
	ret = vfio_spec_check(spec);
	if (!ret)
		ret = backend_pick(v, spec, &ops);
	if (!ret && !v->ram)
		ret = check_separable(v, spec, ops);
	if (ret)
		return ret;
	/* RAM mapped for mediated devices only gets pinned by this one. */
	if (!vfio_spec_is_mdev(spec)) {
		ret = vfio_ram_check_pin(v);
		if (ret)
			return ret;
	}
	if (!io && backend_create(v, spec, ops, &io))
		return -ENOMEM;
	if (v->ram)
		v->iommu = io;
	d = vfio_dev_alloc(v, spec->name);
	if (!d) {
		ret = -ENOMEM;
		goto err_backend;
	}
	d->iommu = io;
	d->spec = *spec;
	d->slot = slot;
	ret = io->ops->attach(io, spec, &d->fd, &d->iommu_handle);
	if (ret)
		goto err_free;
	describe_iommu(d);
	/*
	 * Without a vIOMMU the first device brings guest RAM into the
	 * IOMMU; with one, the guest maps what it wants, at most all RAM.
	 */
	if (v->ram && !v->nr_devs)
		ret = vfio_map_ram(v);
	else if (!v->ram && io->ops->pins_on_map(io))
		ret = vfio_check_memlock(v->vm->mem.size);
	/*
	 * A mediated device's address space pins nothing itself: its vendor
	 * driver does, and type1 makes every unmap wait until that driver
	 * has unpinned. The guest's unmaps run it on a thread, bounded.
	 */
	if (!v->ram && !io->ops->pins_on_map(io))
		io->listener.blocking = 1;
	if (ret) {
		vfio_device_close(d);
		detach_device(v, d);
		goto err_free;
	}
	ret = vfio_dev_setup(v, d);
	if (ret)
		goto err_free;
	vfio_dev_info(d, "passed through at 00:%02x.0 (%s IOMMU%s)",
		      d->pci.slot, io->ops->name,
		      v->ram ? "" : ", behind the vIOMMU");
	return 0;

err_free:
	if (d->iommu && d->iommu != v->iommu)
		io->ops->destroy(io); /* attach() failed: nothing to detach */
	free(d);
	return ret;
err_backend:
	if (!v->ram)
		io->ops->destroy(io);
	return ret;
}

struct dma_listener *vfio_device_listener(struct vfio *v, unsigned int slot)
{
	unsigned int i;

	for (i = 0; v && !v->ram && i < v->nr_devs; i++)
		if (v->devs[i]->pci.slot == slot)
			return &v->devs[i]->iommu->listener;
	return NULL;
}

void vfio_destroy(struct vfio *v)
{
	unsigned int i;

	if (!v)
		return;
	v->vm->efault_recover = NULL;
	/* Every device stops first; then RAM leaves the IOMMU (each device's
	 * own address space leaves its domain); then the devices leave it,
	 * and it closes. */
	for (i = 0; i < v->nr_devs; i++)
		release_device(v, v->devs[i]);
	if (v->iommu && v->ram)
		vfio_unmap_ram(v);
	while (v->nr_devs) {
		struct vfio_pci_dev *d = v->devs[--v->nr_devs];

		detach_device(v, d);
		free(d);
	}
	if (v->iommu)
		v->iommu->ops->destroy(v->iommu);
	free(v);
}

static void print_listener(const struct dma_listener *l, const char *when)
{
	const struct dma_listener_stats *s = &l->stats;
	uint64_t n = s->unmaps + s->unmap_failed;

	fprintf(stderr,
		"stats: %sdma-listener '%s' unmaps=%llu failed=%llu late=%llu "
		"notified=%llu unmap-avg-us=%llu unmap-max-us=%llu\n",
		when, l->name, (unsigned long long)s->unmaps,
		(unsigned long long)s->unmap_failed,
		(unsigned long long)s->late, (unsigned long long)s->notified,
		(unsigned long long)(n ? s->unmap_ns / n / 1000 : 0),
		(unsigned long long)(s->unmap_max_ns / 1000));
}

void vfio_print_dma_stats(const struct vfio *v, const char *when)
{
	unsigned int i;

	for (i = 0; v && i < v->nr_devs; i++)
		if (v->devs[i]->iommu && v->devs[i]->iommu != v->iommu)
			print_listener(&v->devs[i]->iommu->listener, when);
	if (v && v->iommu)
		print_listener(&v->iommu->listener, when);
}

void vfio_print_stats(const struct vfio *v)
{
	unsigned int i;
	int b;

	for (i = 0; v && i < v->nr_devs; i++) {
		const struct vfio_pci_dev *d = v->devs[i];
		uint64_t faults = 0, installs = 0, revokes = 0, failures = 0;
		char hw[160] = "";

		for (b = 0; b <= PCI_ROM_BAR; b++) {
			const struct barmap_stats *s = &d->bars[b].map.stats;

			faults += s->faults;
			installs += s->installs;
			revokes += s->revokes;
			failures += s->failures;
		}
		if (d->has_iommu_hw)
			snprintf(hw, sizeof(hw), " host-iommu=%s pasid-bits=%u "
				 "coherent=%s", d->iommu_hw.type,
				 d->iommu_hw.pasid_bits,
				 d->iommu_hw.coherent == 1   ? "yes"
				 : d->iommu_hw.coherent == 0 ? "no"
							     : "unknown");
		fprintf(stderr,
			"stats: %s faults=%llu installs=%llu revokes=%llu "
			"install-failures=%llu trapped-reads=%llu "
			"trapped-writes=%llu decode-on=%llu decode-off=%llu "
			"msix-table-writes=%llu guest-resets=%llu "
			"hidden-cap-writes=%llu ext-caps-shown=%u "
			"ext-caps-hidden=%u iommu=%s%s\n",
			d->name, (unsigned long long)faults,
			(unsigned long long)installs,
			(unsigned long long)revokes,
			(unsigned long long)failures,
			(unsigned long long)d->stats.trapped_reads,
			(unsigned long long)d->stats.trapped_writes,
			(unsigned long long)d->stats.decode_on,
			(unsigned long long)d->stats.decode_off,
			(unsigned long long)d->stats.msix_table_writes,
			(unsigned long long)d->stats.guest_resets,
			(unsigned long long)d->stats.hidden_cap_writes,
			d->ext.nr_shown, d->ext.nr_hidden,
			d->iommu ? d->iommu->ops->name : "none", hw);
	}
	vfio_print_dma_stats(v, "");
}
