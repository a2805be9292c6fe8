/*
 * test_ics_reply.c - ics_reply on replies shaped as Gmail, Outlook, Apple
 * Calendar and Thunderbird send them and a COUNTER (one row each of
 * want_replies[]), details, many events, and bad input.
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

/* ==== the clients' replies, one row each ============================== */
/* A DTSTART, DTEND or RECURRENCE-ID as a reply must read it. */
struct want_time {
	const char *local;	/* "YYYY-MM-DDTHH:MM"; NULL: absent */
	bool is_date;		/* VALUE=DATE */
	const char *tzid;
	struct ics_local at;	/* the instant, on Chicago's clock; a year
				 * of 0: the instant is not known */
};

struct want_reply {
	const char *client;
	const char *text;	/* mail_samples.h */
	enum ics_reply_method method;
	int sequence;
	time_t dtstamp;
	const char *email;	/* the one ATTENDEE, lowercased */
	enum ics_reply_partstat partstat;
	const char *partstat_name;
	const char *comment;	/* NULL: none */
	struct want_time recurrence_id, dtstart, dtend;
};

#define NO_TIME { NULL, false, NULL, { 0, 0, 0, 0, 0 } }

static const struct want_reply want_replies[] = {
	{ "Gmail", sample_ics_gmail, ICS_REPLY_METHOD_REPLY, 2,
	    1803902400,		/* 2027-03-01T12:00:00Z */
	    "alice.oneil@gmail.com", ICS_REPLY_PARTSTAT_ACCEPTED, "ACCEPTED",
	    "See you there, I'll bring a board\nand clocks",
	    NO_TIME,
	    { "2027-03-10T01:00", false, "UTC", { 2027, 3, 9, 19, 0 } },
	    { "2027-03-10T02:00", false, "UTC", { 2027, 3, 9, 20, 0 } } },
	/* One occurrence, in the Windows zone the reply itself defines. */
	{ "Outlook", sample_ics_outlook, ICS_REPLY_METHOD_REPLY, 3,
	    1803999845,		/* 2027-03-02T15:04:05Z */
	    "bob.smith@outlook.com", ICS_REPLY_PARTSTAT_TENTATIVE, "TENTATIVE",
	    "Might be late\n-- Bob",
	    { "2027-03-09T19:00", false, "Central Standard Time",
		{ 2027, 3, 9, 19, 0 } },
	    { "2027-03-09T19:00", false, "Central Standard Time",
		{ 2027, 3, 9, 19, 0 } },
	    { "2027-03-09T20:00", false, "Central Standard Time",
		{ 2027, 3, 9, 20, 0 } } },
	{ "Apple Calendar", sample_ics_apple, ICS_REPLY_METHOD_REPLY, 2,
	    1804068610,		/* 2027-03-03T10:10:10Z */
	    "carol@icloud.com", ICS_REPLY_PARTSTAT_DECLINED, "DECLINED", NULL,
	    NO_TIME,
	    { "2027-03-09T19:00", false, "America/Chicago",
		{ 2027, 3, 9, 19, 0 } },
	    { "2027-03-09T20:00", false, "America/Chicago",
		{ 2027, 3, 9, 20, 0 } } },
	/* A date-only RECURRENCE-ID names the day of the occurrence, in no
	 * zone, so its instant is not known. */
	{ "Thunderbird", sample_ics_thunderbird, ICS_REPLY_METHOD_REPLY, 2,
	    1804147200,		/* 2027-03-04T08:00:00Z */
	    "dave@example.net", ICS_REPLY_PARTSTAT_ACCEPTED, "ACCEPTED", NULL,
	    { "2027-04-13T00:00", true, "", { 0, 0, 0, 0, 0 } },
	    { "2027-04-13T19:00", false, "America/Chicago",
		{ 2027, 4, 13, 19, 0 } },
	    { "2027-04-13T20:00", false, "America/Chicago",
		{ 2027, 4, 13, 20, 0 } } },
	/* Thunderbird's "propose a new time". */
	{ "a COUNTER", sample_ics_counter, ICS_REPLY_METHOD_COUNTER, 2,
	    1804237200,		/* 2027-03-05T09:00:00Z */
	    "dave@example.net", ICS_REPLY_PARTSTAT_TENTATIVE, "TENTATIVE",
	    "Half an hour later; work",
	    NO_TIME,
	    { "2027-03-09T19:30", false, "America/Chicago",
		{ 2027, 3, 9, 19, 30 } },
	    { "2027-03-09T20:30", false, "America/Chicago",
		{ 2027, 3, 9, 20, 30 } } },
};

static void
check_time(const struct ics_reply_time *got, const struct want_time *w)
{
	char date[11];

	if (w->local == NULL) {
		CHECK(!got->set);
		return;
	}
	CHECK(got->set);
	CHECK(got->is_date == w->is_date);
	CHECK_STR(got->local, w->local);
	snprintf(date, sizeof(date), "%.10s", w->local);
	CHECK_STR(got->date, date);
	CHECK_STR(got->tzid, w->tzid);
	if (w->at.year == 0) {
		CHECK(!got->utc_known);
		return;
	}
	CHECK(got->utc_known);
	CHECK(got->utc == chicago(w->at.year, w->at.month, w->at.day,
	    w->at.hour, w->at.minute));
}

static void
check_reply(const struct want_reply *w)
{
	struct ics_reply *r = parse(w->text);
	const struct ics_reply_event *e;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(r->method == w->method);
	CHECK(r->n_events == 1);
	e = &r->events[0];
	CHECK_STR(e->uid, SAMPLE_UID);
	CHECK(e->sequence == w->sequence);
	CHECK(e->has_dtstamp);
	CHECK(e->dtstamp == w->dtstamp);
	CHECK(e->n_attendees == 1);
	CHECK_STR(e->attendees[0].email, w->email);
	CHECK(e->attendees[0].partstat == w->partstat);
	CHECK_STR(ics_reply_partstat_name(e->attendees[0].partstat),
	    w->partstat_name);
	if (w->comment == NULL)
		CHECK(e->comment == NULL);
	else
		CHECK_STR(e->comment, w->comment);
	check_time(&e->recurrence_id, &w->recurrence_id);
	check_time(&e->dtstart, &w->dtstart);
	check_time(&e->dtend, &w->dtend);
	ics_reply_free(r);
}

static void
test_clients(void)
{
	size_t i;

	for (i = 0; i < sizeof(want_replies) / sizeof(want_replies[0]); i++) {
		int before = check_failed_now;

		check_reply(&want_replies[i]);
		if (check_failed_now != before)
			fprintf(stderr, "# (the checks above: the reply of "
			    "%s)\n", want_replies[i].client);
	}
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
	RUN(test_clients);
	RUN(test_details);
	RUN(test_many_events);
	RUN(test_bad_input);
	ics_shutdown();
	return check_done();
}
