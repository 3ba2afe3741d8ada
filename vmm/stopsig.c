// SPDX-License-Identifier: MIT
/* The signals that stop ferry (SIGINT, SIGTERM, SIGHUP), and SIGPIPE. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include "stopsig.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void stop_set(sigset_t *set)
{
	unsigned int i;

	sigemptyset(set);
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(set, stop_signals[i]);
}

int stopsig_block(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t set;
	int ret;

	stop_set(&set);
	ret = pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (ret)
		return -ret;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		return -errno;
	return 0;
}

int stopsig_pending(void)
{
	sigset_t pending;
	unsigned int i;

	if (sigpending(&pending) < 0)
		return 0;
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		if (sigismember(&pending, stop_signals[i]) == 1)
			return stop_signals[i];
	return 0;
}

int stopsig_fd(void)
{
	sigset_t set;
	int fd;

	stop_set(&set);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}
