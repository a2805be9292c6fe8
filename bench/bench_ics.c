/*
 * bench_ics.c - how fast the calendar module builds what the service sends.
 *
 *   feeds/s     a member's personal feed of 50 meetings (build + serialise)
 *   invites/s   one meeting's invitation (REQUEST, one ATTENDEE) with the
 *               cached truncated VTIMEZONE, against two baselines measured
 *               in the same run: the same invitation plus the VTIMEZONE
 *               rebuilt from libical's builtin zone for every message
 *               (clone, truncate, serialise), and plus the untruncated
 *               zone (full history back to 1883), as naive libical use has
 *   counts/s    ics_count_occurrences() for a weekly meeting over the
 *               120-day activity window, for a series that started a week
 *               before the window and one that started five years before
 *
 * Figures vary with the machine; the ratios are what to compare.
 */
#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ics.h"
#include "../tests/unit/fixtures.h"

#define DTSTAMP 1800000200
#define MIN_SECONDS 1.0

static const char *const zones[] = {
	"America/New_York", "America/Chicago", "America/Denver",
	"America/Los_Angeles", "America/Phoenix",
};

static struct ics_event
meeting(int i, char *uid, size_t uidlen)
{
	static const char *const rules[] = {
		"FREQ=WEEKLY", "FREQ=MONTHLY;BYDAY=2TU", NULL,
		"FREQ=WEEKLY;INTERVAL=2", "FREQ=MONTHLY;BYDAY=-1TH;COUNT=24",
	};
	struct ics_event ev = fixture_meeting();	/* 90 minutes */

	fixture_stored(&ev);
	snprintf(uid, uidlen, "club%d-%08x@clubs.example.org", i,
	    0x9e3779b9u * (unsigned)(i + 1));
	ev.uid = uid;
	ev.title = "Monthly meeting of the chess club, with the usual agenda";
	ev.description = "Bring your boards. We review last month's games, "
	    "then play a rapid tournament; newcomers welcome.";
	ev.location = "Public library, room 2, 12 Main St, Springfield";
	ev.video_url = "https://meet.jit.si/chess-club-abcdefghijklmnop";
	ev.tzid = zones[i % 5];
	ev.rrule = rules[i % 5];
	/* A 2nd Tuesday, a Tuesday, or the last Thursday of Jan 2027. */
	ev.start = (struct ics_local){ 2027, 1, i % 5 == 4 ? 28 : 12, 19, 0 };
	ev.sequence = i % 3;
	ev.organizer_name = "Chess Club Springfield";
	return ev;
}

/* The work a message needs when the zone is not cached. */
static size_t
rebuild_zone(const char *tzid, bool truncate)
{
	icaltimezone *b = icaltimezone_get_builtin_timezone(tzid);
	icalcomponent *vtz = icalcomponent_new_clone(
	    icaltimezone_get_component(b));
	char *text;
	size_t len;

	if (truncate)
		icaltimezone_truncate_vtimezone(vtz,
		    icaltime_from_string("20200101T000000Z"),
		    icaltime_null_time(), 1);
	icalproperty_set_tzid(icalcomponent_get_first_property(vtz,
	    ICAL_TZID_PROPERTY), tzid);
	text = icalcomponent_as_ical_string_r(vtz);
	len = strlen(text);
	free(text);
	icalcomponent_free(vtz);
	return len;
}

enum invite_mode { CACHED, REBUILT, FULL_HISTORY };

static const struct ics_attendee alice = { "alice@example.com",
	"Alice O'Neil" };

static double
invites_per_second(enum invite_mode mode, size_t *bytes)
{
	char uid[64];
	struct ics_event ev = meeting(1, uid, sizeof(uid));
	struct err e;
	double t0 = monotonic_seconds(), t;
	long n = 0;
	size_t len = 0;
	char *s;

	err_clear(&e);
	do {
		int k;

		for (k = 0; k < 200; k++) {
			s = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL,
			    DTSTAMP + n, &len, &e);
			if (s == NULL) {
				fprintf(stderr, "bench_ics: %s\n", e.msg);
				exit(1);
			}
			if (mode != CACHED)
				len += rebuild_zone(ev.tzid, mode == REBUILT);
			free(s);
			n++;
		}
		t = monotonic_seconds() - t0;
	} while (t < MIN_SECONDS);
	*bytes = len;
	return (double)n / t;
}

struct thread_arg {
	double seconds;		/* how long to run */
	long n;			/* invitations built */
};

static void *
invite_thread(void *p)
{
	struct thread_arg *a = p;
	char uid[64];
	struct ics_event ev = meeting(1, uid, sizeof(uid));
	struct err e;
	double t0 = monotonic_seconds();
	char *s;

	err_clear(&e);
	while (monotonic_seconds() - t0 < a->seconds) {
		int k;

		for (k = 0; k < 100; k++) {
			s = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL,
			    DTSTAMP, NULL, &e);
			free(s);
			a->n++;
		}
	}
	return NULL;
}

static double
invites_per_second_threads(int nthreads)
{
	pthread_t th[8];
	struct thread_arg a[8];
	double t0 = monotonic_seconds(), t;
	long total = 0;
	int i;

	for (i = 0; i < nthreads; i++) {
		a[i].seconds = MIN_SECONDS;
		a[i].n = 0;
		pthread_create(&th[i], NULL, invite_thread, &a[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		total += a[i].n;
	}
	t = monotonic_seconds() - t0;
	return (double)total / t;
}

static double
feeds_per_second(size_t *bytes)
{
	struct ics_event evs[50];
	struct ics_override ov[50][2];
	char uids[50][64];
	struct err e;
	double t0 = monotonic_seconds(), t;
	long n = 0;
	size_t len = 0;
	char *s;
	int i;

	err_clear(&e);
	for (i = 0; i < 50; i++) {
		evs[i] = meeting(i, uids[i], sizeof(uids[i]));
		/* Every weekly one has a holiday off and a moved meeting. */
		if (i % 5 == 0) {
			memset(ov[i], 0, sizeof(ov[i]));
			ov[i][0].recurrence_id =
			    (struct ics_local){ 2027, 2, 9, 19, 0 };
			ov[i][0].cancelled = true;
			ov[i][1].recurrence_id =
			    (struct ics_local){ 2027, 3, 9, 19, 0 };
			ov[i][1].start = (struct ics_local){ 2027, 3, 10, 19,
			    0 };
			evs[i].overrides = ov[i];
			evs[i].n_overrides = 2;
		}
		if (ics_event_validate(&evs[i], &e) != 0) {
			fprintf(stderr, "bench_ics: meeting %d: %s\n", i,
			    e.msg);
			exit(1);
		}
	}
	do {
		s = ics_feed_build("Chess Club Springfield", evs, 50, 30,
		    DTSTAMP, &len, &e);
		if (s == NULL) {
			fprintf(stderr, "bench_ics: %s\n", e.msg);
			exit(1);
		}
		free(s);
		n++;
		t = monotonic_seconds() - t0;
	} while (t < MIN_SECONDS);
	*bytes = len;
	return (double)n / t;
}

static double
counts_per_second(struct ics_local start, long *result)
{
	char uid[64];
	struct ics_event ev = meeting(0, uid, sizeof(uid));
	/* The activity window: 90 days back, 30 ahead of 2027-06-01. */
	time_t mid = 1811808000, from = mid - 90 * 86400, to = mid + 30 * 86400;
	double t0 = monotonic_seconds(), t;
	long n = 0;

	ev.rrule = "FREQ=WEEKLY";
	ev.start = start;
	do {
		int k;

		for (k = 0; k < 1000; k++)
			*result = ics_count_occurrences(&ev, from, to);
		n += 1000;
		t = monotonic_seconds() - t0;
	} while (t < MIN_SECONDS);
	return (double)n / t;
}

int
main(void)
{
	struct err e;
	size_t fbytes, b_cached, b_rebuilt, b_full;
	double feeds, cached, rebuilt, full, threaded, recent, old;
	long n_recent, n_old;

	err_clear(&e);
	if (ics_init(&e) != 0) {
		fprintf(stderr, "bench_ics: %s\n", e.msg);
		return 1;
	}
	/* Warm the zone cache and libical's builtin zones first. */
	(void)invites_per_second(REBUILT, &b_rebuilt);

	feeds = feeds_per_second(&fbytes);
	cached = invites_per_second(CACHED, &b_cached);
	rebuilt = invites_per_second(REBUILT, &b_rebuilt);
	full = invites_per_second(FULL_HISTORY, &b_full);
	threaded = invites_per_second_threads(2);
	recent = counts_per_second((struct ics_local){ 2027, 2, 23, 19, 0 },
	    &n_recent);
	old = counts_per_second((struct ics_local){ 2022, 3, 1, 19, 0 },
	    &n_old);

	printf("feed, 50 meetings:        %10.0f feeds/s    (%zu bytes)\n",
	    feeds, fbytes);
	printf("invite, cached VTIMEZONE: %10.0f invites/s  (%zu bytes)\n",
	    cached, b_cached);
	printf("invite, zone rebuilt:     %10.0f invites/s  (baseline: + "
	    "%zu bytes of zone text made per message)\n", rebuilt,
	    b_rebuilt - b_cached);
	printf("invite, full-history zone:%10.0f invites/s  (baseline: + "
	    "%zu bytes of zone text made per message)\n", full,
	    b_full - b_cached);
	printf("ratio cached/rebuilt:     %10.2fx\n", cached / rebuilt);
	printf("ratio cached/full:        %10.2fx\n", cached / full);
	printf("invite, cached, 2 threads:%10.0f invites/s  (%.2fx one "
	    "thread)\n", threaded, threaded / cached);
	printf("count, weekly, 120 days:  %10.0f counts/s   (%ld occurrences,"
	    " series from a week before)\n", recent, n_recent);
	printf("count, weekly, 120 days:  %10.0f counts/s   (%ld occurrences,"
	    " series from 5 years before)\n", old, n_old);
	printf("target: >= 20000 invites/s: %s\n",
	    cached >= 20000 ? "met" : "NOT met");
	ics_shutdown();
	return 0;
}
