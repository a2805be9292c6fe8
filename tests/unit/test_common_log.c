/*
 * test_common_log.c - common/log: how values are written (bare or quoted
 * and escaped), so that no value can make a second line or a key of its
 * own, and that each event is one whole line even from many threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "log.h"

struct value_case {
	const char *in;		/* the value */
	const char *out;	/* as log_value() writes it */
};

static const struct value_case value_cases[] = {
	{ "GET", "GET" },
	{ "/api/v1/clubs/{}", "/api/v1/clubs/{}" },
	{ "127.0.0.1", "127.0.0.1" },
	{ "9f3a-0c.b_1", "9f3a-0c.b_1" },
	{ "", "\"\"" },
	{ NULL, "\"\"" },
	{ "a b", "\"a b\"" },
	{ "k=v", "\"k=v\"" },
	{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
	{ "C:\\x", "\"C:\\\\x\"" },
	{ "x\n event=forged", "\"x\\x0a event=forged\"" },
	{ "x\r\nts=1 event=forged", "\"x\\x0d\\x0ats=1 event=forged\"" },
	{ "tab\there", "\"tab\\x09here\"" },
	{ "del\x7f", "\"del\\x7f\"" },
	{ "Z\xc3\xbcrich", "\"Z\\xc3\\xbcrich\"" },
	{ "\xe2\x80\xa8", "\"\\xe2\\x80\\xa8\"" },	/* U+2028 */
};

static void
test_log_value(void)
{
	size_t i;

	for (i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		struct buf b;

		buf_init(&b);
		log_value(&b, value_cases[i].in);
		CHECK_STR(b.data, value_cases[i].out);
		/* Bare exactly when written as it is. */
		CHECK(log_value_is_bare(value_cases[i].in) ==
		    (value_cases[i].in != NULL &&
		    strcmp(value_cases[i].out, value_cases[i].in) == 0));
		buf_release(&b);
	}
}

static void
test_log_value_cut(void)
{
	char *big = malloc(LOG_VALUE_MAX * 2 + 1);
	struct buf b;

	memset(big, 'a', LOG_VALUE_MAX * 2);
	big[LOG_VALUE_MAX * 2] = '\0';
	buf_init(&b);
	log_value(&b, big);
	/* Quoted, cut after LOG_VALUE_MAX bytes, marked. */
	CHECK(b.len == LOG_VALUE_MAX + 5);
	CHECK(b.data[0] == '"');
	CHECK(strcmp(b.data + b.len - 4, "...\"") == 0);
	buf_release(&b);
	/* A cut never splits an escape: the quote stays closed. */
	memset(big, '\n', LOG_VALUE_MAX * 2);
	buf_init(&b);
	log_value(&b, big);
	CHECK(b.len == 4 * LOG_VALUE_MAX + 5);
	CHECK(strcmp(b.data + b.len - 8, "\\x0a...\"") == 0);
	CHECK(strchr(b.data, '\n') == NULL);
	buf_release(&b);
	free(big);
}

/* Runs fn with stderr sent to a temporary file; returns what it wrote
 * (free() it). */
static char *
capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *out;
	long len;

	if (tmp == NULL || saved < 0)
		return NULL;
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	len = lseek(fileno(tmp), 0, SEEK_END);
	if (len < 0)
		len = 0;
	out = calloc(1, (size_t)len + 1);
	if (pread(fileno(tmp), out, (size_t)len, 0) != len)
		out[0] = '\0';
	fclose(tmp);
	return out;
}

static void
one_event(void)
{
	log_event("request", "id", "abc", "gone", NULL, "route",
	    "/feeds/{}.ics", "error", "x\n event=forged", NULL);
}

static void
test_log_event_line(void)
{
	char *out = capture(one_event);
	const char *rest;

	CHECK(out != NULL);
	if (out == NULL)
		return;
	/* ts=YYYY-MM-DDTHH:MM:SSZ, then the pairs given, in order, without
	 * the one whose value is NULL. */
	CHECK(strncmp(out, "ts=", 3) == 0);
	CHECK(strlen(out) > 24 && out[7] == '-' && out[13] == 'T' &&
	    out[22] == 'Z' && out[23] == ' ');
	rest = strlen(out) > 24 ? out + 24 : "";
	CHECK_STR(rest, "event=request id=abc route=/feeds/{}.ics "
	    "error=\"x\\x0a event=forged\"\n");
	free(out);
}

#define THREADS 8
#define LINES 300

static void *
many_events(void *arg)
{
	char n[16];
	int i;

	snprintf(n, sizeof(n), "%d", (int)(long)arg);
	for (i = 0; i < LINES; i++)
		log_event("test", "thread", n, "text", "a value with spaces "
		    "that is long enough to be written in pieces if it were "
		    "written in pieces", "end", "x", NULL);
	return NULL;
}

static void
threads(void)
{
	pthread_t t[THREADS];
	long i;

	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, many_events, (void *)i);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

static void
test_log_event_threads(void)
{
	char *out = capture(threads), *line, *save = NULL;
	int lines = 0, whole = 0;

	CHECK(out != NULL);
	if (out == NULL)
		return;
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		lines++;
		if (strncmp(line, "ts=", 3) == 0 && n > 6 &&
		    strcmp(line + n - 6, " end=x") == 0 &&
		    strstr(line + 3, "ts=") == NULL)
			whole++;
	}
	CHECK(lines == THREADS * LINES);
	CHECK(whole == lines);
	free(out);
}

int
main(void)
{
	RUN(test_log_value);
	RUN(test_log_value_cut);
	RUN(test_log_event_line);
	RUN(test_log_event_threads);
	return check_done();
}
