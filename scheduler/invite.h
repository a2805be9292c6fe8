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
 * transaction; each invitation is queued once.  An invitation withdrawn
 * earlier (the member left the club or was removed, and is back) comes
 * back under a SEQUENCE above its CANCEL (store_invitation_revive()). */
int invite_plan_member(const struct invite_plan *p, struct store *st,
    int64_t member_id, int64_t club_id, struct err *err);
/* The same for one member, without a plan. */
int invite_member_to_club(const struct config *cfg, struct store *st,
    int64_t member_id, int64_t club_id, struct err *err);

/* ---- RSVP links --------------------------------------------------------- */
/* What an RSVP page is asked: token, the answer of the link (NULL:
 * none), the occurrence (NULL or "": the series) and whether to record
 * it (a POST) or only show it (a GET: mail scanners open every link). */
struct rsvp_ask {
	const char *token;
	const char *answer;		/* yes, no, maybe */
	const char *date;		/* YYYY-MM-DD in the meeting's zone */
	bool record;
};

struct rsvp_view {
	struct invitation inv;		/* rsvp: the answer now */
	const char *chosen;		/* the link's answer as PARTSTAT */
	bool recorded;			/* the POST recorded it */
	char date[11];			/* the occurrence, or "" */
	char title[801];		/* the meeting's */
	char club_name[NAME_MAX_LEN + 1];
	char video_url[URL_MAX_LEN + 1];
};
/*
 * Shows, or with q->record records, an answer given by link
 * (rsvp_via "link").  ERR_NOT_FOUND for a bad token, a withdrawn
 * invitation or a cancelled meeting (err->msg says which); ERR_INVALID
 * (field answer or date) for an unknown answer or a date that is not an
 * occurrence.  Recording is one transaction.
 */
int invite_rsvp(struct service *svc, struct store *st,
    const struct rsvp_ask *q, struct rsvp_view *out, struct err *err);
/* 0 when date (YYYY-MM-DD in m's zone) is an occurrence of m, else -1
 * with ERR_INVALID (field date). */
int invite_occurrence_ok(const struct meeting *m, const struct club *c,
    const struct config *cfg, const char *date, struct err *err);
/* "yes", "no", "maybe" for a stored PARTSTAT, else NULL. */
const char *invite_rsvp_word(const char *rsvp);

/* The invited members of meeting m; with date (YYYY-MM-DD, NULL: the
 * series), the answers to that occurrence (ERR_INVALID, field date, when
 * the meeting has none that day). */
int invite_attendees(struct service *svc, struct store *st,
    const struct meeting *m, const char *date,
    int (*fn)(const struct attendee *a, void *arg), void *arg,
    struct err *err);
/* Outbox rows with id > after, of one status (NULL: any; else "pending",
 * "sent" or "failed": another matches nothing), in id order, at most
 * limit. */
int invite_outbox_list(struct store *st, const char *status, int64_t after,
    int limit, int (*fn)(const struct outbox_row *r, void *arg), void *arg,
    struct err *err);

#endif
