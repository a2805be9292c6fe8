/*
 * store_stats.c - the organizer's counts (store.h, docs/admin.md): a
 * few aggregate queries, each one pass over one table.
 */
#include <string.h>

#include "store.h"
#include "store_int.h"

/* Members by mode leave removed members out, as the member list does;
 * bouncing counts the ones GET /api/v1/members?email_status=bouncing
 * lists (not removed). */
static const char SQL_MEMBERS[] =
    "SELECT coalesce(sum(status != 'removed' AND mode = 'local'), 0),"
    " coalesce(sum(status != 'removed' AND mode = 'remote'), 0),"
    " coalesce(sum(status != 'removed'"
    "  AND (mode IS NULL OR mode = 'unassigned')), 0),"
    " coalesce(sum(status = 'removed'), 0),"
    " coalesce(sum(status = 'do_not_contact'), 0),"
    " coalesce(sum(status != 'removed' AND email_status = 'bouncing'), 0)"
    " FROM members";
static const char SQL_CLUBS[] =
    "SELECT coalesce(sum(active), 0),"
    " coalesce(sum(active AND accepts_remote), 0) FROM clubs";
/* Series answers of the invitations still standing. */
static const char SQL_ANSWERS[] =
    "SELECT coalesce(sum(rsvp = 'accepted'), 0),"
    " coalesce(sum(rsvp = 'declined'), 0),"
    " coalesce(sum(rsvp = 'tentative'), 0),"
    " coalesce(sum(rsvp = 'needs-action'), 0)"
    " FROM invitations WHERE NOT removed";
static const char SQL_ATTENDED[] =
    "SELECT count(*) FROM answers WHERE attended = 1";

/* The first row's n integer columns into out[]. */
static int
row_ints(struct store *s, const char *sql, int64_t *out, int n,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, sql, err);
	int i;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return sq_fail(s, err, "cannot count");
	}
	for (i = 0; i < n; i++)
		out[i] = sqlite3_column_int64(st, i);
	sqlite3_reset(st);
	return 0;
}

static int
stats_queries(struct store *s, time_t now, struct store_stats *out,
    struct err *err)
{
	int64_t m[6] = { 0 }, c[2] = { 0 }, a[4] = { 0 };

	if (row_ints(s, SQL_MEMBERS, m, 6, err) < 0 ||
	    row_ints(s, SQL_CLUBS, c, 2, err) < 0 ||
	    row_ints(s, SQL_ANSWERS, a, 4, err) < 0 ||
	    row_ints(s, SQL_ATTENDED, &out->attended, 1, err) < 0)
		return -1;
	out->members_local = m[0];
	out->members_remote = m[1];
	out->members_unassigned = m[2];
	out->members_removed = m[3];
	out->members_do_not_contact = m[4];
	out->members_bouncing = m[5];
	out->clubs_active = c[0];
	out->clubs_accepts_remote = c[1];
	out->answers_accepted = a[0];
	out->answers_declined = a[1];
	out->answers_tentative = a[2];
	out->answers_needs_action = a[3];
	if (store_contact_counts(s, 0, now, &out->contacts_open,
	    &out->contacts_overdue, &out->contacts_done, err) < 0)
		return -1;
	return store_outbox_counts(s, KIND_INVITATION, out->invitations, err);
}

/* One read transaction, so the counts are of one moment (in WAL mode it
 * keeps no writer waiting). */
int
store_stats_read(struct store *s, time_t now, struct store_stats *out,
    struct err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, err, "cannot count");
	rc = stats_queries(s, now, out, err);
	sqlite3_exec(s->db, rc < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* ==== the map ============================================================ */
/* Members at their ZIP centroid, one row per ZIP, mode and club: what
 * the map draws (docs/admin.md, "The map"). */
static const char SQL_MAP_DOTS[] =
    "SELECT m.lat, m.lon, m.mode, coalesce(m.club_id, 0), count(*),"
    " coalesce(c.lat, 0), coalesce(c.lon, 0)"
    " FROM members m LEFT JOIN clubs c ON c.id = m.club_id"
    " WHERE m.status != 'removed' AND m.zip != ''"
    " GROUP BY m.zip, m.mode, m.club_id";
/* Without the lines to the clubs, one row per ZIP and mode, no club:
 * half the rows and no join (both walk the index members_map). */
static const char SQL_MAP_DOTS_NO_CLUBS[] =
    "SELECT lat, lon, mode, 0, count(*), 0, 0 FROM members"
    " WHERE status != 'removed' AND zip != '' GROUP BY zip, mode";

struct dot_visit {
	int (*fn)(const struct store_map_dot *d, void *arg);
	void *arg;
};

static int
dot_visit(sqlite3_stmt *st, void *ctx)
{
	struct dot_visit *v = ctx;
	struct store_map_dot d;

	d.lat = sqlite3_column_double(st, 0);
	d.lon = sqlite3_column_double(st, 1);
	d.mode = model_mode_parse((const char *)sqlite3_column_text(st, 2));
	d.club_id = sqlite3_column_int64(st, 3);
	d.count = sqlite3_column_int64(st, 4);
	d.club_lat = sqlite3_column_double(st, 5);
	d.club_lon = sqlite3_column_double(st, 6);
	return v->fn(&d, v->arg) != 0;
}

int
store_map_dots(struct store *s, bool clubs,
    int (*fn)(const struct store_map_dot *d, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, clubs ? SQL_MAP_DOTS :
	    SQL_MAP_DOTS_NO_CLUBS, err);
	struct dot_visit v = { fn, arg };

	if (st == NULL)
		return -1;
	return sq_walk(s, st, dot_visit, &v, "cannot read the map", err);
}
