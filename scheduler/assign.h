/*
 * assign.h - running the matching policy (match.h) over members in the
 * store: one new member, every member without a club, or the members of
 * a club that closed (docs/matching.md).
 *
 * Every call runs inside the caller's write transaction, so that the
 * remote places it hands out are counted against what the transaction
 * sees, and a failure leaves no member half-assigned.  A member assigned
 * as remote is invited to the club's upcoming meetings in the same
 * transaction (invite.h).
 */
#ifndef CLUBMATCH_ASSIGN_H
#define CLUBMATCH_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "service.h"

struct match_counts {
	long assigned;		/* local + remote */
	long local;
	long remote;
	long unassigned;
};

/* Fills m->assignment for a member at m->place that is not stored yet,
 * checking remote room in the store. */
int assign_new_member(struct service *svc, struct store *st,
    struct member *m, struct err *err);

/* Assigns every member without a club (never matched, or left
 * unassigned) in one pass, and writes each assignment.  progress (may be
 * NULL) is called now and then with done/total. */
int assign_unmatched(struct service *svc, struct store *st,
    struct match_counts *counts,
    void (*progress)(size_t done, size_t total, void *arg), void *arg,
    struct err *err);

/* The club club_id has just been deactivated: withdraws its members'
 * invitations (a CANCEL for each one sent) and assigns them anew. */
/* Member member_id moved to place p: writes it, re-matches them, and
 * when their club changes withdraws the old club's invitations (CANCEL,
 * remote place freed), invites them to the new one and welcomes them
 * (docs/outreach.md, "Re-matching").  In the caller's transaction. */
int assign_rematch(struct service *svc, struct store *st, int64_t member_id,
    const struct place *p, struct err *err);

int assign_rehome_club(struct service *svc, struct store *st,
    int64_t club_id, struct err *err);

#endif
