/*
 * bench_reader.c - how fast a received reply is read and sorted.
 *
 *   reader/s   a Gmail-style reply (multipart/mixed, base64 text/calendar
 *              part and invite.ics attachment) through reader_parse(),
 *              which also runs ics_reply_parse() on the calendar
 *   ics_reply/s  the calendar alone through ics_reply_parse()
 *   libical/s  the same calendar text through icalparser_parse_string()
 *              alone, in the same run: the floor any reader pays
 *
 * The ratio reader/libical is what to compare (CONTRACT §10 figures:
 * the intake should stay within 3x of bare parsing).
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"
#include "reader.h"
#include "../tests/unit/fixtures.h"
#include "../tests/unit/mail_samples.h"

#define MIN_SECONDS 1.0

static double
rate_reader(const struct buf *msg)
{
	double t0 = monotonic_seconds(), t;
	long n = 0;
	struct reader_msg m;
	struct err e;

	do {
		for (int i = 0; i < 100; i++, n++) {
			err_clear(&e);
			if (reader_parse(msg->data, msg->len, SAMPLE_FROM, &m,
			    &e) != 0 || m.kind != READER_CALENDAR) {
				fprintf(stderr, "bench_reader: not a reply\n");
				exit(1);
			}
			reader_msg_free(&m);
		}
		t = monotonic_seconds() - t0;
	} while (t < MIN_SECONDS);
	return (double)n / t;
}

static double
rate_libical(const char *text)
{
	double t0 = monotonic_seconds(), t;
	long n = 0;

	do {
		for (int i = 0; i < 100; i++, n++) {
			icalcomponent *c = icalparser_parse_string(text);

			if (c == NULL) {
				fprintf(stderr, "bench_reader: libical failed\n");
				exit(1);
			}
			icalcomponent_free(c);
		}
		t = monotonic_seconds() - t0;
	} while (t < MIN_SECONDS);
	return (double)n / t;
}

static double
rate_ics_reply(const char *text)
{
	double t0 = monotonic_seconds(), t;
	long n = 0;
	size_t len = strlen(text);

	do {
		for (int i = 0; i < 100; i++, n++) {
			struct ics_reply *r = NULL;
			struct err e;

			err_clear(&e);
			if (ics_reply_parse(text, len, &r, &e) != 0) {
				fprintf(stderr, "bench_reader: %s\n", e.msg);
				exit(1);
			}
			ics_reply_free(r);
		}
		t = monotonic_seconds() - t0;
	} while (t < MIN_SECONDS);
	return (double)n / t;
}

int
main(void)
{
	struct buf msg;
	struct err e;
	double r, c, l;

	err_clear(&e);
	if (ics_init(&e) != 0) {
		fprintf(stderr, "bench_reader: %s\n", e.msg);
		return 1;
	}
	reader_init();
	buf_init(&msg);
	sample_gmail(&msg);
	r = rate_reader(&msg);
	c = rate_ics_reply(sample_ics_gmail);
	l = rate_libical(sample_ics_gmail);
	printf("reader (GMime + ics_reply), Gmail-style reply of %zu bytes: "
	    "%.0f msgs/s\n", msg.len, r);
	printf("ics_reply alone, its calendar: %.0f parses/s\n", c);
	printf("libical alone, its %zu-byte calendar: %.0f parses/s\n",
	    strlen(sample_ics_gmail), l);
	printf("ratio libical/reader: %.2fx (goal: within 3x)\n", l / r);
	buf_release(&msg);
	reader_shutdown();
	ics_shutdown();
	return 0;
}
