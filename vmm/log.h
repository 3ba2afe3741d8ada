/* SPDX-License-Identifier: MIT */
/* Logging to stderr with levels and per-call-site rate limiting. */
#ifndef FERRY_LOG_H
#define FERRY_LOG_H

#include <stdatomic.h>
#include "util.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above this level are not printed; set once from the CLI. */
extern enum log_level log_max_level;

/* Print "ferry: <level>: <message>\n" to stderr if @level is enabled. */
void log_msg(enum log_level level, const char *fmt, ...) __printf(2, 3);

/*
 * Rate limit state of one call site: the first LOG_BURST messages print,
 * then one notice that further ones are suppressed. Safe from any thread.
 */
#define LOG_BURST 5
struct log_ratelimit {
	atomic_uint count;
};

/* Returns non-zero if a message may print; prints the suppression notice. */
int log_ratelimit_ok(struct log_ratelimit *rl, const char *what);

#define err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define dbg(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Log at most LOG_BURST times from this call site, then once say so. */
#define warn_ratelimited(...)                                                  \
	do {                                                                   \
		static struct log_ratelimit rl_;                               \
		if (log_ratelimit_ok(&rl_, __func__))                          \
			warn(__VA_ARGS__);                                     \
	} while (0)

/*
 * For parsers that explain a refusal to their caller: format one
 * sentence into @why (@whylen bytes) and return @ret.
 */
int why_set(char *why, size_t whylen, int ret, const char *fmt, ...)
	__printf(4, 5);

/* Setup-time only: print and exit with @status. Never on a guest path. */
void die(int status, const char *fmt, ...) __printf(2, 3) __noreturn;

#endif
