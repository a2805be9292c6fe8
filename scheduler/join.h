/*
 * join.h - joining by oneself (double opt-in) and the member's own page
 * (docs/joining.md).
 *
 * A sign-up is a joins row; its link token is token_link(svc, "join",
 * id) (an HMAC of the id with the service key), of which only the
 * SHA-256 is stored: the confirmation mail is built at send time and can
 * show the link again, and a database dump alone does not give it.
 */
#ifndef CLUBMATCH_JOIN_H
#define CLUBMATCH_JOIN_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "member.h"
#include "model.h"
#include "service.h"
#include "store.h"

#define JOIN_VALID_SECONDS (48 * 3600)
#define JOIN_MAX_PENDING 3	/* unconfirmed sign-ups per address, 48 h */

/*
 * POST /join: checks in (ERR_INVALID naming the field, nothing stored),
 * then in one transaction stores a sign-up and queues its confirmation
 * mail (a new address, or a member who left), or, for an address that
 * is a member already, a mail with their page's link.  Past
 * JOIN_MAX_PENDING it stores and sends nothing.  The caller answers the
 * same in every one of these cases.
 */
int join_start(struct service *svc, struct store *st,
    const struct member_input *in, struct err *err);

/* The sign-up of a genuine, unexpired join token; ERR_NOT_FOUND
 * otherwise.  *used when it was confirmed already. */
int join_lookup(struct service *svc, struct store *st, const char *token,
    struct join *out, bool *used, struct err *err);
/* Confirms: creates and matches the member (or makes the one who left
 * with this address active again: member_rejoin_in()) and marks the
 * sign-up used, in one transaction.  ERR_NOT_FOUND as join_lookup(),
 * and for a sign-up used already (nothing changes). */
int join_confirm(struct service *svc, struct store *st, const char *token,
    struct member *out, struct err *err);

/* ---- the member's page (/m/{token}) --------------------------------- */
/* The member of a genuine "member" token (any status); ERR_NOT_FOUND. */
int join_member(struct service *svc, struct store *st, const char *token,
    struct member *out, struct err *err);

/* One meeting of the member's club, with their invitation if any. */
struct join_meeting {
	const struct meeting *m;
	const struct invitation *inv;	/* NULL: not invited (local) */
	time_t next[3];
	size_t n_next;
};
int join_member_meetings(struct service *svc, struct store *st,
    const struct member *mem, const struct club *c,
    int (*fn)(const struct join_meeting *jm, void *arg), void *arg,
    struct err *err);
/* Records answer (yes, no, maybe) to the member's invitation inv_id. */
int join_member_rsvp(struct service *svc, struct store *st,
    const struct member *mem, int64_t inv_id, const char *answer,
    struct err *err);
/* A new ZIP or state: re-matches (member_update). */
int join_member_move(struct service *svc, struct store *st,
    const struct member *mem, const char *zip, const char *state,
    struct member *out, struct err *err);
/* Leaving: removal with reason left. */
int join_member_leave(struct service *svc, struct store *st,
    const struct member *mem, struct err *err);

#endif
