/*
 * store.h - everything clubmatch keeps, behind one interface.
 *
 * The only module that speaks SQL, and the only one that knows which
 * database is behind it: today SQLite (store_sqlite.c).  Nothing here
 * names a SQLite type, so a second backend is a second file implementing
 * these same functions (docs/architecture.md, "The store").  The row
 * types are in model.h.
 *
 * A struct store is one connection with its prepared statements; it
 * belongs to one thread at a time (the HTTP layer keeps one per worker
 * thread).  Several connections, in this and in other processes (the
 * CLI), share the database (SQLite: WAL mode and a busy time-out).
 *
 * Every change the service makes is one transaction: callers wrap the
 * calls of one change in store_begin() / store_commit(), and
 * store_rollback() on any failure, so a refused request changes nothing.
 * Functions that read return 0 and fill their output, or -1 with *err
 * (ERR_NOT_FOUND when the row does not exist).
 */
#ifndef CLUBMATCH_STORE_H
#define CLUBMATCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "model.h"

#define STORE_SCHEMA_VERSION 5

struct store;

/* Opens (creating if needed) the database at path, migrates its schema to
 * STORE_SCHEMA_VERSION and prepares every statement.  NULL on failure. */
struct store *store_open(const char *path, struct err *err);
void store_close(struct store *s);	/* NULL is a no-op */

/* Writes a consistent copy of the database to path (SQLite's online
 * backup API: one snapshot, while other connections go on writing),
 * through a temporary file in the same directory renamed at the end, so
 * path is either the whole copy or untouched.  -1 with *err. */
int store_backup(struct store *s, const char *path, struct err *err);

/* The schema version found in the file before store_open() migrated it. */
int store_schema_found(const struct store *s);

/* BEGIN IMMEDIATE: takes the write lock now, so the transaction never has
 * to be retried halfway. */
int store_begin(struct store *s, struct err *err);
int store_commit(struct store *s, struct err *err);
void store_rollback(struct store *s);

/* A counter that grows whenever clubs or meetings change, in any process:
 * caches of clubs compare it to decide when to rebuild. */
int64_t store_generation(struct store *s);

/* A secret random key kept in the database, created on first use; used to
 * derive (HMAC) the feed and RSVP tokens that are shown in e-mails. */
int store_secret(struct store *s, unsigned char key[32], struct err *err);

/* ---- clubs ------------------------------------------------------------ */
int store_club_insert(struct store *s, struct club *c, struct err *err);
int store_club_get(struct store *s, int64_t id, struct club *out,
    struct err *err);
/* The oldest active club named name (exactly) at zip; ERR_NOT_FOUND when
 * there is none. */
int store_club_find(struct store *s, const char *name, const char *zip,
    struct club *out, struct err *err);
/* Writes the editable fields of c (by c->id). */
int store_club_update(struct store *s, const struct club *c,
    struct err *err);
/* Clubs with id > after, in id order, at most limit (<= 0: no limit),
 * active ones only when active_only, into a new array *out of *n
 * entries (free() it). */
int store_club_list(struct store *s, int64_t after, int limit,
    bool active_only, struct club **out, size_t *n, struct err *err);
/* Every club (active ones only when active_only), as store_club_list. */
int store_club_all(struct store *s, bool active_only, struct club **out,
    size_t *n, struct err *err);
/* *remote_members and *capacity (-1: no limit) of an active club; false
 * when the club is gone or inactive. */
bool store_club_room(struct store *s, int64_t id, int64_t *remote_members,
    int64_t *capacity);

/* ---- members ---------------------------------------------------------- */
/* ERR_CONFLICT when the e-mail address is taken. */
int store_member_insert(struct store *s, struct member *m, struct err *err);
int store_member_get(struct store *s, int64_t id, struct member *out,
    struct err *err);
/* The member with e-mail address email (in any case); ERR_NOT_FOUND
 * when there is none. */
int store_member_get_by_email(struct store *s, const char *email,
    struct member *out, struct err *err);
int store_member_each(struct store *s, const struct member_filter *f,
    int (*fn)(const struct member *m, void *arg), void *arg,
    struct err *err);
int store_member_set_assignment(struct store *s, int64_t member_id,
    const struct assignment *a, struct err *err);
/* Marks every member assigned to club_id as never matched, so the next
 * match run re-assigns them.  Returns how many, or -1. */
int store_member_unassign_club(struct store *s, int64_t club_id,
    struct err *err);
int64_t store_member_count(struct store *s);
/* Where a member is, and nothing else: what a batch match reads. */
struct member_spot {
	int64_t id;
	bool has_zip;
	double lat, lon;		/* valid when has_zip */
	char state[3];
};
/* Calls fn for the members of club_id, or with club_id 0 for every
 * member without a club (never matched or left unassigned), in id
 * order. */
int store_member_spots(struct store *s, int64_t club_id,
    int (*fn)(const struct member_spot *m, void *arg), void *arg,
    struct err *err);

/* ---- secretary tokens (only their SHA-256 hex is stored) -------------- */
int store_token_insert(struct store *s, const char *hash, int64_t club_id,
    struct err *err);
/* 0 and *club_id for a live token of an active club, else -1. */
int store_token_lookup(struct store *s, const char *hash, int64_t *club_id);

/* ---- meetings --------------------------------------------------------- */
int store_meeting_insert(struct store *s, struct meeting *m,
    struct err *err);
/* Writes every field of m (by m->id); occurrences are written apart. */
int store_meeting_update(struct store *s, const struct meeting *m,
    struct err *err);
/* Fills *out with the meeting and its changed occurrences. */
int store_meeting_get(struct store *s, int64_t id, struct meeting *out,
    struct err *err);
/* Calls fn for the meetings of club_id (0: every club) in id order, with
 * their occurrences; cancelled series only when with_cancelled. */
int store_meeting_each(struct store *s, int64_t club_id, bool with_cancelled,
    int (*fn)(const struct meeting *m, void *arg), void *arg,
    struct err *err);
/* Inserts or replaces the changed occurrence o->date of a meeting. */
int store_occ_put(struct store *s, int64_t meeting_id,
    const struct meeting_occ *o, struct err *err);
int store_occ_clear(struct store *s, int64_t meeting_id, struct err *err);

/* ---- invitations and the outbox ---------------------------------------- */
/* What one outbox row is about: a meeting, its SEQUENCE, the METHOD
 * ("REQUEST"/"CANCEL") and an occurrence date ("" for the series). */
struct outbox_key {
	int64_t meeting_id;
	int sequence;
	const char *method;
	const char *occurrence;
};
/*
 * Queues k for every remote member of club_id who is invited to the
 * meeting (and, when invite_new, first invites every remote member who is
 * not yet).  supersede (NULL: none) deletes the meeting's still-pending
 * messages of that occurrence ("*": of every occurrence) first, because
 * the new message carries the newer state.  Returns how many were queued.
 */
int store_outbox_queue_meeting(struct store *s, const struct outbox_key *k,
    int64_t club_id, bool invite_new, const char *supersede,
    struct err *err);
/* Invites one member to a meeting and queues k for them (once). */
int store_outbox_queue_member(struct store *s, const struct outbox_key *k,
    int64_t member_id, struct err *err);

/* Up to limit pending rows due at `now`, oldest first, into out: those
 * of lane `lane` of `lanes` (row id modulo lanes), so that parallel
 * senders never take the same row. */
int store_outbox_due(struct store *s, time_t now, int lanes, int lane,
    int limit, struct outbox_row *out, struct err *err);
/* Writes status, attempts, next_attempt_at, last_error, subject and
 * sent_at of r — only while the row is still pending. */
int store_outbox_result(struct store *s, const struct outbox_row *r,
    struct err *err);
/* Rows with id > after, of one status (NULL: any), in id order. */
int store_outbox_each(struct store *s, const char *status, int64_t after,
    int limit, int (*fn)(const struct outbox_row *r, void *arg), void *arg,
    struct err *err);

int store_invitation_get(struct store *s, int64_t id, struct invitation *out,
    struct err *err);
int store_invitation_answer(struct store *s, int64_t id, const char *rsvp,
    struct err *err);

int store_attendees_each(struct store *s, int64_t meeting_id,
    int (*fn)(const struct attendee *a, void *arg), void *arg,
    struct err *err);
/* Withdraws the invitations of club_id's members to club_id's meetings
 * (the club is being deleted and its members re-matched): drops their
 * pending messages and queues a CANCEL (SEQUENCE + 1) for every
 * invitation that was sent.  Call before the members are unassigned. */
int store_uninvite_club(struct store *s, int64_t club_id, struct err *err);

/* Marks the member unsubscribed and drops their pending messages. */
int store_member_unsubscribe(struct store *s, int64_t member_id,
    struct err *err);

#endif
