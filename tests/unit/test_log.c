// SPDX-License-Identifier: MIT
/* The rate limiter: a burst, a steady refill, and counted suppressions. */
#include "log.h"
#include "test.h"

#define SEC 1000000000ULL

static int take(struct log_ratelimit *rl, uint64_t now, unsigned int *sup,
		int *first)
{
	*sup = 0;
	*first = 0;
	return log_ratelimit_take(rl, now, sup, first);
}

int main(void)
{
	struct log_ratelimit rl = { 0 };
	unsigned int sup, i, n;
	int first, ok = 1;
	char out[4096];

	for (i = 0; i < LOG_BURST; i++)
		ok &= take(&rl, 100 * SEC, &sup, &first) && sup == 0;
	CHECK_MSG(ok, "a burst of LOG_BURST messages passes");
	CHECK_MSG(!take(&rl, 100 * SEC, &sup, &first) && first,
		  "the next is refused, the first refusal of a dry spell");
	CHECK_MSG(!take(&rl, 100 * SEC + SEC / 2, &sup, &first) && !first,
		  "later refusals are not the first");
	CHECK_MSG(take(&rl, 101 * SEC, &sup, &first) && sup == 2,
		  "a refill period later one passes and learns 2 were refused");
	CHECK_MSG(!take(&rl, 101 * SEC, &sup, &first) && first,
		  "and the bucket is dry again");
	/* A long quiet time refills to the burst, never beyond. */
	for (n = 0; take(&rl, 1000 * SEC, &sup, &first); n++)
		;
	CHECK_MSG(n == LOG_BURST, "an hour's silence refills only the burst");
	/* A steady storm gets one message per period. */
	for (n = 0, i = 0; i < 10000; i++)
		n += take(&rl, 1000 * SEC + i * (SEC / 1000), &sup, &first);
	CHECK_MSG(n == 9 || n == 10, "a 10 s storm passes one per second");
	/* Time going backwards (it cannot, but a bad clock) is harmless. */
	CHECK(!take(&rl, 5 * SEC, &sup, &first));

	/* What it prints. */
	log_max_level = LOG_WARN;
	memset(&rl, 0, sizeof(rl));
	capture_begin();
	for (i = 0; i < 20; i++)
		if (log_ratelimit_ok(&rl, "dev"))
			warn("message %u", i);
	capture_end(out, sizeof(out));
	CHECK_MSG(count_str(out, "message ") == LOG_BURST,
		  "20 quick warnings print the burst");
	CHECK_MSG(count_str(out, "dev: further messages of this kind "
			    "suppressed") == 1,
		  "and say once that more are suppressed");
	memset(&rl, 0, sizeof(rl));
	capture_begin();
	for (i = 0; i < 20; i++)
		if (log_ratelimit_ok_level(&rl, LOG_INFO, "quiet"))
			info("message %u", i);
	capture_end(out, sizeof(out));
	CHECK_MSG(out[0] == 0, "a level that is off prints nothing");
	CHECK_MSG(rl.tokens == 0 && rl.suppressed == 0,
		  "and takes no tokens");
	return test_done();
}
