/* SPDX-License-Identifier: MIT */
/*
 * i8042 keyboard controller: enough for Linux to probe it in microseconds
 * (CTR, self-tests, a keyboard that answers commands, no AUX port) and its
 * CPU reset line, so `reboot` ends the VM. No keys are ever typed: the
 * console is the UART.
 */
#ifndef FERRY_I8042_H
#define FERRY_I8042_H

#include <pthread.h>
#include "../vmm/bus.h"

struct vm;

#define I8042_KBD_IRQ 1
#define I8042_QUEUE 8

struct i8042 {
	struct bus_dev data_dev; /* the data register (0x60 on a PC) */
	struct bus_dev cmd_dev;	 /* command/status (0x64 on a PC) */
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ctr;		/* controller configuration ("command byte") */
	uint8_t outport;	/* output port; bit 0 low = CPU in reset */
	uint8_t pending_cmd;	/* controller command awaiting its data byte */
	uint8_t kbd_pending;	/* keyboard command awaiting its parameter */
	int last_was_cmd;	/* status bit 3: last write was a command */
	uint8_t queue[I8042_QUEUE]; /* output buffer and what follows it */
	unsigned int head, count;
	int irq_level;
};

/*
 * Claim the data register at @base and the command/status register at
 * @base + 4 on @bus (0x60 and 0x64 on a PC), when @bus is not NULL; the
 * reset line stops @vm. Returns 0 or -errno.
 */
int i8042_init(struct i8042 *k, struct vm *vm, struct bus *bus,
	       uint64_t base) __must_check;

/* Bus callbacks, exposed for the unit test of the controller model. */
extern const struct bus_ops i8042_data_ops, i8042_cmd_ops;

#endif
