/*
 * store_outreach.c - member status and first-contact tasks (store.h),
 * on SQLite (docs/outreach.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_int.h"
#include "xalloc.h"

/* ==== member status ===================================================== */
static const char SQL_UNSUBSCRIBE[] =
    "UPDATE members SET unsubscribed = 1 WHERE id = ?";
static const char SQL_MEMBER_UPDATE[] =
    "UPDATE members SET name = ?, email = ?, zip = ?, city = ?, state = ?,"
    " timezone = ?, lat = ?, lon = ?, phone = ?, preferred_channel = ?"
    " WHERE id = ?";
/* A removed member leaves their club, which frees a remote place (the
 * members_upd trigger keeps clubs.remote_members). */
static const char SQL_SET_STATUS[] =
    "UPDATE members SET status = ?1, removed_reason = ?2,"
    " removed_at = CASE WHEN ?1 = 'removed' THEN ?3 END,"
    " club_id = CASE WHEN ?1 = 'removed' THEN NULL ELSE club_id END,"
    " mode = CASE WHEN ?1 = 'removed' THEN 'unassigned' ELSE mode END,"
    " distance_miles = CASE WHEN ?1 = 'removed' THEN NULL"
    "  ELSE distance_miles END,"
    " reason = CASE WHEN ?1 = 'removed' THEN 'removed (' || ?2 || ')'"
    "  ELSE reason END WHERE id = ?4";
/* Only a removed member comes back; the address works (the sign-up's
 * confirmation was opened) and the sign-up is a new opt-in. */
static const char SQL_REJOIN[] =
    "UPDATE members SET status = 'active', removed_reason = '',"
    " removed_at = NULL, email_status = 'ok', unsubscribed = 0,"
    " phone_status = 'unknown' WHERE id = ? AND status = 'removed'";
static const char SQL_SET_EMAIL_STATUS[] =
    "UPDATE members SET email_status = ? WHERE id = ?";
static const char SQL_SET_PHONE_STATUS[] =
    "UPDATE members SET phone_status = ? WHERE id = ?";
/* The address must stay unique: a blanked member keeps a placeholder
 * that no form accepts (no '@'). */
static const char SQL_BLANK[] =
    "UPDATE members SET name = '', phone = '', email = 'removed-' || id,"
    " email_hash = ?2 WHERE id = ?1";
static const char SQL_HASH_KNOWN[] =
    "SELECT count(*) FROM members WHERE email_hash = ?";
static const char SQL_BY_EMAIL[] =
    "SELECT id FROM members WHERE email = ? COLLATE NOCASE";

int
store_member_unsubscribe(struct store *s, int64_t member_id,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_UNSUBSCRIBE, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	if (sq_done(s, st, err, "cannot unsubscribe") < 0)
		return -1;
	return store_outbox_drop_member(s, member_id, "member unsubscribed",
	    err) < 0 ? -1 : 0;
}

int
store_member_update(struct store *s, const struct member *m,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_MEMBER_UPDATE, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, m->name);
	sq_text(st, 2, m->email);
	sq_place_bind(st, 3, &m->place, false);
	sq_text(st, 9, m->phone);
	sq_text(st, 10, m->preferred_channel);
	sqlite3_bind_int64(st, 11, m->id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		if (sqlite3_extended_errcode(s->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return err_set_field(err, ERR_CONFLICT, "email",
			    "a member with e-mail '%s' already exists",
			    m->email);
		return sq_fail(s, err, "cannot update member");
	}
	sqlite3_reset(st);
	return 0;
}

int
store_member_set_status(struct store *s, int64_t member_id,
    const char *status, const char *reason, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_SET_STATUS, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, status);
	sq_text(st, 2, reason ? reason : "");
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 4, member_id);
	return sq_done(s, st, err, "cannot change the member's status");
}

int
store_member_rejoin(struct store *s, int64_t member_id, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_REJOIN, err);
	int changed;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	changed = sq_changes(s, st, err, "cannot make the member active");
	if (changed < 0)
		return -1;
	if (changed == 0)
		return err_set(err, ERR_CONFLICT, "member %lld is not removed",
		    (long long)member_id);
	return 0;
}

int
store_member_set_email_status(struct store *s, int64_t member_id,
    const char *email_status, struct err *err)
{
	return sq_set_text(s, SQL_SET_EMAIL_STATUS, member_id, email_status,
	    err, "cannot update member");
}

int
store_member_set_phone_status(struct store *s, int64_t member_id,
    const char *phone_status, struct err *err)
{
	return sq_set_text(s, SQL_SET_PHONE_STATUS, member_id, phone_status,
	    err, "cannot update member");
}

int
store_member_blank(struct store *s, int64_t member_id,
    const char *email_hash, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_BLANK, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	sq_text(st, 2, email_hash);
	return sq_done(s, st, err, "cannot blank member");
}

bool
store_member_hash_known(struct store *s, const char *email_hash)
{
	sqlite3_stmt *st = sq_cached(s, SQL_HASH_KNOWN, NULL);

	if (st == NULL)
		return false;
	sq_text(st, 1, email_hash);
	return sq_int(s, st, NULL, "cannot read members") > 0;
}

int
store_member_by_email(struct store *s, const char *email,
    struct member *out, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_BY_EMAIL, err);
	int64_t id;

	if (st == NULL)
		return -1;
	sq_text(st, 1, email);
	id = sq_int(s, st, err, "cannot read members");
	if (id < 0)
		return -1;
	if (id == 0)
		return err_set(err, ERR_NOT_FOUND, "no member with that "
		    "address");
	return store_member_get(s, id, out, err);
}

/* ==== first-contact tasks =============================================== */
static const char SQL_CONTACT_OPEN[] =
    "INSERT OR IGNORE INTO contacts (member_id, club_id, due_at, batch,"
    " created_at) VALUES (?, ?, ?, ?, ?)";
/* A closed task opens anew as if just opened: nothing logged, not yet
 * told to the secretary (digest_id), so the digest lists it again. */
static const char SQL_CONTACT_REOPEN[] =
    "INSERT INTO contacts (member_id, club_id, due_at, batch, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (member_id, club_id)"
    " DO UPDATE SET status = 'open', due_at = ?3, attempts = 0,"
    " last_outcome = '', batch = ?4, digest_id = NULL, created_at = ?5,"
    " closed_at = NULL WHERE status = 'done'";
/* A task with who to contact; status open becomes overdue past due_at
 * (?1 = now). */
#define CONTACT_COLS "t.id, t.member_id, t.club_id," \
	" CASE WHEN t.status = 'open' AND t.due_at <= ?1 THEN 'overdue'" \
	"  ELSE t.status END, t.due_at, t.attempts, t.last_outcome," \
	" t.created_at, m.name, m.email, m.phone, m.preferred_channel," \
	" m.city, m.state, m.distance_miles, m.mode, c.name"
#define CONTACT_FROM " FROM contacts t JOIN members m ON m.id = t.member_id" \
	" JOIN clubs c ON c.id = t.club_id"
static const char SQL_CONTACT_GET[] =
    "SELECT " CONTACT_COLS CONTACT_FROM " WHERE t.id = ?2";
static const char SQL_CONTACT_OF_MEMBER[] =
    "SELECT " CONTACT_COLS CONTACT_FROM " WHERE t.member_id = ?2"
    " AND t.club_id = m.club_id";
static const char SQL_CONTACT_LOG[] =
    "INSERT INTO contact_attempts (contact_id, channel, outcome, note,"
    " created_at) VALUES (?, ?, ?, ?, ?)";
static const char SQL_CONTACT_UPDATE[] =
    "UPDATE contacts SET attempts = attempts + 1, last_outcome = ?1,"
    " status = ?2, due_at = ?3,"
    " closed_at = CASE WHEN ?2 = 'done' THEN ?4 END WHERE id = ?5";
static const char SQL_CONTACT_CLOSE_MEMBER[] =
    "UPDATE contacts SET status = 'done', closed_at = ?3,"
    " last_outcome = CASE WHEN last_outcome = '' THEN ?2"
    "  ELSE last_outcome END WHERE member_id = ?1 AND status = 'open'";
/* ?1 now, ?2 club (0: all), ?3 status filter, ?4 after, ?5 limit.  The
 * order puts overdue first, then the soonest due; the id cursor pages
 * within it only in id order, so a paged list is ordered by id. */
static const char SQL_CONTACT_EACH[] =
    "SELECT " CONTACT_COLS CONTACT_FROM
    " WHERE (?2 = 0 OR t.club_id = ?2) AND t.id > ?4"
    " AND m.status != 'removed'"
    " AND (?3 IS NULL OR (?3 = 'done' AND t.status = 'done')"
    "  OR (?3 = 'overdue' AND t.status = 'open' AND t.due_at <= ?1)"
    "  OR (?3 = 'open' AND t.status = 'open'))"
    " ORDER BY t.status = 'done', t.due_at, t.id LIMIT ?5";
static const char SQL_CONTACT_COUNTS[] =
    "SELECT coalesce(sum(t.status = 'open' AND t.due_at > ?1), 0),"
    " coalesce(sum(t.status = 'open' AND t.due_at <= ?1), 0),"
    " coalesce(sum(t.status = 'done'), 0)"
    " FROM contacts t WHERE (?2 = 0 OR t.club_id = ?2)"
    /* The few removed members, from the partial index members_status
     * (its condition spelled out so that SQLite may use it), instead
     * of a look-up of every task's member: the organizer's counts of
     * 100,000 tasks in 20 ms instead of 65. */
    " AND t.member_id NOT IN (SELECT id FROM members"
    "  WHERE status != 'active' AND status = 'removed')";
/* ?1 batch, or -1: one-by-one tasks and those of imports older than
 * ?2 (an import that died before queueing its digests). */
static const char SQL_UNDIGESTED_CLUBS[] =
    "SELECT DISTINCT t.club_id FROM contacts t"
    " WHERE t.digest_id IS NULL AND (t.batch = ?1 OR (?1 < 0 AND"
    "  (t.batch = 0 OR t.created_at < ?2))) ORDER BY t.club_id";
static const char SQL_MARK_DIGESTED[] =
    "UPDATE contacts SET digest_id = ?2 WHERE club_id = ?1"
    " AND digest_id IS NULL AND (?3 = 0 OR id <= ?3)";
static const char SQL_UNDIGESTED_EACH[] =
    "SELECT " CONTACT_COLS CONTACT_FROM
    " WHERE t.club_id = ?2 AND t.digest_id IS NULL"
    " AND m.status != 'removed' ORDER BY t.id";
static const char SQL_BATCH_NEXT[] =
    "INSERT INTO meta(key, value) VALUES ('batch', 1)"
    " ON CONFLICT (key) DO UPDATE SET value = value + 1"
    " RETURNING value";

static int
contact_open(struct store *s, const char *sql, int64_t member_id,
    int64_t club_id, time_t due_at, int64_t batch, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, sql, err);
	int changed;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	sqlite3_bind_int64(st, 2, club_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)due_at);
	sqlite3_bind_int64(st, 4, batch);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	changed = sq_changes(s, st, err, "cannot open a first-contact task");
	return changed > 0 ? 1 : changed;
}

int
store_contact_open(struct store *s, int64_t member_id, int64_t club_id,
    time_t due_at, int64_t batch, struct err *err)
{
	return contact_open(s, SQL_CONTACT_OPEN, member_id, club_id, due_at,
	    batch, err);
}

int
store_contact_reopen(struct store *s, int64_t member_id, int64_t club_id,
    time_t due_at, int64_t batch, struct err *err)
{
	return contact_open(s, SQL_CONTACT_REOPEN, member_id, club_id, due_at,
	    batch, err);
}

static void
contact_from_row(sqlite3_stmt *st, void *out)
{
	struct contact *c = out;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->member_id = sqlite3_column_int64(st, 1);
	c->club_id = sqlite3_column_int64(st, 2);
	sq_col(st, 3, c->status, sizeof(c->status));
	c->due_at = (time_t)sqlite3_column_int64(st, 4);
	c->attempts = sqlite3_column_int(st, 5);
	sq_col(st, 6, c->last_outcome, sizeof(c->last_outcome));
	c->created_at = (time_t)sqlite3_column_int64(st, 7);
	sq_col(st, 8, c->name, sizeof(c->name));
	sq_col(st, 9, c->email, sizeof(c->email));
	sq_col(st, 10, c->phone, sizeof(c->phone));
	sq_col(st, 11, c->preferred_channel, sizeof(c->preferred_channel));
	sq_col(st, 12, c->city, sizeof(c->city));
	sq_col(st, 13, c->state, sizeof(c->state));
	c->distance_miles = sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 :
	    sqlite3_column_double(st, 14);
	c->mode = model_mode_parse((const char *)sqlite3_column_text(st, 15));
	sq_col(st, 16, c->club_name, sizeof(c->club_name));
}

static int
contact_one(struct store *s, const char *sql, int64_t id,
    struct contact *out, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 2, id);
	return sq_one(s, st, contact_from_row, out, "first-contact task",
	    err);
}

int
store_contact_get(struct store *s, int64_t id, struct contact *out,
    struct err *err)
{
	return contact_one(s, SQL_CONTACT_GET, id, out, err);
}

int
store_contact_of_member(struct store *s, int64_t member_id,
    struct contact *out, struct err *err)
{
	return contact_one(s, SQL_CONTACT_OF_MEMBER, member_id, out, err);
}

int
store_contact_log(struct store *s, int64_t contact_id, const char *channel,
    const char *outcome, const char *note, const char *status,
    time_t due_at, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_CONTACT_LOG, err);
	sqlite3_int64 now = (sqlite3_int64)time(NULL);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	sq_text(st, 2, channel);
	sq_text(st, 3, outcome);
	sq_text(st, 4, note ? note : "");
	sqlite3_bind_int64(st, 5, now);
	if (sq_done(s, st, err, "cannot log the attempt") < 0)
		return -1;
	if ((st = sq_cached(s, SQL_CONTACT_UPDATE, err)) == NULL)
		return -1;
	sq_text(st, 1, outcome);
	sq_text(st, 2, status);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)due_at);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, contact_id);
	return sq_done(s, st, err, "cannot update the task");
}

int
store_contact_close_member(struct store *s, int64_t member_id,
    const char *outcome, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_CONTACT_CLOSE_MEMBER, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member_id);
	sq_text(st, 2, outcome);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	return sq_done(s, st, err, "cannot close the task");
}

struct contact_visit {
	int (*fn)(const struct contact *c, void *arg);
	void *arg;
};

static int
contact_visit(sqlite3_stmt *st, void *ctx)
{
	struct contact_visit *v = ctx;
	struct contact c;

	contact_from_row(st, &c);
	return v->fn(&c, v->arg) != 0;
}

int
store_contact_each(struct store *s, int64_t club_id, const char *status,
    time_t now, int64_t after, int limit,
    int (*fn)(const struct contact *c, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_CONTACT_EACH, err);
	struct contact_visit v = { fn, arg };

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, club_id);
	sq_text(st, 3, status);
	sqlite3_bind_int64(st, 4, after);
	sqlite3_bind_int(st, 5, limit > 0 ? limit : -1);
	return sq_walk(s, st, contact_visit, &v, "cannot list tasks", err);
}

int
store_contact_counts(struct store *s, int64_t club_id, time_t now,
    int64_t *open, int64_t *overdue, int64_t *done, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_CONTACT_COUNTS, err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, club_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*open = sqlite3_column_int64(st, 0);
		*overdue = sqlite3_column_int64(st, 1);
		*done = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : sq_fail(s, err, "cannot count tasks");
}

struct id_vec {
	int64_t *v;
	size_t n, cap;
};

static int
id_collect(sqlite3_stmt *st, void *ctx)
{
	struct id_vec *iv = ctx;

	if (iv->n == iv->cap) {
		iv->cap = iv->cap ? 2 * iv->cap : 32;
		iv->v = xreallocarray(iv->v, iv->cap, sizeof(*iv->v));
	}
	iv->v[iv->n++] = sqlite3_column_int64(st, 0);
	return 0;
}

int
store_contact_undigested_clubs(struct store *s, int64_t batch,
    time_t older_than, int64_t **clubs, size_t *n, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_UNDIGESTED_CLUBS, err);
	struct id_vec iv = { NULL, 0, 0 };

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)older_than);
	if (sq_walk(s, st, id_collect, &iv, "cannot read tasks", err) < 0) {
		free(iv.v);
		return -1;
	}
	*clubs = iv.v;
	*n = iv.n;
	return 0;
}

int
store_contact_mark_digested(struct store *s, int64_t club_id,
    int64_t digest_id, int64_t max_contact_id, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_MARK_DIGESTED, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, club_id);
	sqlite3_bind_int64(st, 2, digest_id);
	sqlite3_bind_int64(st, 3, max_contact_id);
	return sq_done(s, st, err, "cannot mark tasks told");
}

int
store_contact_undigested_each(struct store *s, int64_t club_id,
    int (*fn)(const struct contact *c, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_UNDIGESTED_EACH, err);
	struct contact_visit v = { fn, arg };

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 2, club_id);
	return sq_walk(s, st, contact_visit, &v, "cannot list tasks", err);
}

int64_t
store_batch_next(struct store *s, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, SQL_BATCH_NEXT, err);

	if (st == NULL)
		return -1;
	return sq_int(s, st, err, "cannot number the import");
}
