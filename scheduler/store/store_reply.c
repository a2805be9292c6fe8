/*
 * store_reply.c - the messages the intake took (store.h), on SQLite
 * (docs/email.md, "Replies").
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_int.h"

static const char SQL_REPLY_INSERT[] =
    "INSERT OR IGNORE INTO replies (message_id, kind, outcome,"
    " invitation_id, member_id, club_id, from_addr, subject, body,"
    " received_at) VALUES (?,?,?,?,?,?,?,?,?,?)";
static const char SQL_REPLY_OUTCOME[] =
    "UPDATE replies SET outcome = ?2, invitation_id = ?3, member_id = ?4,"
    " club_id = ?5 WHERE id = ?1";
static const char SQL_REPLY_GET[] =
    "SELECT id, message_id, kind, outcome, coalesce(invitation_id, 0),"
    " coalesce(member_id, 0), coalesce(club_id, 0), from_addr, subject,"
    " body, received_at FROM replies WHERE id = ?";
static const char SQL_COMMENT[] =
    "UPDATE invitations SET comment = ? WHERE id = ?";
static const char SQL_COMMENT_OCC[] =
    "INSERT INTO answers (invitation_id, date, comment) VALUES (?2, ?3, ?1)"
    " ON CONFLICT (invitation_id, date) DO UPDATE SET comment = ?1";
static const char SQL_BOUNCED[] =
    "UPDATE outbox SET status = 'failed', last_error = ?1 WHERE id = ?2";
static const char SQL_KINDS[] =
    "SELECT kind, count(*) FROM replies GROUP BY kind";

int
store_reply_insert(struct store *s, struct reply_row *r, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_REPLY_INSERT, err);
	int changed;

	if (st == NULL)
		return -1;
	if (r->received_at == 0)
		r->received_at = time(NULL);
	sq_text(st, 1, r->message_id);
	sq_text(st, 2, r->kind);
	sq_text(st, 3, r->outcome);
	sq_id(st, 4, r->invitation_id);
	sq_id(st, 5, r->member_id);
	sq_id(st, 6, r->club_id);
	sq_text(st, 7, r->from_addr);
	sq_text(st, 8, r->subject);
	sq_text(st, 9, r->body ? r->body : "");
	sqlite3_bind_int64(st, 10, (sqlite3_int64)r->received_at);
	changed = sq_changes(s, st, err, "cannot record the reply");
	if (changed <= 0)
		return changed;
	r->id = sqlite3_last_insert_rowid(s->db);
	return 1;
}

int
store_reply_outcome(struct store *s, const struct reply_row *r,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_REPLY_OUTCOME, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sq_text(st, 2, r->outcome);
	sq_id(st, 3, r->invitation_id);
	sq_id(st, 4, r->member_id);
	sq_id(st, 5, r->club_id);
	return sq_done(s, st, err, "cannot record the reply");
}

static void
reply_from_row(sqlite3_stmt *st, void *out)
{
	struct reply_row *r = out;
	const unsigned char *body;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	sq_col(st, 1, r->message_id_buf, sizeof(r->message_id_buf));
	sq_col(st, 2, r->kind_buf, sizeof(r->kind_buf));
	sq_col(st, 3, r->outcome_buf, sizeof(r->outcome_buf));
	r->invitation_id = sqlite3_column_int64(st, 4);
	r->member_id = sqlite3_column_int64(st, 5);
	r->club_id = sqlite3_column_int64(st, 6);
	sq_col(st, 7, r->from_buf, sizeof(r->from_buf));
	sq_col(st, 8, r->subject_buf, sizeof(r->subject_buf));
	body = sqlite3_column_text(st, 9);
	snprintf(r->body_buf, sizeof(r->body_buf), "%s",
	    body ? (const char *)body : "");
	r->received_at = (time_t)sqlite3_column_int64(st, 10);
	r->message_id = r->message_id_buf;
	r->kind = r->kind_buf;
	r->outcome = r->outcome_buf;
	r->from_addr = r->from_buf;
	r->subject = r->subject_buf;
	r->body = r->body_buf;
}

int
store_reply_get(struct store *s, int64_t id, struct reply_row *out,
    struct err *err)
{
	return sq_one_id(s, SQL_REPLY_GET, id, reply_from_row, out, "reply",
	    err);
}

int
store_invitation_comment(struct store *s, int64_t id, const char *date,
    const char *comment, struct err *err)
{
	bool occ = date && date[0];
	sqlite3_stmt *st = sq_cached(s, occ ? SQL_COMMENT_OCC : SQL_COMMENT,
	    err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, comment);
	sqlite3_bind_int64(st, 2, id);
	if (occ)
		sq_text(st, 3, date);
	return sq_done(s, st, err, "cannot record the comment");
}

int
store_outbox_bounced(struct store *s, int64_t id, const char *why,
    struct err *err)
{
	return sq_set_text(s, SQL_BOUNCED, id, why, err,
	    "cannot mark the bounce");
}

struct kind_visit {
	int (*fn)(const char *kind, int64_t n, void *arg);
	void *arg;
};

static int
kind_visit(sqlite3_stmt *st, void *ctx)
{
	struct kind_visit *v = ctx;

	return v->fn((const char *)sqlite3_column_text(st, 0),
	    sqlite3_column_int64(st, 1), v->arg) != 0;
}

int
store_reply_kinds(struct store *s,
    int (*fn)(const char *kind, int64_t n, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_KINDS, err);
	struct kind_visit v = { fn, arg };

	if (st == NULL)
		return -1;
	return sq_walk(s, st, kind_visit, &v, "cannot count replies", err);
}
