/* SPDX-License-Identifier: MIT */
/* A TAP-printing check harness for host-only unit tests. */
#ifndef FERRY_TEST_H
#define FERRY_TEST_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int test_count, test_failed;

static inline int check_(int ok, const char *what, const char *file, int line)
{
	test_count++;
	if (ok) {
		printf("ok %d - %s\n", test_count, what);
	} else {
		test_failed++;
		printf("not ok %d - %s (%s:%d)\n", test_count, what, file, line);
	}
	return ok;
}

/* CHECK(cond): one TAP test point named after the condition. */
#define CHECK(cond) check_(!!(cond), #cond, __FILE__, __LINE__)
/* CHECK_MSG(cond, name): a test point with a readable name. */
#define CHECK_MSG(cond, name) check_(!!(cond), name, __FILE__, __LINE__)

/*
 * Collect what the code under test writes to stderr: capture_begin()
 * sends fd 2 to a scratch file, capture_end() puts it back and returns
 * what was written (NUL-terminated, at most @len - 1 bytes).
 */
static int capture_saved = -1;
static FILE *capture_file;

static inline void capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	capture_saved = dup(2);
	if (capture_file)
		dup2(fileno(capture_file), 2);
}

static inline const char *capture_end(char *buf, size_t len)
{
	size_t n = 0;

	fflush(stderr);
	dup2(capture_saved, 2);
	close(capture_saved);
	buf[0] = 0;
	if (capture_file) {
		rewind(capture_file);
		n = fread(buf, 1, len - 1, capture_file);
		fclose(capture_file);
	}
	buf[n] = 0;
	return buf;
}

/* Print @text as TAP diagnostics: every line gets its own "# ". */
static inline void diag_text(const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		printf("# %.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

/* How many times @needle occurs in @hay. */
static inline int count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static inline int test_done(void)
{
	printf("1..%d\n", test_count);
	return test_failed ? 1 : 0;
}

#endif
