/* SPDX-License-Identifier: MIT */
/* 16550A UART: guest console on host stdout/stdin. */
#ifndef FERRY_SERIAL_H
#define FERRY_SERIAL_H

#include <pthread.h>
#include <stdint.h>
#include "../vmm/bus.h"

struct vm;

#define SERIAL_RX_MAX 4096

struct serial {
	struct bus_dev bdev;
	struct vm *vm;
	uint16_t port;
	unsigned int irq;
	int out_fd; /* guest output goes here; -1 discards it */
	pthread_mutex_t lock;
	uint8_t ier, iir, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	int thr_ipending; /* THR-empty interrupt pending until IIR read */
	int irq_level;
	uint8_t rx[SERIAL_RX_MAX];
	unsigned int rx_head, rx_count;
};

/*
 * Claim 8 I/O ports at @port for a UART raising @irq; output goes to
 * @out_fd (not owned) or nowhere if -1. Returns 0 or -errno.
 */
int serial_init(struct serial *s, struct vm *vm, uint16_t port,
		unsigned int irq, int out_fd) __must_check;

/* Queue bytes typed by the user; drops what does not fit (overrun). */
void serial_receive(struct serial *s, const uint8_t *buf, size_t len);

/* Bus callbacks exposed for unit tests of the register model. */
extern const struct bus_ops serial_ops;

#endif
