// SPDX-License-Identifier: MIT
/* 16550A register model, with no VM behind it. */
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

int main(void)
{
	int pipefd[2];
	char out[8] = "";
	uint32_t wide = 0;

	CHECK(pipe(pipefd) == 0);
	CHECK(serial_init(&s, NULL, 0x3f8, 4, pipefd[1]) == 0);
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
	return test_done();
}
