/* SPDX-License-Identifier: MIT */
/* The signals that stop ferry (SIGINT, SIGTERM, SIGHUP), and SIGPIPE. */
#ifndef FERRY_STOPSIG_H
#define FERRY_STOPSIG_H

#include "util.h"

/*
 * Block the stop signals and ignore SIGPIPE, for the whole life of the
 * process: call it first in main(), before any thread exists, so every
 * thread inherits the mask. From then on a stop signal never kills ferry:
 * it waits, pending, until stopsig_pending() or a stopsig_fd() reader
 * sees it, and ferry ends with status 12 after its full teardown (a
 * second signal during the teardown changes nothing). A write to a closed
 * pipe fails with EPIPE instead of killing ferry. 0 or -errno.
 */
int stopsig_block(void) __must_check;

/* The number of a stop signal pending for the process, or 0. */
int stopsig_pending(void);

/* A signalfd (non-blocking, close-on-exec) reading the stop signals. */
int stopsig_fd(void);

#endif
