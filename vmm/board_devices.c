// SPDX-License-Identifier: MIT
/* The walk of a board's device table at board_create(), for every board. */
#include <string.h>
#include "board.h"
#include "log.h"

int board_create_devices(struct board *b, const struct board_config *cfg,
			 const struct board_device *devs, unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = devs[i].init(b, cfg);
		if (ret) {
			err("cannot create device %s: %s", devs[i].name,
			    strerror(-ret));
			return ret;
		}
	}
	return 0;
}
