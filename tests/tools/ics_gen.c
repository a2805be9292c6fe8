/*
 * ics_gen.c - writes sample calendars for tests/integration/t0300.
 *
 *   ics_gen OUTDIR TITLE DESCRIPTION
 *
 * Writes into OUTDIR: feed.ics (four meetings, one with a cancelled and
 * a moved occurrence, plus a cancelled series that must not appear),
 * download.ics, request.ics / update.ics / cancel.ics (one series, SEQUENCE
 * 0, 1, 2), occ_cancel.ics and occ_move.ics (one occurrence each),
 * odd_request.ics (TITLE and DESCRIPTION as given, a hostile display
 * name), and occurrences.txt: "UID EPOCH" for each ics_occurrences()
 * result in 2027, so the Python side can compare its own expansion.
 * Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"

#include "../unit/fixtures.h"

#define DTSTAMP 1800000200		/* 2027-01-15T08:03:20Z */
#define FROM    1798761600		/* 2027-01-01T00:00:00Z */
#define TO      1830297600		/* 2028-01-01T00:00:00Z */

static const char *outdir;

static int
write_file(const char *name, const char *text, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (f == NULL) {
		fprintf(stderr, "ics_gen: cannot write '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "ics_gen: cannot write '%s'\n", path);
		return -1;
	}
	return 0;
}

/* Writes text (or reports err) and frees it. */
static int
emit(const char *name, char *text, size_t len, const struct err *err)
{
	int rc;

	if (text == NULL) {
		fprintf(stderr, "ics_gen: %s: %s\n", name, err->msg);
		return -1;
	}
	rc = write_file(name, text, len);
	free(text);
	return rc;
}

static struct ics_event
meeting(const char *uid, const char *title, const char *tzid,
    const char *rrule, struct ics_local start, int minutes)
{
	struct ics_event ev = {
		.uid = uid, .title = title, .tzid = tzid, .rrule = rrule,
		.start = start, .duration_minutes = minutes,
		.video_url = "https://meet.jit.si/sample-club-abcdefghijklmnop",
		.organizer_email = "clubmatch@clubs.example.org",
		.organizer_name = "Sample Club",
	};

	fixture_stored(&ev);
	return ev;
}

int
main(int argc, char **argv)
{
	static const struct ics_attendee alice = { "alice@example.com",
		"Alice O'Neil" };
	static const struct ics_attendee odd = { "zoe@example.com",
		"Zo\xc3\xab \"Z\" O'Brien, Jr.; \r\nATTENDEE:mailto:x@y" };
	struct ics_override ov[2];
	struct ics_event evs[5], ev;
	struct ics_local rid;
	struct err err;
	time_t when[200];
	size_t len, i;
	char *text;
	FILE *f;
	char path[4096];
	int n, k;

	if (argc != 4) {
		fprintf(stderr, "usage: ics_gen OUTDIR TITLE DESCRIPTION\n");
		return 2;
	}
	outdir = argv[1];
	err_clear(&err);
	if (ics_init(&err) != 0) {
		fprintf(stderr, "ics_gen: %s\n", err.msg);
		return 1;
	}

	/* Tuesdays 19:00 Chicago from 2 Feb 2027, across both US changes;
	 * 16 March (just after the spring one) cancelled, 9 November (just
	 * after the fall one) moved to Wednesday 18:00 for an hour. */
	memset(ov, 0, sizeof(ov));
	evs[0] = meeting("weekly-chicago@clubmatch.test", "Weekly chess",
	    "America/Chicago", "FREQ=WEEKLY;BYDAY=TU",
	    (struct ics_local){ 2027, 2, 2, 19, 0 }, 90);
	evs[0].location = "Public library, room 2";
	if (ics_occurrence_on(&evs[0], "2027-03-16", &ov[0].recurrence_id,
	    &err) != 0 || ics_occurrence_on(&evs[0], "2027-11-09",
	    &ov[1].recurrence_id, &err) != 0) {
		fprintf(stderr, "ics_gen: %s\n", err.msg);
		return 1;
	}
	ov[0].cancelled = true;
	ov[0].sequence = 3;
	ov[1].start = (struct ics_local){ 2027, 11, 10, 18, 0 };
	ov[1].duration_minutes = 60;
	ov[1].sequence = 4;
	evs[0].overrides = ov;
	evs[0].n_overrides = 2;
	evs[0].sequence = 4;
	/* Last Sundays 10:00 London: 28 March and 31 October are the EU
	 * change days themselves. */
	evs[1] = meeting("monthly-london@clubmatch.test", "Monthly go",
	    "Europe/London", "FREQ=MONTHLY;BYDAY=-1SU;COUNT=12",
	    (struct ics_local){ 2027, 1, 31, 10, 0 }, 120);
	/* The odd texts, once, in Los Angeles. */
	evs[2] = meeting("odd-texts@clubmatch.test", argv[2],
	    "America/Los_Angeles", NULL,
	    (struct ics_local){ 2027, 6, 1, 9, 0 }, 45);
	evs[2].description = argv[3];
	/* Daily 08:00 Denver to the (local) end of 10 November. */
	evs[3] = meeting("daily-denver@clubmatch.test", "Daily stand-up",
	    "America/Denver", "FREQ=DAILY;UNTIL=20271110",
	    (struct ics_local){ 2027, 11, 1, 8, 0 }, 15);
	/* A cancelled series: not in the feed. */
	evs[4] = meeting("cancelled@clubmatch.test", "Gone",
	    "Asia/Tokyo", "FREQ=WEEKLY", (struct ics_local){ 2027, 2, 1, 19,
	    0 }, 60);
	evs[4].cancelled = true;

	for (i = 0; i < 5; i++) {
		if (ics_event_validate(&evs[i], &err) != 0) {
			fprintf(stderr, "ics_gen: meeting %zu: %s: %s\n", i,
			    err.field, err.msg);
			return 1;
		}
	}

	text = ics_feed_build("Sample Club, remote", evs, 5, 30, DTSTAMP,
	    &len, &err);
	if (emit("feed.ics", text, len, &err))
		return 1;
	text = ics_feed_build(NULL, &evs[2], 1, -1, DTSTAMP, &len, &err);
	if (emit("download.ics", text, len, &err))
		return 1;

	/* One series' life: invite, move to 18:30, cancel. */
	ev = evs[0];
	ev.overrides = NULL;
	ev.n_overrides = 0;
	ev.sequence = 0;
	text = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP,
	    &len, &err);
	if (emit("request.ics", text, len, &err))
		return 1;
	ev.start.minute = 30;
	ev.start.hour = 18;
	ev.sequence = 1;
	text = ics_invite_build(&ev, ICS_REQUEST, &alice, NULL, DTSTAMP + 60,
	    &len, &err);
	if (emit("update.ics", text, len, &err))
		return 1;
	ev.sequence = 2;
	ev.cancelled = true;
	text = ics_invite_build(&ev, ICS_CANCEL, &alice, NULL, DTSTAMP + 120,
	    &len, &err);
	if (emit("cancel.ics", text, len, &err))
		return 1;

	/* One occurrence cancelled, one moved (the feed's series). */
	rid = ov[0].recurrence_id;
	text = ics_invite_build(&evs[0], ICS_CANCEL, &alice, &rid,
	    DTSTAMP + 180, &len, &err);
	if (emit("occ_cancel.ics", text, len, &err))
		return 1;
	rid = ov[1].recurrence_id;
	text = ics_invite_build(&evs[0], ICS_REQUEST, &alice, &rid,
	    DTSTAMP + 240, &len, &err);
	if (emit("occ_move.ics", text, len, &err))
		return 1;
	text = ics_invite_build(&evs[2], ICS_REQUEST, &odd, NULL, DTSTAMP,
	    &len, &err);
	if (emit("odd_request.ics", text, len, &err))
		return 1;

	snprintf(path, sizeof(path), "%s/occurrences.txt", outdir);
	f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "ics_gen: cannot write '%s'\n", path);
		return 1;
	}
	for (i = 0; i < 4; i++) {
		n = ics_occurrences(&evs[i], FROM, TO, when, 200, &err);
		if (n < 0) {
			fprintf(stderr, "ics_gen: %s\n", err.msg);
			return 1;
		}
		for (k = 0; k < n; k++)
			fprintf(f, "%s %lld\n", evs[i].uid, (long long)when[k]);
	}
	fclose(f);
	ics_shutdown();
	return 0;
}
