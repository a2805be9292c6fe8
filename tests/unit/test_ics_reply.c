/*
 * test_ics_reply.c - ics_reply on replies shaped as Gmail, Outlook, Apple
 * Calendar and Thunderbird send them, a COUNTER, and bad input.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "ics.h"
#include "ics_reply.h"
#include "mail_samples.h"

static struct ics_reply *
parse(const char *text)
{
	struct ics_reply *r = NULL;
	struct err e;

	err_clear(&e);
	if (ics_reply_parse(text, strlen(text), &r, &e) != 0) {
		fprintf(stderr, "# parse failed: %s\n", e.msg);
		return NULL;
	}
	return r;
}

static time_t
chicago(int y, int mo, int d, int h, int mi)
{
	struct ics_local l = { y, mo, d, h, mi };
	struct err e;
	time_t t = 0;

	err_clear(&e);
	ics_local_to_utc(&l, "America/Chicago", &t, &e);
	return t;
}

static void
test_gmail(void)
{
	struct ics_reply *r = parse(sample_ics_gmail);
	const struct ics_reply_event *e;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(r->method == ICS_REPLY_METHOD_REPLY);
	CHECK(r->n_events == 1);
	e = &r->events[0];
	CHECK_STR(e->uid, SAMPLE_UID);
	CHECK(e->sequence == 2);
	CHECK(e->has_dtstamp);
	CHECK(e->dtstamp == 1803902400);	/* 2027-03-01T12:00:00Z */
	CHECK(!e->recurrence_id.set);
	CHECK(e->n_attendees == 1);
	CHECK_STR(e->attendees[0].email, "alice.oneil@gmail.com");
	CHECK(e->attendees[0].partstat == ICS_REPLY_PARTSTAT_ACCEPTED);
	CHECK_STR(ics_reply_partstat_name(e->attendees[0].partstat),
	    "ACCEPTED");
	CHECK_STR(e->comment, "See you there, I'll bring a board\nand clocks");
	ics_reply_free(r);
}

static void
test_outlook(void)
{
	struct ics_reply *r = parse(sample_ics_outlook);
	const struct ics_reply_event *e;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(r->method == ICS_REPLY_METHOD_REPLY);
	CHECK(r->n_events == 1);
	e = &r->events[0];
	CHECK_STR(e->uid, SAMPLE_UID);
	CHECK(e->sequence == 3);
	CHECK_STR(e->attendees[0].email, "bob.smith@outlook.com");
	CHECK(e->attendees[0].partstat == ICS_REPLY_PARTSTAT_TENTATIVE);
	CHECK_STR(e->comment, "Might be late\n-- Bob");
	/* One occurrence, in the Windows zone the reply itself defines. */
	CHECK(e->recurrence_id.set);
	CHECK(!e->recurrence_id.is_date);
	CHECK_STR(e->recurrence_id.local, "2027-03-09T19:00");
	CHECK_STR(e->recurrence_id.date, "2027-03-09");
	CHECK_STR(e->recurrence_id.tzid, "Central Standard Time");
	CHECK(e->recurrence_id.utc_known);
	CHECK(e->recurrence_id.utc == chicago(2027, 3, 9, 19, 0));
	ics_reply_free(r);
}

static void
test_apple(void)
{
	struct ics_reply *r = parse(sample_ics_apple);
	const struct ics_reply_event *e;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	e = &r->events[0];
	CHECK(r->method == ICS_REPLY_METHOD_REPLY);
	CHECK_STR(e->attendees[0].email, "carol@icloud.com");
	CHECK(e->attendees[0].partstat == ICS_REPLY_PARTSTAT_DECLINED);
	CHECK(e->comment == NULL);
	CHECK(!e->recurrence_id.set);
	CHECK(e->dtstart.set);
	CHECK_STR(e->dtstart.tzid, "America/Chicago");
	CHECK(e->dtstart.utc == chicago(2027, 3, 9, 19, 0));
	ics_reply_free(r);
}

static void
test_thunderbird(void)
{
	struct ics_reply *r = parse(sample_ics_thunderbird);
	const struct ics_reply_event *e;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	e = &r->events[0];
	CHECK_STR(e->attendees[0].email, "dave@example.net");
	CHECK(e->attendees[0].partstat == ICS_REPLY_PARTSTAT_ACCEPTED);
	/* A date-only RECURRENCE-ID names the day of the occurrence. */
	CHECK(e->recurrence_id.set);
	CHECK(e->recurrence_id.is_date);
	CHECK_STR(e->recurrence_id.date, "2027-04-13");
	CHECK_STR(e->recurrence_id.local, "2027-04-13T00:00");
	CHECK_STR(e->recurrence_id.tzid, "");
	CHECK(!e->recurrence_id.utc_known);
	ics_reply_free(r);
}

static void
test_counter(void)
{
	struct ics_reply *r = parse(sample_ics_counter);
	const struct ics_reply_event *e;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	e = &r->events[0];
	CHECK(r->method == ICS_REPLY_METHOD_COUNTER);
	CHECK_STR(e->dtstart.local, "2027-03-09T19:30");
	CHECK_STR(e->dtend.local, "2027-03-09T20:30");
	CHECK_STR(e->dtend.tzid, "America/Chicago");
	CHECK_STR(e->comment, "Half an hour later; work");
	ics_reply_free(r);
}

/* A UTC RECURRENCE-ID, no SEQUENCE, a lowercase MAILTO, an ATTENDEE that
 * is not mailto:, and a calendar that is not a reply. */
static void
test_details(void)
{
	struct ics_reply *r;
	const struct ics_reply_event *e;

	r = parse("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n"
	    "BEGIN:VEVENT\r\nUID:x@y\r\nDTSTAMP:20270301T120000Z\r\n"
	    "RECURRENCE-ID:20270310T010000Z\r\n"
	    "ATTENDEE;PARTSTAT=DECLINED:urn:uuid:1234\r\n"
	    "ATTENDEE:MAILTO:Zed@Example.ORG\r\n"
	    "COMMENT:one\r\nCOMMENT:two\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n");
	CHECK(r != NULL);
	if (r != NULL) {
		e = &r->events[0];
		CHECK(e->sequence == 0);
		CHECK_STR(e->recurrence_id.tzid, "UTC");
		CHECK_STR(e->recurrence_id.local, "2027-03-10T01:00");
		CHECK(e->recurrence_id.utc == chicago(2027, 3, 9, 19, 0));
		CHECK(e->n_attendees == 1);
		CHECK_STR(e->attendees[0].email, "zed@example.org");
		CHECK(e->attendees[0].partstat == ICS_REPLY_PARTSTAT_NONE);
		CHECK_STR(e->comment, "one\ntwo");
		ics_reply_free(r);
	}
	r = parse("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
	    "UID:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
	CHECK(r != NULL && r->method == ICS_REPLY_METHOD_OTHER);
	ics_reply_free(r);
	r = parse("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n"
	    "END:VCALENDAR\r\n");
	CHECK(r != NULL && r->method == ICS_REPLY_METHOD_OTHER);
	ics_reply_free(r);
}

/* 1,000 VEVENTs: the first 50 are read, the rest only counted. */
static void
test_many_events(void)
{
	struct buf b;
	struct ics_reply *r;
	int i;

	buf_init(&b);
	buf_adds(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n");
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "BEGIN:VEVENT\r\nUID:u%d@x\r\nSEQUENCE:%d\r\n"
		    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\n"
		    "END:VEVENT\r\n", i, i);
	buf_adds(&b, "END:VCALENDAR\r\n");
	r = parse(b.data);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK(r->n_events == ICS_REPLY_MAX_EVENTS);
		CHECK(r->n_ignored == 1000 - ICS_REPLY_MAX_EVENTS);
		CHECK_STR(r->events[49].uid, "u49@x");
		ics_reply_free(r);
	}
	buf_release(&b);
}

static void
test_bad_input(void)
{
	static const char *bad[] = {
		"", "hello", "BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n",
		"BEGIN:VCALENDAR\r\n", "\0BEGIN:VCALENDAR",
	};
	struct ics_reply *r = (struct ics_reply *)&r;	/* must stay */
	struct ics_reply *keep = r;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ics_reply *got = NULL;

		err_clear(&e);
		if (ics_reply_parse(bad[i], strlen(bad[i]) + (i == 4 ? 16 : 0),
		    &got, &e) == 0) {
			/* A truncated VCALENDAR is still one for libical. */
			CHECK(got != NULL);
			ics_reply_free(got);
		} else {
			CHECK(e.code == ERR_MALFORMED);
			CHECK(got == NULL);
		}
	}
	CHECK(ics_reply_parse("x", 1, &r, &e) == -1 && r == keep);
	/* Over-long UID and a SEQUENCE below zero. */
	{
		struct buf b;
		int k;

		buf_init(&b);
		buf_adds(&b, "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT"
		    "\r\nSEQUENCE:-5\r\nUID:");
		for (k = 0; k < 300; k++)
			buf_addc(&b, 'u');
		buf_adds(&b, "\r\nRECURRENCE-ID;TZID=Mars/Olympus:20270309T"
		    "190000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
		r = parse(b.data);
		CHECK(r != NULL);
		if (r != NULL) {
			CHECK_STR(r->events[0].uid, "");
			CHECK(r->events[0].sequence == 0);
			CHECK(r->events[0].recurrence_id.set);
			CHECK_STR(r->events[0].recurrence_id.tzid,
			    "Mars/Olympus");
			CHECK(!r->events[0].recurrence_id.utc_known);
			ics_reply_free(r);
		}
		buf_release(&b);
	}
	ics_reply_free(NULL);
}

int
main(void)
{
	struct err e;

	err_clear(&e);
	if (ics_init(&e) != 0)
		return check_setup_failed("ics_init", e.msg);
	RUN(test_gmail);
	RUN(test_outlook);
	RUN(test_apple);
	RUN(test_thunderbird);
	RUN(test_counter);
	RUN(test_details);
	RUN(test_many_events);
	RUN(test_bad_input);
	ics_shutdown();
	return check_done();
}
