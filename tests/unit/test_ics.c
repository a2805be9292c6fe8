/*
 * test_ics.c - zones, wall clock <-> UTC, validation and recurrence.
 *
 * The expected instants come from glibc's own tz code (mktime/localtime_r
 * with TZ set, this program being single-threaded at that point), not
 * from libical, so the two implementations check each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "fixtures.h"
#include "ics.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A broken-down time (tm_isdst 0; mktime and timegm normalise it). */
static struct tm
tm_at(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return tm;
}

/* The instant of a wall time in zone tz by glibc (tm_isdst = -1). */
static time_t
glibc_instant(const char *tz, int y, int mo, int d, int h, int mi)
{
	struct tm tm = tm_at(y, mo, d, h, mi);
	time_t t;

	setenv("TZ", tz, 1);
	tzset();
	tm.tm_isdst = -1;
	t = mktime(&tm);
	setenv("TZ", "UTC", 1);
	tzset();
	return t;
}

static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = tm_at(y, mo, d, h, mi);

	return timegm(&tm);
}

/* Validates ev and checks it fails on field with ERR_INVALID. */
static int
rejects(const struct ics_event *ev, const char *field)
{
	struct err e;

	err_clear(&e);
	if (ics_event_validate(ev, &e) != -1) {
		fprintf(stderr, "# accepted, expected a '%s' error\n", field);
		return 0;
	}
	if (e.code != ERR_INVALID || strcmp(e.field, field) != 0) {
		fprintf(stderr, "# got code %d field '%s' (%s), want '%s'\n",
		    e.code, e.field, e.msg, field);
		return 0;
	}
	return 1;
}

static int
accepts(const struct ics_event *ev)
{
	struct err e;

	err_clear(&e);
	if (ics_event_validate(ev, &e) == 0)
		return 1;
	fprintf(stderr, "# rejected: %s: %s\n", e.field, e.msg);
	return 0;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Sets *slot (a field of ev) to each of values[0..n) in turn: ev is
 * refused naming field every time. */
static void
check_rejects_each(struct ics_event *ev, const char **slot,
    const char *const *values, size_t n, const char *field)
{
	size_t i;
	int ok;

	for (i = 0; i < n; i++) {
		*slot = values[i];
		ok = rejects(ev, field);
		if (!ok)
			fprintf(stderr, "#   with %s '%s'\n", field,
			    values[i] ? values[i] : "(null)");
		CHECK(ok);
	}
}

/* ------------------------------------------------------------------ */
/* Zones and wall clocks                                               */
/* ------------------------------------------------------------------ */

static void
test_zone_names(void)
{
	CHECK(ics_zone_exists("America/Chicago"));
	CHECK(ics_zone_exists("America/Argentina/Buenos_Aires"));
	CHECK(ics_zone_exists("US/Central"));		/* a link */
	CHECK(ics_zone_exists("Etc/GMT+5"));
	CHECK(ics_zone_exists("UTC"));
	CHECK(!ics_zone_exists("Central Standard Time"));
	CHECK(!ics_zone_exists("/freeassociation.sourceforge.net/"
	    "America/Chicago"));
	CHECK(!ics_zone_exists("America/Nowhere"));
	CHECK(!ics_zone_exists("../../../etc/passwd"));
	CHECK(!ics_zone_exists("America/../Europe/Paris"));
	CHECK(!ics_zone_exists("zone.tab"));
	CHECK(!ics_zone_exists("posixrules"));
	CHECK(!ics_zone_exists("posix/America/Chicago"));
	CHECK(!ics_zone_exists("America/Chicago "));
	CHECK(!ics_zone_exists(""));
	CHECK(!ics_zone_exists(NULL));
	/* Asking twice gives the same answer from the cache. */
	CHECK(ics_zone_exists("America/Chicago"));
}

static void
test_local_parse(void)
{
	static const char *const bad[] = {
		"2027-02-29T00:00", "2027-04-31T10:00", "2027-3-09T19:00",
		"2027-03-09 19:00", "2027-03-09T24:00", "2027-03-09T19:60",
		"2027-03-09T19:00:00", "2027-03-09T19:00Z", "2027-13-01T00:00",
		"2027-00-01T00:00", "2027-03-09T1a:00", "+027-03-09T19:00",
		"", NULL,
	};
	struct ics_local l = { 1, 1, 1, 1, 1 };
	char txt[17];
	size_t i;
	int rc;

	CHECK(ics_local_parse("2027-03-09T19:05", &l) == 0);
	CHECK(l.year == 2027 && l.month == 3 && l.day == 9 && l.hour == 19 &&
	    l.minute == 5);
	ics_local_format(&l, txt);
	CHECK_STR(txt, "2027-03-09T19:05");
	CHECK(ics_local_parse("2028-02-29T00:00", &l) == 0);
	for (i = 0; i < N_OF(bad); i++) {
		rc = ics_local_parse(bad[i], &l);
		if (rc != -1)
			fprintf(stderr, "# '%s' parsed\n",
			    bad[i] ? bad[i] : "(null)");
		CHECK(rc == -1);
	}
	/* A failed parse leaves *out alone. */
	CHECK(l.year == 2028 && l.month == 2 && l.day == 29);
}

/* ics_local_to_utc_kind() of a wall time in zone tz: CHECKs that it
 * converts, to an instant of that kind; returns the instant. */
static time_t
wall_to_utc(const char *tz, int y, int mo, int d, int h, int mi,
    enum ics_local_kind kind)
{
	struct ics_local l = { y, mo, d, h, mi };
	enum ics_local_kind k = ICS_LOCAL_NORMAL;
	time_t t = -1;
	struct err e;

	err_clear(&e);
	CHECK(ics_local_to_utc_kind(&l, tz, &t, &k, &e) == 0);
	CHECK(k == kind);
	return t;
}

static void
test_local_to_utc_dst(void)
{
	const char *chi = "America/Chicago", *lhi = "Australia/Lord_Howe";
	struct ics_local l;
	time_t t;
	struct err e;

	err_clear(&e);
	/* Before and after the March 2027 change (14 March). */
	CHECK(wall_to_utc(chi, 2027, 3, 9, 19, 0, ICS_LOCAL_NORMAL) ==
	    utc(2027, 3, 10, 1, 0));
	l = (struct ics_local){ 2027, 3, 16, 19, 0 };
	CHECK(ics_local_to_utc(&l, chi, &t, &e) == 0);
	CHECK(t == utc(2027, 3, 17, 0, 0));

	/* The gap: 02:30 does not exist; read with the offset before
	 * (CST, -6), i.e. 08:30Z = 03:30 CDT (RFC 5545 §3.3.5). */
	CHECK(wall_to_utc(chi, 2027, 3, 14, 2, 30, ICS_LOCAL_GAP) ==
	    utc(2027, 3, 14, 8, 30));
	CHECK(wall_to_utc(chi, 2027, 3, 14, 3, 0, ICS_LOCAL_NORMAL) ==
	    utc(2027, 3, 14, 8, 0));
	CHECK(wall_to_utc(chi, 2027, 3, 14, 1, 59, ICS_LOCAL_NORMAL) ==
	    utc(2027, 3, 14, 7, 59));

	/* The overlap: 01:30 on 7 November happens twice; the first
	 * (CDT, -5) is 06:30Z. */
	CHECK(wall_to_utc(chi, 2027, 11, 7, 1, 30, ICS_LOCAL_OVERLAP) ==
	    utc(2027, 11, 7, 6, 30));
	CHECK(wall_to_utc(chi, 2027, 11, 7, 2, 0, ICS_LOCAL_NORMAL) ==
	    utc(2027, 11, 7, 8, 0));

	/* Southern hemisphere and a 30-minute DST (Lord Howe). */
	wall_to_utc(lhi, 2027, 10, 3, 2, 15, ICS_LOCAL_GAP);
	wall_to_utc(lhi, 2027, 4, 4, 1, 45, ICS_LOCAL_OVERLAP);

	l = (struct ics_local){ 2027, 4, 4, 1, 45 };
	CHECK(ics_local_to_utc(&l, "Mars/Olympus", &t, &e) == -1);
	CHECK(e.code == ERR_INVALID && strcmp(e.field, "timezone") == 0);
}

/* Every hour of 2027 and 2028 in zones with odd rules: our UTC -> wall
 * agrees with glibc, and wall -> UTC agrees wherever the wall time is
 * unambiguous. */
static void
test_zone_maths_against_glibc(void)
{
	static const char *const zones[] = {
		"America/Chicago", "Europe/Berlin", "Australia/Lord_Howe",
		"America/St_Johns", "Asia/Kolkata", "Pacific/Chatham",
		"America/Phoenix", "UTC",
	};
	size_t zi;
	int bad = 0;

	for (zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
		time_t t, back;
		struct ics_local l;
		enum ics_local_kind k;
		struct tm tm;
		struct err e;

		err_clear(&e);
		for (t = utc(2027, 1, 1, 0, 0); t < utc(2029, 1, 1, 0, 0);
		    t += 3600) {
			setenv("TZ", zones[zi], 1);
			tzset();
			localtime_r(&t, &tm);
			if (ics_utc_to_local(t, zones[zi], &l, &e) != 0 ||
			    l.year != tm.tm_year + 1900 ||
			    l.month != tm.tm_mon + 1 ||
			    l.day != tm.tm_mday || l.hour != tm.tm_hour ||
			    l.minute != tm.tm_min) {
				if (bad++ < 5)
					fprintf(stderr, "# %s %ld: to local "
					    "differs\n", zones[zi], (long)t);
				continue;
			}
			if (ics_local_to_utc_kind(&l, zones[zi], &back, &k,
			    &e) != 0) {
				bad++;
				continue;
			}
			/* In an overlap the first instant is ours; glibc's
			 * second reading of the same wall time maps back
			 * one shift earlier. */
			if (k == ICS_LOCAL_NORMAL && back != t) {
				if (bad++ < 5)
					fprintf(stderr, "# %s %ld: back %ld\n",
					    zones[zi], (long)t, (long)back);
			}
			if (k == ICS_LOCAL_OVERLAP && back > t) {
				if (bad++ < 5)
					fprintf(stderr, "# %s %ld: overlap "
					    "back %ld\n", zones[zi], (long)t,
					    (long)back);
			}
			if (k == ICS_LOCAL_GAP)
				bad++;	/* a real wall time is never a gap */
		}
	}
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK(bad == 0);
}

/* ics_time_format() of instant [0] 10 March 2027 01:00Z, [1] 17 March
 * 00:00Z or [2] 1 July 12:05Z in a zone. */
static const struct {
	int instant;
	const char *zone, *want;
} time_formats[] = {
	{ 0, "America/Chicago", "Tuesday, March 9, 2027, 7:00 PM CST" },
	{ 1, "America/Chicago", "Tuesday, March 16, 2027, 7:00 PM CDT" },
	/* The same instant for a member in London: GMT until 28 March. */
	{ 1, "Europe/London", "Wednesday, March 17, 2027, 12:00 AM GMT" },
	{ 2, "Europe/London", "Thursday, July 1, 2027, 1:05 PM BST" },
	{ 2, "UTC", "Thursday, July 1, 2027, 12:05 PM UTC" },
	/* Its tzdata abbreviation is "-03": spelt out instead. */
	{ 2, "America/Sao_Paulo", "Thursday, July 1, 2027, 9:05 AM UTC-03:00" },
};

static void
test_time_format(void)
{
	const time_t instants[] = { utc(2027, 3, 10, 1, 0),
	    utc(2027, 3, 17, 0, 0), utc(2027, 7, 1, 12, 5) };
	char out[80];
	size_t i;

	for (i = 0; i < N_OF(time_formats); i++) {
		CHECK(ics_time_format(instants[time_formats[i].instant],
		    time_formats[i].zone, out, sizeof(out)) == 0);
		CHECK_STR(out, time_formats[i].want);
	}
	CHECK(ics_time_format(instants[2], "America/Nowhere", out,
	    sizeof(out)) == -1);
	CHECK_STR(out, "");
	CHECK(ics_time_format(instants[2], "UTC", out, 10) == -1);
	CHECK_STR(out, "");
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

static void
test_validate_accepts(void)
{
	struct ics_event ev = fixture_meeting();
	struct ics_override ov[2];

	CHECK(accepts(&ev));
	ev.rrule = NULL;			/* a single meeting */
	CHECK(accepts(&ev));
	ev = fixture_meeting();
	ev.rrule = "RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=1000";
	CHECK(accepts(&ev));
	ev.rrule = "FREQ=WEEKLY;UNTIL=20270112T190000";	/* = start */
	ev.start = (struct ics_local){ 2027, 1, 12, 19, 0 };
	CHECK(accepts(&ev));
	ev.rrule = "FREQ=DAILY;INTERVAL=2;UNTIL=20271231";
	CHECK(accepts(&ev));
	ev = fixture_meeting();
	ev.duration_minutes = 1;
	CHECK(accepts(&ev));
	ev.duration_minutes = 24 * 60;
	CHECK(accepts(&ev));
	/* 200 characters of four bytes each is within the limit. */
	{
		char title[801];
		int i;

		for (i = 0; i < 200; i++)
			memcpy(title + 4 * i, "\xf0\x9f\x8e\x89", 4);
		title[800] = '\0';
		ev.title = title;
		CHECK(accepts(&ev));
		ev.title = "Monthly meeting";
	}
	/* The hour next to the gap and the overlap is fine. */
	ev.rrule = NULL;
	ev.start = (struct ics_local){ 2027, 3, 14, 3, 0 };
	CHECK(accepts(&ev));
	ev.start = (struct ics_local){ 2027, 11, 7, 0, 59 };
	CHECK(accepts(&ev));
	ev.start = (struct ics_local){ 2027, 11, 7, 2, 0 };
	CHECK(accepts(&ev));

	ev = fixture_meeting();
	memset(ov, 0, sizeof(ov));
	ov[0].recurrence_id = (struct ics_local){ 2027, 4, 13, 19, 0 };
	ov[0].cancelled = true;
	ov[1].recurrence_id = (struct ics_local){ 2027, 5, 11, 19, 0 };
	ov[1].start = (struct ics_local){ 2027, 5, 12, 18, 30 };
	ov[1].duration_minutes = 60;
	ev.overrides = ov;
	ev.n_overrides = 2;
	CHECK(accepts(&ev));
}

static void
test_validate_zone_and_rule(void)
{
	static const char *const bad_rules[] = {
		"FREQ=BOGUS", "every tuesday", "",
		"FREQ=MONTHLY;BYDAY=2TU;FOO=1",
		"FREQ=MONTHLY;BYDAY=2TU\r\nATTENDEE:mailto:x@y",
		"FREQ=SECONDLY", "FREQ=MINUTELY;COUNT=5",
		"FREQ=HOURLY;INTERVAL=24",
		"FREQ=WEEKLY;INTERVAL=70000",	/* libical would wrap */
		"FREQ=WEEKLY;INTERVAL=0",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",	/* never */
		"FREQ=DAILY;BYHOUR=19,20",
		"FREQ=MONTHLY;BYDAY=2TU;COUNT=1001",
		"FREQ=MONTHLY;BYDAY=2TU;COUNT=5;UNTIL=20280101T000000Z",
		/* UNTIL before the start, in each of its three forms. */
		"FREQ=MONTHLY;BYDAY=2TU;UNTIL=20261231T000000Z",
		"FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270111",
		"FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270112T185900",
	};
	struct ics_event ev = fixture_meeting();

	ev.tzid = "Central Standard Time";
	CHECK(rejects(&ev, "timezone"));
	ev.tzid = NULL;
	CHECK(rejects(&ev, "timezone"));
	ev = fixture_meeting();
	check_rejects_each(&ev, &ev.rrule, bad_rules, N_OF(bad_rules),
	    "rrule");
	/* The start must be an occurrence (docs/calendar.md, "Recurrence"):
	 * 13 January 2027 is a Wednesday, not a 2nd Tuesday. */
	ev.rrule = "FREQ=MONTHLY;BYDAY=2TU";
	ev.start = (struct ics_local){ 2027, 1, 13, 19, 0 };
	CHECK(rejects(&ev, "rrule"));
	/* The 3rd Tuesday isn't either. */
	ev.start = (struct ics_local){ 2027, 1, 19, 19, 0 };
	CHECK(rejects(&ev, "rrule"));
	ev.rrule = "FREQ=WEEKLY;BYDAY=MO,WE";
	ev.start = (struct ics_local){ 2027, 1, 12, 19, 0 };	/* Tue */
	CHECK(rejects(&ev, "rrule"));
}

/* ev is refused for its start, with a message holding both words. */
static void
check_start_refused(const struct ics_event *ev, const char *word1,
    const char *word2)
{
	struct err e;

	err_clear(&e);
	CHECK(ics_event_validate(ev, &e) == -1);
	CHECK(e.code == ERR_INVALID);
	CHECK_STR(e.field, "start");
	CHECK(strstr(e.msg, word1) != NULL);
	CHECK(strstr(e.msg, word2) != NULL);
}

static void
test_validate_start_dst(void)
{
	static const struct ics_local bad_starts[] = {
		{ 2027, 2, 30, 19, 0 }, { 1969, 12, 31, 19, 0 },
		{ 2201, 1, 1, 19, 0 }, { 2027, 1, 1, 24, 0 },
	};
	struct ics_event ev = fixture_meeting();
	size_t i;

	ev.rrule = NULL;
	ev.start = (struct ics_local){ 2027, 3, 14, 2, 30 };
	check_start_refused(&ev, "gap", "does not exist");
	ev.start = (struct ics_local){ 2027, 11, 7, 1, 30 };
	check_start_refused(&ev, "overlap", "twice");

	/* The same wall times are fine in a zone without DST. */
	ev.tzid = "America/Phoenix";
	CHECK(accepts(&ev));
	ev.start = (struct ics_local){ 2027, 3, 14, 2, 30 };
	CHECK(accepts(&ev));

	ev.tzid = "America/Chicago";
	for (i = 0; i < N_OF(bad_starts); i++) {
		ev.start = bad_starts[i];
		CHECK(rejects(&ev, "start"));
	}
}

static void
test_validate_fields(void)
{
	static const int bad_durations[] = { 0, 24 * 60 + 1, -30 };
	static const char *const bad_titles[] = {
		"", " \t ", NULL, "bad \xff utf-8",
	};
	static const char *const bad_videos[] = {
		"ftp://example.org/x", "javascript:alert(1)",
		"https://meet.jit.si/a b",
		"https://meet.jit.si/a\r\nATTENDEE:mailto:x@y",
		"https://meet.jit.si/a\"b", "https://",
	};
	static const char *const bad_organizers[] = {
		"clubmatch@x\r\nATTENDEE:mailto:mallory@x",
		"club match@x.org", "<clubmatch@x.org>",
		/* No dot: a bare host name.  The mailer could not send from
		 * it, so the calendar refuses it too (one address check,
		 * docs/email.md). */
		"clubmatch@myhost",
	};
	struct ics_event ev = fixture_meeting();
	char longtitle[202];
	size_t i;

	for (i = 0; i < N_OF(bad_durations); i++) {
		ev.duration_minutes = bad_durations[i];
		CHECK(rejects(&ev, "duration_minutes"));
	}

	ev = fixture_meeting();
	check_rejects_each(&ev, &ev.title, bad_titles, N_OF(bad_titles),
	    "title");
	memset(longtitle, 'x', 201);
	longtitle[201] = '\0';
	ev.title = longtitle;
	CHECK(rejects(&ev, "title"));
	longtitle[200] = '\0';
	CHECK(accepts(&ev));

	ev = fixture_meeting();
	check_rejects_each(&ev, &ev.video_url, bad_videos, N_OF(bad_videos),
	    "video_url");
	ev.video_url = "HTTP://meet.example.org/room?x=1,2;y=3";
	CHECK(accepts(&ev));
	ev.video_url = NULL;
	CHECK(accepts(&ev));

	ev = fixture_meeting();
	ev.url = "mailto:x@y";
	CHECK(rejects(&ev, "url"));
	ev = fixture_meeting();
	check_rejects_each(&ev, &ev.organizer_email, bad_organizers,
	    N_OF(bad_organizers), "organizer_email");
	ev = fixture_meeting();
	ev.uid = "";
	CHECK(rejects(&ev, "uid"));
	ev.uid = "a\nb";
	CHECK(rejects(&ev, "uid"));
	ev = fixture_meeting();
	ev.sequence = -1;
	CHECK(rejects(&ev, "sequence"));
}

static void
test_validate_overrides(void)
{
	struct ics_event ev = fixture_meeting();
	struct ics_override ov[2];

	memset(ov, 0, sizeof(ov));
	ev.overrides = ov;
	ev.n_overrides = 1;
	/* 14 April 2027 is a Wednesday: no occurrence. */
	ov[0].recurrence_id = (struct ics_local){ 2027, 4, 14, 19, 0 };
	ov[0].cancelled = true;
	CHECK(rejects(&ev, "date"));
	/* Right day, wrong time. */
	ov[0].recurrence_id = (struct ics_local){ 2027, 4, 13, 18, 0 };
	CHECK(rejects(&ev, "date"));
	ov[0].recurrence_id = (struct ics_local){ 2027, 4, 13, 19, 0 };
	CHECK(accepts(&ev));
	ov[1] = ov[0];
	ev.n_overrides = 2;
	CHECK(rejects(&ev, "date"));		/* twice */
	ev.n_overrides = 1;
	ov[0].cancelled = false;
	ov[0].start = (struct ics_local){ 2027, 3, 14, 2, 30 };	/* gap */
	CHECK(rejects(&ev, "start"));
	ov[0].start = (struct ics_local){ 2027, 4, 14, 19, 0 };
	ov[0].duration_minutes = 2000;
	CHECK(rejects(&ev, "duration_minutes"));
	ov[0].duration_minutes = 0;		/* the series' length */
	CHECK(accepts(&ev));
	ev.rrule = NULL;
	ev.start = (struct ics_local){ 2027, 4, 13, 19, 0 };
	CHECK(rejects(&ev, "date"));		/* a single meeting */
}

/* ------------------------------------------------------------------ */
/* Occurrences                                                         */
/* ------------------------------------------------------------------ */

static void
test_occurrences_monthly_dst(void)
{
	/* The 2nd Tuesdays of 2027; DST runs from 14 March to 7 Nov. */
	static const int days[12] = { 12, 9, 9, 13, 11, 8, 13, 10, 14, 12,
	    9, 14 };
	struct ics_event ev = fixture_meeting();
	time_t out[40];
	struct err e;
	int n, i;

	err_clear(&e);
	n = ics_occurrences(&ev, utc(2027, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0),
	    out, 40, &e);
	CHECK(n == 12);
	for (i = 0; i < n && i < 12; i++) {
		time_t want = glibc_instant("America/Chicago", 2027, i + 1,
		    days[i], 19, 0);

		if (out[i] != want)
			fprintf(stderr, "# month %d: %ld != %ld\n", i + 1,
			    (long)out[i], (long)want);
		CHECK(out[i] == want);
	}
	/* 19:00 CST is 01:00Z, 19:00 CDT is 00:00Z next day. */
	CHECK(out[1] == utc(2027, 2, 10, 1, 0));
	CHECK(out[2] == utc(2027, 3, 10, 1, 0));
	CHECK(out[3] == utc(2027, 4, 14, 0, 0));
	CHECK(out[10] == utc(2027, 11, 10, 1, 0));
	CHECK(ics_count_occurrences(&ev, utc(2027, 1, 1, 0, 0),
	    utc(2028, 1, 1, 0, 0)) == 12);
	/* The window is half-open: an occurrence at `to` is out, at
	 * `from` is in. */
	CHECK(ics_count_occurrences(&ev, out[2], out[3]) == 1);
	CHECK(ics_count_occurrences(&ev, out[2] + 1, out[3] + 1) == 1);
	CHECK(ics_count_occurrences(&ev, out[2] + 1, out[3]) == 0);
}

static void
test_occurrences_weekly_across_changes(void)
{
	struct ics_event ev = fixture_meeting();
	time_t out[60];
	struct err e;
	int n, i, bad = 0;

	err_clear(&e);
	/* Sundays 10:00 Berlin from 3 Jan 2027: crosses both EU changes
	 * (28 March, 31 October) and none of the US ones. */
	ev.tzid = "Europe/Berlin";
	ev.rrule = "FREQ=WEEKLY;BYDAY=SU";
	ev.start = (struct ics_local){ 2027, 1, 3, 10, 0 };
	CHECK(accepts(&ev));
	n = ics_occurrences(&ev, utc(2027, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0),
	    out, 60, &e);
	CHECK(n == 52);	/* 3 Jan .. 26 Dec */
	for (i = 0; i < n; i++) {
		/* Every 7 days from 3 January, by glibc's calendar. */
		time_t want = glibc_instant("Europe/Berlin", 2027, 1, 3 + 7 * i,
		    10, 0);

		if (out[i] != want && bad++ < 3)
			fprintf(stderr, "# week %d: %ld != %ld\n", i,
			    (long)out[i], (long)want);
	}
	CHECK(bad == 0);
	CHECK(out[11] - out[12] == -(7 * 86400 - 3600));  /* 21 -> 28 Mar */
	CHECK(out[43] - out[42] == 7 * 86400 + 3600);     /* 24 -> 31 Oct */
}

static void
test_occurrences_overrides(void)
{
	struct ics_event ev = fixture_meeting();
	struct ics_override ov[3];
	time_t out[20];
	struct err e;
	int n;

	err_clear(&e);
	memset(ov, 0, sizeof(ov));
	ov[0].recurrence_id = (struct ics_local){ 2027, 4, 13, 19, 0 };
	ov[0].cancelled = true;
	/* May's meeting moves to the day after, 18:30. */
	ov[1].recurrence_id = (struct ics_local){ 2027, 5, 11, 19, 0 };
	ov[1].start = (struct ics_local){ 2027, 5, 12, 18, 30 };
	/* June's moves before March's window end... to 1 March. */
	ov[2].recurrence_id = (struct ics_local){ 2027, 6, 8, 19, 0 };
	ov[2].start = (struct ics_local){ 2027, 3, 1, 12, 0 };
	ev.overrides = ov;
	ev.n_overrides = 3;
	CHECK(accepts(&ev));
	n = ics_occurrences(&ev, utc(2027, 2, 1, 0, 0), utc(2027, 7, 1, 0, 0),
	    out, 20, &e);
	CHECK(n == 4);
	CHECK(out[0] == utc(2027, 2, 10, 1, 0));
	CHECK(out[1] == utc(2027, 3, 1, 18, 0));	/* moved June, CST */
	CHECK(out[2] == utc(2027, 3, 10, 1, 0));
	CHECK(out[3] == utc(2027, 5, 12, 23, 30));	/* moved May, CDT */
	CHECK(ics_count_occurrences(&ev, utc(2027, 2, 1, 0, 0),
	    utc(2027, 7, 1, 0, 0)) == 4);
	/* max keeps the earliest, the moved one included. */
	n = ics_occurrences(&ev, utc(2027, 2, 1, 0, 0), utc(2027, 7, 1, 0, 0),
	    out, 2, &e);
	CHECK(n == 2);
	CHECK(out[0] == utc(2027, 2, 10, 1, 0));
	CHECK(out[1] == utc(2027, 3, 1, 18, 0));
	/* A moved occurrence counts where it now is, not where it was. */
	CHECK(ics_count_occurrences(&ev, utc(2027, 6, 1, 0, 0),
	    utc(2027, 6, 30, 0, 0)) == 0);
	CHECK(ics_count_occurrences(&ev, utc(2027, 2, 20, 0, 0),
	    utc(2027, 3, 5, 0, 0)) == 1);
}

static void
test_occurrences_count_until(void)
{
	struct ics_event ev = fixture_meeting();
	time_t out[20], far;
	struct err e;
	char *rule = NULL;
	int n;

	err_clear(&e);
	ev.rrule = "FREQ=MONTHLY;BYDAY=2TU;COUNT=5";
	far = utc(2040, 1, 1, 0, 0);
	n = ics_occurrences(&ev, 0, far, out, 20, &e);
	CHECK(n == 5);
	CHECK(n == 5 && out[4] == utc(2027, 5, 12, 0, 0));
	/* COUNT counts from the start even when the window starts later. */
	CHECK(ics_count_occurrences(&ev, utc(2027, 4, 1, 0, 0), far) == 2);

	/* UNTIL at exactly an occurrence includes it (RFC 5545). */
	ev.rrule = "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270511T190000";
	CHECK(ics_count_occurrences(&ev, 0, far) == 5);
	ev.rrule = "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270512T000000Z";
	CHECK(ics_count_occurrences(&ev, 0, far) == 5);
	ev.rrule = "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270511T235959Z";
	CHECK(ics_count_occurrences(&ev, 0, far) == 4);
	/* A date UNTIL covers that whole local day, and is written as the
	 * UTC end of it (23:59:59 CDT = 04:59:59Z next day). */
	ev.rrule = "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270511";
	CHECK(ics_count_occurrences(&ev, 0, far) == 5);
	CHECK(ics_rrule_normalize(&ev, &rule, &e) == 0);
	CHECK(rule && strstr(rule, "UNTIL=20270512T045959Z") != NULL);
	CHECK(rule && strstr(rule, "BYDAY=2TU") != NULL);
	free(rule);
	ev.rrule = NULL;
	rule = (char *)"x";
	CHECK(ics_rrule_normalize(&ev, &rule, &e) == 0 && rule == NULL);
}

/* Skipping ahead to the window (libical's set_start) must give exactly
 * what walking from the start gives. */
static void
test_occurrences_skip_ahead(void)
{
	static const char *const rules[] = {
		"FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=MO,WE,FR",
		"FREQ=MONTHLY;BYDAY=2TU", "FREQ=MONTHLY;BYDAY=-1FR",
		"FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=DAILY;INTERVAL=3",
		"FREQ=YEARLY", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
		"FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1",
		"FREQ=YEARLY;BYMONTH=3,11;BYDAY=1SU",
	};
	static const struct ics_local starts[] = {
		{ 2020, 1, 6, 19, 0 }, { 2020, 1, 6, 19, 0 },
		{ 2020, 1, 14, 19, 0 }, { 2020, 1, 31, 19, 0 },
		{ 2020, 1, 31, 19, 0 }, { 2020, 1, 6, 19, 0 },
		{ 2020, 1, 6, 19, 0 }, { 2020, 1, 7, 19, 0 },
		{ 2020, 1, 28, 19, 0 }, { 2020, 3, 1, 19, 0 },
	};
	struct ics_event ev = fixture_meeting();
	time_t *all, part[400];
	size_t r;
	struct err e;
	int bad = 0;

	all = malloc(6000 * sizeof(*all));
	err_clear(&e);
	for (r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		time_t from, to;
		int n_all, n_part, k, w;

		ev.rrule = rules[r];
		ev.start = starts[r];
		if (!accepts(&ev)) {
			bad++;
			continue;
		}
		n_all = ics_occurrences(&ev, 0, utc(2031, 1, 1, 0, 0), all,
		    6000, &e);
		for (w = 0; w < 12; w++) {
			/* Windows of 40..200 days between 2021 and 2030. */
			from = utc(2021 + w % 9, 1 + w, 3 + 2 * w, w, 0);
			to = from + (40 + 15 * w) * 86400;
			n_part = ics_occurrences(&ev, from, to, part, 400, &e);
			for (k = 0; k < n_all && all[k] < from; k++)
				;
			{
				int j, m = 0;

				for (j = k; j < n_all && all[j] < to; j++, m++)
					if (m >= n_part || part[m] != all[j])
						break;
				if (j < n_all && all[j] < to) {
					if (bad++ < 3)
						fprintf(stderr, "# %s window %d "
						    "differs at %d\n", rules[r],
						    w, m);
				} else if (m != n_part) {
					if (bad++ < 3)
						fprintf(stderr, "# %s window %d: "
						    "%d extra\n", rules[r], w,
						    n_part - m);
				}
			}
			if (ics_count_occurrences(&ev, from, to) != n_part)
				bad++;
		}
	}
	free(all);
	CHECK(bad == 0);
}

static void
test_occurrences_in_gap(void)
{
	struct ics_event ev = fixture_meeting();
	time_t out[4];
	struct err e;
	int n;

	err_clear(&e);
	/* Sundays 02:30 from 7 March 2027: the 14 March one falls in the
	 * gap and is read with the offset before it: 08:30Z (03:30 CDT),
	 * which is also what Python's zoneinfo does with fold=0. */
	ev.rrule = "FREQ=WEEKLY";
	ev.start = (struct ics_local){ 2027, 3, 7, 2, 30 };
	CHECK(accepts(&ev));
	n = ics_occurrences(&ev, 0, utc(2027, 3, 22, 0, 0), out, 4, &e);
	CHECK(n == 3);
	CHECK(n == 3 && out[0] == utc(2027, 3, 7, 8, 30));
	CHECK(n == 3 && out[1] == utc(2027, 3, 14, 8, 30));
	CHECK(n == 3 && out[2] == utc(2027, 3, 21, 7, 30));
	/* Sundays 01:30 from 31 Oct: 7 Nov is the first (CDT) 01:30. */
	ev.start = (struct ics_local){ 2027, 10, 31, 1, 30 };
	CHECK(accepts(&ev));
	n = ics_occurrences(&ev, 0, utc(2027, 11, 15, 0, 0), out, 4, &e);
	CHECK(n == 3 && out[1] == utc(2027, 11, 7, 6, 30));
	CHECK(n == 3 && out[2] - out[1] == 7 * 86400 + 3600);
}

static void
test_occurrences_single_and_errors(void)
{
	struct ics_event ev = fixture_meeting();
	time_t out[4];
	struct err e;

	err_clear(&e);
	ev.rrule = NULL;
	CHECK(ics_occurrences(&ev, 0, utc(2030, 1, 1, 0, 0), out, 4, &e) == 1);
	CHECK(out[0] == utc(2027, 1, 13, 1, 0));
	CHECK(ics_occurrences(&ev, utc(2027, 1, 13, 1, 1),
	    utc(2030, 1, 1, 0, 0), out, 4, &e) == 0);
	CHECK(ics_occurrences(&ev, 0, utc(2030, 1, 1, 0, 0), out, 0, &e) == 0);
	ev.tzid = "Nowhere/Else";
	CHECK(ics_occurrences(&ev, 0, 1, out, 4, &e) == -1);
	CHECK(e.code == ERR_INVALID && strcmp(e.field, "timezone") == 0);
	CHECK(ics_count_occurrences(&ev, 0, 1) == -1);
	ev = fixture_meeting();
	ev.rrule = "FREQ=NEVER";
	CHECK(ics_count_occurrences(&ev, 0, 1) == -1);
	/* A daily series over a millennium stops at the walk limit. */
	ev.rrule = "FREQ=DAILY";
	CHECK(ics_count_occurrences(&ev, 0, utc(2999, 1, 1, 0, 0)) <= 100000);
}

static void
test_occurrence_on(void)
{
	struct ics_event ev = fixture_meeting();
	struct ics_override ov;
	struct ics_local l;
	struct err e;

	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-03-09", &l, &e) == 0);
	CHECK(l.year == 2027 && l.month == 3 && l.day == 9 && l.hour == 19 &&
	    l.minute == 0);
	CHECK(ics_occurrence_on(&ev, "2027-11-09", &l, &e) == 0);
	CHECK(l.month == 11 && l.day == 9 && l.hour == 19);
	CHECK(ics_occurrence_on(&ev, "2031-06-10", &l, &e) == 0);
	CHECK(l.year == 2031 && l.month == 6 && l.day == 10);

	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-03-10", &l, &e) == -1);
	CHECK(e.code == ERR_NOT_FOUND);
	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2026-12-08", &l, &e) == -1);
	CHECK(e.code == ERR_NOT_FOUND);		/* before the start */
	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-3-9", &l, &e) == -1);
	CHECK(e.code == ERR_MALFORMED && strcmp(e.field, "date") == 0);
	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-02-30", &l, &e) == -1);
	CHECK(e.code == ERR_MALFORMED);
	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-03-09T19:00", &l, &e) == -1);
	CHECK(e.code == ERR_MALFORMED);

	/* After COUNT runs out there are no more. */
	ev.rrule = "FREQ=MONTHLY;BYDAY=2TU;COUNT=3";
	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-03-09", &l, &e) == 0);
	CHECK(ics_occurrence_on(&ev, "2027-04-13", &l, &e) == -1);
	CHECK(e.code == ERR_NOT_FOUND);

	/* A moved occurrence is still found by its original date. */
	ev.rrule = "FREQ=MONTHLY;BYDAY=2TU";
	memset(&ov, 0, sizeof(ov));
	ov.recurrence_id = (struct ics_local){ 2027, 5, 11, 19, 0 };
	ov.start = (struct ics_local){ 2027, 5, 12, 18, 30 };
	ev.overrides = &ov;
	ev.n_overrides = 1;
	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-05-11", &l, &e) == 0);
	CHECK(l.day == 11 && l.hour == 19);

	/* A single meeting's one date. */
	ev = fixture_meeting();
	ev.rrule = NULL;
	CHECK(ics_occurrence_on(&ev, "2027-01-12", &l, &e) == 0);
	CHECK(l.day == 12 && l.hour == 19);
	err_clear(&e);
	CHECK(ics_occurrence_on(&ev, "2027-02-09", &l, &e) == -1);
	CHECK(e.code == ERR_NOT_FOUND);
}

int
main(void)
{
	struct err e = { 0 };

	if (ics_init(&e) != 0)
		return check_setup_failed("ics_init", e.msg);
	setenv("TZ", "UTC", 1);
	tzset();
	RUN(test_zone_names);
	RUN(test_local_parse);
	RUN(test_local_to_utc_dst);
	RUN(test_zone_maths_against_glibc);
	RUN(test_time_format);
	RUN(test_validate_accepts);
	RUN(test_validate_zone_and_rule);
	RUN(test_validate_start_dst);
	RUN(test_validate_fields);
	RUN(test_validate_overrides);
	RUN(test_occurrences_monthly_dst);
	RUN(test_occurrences_weekly_across_changes);
	RUN(test_occurrences_overrides);
	RUN(test_occurrences_count_until);
	RUN(test_occurrences_skip_ahead);
	RUN(test_occurrences_in_gap);
	RUN(test_occurrences_single_and_errors);
	RUN(test_occurrence_on);
	ics_shutdown();
	return check_done();
}
