// SPDX-License-Identifier: MIT
/* 16550A UART: guest console on host stdout/stdin. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>
#include "../vmm/vm.h"
#include "serial.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6,
       SCR = 7 };

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_DCD 0x80

/* Recompute IIR and the interrupt line. Called with s->lock held. */
static void update_irq(struct serial *s)
{
	uint8_t iir = IIR_NONE;
	int level;

	if ((s->ier & IER_RDI) && (s->lsr & LSR_DR))
		iir = IIR_RDI;
	else if ((s->ier & IER_THRI) && s->thr_ipending)
		iir = IIR_THRI;
	s->iir = iir | ((s->fcr & FCR_ENABLE) ? IIR_FIFO : 0);
	level = iir != IIR_NONE;
	if (level != s->irq_level && s->vm) {
		s->irq_level = level;
		vm_irq_line(s->vm, s->irq, level);
	}
}

/* Called with s->lock held. */
static void rx_push(struct serial *s, uint8_t c)
{
	if (s->rx_count == SERIAL_RX_MAX) {
		s->lsr |= LSR_OE;
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_RX_MAX] = c;
	s->rx_count++;
	s->lsr |= LSR_DR;
}

/* Called with s->lock held: queue @c for flush_output(). */
static void transmit(struct serial *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP) {
		rx_push(s, c);
		return;
	}
	if (s->out_fd < 0) {
		if (s->out_broken)
			s->tx_dropped++;
		return;
	}
	if (s->tx_len == SERIAL_TX_MAX) {
		s->tx_dropped++;
		return;
	}
	s->tx[s->tx_len++] = c;
}

static int vm_stopping(const struct serial *s)
{
	return s->vm && atomic_load(&s->vm->stopping);
}

/* Write @len bytes to @fd; 0, or -errno when the rest cannot go. */
static int write_all(struct serial *s, int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR && !vm_stopping(s))
			continue; /* a kick that was not for stopping */
		if (n < 0 && errno == EAGAIN && !vm_stopping(s)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 100);
			continue;
		}
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/*
 * Send what transmit() queued, outside s->lock. Under out_lock, so the
 * bytes of several vCPUs leave in the order they were queued.
 */
static void flush_output(struct serial *s)
{
	uint8_t buf[SERIAL_TX_MAX];
	unsigned int n;
	int fd, ret;

	pthread_mutex_lock(&s->out_lock);
	for (;;) {
		pthread_mutex_lock(&s->lock);
		n = s->tx_len;
		memcpy(buf, s->tx, n);
		s->tx_len = 0;
		fd = s->out_fd;
		pthread_mutex_unlock(&s->lock);
		if (!n || fd < 0)
			break;
		ret = write_all(s, fd, buf, n);
		if (!ret)
			continue;
		s->tx_dropped += n;
		if (vm_stopping(s))
			continue; /* the rest goes nowhere anyway */
		pthread_mutex_lock(&s->lock);
		s->out_fd = -1;
		s->out_broken = 1;
		pthread_mutex_unlock(&s->lock);
		warn("guest console output cannot be written (%s); it is "
		     "dropped from now on", strerror(-ret));
	}
	pthread_mutex_unlock(&s->out_lock);
}

static uint8_t modem_status(const struct serial *s)
{
	if (s->mcr & MCR_LOOP) /* RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD */
		return (uint8_t)(((s->mcr & 0x02) << 3) |
				 ((s->mcr & 0x01) << 5) |
				 ((s->mcr & 0x04) << 4) |
				 ((s->mcr & 0x08) << 4));
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

static void serial_read(struct bus_dev *dev, uint64_t off, void *data,
			uint32_t len)
{
	struct serial *s = container_of(dev, struct serial, bdev);
	uint8_t v = 0xff;

	if (len != 1)
		return; /* stays all-ones: the UART has byte registers */
	pthread_mutex_lock(&s->lock);
	switch (off) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB) {
			v = s->dll;
			break;
		}
		v = 0;
		if (s->rx_count) {
			v = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % SERIAL_RX_MAX;
			if (--s->rx_count == 0)
				s->lsr &= ~LSR_DR;
		}
		break;
	case IER:
		v = (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
		break;
	case IIR_FCR:
		v = s->iir;
		/* Reading IIR while it shows THRE acknowledges it. */
		if ((s->iir & 0x0f) == IIR_THRI)
			s->thr_ipending = 0;
		break;
	case LCR: v = s->lcr; break;
	case MCR: v = s->mcr; break;
	case LSR:
		v = s->lsr;
		s->lsr &= ~LSR_OE;
		break;
	case MSR: v = modem_status(s); break;
	case SCR: v = s->scr; break;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	*(uint8_t *)data = v;
}

static void serial_write(struct bus_dev *dev, uint64_t off, const void *data,
			 uint32_t len)
{
	struct serial *s = container_of(dev, struct serial, bdev);
	uint8_t v = *(const uint8_t *)data;

	if (len != 1)
		return;
	pthread_mutex_lock(&s->lock);
	switch (off) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			break;
		}
		transmit(s, v);
		/* Transmission is instant: THR is empty again at once. */
		s->thr_ipending = 1;
		break;
	case IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		if (!(s->ier & IER_THRI) && (v & IER_THRI))
			s->thr_ipending = 1;
		s->ier = v & 0x0f;
		break;
	case IIR_FCR:
		s->fcr = v & 0xc9;
		if (v & FCR_CLEAR_RX) {
			s->rx_count = 0;
			s->lsr &= ~LSR_DR;
		}
		break;
	case LCR: s->lcr = v; break;
	case MCR: s->mcr = v & 0x1f; break;
	case SCR: s->scr = v; break;
	default: break; /* LSR and MSR are read-only */
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	if (off == RBR_THR)
		flush_output(s);
}

const struct bus_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

int serial_init(struct serial *s, struct vm *vm, struct bus *bus,
		uint64_t base, unsigned int irq, int out_fd)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->bdev.ops = &serial_ops;
	s->bdev.name = "serial";
	s->vm = vm;
	s->base = base;
	s->irq = irq;
	s->out_fd = out_fd;
	s->iir = IIR_NONE;
	s->lsr = LSR_THRE | LSR_TEMT;
	ret = -pthread_mutex_init(&s->lock, NULL);
	if (!ret)
		ret = -pthread_mutex_init(&s->out_lock, NULL);
	if (ret)
		return ret;
	return bus ? bus_add(bus, base, 8, &s->bdev) : 0;
}

void serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len; i++)
		rx_push(s, buf[i]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}
