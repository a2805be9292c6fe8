/*
 * ics_build.h - iCalendar text for invitations (iMIP, RFC 6047) and feeds.
 *
 * What goes in, and why, is in docs/calendar.md, "What we emit": a
 * bare IANA TZID with a VTIMEZONE truncated at a fixed date, so the zone
 * bytes never change between REQUEST, update and CANCEL; DTSTART with that
 * TZID (never UTC with an RRULE); EXDATE and RECURRENCE-ID with the TZID
 * too; the video link in LOCATION, DESCRIPTION, URL and CONFERENCE; the
 * physical place in DESCRIPTION; exactly one ATTENDEE in an invitation and
 * none in a feed.  libical escapes TEXT and folds lines at 75 octets
 * without splitting UTF-8; values libical does not escape (addresses,
 * URLs, parameter values) are checked or cleaned here first.
 *
 * Output: NUL-terminated text, CRLF line ends, one CRLF after
 * END:VCALENDAR, no BOM.  The caller free()s it.  *len (may be NULL) gets
 * its length.  On error: NULL, err set, nothing to free.
 *
 * Thread safety: as ics_zone.h; the builders share only the read-only zone
 * cache.  dtstamp is passed in (RFC 5546 §2.1.5: each message's DTSTAMP
 * must be newer than the last), so output depends on the arguments alone.
 */
#ifndef CLUBMATCH_ICS_BUILD_H
#define CLUBMATCH_ICS_BUILD_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "ics_event.h"

enum ics_method {
	ICS_PUBLISH,	/* feeds and downloads: no ATTENDEE, no RSVP */
	ICS_REQUEST,	/* an invitation or an update */
	ICS_CANCEL,	/* a cancellation, of the series or one occurrence */
};

/* The one recipient of an invitation. */
struct ics_attendee {
	const char *email;	/* plain addr-spec (docs/calendar.md,
				 * "What is cleaned or refused") */
	const char *name;	/* CN, or NULL; quotes and controls cleaned */
};

/* "PUBLISH", "REQUEST" or "CANCEL": the MIME method= parameter must be
 * this same word (docs/email.md, "Anatomy of a message").  Static
 * storage. */
const char *ics_method_name(enum ics_method method);

/*
 * One VCALENDAR for one invitation e-mail: METHOD (REQUEST or CANCEL), the
 * VTIMEZONE, and one VEVENT with att as its only ATTENDEE (RSVP=TRUE,
 * PARTSTAT=NEEDS-ACTION, ROLE=REQ-PARTICIPANT, CUTYPE=INDIVIDUAL).
 *
 * recurrence_id NULL: the whole series (its master VEVENT, with RRULE and
 * an EXDATE per cancelled occurrence; moved occurrences are not repeated
 * here: send them with recurrence_id).  STATUS:CONFIRMED for REQUEST,
 * STATUS:CANCELLED for CANCEL; SEQUENCE ev->sequence.
 *
 * recurrence_id set (the original local start, from ics_occurrence_on()):
 * only that occurrence's VEVENT, with RECURRENCE-ID;TZID and no RRULE
 * (docs/calendar.md, "Moved and cancelled occurrences").  REQUEST sends
 * it at its moved time when ev->overrides moves it (else at its usual
 * time), CANCEL cancels it; SEQUENCE is the override's when there is one,
 * else ev->sequence.
 *
 * Fails with ERR_INVALID for PUBLISH (use ics_feed_build()), a REQUEST for
 * a cancelled series or occurrence, a bad address (field "email" or
 * "organizer_email"), URL, zone or rule; ERR_NOT_FOUND (field "date") when
 * recurrence_id is not an occurrence of the series.
 */
char *ics_invite_build(const struct ics_event *ev, enum ics_method method,
    const struct ics_attendee *att, const struct ics_local *recurrence_id,
    time_t dtstamp, size_t *len, struct err *err);

/*
 * A feed: METHOD:PUBLISH, NAME and X-WR-CALNAME (calname, or none when
 * NULL), REFRESH-INTERVAL;VALUE=DURATION:PT1H, X-PUBLISHED-TTL:PT1H, one
 * VTIMEZONE per zone used, then for each event its master VEVENT (ORGANIZER,
 * no ATTENDEE) with EXDATE;TZID per cancelled occurrence, and a VEVENT
 * with RECURRENCE-ID;TZID per moved one.  Every VEVENT gets a DISPLAY
 * VALARM alarm_minutes before it (-1: none; at most 10080).  Cancelled
 * series are left out (docs/calendar.md, "Feed and download").  With
 * n == 1 and alarm_minutes -1 it is the single-meeting .ics download.
 * X-WR-CALNAME drops "," and ";" (libical does not escape X- values:
 * docs/calendar.md, "What libical leaves to us"); NAME is exact.
 */
char *ics_feed_build(const char *calname, const struct ics_event *events,
    size_t n, int alarm_minutes, time_t dtstamp, size_t *len,
    struct err *err);

/*
 * Whether ics_feed_build() can write ev: 0, or -1 with *err saying why
 * (as the builder would fail).  A feed checks each event with this and
 * leaves out the one it refuses (a meeting stored by an older version,
 * or restored from one), instead of failing for every event.
 */
int ics_event_buildable(const struct ics_event *ev, struct err *err);

/*
 * One meeting as a PUBLISH calendar, for the .ics download: as a feed of
 * one event without an alarm, except that a cancelled series is written
 * with STATUS:CANCELLED (so whoever imported it sees it cancelled)
 * instead of being left out.
 */
char *ics_download_build(const struct ics_event *ev, time_t dtstamp,
    size_t *len, struct err *err);

/*
 * The check of docs/calendar.md, "Checking a calendar", for tests and for
 * callers that want to check a calendar before sending it: text must
 * parse with libical with no X-LIC-ERROR, carry METHOD equal to method,
 * pass icalrestriction_check() (run on a copy), give every TZID parameter
 * a VTIMEZONE, write DTSTAMP in UTC, and have only CRLF-ended lines of at
 * most 75 octets.  Returns 0, or
 * -1 with ERR_INTERNAL and the first problem in err->msg.  Far slower than
 * building: not meant for every message.
 */
int ics_calendar_check(const char *text, enum ics_method method,
    struct err *err);

#endif
