/*
 * ics_zone.h - IANA time zones for meetings: lookup, wall clock <-> UTC,
 * and the times printed in e-mails.  All zone maths is libical's.
 *
 * A meeting is stored as a wall clock (struct ics_local) plus a bare IANA
 * zone name ("America/Chicago"), never as UTC, so that a weekly 19:00
 * meeting stays at 19:00 across daylight-saving changes (RFC 5545 §3.3.10).
 *
 * DST rule (RFC 5545 §3.3.5, the rule Google, Apple and Python's zoneinfo
 * apply too): a wall time that does not exist (the spring-forward gap) is
 * read with the UTC offset from before the gap, so 02:30 on the change day
 * in Chicago is 03:30 CDT; a wall time that happens twice (the fall-back
 * overlap) is the first of the two, daylight time.  New meetings may not
 * start in either (ics_event_validate() rejects them); the rule matters for
 * later occurrences of a series and for ics_local_to_utc().
 *
 * Thread safety: ics_init() runs once, in the main thread, before any other
 * ics_ function and before other threads start; ics_shutdown() runs once
 * after they have stopped.  In between, every function in ics_zone.h,
 * ics_event.h and ics_build.h may be called from any number of threads at
 * once.  Zones are loaded on first use into a cache guarded by a
 * read-write lock; a loaded zone is never changed or freed before
 * ics_shutdown().  libical's own builtin-zone loading is only ever entered
 * with that lock held (libical issues #319, #468: its lazy loading races).
 */
#ifndef CLUBMATCH_ICS_ZONE_H
#define CLUBMATCH_ICS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

/* A wall-clock time in some zone, to the minute.  A value type. */
struct ics_local {
	int year;	/* 1900..9999 */
	int month;	/* 1..12 */
	int day;	/* 1..days in that month */
	int hour;	/* 0..23 */
	int minute;	/* 0..59 */
};

/* How a wall time maps to instants in a zone. */
enum ics_local_kind {
	ICS_LOCAL_NORMAL,	/* exactly one instant */
	ICS_LOCAL_GAP,		/* none: skipped by a spring-forward change */
	ICS_LOCAL_OVERLAP,	/* two: repeated by a fall-back change */
};

/*
 * Once, in the main thread, before anything else in ics_: loads libical's
 * zone list and the UTC zone and primes its lazily set globals, so that no
 * request thread ever runs those first-use paths.  Fails (ERR_INTERNAL)
 * when the system zoneinfo (package tzdata) is missing.
 */
int ics_init(struct err *err);

/* Frees every cached zone and libical's builtin zones and ring buffer of
 * the calling thread.  Once, after every other thread stopped using ics_. */
void ics_shutdown(void);

/*
 * Whether tzid is a zone we can use: a bare IANA name such as
 * "America/Chicago", a link such as "US/Central", or "UTC".  Windows names
 * and libical's "/freeassociation.sourceforge.net/..." form are not.  Loads
 * and caches the zone on first use.
 */
bool ics_zone_exists(const char *tzid);

/* Parses exactly "YYYY-MM-DDTHH:MM" (no seconds, no zone, no spaces) into
 * *out and checks that the date exists.  Returns 0, or -1 leaving *out
 * alone. */
int ics_local_parse(const char *s, struct ics_local *out);

/* Writes l as "YYYY-MM-DDTHH:MM" and a NUL into out (17 bytes). */
void ics_local_format(const struct ics_local *l, char out[17]);

/* Orders two wall times: <0, 0 or >0, like strcmp. */
int ics_local_cmp(const struct ics_local *a, const struct ics_local *b);

/*
 * The instant of wall time l in zone tzid, by the DST rule above, into
 * *out; *kind (may be NULL) tells whether l was in a gap or an overlap.
 * Fails with ERR_INVALID (field "timezone") for an unknown zone.
 */
int ics_local_to_utc_kind(const struct ics_local *l, const char *tzid,
    time_t *out, enum ics_local_kind *kind, struct err *err);

/* As ics_local_to_utc_kind() without the kind. */
int ics_local_to_utc(const struct ics_local *l, const char *tzid,
    time_t *out, struct err *err);

/* The wall time in zone tzid at instant t (seconds are dropped). */
int ics_utc_to_local(time_t t, const char *tzid, struct ics_local *out,
    struct err *err);

/*
 * Human text for e-mails, in English: "Tuesday, March 9, 2027, 7:00 PM CST"
 * for instant t in zone tzid; the abbreviation is the zone's (CST or CDT,
 * as in force at t), or "UTC-03:00" when the zone has none.  Returns 0, or
 * -1 for an unknown zone or when outlen is too small (out is then "").
 */
int ics_time_format(time_t t, const char *tzid, char *out, size_t outlen);

#endif
