// SPDX-License-Identifier: MIT
/* Logging to stderr with levels and per-call-site rate limiting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "log.h"

enum log_level log_max_level = LOG_WARN;

static const char *const level_names[] = {
	[LOG_ERR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	/* One write per message so lines from vCPU threads never interleave. */
	n = snprintf(buf, sizeof(buf), "ferry: %s: ", level_names[level]);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	fwrite(buf, 1, (size_t)n, stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_max_level)
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

int log_ratelimit_ok(struct log_ratelimit *rl, const char *what)
{
	unsigned int n = atomic_fetch_add(&rl->count, 1);

	if (n < LOG_BURST)
		return 1;
	if (n == LOG_BURST)
		log_msg(LOG_WARN, "%s: further messages of this kind suppressed",
			what);
	return 0;
}

int why_set(char *why, size_t whylen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return ret;
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}
