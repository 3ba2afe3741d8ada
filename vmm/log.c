// SPDX-License-Identifier: MIT
/* Logging to stderr with levels and per-call-site rate limiting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
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

int log_ratelimit_take(struct log_ratelimit *rl, uint64_t now_ns,
		       unsigned int *suppressed_before, int *first_refusal)
{
	const uint64_t period = LOG_REFILL_MS * 1000000ULL;
	int ok;

	while (atomic_exchange_explicit(&rl->busy, 1, memory_order_acquire))
		;
	if (!rl->started) {
		rl->started = 1;
		rl->tokens = LOG_BURST;
		rl->last_ns = now_ns;
	} else if (now_ns > rl->last_ns) {
		uint64_t add = (now_ns - rl->last_ns) / period;

		if (rl->tokens + add >= LOG_BURST) {
			rl->tokens = LOG_BURST;
			rl->last_ns = now_ns;
		} else {
			rl->tokens += (unsigned int)add;
			rl->last_ns += add * period;
		}
	}
	ok = rl->tokens > 0;
	if (ok) {
		rl->tokens--;
		*suppressed_before = rl->suppressed;
		rl->suppressed = 0;
	} else {
		*first_refusal = rl->suppressed++ == 0;
	}
	atomic_store_explicit(&rl->busy, 0, memory_order_release);
	return ok;
}

int log_ratelimit_ok_level(struct log_ratelimit *rl, enum log_level level,
			   const char *what)
{
	unsigned int suppressed = 0;
	int first = 0;
	struct timespec ts;

	if (level > log_max_level)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (log_ratelimit_take(rl, (uint64_t)ts.tv_sec * 1000000000ULL +
					   (uint64_t)ts.tv_nsec,
			       &suppressed, &first)) {
		if (suppressed)
			log_msg(level, "%s: %u similar messages were "
				"suppressed", what, suppressed);
		return 1;
	}
	if (first)
		log_msg(level, "%s: further messages of this kind suppressed "
			"(at most one per %u ms)", what, LOG_REFILL_MS);
	return 0;
}

int log_ratelimit_ok(struct log_ratelimit *rl, const char *what)
{
	return log_ratelimit_ok_level(rl, LOG_WARN, what);
}

int why_set(char *why, size_t whylen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return ret;
}
