/*
 * fixtures.h - what the unit tests, the test tools and the C benches
 * share: a seedable generator, a monotonic clock, the sample meeting and
 * the sample texts of an invitation.
 *
 *   tests/unit/   #include "fixtures.h"
 *   tests/tools/  #include "../unit/fixtures.h"
 *   bench/        #include "../tests/unit/fixtures.h"
 *
 * The Makefile compiles each program alone and links it with its module
 * only, so everything here is a static function, marked unused for the
 * programs that need only part of it.  The harness is check.h.
 */
#ifndef CLUBMATCH_FIXTURES_H
#define CLUBMATCH_FIXTURES_H

#include <stdint.h>
#include <time.h>

#include "ics.h"
#include "imip.h"

#define FIXTURE static __attribute__((unused))

/* splitmix64: a small, seedable generator, so failures reproduce; each
 * program keeps its own state (and seed). */
FIXTURE uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seconds on the monotonic clock, for timings. */
FIXTURE double
monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A valid monthly meeting: 2nd Tuesday, 19:00 Chicago, from 12 January
 * 2027, 90 minutes, with a video link; the rest zero. */
FIXTURE struct ics_event
fixture_meeting(void)
{
	return (struct ics_event){
		.uid = "club42-0123@clubs.example.org",
		.title = "Monthly meeting",
		.description = "Agenda to follow.",
		.start = { 2027, 1, 12, 19, 0 },
		.duration_minutes = 90,
		.tzid = "America/Chicago",
		.rrule = "FREQ=MONTHLY;BYDAY=2TU",
		.video_url = "https://meet.jit.si/chess-abcdefghijklmnop",
		.organizer_email = "clubmatch@clubs.example.org",
		.organizer_name = "Chess Club Chicago",
	};
}

/* What a stored meeting carries besides: its CREATED and LAST-MODIFIED
 * times and the secretary as CONTACT. */
FIXTURE void
fixture_stored(struct ics_event *ev)
{
	ev->created = 1800000000;
	ev->modified = 1800000100;
	ev->contact = "Jane Roe <jane@example.org>";
}

/* The texts of an invitation to a meeting on Tuesday 9 March 2027, for a
 * member in New York, with every link; the caller names the club, the
 * member and the meeting. */
FIXTURE struct imip_invite_text
fixture_invite_text(void)
{
	return (struct imip_invite_text){
		.when_meeting = "Tuesday, March 9, 2027, 7:00 PM CST "
		    "(America/Chicago)",
		.when_member = "Tuesday, March 9, 2027, 8:00 PM EST "
		    "(America/New_York)",
		.recurrence_text = "Every 2nd Tuesday",
		.video_url = "https://meet.example/abc",
		.secretary_name = "Sam",
		.secretary_email = "sam@example.org",
		.rsvp_yes_url = "https://clubmatch.test/rsvp/tok?a=yes",
		.rsvp_no_url = "https://clubmatch.test/rsvp/tok?a=no",
		.rsvp_maybe_url = "https://clubmatch.test/rsvp/tok?a=maybe",
		.feed_url = "https://clubmatch.test/feed/tok.ics",
		.unsubscribe_url = "https://clubmatch.test/unsubscribe/tok",
	};
}

#endif
