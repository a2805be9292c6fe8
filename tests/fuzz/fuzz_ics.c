/*
 * fuzz_ics.c - a meeting's RRULE, start and texts through the calendar
 * builders (ics/): validation, then when it validates the invitation,
 * the feed and the download, each of which must pass the calendar check
 * (libical parses it; CRLF lines of at most 75 octets: the escaping and
 * folding of docs/calendar.md, "What is cleaned or refused").
 *
 * The input is NUL-separated: rrule, start (YYYY-MM-DDTHH:MM), zone,
 * title, description, location, video URL, attendee name, organizer name,
 * contact.
 */
#include "fuzz.h"
#include "ics_build.h"
#include "ics_event.h"
#include "ics_zone.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err err;

	(void)argc;
	(void)argv;
	err_clear(&err);
	FUZZ_ASSERT(ics_init(&err) == 0, "ics: %s", err.msg);
	return 0;
}

static void
checked(char *text, enum ics_method method, const char *what)
{
	struct err err;

	if (text == NULL)
		return;
	err_clear(&err);
	FUZZ_ASSERT(ics_calendar_check(text, method, &err) == 0, "%s does "
	    "not pass the calendar check: %s\n%s", what, err.msg, text);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[10];
	char *copy, *out;
	struct ics_event ev;
	struct ics_attendee att = { "ann@example.org", NULL };
	struct ics_local occ;
	struct err err;
	size_t len;
	char *norm = NULL;

	if (size > 20000)
		return 0;
	copy = fuzz_fields(data, size, f, 10);
	memset(&ev, 0, sizeof(ev));
	ev.uid = "m1@clubmatch.test";
	ev.rrule = f[0] && f[0][0] ? f[0] : NULL;
	if (f[1] == NULL || ics_local_parse(f[1], &ev.start) < 0)
		ics_local_parse("2030-01-07T19:00", &ev.start);
	ev.tzid = f[2] && f[2][0] ? f[2] : "America/Chicago";
	ev.title = f[3] && f[3][0] ? f[3] : "Book club";
	ev.description = f[4];
	ev.location = f[5];
	ev.video_url = f[6] && f[6][0] ? f[6] : NULL;
	att.name = f[7];
	ev.organizer_email = "clubmatch@clubmatch.test";
	ev.organizer_name = f[8];
	ev.contact = f[9];
	ev.duration_minutes = 60;
	ev.sequence = 1;
	ev.created = ev.modified = 1893456000;
	err_clear(&err);
	if (ics_event_validate(&ev, &err) < 0) {
		FUZZ_ASSERT(err.code == ERR_INVALID && err.field[0],
		    "a refusal names no field: %s", err.msg);
		free(copy);
		return 0;
	}
	if (ev.rrule && ics_rrule_normalize(&ev, &norm, &err) == 0)
		free(norm);
	checked(ics_invite_build(&ev, ICS_REQUEST, &att, NULL, 1893456000,
	    &len, &err), ICS_REQUEST, "the invitation");
	checked(ics_invite_build(&ev, ICS_CANCEL, &att, NULL, 1893456000,
	    &len, &err), ICS_CANCEL, "the cancellation");
	checked(ics_feed_build(ev.title, &ev, 1, 30, 1893456000, &len, &err),
	    ICS_PUBLISH, "the feed");
	out = ics_download_build(&ev, 1893456000, &len, &err);
	checked(out, ICS_PUBLISH, "the download");
	if (ev.rrule && ics_occurrence_on(&ev, "2030-01-14", &occ, &err) == 0)
		checked(ics_invite_build(&ev, ICS_CANCEL, &att, &occ,
		    1893456000, &len, &err), ICS_CANCEL, "an occurrence's "
		    "cancellation");
	free(copy);
	return 0;
}
