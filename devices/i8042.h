/* SPDX-License-Identifier: MIT */
/* i8042 keyboard controller: only its CPU reset line (reboot). */
#ifndef FERRY_I8042_H
#define FERRY_I8042_H

#include "../vmm/bus.h"

struct vm;

struct i8042 {
	struct bus_dev data_dev;   /* port 0x60 */
	struct bus_dev status_dev; /* port 0x64 */
	struct vm *vm;
	int expect_output_port; /* last command was 0xd1 */
};

/* Claim ports 0x60 and 0x64. Returns 0 or -errno. */
int i8042_init(struct i8042 *k, struct vm *vm) __must_check;

#endif
