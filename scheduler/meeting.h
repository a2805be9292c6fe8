/*
 * meeting.h - scheduling club meetings (docs/api.md, "Meetings";
 * docs/calendar.md).
 *
 * A meeting is a series (or one meeting) in wall-clock time and an IANA
 * zone; validation, recurrence and calendar text are the ics module's.
 * Every change bumps the one SEQUENCE counter of the series (RFC 5546
 * §2.1.4), is one transaction, and queues the e-mails it causes in the
 * outbox within that same transaction.
 */
#ifndef CLUBMATCH_MEETING_H
#define CLUBMATCH_MEETING_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "ics_build.h"
#include "model.h"
#include "config.h"

/* A meeting as given by a request.  NULL/-1: not given.  For PATCH,
 * rrule_null says the rule was set to null (a single meeting now). */
struct meeting_input {
	const char *title;
	const char *start;		/* YYYY-MM-DDTHH:MM, local */
	const char *timezone;
	int64_t duration_minutes;	/* -1: not given */
	const char *rrule;
	bool rrule_null;
	const char *description;
	const char *location;
	const char *video_url;
};
void meeting_input_init(struct meeting_input *in);

/* What ics_ needs to write a meeting: an ics_event whose pointers point
 * into the meeting, the club, the configuration and this struct.  Valid
 * while those live. */
struct meeting_ics {
	struct ics_event ev;
	struct ics_override ov[MEETING_MAX_OCC];
	char contact[600];
};
void meeting_to_ics(const struct meeting *m, const struct club *c,
    const struct config *cfg, struct meeting_ics *out);

struct store;

/* The meeting id, and its club when c is not NULL. */
int meeting_get(struct store *st, int64_t id, struct meeting *m,
    struct club *c, struct err *err);
/* Loads club club_id into *c, then calls fn for each of its meetings,
 * cancelled ones too, in id order. */
int meeting_list(struct store *st, int64_t club_id, struct club *c,
    int (*fn)(const struct meeting *m, void *arg), void *arg,
    struct err *err);

/* Each change is one transaction that also queues the e-mails it causes
 * (to the club's remote members) in the outbox. */
int meeting_create(const struct config *cfg, struct store *st,
    int64_t club_id,
    const struct meeting_input *in, struct meeting *out, struct err *err);
int meeting_update(const struct config *cfg, struct store *st, int64_t id,
    const struct meeting_input *in, struct meeting *out, struct err *err);
/* Cancels the series (kept, STATUS:CANCELLED) and queues CANCELs. */
int meeting_cancel(struct store *st, int64_t id, struct meeting *out,
    struct err *err);
/* Cancels (start == NULL) or moves one occurrence, by its original date. */
int meeting_occurrence_change(const struct config *cfg, struct store *st,
    int64_t id, const char *date, const char *start,
    int64_t duration_minutes, struct meeting *out, struct err *err);

/* The next up to max occurrence starts (UTC) after now. */
int meeting_next(const struct meeting *m, const struct club *c,
    const struct config *cfg, time_t now, time_t *out, size_t max);

/* The rule in words for e-mails: "every 2nd Tuesday of the month";
 * "" for a single meeting or a rule too unusual to say briefly. */
void meeting_recurrence_text(const char *rrule, const char *start_local,
    char *out, size_t size);

#endif
