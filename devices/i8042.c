// SPDX-License-Identifier: MIT
/* i8042 keyboard controller: only its CPU reset line (reboot). */
#include "../vmm/exitcode.h"
#include "../vmm/vm.h"
#include "i8042.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define CMD_WRITE_OUTPUT 0xd1
#define CMD_PULSE_RESET 0xfe
#define OUTPUT_PORT_RESET_N 0x01

static void reset(struct i8042 *k)
{
	info("guest pulsed the i8042 reset line");
	vm_request_stop(k->vm, FERRY_EXIT_OK);
}

/* No keyboard: no data ever, input buffer always empty. */
static void i8042_read(struct bus_dev *dev, uint64_t off, void *data,
		       uint32_t len)
{
	(void)dev;
	(void)off;
	memset(data, 0, len);
}

static void data_write(struct bus_dev *dev, uint64_t off, const void *data,
		       uint32_t len)
{
	struct i8042 *k = container_of(dev, struct i8042, data_dev);

	(void)off;
	/* Output-port bit 0 low holds the CPU in reset. */
	if (k->expect_output_port && len == 1 &&
	    !(*(const uint8_t *)data & OUTPUT_PORT_RESET_N))
		reset(k);
	k->expect_output_port = 0;
}

static void cmd_write(struct bus_dev *dev, uint64_t off, const void *data,
		      uint32_t len)
{
	struct i8042 *k = container_of(dev, struct i8042, status_dev);
	uint8_t cmd = *(const uint8_t *)data;

	(void)off;
	if (len != 1)
		return;
	k->expect_output_port = cmd == CMD_WRITE_OUTPUT;
	if (cmd == CMD_PULSE_RESET)
		reset(k);
}

static const struct bus_ops data_ops = {
	.read = i8042_read,
	.write = data_write,
};

static const struct bus_ops cmd_ops = {
	.read = i8042_read,
	.write = cmd_write,
};

int i8042_init(struct i8042 *k, struct vm *vm)
{
	int ret;

	memset(k, 0, sizeof(*k));
	k->vm = vm;
	k->data_dev = (struct bus_dev){ .ops = &data_ops, .name = "i8042" };
	k->status_dev = (struct bus_dev){ .ops = &cmd_ops, .name = "i8042" };
	ret = bus_add(&vm->pio, I8042_DATA_PORT, 1, &k->data_dev);
	if (ret)
		return ret;
	ret = bus_add(&vm->pio, I8042_CMD_PORT, 1, &k->status_dev);
	if (ret)
		bus_remove(&vm->pio, I8042_DATA_PORT, &k->data_dev);
	return ret;
}
