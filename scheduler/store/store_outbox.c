/*
 * store_outbox.c - invitations, answers and the outbox (store.h), on
 * SQLite.  One outbox carries every kind of mail; a row's dedup key is
 * UNIQUE, so queueing the same message twice is impossible
 * (docs/email.md, "The outbox").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_int.h"

/* Who may be mailed at all: the same condition everywhere it is asked. */
#define MAILABLE(m) " " m ".status = 'active' AND " m ".email_status = 'ok'" \
	" AND NOT " m ".unsubscribed"

/* New invitations get their reply tag here: 104 random bits as hex. */
#define NEW_TAG "lower(hex(randomblob(13)))"

static const char SQL_INVITE_CLUB[] =
    "INSERT OR IGNORE INTO invitations (meeting_id, member_id, invited_at,"
    " tag) SELECT ?1, m.id, ?2, " NEW_TAG " FROM members m"
    " WHERE m.club_id = ?3 AND m.mode = 'remote' AND" MAILABLE("m");
static const char SQL_INVITE_ONE[] =
    "INSERT OR IGNORE INTO invitations (meeting_id, member_id, invited_at,"
    " tag) VALUES (?, ?, ?, " NEW_TAG ")";
static const char SQL_SUPERSEDE[] =
    "DELETE FROM outbox WHERE status = 'pending' AND kind = 'invitation'"
    " AND invitation_id IN (SELECT id FROM invitations"
    "  WHERE meeting_id = ?1) AND (?2 = '*' OR occurrence = ?2)";
/* The dedup of an invitation message: its invitation, SEQUENCE, METHOD
 * and occurrence, as the UNIQUE constraint of schema v3 was. */
#define INV_DEDUP(i) "'inv:' || " i " || ':' || ?2 || ':' || ?3 || ':' || ?4"
static const char SQL_QUEUE_MEETING[] =
    "INSERT OR IGNORE INTO outbox (kind, dedup, invitation_id, member_id,"
    " club_id, sequence, method, occurrence, next_attempt_at, created_at,"
    " to_addr) SELECT 'invitation', " INV_DEDUP("i.id") ", i.id, m.id,"
    " ?6, ?2, ?3, ?4, ?7, ?5, m.email"
    " FROM invitations i JOIN members m ON m.id = i.member_id"
    " WHERE i.meeting_id = ?1 AND NOT i.removed AND m.club_id = ?6"
    " AND m.mode = 'remote' AND" MAILABLE("m");
static const char SQL_QUEUE_ONE[] =
    "INSERT OR IGNORE INTO outbox (kind, dedup, invitation_id, member_id,"
    " club_id, sequence, method, occurrence, next_attempt_at, created_at,"
    " to_addr) SELECT 'invitation', " INV_DEDUP("i.id") ", i.id, m.id,"
    " g.club_id, ?2, ?3, ?4, ?5, ?5, m.email"
    " FROM invitations i JOIN members m ON m.id = i.member_id"
    " JOIN meetings g ON g.id = i.meeting_id"
    " WHERE i.meeting_id = ?1 AND i.member_id = ?6 AND" MAILABLE("m");

int
store_outbox_queue_meeting(struct store *s, const struct outbox_key *k,
    int64_t club_id, bool invite_new, const char *supersede,
    struct err *err)
{
	sqlite3_stmt *st;
	sqlite3_int64 now = (sqlite3_int64)time(NULL);

	if (invite_new) {
		if ((st = sq_cached(s, SQL_INVITE_CLUB, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, k->meeting_id);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int64(st, 3, club_id);
		if (sq_done(s, st, err, "cannot record invitations") < 0)
			return -1;
	}
	if (supersede) {
		if ((st = sq_cached(s, SQL_SUPERSEDE, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, k->meeting_id);
		sq_text(st, 2, supersede);
		if (sq_done(s, st, err, "cannot supersede messages") < 0)
			return -1;
	}
	if ((st = sq_cached(s, SQL_QUEUE_MEETING, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->meeting_id);
	sqlite3_bind_int(st, 2, k->sequence);
	sq_text(st, 3, k->method);
	sq_text(st, 4, k->occurrence);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, club_id);
	sqlite3_bind_int64(st, 7, k->not_before > now ?
	    (sqlite3_int64)k->not_before : now);
	return sq_changes(s, st, err, "cannot queue messages");
}

int
store_outbox_queue_member(struct store *s, const struct outbox_key *k,
    int64_t member_id, struct err *err)
{
	sqlite3_stmt *st;
	sqlite3_int64 now = (sqlite3_int64)time(NULL);

	if ((st = sq_cached(s, SQL_INVITE_ONE, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->meeting_id);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int64(st, 3, now);
	if (sq_done(s, st, err, "cannot record invitation") < 0)
		return -1;
	if ((st = sq_cached(s, SQL_QUEUE_ONE, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->meeting_id);
	sqlite3_bind_int(st, 2, k->sequence);
	sq_text(st, 3, k->method);
	sq_text(st, 4, k->occurrence);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, member_id);
	return sq_done(s, st, err, "cannot queue message");
}

/* ==== invited again ===================================================== */
/* A withdrawn invitation of ?2 to meeting ?1, and the SEQUENCE that is
 * news to the member's calendar: past the meeting's and past every
 * message the invitation was ever queued, the withdrawal's CANCEL
 * (SEQUENCE + 1) included. */
static const char SQL_REVIVE_FIND[] =
    "SELECT i.id, max(g.sequence, coalesce((SELECT max(o.sequence)"
    "  FROM outbox o WHERE o.invitation_id = i.id), 0)) + 1"
    " FROM invitations i JOIN meetings g ON g.id = i.meeting_id"
    " WHERE i.meeting_id = ?1 AND i.member_id = ?2 AND i.removed";
/* The steps, with ?1 the invitation, ?2 the meeting, ?3 the new
 * SEQUENCE, ?4 now and ?5 the first occurrence date whose answer goes.
 *
 * SEQUENCE is one counter per UID (docs/calendar.md): the meeting takes
 * the new value for everyone, and so do its moved occurrences, each of
 * which is sent to the member again. */
static const char SQL_REVIVE_MEETING[] =
    "UPDATE meetings SET sequence = ?3, updated_at = ?4 WHERE id = ?2";
static const char SQL_REVIVE_OCC[] =
    "UPDATE occurrences SET sequence = ?3 WHERE meeting_id = ?2"
    " AND NOT cancelled";
/* The calendar took the CANCEL: the answers given before it are gone
 * there, so they go here too (attendance is history and stays). */
static const char SQL_REVIVE_INVITATION[] =
    "UPDATE invitations SET removed = 0, invited_at = ?4,"
    " rsvp = 'needs-action', responded_at = NULL, rsvp_via = '',"
    " comment = '', reply_sequence = -1, reply_stamp = 0 WHERE id = ?1";
static const char SQL_REVIVE_ANSWERS[] =
    "UPDATE answers SET rsvp = NULL, rsvp_via = '', comment = '',"
    " reply_sequence = -1, reply_stamp = 0, responded_at = NULL"
    " WHERE invitation_id = ?1 AND date >= ?5";
/* A withdrawal's CANCEL still waiting would, sent after the new
 * REQUEST, take the meeting away again. */
static const char SQL_REVIVE_DROP[] =
    "UPDATE outbox SET status = 'dropped', last_error = 'not sent: the"
    " member was invited again' WHERE invitation_id = ?1"
    " AND kind = 'invitation' AND status = 'pending'";
/* Reminders dropped at the withdrawal were never sent: forgotten, so
 * that the top-up (the meeting's SEQUENCE moved) queues them again. */
static const char SQL_REVIVE_REMINDERS[] =
    "DELETE FROM outbox WHERE invitation_id = ?1 AND status = 'dropped'"
    " AND kind IN ('reminder', 'followup')";

int
store_invitation_revive(struct store *s, int64_t meeting_id,
    int64_t member_id, int *sequence, struct err *err)
{
	static const char *const steps[] = { SQL_REVIVE_MEETING,
		SQL_REVIVE_OCC, SQL_REVIVE_INVITATION, SQL_REVIVE_ANSWERS,
		SQL_REVIVE_DROP, SQL_REVIVE_REMINDERS };
	sqlite3_stmt *st = sq_cached(s, SQL_REVIVE_FIND, err);
	time_t now = time(NULL), day;
	int64_t inv, seq;
	char since[16];
	struct tm tm;
	size_t i;
	int rc, n;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, meeting_id);
	sqlite3_bind_int64(st, 2, member_id);
	rc = sqlite3_step(st);
	inv = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(s, err, "cannot read invitations");
	if (inv == 0)
		return 0;
	/* Occurrence dates are the meeting's local dates: from yesterday
	 * in UTC on, every zone's today is covered. */
	day = now - 24 * 3600;
	gmtime_r(&day, &tm);
	strftime(since, sizeof(since), "%Y-%m-%d", &tm);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((st = sq_cached(s, steps[i], err)) == NULL)
			return -1;
		/* Each step names only the parameters it needs. */
		n = sqlite3_bind_parameter_count(st);
		sqlite3_bind_int64(st, 1, inv);
		if (n >= 2)
			sqlite3_bind_int64(st, 2, meeting_id);
		if (n >= 3)
			sqlite3_bind_int64(st, 3, seq);
		if (n >= 4)
			sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
		if (n >= 5)
			sq_text(st, 5, since);
		if (sq_done(s, st, err, "cannot invite again") < 0)
			return -1;
	}
	*sequence = (int)seq;
	return 1;
}

/* ==== invitations and answers ========================================== */
#define INVITATION_COLS "id, meeting_id, member_id, rsvp, invited_at," \
	" responded_at, rsvp_via, comment, reply_sequence, reply_stamp," \
	" removed, tag"
static const char SQL_INVITATION_GET[] =
    "SELECT " INVITATION_COLS " FROM invitations WHERE id = ?";
static const char SQL_INVITATION_TAG[] =
    "SELECT " INVITATION_COLS " FROM invitations WHERE tag = ?";
static const char SQL_INVITATION_UID[] =
    "SELECT i.id, i.meeting_id, i.member_id, i.rsvp, i.invited_at,"
    " i.responded_at, i.rsvp_via, i.comment, i.reply_sequence,"
    " i.reply_stamp, i.removed, i.tag FROM invitations i"
    " JOIN meetings g ON g.id = i.meeting_id"
    " WHERE i.member_id = ? AND g.uid = ?";
/* An occurrence's answer, read as an invitation (its own columns). */
static const char SQL_ANSWER_GET[] =
    "SELECT i.id, i.meeting_id, i.member_id, coalesce(a.rsvp, i.rsvp),"
    " i.invited_at, a.responded_at, a.rsvp_via, a.comment,"
    " a.reply_sequence, a.reply_stamp, i.removed, i.tag"
    " FROM answers a JOIN invitations i ON i.id = a.invitation_id"
    " WHERE a.invitation_id = ? AND a.date = ?";
static const char SQL_ANSWER_SERIES[] =
    "UPDATE invitations SET rsvp = ?1, responded_at = ?2, rsvp_via = ?3,"
    " comment = coalesce(?4, comment), reply_sequence = ?5,"
    " reply_stamp = ?6 WHERE id = ?7";
static const char SQL_ANSWER_OCC[] =
    "INSERT INTO answers (invitation_id, date, rsvp, rsvp_via, comment,"
    " reply_sequence, reply_stamp, responded_at)"
    " VALUES (?7, ?8, ?1, ?3, coalesce(?4, ''), ?5, ?6, ?2)"
    " ON CONFLICT (invitation_id, date) DO UPDATE SET rsvp = ?1,"
    " responded_at = ?2, rsvp_via = ?3, comment = coalesce(?4, comment),"
    " reply_sequence = ?5, reply_stamp = ?6";
static const char SQL_ATTENDED[] =
    "INSERT INTO answers (invitation_id, date, attended) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (invitation_id, date) DO UPDATE SET attended = ?3";

static void
invitation_from_row(sqlite3_stmt *st, void *out)
{
	struct invitation *i = out;

	memset(i, 0, sizeof(*i));
	i->id = sqlite3_column_int64(st, 0);
	i->meeting_id = sqlite3_column_int64(st, 1);
	i->member_id = sqlite3_column_int64(st, 2);
	sq_col(st, 3, i->rsvp, sizeof(i->rsvp));
	i->invited_at = (time_t)sqlite3_column_int64(st, 4);
	i->responded_at = (time_t)sqlite3_column_int64(st, 5);
	sq_col(st, 6, i->rsvp_via, sizeof(i->rsvp_via));
	sq_col(st, 7, i->comment, sizeof(i->comment));
	i->reply_sequence = sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 8);
	i->reply_stamp = (time_t)sqlite3_column_int64(st, 9);
	i->removed = sqlite3_column_int(st, 10) != 0;
	sq_col(st, 11, i->tag, sizeof(i->tag));
}

/* The row of sql, whose ?1 is an id and ?2 a text, as an invitation. */
static int
invitation_one(struct store *s, const char *sql, int64_t id,
    const char *text, const char *what, struct invitation *out,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sq_text(st, 2, text);
	return sq_one(s, st, invitation_from_row, out, what, err);
}

int
store_invitation_get(struct store *s, int64_t id, struct invitation *out,
    struct err *err)
{
	return sq_one_id(s, SQL_INVITATION_GET, id, invitation_from_row, out,
	    "invitation", err);
}

int
store_invitation_by_tag(struct store *s, const char *tag,
    struct invitation *out, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_INVITATION_TAG, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, tag);
	return sq_one(s, st, invitation_from_row, out, "invitation", err);
}

int
store_invitation_by_uid(struct store *s, int64_t member_id, const char *uid,
    struct invitation *out, struct err *err)
{
	return invitation_one(s, SQL_INVITATION_UID, member_id, uid,
	    "invitation", out, err);
}

int
store_answer_get(struct store *s, int64_t invitation_id, const char *date,
    struct invitation *out, struct err *err)
{
	return invitation_one(s, SQL_ANSWER_GET, invitation_id, date, "answer",
	    out, err);
}

int
store_invitation_answer(struct store *s, int64_t id, const char *date,
    const struct answer *a, struct err *err)
{
	bool occ = date && date[0];
	sqlite3_stmt *st = sq_cached(s, occ ? SQL_ANSWER_OCC :
	    SQL_ANSWER_SERIES, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, a->rsvp);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	sq_text(st, 3, a->via);
	sq_text(st, 4, a->comment);
	sqlite3_bind_int(st, 5, a->reply_sequence);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)a->reply_stamp);
	sqlite3_bind_int64(st, 7, id);
	if (occ)
		sq_text(st, 8, date);
	return sq_done(s, st, err, "cannot record the answer");
}

int
store_answer_attended(struct store *s, int64_t invitation_id,
    const char *date, int attended, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_ATTENDED, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, invitation_id);
	sq_text(st, 2, date);
	if (attended >= 0)
		sqlite3_bind_int(st, 3, attended);
	return sq_done(s, st, err, "cannot record attendance");
}

/* ==== attendees ========================================================= */
static const char SQL_ATTENDEES[] =
    "SELECT m.name, m.email, m.city, m.state, m.distance_miles, m.mode,"
    " coalesce(a.rsvp, i.rsvp), i.invited_at,"
    " CASE WHEN a.rsvp IS NOT NULL THEN a.responded_at"
    "  ELSE i.responded_at END,"
    " m.id, i.id, CASE WHEN a.rsvp IS NOT NULL THEN a.rsvp_via"
    "  ELSE i.rsvp_via END,"
    " CASE WHEN a.comment != '' THEN a.comment ELSE i.comment END,"
    " a.attended"
    " FROM invitations i JOIN members m ON m.id = i.member_id"
    " JOIN meetings g ON g.id = i.meeting_id"
    " LEFT JOIN answers a ON a.invitation_id = i.id AND a.date = ?2"
    " WHERE i.meeting_id = ?1 AND m.club_id = g.club_id AND NOT i.removed"
    " AND m.status != 'removed'"
    " ORDER BY m.name COLLATE NOCASE, m.id";

struct attendee_visit {
	int (*fn)(const struct attendee *a, void *arg);
	void *arg;
};

static int
attendee_visit(sqlite3_stmt *st, void *ctx)
{
	struct attendee_visit *v = ctx;
	struct attendee a;

	memset(&a, 0, sizeof(a));
	sq_col(st, 0, a.name, sizeof(a.name));
	sq_col(st, 1, a.email, sizeof(a.email));
	sq_col(st, 2, a.city, sizeof(a.city));
	sq_col(st, 3, a.state, sizeof(a.state));
	a.distance_miles = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 :
	    sqlite3_column_double(st, 4);
	a.mode = model_mode_parse((const char *)sqlite3_column_text(st, 5));
	sq_col(st, 6, a.rsvp, sizeof(a.rsvp));
	a.invited_at = (time_t)sqlite3_column_int64(st, 7);
	a.responded_at = (time_t)sqlite3_column_int64(st, 8);
	a.member_id = sqlite3_column_int64(st, 9);
	a.invitation_id = sqlite3_column_int64(st, 10);
	sq_col(st, 11, a.rsvp_via, sizeof(a.rsvp_via));
	sq_col(st, 12, a.comment, sizeof(a.comment));
	a.attended = sqlite3_column_type(st, 13) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 13) != 0;
	return v->fn(&a, v->arg) != 0;
}

int
store_attendees_each(struct store *s, int64_t meeting_id, const char *date,
    int (*fn)(const struct attendee *a, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_ATTENDEES, err);
	struct attendee_visit v = { fn, arg };

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, meeting_id);
	sq_text(st, 2, date && date[0] ? date : "");
	return sq_walk(s, st, attendee_visit, &v, "cannot list attendees",
	    err);
}

/* ==== withdrawing invitations =========================================== */
/* ?1 club, ?2 now, ?3 member (0: every member of the club). */
static const char SQL_UNINVITE_MARK[] =
    "UPDATE invitations SET removed = 1 WHERE removed = 0"
    " AND member_id IN (SELECT id FROM members WHERE (?3 = 0 AND"
    "  club_id = ?1) OR id = ?3)"
    " AND meeting_id IN (SELECT id FROM meetings WHERE club_id = ?1)";
static const char SQL_UNINVITE_DROP[] =
    "UPDATE outbox SET status = 'dropped', last_error = 'not sent: the"
    " member left the club' WHERE status = 'pending'"
    " AND invitation_id IN (SELECT i.id FROM invitations i"
    "  JOIN meetings g ON g.id = i.meeting_id"
    "  WHERE g.club_id = ?1 AND i.removed AND (?3 = 0 OR i.member_id = ?3))";
/* The CANCEL of a withdrawn invitation carries SEQUENCE + 1 of the
 * meeting; only invitations that were sent need one. */
static const char SQL_UNINVITE_QUEUE[] =
    "INSERT OR IGNORE INTO outbox (kind, dedup, invitation_id, member_id,"
    " club_id, sequence, method, occurrence, next_attempt_at, created_at,"
    " to_addr) SELECT 'invitation', 'inv:' || i.id || ':' ||"
    " (g.sequence + 1) || ':CANCEL:', i.id, m.id, g.club_id,"
    " g.sequence + 1, 'CANCEL', '', ?2, ?2, m.email"
    " FROM invitations i JOIN meetings g ON g.id = i.meeting_id"
    " JOIN members m ON m.id = i.member_id"
    " WHERE g.club_id = ?1 AND i.removed AND (?3 = 0 OR i.member_id = ?3)"
    " AND NOT g.cancelled AND NOT m.unsubscribed"
    " AND m.status != 'do_not_contact' AND m.email_status = 'ok'"
    " AND EXISTS (SELECT 1 FROM outbox o WHERE o.invitation_id = i.id"
    "  AND o.kind = 'invitation' AND o.status = 'sent')";

static int
uninvite(struct store *s, int64_t club_id, int64_t member_id,
    struct err *err)
{
	static const char *const steps[] = { SQL_UNINVITE_MARK,
		SQL_UNINVITE_DROP, SQL_UNINVITE_QUEUE };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sqlite3_stmt *st = sq_cached(s, steps[i], err);

		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, club_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
		sqlite3_bind_int64(st, 3, member_id);
		if (sq_done(s, st, err, "cannot withdraw invitations") < 0)
			return -1;
	}
	return 0;
}

int
store_uninvite_club(struct store *s, int64_t club_id, struct err *err)
{
	return uninvite(s, club_id, 0, err);
}

int
store_uninvite_member(struct store *s, int64_t member_id, int64_t club_id,
    struct err *err)
{
	return uninvite(s, club_id, member_id, err);
}

/* ==== the outbox: queueing any kind ===================================== */
static const char SQL_QUEUE[] =
    "INSERT OR IGNORE INTO outbox (kind, dedup, invitation_id, member_id,"
    " club_id, ref_id, occurrence, to_addr, next_attempt_at, send_before,"
    " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
static const char SQL_UNQUEUE[] =
    "DELETE FROM outbox WHERE dedup = ? AND status = 'pending'";
static const char SQL_DROP_MEMBER[] =
    "UPDATE outbox SET status = 'dropped', last_error = 'not sent: ' || ?2"
    " WHERE member_id = ?1 AND status = 'pending'";
static const char SQL_KIND_STATE[] =
    "SELECT coalesce(sum(status = 'pending' OR status = 'sending'), 0),"
    " coalesce(max(CASE WHEN status = 'sent' AND ref_id IS NULL"
    "  THEN sent_at END), 0)"
    " FROM outbox WHERE kind = ?1 AND club_id = ?2";
/* The same for mail to no club (the organizer's): kept apart so that the
 * club's form uses the index on (kind, club_id). */
static const char SQL_KIND_STATE_ANY[] =
    "SELECT coalesce(sum(status = 'pending' OR status = 'sending'), 0),"
    " coalesce(max(CASE WHEN status = 'sent' AND ref_id IS NULL"
    "  THEN sent_at END), 0)"
    " FROM outbox WHERE kind = ?1";

int
store_outbox_queue(struct store *s, const struct outbox_new *n,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_QUEUE, err);
	time_t now = time(NULL);
	int changed;

	if (st == NULL)
		return -1;
	sq_text(st, 1, model_kind_name(n->kind));
	sq_text(st, 2, n->dedup);
	sq_id(st, 3, n->invitation_id);
	sq_id(st, 4, n->member_id);
	sq_id(st, 5, n->club_id);
	sq_id(st, 6, n->ref_id);
	sq_text(st, 7, n->occurrence ? n->occurrence : "");
	sq_text(st, 8, n->to ? n->to : "");
	sqlite3_bind_int64(st, 9, (sqlite3_int64)(n->not_before ?
	    n->not_before : now));
	if (n->send_before)
		sqlite3_bind_int64(st, 10, (sqlite3_int64)n->send_before);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)now);
	changed = sq_changes(s, st, err, "cannot queue a message");
	return changed > 0 ? 1 : changed;
}

int
store_outbox_unqueue(struct store *s, const char *dedup, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_UNQUEUE, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, dedup);
	return sq_changes(s, st, err, "cannot unqueue a message");
}

int
store_outbox_drop_member(struct store *s, int64_t member_id,
    const char *reason, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_DROP_MEMBER, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	sq_text(st, 2, reason);
	return sq_changes(s, st, err, "cannot drop queued messages");
}

int
store_outbox_kind_state(struct store *s, enum mail_kind kind,
    int64_t club_id, bool *pending, time_t *last_sent_at, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, club_id ? SQL_KIND_STATE :
	    SQL_KIND_STATE_ANY, err);
	int rc;

	if (st == NULL)
		return -1;
	sq_text(st, 1, model_kind_name(kind));
	if (club_id)
		sqlite3_bind_int64(st, 2, club_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pending = sqlite3_column_int64(st, 0) > 0;
		*last_sent_at = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : sq_fail(s, err, "cannot read the outbox");
}

/* ==== the outbox: sending and showing ================================== */
#define OUTBOX_COLS "o.id, o.kind, o.invitation_id, i.meeting_id," \
	" o.member_id, o.club_id, o.ref_id, o.sequence, o.method," \
	" o.occurrence, o.status, o.attempts, o.next_attempt_at," \
	" o.send_before, o.last_error, o.to_addr, o.subject, o.created_at," \
	" o.sent_at, i.removed"
static const char SQL_DUE[] =
    "SELECT " OUTBOX_COLS " FROM outbox o"
    " LEFT JOIN invitations i ON i.id = o.invitation_id"
    " WHERE o.status = 'pending' AND o.next_attempt_at <= ?"
    " AND o.id % ? = ? ORDER BY o.next_attempt_at, o.id LIMIT ?";
static const char SQL_NEXT_DUE[] =
    "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'";
static const char SQL_CLAIM[] =
    "UPDATE outbox SET status = 'sending' WHERE id = ? AND"
    " status = 'pending'";
/* The member daily cap: the rows of the member a lane holds, and the
 * send at offset ?3 counting back from the most recent since ?2
 * (outbox_member_sent, schema v7). */
static const char SQL_CAP_SENDING[] =
    "SELECT count(*) FROM outbox WHERE member_id = ?1"
    " AND status = 'sending'";
static const char SQL_CAP_NTH_SENT[] =
    "SELECT sent_at FROM outbox WHERE member_id = ?1 AND status = 'sent'"
    " AND sent_at > ?2 ORDER BY sent_at DESC LIMIT 1 OFFSET ?3";
static const char SQL_CAPPED[] =
    "SELECT count(*) FROM outbox WHERE status = 'pending'"
    " AND last_error LIKE '" OUTBOX_CAP_REASON "%'";
static const char SQL_RECOVER[] =
    "UPDATE outbox SET status = 'pending' WHERE status = 'sending'";
static const char SQL_RESULT[] =
    "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?,"
    " last_error = ?, subject = ?, sent_at = ?"
    " WHERE id = ? AND status IN ('pending', 'sending')";
static const char SQL_GET[] =
    "SELECT " OUTBOX_COLS " FROM outbox o"
    " LEFT JOIN invitations i ON i.id = o.invitation_id WHERE o.id = ?";
static const char SQL_EACH[] =
    "SELECT " OUTBOX_COLS " FROM outbox o"
    " LEFT JOIN invitations i ON i.id = o.invitation_id"
    " WHERE o.id > ?1 AND (?2 IS NULL OR o.status = ?2)"
    " ORDER BY o.id LIMIT ?3";
static const char SQL_COUNTS[] =
    "SELECT status, count(*) FROM outbox WHERE (?1 IS NULL OR kind = ?1)"
    " GROUP BY status";

static void
outbox_from_row(sqlite3_stmt *st, void *out)
{
	struct outbox_row *r = out;
	char kind[24];

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	sq_col(st, 1, kind, sizeof(kind));
	r->kind = model_kind_parse(kind);
	r->invitation_id = sqlite3_column_int64(st, 2);
	r->meeting_id = sqlite3_column_int64(st, 3);
	r->member_id = sqlite3_column_int64(st, 4);
	r->club_id = sqlite3_column_int64(st, 5);
	r->ref_id = sqlite3_column_int64(st, 6);
	r->sequence = sqlite3_column_int(st, 7);
	sq_col(st, 8, r->method, sizeof(r->method));
	sq_col(st, 9, r->occurrence, sizeof(r->occurrence));
	sq_col(st, 10, r->status, sizeof(r->status));
	r->attempts = sqlite3_column_int(st, 11);
	r->next_attempt_at = (time_t)sqlite3_column_int64(st, 12);
	r->send_before = (time_t)sqlite3_column_int64(st, 13);
	sq_col(st, 14, r->last_error, sizeof(r->last_error));
	sq_col(st, 15, r->to, sizeof(r->to));
	sq_col(st, 16, r->subject, sizeof(r->subject));
	r->created_at = (time_t)sqlite3_column_int64(st, 17);
	r->sent_at = (time_t)sqlite3_column_int64(st, 18);
	r->uninvited = sqlite3_column_int(st, 19) != 0;
}

struct outbox_visit {
	int (*fn)(const struct outbox_row *r, void *arg);
	void *arg;
	struct outbox_row *rows;	/* or into an array, when fn is NULL */
	int n, limit;
};

static int
outbox_visit(sqlite3_stmt *st, void *ctx)
{
	struct outbox_visit *v = ctx;
	struct outbox_row r;

	if (v->fn == NULL) {
		outbox_from_row(st, &v->rows[v->n++]);
		return v->n == v->limit;
	}
	outbox_from_row(st, &r);
	return v->fn(&r, v->arg) != 0;
}

int
store_outbox_due(struct store *s, time_t now, int lanes, int lane, int limit,
    struct outbox_row *out, struct err *err)
{
	sqlite3_stmt *st;
	struct outbox_visit v = { NULL, NULL, out, 0, limit };

	if (limit <= 0)
		return 0;
	if ((st = sq_cached(s, SQL_DUE, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int(st, 2, lanes);
	sqlite3_bind_int(st, 3, lane);
	sqlite3_bind_int(st, 4, limit);
	return sq_walk(s, st, outbox_visit, &v, "cannot read the outbox", err);
}

time_t
store_outbox_next_due(struct store *s)
{
	sqlite3_stmt *st = sq_cached(s, SQL_NEXT_DUE, NULL);
	int64_t v;

	if (st == NULL)
		return 0;
	v = sq_int(s, st, NULL, "cannot read the outbox");
	return v > 0 ? (time_t)v : 0;
}

int
store_outbox_claim(struct store *s, int64_t id, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_CLAIM, err);
	int changed;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	changed = sq_changes(s, st, err, "cannot claim a message");
	return changed > 0 ? 1 : changed;
}

/* 1 when the member has no place left, with *free_at; 0; -1. */
static int
cap_reached(struct store *s, int64_t member_id, int cap, time_t now,
    time_t window, time_t *free_at, struct err *err)
{
	sqlite3_stmt *st;
	int64_t sending, nth;

	if ((st = sq_cached(s, SQL_CAP_SENDING, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	if ((sending = sq_int(s, st, err, "cannot read the outbox")) < 0)
		return -1;
	if (sending >= cap) {
		/* Only with cap 1 and the other lane sending to them: ask
		 * again after that send, which then counts. */
		*free_at = now + 1;
		return 1;
	}
	if ((st = sq_cached(s, SQL_CAP_NTH_SENT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(now - window));
	sqlite3_bind_int64(st, 3, cap - 1 - sending);
	if ((nth = sq_int(s, st, err, "cannot read the outbox")) < 0)
		return -1;
	if (nth == 0)
		return 0;
	*free_at = (time_t)nth + window;
	return 1;
}

int
store_outbox_claim_capped(struct store *s, int64_t id, int64_t member_id,
    int cap, time_t now, time_t window, time_t *free_at, struct err *err)
{
	int rc;

	if (cap <= 0 || member_id <= 0)
		return store_outbox_claim(s, id, err);
	if (store_begin(s, err) < 0)
		return -1;
	rc = cap_reached(s, member_id, cap, now, window, free_at, err);
	if (rc == 0)
		rc = store_outbox_claim(s, id, err);
	else if (rc == 1)
		rc = 2;
	if (rc < 0 || store_commit(s, err) < 0) {
		store_rollback(s);
		return -1;
	}
	return rc;
}

int
store_outbox_capped(struct store *s, int64_t *count, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_CAPPED, err);
	int64_t n;

	if (st == NULL)
		return -1;
	if ((n = sq_int(s, st, err, "cannot count the outbox")) < 0)
		return -1;
	*count = n;
	return 0;
}

int
store_outbox_recover(struct store *s, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_RECOVER, err);

	if (st == NULL)
		return -1;
	return sq_changes(s, st, err, "cannot recover the outbox");
}

int
store_outbox_result(struct store *s, const struct outbox_row *r,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_RESULT, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, r->status);
	sqlite3_bind_int(st, 2, r->attempts);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->next_attempt_at);
	sq_text(st, 4, r->last_error);
	sq_text(st, 5, r->subject);
	if (r->sent_at)
		sqlite3_bind_int64(st, 6, (sqlite3_int64)r->sent_at);
	sqlite3_bind_int64(st, 7, r->id);
	return sq_done(s, st, err, "cannot update the outbox");
}

int
store_outbox_get(struct store *s, int64_t id, struct outbox_row *out,
    struct err *err)
{
	return sq_one_id(s, SQL_GET, id, outbox_from_row, out, "outbox row",
	    err);
}

int
store_outbox_each(struct store *s, const char *status, int64_t after,
    int limit, int (*fn)(const struct outbox_row *r, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_EACH, err);
	struct outbox_visit v = { fn, arg, NULL, 0, 0 };

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sq_text(st, 2, status);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	return sq_walk(s, st, outbox_visit, &v, "cannot list the outbox", err);
}

struct count_visit {
	int64_t *counts;
};

static int
count_visit(sqlite3_stmt *st, void *ctx)
{
	static const char *const names[5] = { "pending", "sending", "sent",
		"failed", "dropped" };
	struct count_visit *v = ctx;
	const char *status = (const char *)sqlite3_column_text(st, 0);
	int i;

	for (i = 0; status && i < 5; i++)
		if (strcmp(status, names[i]) == 0)
			v->counts[i] = sqlite3_column_int64(st, 1);
	return 0;
}

int
store_outbox_counts(struct store *s, enum mail_kind kind, int64_t counts[5],
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_COUNTS, err);
	struct count_visit v = { counts };

	if (st == NULL)
		return -1;
	memset(counts, 0, 5 * sizeof(counts[0]));
	sq_text(st, 1, kind == KIND__COUNT ? NULL : model_kind_name(kind));
	return sq_walk(s, st, count_visit, &v, "cannot count the outbox",
	    err) < 0 ? -1 : 0;
}
