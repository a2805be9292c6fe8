/*
 * test_store.c - the SQLite store: schema migrations from an old file,
 * refusing a newer one, conflicts that leave nothing behind, the
 * member daily cap's count of a member's recent sends, and a member
 * coming back (an invitation revived above its CANCEL, a task reopened).
 *
 * Tests may speak SQL (the one exception to "SQL only in store.c"): the
 * old-schema fixture below is version 1 as it shipped, written by hand,
 * so that a later edit of store.c's first migration step shows up here.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "store.h"

static char dir[] = "/tmp/clubmatch-test-store-XXXXXX";

/* The schema at user_version 1 (the first step of MIGRATIONS). */
static const char V1_SCHEMA[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL,"
	"  blob BLOB);"
	"INSERT INTO meta(key, value) VALUES ('gen', 1);"
	"CREATE TABLE clubs ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL, slug TEXT NOT NULL, zip TEXT NOT NULL,"
	"  city TEXT NOT NULL, state TEXT NOT NULL, county TEXT NOT NULL,"
	"  timezone TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,"
	"  secretary_email TEXT NOT NULL, secretary_name TEXT NOT NULL,"
	"  accepts_remote INTEGER NOT NULL DEFAULT 1,"
	"  remote_capacity INTEGER,"
	"  active INTEGER NOT NULL DEFAULT 1,"
	"  remote_members INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE members ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL, email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  zip TEXT NOT NULL, city TEXT NOT NULL, state TEXT NOT NULL,"
	"  timezone TEXT NOT NULL, lat REAL, lon REAL,"
	"  phone TEXT NOT NULL, preferred_channel TEXT NOT NULL,"
	"  club_id INTEGER REFERENCES clubs(id),"
	"  mode TEXT CHECK (mode IN ('local','remote','unassigned')),"
	"  distance_miles REAL, reason TEXT NOT NULL DEFAULT '',"
	"  unsubscribed INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX members_club ON members(club_id, id);"
	"CREATE INDEX members_mode ON members(mode, id);"
	"CREATE TRIGGER members_ins AFTER INSERT ON members"
	"  WHEN NEW.mode = 'remote' BEGIN"
	"  UPDATE clubs SET remote_members = remote_members + 1"
	"   WHERE id = NEW.club_id; END;"
	"CREATE TRIGGER members_upd AFTER UPDATE OF club_id, mode ON members"
	"  BEGIN"
	"  UPDATE clubs SET remote_members = remote_members - 1"
	"   WHERE OLD.mode = 'remote' AND id = OLD.club_id;"
	"  UPDATE clubs SET remote_members = remote_members + 1"
	"   WHERE NEW.mode = 'remote' AND id = NEW.club_id; END;"
	"CREATE TRIGGER members_del AFTER DELETE ON members"
	"  WHEN OLD.mode = 'remote' BEGIN"
	"  UPDATE clubs SET remote_members = remote_members - 1"
	"   WHERE id = OLD.club_id; END;"
	"CREATE TRIGGER clubs_gen_ins AFTER INSERT ON clubs BEGIN"
	"  UPDATE meta SET value = value + 1 WHERE key = 'gen'; END;"
	"CREATE TRIGGER clubs_gen_upd AFTER UPDATE OF name, zip, lat, lon,"
	"  state, accepts_remote, remote_capacity, active ON clubs BEGIN"
	"  UPDATE meta SET value = value + 1 WHERE key = 'gen'; END;"
	/* What a v1 installation held. */
	"INSERT INTO clubs (id, name, slug, zip, city, state, county,"
	"  timezone, lat, lon, secretary_email, secretary_name,"
	"  accepts_remote, remote_capacity, created_at) VALUES"
	"  (7, 'Loop Readers', 'loop-readers', '60601', 'Chicago', 'IL',"
	"  'Cook', 'America/Chicago', 41.8858, -87.6181, 'sec@example.org',"
	"  'Sam Secretary', 1, 3, 1700000000);"
	"INSERT INTO members (id, name, email, zip, city, state, timezone,"
	"  lat, lon, phone, preferred_channel, club_id, mode,"
	"  distance_miles, reason, created_at) VALUES"
	"  (42, 'Ann Remote', 'Ann@Example.org', '62901', 'Carbondale',"
	"  'IL', 'America/Chicago', 37.7, -89.2, '+1 555 0100', 'email', 7,"
	"  'remote', 295.4, 'most active club taking remote members in IL',"
	"  1700000001),"
	"  (43, 'Ben Never', 'ben@example.org', '', '', 'VT',"
	"  'America/New_York', NULL, NULL, '', '', NULL, NULL, NULL, '',"
	"  1700000002);"
	"PRAGMA user_version = 1;";

static void
path_of(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static int
exec_file(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "# sqlite: %s\n", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* One integer from a query on a separate connection, or -999. */
static long long
query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -999;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		return v;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* Opens the store at path with err cleared: CHECKs that it opened (and
 * says why not). */
static struct store *
open_checked(const char *path, struct err *err)
{
	struct store *s;

	err_clear(err);
	s = store_open(path, err);
	CHECK(s != NULL);
	if (s == NULL)
		fprintf(stderr, "# %s: %s\n", path, err->msg);
	return s;
}

/* A new database `name` in the test directory, opened (CHECKed). */
static struct store *
open_new(const char *name, struct err *err)
{
	char path[256];

	path_of(name, path, sizeof(path));
	return open_checked(path, err);
}

/* Opens the database that is at path: it opens and found the schema at
 * version `found`; returns the store (open), or NULL. */
static struct store *
open_existing(const char *path, int found, struct err *err)
{
	struct store *s = open_checked(path, err);

	if (s)
		CHECK(store_schema_found(s) == found);
	return s;
}

/* The remote members counted for club id now. */
static void
check_remote_members(struct store *s, int64_t id, int64_t want)
{
	int64_t members = -1, cap = -1;

	CHECK(store_club_room(s, id, &members, &cap));
	CHECK(members == want);
}

/* Where the sample clubs meet and the sample members live. */
static const struct place CHICAGO = {
	"60601", "Chicago", "IL", "Cook", "America/Chicago", 41.8858, -87.6181
};
static const struct place CARBONDALE = {
	"62901", "Carbondale", "IL", "", "America/Chicago", 37.7, -89.2
};

static struct club
sample_club(const char *name)
{
	struct club c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.slug, sizeof(c.slug), "slug");
	c.place = CHICAGO;
	snprintf(c.secretary_email, sizeof(c.secretary_email),
	    "sec@example.org");
	c.accepts_remote = true;
	c.remote_capacity = -1;
	return c;
}

static struct member
sample_member(const char *email, int64_t club, enum match_mode mode)
{
	struct member m;

	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "Member %s", email);
	snprintf(m.email, sizeof(m.email), "%s", email);
	m.place = CARBONDALE;
	m.assignment.club_id = club;
	m.assignment.mode = mode;
	m.assignment.distance_miles = club ? 12.5 : -1;
	snprintf(m.assignment.reason, sizeof(m.assignment.reason), "test");
	return m;
}

/* ==== migrations ======================================================== */

static void
test_fresh_database(void)
{
	char path[256];
	struct store *s;
	struct err err;

	path_of("fresh.db", path, sizeof(path));
	s = open_checked(path, &err);
	if (s == NULL)
		return;
	CHECK(store_schema_found(s) == 0);
	CHECK(store_member_count(s) == 0);
	CHECK(store_generation(s) >= 1);
	store_close(s);
	CHECK(query_int(path, "PRAGMA user_version") ==
	    STORE_SCHEMA_VERSION);
	CHECK(query_int(path, "SELECT count(*) FROM pragma_journal_mode "
	    "WHERE journal_mode = 'wal'") == 1);

	/* Opening again migrates nothing. */
	store_close(open_existing(path, STORE_SCHEMA_VERSION, &err));
}

static void
test_migrate_from_v1(void)
{
	char path[256];
	struct store *s;
	struct err err;
	struct club c;
	struct member m;
	int64_t club_id = 0, members = -1, cap = -5, gen;

	path_of("v1.db", path, sizeof(path));
	CHECK(exec_file(path, V1_SCHEMA) == 0);
	CHECK(query_int(path, "PRAGMA user_version") == 1);

	s = open_existing(path, 1, &err);
	if (s == NULL)
		return;

	/* The old rows are all there, unchanged. */
	CHECK(store_club_get(s, 7, &c, &err) == 0);
	CHECK_STR(c.name, "Loop Readers");
	CHECK_STR(c.place.zip, "60601");
	CHECK_STR(c.place.timezone, "America/Chicago");
	CHECK_STR(c.secretary_name, "Sam Secretary");
	CHECK(c.remote_capacity == 3);
	CHECK(c.remote_members == 1);	/* Ann, counted by the v1 trigger */
	CHECK(c.active);
	CHECK(c.created_at == 1700000000);
	CHECK(store_member_count(s) == 2);
	CHECK(store_member_get(s, 42, &m, &err) == 0);
	CHECK_STR(m.email, "Ann@Example.org");
	CHECK_STR(m.phone, "+1 555 0100");
	CHECK(m.assignment.club_id == 7);
	CHECK(m.assignment.mode == MODE_REMOTE);
	CHECK_NEAR(m.assignment.distance_miles, 295.4, 1e-9);
	CHECK_STR(m.assignment.club_name, "Loop Readers");
	CHECK(store_member_get(s, 43, &m, &err) == 0);
	CHECK(m.assignment.mode == MODE_NONE);	/* never matched */
	CHECK(m.assignment.distance_miles < 0);
	CHECK_STR(m.place.state, "VT");
	CHECK_STR(m.place.zip, "");

	/* The v1 triggers still work after the migration. */
	CHECK(store_club_room(s, 7, &members, &cap));
	CHECK(cap == 3);
	CHECK(members == 1);
	gen = store_generation(s);
	c.remote_capacity = 5;
	CHECK(store_club_update(s, &c, &err) == 0);
	CHECK(store_generation(s) > gen);

	/* New tables: secretary tokens. */
	CHECK(store_token_insert(s, "ab12", 7, &err) == 0);
	CHECK(store_token_lookup(s, "ab12", &club_id, &err) == 0);
	CHECK(club_id == 7);
	CHECK(store_token_lookup(s, "ab13", &club_id, &err) < 0 &&
	    err.code == ERR_NOT_FOUND);
	store_close(s);

	CHECK(query_int(path, "PRAGMA user_version") ==
	    STORE_SCHEMA_VERSION);
	CHECK(query_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('tokens', 'meetings', 'occurrences', 'invitations', "
	    "'outbox')") == 5);
	CHECK(query_int(path, "SELECT count(*) FROM members") == 2);
	{
		sqlite3 *db;
		sqlite3_stmt *st;

		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		CHECK(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1,
		    &st, NULL) == SQLITE_OK);
		CHECK(sqlite3_step(st) == SQLITE_DONE);	/* no violation */
		sqlite3_finalize(st);
		CHECK(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
		    &st, NULL) == SQLITE_OK);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}

	/* Reopened: nothing left to migrate, the token still works. */
	s = open_existing(path, STORE_SCHEMA_VERSION, &err);
	if (s) {
		CHECK(store_token_lookup(s, "ab12", &club_id, &err) == 0);
		CHECK(store_member_count(s) == 2);
	}
	store_close(s);
}

/* A token of a deactivated club no longer opens anything. */
static void
test_token_of_inactive_club(void)
{
	struct store *s;
	struct err err;
	struct club c = sample_club("Gone Club");
	int64_t id = 0;

	s = open_new("token.db", &err);
	if (s == NULL)
		return;
	CHECK(store_club_insert(s, &c, &err) == 0);
	CHECK(store_token_insert(s, "feed01", c.id, &err) == 0);
	CHECK(store_token_lookup(s, "feed01", &id, &err) == 0 && id == c.id);
	c.active = false;
	CHECK(store_club_update(s, &c, &err) == 0);
	CHECK(store_token_lookup(s, "feed01", &id, &err) < 0);
	store_close(s);
}

/* A database from a newer clubmatch is refused, and left alone. */
static void
test_refuses_newer_version(void)
{
	char path[256], sql[128];
	struct store *s;
	struct err err;

	path_of("newer.db", path, sizeof(path));
	snprintf(sql, sizeof(sql), "CREATE TABLE future (x);"
	    "PRAGMA user_version = %d;", STORE_SCHEMA_VERSION + 1);
	CHECK(exec_file(path, sql) == 0);
	err_clear(&err);
	s = store_open(path, &err);
	CHECK(s == NULL);
	store_close(s);
	CHECK(err.code != ERR_OK);
	CHECK(strstr(err.msg, "newer") != NULL);
	CHECK(query_int(path, "PRAGMA user_version") ==
	    STORE_SCHEMA_VERSION + 1);
	CHECK(query_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'clubs'") == 0);
}

/* A half-way old file: at version 2 it gets only the later steps. */
static void
test_migrate_from_v2(void)
{
	char path[256];
	struct store *s;
	struct err err;

	path_of("v2.db", path, sizeof(path));
	CHECK(exec_file(path, V1_SCHEMA) == 0);
	err_clear(&err);
	/* Let the program take it to the end, then pretend a v2 file by
	 * dropping what version 3 added. */
	s = store_open(path, &err);
	store_close(s);
	if (STORE_SCHEMA_VERSION < 3)
		return;
	/* What versions 3 to 8 added, columns included (SQLite 3.35+
	 * drops columns once their indexes are gone). */
	CHECK(exec_file(path, "DROP INDEX members_map;"
	    "DROP TABLE outbox; DROP TABLE answers;"
	    "DROP TABLE invitations; DROP TABLE contact_attempts;"
	    "DROP TABLE contacts; DROP TABLE replies; DROP TABLE joins;"
	    "DROP INDEX members_email_hash; DROP INDEX members_status;"
	    "ALTER TABLE members DROP COLUMN status;"
	    "ALTER TABLE members DROP COLUMN removed_reason;"
	    "ALTER TABLE members DROP COLUMN removed_at;"
	    "ALTER TABLE members DROP COLUMN email_status;"
	    "ALTER TABLE members DROP COLUMN phone_status;"
	    "ALTER TABLE members DROP COLUMN email_hash;"
	    "ALTER TABLE tokens DROP COLUMN expires_at;"
	    "ALTER TABLE tokens DROP COLUMN label;"
	    "PRAGMA user_version = 2;") == 0);
	store_close(open_existing(path, 2, &err));
	CHECK(query_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('outbox', 'invitations')") == 2);
	CHECK(query_int(path, "SELECT count(*) FROM members") == 2);
}

/* ==== conflicts ========================================================= */

static void
test_duplicate_email_leaves_nothing(void)
{
	char path[256];
	struct store *s;
	struct err err;
	struct club c = sample_club("Capacity Club");
	struct member a = sample_member("dup@example.org", 0, MODE_REMOTE);
	struct member b, d;
	int64_t gen;

	path_of("dup.db", path, sizeof(path));
	s = open_checked(path, &err);
	if (s == NULL)
		return;
	CHECK(store_club_insert(s, &c, &err) == 0);
	a.assignment.club_id = c.id;
	CHECK(store_member_insert(s, &a, &err) == 0);
	CHECK(a.id > 0);
	check_remote_members(s, c.id, 1);
	gen = store_generation(s);

	/* Same address, other case: refused as a conflict on "email". */
	b = sample_member("DUP@example.ORG", c.id, MODE_REMOTE);
	err_clear(&err);
	CHECK(store_member_insert(s, &b, &err) < 0);
	CHECK(err.code == ERR_CONFLICT);
	CHECK_STR(err.field, "email");
	CHECK(store_member_count(s) == 1);
	check_remote_members(s, c.id, 1);	/* the trigger did not count it */
	CHECK(store_generation(s) == gen);

	/* Inside a transaction, as the service does: a good insert, then
	 * the refused one, then rollback: neither is left. */
	d = sample_member("new@example.org", c.id, MODE_REMOTE);
	err_clear(&err);
	CHECK(store_begin(s, &err) == 0);
	CHECK(store_member_insert(s, &d, &err) == 0);
	CHECK(store_member_insert(s, &b, &err) < 0);
	CHECK(err.code == ERR_CONFLICT);
	store_rollback(s);
	CHECK(store_member_count(s) == 1);
	check_remote_members(s, c.id, 1);
	err_clear(&err);
	CHECK(store_member_get(s, d.id, &d, &err) < 0);
	CHECK(err.code == ERR_NOT_FOUND);
	store_close(s);
	CHECK(query_int(path, "SELECT count(*) FROM members") == 1);
	CHECK(query_int(path, "SELECT remote_members FROM clubs") == 1);
}

/* Unknown ids are ERR_NOT_FOUND, not errors of another kind. */
static void
test_not_found(void)
{
	struct store *s;
	struct err err;
	struct club c;
	struct member m;
	int64_t a, b;

	s = open_new("nf.db", &err);
	if (s == NULL)
		return;
	CHECK(store_club_get(s, 12345, &c, &err) < 0);
	CHECK(err.code == ERR_NOT_FOUND);
	err_clear(&err);
	CHECK(store_member_get(s, 12345, &m, &err) < 0);
	CHECK(err.code == ERR_NOT_FOUND);
	CHECK(!store_club_room(s, 12345, &a, &b));
	store_close(s);
}

static int unmatched_n;

static int
count_member(const struct member *m, void *arg)
{
	(void)arg;
	(void)m;
	unmatched_n++;
	return 0;
}

/* Deactivating a club: members assigned to it become never-matched. */
static void
test_unassign_club(void)
{
	struct store *s;
	struct err err;
	struct club c = sample_club("Closing Club");
	struct member m1 = sample_member("m1@example.org", 0, MODE_REMOTE);
	struct member m2 = sample_member("m2@example.org", 0, MODE_LOCAL);
	struct member m3 = sample_member("m3@example.org", 0, MODE_UNASSIGNED);
	struct member got;
	struct member_filter f;

	s = open_new("unassign.db", &err);
	if (s == NULL)
		return;
	CHECK(store_club_insert(s, &c, &err) == 0);
	m1.assignment.club_id = c.id;
	m2.assignment.club_id = c.id;
	CHECK(store_member_insert(s, &m1, &err) == 0);
	CHECK(store_member_insert(s, &m2, &err) == 0);
	CHECK(store_member_insert(s, &m3, &err) == 0);
	CHECK(store_member_unassign_club(s, c.id, &err) == 2);
	check_remote_members(s, c.id, 0);
	CHECK(store_member_get(s, m1.id, &got, &err) == 0);
	CHECK(got.assignment.mode == MODE_NONE);
	CHECK(got.assignment.club_id == 0);
	/* m1 and m2 lost their club, m3 never had one: a match run takes
	 * all three ("assign every unassigned member"). */
	memset(&f, 0, sizeof(f));
	f.unmatched_only = true;
	unmatched_n = 0;
	CHECK(store_member_each(s, &f, count_member, NULL, &err) == 3);
	CHECK(unmatched_n == 3);
	memset(&f, 0, sizeof(f));
	f.mode = MODE_UNASSIGNED;	/* includes never matched */
	unmatched_n = 0;
	CHECK(store_member_each(s, &f, count_member, NULL, &err) == 3);
	store_close(s);
}

/* ==== the member daily cap ============================================= */

/* Queues n rows for member (dedup "cap:<i>"), and reads them back in id
 * order into rows. */
static int
queue_rows(struct store *s, int64_t member, int n, struct outbox_row *rows,
    struct err *err)
{
	struct outbox_new q;
	char dedup[32];
	int i;

	for (i = 0; i < n; i++) {
		memset(&q, 0, sizeof(q));
		snprintf(dedup, sizeof(dedup), "cap:%d", i);
		q.kind = KIND_WELCOME;
		q.dedup = dedup;
		q.member_id = member;
		q.to = "capped@example.org";
		CHECK(store_outbox_queue(s, &q, err) == 1);
	}
	return store_outbox_due(s, time(NULL) + 10, 1, 0, n, rows, err);
}

static void
mark_sent(struct store *s, struct outbox_row *r, time_t at)
{
	struct err err;

	err_clear(&err);
	snprintf(r->status, sizeof(r->status), "sent");
	r->sent_at = at;
	CHECK(store_outbox_result(s, r, &err) == 0);
}

/* Sends in the window and rows being sent count; older sends do not;
 * the place frees when the cap-th most recent send leaves the window. */
static void
test_member_cap(void)
{
	struct store *s;
	struct err err;
	struct club c = sample_club("Cap Club");
	struct member m = sample_member("capped@example.org", 0, MODE_LOCAL);
	struct outbox_row rows[6];
	time_t now = time(NULL), free_at = 0;
	const time_t day = 24 * 3600;
	int64_t capped = -1;

	s = open_new("cap.db", &err);
	if (s == NULL)
		return;
	CHECK(store_club_insert(s, &c, &err) == 0);
	m.assignment.club_id = c.id;
	CHECK(store_member_insert(s, &m, &err) == 0);
	CHECK(queue_rows(s, m.id, 6, rows, &err) == 6);
	mark_sent(s, &rows[0], now - day - 10);	/* out of the window */
	mark_sent(s, &rows[1], now - 100);
	mark_sent(s, &rows[2], now - 50);
	/* Two in the window: a third may go, and is being sent. */
	CHECK(store_outbox_claim_capped(s, rows[3].id, m.id, 3, now, day,
	    &free_at, &err) == 1);
	/* Two sent + one sending: full, until now - 100 is a day old. */
	CHECK(store_outbox_claim_capped(s, rows[4].id, m.id, 3, now, day,
	    &free_at, &err) == 2);
	CHECK(free_at == now - 100 + day);
	/* Cap 2: full already by the most recent send alone. */
	CHECK(store_outbox_claim_capped(s, rows[4].id, m.id, 2, now, day,
	    &free_at, &err) == 2);
	CHECK(free_at == now - 50 + day);
	/* Cap 1 with a row being sent: asked again in a second. */
	CHECK(store_outbox_claim_capped(s, rows[4].id, m.id, 1, now, day,
	    &free_at, &err) == 2);
	CHECK(free_at == now + 1);
	/* A short window leaves only now - 50 in it: room for cap 3. */
	CHECK(store_outbox_claim_capped(s, rows[4].id, m.id, 3, now, 60,
	    &free_at, &err) == 1);
	/* Cap 0, and rows without a member, are never capped. */
	CHECK(store_outbox_claim_capped(s, rows[5].id, m.id, 0, now, day,
	    &free_at, &err) == 1);
	CHECK(store_outbox_claim_capped(s, rows[5].id, 0, 1, now, day,
	    &free_at, &err) == 0);	/* claimed already: not pending */
	/* Nothing is held back until a row says so. */
	CHECK(store_outbox_capped(s, &capped, &err) == 0);
	CHECK(capped == 0);
	store_outbox_recover(s, &err);
	snprintf(rows[5].status, sizeof(rows[5].status), "pending");
	snprintf(rows[5].last_error, sizeof(rows[5].last_error),
	    OUTBOX_CAP_REASON " (3 in 24 h)");
	CHECK(store_outbox_result(s, &rows[5], &err) == 0);
	CHECK(store_outbox_capped(s, &capped, &err) == 0);
	CHECK(capped == 1);
	store_close(s);
}

/* ==== coming back (docs/email.md, "Invited again") ====================== */

/* A withdrawn invitation comes back above its CANCEL, which no longer
 * goes; a closed task opens anew, an open one stays; only a removed
 * member is made active again. */
static void
test_come_back(void)
{
	struct store *s;
	struct err err;
	struct club c = sample_club("Back Club");
	struct member m = sample_member("back@example.org", 0, MODE_REMOTE);
	struct meeting *g = calloc(1, sizeof(*g));
	struct outbox_key k = { 0, 0, "REQUEST", "", 0 };
	struct outbox_row rows[4];
	struct invitation inv;
	struct contact t;
	struct member got;
	struct outbox_new q;
	int64_t rem;
	int seq = -1;

	s = open_new("back.db", &err);
	if (s == NULL || g == NULL) {
		free(g);
		store_close(s);
		return;
	}
	CHECK(store_club_insert(s, &c, &err) == 0);
	m.assignment.club_id = c.id;
	CHECK(store_member_insert(s, &m, &err) == 0);
	g->club_id = c.id;
	snprintf(g->uid, sizeof(g->uid), "back-uid@example.org");
	snprintf(g->title, sizeof(g->title), "Game");
	snprintf(g->timezone, sizeof(g->timezone), "America/Chicago");
	snprintf(g->start_local, sizeof(g->start_local), "2030-01-07T19:00");
	g->duration_minutes = 60;
	g->sequence = 3;
	CHECK(store_meeting_insert(s, g, &err) == 0);
	k.meeting_id = g->id;
	k.sequence = 3;
	/* Never withdrawn: nothing to bring back. */
	CHECK(store_invitation_revive(s, g->id, m.id, &seq, &err) == 0);
	CHECK(store_outbox_queue_member(s, &k, m.id, &err) == 0);
	CHECK(store_outbox_due(s, time(NULL) + 10, 1, 0, 4, rows, &err) == 1);
	mark_sent(s, &rows[0], time(NULL));
	CHECK(store_invitation_revive(s, g->id, m.id, &seq, &err) == 0);
	/* A reminder, dropped as the member is removed: never sent. */
	memset(&q, 0, sizeof(q));
	q.kind = KIND_REMINDER;
	q.dedup = "rem:back";
	q.invitation_id = rows[0].invitation_id;
	q.member_id = m.id;
	q.to = m.email;
	CHECK(store_outbox_queue(s, &q, &err) == 1);
	CHECK(store_outbox_drop_member(s, m.id, "removed", &err) == 1);
	/* Withdrawn: a CANCEL at SEQUENCE 4, still pending. */
	CHECK(store_uninvite_member(s, m.id, c.id, &err) == 0);
	CHECK(store_outbox_due(s, time(NULL) + 10, 1, 0, 4, rows, &err) == 1);
	CHECK(strcmp(rows[0].method, "CANCEL") == 0 && rows[0].sequence == 4);
	rem = rows[0].id - 1;		/* queued just before the CANCEL */
	CHECK(store_outbox_get(s, rem, &rows[2], &err) == 0 &&
	    rows[2].kind == KIND_REMINDER);
	CHECK(store_invitation_revive(s, g->id, m.id, &seq, &err) == 1);
	CHECK(seq == 5);
	CHECK(store_outbox_get(s, rows[0].id, &rows[1], &err) == 0);
	CHECK(strcmp(rows[1].status, "dropped") == 0);
	/* The dropped reminder is forgotten, so the top-up may queue it. */
	CHECK(store_outbox_get(s, rem, &rows[2], &err) == -1 &&
	    err.code == ERR_NOT_FOUND);
	err_clear(&err);
	CHECK(store_meeting_get(s, g->id, g, &err) == 0);
	CHECK(g->sequence == 5);
	CHECK(store_invitation_by_uid(s, m.id, g->uid, &inv, &err) == 0);
	CHECK(!inv.removed && strcmp(inv.rsvp, "needs-action") == 0);
	CHECK(store_invitation_revive(s, g->id, m.id, &seq, &err) == 0);

	/* Tasks: INSERT OR IGNORE for moves, a reopen for a re-join. */
	CHECK(store_contact_open(s, m.id, c.id, 100, 0, &err) == 1);
	CHECK(store_contact_close_member(s, m.id, "remove", &err) == 0);
	CHECK(store_contact_open(s, m.id, c.id, 200, 0, &err) == 0);
	CHECK(store_contact_reopen(s, m.id, c.id, 300, 0, &err) == 1);
	CHECK(store_contact_of_member(s, m.id, &t, &err) == 0);
	CHECK(t.due_at == 300 && t.attempts == 0 && t.last_outcome[0] == 0);
	CHECK(store_contact_reopen(s, m.id, c.id, 400, 0, &err) == 0);
	CHECK(store_contact_get(s, t.id, &t, &err) == 0 && t.due_at == 300);

	/* Only a removed member comes back. */
	CHECK(store_member_rejoin(s, m.id, &err) == -1 &&
	    err.code == ERR_CONFLICT);
	err_clear(&err);
	CHECK(store_member_set_status(s, m.id, "removed", "left", &err) == 0);
	CHECK(store_member_unsubscribe(s, m.id, &err) == 0);
	CHECK(store_member_rejoin(s, m.id, &err) == 0);
	CHECK(store_member_get(s, m.id, &got, &err) == 0);
	CHECK(strcmp(got.status, "active") == 0 && !got.unsubscribed &&
	    got.removed_reason[0] == 0 && got.removed_at == 0);
	free(g);
	store_close(s);
}

int
main(void)
{
	char cmd[128];
	int rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_fresh_database);
	RUN(test_migrate_from_v1);
	RUN(test_token_of_inactive_club);
	RUN(test_refuses_newer_version);
	RUN(test_migrate_from_v2);
	RUN(test_duplicate_email_leaves_nothing);
	RUN(test_not_found);
	RUN(test_unassign_club);
	RUN(test_member_cap);
	RUN(test_come_back);
	rc = check_done();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", dir);
	return rc;
}
