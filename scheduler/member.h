/*
 * member.h - members: create (and match), read, list, match the rest,
 * unsubscribe (docs/api.md, "Members").
 */
#ifndef CLUBMATCH_MEMBER_H
#define CLUBMATCH_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assign.h"
#include "err.h"
#include "model.h"
#include "service.h"

/* A member as given by a request or a CSV row.  Strings are borrowed;
 * NULL or "" means not given. */
struct member_input {
	const char *name;
	const char *email;
	const char *zip;
	const char *state;
	const char *phone;
	const char *preferred_channel;
	int64_t batch;			/* an import run's number, or 0 */
};
void member_input_init(struct member_input *in);

/* in->phone as E.164 into out; -1 when it cannot be a phone number. */
int member_phone_normalize(const char *in, char *out, size_t size);
/* The place of a ZIP (or, without one, of a state). */
int member_place(struct service *svc, const char *zip, const char *state,
    struct place *out, struct err *err);
/* PATCH: the fields of in that are not NULL; a new ZIP or state
 * re-matches (assign_rematch).  One transaction. */
int member_update(struct service *svc, struct store *st, int64_t id,
    const struct member_input *in, struct member *out, struct err *err);

/* Creates a member and, when match is true, assigns it (and invites a
 * remote member to the club's meetings) in the same transaction.
 * ERR_CONFLICT naming "email" when the address is taken. */
int member_create(struct service *svc, struct store *st,
    const struct member_input *in, bool match, struct member *out,
    struct err *err);
/* member_create() in the caller's transaction (which it may leave
 * half done on failure: roll it back). */
int member_create_in(struct service *svc, struct store *st,
    const struct member_input *in, bool match, struct member *out,
    struct err *err);
/* Whether m left (removed, reason left) and may join again. */
bool member_can_rejoin(const struct member *m);
/* A member who left joins again by the sign-up join_id (docs/joining.md,
 * "Joining again"), in the caller's transaction (roll it back on
 * failure): in replaces their name, place, phone and channel; they are
 * active, reachable and subscribed again, matched as a new member,
 * invited when remote (withdrawn invitations come back), welcomed and
 * given a first-contact task (outreach_rejoined()).  *out: the member
 * as stored.  ERR_CONFLICT naming "email" when old (read in this
 * transaction) is not one who left, or the address was removed as a
 * prank. */
int member_rejoin_in(struct service *svc, struct store *st,
    const struct member *old, const struct member_input *in,
    int64_t join_id, struct member *out, struct err *err);
/* Whether in would make a valid member (the field named in err). */
int member_check(struct service *svc, const struct member_input *in,
    struct err *err);
int member_get(struct store *st, int64_t id, struct member *out,
    struct err *err);
/* Whether a CSV row was imported before (docs/operations.md,
 * "Importing"): 0 when no member has in's e-mail address (or in is not
 * valid), 1 when one does with the same name, place, phone and channel,
 * 2 when one does with other data; *id is the member found.  -1 with
 * *err. */
int member_stored(struct service *svc, struct store *st,
    const struct member_input *in, int64_t *id, struct err *err);

/* Calls fn for each member of the page, in id order. */
int member_list(struct store *st, const struct member_filter *f,
    int (*fn)(const struct member *m, void *arg), void *arg,
    struct err *err);

/* Assigns every member without a club, in one transaction. */
int member_match_all(struct service *svc, struct store *st,
    struct match_counts *counts,
    void (*progress)(size_t done, size_t total, void *arg), void *arg,
    struct err *err);

/* The member an "unsub" link token names; ERR_NOT_FOUND when it is not
 * genuine.  With unsubscribe, also marks them unsubscribed and drops
 * their pending mail, in one transaction. */
int member_by_unsubscribe_link(struct service *svc, struct store *st,
    const char *token, bool unsubscribe, struct member *out,
    struct err *err);

#endif
