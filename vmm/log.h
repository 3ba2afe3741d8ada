/* SPDX-License-Identifier: MIT */
/* Logging to stderr with levels and per-call-site rate limiting. */
#ifndef FERRY_LOG_H
#define FERRY_LOG_H

#include <stdatomic.h>
#include <stdint.h>
#include "util.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above this level are not printed; set once from the CLI. */
extern enum log_level log_max_level;

/* Print "ferry: <level>: <message>\n" to stderr if @level is enabled. */
void log_msg(enum log_level level, const char *fmt, ...) __printf(2, 3);

/*
 * Rate limit state of one call site or one device: a token bucket. The
 * first LOG_BURST messages print, then one more each LOG_REFILL_MS. When
 * the bucket runs dry one line says further messages are suppressed; the
 * next message that may print again is preceded by how many were. A
 * zeroed struct is ready to use (static or calloc). Safe from any thread.
 */
#define LOG_BURST 5
#define LOG_REFILL_MS 1000
struct log_ratelimit {
	atomic_int busy;	   /* a tiny spinlock: the fields below */
	int started;		   /* tokens and last_ns are valid */
	unsigned int tokens;	   /* messages that may print now */
	unsigned int suppressed;   /* refused since the last that printed */
	uint64_t last_ns;	   /* CLOCK_MONOTONIC of the last refill */
};

/*
 * Returns non-zero if a message may print now, and prints the notices
 * (suppression begins, K messages suppressed) at @level, the level of the
 * limited message itself. When @level is not enabled nothing is counted
 * and 0 is returned.
 */
int log_ratelimit_ok_level(struct log_ratelimit *rl, enum log_level level,
			   const char *what);

/* log_ratelimit_ok_level() for warnings. */
int log_ratelimit_ok(struct log_ratelimit *rl, const char *what);

/*
 * The bucket itself, at time @now_ns, without printing (for tests and
 * the two above). Returns 1 if a message may print; *@suppressed_before
 * is then the number refused since the last one that printed. Returns 0
 * if not, with *@first_refusal set when this is the first refusal since
 * the last one that printed.
 */
int log_ratelimit_take(struct log_ratelimit *rl, uint64_t now_ns,
		       unsigned int *suppressed_before, int *first_refusal);

#define err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define dbg(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Log from this call site at the rate of struct log_ratelimit. */
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


#endif
