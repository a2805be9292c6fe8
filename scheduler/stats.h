/*
 * stats.h - the organizer's overview (docs/admin.md, CONTRACT §13): how
 * many members by mode and status, clubs, first contacts, invitation
 * mails, answers and attendance.
 *
 * The counts agree with the lists behind them (GET /api/v1/members with
 * its filters, /api/v1/contacts, /api/v1/outbox): members by mode leave
 * removed members out; invitations are outbox rows of kind invitation,
 * pending including the one being sent; answers are the series answers
 * of invitations not withdrawn.
 */
#ifndef CLUBMATCH_STATS_H
#define CLUBMATCH_STATS_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "service.h"

struct store;

struct stats {
	struct {
		int64_t local, remote, unassigned, removed, do_not_contact,
		    bouncing;
	} members;
	struct {
		int64_t active, accepts_remote;
	} clubs;
	struct {
		int64_t open, overdue, done;	/* open: not yet overdue */
	} contacts;
	struct {
		int64_t sent, failed, pending;
	} invitations;
	struct {
		int64_t accepted, declined, tentative, needs_action;
	} answers;
	int64_t attended;		/* occurrences someone came to */
};

/* The map of clubs (marks sized by activity) and members (dots at their
 * ZIP centroid by mode; with lines, from remote members to their club)
 * as SVG into out (docs/admin.md, "The map"). */
int stats_map_svg(struct service *svc, struct store *st, bool lines,
    struct buf *out, struct err *err);

/* The counts as of now (one read transaction). */
int stats_read(struct store *st, time_t now, struct stats *out,
    struct err *err);

#endif
