/*
 * outreach.h - no new member left uncontacted (docs/outreach.md): the
 * welcome, the first-contact task, the secretary's and the organizer's
 * digests, contact outcomes and removal.
 *
 * Everything here runs inside the caller's transaction unless it says
 * otherwise, so the mail it queues is queued by the change that causes
 * it, or not at all.
 */
#ifndef CLUBMATCH_OUTREACH_H
#define CLUBMATCH_OUTREACH_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "model.h"
#include "service.h"

struct store;

/*
 * Member m (as stored, with its new assignment) was just assigned to a
 * club that is not old_club_id: queues the welcome (once per member and
 * club), opens the first-contact task and, for one-by-one assignments
 * (batch 0), queues the club's secretary digest (the first within a
 * minute, then at most one an hour).  A member without a club: nothing.
 */
int outreach_assigned(struct service *svc, struct store *st,
    const struct member *m, int64_t old_club_id, int64_t batch,
    struct err *err);

/*
 * Member m (as stored, active again, with its new assignment) left and
 * has just confirmed the sign-up join_id (docs/joining.md, "Joining
 * again"): as outreach_assigned() for a new member, with a welcome of
 * its own even when the club is the one they left (dedup
 * welcome:<member>:<club>:j<join_id>), and the club's closed task with
 * them opened anew, so the secretary's digest lists them again.
 */
int outreach_rejoined(struct service *svc, struct store *st,
    const struct member *m, int64_t join_id, struct err *err);

/* An import or match run numbered batch ended: one secretary digest per
 * club listing every member it assigned there. */
int outreach_batch_done(struct service *svc, struct store *st,
    int64_t batch, struct err *err);

/* What time makes due, called by the mail worker every few seconds in
 * its own transaction: the organizer's digest of overdue tasks (at most
 * one a day), digests left behind by an import that died. */
int outreach_tick(struct service *svc, struct store *st, time_t now,
    struct err *err);

/*
 * Removes a member (reason left, prank or duplicate): drops their
 * pending mail, withdraws sent invitations with a CANCEL, frees the
 * remote place, closes their task; a prank removal blanks name, phone
 * and e-mail and keeps the address's hash.  One transaction.
 */
int outreach_remove(struct service *svc, struct store *st,
    int64_t member_id, const char *reason, struct err *err);

/* Whether reason is left, prank or duplicate. */
bool outreach_reason_ok(const char *reason);

/* The hash kept of a prank-removed address (hex SHA-256 of it in lower
 * case), so an import can recognise it. */
void outreach_email_hash(const char *email, char out[65]);

/* One logged contact attempt (POST /api/v1/members/{id}/contacts). */
struct contact_input {
	const char *channel;	/* phone sms email video in_person */
	const char *outcome;	/* reached left_message no_answer ... */
	const char *note;	/* or NULL */
	const char *zip;	/* outcome moved: the new ZIP, or */
	const char *state;	/* the new state */
	const char *reason;	/* outcome remove: left (default) ... */
};
/* Logs it and applies the outcome (docs/outreach.md, "Outcomes"); one
 * transaction.  *out: the task afterwards. */
int outreach_contact_log(struct service *svc, struct store *st,
    int64_t member_id, const struct contact_input *in, struct contact *out,
    struct err *err);

/* Tasks of club_id (0: every club), status open/overdue/done or NULL. */
int outreach_contacts(struct store *st, int64_t club_id, const char *status,
    int64_t after, int limit, int (*fn)(const struct contact *c, void *arg),
    void *arg, struct err *err);

/* Sets the do_not_contact status: no calls, texts or mail of any kind. */
int outreach_do_not_contact(struct store *st, int64_t member_id,
    struct err *err);

#endif
