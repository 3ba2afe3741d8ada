// SPDX-License-Identifier: MIT
/* 16550A register model, with no VM behind it. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "../../devices/serial.h"
#include "test.h"

static struct serial s;

static uint8_t rd(unsigned int reg)
{
	uint8_t v = 0;

	serial_ops.read(&s.bdev, reg, &v, 1);
	return v;
}

static void wr(unsigned int reg, uint8_t v)
{
	serial_ops.write(&s.bdev, reg, &v, 1);
}

static void on_kick(int sig)
{
	(void)sig;
}

/* Write one byte to THR on a thread of its own (it may block). */
static void *writer(void *arg)
{
	wr(0, *(uint8_t *)arg);
	return NULL;
}

/*
 * A full output pipe holds up only the writer: register reads and the
 * host's input go on while a THR write waits for the pipe to drain.
 */
static void check_full_output(void)
{
	static uint8_t big[1 << 20], c = 'z';
	ssize_t full, n;
	int p[2];
	pthread_t t;
	uint8_t got;

	CHECK(pipe(p) == 0);
	CHECK(serial_init(&s, NULL, NULL, 0x3f8, 4, p[1]) == 0);
	CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
	full = write(p[1], big, sizeof(big)); /* now full */
	CHECK(full > 0);
	CHECK(fcntl(p[1], F_SETFL, 0) == 0);
	CHECK(pthread_create(&t, NULL, writer, &c) == 0);
	usleep(100 * 1000); /* let it block in write() */
	CHECK_MSG((rd(5) & 0x60) == 0x60,
		  "LSR reads while a write waits on a full pipe");
	serial_receive(&s, (const uint8_t *)"k", 1);
	CHECK_MSG(rd(0) == 'k', "and input is taken meanwhile");
	/* A kick (a signal without SA_RESTART, as vCPU kicks are) makes
	 * write() fail with EINTR: not the end of the console. */
	CHECK(pthread_kill(t, SIGUSR1) == 0);
	usleep(100 * 1000);
	CHECK_MSG(s.out_fd == p[1], "a kick does not silence the console");
	for (n = 0; n < full;) {
		ssize_t r = read(p[0], big, (size_t)(full - n));

		if (r <= 0)
			break;
		n += r;
	}
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_MSG(read(p[0], &got, 1) == 1 && got == 'z' && s.tx_dropped == 0,
		  "the waiting byte went out after the pipe drained");
	close(p[0]);
	close(p[1]);
}

/* A closed pipe: the output stops, said once, and is counted. */
static void check_closed_output(void)
{
	int p[2], i;

	CHECK(pipe(p) == 0);
	CHECK(serial_init(&s, NULL, NULL, 0x3f8, 4, p[1]) == 0);
	close(p[0]);
	for (i = 0; i < 10; i++)
		wr(0, 'x');
	CHECK_MSG(s.tx_dropped == 10 && s.out_fd == -1,
		  "writes to a closed pipe are dropped and counted");
	CHECK_MSG((rd(5) & 0x60) == 0x60, "the UART stays usable");
	close(p[1]);
}

int main(void)
{
	int pipefd[2];
	char out[8] = "";
	uint32_t wide = 0;

	struct sigaction kick = { .sa_handler = on_kick };

	signal(SIGPIPE, SIG_IGN); /* as ferry's main() does */
	sigemptyset(&kick.sa_mask);
	sigaction(SIGUSR1, &kick, NULL); /* as vcpu_install_kick_handler() */
	CHECK(pipe(pipefd) == 0);
	CHECK(serial_init(&s, NULL, NULL, 0x3f8, 4, pipefd[1]) == 0);
	CHECK_MSG((rd(5) & 0x60) == 0x60, "LSR: transmitter empty at reset");
	CHECK_MSG(rd(2) == 0x01, "IIR: no interrupt at reset");
	wr(7, 0xa5);
	CHECK_MSG(rd(7) == 0xa5, "scratch register holds its value");
	wr(0, 'h');
	wr(0, 'i');
	CHECK(read(pipefd[0], out, 2) == 2 && out[0] == 'h' && out[1] == 'i');

	wr(3, 0x80); /* DLAB */
	wr(0, 0x01);
	wr(1, 0x02);
	CHECK_MSG(rd(0) == 0x01 && rd(1) == 0x02, "divisor latch with DLAB");
	wr(3, 0x03);
	CHECK_MSG(rd(3) == 0x03, "LCR reads back");

	wr(1, 0x02); /* THR-empty interrupt on */
	CHECK_MSG((rd(2) & 0x0f) == 0x02, "IIR shows THR empty when enabled");
	CHECK_MSG((rd(2) & 0x0f) == 0x01, "reading IIR acknowledged it");
	wr(0, 'x');
	CHECK_MSG((rd(2) & 0x0f) == 0x02, "a write re-arms THR empty");
	wr(1, 0x00);

	serial_receive(&s, (const uint8_t *)"ab", 2);
	CHECK_MSG(rd(5) & 0x01, "LSR: data ready after input");
	wr(1, 0x01);
	CHECK_MSG((rd(2) & 0x0f) == 0x04, "IIR: received data available");
	CHECK(rd(0) == 'a' && rd(0) == 'b');
	CHECK_MSG(!(rd(5) & 0x01), "LSR: no data once drained");
	CHECK_MSG((rd(2) & 0x0f) == 0x01, "IIR: quiet once drained");

	wr(4, 0x1a); /* loopback, OUT2, RTS */
	CHECK_MSG((rd(6) & 0xf0) == 0x90, "loopback MSR as Linux probes it");
	wr(0, 'L');
	CHECK_MSG(rd(0) == 'L', "loopback sends transmitted bytes back");
	wr(4, 0x00);
	CHECK_MSG((rd(6) & 0xb0) == 0xb0, "MSR: carrier, DSR, CTS present");

	serial_ops.read(&s.bdev, 0, &wide, 4);
	CHECK_MSG(wide == 0, "a wide access is not served by the UART");

	check_full_output();
	check_closed_output();
	return test_done();
}
