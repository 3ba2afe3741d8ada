// SPDX-License-Identifier: MIT
/* i8042 keyboard controller: probe-friendly, keyboard without keys, reset. */
#include <string.h>
#include "../vmm/exitcode.h"
#include "../vmm/vm.h"
#include "i8042.h"

#define STR_OBF 0x01
#define STR_SYS 0x04
#define STR_CMD 0x08
#define STR_UNLOCKED 0x10 /* keyboard not inhibited by the keylock */

#define CTR_KBDINT 0x01
#define CTR_SYS 0x04
#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20
#define CTR_XLATE 0x40

#define OUTPORT_RESET_N 0x01
#define OUTPORT_A20 0x02

enum {
	CMD_READ_CTR = 0x20, CMD_WRITE_CTR = 0x60, CMD_AUX_DISABLE = 0xa7,
	CMD_AUX_ENABLE = 0xa8, CMD_AUX_TEST = 0xa9, CMD_SELF_TEST = 0xaa,
	CMD_KBD_TEST = 0xab, CMD_KBD_DISABLE = 0xad, CMD_KBD_ENABLE = 0xae,
	CMD_READ_OUTPORT = 0xd0, CMD_WRITE_OUTPORT = 0xd1, CMD_KBD_LOOP = 0xd2,
	CMD_AUX_LOOP = 0xd3, CMD_AUX_SEND = 0xd4, CMD_PULSE_RESET = 0xfe,
};

#define KBD_ACK 0xfa
#define KBD_BAT_OK 0xaa
#define AUX_TEST_CLOCK_STUCK 0x01 /* "no working AUX port" */

/* Called with k->lock held. */
static void update_irq(struct i8042 *k)
{
	int level = k->count && (k->ctr & CTR_KBDINT);

	if (level != k->irq_level && k->vm) {
		k->irq_level = level;
		vm_irq_line(k->vm, I8042_KBD_IRQ, level);
	}
}

/* Queue a byte for the guest to read from port 0x60. Lock held. */
static void push(struct i8042 *k, uint8_t v)
{
	if (k->count == I8042_QUEUE)
		return;
	k->queue[(k->head + k->count) % I8042_QUEUE] = v;
	k->count++;
}

/* Called with k->lock held; the VM stops, the lock is dropped by caller. */
static void reset_cpu(struct i8042 *k)
{
	info("guest pulsed the i8042 reset line");
	if (k->vm)
		vm_request_stop(k->vm, FERRY_EXIT_OK);
	k->outport &= (uint8_t)~OUTPORT_RESET_N;
}

static void controller_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_CTR: push(k, k->ctr); break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUTPORT:
	case CMD_KBD_LOOP:
	case CMD_AUX_LOOP:
	case CMD_AUX_SEND:
		k->pending_cmd = cmd;
		break;
	case CMD_AUX_DISABLE: k->ctr |= CTR_AUXDIS; break;
	case CMD_AUX_ENABLE: k->ctr &= (uint8_t)~CTR_AUXDIS; break;
	case CMD_AUX_TEST: push(k, AUX_TEST_CLOCK_STUCK); break;
	case CMD_SELF_TEST: push(k, 0x55); break;
	case CMD_KBD_TEST: push(k, 0x00); break;
	case CMD_KBD_DISABLE: k->ctr |= CTR_KBDDIS; break;
	case CMD_KBD_ENABLE: k->ctr &= (uint8_t)~CTR_KBDDIS; break;
	case CMD_READ_OUTPORT: push(k, k->outport); break;
	case CMD_PULSE_RESET: reset_cpu(k); break;
	default: break; /* other pulses and vendor commands: nothing */
	}
}

/* A byte for the keyboard itself: it acknowledges, as a real one does. */
static void keyboard_byte(struct i8042 *k, uint8_t v)
{
	if (k->kbd_pending) { /* the parameter of LEDs, rate, scan set */
		k->kbd_pending = 0;
		push(k, KBD_ACK);
		return;
	}
	switch (v) {
	case 0xed: /* set LEDs */
	case 0xf3: /* typematic rate */
	case 0xf0: /* scan code set */
		k->kbd_pending = v;
		push(k, KBD_ACK);
		break;
	case 0xee: /* echo */
		push(k, 0xee);
		break;
	case 0xf2: /* identify: an MF2 keyboard */
		push(k, KBD_ACK);
		push(k, 0xab);
		push(k, 0x83);
		break;
	case 0xff: /* reset: self-test passed */
		push(k, KBD_ACK);
		push(k, KBD_BAT_OK);
		break;
	default: /* enable, disable, defaults...: acknowledged */
		push(k, KBD_ACK);
		break;
	}
}

static void data_write(struct bus_dev *dev, uint64_t off, const void *data,
		       uint32_t len)
{
	struct i8042 *k = container_of(dev, struct i8042, data_dev);
	uint8_t v = *(const uint8_t *)data;
	uint8_t cmd;

	if (len != 1)
		return;
	pthread_mutex_lock(&k->lock);
	k->last_was_cmd = 0;
	cmd = k->pending_cmd;
	k->pending_cmd = 0;
	switch (cmd) {
	case CMD_WRITE_CTR: k->ctr = v; break;
	case CMD_WRITE_OUTPORT:
		k->outport = v;
		if (!(v & OUTPORT_RESET_N))
			reset_cpu(k);
		break;
	case CMD_KBD_LOOP: push(k, v); break;
	/* No device on the AUX port: loopback and sends go nowhere. */
	case CMD_AUX_LOOP: push(k, 0x00); break;
	case CMD_AUX_SEND: break;
	default: keyboard_byte(k, v); break;
	}
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void data_read(struct bus_dev *dev, uint64_t off, void *data,
		      uint32_t len)
{
	struct i8042 *k = container_of(dev, struct i8042, data_dev);
	uint8_t v = 0;

	pthread_mutex_lock(&k->lock);
	if (k->count) {
		v = k->queue[k->head];
		k->head = (k->head + 1) % I8042_QUEUE;
		k->count--;
	}
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
	memset(data, 0, len);
	*(uint8_t *)data = v;
}

static void cmd_write(struct bus_dev *dev, uint64_t off, const void *data,
		      uint32_t len)
{
	struct i8042 *k = container_of(dev, struct i8042, cmd_dev);

	if (len != 1)
		return;
	pthread_mutex_lock(&k->lock);
	k->last_was_cmd = 1;
	k->pending_cmd = 0;
	controller_command(k, *(const uint8_t *)data);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void status_read(struct bus_dev *dev, uint64_t off, void *data,
			uint32_t len)
{
	struct i8042 *k = container_of(dev, struct i8042, cmd_dev);
	uint8_t v;

	pthread_mutex_lock(&k->lock);
	v = STR_UNLOCKED | (k->count ? STR_OBF : 0) |
	    ((k->ctr & CTR_SYS) ? STR_SYS : 0) |
	    (k->last_was_cmd ? STR_CMD : 0);
	pthread_mutex_unlock(&k->lock);
	memset(data, 0, len);
	*(uint8_t *)data = v;
}

const struct bus_ops i8042_data_ops = {
	.read = data_read,
	.write = data_write,
};

const struct bus_ops i8042_cmd_ops = {
	.read = status_read,
	.write = cmd_write,
};

int i8042_init(struct i8042 *k, struct vm *vm, struct bus *bus, uint64_t base)
{
	int ret;

	memset(k, 0, sizeof(*k));
	k->vm = vm;
	k->data_dev = (struct bus_dev){ .ops = &i8042_data_ops, .name = "i8042" };
	k->cmd_dev = (struct bus_dev){ .ops = &i8042_cmd_ops, .name = "i8042" };
	/* As firmware leaves it: translated keyboard, interrupts on. */
	k->ctr = CTR_KBDINT | CTR_SYS | CTR_XLATE;
	k->outport = OUTPORT_RESET_N | OUTPORT_A20;
	ret = -pthread_mutex_init(&k->lock, NULL);
	if (ret || !bus)
		return ret;
	ret = bus_add(bus, base, 1, &k->data_dev);
	if (ret)
		return ret;
	ret = bus_add(bus, base + 4, 1, &k->cmd_dev);
	if (ret)
		bus_remove(bus, base, &k->data_dev);
	return ret;
}
