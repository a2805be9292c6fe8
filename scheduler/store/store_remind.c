/*
 * store_remind.c - what reminders and follow-ups read (store.h), on
 * SQLite (docs/email.md, "Reminders").
 *
 * The topping-up of reminders keeps its progress in meta rows, so that
 * an idle tick reads three small values and nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

static const char SQL_META_GET[] =
    "SELECT value FROM meta WHERE key = ?";
static const char SQL_META_PUT[] =
    "INSERT INTO meta(key, value) VALUES (?1, ?2)"
    " ON CONFLICT(key) DO UPDATE SET value = ?2";
static const char SQL_INV_MAX[] =
    "SELECT coalesce(max(id), 0) FROM invitations";
/* invitations' primary key gives the new ones; each meeting once. */
static const char SQL_MEETINGS_SINCE[] =
    "SELECT id, sequence FROM meetings WHERE NOT cancelled AND id IN"
    " (SELECT meeting_id FROM invitations WHERE id > ?) ORDER BY id";
/* The invited members who may get a reminder now; the builder checks
 * again at send time. */
static const char SQL_INVITEES[] =
    "SELECT i.id, i.member_id, i.invited_at, m.email, m.timezone"
    " FROM invitations i JOIN members m ON m.id = i.member_id"
    " WHERE i.meeting_id = ?1 AND i.id > ?2 AND i.removed = 0"
    " AND m.status = 'active' AND m.email_status != 'bouncing'"
    " AND m.unsubscribed = 0 ORDER BY i.id";

int64_t
store_remind_meta(struct store *s, const char *key, int64_t absent)
{
	struct err err;
	sqlite3_stmt *st = sq_cached(s, SQL_META_GET, &err);
	int64_t v = absent;

	if (st == NULL)
		return absent;
	sq_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
store_remind_meta_put(struct store *s, const char *key, int64_t value,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_META_PUT, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, key);
	sqlite3_bind_int64(st, 2, value);
	return sq_done(s, st, err, "cannot keep the reminder state");
}

int64_t
store_invitation_max_id(struct store *s)
{
	struct err err;
	sqlite3_stmt *st = sq_cached(s, SQL_INV_MAX, &err);

	return st ? sq_int(s, st, &err, "cannot count invitations") : -1;
}

struct meeting_walk {
	int (*fn)(int64_t meeting_id, int sequence, void *arg);
	void *arg;
};

static int
meeting_row(sqlite3_stmt *st, void *ctx)
{
	struct meeting_walk *w = ctx;

	return w->fn(sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
	    w->arg);
}

int
store_remind_meetings_since(struct store *s, int64_t after_invitation,
    int (*fn)(int64_t meeting_id, int sequence, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_MEETINGS_SINCE, err);
	struct meeting_walk w = { fn, arg };

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after_invitation);
	return sq_walk(s, st, meeting_row, &w, "cannot list invited meetings",
	    err) < 0 ? -1 : 0;
}

struct invitee_walk {
	int (*fn)(const struct remind_invitee *v, void *arg);
	void *arg;
};

static int
invitee_row(sqlite3_stmt *st, void *ctx)
{
	struct invitee_walk *w = ctx;
	struct remind_invitee v;

	memset(&v, 0, sizeof(v));
	v.invitation_id = sqlite3_column_int64(st, 0);
	v.member_id = sqlite3_column_int64(st, 1);
	v.invited_at = (time_t)sqlite3_column_int64(st, 2);
	sq_col(st, 3, v.email, sizeof(v.email));
	sq_col(st, 4, v.timezone, sizeof(v.timezone));
	return w->fn(&v, w->arg);
}

int
store_remind_invitees(struct store *s, int64_t meeting_id,
    int64_t after_invitation, int (*fn)(const struct remind_invitee *v,
    void *arg), void *arg, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_INVITEES, err);
	struct invitee_walk w = { fn, arg };

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, meeting_id);
	sqlite3_bind_int64(st, 2, after_invitation);
	return sq_walk(s, st, invitee_row, &w, "cannot list the invited "
	    "members", err) < 0 ? -1 : 0;
}
