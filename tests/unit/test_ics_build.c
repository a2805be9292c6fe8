/*
 * test_ics_build.c - invitations, feeds and the calendar checker.
 *
 * Every calendar built here goes through ics_calendar_check() (libical
 * parse with no X-LIC-ERROR, icalrestriction_check() on a copy, TZIDs,
 * CRLF and 75-octet lines), and the values that matter are read back with
 * libical's parser, not by matching our own strings only.
 */
#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "check.h"
#include "fixtures.h"
#include "ics.h"

#define DTSTAMP 1800000200	/* 2027-01-15T08:03:20Z */

static struct ics_override overrides[2];

/* The fixture's meeting, stored, at a place and after two changes. */
static struct ics_event
base_event(void)
{
	struct ics_event ev = fixture_meeting();

	fixture_stored(&ev);
	ev.location = "12 Main St, Springfield";
	ev.sequence = 2;
	return ev;
}

static struct ics_event
event_with_overrides(void)
{
	struct ics_event ev = base_event();

	memset(overrides, 0, sizeof(overrides));
	overrides[0].recurrence_id = (struct ics_local){ 2027, 4, 13, 19, 0 };
	overrides[0].cancelled = true;
	overrides[0].sequence = 3;
	overrides[1].recurrence_id = (struct ics_local){ 2027, 5, 11, 19, 0 };
	overrides[1].start = (struct ics_local){ 2027, 5, 12, 18, 30 };
	overrides[1].duration_minutes = 60;
	overrides[1].sequence = 4;
	ev.overrides = overrides;
	ev.n_overrides = 2;
	ev.sequence = 4;
	return ev;
}

static const struct ics_attendee alice = { "alice@example.com",
	"Alice O'Neil" };

/* The calendar with its folded lines joined again (RFC 5545 §3.1). */
static char *
unfold(const char *s)
{
	struct buf b;

	buf_init(&b);
	for (; *s; s++) {
		if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ') {
			s += 2;
			continue;
		}
		buf_addc(&b, *s);
	}
	return buf_take(&b, NULL);
}

/* Lines starting with prefix in an unfolded calendar. */
static int
count_lines(const char *unfolded, const char *prefix)
{
	const char *p = unfolded;
	int n = 0;
	size_t len = strlen(prefix);

	while (*p) {
		if (strncmp(p, prefix, len) == 0)
			n++;
		p = strstr(p, "\r\n");
		if (p == NULL)
			break;
		p += 2;
	}
	return n;
}

/* The same, from the first VEVENT on (the VTIMEZONE has RRULEs too). */
static int
count_event_lines(const char *unfolded, const char *prefix)
{
	const char *ev = strstr(unfolded, "BEGIN:VEVENT");

	return ev ? count_lines(ev, prefix) : 0;
}

static bool
has_line(const char *unfolded, const char *line)
{
	size_t n = strlen(line) + 5;
	char *want = malloc(n);
	bool found;

	snprintf(want, n, "\r\n%s\r\n", line);
	found = strstr(unfolded, want) != NULL;
	free(want);
	return found;
}

/* The text between "BEGIN:VTIMEZONE" and the end of its END line. */
static char *
vtimezone_block(const char *s)
{
	const char *a = strstr(s, "BEGIN:VTIMEZONE\r\n");
	const char *b = a ? strstr(a, "END:VTIMEZONE\r\n") : NULL;

	if (b == NULL)
		return strdup("");
	return strndup(a, (size_t)(b - a) + strlen("END:VTIMEZONE\r\n"));
}

static int
calendar_ok(const char *text, enum ics_method m)
{
	struct err e;

	err_clear(&e);
	if (text == NULL)
		return 0;
	if (ics_calendar_check(text, m, &e) == 0)
		return 1;
	fprintf(stderr, "# calendar check: %s\n", e.msg);
	return 0;
}

static icalcomponent *
first_vevent(icalcomponent *cal)
{
	return icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
}

/* ------------------------------------------------------------------ */
/* Invitations                                                         */
/* ------------------------------------------------------------------ */

static void
test_invite_request(void)
{
	struct ics_event ev = event_with_overrides();
	struct err e;
	size_t len = 0;
	char *s, *u;
	icalcomponent *cal, *ve;
	icalproperty *p;
	struct icaltimetype dt;

	err_clear(&e);
	s = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP, &len,
	    &e);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(len == strlen(s));
	CHECK(calendar_ok(s, ICS_REQUEST));
	CHECK(strncmp(s, "BEGIN:VCALENDAR\r\n", 17) == 0);
	CHECK(len > 17 && strcmp(s + len - 15, "END:VCALENDAR\r\n") == 0);
	u = unfold(s);
	CHECK(has_line(u, "METHOD:REQUEST"));
	CHECK(has_line(u, "VERSION:2.0"));
	CHECK(count_lines(u, "BEGIN:VEVENT") == 1);
	CHECK(count_lines(u, "BEGIN:VTIMEZONE") == 1);
	CHECK(has_line(u, "TZID:America/Chicago"));
	/* The VTIMEZONE comes before the VEVENT (docs/calendar.md, "What we
	 * emit"). */
	CHECK(strstr(u, "BEGIN:VTIMEZONE") < strstr(u, "BEGIN:VEVENT"));
	CHECK(has_line(u, "UID:club42-0123@clubs.example.org"));
	CHECK(has_line(u, "SEQUENCE:4"));
	CHECK(has_line(u, "DTSTAMP:20270115T080320Z"));
	CHECK(has_line(u, "CREATED:20270115T080000Z"));
	CHECK(has_line(u, "LAST-MODIFIED:20270115T080140Z"));
	CHECK(has_line(u, "DTSTART;TZID=America/Chicago:20270112T190000"));
	CHECK(has_line(u, "DTEND;TZID=America/Chicago:20270112T203000"));
	CHECK(has_line(u, "RRULE:FREQ=MONTHLY;BYDAY=2TU"));
	CHECK(has_line(u, "EXDATE;TZID=America/Chicago:20270413T190000"));
	CHECK(count_lines(u, "EXDATE") == 1);
	CHECK(count_lines(u, "RECURRENCE-ID") == 0);
	CHECK(has_line(u, "STATUS:CONFIRMED"));
	CHECK(has_line(u, "SUMMARY:Monthly meeting"));
	CHECK(has_line(u,
	    "LOCATION:https://meet.jit.si/chess-abcdefghijklmnop"));
	CHECK(has_line(u, "URL:https://meet.jit.si/chess-abcdefghijklmnop"));
	CHECK(has_line(u, "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join video"
	    " call:https://meet.jit.si/chess-abcdefghijklmnop"));
	CHECK(has_line(u, "ORGANIZER;CN=Chess Club Chicago:"
	    "mailto:clubmatch@clubs.example.org"));
	CHECK(has_line(u, "CONTACT:Jane Roe <jane@example.org>"));
	CHECK(count_lines(u, "ATTENDEE") == 1);
	CHECK(has_line(u, "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;"
	    "PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Alice O'Neil:"
	    "mailto:alice@example.com"));
	CHECK(count_lines(u, "BEGIN:VALARM") == 0);
	free(u);

	/* Read back with libical: the start is 19:00 in the VTIMEZONE's
	 * zone, and the description has the link alone on a line and the
	 * physical place, which is not the LOCATION. */
	cal = icalparser_parse_string(s);
	ve = first_vevent(cal);
	CHECK(ve != NULL);
	if (ve) {
		const char *d = icalcomponent_get_description(ve);

		dt = icalcomponent_get_dtstart(ve);
		CHECK(dt.hour == 19 && dt.day == 12 && dt.month == 1);
		CHECK(icaltime_as_timet_with_zone(dt, dt.zone) ==
		    1799802000);	/* 2027-01-13T01:00Z */
		CHECK(strstr(d, "\nhttps://meet.jit.si/chess-abcdefghijklmnop"
		    "\n") != NULL);
		CHECK(strncmp(d, "Join the video call:\n", 21) == 0);
		CHECK(strstr(d, "Place: 12 Main St, Springfield") != NULL);
		CHECK(strstr(d, "Agenda to follow.") != NULL);
		CHECK(strstr(d, "Jane Roe <jane@example.org>") != NULL);
		CHECK_STR(icalcomponent_get_location(ve),
		    "https://meet.jit.si/chess-abcdefghijklmnop");
		p = icalcomponent_get_first_property(ve, ICAL_ATTENDEE_PROPERTY);
		CHECK(p && strcmp(icalproperty_get_attendee(p),
		    "mailto:alice@example.com") == 0);
	}
	icalcomponent_free(cal);
	free(s);
}

static void
test_invite_cancel_and_sequence(void)
{
	struct ics_event ev = base_event();
	struct err e;
	char *req, *upd, *can, *u, *z1, *z2, *z3;

	err_clear(&e);
	req = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP, NULL,
	    &e);
	/* An update: new time, same UID, higher SEQUENCE, newer DTSTAMP. */
	ev.start.hour = 18;
	ev.sequence = 3;
	upd = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP + 60,
	    NULL, &e);
	ev.sequence = 4;
	ev.cancelled = true;
	can = ics_invite_build(&ev, ICS_CANCEL, &alice, NULL, DTSTAMP + 120,
	    NULL, &e);
	CHECK(calendar_ok(req, ICS_REQUEST));
	CHECK(calendar_ok(upd, ICS_REQUEST));
	CHECK(calendar_ok(can, ICS_CANCEL));
	if (req == NULL || upd == NULL || can == NULL)
		goto out;
	u = unfold(upd);
	CHECK(has_line(u, "SEQUENCE:3"));
	CHECK(has_line(u, "DTSTAMP:20270115T080420Z"));
	CHECK(has_line(u, "DTSTART;TZID=America/Chicago:20270112T180000"));
	CHECK(has_line(u, "UID:club42-0123@clubs.example.org"));
	free(u);
	u = unfold(can);
	CHECK(has_line(u, "METHOD:CANCEL"));
	CHECK(has_line(u, "STATUS:CANCELLED"));
	CHECK(has_line(u, "SEQUENCE:4"));
	CHECK(has_line(u, "UID:club42-0123@clubs.example.org"));
	CHECK(count_lines(u, "RECURRENCE-ID") == 0);
	CHECK(count_lines(u, "ATTENDEE") == 1);
	free(u);
	/* The zone bytes are identical in all three (docs/calendar.md, "Time
	 * zones and DST"). */
	z1 = vtimezone_block(req);
	z2 = vtimezone_block(upd);
	z3 = vtimezone_block(can);
	CHECK(strlen(z1) > 100);
	CHECK_STR(z1, z2);
	CHECK_STR(z1, z3);
	/* Truncated at a fixed date: no 1883 history (same section). */
	CHECK(strstr(z1, "1883") == NULL && strstr(z1, "-055036") == NULL);
	CHECK(strlen(z1) < 1200);
	free(z1);
	free(z2);
	free(z3);

	/* A cancelled meeting can't be sent as a REQUEST. */
	err_clear(&e);
	CHECK(ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP, NULL,
	    &e) == NULL);
	CHECK(e.code == ERR_INVALID);
	err_clear(&e);
	CHECK(ics_invite_build(&ev, ICS_PUBLISH, &alice, NULL, DTSTAMP, NULL,
	    &e) == NULL);
	CHECK(e.code == ERR_INVALID);
out:
	free(req);
	free(upd);
	free(can);
}

static void
test_invite_occurrence(void)
{
	struct ics_event ev = event_with_overrides();
	struct ics_local rid;
	struct err e;
	char *s, *u;
	icalcomponent *cal, *ve;
	icalproperty *p;
	struct icaltimetype r;

	/* Cancel 13 April: CANCEL with RECURRENCE-ID;TZID, no RRULE. */
	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-04-13", &rid, &e) == 0);
	s = ics_invite_build(&ev, ICS_CANCEL, &alice, &rid, DTSTAMP, NULL, &e);
	CHECK(calendar_ok(s, ICS_CANCEL));
	if (s) {
		u = unfold(s);
		CHECK(has_line(u, "METHOD:CANCEL"));
		CHECK(has_line(u, "RECURRENCE-ID;TZID=America/Chicago:"
		    "20270413T190000"));
		CHECK(has_line(u, "DTSTART;TZID=America/Chicago:"
		    "20270413T190000"));
		CHECK(has_line(u, "STATUS:CANCELLED"));
		CHECK(has_line(u, "SEQUENCE:3"));	/* the override's */
		CHECK(count_event_lines(u, "RRULE") == 0);
		CHECK(count_lines(u, "EXDATE") == 0);
		CHECK(count_lines(u, "BEGIN:VEVENT") == 1);
		free(u);
		/* libical 3.0.16's get_recurrenceid() drops the zone; read
		 * it through the property (docs/calendar.md, "What libical
		 * leaves to us"). */
		cal = icalparser_parse_string(s);
		ve = first_vevent(cal);
		p = ve ? icalcomponent_get_first_property(ve,
		    ICAL_RECURRENCEID_PROPERTY) : NULL;
		CHECK(p != NULL);
		if (p) {
			r = icalproperty_get_datetime_with_component(p, ve);
			CHECK(r.zone != NULL);
			CHECK(icaltime_as_timet_with_zone(r, r.zone) ==
			    1807660800);	/* 2027-04-14T00:00Z */
		}
		icalcomponent_free(cal);
		free(s);
	}
	/* Re-sending a cancelled occurrence as a REQUEST is refused. */
	err_clear(&e);
	CHECK(ics_invite_build(&ev, ICS_REQUEST, &alice, &rid, DTSTAMP, NULL,
	    &e) == NULL);

	/* Move 11 May to 12 May 18:30 for an hour. */
	rid = (struct ics_local){ 2027, 5, 11, 19, 0 };
	err_clear(&e);
	s = ics_invite_build(&ev, ICS_REQUEST, &alice, &rid, DTSTAMP, NULL,
	    &e);
	CHECK(calendar_ok(s, ICS_REQUEST));
	if (s) {
		u = unfold(s);
		CHECK(has_line(u, "RECURRENCE-ID;TZID=America/Chicago:"
		    "20270511T190000"));
		CHECK(has_line(u, "DTSTART;TZID=America/Chicago:"
		    "20270512T183000"));
		CHECK(has_line(u, "DTEND;TZID=America/Chicago:"
		    "20270512T193000"));
		CHECK(has_line(u, "STATUS:CONFIRMED"));
		CHECK(has_line(u, "SEQUENCE:4"));
		CHECK(count_event_lines(u, "RRULE") == 0);
		CHECK(count_lines(u, "ATTENDEE") == 1);
		free(u);
		free(s);
	}

	/* A date that is no occurrence, and a single meeting. */
	rid = (struct ics_local){ 2027, 5, 12, 19, 0 };
	err_clear(&e);
	CHECK(ics_invite_build(&ev, ICS_CANCEL, &alice, &rid, DTSTAMP, NULL,
	    &e) == NULL);
	CHECK(e.code == ERR_NOT_FOUND);
	ev = base_event();
	ev.rrule = NULL;
	rid = ev.start;
	err_clear(&e);
	CHECK(ics_invite_build(&ev, ICS_CANCEL, &alice, &rid, DTSTAMP, NULL,
	    &e) == NULL);
	CHECK(e.code == ERR_NOT_FOUND);
}

/* ------------------------------------------------------------------ */
/* Hostile input                                                       */
/* ------------------------------------------------------------------ */

static void
test_invite_injection(void)
{
	struct ics_event ev = base_event();
	struct ics_attendee bad = { "eve@x.org\r\nATTENDEE:mailto:mallory@x.org",
		"Eve" };
	struct ics_attendee odd = { "bob@example.com",
		"Bob \"The Builder\"\r\nATTENDEE:mailto:mallory@x.org;\x01" };
	struct err e;
	char *s, *u;
	icalcomponent *cal;
	icalproperty *p;
	icalparameter *cn;

	err_clear(&e);
	CHECK(ics_invite_build(&ev, ICS_REQUEST, &bad, NULL, DTSTAMP, NULL,
	    &e) == NULL);
	CHECK(e.code == ERR_INVALID && strcmp(e.field, "email") == 0);
	bad.email = "eve@x.org?cc=mallory@x.org";
	CHECK(ics_invite_build(&ev, ICS_REQUEST, &bad, NULL, DTSTAMP, NULL,
	    &e) == NULL);
	bad.email = "\"eve\"@x.org";
	CHECK(ics_invite_build(&ev, ICS_REQUEST, &bad, NULL, DTSTAMP, NULL,
	    &e) == NULL);
	bad.email = NULL;
	CHECK(ics_invite_build(&ev, ICS_REQUEST, &bad, NULL, DTSTAMP, NULL,
	    &e) == NULL);
	CHECK(ics_invite_build(&ev, ICS_REQUEST, NULL, NULL, DTSTAMP, NULL,
	    &e) == NULL);
	ev.organizer_email = "x@y.org\nORGANIZER:mailto:z@w.org";
	err_clear(&e);
	CHECK(ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP, NULL,
	    &e) == NULL);
	CHECK(strcmp(e.field, "organizer_email") == 0);
	ev = base_event();
	ev.video_url = "https://x.org/\r\nATTENDEE:mailto:mallory@x.org";
	CHECK(ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP, NULL,
	    &e) == NULL);

	/* A display name with quotes, CR/LF and controls is cleaned, and
	 * text fields with CR/LF stay inside their property. */
	ev = base_event();
	ev.title = "Line one\r\nATTENDEE:mailto:mallory@x.org\rthree";
	ev.organizer_name = "Club \"A\", \"B\"; C: D";
	s = ics_invite_build(&ev, ICS_REQUEST, &odd, NULL, DTSTAMP, NULL, &e);
	CHECK(calendar_ok(s, ICS_REQUEST));
	if (s == NULL)
		return;
	u = unfold(s);
	CHECK(count_lines(u, "ATTENDEE") == 1);
	CHECK(strstr(u, "mallory") == NULL || strstr(u, "\r\nATTENDEE:mailto:"
	    "mallory") == NULL);
	CHECK(strchr(s, '\x01') == NULL);
	free(u);
	cal = icalparser_parse_string(s);
	CHECK_STR(icalcomponent_get_summary(first_vevent(cal)),
	    "Line one\nATTENDEE:mailto:mallory@x.org\nthree");
	p = icalcomponent_get_first_property(first_vevent(cal),
	    ICAL_ATTENDEE_PROPERTY);
	cn = p ? icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER) : NULL;
	CHECK(cn != NULL);
	if (cn)
		CHECK_STR(icalparameter_get_cn(cn), "Bob 'The Builder'  "
		    "ATTENDEE:mailto:mallory@x.org;");
	p = icalcomponent_get_first_property(first_vevent(cal),
	    ICAL_ORGANIZER_PROPERTY);
	cn = p ? icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER) : NULL;
	if (cn)
		CHECK_STR(icalparameter_get_cn(cn), "Club 'A', 'B'; C: D");
	CHECK(cn != NULL);
	icalcomponent_free(cal);
	free(s);
}

/* Valid UTF-8, by the table in RFC 3629 §4 (no overlongs, no
 * surrogates). */
static bool
ics_utf8_valid_for_test(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n, i;

		if (p[0] < 0x80)
			n = 0;
		else if (p[0] >= 0xc2 && p[0] <= 0xdf)
			n = 1;
		else if (p[0] >= 0xe0 && p[0] <= 0xef)
			n = 2;
		else if (p[0] >= 0xf0 && p[0] <= 0xf4)
			n = 3;
		else
			return false;
		for (i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		if ((p[0] == 0xe0 && p[1] < 0xa0) ||
		    (p[0] == 0xed && p[1] > 0x9f) ||
		    (p[0] == 0xf0 && p[1] < 0x90) ||
		    (p[0] == 0xf4 && p[1] > 0x8f))
			return false;
		p += n + 1;
	}
	return true;
}

/* Valid UTF-8 in every physical line, at most 75 octets: the fold never
 * splits a character, whatever the offset of a 4-byte emoji. */
static void
test_folding_utf8(void)
{
	struct ics_event ev = base_event();
	struct err e;
	char title[200], desc[1400];
	int off, i, bad = 0;

	err_clear(&e);
	for (off = 0; off < 80; off++) {
		char *s, *line, *eol, *copy;
		icalcomponent *cal;

		memset(title, 'a', (size_t)off);
		snprintf(title + off, sizeof(title) - (size_t)off, "%s",
		    "\xf0\x9f\x8e\x89\xc3\xa9\xe2\x82\xac"
		    "\xf0\x9f\x8e\x89 end");
		for (i = 0; i < 300; i++)
			memcpy(desc + 4 * i, (i + off) % 3 ?
			    "\xe2\x82\xac," : "\xf0\x9f\x98\x80", 4);
		desc[1200] = '\0';
		ev.title = title;
		ev.description = desc;
		s = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP,
		    NULL, &e);
		if (s == NULL || !calendar_ok(s, ICS_REQUEST)) {
			bad++;
			free(s);
			continue;
		}
		for (line = s; *line; line = eol + 2) {
			eol = strstr(line, "\r\n");
			copy = strndup(line, (size_t)(eol - line));
			/* A folded line starts with the space: check the
			 * content after it. */
			if (eol - line > 75 || !ics_utf8_valid_for_test(
			    copy[0] == ' ' ? copy + 1 : copy))
				bad++;
			free(copy);
		}
		cal = icalparser_parse_string(s);
		if (strcmp(icalcomponent_get_summary(first_vevent(cal)),
		    title) != 0)
			bad++;
		if (strstr(icalcomponent_get_description(first_vevent(cal)),
		    desc) == NULL)
			bad++;
		icalcomponent_free(cal);
		free(s);
	}
	CHECK(bad == 0);
}

/* ------------------------------------------------------------------ */
/* Feeds                                                               */
/* ------------------------------------------------------------------ */

static void
test_feed(void)
{
	struct ics_event evs[4];
	struct err e;
	char *s, *u;
	size_t len;
	icalcomponent *cal, *c;
	int vevents = 0, alarms = 0;

	evs[0] = event_with_overrides();
	evs[1] = base_event();
	evs[1].uid = "club42-second@clubs.example.org";
	evs[1].rrule = NULL;
	evs[1].start = (struct ics_local){ 2027, 2, 20, 10, 0 };
	evs[2] = base_event();
	evs[2].uid = "club7-ny@clubs.example.org";
	evs[2].tzid = "America/New_York";
	evs[2].rrule = "FREQ=WEEKLY;COUNT=10";
	evs[2].start = (struct ics_local){ 2027, 3, 1, 12, 0 };
	evs[3] = base_event();
	evs[3].uid = "club42-gone@clubs.example.org";
	evs[3].cancelled = true;
	evs[3].tzid = "Europe/Paris";	/* left out, so no VTIMEZONE */

	err_clear(&e);
	s = ics_feed_build("Chess Club, Chicago; remote", evs, 4, 30, DTSTAMP,
	    &len, &e);
	CHECK(s != NULL);
	CHECK(calendar_ok(s, ICS_PUBLISH));
	if (s == NULL)
		return;
	u = unfold(s);
	CHECK(has_line(u, "METHOD:PUBLISH"));
	CHECK(has_line(u, "NAME:Chess Club\\, Chicago\\; remote"));
	CHECK(has_line(u, "X-WR-CALNAME:Chess Club Chicago remote"));
	CHECK(has_line(u, "REFRESH-INTERVAL;VALUE=DURATION:PT1H"));
	CHECK(has_line(u, "X-PUBLISHED-TTL:PT1H"));
	CHECK(count_lines(u, "BEGIN:VTIMEZONE") == 2);
	CHECK(has_line(u, "TZID:America/Chicago"));
	CHECK(has_line(u, "TZID:America/New_York"));
	CHECK(count_lines(u, "TZID:Europe/Paris") == 0);
	CHECK(strstr(u, "club42-gone") == NULL);
	CHECK(count_lines(u, "ATTENDEE") == 0);
	CHECK(count_lines(u, "ORGANIZER") == 4);
	CHECK(count_lines(u, "BEGIN:VEVENT") == 4);	/* 3 + 1 moved */
	CHECK(count_lines(u, "BEGIN:VALARM") == 4);
	CHECK(count_lines(u, "TRIGGER:-PT30M") == 4);
	CHECK(count_lines(u, "ACTION:DISPLAY") == 4);
	CHECK(has_line(u, "EXDATE;TZID=America/Chicago:20270413T190000"));
	CHECK(has_line(u, "RECURRENCE-ID;TZID=America/Chicago:"
	    "20270511T190000"));
	CHECK(has_line(u, "DTSTART;TZID=America/New_York:20270301T120000"));
	CHECK(has_line(u, "RRULE:FREQ=WEEKLY;COUNT=10"));
	/* Every VTIMEZONE before the first VEVENT. */
	CHECK(strstr(u, "END:VTIMEZONE\r\nBEGIN:VEVENT") != NULL);
	CHECK(strstr(strstr(u, "BEGIN:VEVENT"), "BEGIN:VTIMEZONE") == NULL);
	free(u);

	cal = icalparser_parse_string(s);
	for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	    c; c = icalcomponent_get_next_component(cal,
	    ICAL_VEVENT_COMPONENT)) {
		vevents++;
		if (icalcomponent_get_first_component(c,
		    ICAL_VALARM_COMPONENT))
			alarms++;
	}
	CHECK(vevents == 4 && alarms == 4);
	icalcomponent_free(cal);
	free(s);

	/* The single-meeting download: no alarm, no name. */
	s = ics_feed_build(NULL, &evs[1], 1, -1, DTSTAMP, NULL, &e);
	CHECK(calendar_ok(s, ICS_PUBLISH));
	if (s) {
		u = unfold(s);
		CHECK(count_lines(u, "BEGIN:VEVENT") == 1);
		CHECK(count_lines(u, "BEGIN:VALARM") == 0);
		CHECK(count_lines(u, "X-WR-CALNAME") == 0);
		CHECK(count_event_lines(u, "RRULE") == 0);
		free(u);
		free(s);
	}
	/* A club with no meetings yet still gets a valid, empty feed. */
	s = ics_feed_build("Nothing yet", NULL, 0, 30, DTSTAMP, NULL, &e);
	CHECK(calendar_ok(s, ICS_PUBLISH));
	CHECK(s && strstr(s, "VEVENT") == NULL && strstr(s, "VTIMEZONE") ==
	    NULL);
	free(s);
	err_clear(&e);
	CHECK(ics_feed_build("x", evs, 1, 20000, DTSTAMP, NULL, &e) == NULL);
	CHECK(e.code == ERR_INVALID);
	evs[1].tzid = "Nowhere/Else";
	err_clear(&e);
	CHECK(ics_feed_build("x", evs, 2, 10, DTSTAMP, NULL, &e) == NULL);
	CHECK(strcmp(e.field, "timezone") == 0);
}

/* The feed's occurrences, expanded by libical from the text with EXDATE
 * and the override applied, equal ics_occurrences(). */
static void
test_feed_expands_like_occurrences(void)
{
	struct ics_event ev = event_with_overrides();
	struct err e;
	time_t want[40], got[40], t;
	int n_want, n_got = 0, i;
	char *s;
	icalcomponent *cal, *master = NULL, *c;
	icalrecur_iterator *it;
	icalproperty *p;
	struct icaltimetype dt, x;
	struct icalrecurrencetype r;

	err_clear(&e);
	n_want = ics_occurrences(&ev, 0, 1830000000, want, 40, &e);
	s = ics_feed_build("f", &ev, 1, -1, DTSTAMP, NULL, &e);
	cal = s ? icalparser_parse_string(s) : NULL;
	CHECK(cal != NULL);
	if (cal == NULL)
		return;
	for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	    c; c = icalcomponent_get_next_component(cal,
	    ICAL_VEVENT_COMPONENT)) {
		if (icalcomponent_get_first_property(c,
		    ICAL_RECURRENCEID_PROPERTY) == NULL) {
			master = c;
			continue;
		}
		dt = icalcomponent_get_dtstart(c);
		t = icaltime_as_timet_with_zone(dt, dt.zone);
		if (t < 1830000000)
			got[n_got++] = t;
	}
	CHECK(master != NULL);
	if (master == NULL)
		goto out;
	dt = icalcomponent_get_dtstart(master);
	p = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY);
	r = icalproperty_get_rrule(p);
	it = icalrecur_iterator_new(r, dt);
	while (!icaltime_is_null_time(x = icalrecur_iterator_next(it))) {
		bool skip = false;
		icalproperty *q;

		t = icaltime_as_timet_with_zone(x, dt.zone);
		if (t >= 1830000000)
			break;
		for (q = icalcomponent_get_first_property(master,
		    ICAL_EXDATE_PROPERTY); q; q = icalcomponent_get_next_property(
		    master, ICAL_EXDATE_PROPERTY))
			if (icaltime_compare(icalproperty_get_exdate(q), x) ==
			    0)
				skip = true;
		/* the moved one: its RECURRENCE-ID is 2027-05-11 19:00 */
		if (x.month == 5 && x.day == 11 && x.year == 2027)
			skip = true;
		if (!skip && n_got < 40)
			got[n_got++] = t;
	}
	icalrecur_iterator_free(it);
	/* sort got */
	for (i = 1; i < n_got; i++) {
		int j;

		for (j = i; j > 0 && got[j - 1] > got[j]; j--) {
			t = got[j];
			got[j] = got[j - 1];
			got[j - 1] = t;
		}
	}
	CHECK(n_got == n_want);
	CHECK(n_got == n_want && memcmp(got, want, sizeof(time_t) *
	    (size_t)n_want) == 0);
out:
	icalcomponent_free(cal);
	free(s);
}

/* ------------------------------------------------------------------ */
/* The checker itself                                                  */
/* ------------------------------------------------------------------ */

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	struct buf b;

	buf_init(&b);
	if (at == NULL)
		return buf_take(&b, NULL);
	buf_add(&b, s, (size_t)(at - s));
	buf_adds(&b, to);
	buf_adds(&b, at + strlen(from));
	return buf_take(&b, NULL);
}

static void
test_checker_catches(void)
{
	struct ics_event ev = base_event();
	struct err e;
	char *s, *bad, *z;

	err_clear(&e);
	s = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP, NULL,
	    &e);
	CHECK(calendar_ok(s, ICS_REQUEST));
	if (s == NULL)
		return;
	/* METHOD mismatch. */
	CHECK(ics_calendar_check(s, ICS_CANCEL, &e) == -1);
	/* No ATTENDEE in a REQUEST: RFC 5546 restriction. */
	bad = replace(s, "ATTENDEE;", "X-ATTENDEE;");
	CHECK(ics_calendar_check(bad, ICS_REQUEST, &e) == -1);
	free(bad);
	/* STATUS:CANCELLED in a REQUEST. */
	bad = replace(s, "STATUS:CONFIRMED", "STATUS:CANCELLED");
	CHECK(ics_calendar_check(bad, ICS_REQUEST, &e) == -1);
	free(bad);
	/* A TZID without its VTIMEZONE. */
	z = vtimezone_block(s);
	bad = replace(s, z, "");
	CHECK(ics_calendar_check(bad, ICS_REQUEST, &e) == -1);
	CHECK(strstr(e.msg, "VTIMEZONE") != NULL);
	free(bad);
	free(z);
	/* LF-only line ends, an overlong line, a bad value. */
	bad = replace(s, "VERSION:2.0\r\n", "VERSION:2.0\n");
	CHECK(ics_calendar_check(bad, ICS_REQUEST, &e) == -1);
	free(bad);
	bad = replace(s, "SUMMARY:Monthly meeting", "SUMMARY:Monthly meeting "
	    "with a summary line that is far too long to be left unfolded");
	CHECK(ics_calendar_check(bad, ICS_REQUEST, &e) == -1);
	free(bad);
	bad = replace(s, "DTEND;TZID=America/Chicago:20270112T203000",
	    "DTEND;TZID=America/Chicago:20270112T2030");
	CHECK(ics_calendar_check(bad, ICS_REQUEST, &e) == -1);
	free(bad);
	bad = replace(s, "DTSTAMP:20270115T080320Z", "DTSTAMP:20270115T080320");
	CHECK(ics_calendar_check(bad, ICS_REQUEST, &e) == -1);
	free(bad);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */
/* ------------------------------------------------------------------ */

static const char *const thread_zones[] = {
	"Asia/Tokyo", "Europe/Paris", "Australia/Sydney", "America/Denver",
	"Pacific/Honolulu", "America/Anchorage", "Africa/Cairo",
	"America/Sao_Paulo",
};
#define NZONES (sizeof(thread_zones) / sizeof(thread_zones[0]))
#define NTHREADS 6
#define ROUNDS 40

struct thread_out {
	int id;				/* which thread */
	char *invite[NZONES];		/* last invite per zone */
	long counts[NZONES];		/* occurrences in 2027 */
	char when[NZONES][80];		/* ics_time_format() */
	int failures;			/* builds that failed */
};

static void *
thread_main(void *arg)
{
	struct thread_out *o = arg;
	struct ics_event ev = base_event();
	struct err e;
	size_t z, k;
	int r;

	err_clear(&e);
	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < NZONES; k++) {
			/* Each thread starts on a different zone, so first
			 * loads race. */
			z = (k + (size_t)o->id) % NZONES;
			ev.tzid = thread_zones[z];
			free(o->invite[z]);
			o->invite[z] = ics_invite_build(&ev, ICS_REQUEST,
			    &alice, NULL, DTSTAMP, NULL, &e);
			if (o->invite[z] == NULL)
				o->failures++;
			o->counts[z] = ics_count_occurrences(&ev, 1798761600,
			    1830297600);
			if (ics_time_format(1800000000, thread_zones[z],
			    o->when[z], sizeof(o->when[z])) != 0)
				o->failures++;
		}
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t th[NTHREADS];
	struct thread_out out[NTHREADS];
	struct ics_event ev = base_event();
	struct err e;
	size_t z;
	int t;

	memset(out, 0, sizeof(out));
	for (t = 0; t < NTHREADS; t++) {
		out[t].id = t;
		pthread_create(&th[t], NULL, thread_main, &out[t]);
	}
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	err_clear(&e);
	for (z = 0; z < NZONES; z++) {
		char *ref, when[80];
		long count;

		ev.tzid = thread_zones[z];
		ref = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP,
		    NULL, &e);
		count = ics_count_occurrences(&ev, 1798761600, 1830297600);
		ics_time_format(1800000000, thread_zones[z], when,
		    sizeof(when));
		CHECK(calendar_ok(ref, ICS_REQUEST));
		CHECK(count == 12);
		for (t = 0; t < NTHREADS; t++) {
			CHECK(out[t].invite[z] && ref &&
			    strcmp(out[t].invite[z], ref) == 0);
			CHECK(out[t].counts[z] == count);
			CHECK_STR(out[t].when[z], when);
		}
		free(ref);
	}
	for (t = 0; t < NTHREADS; t++) {
		CHECK(out[t].failures == 0);
		for (z = 0; z < NZONES; z++)
			free(out[t].invite[z]);
	}
}

int
main(void)
{
	struct err e = { 0 };

	if (ics_init(&e) != 0)
		return check_setup_failed("ics_init", e.msg);
	RUN(test_invite_request);
	RUN(test_invite_cancel_and_sequence);
	RUN(test_invite_occurrence);
	RUN(test_invite_injection);
	RUN(test_folding_utf8);
	RUN(test_feed);
	RUN(test_feed_expands_like_occurrences);
	RUN(test_checker_catches);
	RUN(test_threads);
	ics_shutdown();
	return check_done();
}
