/*
 * store_sqlite.c - the store (store.h) on SQLite: the schema, its
 * migrations and every statement.  The only file that includes
 * <sqlite3.h>; a second backend would be a second file behind store.h
 * (docs/architecture.md, "The store").
 *
 * Layout of this file: schema and migrations, statement table, open and
 * close, transactions, the row walker, then one section per table.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rand.h"
#include "store.h"
#include "store_int.h"
#include "xalloc.h"

/* ==== schema ============================================================
 *
 * MIGRATIONS[i] takes a database from user_version i to i + 1.  Never edit
 * a step that has shipped: add one.
 */
static const char *const MIGRATIONS[] = {
	/* 0 -> 1: the foundation. */
	/* meta: small named values; 'gen' counts club/meeting changes so
	 * that every process can tell when its club cache is stale. */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL,"
	"  blob BLOB);"
	"INSERT INTO meta(key, value) VALUES ('gen', 1);"
	/* clubs: never deleted (DELETE deactivates) so that members,
	 * meetings and mails keep pointing at something. */
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
	/* members: one per e-mail address; mode NULL = never matched. */
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
	/* clubs.remote_members follows the members table, so that capacity
	 * checks are one row read. */
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
	"  UPDATE meta SET value = value + 1 WHERE key = 'gen'; END;",
	/* 1 -> 2: meetings and secretary tokens. */
	/* tokens: only the SHA-256 of a secretary token is kept. */
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"
	"  club_id INTEGER NOT NULL REFERENCES clubs(id),"
	"  created_at INTEGER NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0);"
	/* meetings: a series (or one meeting) in local time + zone, as
	 * RFC 5545 wants it; cancelled ones stay for the CANCEL mails. */
	"CREATE TABLE meetings ("
	"  id INTEGER PRIMARY KEY,"
	"  club_id INTEGER NOT NULL REFERENCES clubs(id),"
	"  uid TEXT NOT NULL UNIQUE, title TEXT NOT NULL,"
	"  description TEXT NOT NULL, location TEXT NOT NULL,"
	"  video_url TEXT NOT NULL, timezone TEXT NOT NULL,"
	"  start_local TEXT NOT NULL, duration_minutes INTEGER NOT NULL,"
	"  rrule TEXT NOT NULL, sequence INTEGER NOT NULL DEFAULT 0,"
	"  cancelled INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE INDEX meetings_club ON meetings(club_id, id);"
	/* occurrences: one cancelled or moved occurrence of a series, keyed
	 * by its original local date (EXDATE / RECURRENCE-ID). */
	"CREATE TABLE occurrences ("
	"  meeting_id INTEGER NOT NULL REFERENCES meetings(id),"
	"  date TEXT NOT NULL, original_local TEXT NOT NULL,"
	"  cancelled INTEGER NOT NULL, start_local TEXT NOT NULL,"
	"  duration_minutes INTEGER NOT NULL, sequence INTEGER NOT NULL,"
	"  PRIMARY KEY (meeting_id, date));"
	"CREATE TRIGGER meetings_gen_ins AFTER INSERT ON meetings BEGIN"
	"  UPDATE meta SET value = value + 1 WHERE key = 'gen'; END;"
	"CREATE TRIGGER meetings_gen_upd AFTER UPDATE ON meetings BEGIN"
	"  UPDATE meta SET value = value + 1 WHERE key = 'gen'; END;"
	"CREATE TRIGGER occ_gen_ins AFTER INSERT ON occurrences BEGIN"
	"  UPDATE meta SET value = value + 1 WHERE key = 'gen'; END;"
	"CREATE TRIGGER occ_gen_upd AFTER UPDATE ON occurrences BEGIN"
	"  UPDATE meta SET value = value + 1 WHERE key = 'gen'; END;",
	/* 2 -> 3: invitations and the outbox. */
	/* invitations: a member invited to a meeting, and the answer. */
	"CREATE TABLE invitations ("
	"  id INTEGER PRIMARY KEY,"
	"  meeting_id INTEGER NOT NULL REFERENCES meetings(id),"
	"  member_id INTEGER NOT NULL REFERENCES members(id),"
	"  rsvp TEXT NOT NULL DEFAULT 'needs-action' CHECK (rsvp IN"
	"   ('needs-action','accepted','declined','tentative')),"
	"  invited_at INTEGER NOT NULL, responded_at INTEGER,"
	"  UNIQUE (meeting_id, member_id));"
	"CREATE INDEX invitations_member ON invitations(member_id);"
	/* outbox: one message per invitation, SEQUENCE and METHOD; the
	 * UNIQUE constraint is what makes "never queued twice" hold. */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  invitation_id INTEGER NOT NULL REFERENCES invitations(id),"
	"  sequence INTEGER NOT NULL, method TEXT NOT NULL,"
	"  occurrence TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
	"   ('pending','sent','failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  last_error TEXT NOT NULL DEFAULT '',"
	"  to_addr TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL, sent_at INTEGER,"
	"  UNIQUE (invitation_id, sequence, method, occurrence));"
	"CREATE INDEX outbox_due ON outbox(status, next_attempt_at);",
	/* 3 -> 4: a batch match changes the mode of every member it
	 * touches, and keeping an index on mode up to date cost 40% of the
	 * run; filtering by mode scans the table instead (a few ms). */
	"DROP INDEX IF EXISTS members_mode;",
	/* 4 -> 5: an invitation withdrawn because its member left the club
	 * (the club was deleted): the member is sent a CANCEL. */
	"ALTER TABLE invitations ADD COLUMN removed INTEGER NOT NULL"
	"  DEFAULT 0;",
	/* 5 -> 6: outreach (docs/outreach.md), replies (docs/email.md),
	 * joining and reminders. */
	/* members: who may still be contacted, and how. */
	"ALTER TABLE members ADD COLUMN status TEXT NOT NULL DEFAULT 'active'"
	"  CHECK (status IN ('active','do_not_contact','removed'));"
	"ALTER TABLE members ADD COLUMN removed_reason TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE members ADD COLUMN removed_at INTEGER;"
	"ALTER TABLE members ADD COLUMN email_status TEXT NOT NULL"
	"  DEFAULT 'ok' CHECK (email_status IN ('ok','bouncing'));"
	"ALTER TABLE members ADD COLUMN phone_status TEXT NOT NULL"
	"  DEFAULT 'unknown' CHECK (phone_status IN ('unknown','ok','bad'));"
	/* email_hash: SHA-256 of the lower-cased address of a member
	 * removed as a prank, whose address itself is blanked. */
	"ALTER TABLE members ADD COLUMN email_hash TEXT;"
	"CREATE INDEX members_email_hash ON members(email_hash)"
	"  WHERE email_hash IS NOT NULL;"
	"CREATE INDEX members_status ON members(status)"
	"  WHERE status != 'active';"
	/* tokens: optional expiry and a label for the admin's list. */
	"ALTER TABLE tokens ADD COLUMN expires_at INTEGER;"
	"ALTER TABLE tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';"
	/* invitations: the reply tag of the ORGANIZER address (104 random
	 * bits, hex), and how and when the series answer was given. */
	"ALTER TABLE invitations ADD COLUMN tag TEXT;"
	"UPDATE invitations SET tag = lower(hex(randomblob(13)));"
	"CREATE UNIQUE INDEX invitations_tag ON invitations(tag);"
	"ALTER TABLE invitations ADD COLUMN rsvp_via TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE invitations ADD COLUMN comment TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE invitations ADD COLUMN reply_sequence INTEGER NOT NULL"
	"  DEFAULT -1;"
	"ALTER TABLE invitations ADD COLUMN reply_stamp INTEGER NOT NULL"
	"  DEFAULT 0;"
	/* answers: the answer to one occurrence (date in the meeting's
	 * zone), and whether the member came. */
	"CREATE TABLE answers ("
	"  invitation_id INTEGER NOT NULL REFERENCES invitations(id),"
	"  date TEXT NOT NULL,"
	"  rsvp TEXT CHECK (rsvp IN"
	"   ('needs-action','accepted','declined','tentative')),"
	"  rsvp_via TEXT NOT NULL DEFAULT '', comment TEXT NOT NULL DEFAULT '',"
	"  reply_sequence INTEGER NOT NULL DEFAULT -1,"
	"  reply_stamp INTEGER NOT NULL DEFAULT 0,"
	"  responded_at INTEGER, attended INTEGER,"
	"  PRIMARY KEY (invitation_id, date));"
	/* contacts: the first-contact task of a newly assigned member, and
	 * digest_id: the secretary digest that told the club about them. */
	"CREATE TABLE contacts ("
	"  id INTEGER PRIMARY KEY,"
	"  member_id INTEGER NOT NULL REFERENCES members(id),"
	"  club_id INTEGER NOT NULL REFERENCES clubs(id),"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN"
	"   ('open','done')),"
	"  due_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_outcome TEXT NOT NULL DEFAULT '',"
	"  batch INTEGER NOT NULL DEFAULT 0, digest_id INTEGER,"
	"  created_at INTEGER NOT NULL, closed_at INTEGER,"
	"  UNIQUE (member_id, club_id));"
	"CREATE INDEX contacts_club ON contacts(club_id, status, due_at);"
	"CREATE INDEX contacts_due ON contacts(status, due_at);"
	"CREATE INDEX contacts_undigested ON contacts(club_id)"
	"  WHERE digest_id IS NULL;"
	"CREATE TABLE contact_attempts ("
	"  id INTEGER PRIMARY KEY,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  channel TEXT NOT NULL, outcome TEXT NOT NULL,"
	"  note TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);"
	"CREATE INDEX contact_attempts_contact ON"
	"  contact_attempts(contact_id);"
	/* replies: every message the intake took, once per Message-ID. */
	"CREATE TABLE replies ("
	"  id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL, outcome TEXT NOT NULL DEFAULT '',"
	"  invitation_id INTEGER, member_id INTEGER, club_id INTEGER,"
	"  from_addr TEXT NOT NULL DEFAULT '',"
	"  subject TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '',"
	"  received_at INTEGER NOT NULL);"
	/* joins: a sign-up waiting for its confirmation (docs/joining.md);
	 * only the token's SHA-256 is kept. */
	"CREATE TABLE joins ("
	"  id INTEGER PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,"
	"  email TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL,"
	"  zip TEXT NOT NULL, state TEXT NOT NULL, phone TEXT NOT NULL,"
	"  preferred_channel TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL, used_at INTEGER, member_id INTEGER);"
	"CREATE INDEX joins_email ON joins(email, created_at);"
	/* outbox: every kind of mail.  dedup is the key that makes a
	 * second queueing of the same message impossible; 'sending' marks
	 * the one row a lane has handed to the server (docs/email.md,
	 * "Exactly once"). */
	"CREATE TABLE outbox_v6 ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('invitation','welcome',"
	"   'secretary_digest','organizer_digest','forward','reminder',"
	"   'followup','join_confirm','member_link')),"
	"  dedup TEXT NOT NULL UNIQUE,"
	"  invitation_id INTEGER REFERENCES invitations(id),"
	"  member_id INTEGER REFERENCES members(id),"
	"  club_id INTEGER REFERENCES clubs(id),"
	"  ref_id INTEGER,"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  method TEXT NOT NULL DEFAULT '',"
	"  occurrence TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
	"   ('pending','sending','sent','failed','dropped')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL, send_before INTEGER,"
	"  last_error TEXT NOT NULL DEFAULT '',"
	"  to_addr TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL, sent_at INTEGER);"
	"INSERT INTO outbox_v6 (id, kind, dedup, invitation_id, member_id,"
	"  club_id, sequence, method, occurrence, status, attempts,"
	"  next_attempt_at, last_error, to_addr, subject, created_at,"
	"  sent_at)"
	" SELECT o.id, 'invitation', 'inv:' || o.invitation_id || ':' ||"
	"  o.sequence || ':' || o.method || ':' || o.occurrence,"
	"  o.invitation_id, i.member_id, g.club_id, o.sequence, o.method,"
	"  o.occurrence, CASE WHEN o.status = 'failed' AND"
	"  o.last_error LIKE 'not sent:%' THEN 'dropped' ELSE o.status END,"
	"  o.attempts, o.next_attempt_at, o.last_error, o.to_addr,"
	"  o.subject, o.created_at, o.sent_at"
	" FROM outbox o JOIN invitations i ON i.id = o.invitation_id"
	" JOIN meetings g ON g.id = i.meeting_id;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_v6 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox(status, next_attempt_at);"
	"CREATE INDEX outbox_invitation ON outbox(invitation_id)"
	"  WHERE invitation_id IS NOT NULL;"
	"CREATE INDEX outbox_member ON outbox(member_id, status)"
	"  WHERE member_id IS NOT NULL;"
	"CREATE INDEX outbox_kind ON outbox(kind, club_id, status);",
	/* 6 -> 7: the member daily cap reads a member's most recent sends
	 * before each of their messages (docs/email.md, "A daily cap per
	 * member"); this index answers that with at most cap entries, where
	 * outbox_member would visit every message they were ever sent. */
	"CREATE INDEX outbox_member_sent ON outbox(member_id, sent_at)"
	"  WHERE status = 'sent' AND member_id IS NOT NULL;",
	/* 7 -> 8: the console's map groups members by ZIP, mode and club
	 * (store_map_dots()): walking this index in order needs no sort
	 * and no table row, 100,000 members in ~35 ms instead of ~135 ms
	 * (docs/data.md, "State outlines and the map"). */
	"CREATE INDEX members_map ON members(zip, mode, club_id, lat, lon)"
	"  WHERE status != 'removed' AND zip != '';",
};

/* ==== statements ======================================================== */
enum stmt_id {
	ST_GEN,
	ST_SECRET_GET,
	ST_SECRET_PUT,
	ST_CLUB_INSERT,
	ST_CLUB_GET,
	ST_CLUB_FIND,
	ST_CLUB_UPDATE,
	ST_CLUB_EACH,
	ST_CLUB_ROOM,
	ST_MEMBER_INSERT,
	ST_MEMBER_GET,
	ST_MEMBER_BY_EMAIL,
	ST_MEMBER_EACH,
	ST_MEMBER_ASSIGN,
	ST_MEMBER_UNASSIGN_CLUB,
	ST_MEMBER_COUNT,
	ST_MEMBER_SPOTS,
	ST_TOKEN_INSERT,
	ST_TOKEN_LOOKUP,
	ST_MEETING_INSERT,
	ST_MEETING_UPDATE,
	ST_MEETING_GET,
	ST_MEETING_EACH,
	ST_OCC_LIST,
	ST_OCC_PUT,
	ST_OCC_CLEAR,
	ST__COUNT
};

#define CLUB_COLS "id, name, slug, zip, city, state, county, timezone, lat," \
	" lon, secretary_email, secretary_name, accepts_remote," \
	" remote_capacity, active, remote_members, created_at"
/* Members keep no county: '' stands in, so that clubs and members read
 * their place from the same columns (place_from_row). */
#define MEMBER_COLS "m.id, m.name, m.email, m.zip, m.city, m.state, ''," \
	" m.timezone, m.lat, m.lon, m.phone, m.preferred_channel," \
	" m.unsubscribed, m.created_at, m.club_id, c.name, m.distance_miles," \
	" m.mode, m.reason, m.status, m.removed_reason, m.removed_at," \
	" m.email_status, m.phone_status"

#define MEETING_COLS "id, club_id, uid, title, description, location," \
	" video_url, timezone, start_local, duration_minutes, rrule, sequence," \
	" cancelled, created_at, updated_at"

static const char *const SQL[ST__COUNT] = {
	[ST_GEN] = "SELECT value FROM meta WHERE key = 'gen'",
	[ST_SECRET_GET] = "SELECT blob FROM meta WHERE key = 'secret'",
	[ST_SECRET_PUT] = "INSERT OR IGNORE INTO meta(key, value, blob)"
	    " VALUES ('secret', 0, ?)",
	[ST_CLUB_INSERT] = "INSERT INTO clubs (name, slug, zip, city, state,"
	    " county, timezone, lat, lon, secretary_email, secretary_name,"
	    " accepts_remote, remote_capacity, created_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[ST_CLUB_GET] = "SELECT " CLUB_COLS " FROM clubs WHERE id = ?",
	[ST_CLUB_FIND] = "SELECT " CLUB_COLS " FROM clubs WHERE active"
	    " AND name = ? AND zip = ? ORDER BY id LIMIT 1",
	[ST_CLUB_UPDATE] = "UPDATE clubs SET name = ?, slug = ?, zip = ?,"
	    " city = ?, state = ?, county = ?, timezone = ?, lat = ?, lon = ?,"
	    " secretary_email = ?, secretary_name = ?, accepts_remote = ?,"
	    " remote_capacity = ?, active = ? WHERE id = ?",
	[ST_CLUB_EACH] = "SELECT " CLUB_COLS " FROM clubs WHERE id > ?"
	    " AND (active OR NOT ?) ORDER BY id LIMIT ?",
	[ST_CLUB_ROOM] = "SELECT remote_members, remote_capacity FROM clubs"
	    " WHERE id = ? AND active",
	[ST_MEMBER_INSERT] = "INSERT INTO members (name, email, zip, city,"
	    " state, timezone, lat, lon, phone, preferred_channel, club_id,"
	    " mode, distance_miles, reason, created_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[ST_MEMBER_GET] = "SELECT " MEMBER_COLS " FROM members m"
	    " LEFT JOIN clubs c ON c.id = m.club_id WHERE m.id = ?",
	[ST_MEMBER_BY_EMAIL] = "SELECT " MEMBER_COLS " FROM members m"
	    " LEFT JOIN clubs c ON c.id = m.club_id WHERE m.email = ?",
	[ST_MEMBER_EACH] = "SELECT " MEMBER_COLS " FROM members m"
	    " LEFT JOIN clubs c ON c.id = m.club_id"
	    " WHERE m.id > ?1 AND (?2 = 0 OR m.club_id = ?2)"
	    " AND (?3 IS NULL OR m.mode = ?3"
	    "  OR (?3 = 'unassigned' AND m.mode IS NULL))"
	    " AND (NOT ?4 OR m.mode IS NULL OR m.mode = 'unassigned')"
	    " AND (CASE WHEN ?6 IS NULL THEN m.status != 'removed'"
	    "  ELSE m.status = ?6 END)"
	    " AND (?7 IS NULL OR m.email_status = ?7)"
	    " ORDER BY m.id LIMIT ?5",
	[ST_MEMBER_ASSIGN] = "UPDATE members SET club_id = ?, mode = ?,"
	    " distance_miles = ?, reason = ? WHERE id = ?",
	[ST_MEMBER_UNASSIGN_CLUB] = "UPDATE members SET club_id = NULL,"
	    " mode = NULL, distance_miles = NULL, reason = '' WHERE club_id = ?",
	[ST_MEMBER_COUNT] = "SELECT count(*) FROM members"
	    " WHERE status != 'removed'",
	[ST_MEMBER_SPOTS] = "SELECT id, zip != '', lat, lon, state FROM members"
	    " WHERE status != 'removed' AND CASE WHEN ?1 = 0"
	    "  THEN mode IS NULL OR mode = 'unassigned'"
	    "  ELSE club_id = ?1 END ORDER BY id",
	[ST_TOKEN_INSERT] = "INSERT INTO tokens (hash, club_id, created_at)"
	    " VALUES (?, ?, ?)",
	[ST_TOKEN_LOOKUP] = "SELECT t.club_id FROM tokens t JOIN clubs c"
	    " ON c.id = t.club_id WHERE t.hash = ? AND NOT t.revoked"
	    " AND c.active AND (t.expires_at IS NULL OR t.expires_at > ?)",
	[ST_MEETING_INSERT] = "INSERT INTO meetings (club_id, uid, title,"
	    " description, location, video_url, timezone, start_local,"
	    " duration_minutes, rrule, sequence, cancelled, created_at,"
	    " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[ST_MEETING_UPDATE] = "UPDATE meetings SET club_id = ?, uid = ?,"
	    " title = ?, description = ?, location = ?, video_url = ?,"
	    " timezone = ?, start_local = ?, duration_minutes = ?, rrule = ?,"
	    " sequence = ?, cancelled = ?, created_at = ?, updated_at = ?"
	    " WHERE id = ?",
	[ST_MEETING_GET] = "SELECT " MEETING_COLS " FROM meetings WHERE id = ?",
	[ST_MEETING_EACH] = "SELECT " MEETING_COLS " FROM meetings"
	    " WHERE (?1 = 0 OR club_id = ?1) AND (?2 OR NOT cancelled)"
	    " ORDER BY id",
	[ST_OCC_LIST] = "SELECT date, original_local, cancelled, start_local,"
	    " duration_minutes, sequence FROM occurrences"
	    " WHERE meeting_id = ? ORDER BY date",
	[ST_OCC_PUT] = "INSERT OR REPLACE INTO occurrences (meeting_id, date,"
	    " original_local, cancelled, start_local, duration_minutes,"
	    " sequence) VALUES (?,?,?,?,?,?,?)",
	[ST_OCC_CLEAR] = "DELETE FROM occurrences WHERE meeting_id = ?",
};


/* Copies SQLite's message now: it is overwritten by the next call. */
int
sq_fail(struct store *s, struct err *err, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);

	if (code == SQLITE_CONSTRAINT_UNIQUE ||
	    code == SQLITE_CONSTRAINT_PRIMARYKEY)
		return err_set(err, ERR_CONFLICT, "%s: already exists", what);
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return err_set(err, ERR_UNAVAILABLE, "%s: database is busy",
		    what);
	return err_set(err, ERR_INTERNAL, "%s: %s", what,
	    sqlite3_errmsg(s->db));
}

/* ==== open and close ==================================================== */
static int
store_exec(struct store *s, const char *sql, struct err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, ERR_INTERNAL, "sqlite: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
store_user_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Each step runs in its own transaction together with its user_version
 * bump, so a crash mid-migration leaves the previous version intact. */
static int
store_migrate(struct store *s, struct err *err)
{
	int v = store_user_version(s);
	int n = (int)(sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0]));
	char bump[64];

	if (v < 0)
		return sq_fail(s, err, "cannot read schema version");
	s->schema_found = v;
	if (v > n)
		return err_set(err, ERR_INTERNAL, "database schema version %d"
		    " is newer than this program (%d): upgrade clubmatch", v, n);
	for (; v < n; v++) {
		if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
			return -1;
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if (store_exec(s, MIGRATIONS[v], err) < 0 ||
		    store_exec(s, bump, err) < 0) {
			store_exec(s, "ROLLBACK", NULL);
			return -1;
		}
		if (store_exec(s, "COMMIT", err) < 0)
			return -1;
	}
	return 0;
}

struct store *
store_open(const char *path, struct err *err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int i;

	s->st = xcalloc(ST__COUNT, sizeof(*s->st));
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set(err, ERR_INTERNAL, "cannot open database '%s': %s",
		    path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto out_close;
	}
	/* Other processes (the CLI, other workers) write too: wait for them
	 * rather than failing. */
	sqlite3_busy_timeout(s->db, 10000);
	if (store_exec(s, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;"
	    /* A batch match rewrites every member row in one transaction:
	     * with SQLite's default 2 MB cache it spends its time writing
	     * pages out mid-transaction.  The cache only grows as used. */
	    "PRAGMA cache_size = -65536;"
	    /* An import's rows are savepoints of one transaction
	     * (store_batch_begin()): their sub-journals stay in memory
	     * instead of a temporary file written page by page. */
	    "PRAGMA temp_store = MEMORY;", err) < 0)
		goto out_close;
	if (store_migrate(s, err) < 0)
		goto out_close;
	for (i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, SQL[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			sq_fail(s, err, "cannot prepare statement");
			goto out_close;
		}
	}
	return s;
out_close:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; s->st && i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (i = 0; i < SQ_CACHE_SLOTS; i++)
		sqlite3_finalize(s->cache[i].st);
	free(s->st);
	sqlite3_close(s->db);
	free(s);
}

/* ==== backup ============================================================ */
/* Copies every page from s into dst with SQLite's online backup API: one
 * step that reads a single snapshot (in WAL mode the writers go on), and
 * a retry while another connection holds a lock the copy needs. */
static int
backup_copy(struct store *s, sqlite3 *dst, struct err *err)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->db, "main");
	int rc, tries = 0;

	if (b == NULL)
		return err_set(err, ERR_INTERNAL, "cannot start the backup: %s",
		    sqlite3_errmsg(dst));
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < 200);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return err_set(err, rc == SQLITE_BUSY || rc == SQLITE_LOCKED ?
		    ERR_UNAVAILABLE : ERR_INTERNAL, "backup failed: %s",
		    sqlite3_errstr(rc));
	return 0;
}

int
store_backup(struct store *s, const char *path, struct err *err)
{
	char *tmp = xasprintf("%s.tmp-XXXXXX", path), *side;
	sqlite3 *dst = NULL;
	int fd, rc = -1;

	/* A temporary file beside path, renamed over it at the end: a
	 * failed backup never leaves a half file under path. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		err_set(err, ERR_INTERNAL, "cannot create '%s': %s", tmp,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		err_set(err, ERR_INTERNAL, "cannot open '%s': %s", tmp,
		    dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out_unlink;
	}
	if (backup_copy(s, dst, err) < 0)
		goto out_unlink;
	/* The copy is a plain file of its own: no -wal beside it, and on
	 * disk before it takes the name. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE;", NULL, NULL,
	    NULL) != SQLITE_OK) {
		err_set(err, ERR_INTERNAL, "cannot finish '%s': %s", tmp,
		    sqlite3_errmsg(dst));
		goto out_unlink;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		err_set(err, ERR_INTERNAL, "cannot close '%s'", tmp);
		goto out_unlink;
	}
	dst = NULL;
	fd = open(tmp, O_RDONLY);
	if (fd < 0 || fsync(fd) != 0) {
		err_set(err, ERR_INTERNAL, "cannot sync '%s': %s", tmp,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out_unlink;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		err_set(err, ERR_INTERNAL, "cannot rename '%s' to '%s': %s",
		    tmp, path, strerror(errno));
		goto out_unlink;
	}
	rc = 0;
	goto out_free;
out_unlink:
	sqlite3_close(dst);
	unlink(tmp);
	side = xasprintf("%s-journal", tmp);
	unlink(side);
	free(side);
	side = xasprintf("%s-wal", tmp);
	unlink(side);
	free(side);
out_free:
	free(tmp);
	return rc;
}

int
store_schema_found(const struct store *s)
{
	return s->schema_found;
}

/* ==== transactions ====================================================== */
/* The savepoints of a batch, prepared once: an import runs them for
 * every row. */
static const char SQL_SAVEPOINT[] = "SAVEPOINT change";
static const char SQL_RELEASE[] = "RELEASE change";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO change";

static int
savepoint_exec(struct store *s, const char *sql, struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, sql, err);

	return st == NULL ? -1 : sq_done(s, st, err, "savepoint");
}

int
store_begin(struct store *s, struct err *err)
{
	if (s->batch) {
		if (s->savepoint)
			return err_set(err, ERR_INTERNAL, "store: a change is "
			    "already open in this batch");
		/* A SAVEPOINT outside a transaction would begin one of its
		 * own: after SQLite ended the batch (full disk, I/O error),
		 * the rows that follow are refused rather than kept apart. */
		if (sqlite3_get_autocommit(s->db))
			return err_set(err, ERR_INTERNAL, "store: the database "
			    "ended the batch's transaction");
		if (savepoint_exec(s, SQL_SAVEPOINT, err) < 0)
			return -1;
		s->savepoint = true;
		return 0;
	}
	return store_exec(s, "BEGIN IMMEDIATE", err);
}

int
store_commit(struct store *s, struct err *err)
{
	if (s->batch) {
		if (!s->savepoint)
			return err_set(err, ERR_INTERNAL, "store: no change is "
			    "open in this batch");
		if (savepoint_exec(s, SQL_RELEASE, err) < 0) {
			store_rollback(s);
			return -1;
		}
		s->savepoint = false;
		return 0;
	}
	if (store_exec(s, "COMMIT", err) < 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	if (s->batch) {
		/* Only the open change: the rows before it stay in the
		 * batch.  When SQLite has already ended the transaction
		 * these fail, and store_batch_commit() says so. */
		if (s->savepoint && !sqlite3_get_autocommit(s->db)) {
			savepoint_exec(s, SQL_ROLLBACK_TO, NULL);
			savepoint_exec(s, SQL_RELEASE, NULL);
		}
		s->savepoint = false;
		return;
	}
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, "ROLLBACK", NULL);
}

int
store_batch_begin(struct store *s, struct err *err)
{
	if (s->batch)
		return err_set(err, ERR_INTERNAL, "store: a batch is already "
		    "open");
	if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	s->batch = true;
	s->savepoint = false;
	return 0;
}

int
store_batch_commit(struct store *s, struct err *err)
{
	if (!s->batch)
		return err_set(err, ERR_INTERNAL, "store: no batch is open");
	s->batch = false;
	s->savepoint = false;
	if (sqlite3_get_autocommit(s->db))
		return err_set(err, ERR_INTERNAL, "store: the database ended "
		    "the batch's transaction (%s): none of its rows were kept",
		    sqlite3_errmsg(s->db));
	if (store_exec(s, "COMMIT", err) < 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

void
store_batch_rollback(struct store *s)
{
	s->batch = false;
	s->savepoint = false;
	store_rollback(s);
}

/* ==== helpers =========================================================== */
static sqlite3_stmt *
stmt(struct store *s, enum stmt_id id)
{
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	return s->st[id];
}

void
sq_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

void
sq_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

/* Open addressing on the SQL text's address: a few dozen statements. */
sqlite3_stmt *
sq_cached(struct store *s, const char *sql, struct err *err)
{
	size_t h = ((size_t)(uintptr_t)sql >> 4) % SQ_CACHE_SLOTS, i;

	for (i = 0; i < SQ_CACHE_SLOTS; i++) {
		struct sq_slot *sl = &s->cache[(h + i) % SQ_CACHE_SLOTS];

		if (sl->sql == sql) {
			sqlite3_reset(sl->st);
			sqlite3_clear_bindings(sl->st);
			return sl->st;
		}
		if (sl->sql == NULL) {
			if (sqlite3_prepare_v3(s->db, sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &sl->st, NULL) !=
			    SQLITE_OK) {
				sq_fail(s, err, "cannot prepare statement");
				sl->st = NULL;
				return NULL;
			}
			sl->sql = sql;
			return sl->st;
		}
	}
	err_set(err, ERR_INTERNAL, "statement cache full: raise "
	    "SQ_CACHE_SLOTS");
	return NULL;
}

int
sq_one(struct store *s, sqlite3_stmt *st,
    void (*fill)(sqlite3_stmt *st, void *out), void *out, const char *what,
    struct err *err)
{
	int rc = sqlite3_step(st);
	char doing[80];

	if (rc == SQLITE_ROW)
		fill(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return err_set(err, ERR_NOT_FOUND, "no such %s", what);
	snprintf(doing, sizeof(doing), "cannot read %s", what);
	return sq_fail(s, err, doing);
}

int
sq_one_id(struct store *s, const char *sql, int64_t id,
    void (*fill)(sqlite3_stmt *st, void *out), void *out, const char *what,
    struct err *err)
{
	sqlite3_stmt *st = sq_cached(s, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return sq_one(s, st, fill, out, what, err);
}

int64_t
sq_int(struct store *s, sqlite3_stmt *st, struct err *err, const char *what)
{
	int rc = sqlite3_step(st);
	int64_t v = 0;

	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(s, err, what);
	return v;
}

void
sq_col(sqlite3_stmt *st, int i, char *out, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(out, size, "%s", v ? (const char *)v : "");
}

/* Runs a statement that returns no rows. */
int
sq_done(struct store *s, sqlite3_stmt *st, struct err *err,
    const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(s, err, what);
	return 0;
}

int
sq_changes(struct store *s, sqlite3_stmt *st, struct err *err,
    const char *what)
{
	if (sq_done(s, st, err, what) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

int
sq_set_text(struct store *s, const char *sql, int64_t id, const char *v,
    struct err *err, const char *what)
{
	sqlite3_stmt *st = sq_cached(s, sql, err);

	if (st == NULL)
		return -1;
	sq_text(st, 1, v);
	sqlite3_bind_int64(st, 2, id);
	return sq_done(s, st, err, what);
}

/* Runs the by-id SELECT `which` and has fill() read its row into out.
 * ERR_NOT_FOUND names `what` and the id when there is no such row. */
static int
get_by_id(struct store *s, enum stmt_id which, int64_t id,
    void (*fill)(sqlite3_stmt *st, void *out), void *out, const char *what,
    struct err *err)
{
	sqlite3_stmt *st = stmt(s, which);

	sqlite3_bind_int64(st, 1, id);
	if (sq_one(s, st, fill, out, what, err) == 0)
		return 0;
	if (err && err->code == ERR_NOT_FOUND)
		return err_set(err, ERR_NOT_FOUND, "no %s with id %lld", what,
		    (long long)id);
	return -1;
}

/* As get_by_id(), for a statement that takes two strings (b: NULL when
 * it takes one); ERR_NOT_FOUND says "no such `what`". */
static int
get_by_text(struct store *s, enum stmt_id which, const char *a,
    const char *b, void (*fill)(sqlite3_stmt *st, void *out), void *out,
    const char *what, struct err *err)
{
	sqlite3_stmt *st = stmt(s, which);

	sq_text(st, 1, a);
	if (b)
		sq_text(st, 2, b);
	return sq_one(s, st, fill, out, what, err);
}

/* Steps st (bound by the caller) to its end, calling row(st, ctx) for
 * each row until it returns non-zero (> 0: stop, < 0: failed with *err
 * set), and resets st.  Returns the number of rows visited, or -1 with
 * *err naming `what`. */
int
sq_walk(struct store *s, sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *),
    void *ctx, const char *what, struct err *err)
{
	int rc, n = 0, stop = 0;

	while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		stop = row(st, ctx);
	}
	sqlite3_reset(st);
	if (stop < 0)
		return -1;
	if (stop == 0 && rc != SQLITE_DONE)
		return sq_fail(s, err, what);
	return n;
}

/* The place columns zip, city, state, county, timezone, lat, lon from
 * column i on, for clubs and members alike. */
void
sq_place_from_row(sqlite3_stmt *st, int i, struct place *p)
{
	sq_col(st, i, p->zip, sizeof(p->zip));
	sq_col(st, i + 1, p->city, sizeof(p->city));
	sq_col(st, i + 2, p->state, sizeof(p->state));
	sq_col(st, i + 3, p->county, sizeof(p->county));
	sq_col(st, i + 4, p->timezone, sizeof(p->timezone));
	p->lat = sqlite3_column_double(st, i + 5);
	p->lon = sqlite3_column_double(st, i + 6);
}

/* Binds zip, city, state, [county,] timezone, lat, lon from position i
 * (lat and lon NULL without a ZIP); returns the next position. */
int
sq_place_bind(sqlite3_stmt *st, int i, const struct place *p, bool county)
{
	sq_text(st, i++, p->zip);
	sq_text(st, i++, p->city);
	sq_text(st, i++, p->state);
	if (county)
		sq_text(st, i++, p->county);
	sq_text(st, i++, p->timezone);
	if (p->zip[0]) {
		sqlite3_bind_double(st, i, p->lat);
		sqlite3_bind_double(st, i + 1, p->lon);
	}
	return i + 2;
}

int64_t
store_generation(struct store *s)
{
	sqlite3_stmt *st = stmt(s, ST_GEN);
	int64_t v = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
store_secret(struct store *s, unsigned char key[32], struct err *err)
{
	sqlite3_stmt *st;
	unsigned char fresh[32];
	int attempt;

	/* INSERT OR IGNORE then read: two processes racing to create the
	 * key end up with the same one. */
	for (attempt = 0; attempt < 2; attempt++) {
		st = stmt(s, ST_SECRET_GET);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_bytes(st, 0) == 32) {
			memcpy(key, sqlite3_column_blob(st, 0), 32);
			sqlite3_reset(st);
			return 0;
		}
		sqlite3_reset(st);
		rand_bytes(fresh, sizeof(fresh));
		st = stmt(s, ST_SECRET_PUT);
		sqlite3_bind_blob(st, 1, fresh, sizeof(fresh), SQLITE_STATIC);
		if (sq_done(s, st, err, "cannot store the secret key") < 0)
			return -1;
	}
	return err_set(err, ERR_INTERNAL, "cannot read the secret key");
}

/* ==== clubs ============================================================= */
static void
club_from_row(sqlite3_stmt *st, void *out)
{
	struct club *c = out;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	sq_col(st, 1, c->name, sizeof(c->name));
	sq_col(st, 2, c->slug, sizeof(c->slug));
	sq_place_from_row(st, 3, &c->place);
	sq_col(st, 10, c->secretary_email, sizeof(c->secretary_email));
	sq_col(st, 11, c->secretary_name, sizeof(c->secretary_name));
	c->accepts_remote = sqlite3_column_int(st, 12) != 0;
	c->remote_capacity = sqlite3_column_type(st, 13) == SQLITE_NULL ?
	    -1 : sqlite3_column_int64(st, 13);
	c->active = sqlite3_column_int(st, 14) != 0;
	c->remote_members = sqlite3_column_int64(st, 15);
	c->created_at = (time_t)sqlite3_column_int64(st, 16);
}

/* Binds the columns shared by INSERT and UPDATE, from position 1. */
static int
club_bind(sqlite3_stmt *st, const struct club *c)
{
	sq_text(st, 1, c->name);
	sq_text(st, 2, c->slug);
	sq_place_bind(st, 3, &c->place, true);
	sq_text(st, 10, c->secretary_email);
	sq_text(st, 11, c->secretary_name);
	sqlite3_bind_int(st, 12, c->accepts_remote);
	if (c->remote_capacity >= 0)
		sqlite3_bind_int64(st, 13, c->remote_capacity);
	else
		sqlite3_bind_null(st, 13);
	return 14;
}

int
store_club_insert(struct store *s, struct club *c, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_CLUB_INSERT);
	int i = club_bind(st, c);

	if (c->created_at == 0)
		c->created_at = time(NULL);
	sqlite3_bind_int64(st, i, (sqlite3_int64)c->created_at);
	if (sq_done(s, st, err, "cannot insert club") < 0)
		return -1;
	c->id = sqlite3_last_insert_rowid(s->db);
	c->active = true;
	return 0;
}

int
store_club_get(struct store *s, int64_t id, struct club *out,
    struct err *err)
{
	return get_by_id(s, ST_CLUB_GET, id, club_from_row, out, "club", err);
}

int
store_club_find(struct store *s, const char *name, const char *zip,
    struct club *out, struct err *err)
{
	return get_by_text(s, ST_CLUB_FIND, name, zip, club_from_row, out,
	    "club", err);
}

int
store_club_update(struct store *s, const struct club *c, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_CLUB_UPDATE);
	int i = club_bind(st, c);

	sqlite3_bind_int(st, i, c->active);
	sqlite3_bind_int64(st, i + 1, c->id);
	return sq_done(s, st, err, "cannot update club");
}

struct club_vec {
	struct club *v;
	size_t n, cap;
};

static int
club_collect(sqlite3_stmt *st, void *ctx)
{
	struct club_vec *cv = ctx;

	if (cv->n == cv->cap) {
		cv->cap = cv->cap ? 2 * cv->cap : 64;
		cv->v = xreallocarray(cv->v, cv->cap, sizeof(*cv->v));
	}
	club_from_row(st, &cv->v[cv->n++]);
	return 0;
}

int
store_club_list(struct store *s, int64_t after, int limit, bool active_only,
    struct club **out, size_t *n, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_CLUB_EACH);
	struct club_vec cv = { NULL, 0, 0 };

	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, active_only);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	if (sq_walk(s, st, club_collect, &cv, "cannot list clubs", err) < 0) {
		free(cv.v);
		return -1;
	}
	*out = cv.v;
	*n = cv.n;
	return 0;
}

int
store_club_all(struct store *s, bool active_only, struct club **out,
    size_t *n, struct err *err)
{
	return store_club_list(s, 0, 0, active_only, out, n, err);
}

bool
store_club_room(struct store *s, int64_t id, int64_t *remote_members,
    int64_t *capacity)
{
	sqlite3_stmt *st = stmt(s, ST_CLUB_ROOM);
	bool found = false;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*remote_members = sqlite3_column_int64(st, 0);
		*capacity = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 1);
		found = true;
	}
	sqlite3_reset(st);
	return found;
}

/* ==== members =========================================================== */
static void
member_from_row(sqlite3_stmt *st, void *out)
{
	struct member *m = out;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	sq_col(st, 1, m->name, sizeof(m->name));
	sq_col(st, 2, m->email, sizeof(m->email));
	sq_place_from_row(st, 3, &m->place);
	sq_col(st, 10, m->phone, sizeof(m->phone));
	sq_col(st, 11, m->preferred_channel, sizeof(m->preferred_channel));
	m->unsubscribed = sqlite3_column_int(st, 12) != 0;
	m->created_at = (time_t)sqlite3_column_int64(st, 13);
	m->assignment.club_id = sqlite3_column_int64(st, 14);
	sq_col(st, 15, m->assignment.club_name,
	    sizeof(m->assignment.club_name));
	m->assignment.distance_miles = sqlite3_column_type(st, 16) ==
	    SQLITE_NULL ? -1 : sqlite3_column_double(st, 16);
	m->assignment.mode = model_mode_parse((const char *)
	    sqlite3_column_text(st, 17));
	sq_col(st, 18, m->assignment.reason, sizeof(m->assignment.reason));
	sq_col(st, 19, m->status, sizeof(m->status));
	sq_col(st, 20, m->removed_reason, sizeof(m->removed_reason));
	m->removed_at = (time_t)sqlite3_column_int64(st, 21);
	sq_col(st, 22, m->email_status, sizeof(m->email_status));
	sq_col(st, 23, m->phone_status, sizeof(m->phone_status));
}

/* Binds club, mode, distance and reason at positions i .. i+3. */
static void
assignment_bind(sqlite3_stmt *st, int i, const struct assignment *a)
{
	sq_id(st, i, a->club_id);
	if (a->mode != MODE_NONE)
		sq_text(st, i + 1, model_mode_name(a->mode));
	else
		sqlite3_bind_null(st, i + 1);
	if (a->distance_miles >= 0)
		sqlite3_bind_double(st, i + 2, a->distance_miles);
	else
		sqlite3_bind_null(st, i + 2);
	sq_text(st, i + 3, a->reason);
}

int
store_member_insert(struct store *s, struct member *m, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MEMBER_INSERT);

	if (m->created_at == 0)
		m->created_at = time(NULL);
	sq_text(st, 1, m->name);
	sq_text(st, 2, m->email);
	sq_place_bind(st, 3, &m->place, false);
	sq_text(st, 9, m->phone);
	sq_text(st, 10, m->preferred_channel);
	assignment_bind(st, 11, &m->assignment);
	sqlite3_bind_int64(st, 15, (sqlite3_int64)m->created_at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		if (sqlite3_extended_errcode(s->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return err_set_field(err, ERR_CONFLICT, "email",
			    "a member with e-mail '%s' already exists",
			    m->email);
		return sq_fail(s, err, "cannot insert member");
	}
	sqlite3_reset(st);
	m->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_member_get(struct store *s, int64_t id, struct member *out,
    struct err *err)
{
	return get_by_id(s, ST_MEMBER_GET, id, member_from_row, out, "member", err);
}

int
store_member_get_by_email(struct store *s, const char *email,
    struct member *out, struct err *err)
{
	return get_by_text(s, ST_MEMBER_BY_EMAIL, email, NULL,
	    member_from_row, out, "member", err);
}

struct member_visit {
	int (*fn)(const struct member *m, void *arg);
	void *arg;
	struct member row;
};

static int
member_visit(sqlite3_stmt *st, void *ctx)
{
	struct member_visit *v = ctx;

	member_from_row(st, &v->row);
	return v->fn(&v->row, v->arg) != 0;
}

int
store_member_each(struct store *s, const struct member_filter *f,
    int (*fn)(const struct member *m, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MEMBER_EACH);
	struct member_visit v = { fn, arg, { 0 } };

	sqlite3_bind_int64(st, 1, f->after);
	sqlite3_bind_int64(st, 2, f->club_id);
	if (f->mode != MODE_NONE)
		sq_text(st, 3, model_mode_name(f->mode));
	sqlite3_bind_int(st, 4, f->unmatched_only);
	sqlite3_bind_int(st, 5, f->limit > 0 ? f->limit : -1);
	sq_text(st, 6, f->status);
	sq_text(st, 7, f->email_status);
	return sq_walk(s, st, member_visit, &v, "cannot list members", err);
}

int
store_member_set_assignment(struct store *s, int64_t member_id,
    const struct assignment *a, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MEMBER_ASSIGN);

	assignment_bind(st, 1, a);
	sqlite3_bind_int64(st, 5, member_id);
	return sq_done(s, st, err, "cannot assign member");
}

int
store_member_unassign_club(struct store *s, int64_t club_id,
    struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MEMBER_UNASSIGN_CLUB);

	sqlite3_bind_int64(st, 1, club_id);
	return sq_changes(s, st, err, "cannot unassign members");
}

struct spot_visit {
	int (*fn)(const struct member_spot *m, void *arg);
	void *arg;
};

static int
spot_visit(sqlite3_stmt *st, void *ctx)
{
	struct spot_visit *v = ctx;
	struct member_spot m;

	m.id = sqlite3_column_int64(st, 0);
	m.has_zip = sqlite3_column_int(st, 1) != 0;
	m.lat = sqlite3_column_double(st, 2);
	m.lon = sqlite3_column_double(st, 3);
	sq_col(st, 4, m.state, sizeof(m.state));
	return v->fn(&m, v->arg) != 0;
}

int
store_member_spots(struct store *s, int64_t club_id,
    int (*fn)(const struct member_spot *m, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MEMBER_SPOTS);
	struct spot_visit v = { fn, arg };

	sqlite3_bind_int64(st, 1, club_id);
	return sq_walk(s, st, spot_visit, &v, "cannot list members", err);
}

int64_t
store_member_count(struct store *s)
{
	sqlite3_stmt *st = stmt(s, ST_MEMBER_COUNT);
	int64_t n = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* ==== tokens ============================================================ */
int
store_token_insert(struct store *s, const char *hash, int64_t club_id,
    struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_TOKEN_INSERT);

	sq_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, club_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	return sq_done(s, st, err, "cannot store token");
}

int
store_token_lookup(struct store *s, const char *hash, int64_t *club_id,
    struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_TOKEN_LOOKUP);
	int rc;

	sq_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*club_id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		sq_fail(s, err, "token lookup");
	else
		err_set(err, ERR_NOT_FOUND, "no such token");
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* ==== meetings ========================================================== */
static int
meeting_bind(sqlite3_stmt *st, const struct meeting *m)
{
	sqlite3_bind_int64(st, 1, m->club_id);
	sq_text(st, 2, m->uid);
	sq_text(st, 3, m->title);
	sq_text(st, 4, m->description);
	sq_text(st, 5, m->location);
	sq_text(st, 6, m->video_url);
	sq_text(st, 7, m->timezone);
	sq_text(st, 8, m->start_local);
	sqlite3_bind_int(st, 9, m->duration_minutes);
	sq_text(st, 10, m->rrule);
	sqlite3_bind_int(st, 11, m->sequence);
	sqlite3_bind_int(st, 12, m->cancelled);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)m->created_at);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)m->updated_at);
	return 15;
}

static int
occ_visit(sqlite3_stmt *st, void *ctx)
{
	struct meeting *m = ctx;
	struct meeting_occ *o = &m->occ[m->n_occ++];

	sq_col(st, 0, o->date, sizeof(o->date));
	sq_col(st, 1, o->original_local, sizeof(o->original_local));
	o->cancelled = sqlite3_column_int(st, 2) != 0;
	sq_col(st, 3, o->start_local, sizeof(o->start_local));
	o->duration_minutes = sqlite3_column_int(st, 4);
	o->sequence = sqlite3_column_int(st, 5);
	return m->n_occ == MEETING_MAX_OCC;
}

/* Reads the changed occurrences of m from the database. */
static int
meeting_load_occ(struct store *s, struct meeting *m, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_OCC_LIST);

	m->n_occ = 0;
	sqlite3_bind_int64(st, 1, m->id);
	return sq_walk(s, st, occ_visit, m, "cannot read occurrences", err) < 0 ?
	    -1 : 0;
}

static void
meeting_from_row(sqlite3_stmt *st, void *out)
{
	struct meeting *m = out;

	m->id = sqlite3_column_int64(st, 0);
	m->club_id = sqlite3_column_int64(st, 1);
	sq_col(st, 2, m->uid, sizeof(m->uid));
	sq_col(st, 3, m->title, sizeof(m->title));
	sq_col(st, 4, m->description, sizeof(m->description));
	sq_col(st, 5, m->location, sizeof(m->location));
	sq_col(st, 6, m->video_url, sizeof(m->video_url));
	sq_col(st, 7, m->timezone, sizeof(m->timezone));
	sq_col(st, 8, m->start_local, sizeof(m->start_local));
	m->duration_minutes = sqlite3_column_int(st, 9);
	sq_col(st, 10, m->rrule, sizeof(m->rrule));
	m->sequence = sqlite3_column_int(st, 11);
	m->cancelled = sqlite3_column_int(st, 12) != 0;
	m->created_at = (time_t)sqlite3_column_int64(st, 13);
	m->updated_at = (time_t)sqlite3_column_int64(st, 14);
	m->n_occ = 0;
}

int
store_meeting_insert(struct store *s, struct meeting *m, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MEETING_INSERT);

	meeting_bind(st, m);
	if (sq_done(s, st, err, "cannot insert meeting") < 0)
		return -1;
	m->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_meeting_update(struct store *s, const struct meeting *m,
    struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MEETING_UPDATE);
	int i = meeting_bind(st, m);

	sqlite3_bind_int64(st, i, m->id);
	return sq_done(s, st, err, "cannot update meeting");
}

int
store_meeting_get(struct store *s, int64_t id, struct meeting *out,
    struct err *err)
{
	if (get_by_id(s, ST_MEETING_GET, id, meeting_from_row, out,
	    "meeting", err) < 0)
		return -1;
	return meeting_load_occ(s, out, err);
}

struct meeting_visit {
	struct store *s;
	int (*fn)(const struct meeting *m, void *arg);
	void *arg;
	struct err *err;
	struct meeting row;	/* large: the visit lives on the heap */
};

static int
meeting_visit(sqlite3_stmt *st, void *ctx)
{
	struct meeting_visit *v = ctx;

	meeting_from_row(st, &v->row);
	/* ST_OCC_LIST is a different statement, so stepping it does not
	 * disturb this walk. */
	if (meeting_load_occ(v->s, &v->row, v->err) < 0)
		return -1;
	return v->fn(&v->row, v->arg) != 0;
}

int
store_meeting_each(struct store *s, int64_t club_id, bool with_cancelled,
    int (*fn)(const struct meeting *m, void *arg), void *arg,
    struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_MEETING_EACH);
	struct meeting_visit *v = xmalloc(sizeof(*v));
	int n;

	v->s = s;
	v->fn = fn;
	v->arg = arg;
	v->err = err;
	sqlite3_bind_int64(st, 1, club_id);
	sqlite3_bind_int(st, 2, with_cancelled);
	n = sq_walk(s, st, meeting_visit, v, "cannot list meetings", err);
	free(v);
	return n;
}

int
store_occ_put(struct store *s, int64_t meeting_id,
    const struct meeting_occ *o, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_OCC_PUT);

	sqlite3_bind_int64(st, 1, meeting_id);
	sq_text(st, 2, o->date);
	sq_text(st, 3, o->original_local);
	sqlite3_bind_int(st, 4, o->cancelled);
	sq_text(st, 5, o->start_local);
	sqlite3_bind_int(st, 6, o->duration_minutes);
	sqlite3_bind_int(st, 7, o->sequence);
	return sq_done(s, st, err, "cannot store occurrence");
}

int
store_occ_clear(struct store *s, int64_t meeting_id, struct err *err)
{
	sqlite3_stmt *st = stmt(s, ST_OCC_CLEAR);

	sqlite3_bind_int64(st, 1, meeting_id);
	return sq_done(s, st, err, "cannot clear occurrences");
}
