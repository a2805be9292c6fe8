/*
 * store_join.c - sign-ups waiting for their confirmation (store.h), on
 * SQLite (docs/joining.md).  Only the SHA-256 of a join's link token is
 * kept.
 */
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

static const char SQL_JOIN_INSERT[] =
    "INSERT INTO joins (token_hash, email, name, zip, state, phone,"
    " preferred_channel, created_at, expires_at)"
    " VALUES ('new:' || hex(randomblob(16)), ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_JOIN_SET_HASH[] =
    "UPDATE joins SET token_hash = ? WHERE id = ?";
static const char SQL_JOIN_GET[] =
    "SELECT id, token_hash, email, name, zip, state, phone,"
    " preferred_channel, created_at, expires_at, coalesce(used_at, 0),"
    " coalesce(member_id, 0) FROM joins WHERE id = ?";
static const char SQL_JOIN_PENDING[] =
    "SELECT count(*) FROM joins WHERE email = ? AND created_at > ?"
    " AND used_at IS NULL";
static const char SQL_JOIN_USE[] =
    "UPDATE joins SET used_at = ?, member_id = ?"
    " WHERE id = ? AND used_at IS NULL";

int
store_join_insert(struct store *s, struct join *j, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_JOIN_INSERT, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, j->email);
	sq_text(st, 2, j->name);
	sq_text(st, 3, j->zip);
	sq_text(st, 4, j->state);
	sq_text(st, 5, j->phone);
	sq_text(st, 6, j->preferred_channel);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)j->created_at);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)j->expires_at);
	if (sq_done(s, st, err, "cannot store the sign-up") < 0)
		return -1;
	j->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_join_set_hash(struct store *s, int64_t id, const char *hash,
    struct err *err)
{
	return sq_set_text(s, SQL_JOIN_SET_HASH, id, hash, err,
	    "cannot store the sign-up's token");
}

static void
join_fill(sqlite3_stmt *st, void *out)
{
	struct join *j = out;

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(st, 0);
	sq_col(st, 1, j->token_hash, sizeof(j->token_hash));
	sq_col(st, 2, j->email, sizeof(j->email));
	sq_col(st, 3, j->name, sizeof(j->name));
	sq_col(st, 4, j->zip, sizeof(j->zip));
	sq_col(st, 5, j->state, sizeof(j->state));
	sq_col(st, 6, j->phone, sizeof(j->phone));
	sq_col(st, 7, j->preferred_channel, sizeof(j->preferred_channel));
	j->created_at = (time_t)sqlite3_column_int64(st, 8);
	j->expires_at = (time_t)sqlite3_column_int64(st, 9);
	j->used_at = (time_t)sqlite3_column_int64(st, 10);
	j->member_id = sqlite3_column_int64(st, 11);
}

int
store_join_get(struct store *s, int64_t id, struct join *out,
    struct err *err)
{
	return sq_one_id(s, SQL_JOIN_GET, id, join_fill, out, "sign-up", err);
}

int64_t
store_join_pending(struct store *s, const char *email, time_t since,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_JOIN_PENDING, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, email);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	return sq_int(s, st, err, "cannot count sign-ups");
}

int
store_join_use(struct store *s, int64_t id, int64_t member_id, time_t now,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_JOIN_USE, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int64(st, 3, id);
	return sq_changes(s, st, err, "cannot mark the sign-up used");
}

static const char SQL_JOIN_SET_MEMBER[] =
    "UPDATE joins SET member_id = ? WHERE id = ?";

int
store_join_set_member(struct store *s, int64_t id, int64_t member_id,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_JOIN_SET_MEMBER, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	sqlite3_bind_int64(st, 2, id);
	return sq_done(s, st, err, "cannot mark the sign-up's member");
}
