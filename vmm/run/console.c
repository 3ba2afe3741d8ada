// SPDX-License-Identifier: MIT
/* The user's terminal as the guest's console: raw mode and Ctrl-A keys. */
#include <errno.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include "../exitcode.h"
#include "machine.h"

#define CTRL_A 0x01

/* The terminal state to restore, when stdin is a terminal we changed. */
static struct termios saved_termios;
static int termios_saved;

void console_restore(void)
{
	if (termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	termios_saved = 0;
}

static int raw_terminal(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return -errno;
	t = saved_termios;
	/* Keys go to the guest as typed; output processing stays on. */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(ICRNL | IXON | INLCR);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
		return -errno;
	termios_saved = 1;
	atexit(console_restore);
	return 0;
}

int console_setup(const struct machine *m)
{
	return m->opts->console == CONSOLE_SERIAL && isatty(STDIN_FILENO) &&
	       raw_terminal() == 0;
}

int console_input(struct machine *m, int *escape)
{
	uint8_t in[256], out[256];
	size_t n_out = 0;
	ssize_t n, i;

	n = read(STDIN_FILENO, in, sizeof(in));
	if (n <= 0)
		return -1; /* EOF or error: stop watching stdin */
	for (i = 0; i < n; i++) {
		if (*escape) {
			*escape = 0;
			if (in[i] == 'x') {
				vm_request_stop(&m->vm, FERRY_EXIT_SIGNAL);
				break;
			}
			if (in[i] == CTRL_A)
				out[n_out++] = CTRL_A;
			continue;
		}
		if (in[i] == CTRL_A)
			*escape = 1;
		else
			out[n_out++] = in[i];
	}
	if (n_out)
		board_console_input(m->board, out, n_out);
	return 0;
}
