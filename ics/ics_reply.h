/*
 * ics_reply.h - an iMIP answer (RFC 5546 REPLY or COUNTER) read into plain
 * C data: what a member's calendar said about one of our invitations.
 *
 * This module only reads; it decides nothing.  Which invitation a reply
 * belongs to, whether its ATTENDEE is the invited member, and whether it
 * is newer than the answer we hold are the caller's rules
 * (docs/email.md, "Replies").
 *
 * Bounds: at most ICS_REPLY_MAX_EVENTS VEVENTs are read (the rest are
 * counted in n_ignored), at most ICS_REPLY_MAX_ATTENDEES ATTENDEEs per
 * VEVENT, comments at most ICS_REPLY_COMMENT_MAX bytes (cut at a UTF-8
 * character boundary).  Strings that do not fit a field are dropped, not
 * cut, so that no cut value is ever mistaken for a whole one.
 *
 * Thread safety: as ics_zone.h (after ics_init(), any thread).  A parsed
 * struct ics_reply is owned by the caller and not shared.
 */
#ifndef CLUBMATCH_ICS_REPLY_H
#define CLUBMATCH_ICS_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

#define ICS_REPLY_MAX_EVENTS	50
#define ICS_REPLY_MAX_ATTENDEES	20
#define ICS_REPLY_COMMENT_MAX	4096
#define ICS_REPLY_UID_MAX	255	/* bytes, without the NUL */
#define ICS_REPLY_TZID_MAX	64
#define ICS_REPLY_EMAIL_MAX	254

enum ics_reply_method {
	ICS_REPLY_METHOD_OTHER,		/* none, REQUEST, CANCEL, PUBLISH... */
	ICS_REPLY_METHOD_REPLY,
	ICS_REPLY_METHOD_COUNTER,
};

enum ics_reply_partstat {
	ICS_REPLY_PARTSTAT_NONE,	/* no PARTSTAT parameter */
	ICS_REPLY_PARTSTAT_NEEDS_ACTION,
	ICS_REPLY_PARTSTAT_ACCEPTED,
	ICS_REPLY_PARTSTAT_DECLINED,
	ICS_REPLY_PARTSTAT_TENTATIVE,
	ICS_REPLY_PARTSTAT_DELEGATED,
	ICS_REPLY_PARTSTAT_OTHER,	/* COMPLETED, IN-PROCESS, X-... */
};

/*
 * A DATE or DATE-TIME property (RECURRENCE-ID, DTSTART, DTEND) as it was
 * written: the wall clock in its own zone, not converted.
 */
struct ics_reply_time {
	bool set;		/* false: the property is absent or unreadable */
	bool is_date;		/* VALUE=DATE: local is "...T00:00" */
	char local[17];		/* "YYYY-MM-DDTHH:MM", seconds dropped */
	char date[11];		/* "YYYY-MM-DD" in that zone */
	char tzid[ICS_REPLY_TZID_MAX + 1];	/* the TZID parameter, "UTC"
						 * for a ...Z value, "" when
						 * floating or a date */
	bool utc_known;		/* utc is set: UTC, a VTIMEZONE in the
				 * calendar, or an IANA zone we know */
	time_t utc;		/* the instant, when utc_known */
};

struct ics_reply_attendee {
	char email[ICS_REPLY_EMAIL_MAX + 1];	/* mailto: address, lowercased */
	enum ics_reply_partstat partstat;	/* its PARTSTAT */
};

struct ics_reply_event {
	char uid[ICS_REPLY_UID_MAX + 1];	/* "" when absent or too long */
	int sequence;			/* SEQUENCE, 0 when absent */
	bool has_dtstamp;		/* DTSTAMP was present and readable */
	time_t dtstamp;			/* DTSTAMP as UTC (floating read as UTC) */
	struct ics_reply_time recurrence_id;	/* one occurrence, if set */
	struct ics_reply_time dtstart;	/* COUNTER: the proposed start */
	struct ics_reply_time dtend;	/* COUNTER: the proposed end */
	struct ics_reply_attendee attendees[ICS_REPLY_MAX_ATTENDEES];
	size_t n_attendees;		/* used entries of attendees */
	char *comment;			/* COMMENT or X-RESPONSE-COMMENT lines,
					 * unescaped, joined by "\n"; NULL
					 * when none.  Owned by the reply. */
};

struct ics_reply {
	enum ics_reply_method method;	/* METHOD of the VCALENDAR */
	struct ics_reply_event *events;	/* n_events entries */
	size_t n_events;		/* at most ICS_REPLY_MAX_EVENTS */
	size_t n_ignored;		/* VEVENTs beyond the bound */
};

/*
 * Parses the len bytes at text (need not be NUL-terminated) as an
 * iCalendar object and fills *out.  Fails with ERR_MALFORMED when there is
 * no VCALENDAR at all; a calendar whose METHOD is neither REPLY nor
 * COUNTER still parses (method OTHER) so the caller can tell it apart.
 * On success free *out with ics_reply_free(); on failure *out is left
 * alone.
 */
int ics_reply_parse(const char *text, size_t len, struct ics_reply **out,
    struct err *err);

/* NULL is a no-op. */
void ics_reply_free(struct ics_reply *r);

/* "ACCEPTED", "DECLINED", ... ("" for NONE); static strings. */
const char *ics_reply_partstat_name(enum ics_reply_partstat p);

#endif
