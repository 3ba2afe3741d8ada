/* SPDX-License-Identifier: MIT */
/* 16550A UART: guest console on host stdout/stdin. */
#ifndef FERRY_SERIAL_H
#define FERRY_SERIAL_H

#include <pthread.h>
#include <stdint.h>
#include "../vmm/bus.h"

struct vm;

#define SERIAL_RX_MAX 4096

#define SERIAL_TX_MAX 64

struct serial {
	struct bus_dev bdev;
	struct vm *vm;
	uint64_t base;
	unsigned int irq;
	int out_fd; /* guest output goes here; -1 discards it */
	pthread_mutex_t lock;
	/*
	 * Output on its way to @out_fd: bytes queue in @tx under @lock and
	 * are written under @out_lock alone, so a slow or full @out_fd
	 * holds up no register access (nor the main thread's input).
	 */
	pthread_mutex_t out_lock;
	uint8_t tx[SERIAL_TX_MAX];
	unsigned int tx_len;
	int out_broken;		     /* @out_fd failed: output is dropped */
	_Atomic uint64_t tx_dropped; /* bytes lost: @out_fd broken or VM stopping */
	uint8_t ier, iir, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	int thr_ipending; /* THR-empty interrupt pending until IIR read */
	int irq_level;
	uint8_t rx[SERIAL_RX_MAX];
	unsigned int rx_head, rx_count;
};

/*
 * A UART of 8 byte registers at @base on @bus (the board's choice: I/O
 * ports on x86), raising interrupt line @irq of @vm; output goes to
 * @out_fd (not owned) or nowhere if -1. A write to @out_fd that fails
 * (a closed pipe: EPIPE, since ferry ignores SIGPIPE) stops the output
 * for good, said once; the bytes are counted in tx_dropped. A write
 * blocked on a full @out_fd gives up when the VM is stopping and the
 * vCPU is kicked. Returns 0 or -errno.
 */
int serial_init(struct serial *s, struct vm *vm, struct bus *bus,
		uint64_t base, unsigned int irq, int out_fd) __must_check;

/* Queue bytes typed by the user; drops what does not fit (overrun). */
void serial_receive(struct serial *s, const uint8_t *buf, size_t len);

/* Bus callbacks exposed for unit tests of the register model. */
extern const struct bus_ops serial_ops;

#endif
