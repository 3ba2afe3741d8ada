// SPDX-License-Identifier: MIT
/* Debug-exit port: a guest ends the VM with a status of its choosing. */
#include "../vmm/vm.h"
#include "debug_exit.h"

static void debug_exit_write(struct bus_dev *dev, uint64_t off,
			     const void *data, uint32_t len)
{
	struct debug_exit *d = container_of(dev, struct debug_exit, bdev);
	uint64_t v = data_get(data, len);

	(void)off;
	info("guest wrote 0x%llx to the debug-exit port",
	     (unsigned long long)v);
	vm_request_stop(d->vm, debug_exit_status(v));
}

static const struct bus_ops debug_exit_ops = {
	.write = debug_exit_write,
};

int debug_exit_init(struct debug_exit *d, struct vm *vm, struct bus *bus,
		    uint64_t base)
{
	d->bdev.ops = &debug_exit_ops;
	d->bdev.name = "debug-exit";
	d->vm = vm;
	return bus_add(bus, base, 4, &d->bdev);
}
