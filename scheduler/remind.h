/*
 * remind.h - reminders the day before each occurrence, "did you make
 * it?" after it, and the attendance they record (docs/email.md,
 * "Reminders"; CONTRACT §15).
 *
 * remind_tick() tops up the outbox: for the occurrences that start
 * within REMIND_HORIZON it queues one KIND_REMINDER and one
 * KIND_FOLLOWUP row per invitation, keyed "rem:<inv>:<date>" and
 * "fup:<inv>:<date>", so a row is never queued twice and a change made
 * after a reminder was sent sends no second one.  It works only when
 * something moved: the horizon (hourly), a club or meeting (the store
 * generation) or a new invitation; an idle tick reads five small
 * values.  The rows are built at send time (letter_remind.c), which
 * checks again that there is something to say.
 */
#ifndef CLUBMATCH_REMIND_H
#define CLUBMATCH_REMIND_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "model.h"
#include "service.h"

#define REMIND_HORIZON (8 * 24 * 3600)

struct store;

/* Called by outreach_tick() on the mail worker's lane 0; its own
 * transactions.  0 or -1. */
int remind_tick(struct service *svc, struct store *st, time_t now,
    struct err *err);

/* 10:00 of the day before instant start, in IANA zone tz. */
int remind_due(time_t start, const char *tz, time_t *out, struct err *err);

/* The start and end (UTC) of invitation meeting m's occurrence `date`
 * (its original date in the meeting's zone) as it is now; 1 when it was
 * cancelled, 0, or -1 (ERR_NOT_FOUND: no such occurrence). */
int remind_occurrence(struct service *svc, const struct meeting *m,
    const struct club *c, const char *date, time_t *start, time_t *end,
    struct err *err);

/* The attended page: what it shows. */
struct attend_view {
	char title[801];
	char club_name[NAME_MAX_LEN + 1];
	char date[11];
	int chosen;		/* 1 yes, 0 no, -1 none */
	bool recorded;		/* POST: attended was written */
};
/* GET (record false) checks token, date and answer; POST records them.
 * ERR_NOT_FOUND for a bad token, ERR_INVALID naming the field. */
int remind_attend(struct service *svc, struct store *st, const char *token,
    const char *date, const char *answer, bool record,
    struct attend_view *out, struct err *err);

#endif
