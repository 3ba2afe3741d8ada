// SPDX-License-Identifier: MIT
/* i8042: the probe sequence Linux runs, answered without timeouts. */
#include "../../devices/i8042.h"
#include "test.h"

static struct i8042 k;

static void cmd(uint8_t v)
{
	i8042_cmd_ops.write(&k.cmd_dev, 0, &v, 1);
}

static void data(uint8_t v)
{
	i8042_data_ops.write(&k.data_dev, 0, &v, 1);
}

static uint8_t status(void)
{
	uint8_t v;

	i8042_cmd_ops.read(&k.cmd_dev, 0, &v, 1);
	return v;
}

/* Read a byte if one is there (OBF), else -1: what Linux's poll sees. */
static int out(void)
{
	uint8_t v;

	if (!(status() & 1))
		return -1;
	i8042_data_ops.read(&k.data_dev, 0, &v, 1);
	return v;
}

int main(void)
{
	CHECK(i8042_init(&k, NULL, NULL, 0x60) == 0);
	CHECK_MSG(out() == -1, "nothing to read after reset");
	cmd(0xaa);
	CHECK_MSG(out() == 0x55, "controller self-test passes");
	cmd(0x20);
	CHECK_MSG(out() == 0x45, "CTR: translate, system flag, kbd irq");
	cmd(0x60);
	data(0x74);
	cmd(0x20);
	CHECK_MSG(out() == 0x74, "CTR written and read back");
	CHECK_MSG(status() & 0x04, "system flag in the status register");
	CHECK_MSG(status() & 0x10, "keyboard not inhibited (keylock off)");
	cmd(0xd3);
	data(0x5a);
	CHECK_MSG(out() != 0x5a, "AUX loopback does not come back");
	cmd(0xa9);
	CHECK_MSG(out() == 0x01, "AUX test reports no working port");
	cmd(0xab);
	CHECK_MSG(out() == 0x00, "keyboard interface test passes");
	data(0xf2);
	CHECK_MSG(out() == 0xfa && out() == 0xab && out() == 0x83,
		  "keyboard identify: ACK, MF2 ID");
	data(0xed);
	CHECK(out() == 0xfa);
	data(0x07);
	CHECK_MSG(out() == 0xfa && out() == -1,
		  "set-LEDs command and its parameter each ACKed");
	data(0xff);
	CHECK_MSG(out() == 0xfa && out() == 0xaa, "keyboard reset: ACK, BAT");
	cmd(0xd0);
	CHECK_MSG(out() & 0x01, "output port: CPU not in reset");
	cmd(0xd1);
	data(0x02);
	cmd(0xd0);
	CHECK_MSG(!(out() & 0x01), "writing output-port bit 0 low resets");
	return test_done();
}
