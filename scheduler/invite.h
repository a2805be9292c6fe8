/*
 * invite.h - invitations: inviting newly assigned remote members to a
 * club's meetings, answers by RSVP link, the attendee lists and the
 * outbox as the API shows it (docs/email.md, docs/api.md).
 *
 * The e-mails themselves are outbox rows queued in the transaction of
 * the change that causes them, and built when sent (mail/outbox.h).
 */
#ifndef CLUBMATCH_INVITE_H
#define CLUBMATCH_INVITE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "service.h"

/* The upcoming meetings of one club (club_id > 0) or of every club (0),
 * loaded once, so that many newly assigned members can be invited
 * without reading the meetings again for each. */
struct invite_plan;
struct invite_plan *invite_plan_new(const struct config *cfg,
    struct store *st, int64_t club_id, struct err *err);
void invite_plan_free(struct invite_plan *p);	/* NULL ok */
/* Invites a member just assigned remotely to club_id to each upcoming
 * meeting of that club (and each moved occurrence), in the caller's
 * transaction; each invitation is queued once. */
int invite_plan_member(const struct invite_plan *p, struct store *st,
    int64_t member_id, int64_t club_id, struct err *err);
/* The same for one member, without a plan. */
int invite_member_to_club(const struct config *cfg, struct store *st,
    int64_t member_id, int64_t club_id, struct err *err);

/* ---- RSVP links --------------------------------------------------------- */
/* What the RSVP page shows. */
struct rsvp_view {
	struct invitation inv;		/* rsvp: the answer now */
	char title[801];		/* the meeting's */
	char club_name[NAME_MAX_LEN + 1];
	char video_url[URL_MAX_LEN + 1];
};
/*
 * The invitation an "rsvp" link token names, after recording answer
 * ("yes", "no" or "maybe"; NULL only shows it).  ERR_NOT_FOUND when the
 * token is not genuine (nothing else is said: the caller counts it as a
 * failed guess); ERR_INVALID for another answer.
 */
int invite_rsvp(struct service *svc, struct store *st, const char *token,
    const char *answer, struct rsvp_view *out, struct err *err);

/* ---- lists --------------------------------------------------------------- */
/* Calls fn for each member invited to meeting_id. */
int invite_attendees(struct store *st, int64_t meeting_id,
    int (*fn)(const struct attendee *a, void *arg), void *arg,
    struct err *err);
/* Outbox rows with id > after, of one status (NULL: any; else "pending",
 * "sent" or "failed": another matches nothing), in id order, at most
 * limit. */
int invite_outbox_list(struct store *st, const char *status, int64_t after,
    int limit, int (*fn)(const struct outbox_row *r, void *arg), void *arg,
    struct err *err);

#endif
