/*
 * store_tokens.c - the admin's view of secretary tokens (store.h): mint
 * with an expiry and a label, list, revoke (docs/api.md, "Tokens").
 * Only the SHA-256 of a token is stored; the list never shows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_int.h"
#include "xalloc.h"

static const char SQL_TOKEN_ADD[] =
    "INSERT INTO tokens (hash, club_id, created_at, expires_at, label)"
    " VALUES (?, ?, ?, ?, ?)";
static const char SQL_TOKEN_LIST[] =
    "SELECT id, club_id, created_at, coalesce(expires_at, 0), revoked,"
    " label FROM tokens WHERE club_id = ? AND id > ? ORDER BY id LIMIT ?";
static const char SQL_TOKEN_REVOKE[] =
    "UPDATE tokens SET revoked = 1 WHERE id = ?";
static const char SQL_TOKEN_GET[] =
    "SELECT id, club_id, created_at, coalesce(expires_at, 0), revoked,"
    " label FROM tokens WHERE id = ?";

int
store_token_add(struct store *s, const char *hash, int64_t club_id,
    time_t expires_at, const char *label, int64_t *id, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_TOKEN_ADD, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, club_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (expires_at > 0)
		sqlite3_bind_int64(st, 4, (sqlite3_int64)expires_at);
	else
		sqlite3_bind_null(st, 4);
	sq_text(st, 5, label ? label : "");
	if (sq_done(s, st, err, "cannot store token") < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static void
token_from_row(sqlite3_stmt *st, void *out)
{
	struct token_info *t = out;

	t->id = sqlite3_column_int64(st, 0);
	t->club_id = sqlite3_column_int64(st, 1);
	t->created_at = (time_t)sqlite3_column_int64(st, 2);
	t->expires_at = (time_t)sqlite3_column_int64(st, 3);
	t->revoked = sqlite3_column_int(st, 4) != 0;
	sq_col(st, 5, t->label, sizeof(t->label));
}

struct token_vec {
	struct token_info *v;
	size_t n, cap;
};

static int
token_collect(sqlite3_stmt *st, void *ctx)
{
	struct token_vec *tv = ctx;

	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? 2 * tv->cap : 16;
		tv->v = xreallocarray(tv->v, tv->cap, sizeof(*tv->v));
	}
	token_from_row(st, &tv->v[tv->n++]);
	return 0;
}

int
store_token_list(struct store *s, int64_t club_id, int64_t after, int limit,
    struct token_info **out, size_t *n, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_TOKEN_LIST, err);
	struct token_vec tv = { NULL, 0, 0 };

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, club_id);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	if (sq_walk(s, st, token_collect, &tv, "cannot list tokens",
	    err) < 0) {
		free(tv.v);
		return -1;
	}
	*out = tv.v;
	*n = tv.n;
	return 0;
}

int
store_token_get(struct store *s, int64_t id, struct token_info *out,
    struct err *err)
{
	return sq_one_id(s, SQL_TOKEN_GET, id, token_from_row, out, "token",
	    err);
}

int
store_token_revoke(struct store *s, int64_t id, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_TOKEN_REVOKE, err);
	int changed;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	changed = sq_changes(s, st, err, "cannot revoke token");
	if (changed < 0)
		return -1;
	if (changed == 0)
		return err_set(err, ERR_NOT_FOUND, "no token with id %lld",
		    (long long)id);
	return 0;
}
