/*
 * ics_priv.h - what the ics_*.c files share and nobody else may use.
 *
 * Only ics/ics_*.c include this (and so <libical/ical.h> through it):
 * everything libical stays inside the ics module, and the public headers
 * speak in plain C types.
 */
#ifndef CLUBMATCH_ICS_PRIV_H
#define CLUBMATCH_ICS_PRIV_H

#include <libical/ical.h>

#include "ics_zone.h"

/*
 * A loaded zone.  Created once (under the cache's write lock) and then
 * read-only until ics_shutdown(), so any thread may use it without locks.
 * libical serialises its own lazily expanded transition tables behind a
 * mutex (icaltimezone_get_utc_offset() in 3.0.16), and we expand them far
 * ahead at load time so request threads rarely wait on it.
 */
struct ics_zone {
	char *tzid;		/* the bare name asked for, e.g. "US/Central" */
	icaltimezone *conv;	/* libical's builtin zone, full history: maths */
	icaltimezone *bare;	/* truncated copy with TZID = tzid: output */
	char *vtz_text;		/* bare's VTIMEZONE serialised, CRLF, folded */
	size_t vtz_len;		/* strlen(vtz_text) */
};

/* The cached zone for tzid, loading it on first use; NULL if unknown.
 * Borrowed: valid until ics_shutdown(). */
const struct ics_zone *ics_zone_find(const char *tzid);

/* The instant of a wall time (given to the second) in zone z by the
 * DST rule of ics_zone.h; *kind may be NULL. */
time_t ics_zone_wall_to_utc(const struct ics_zone *z, int year, int month,
    int day, int hour, int minute, int second, enum ics_local_kind *kind);

/* The wall time in z at instant t, as a libical time whose zone is z->bare
 * (so that libical writes ";TZID=<bare name>" for it). */
struct icaltimetype ics_zone_utc_to_wall(const struct ics_zone *z, time_t t);

/* An ics_local as a libical time in z->bare (seconds 0). */
struct icaltimetype ics_zone_icaltime(const struct ics_zone *z,
    const struct ics_local *l);

/* ------------------------------------------------------------------ */
/* A meeting prepared for expansion (ics_event.c)                      */
/* ------------------------------------------------------------------ */

struct ics_event;

/* What expansion and output need, worked out once per call.  Plain data
 * on the caller's stack: nothing to free. */
struct ics_series {
	const struct ics_zone *zone;	/* the meeting's zone */
	bool recurring;			/* has an RRULE */
	struct icalrecurrencetype rule;	/* normalised: UNTIL in UTC */
	bool has_until;			/* rule.until is set */
	time_t until_utc;		/* its instant, when has_until */
	struct icaltimetype dtstart;	/* first start, wall, zone = bare */
	time_t start_utc;		/* its instant */
};

/* Fills *s from ev: zone, start and rule (strictly parsed, UNTIL made
 * UTC).  Checks only what expansion needs; ics_event_validate() checks
 * the rest.  ERR_INVALID with field "timezone", "start" or "rrule". */
int ics_series_prepare(const struct ics_event *ev, struct ics_series *s,
    struct err *err);

/* Called for each occurrence in a walk: its wall start (zone = bare) and
 * instant.  Returns true to go on, false to stop. */
typedef bool ics_occurrence_fn(void *arg, const struct icaltimetype *wall,
    time_t utc);

/* Calls fn for each occurrence of the rule (overrides not applied) with
 * from <= instant < to, in order; stops after ICS_WALK_MAX candidates. */
void ics_series_walk(const struct ics_series *s, time_t from, time_t to,
    ics_occurrence_fn *fn, void *arg);
#define ICS_WALK_MAX 100000

/* Whether wall time l is an occurrence of the rule. */
bool ics_series_is_occurrence(const struct ics_series *s,
    const struct ics_local *l);

/* Input checks shared by validation and the builders. */
bool ics_url_ok(const char *s);		/* http(s), printable, no quotes */
/* ERR_INVALID naming video_url or url when either is set and not
 * ics_url_ok(). */
int ics_check_links(const struct ics_event *ev, struct err *err);

#endif
