/*
 * ics_event.h - a meeting as plain C data, its validation and its
 * occurrences.
 *
 * The domain layer stores meetings and hands them here as struct
 * ics_event; nothing in this header owns memory: every pointer in an
 * ics_event is borrowed from the caller for the length of the call.
 *
 * Recurrence is expanded with libical's iterator in the meeting's own zone
 * (wall clock, so 19:00 stays 19:00 across DST), then each occurrence is
 * turned into an instant by the DST rule of ics_zone.h.  There is no
 * hand-written calendar arithmetic.  Limits (docs/calendar.md,
 * "Recurrence"): FREQ of DAILY or coarser, no BYHOUR/BYMINUTE/BYSECOND
 * (one start a day, at the start time), COUNT <= 1000, UNTIL not before
 * the start, no RSCALE, and the start must itself be an occurrence of the
 * rule.
 *
 * Thread safety: every function may run in many threads at once after
 * ics_init() (see ics_zone.h); none keeps state between calls.
 */
#ifndef CLUBMATCH_ICS_EVENT_H
#define CLUBMATCH_ICS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "ics_zone.h"

#define ICS_TITLE_MAX		200	/* characters (UTF-8 code points) */
#define ICS_DESCRIPTION_MAX	8000	/* characters */
#define ICS_COUNT_MAX		1000	/* largest RRULE COUNT accepted */
#define ICS_DURATION_MAX	(24 * 60)	/* minutes */

/* One changed occurrence of a series (RFC 5545 RECURRENCE-ID). */
struct ics_override {
	struct ics_local recurrence_id;	/* the occurrence's original start */
	bool cancelled;			/* true: dropped (EXDATE) */
	struct ics_local start;		/* moved: its new start (same zone) */
	int duration_minutes;		/* moved: new length; 0 = series' */
	int sequence;			/* SEQUENCE of this occurrence */
};

/* A meeting, series or single.  All strings are UTF-8. */
struct ics_event {
	const char *uid;		/* stable per series (docs/calendar.md,
					 * "UID, SEQUENCE and DTSTAMP") */
	const char *title;		/* SUMMARY */
	const char *description;	/* free text, or NULL */
	const char *location;		/* physical place, or NULL */
	const char *video_url;		/* http(s) join link, or NULL */
	const char *tzid;		/* bare IANA zone, e.g. America/Chicago */
	const char *rrule;		/* "FREQ=MONTHLY;BYDAY=2TU", NULL: single */
	struct ics_local start;		/* first start, wall clock in tzid */
	int duration_minutes;		/* 1 .. ICS_DURATION_MAX */
	int sequence;			/* SEQUENCE, >= 0, only grows */
	bool cancelled;			/* the whole series is cancelled */
	time_t created;			/* CREATED (UTC); 0: omitted */
	time_t modified;		/* LAST-MODIFIED (UTC); 0: omitted */
	const char *organizer_email;	/* ORGANIZER mailto: the service's */
	const char *organizer_name;	/* its CN: the club's name, or NULL */
	const char *contact;		/* CONTACT: secretary's name, e-mail */
	const char *url;		/* URL property; NULL: video_url */
	const struct ics_override *overrides;	/* changed occurrences */
	size_t n_overrides;		/* how many */
};

/*
 * Checks a meeting before it is stored.  Returns 0, or -1 with ERR_INVALID
 * and err->field naming the input:
 *   "timezone"          unknown zone;
 *   "rrule"             unparsable; FREQ finer than DAILY; BYHOUR, BYMINUTE,
 *                       BYSECOND or RSCALE; COUNT > 1000 or with UNTIL;
 *                       UNTIL before the start; the start not itself an
 *                       occurrence of the rule (docs/calendar.md,
 *                       "Recurrence"); INTERVAL outside 1..1000
 *                       (libical wraps it);
 *   "start"             invalid date, before 1970 or after 2200, or in a DST
 *                       gap or overlap (the message says which);
 *   "duration_minutes"  < 1 or > 24 * 60;
 *   "title"             empty (or blank) or over 200 characters;
 *   "description", "location", "contact"  too long;
 *   "video_url", "url"  not an http(s) URL, or holding spaces, quotes or
 *                       control characters;
 *   "organizer_email"   not a plain addr-spec (docs/calendar.md, "What
 *                       is cleaned or refused");
 *   "uid", "sequence"   empty, too long or with control characters; < 0;
 *   "date"              an override on a single meeting, of a date that is
 *                       not an occurrence, or twice for one occurrence;
 *                       a moved occurrence's "start"/"duration_minutes" as
 *                       for the series.
 */
int ics_event_validate(const struct ics_event *ev, struct err *err);

/*
 * The UTC start instants of the occurrences with from <= start < to:
 * cancelled occurrences left out, moved ones at their new time, in
 * ascending order, at most max of them (the earliest).  Returns how many
 * were written to out, or -1 with err set (unknown zone, bad rrule).
 * Expansion stops after 100,000 candidate occurrences, so a daily series
 * asked about centuries ends early rather than hangs.
 */
int ics_occurrences(const struct ics_event *ev, time_t from, time_t to,
    time_t *out, size_t max, struct err *err);

/* As ics_occurrences() but only counts, without a size limit; -1 on the
 * same errors.  Cheap enough to call per club per ranking (bench_ics). */
long ics_count_occurrences(const struct ics_event *ev, time_t from,
    time_t to);

/*
 * The original local start (in ev->tzid) of the series' occurrence on
 * date "YYYY-MM-DD", for a RECURRENCE-ID.  Uses the rule only: an
 * occurrence already cancelled or moved is still found.  ERR_MALFORMED
 * (field "date") for a malformed date, ERR_NOT_FOUND when the series has
 * no occurrence that day, ERR_INVALID for a bad zone or rule.
 */
int ics_occurrence_on(const struct ics_event *ev, const char *date,
    struct ics_local *out, struct err *err);

/*
 * The series' rule as it is written and expanded, into *out (free() it;
 * NULL for a single meeting): UNTIL given as a date or a local time
 * becomes the UTC instant that ends that day or that time in ev->tzid,
 * since RFC 5545 wants a UTC UNTIL with a TZID start (docs/calendar.md,
 * "Recurrence").
 * Returns 0, or -1 with err set (field "rrule" or "timezone").
 */
int ics_rrule_normalize(const struct ics_event *ev, char **out,
    struct err *err);

#endif
