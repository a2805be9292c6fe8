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

#define STORE_SCHEMA_VERSION 8

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

/* A batch of changes in one transaction, for imports (docs/operations.md,
 * "Importing"): between store_batch_begin() and store_batch_commit(),
 * each store_begin() .. store_commit() is a savepoint, and
 * store_rollback() undoes only the change it ends, so a refused row is
 * refused alone and the rows around it commit together.  Outside a change
 * store_rollback() is a no-op, as ever; only store_batch_rollback() drops
 * the batch.  store_batch_commit() fails (-1 with *err, nothing kept) when
 * SQLite ended the transaction itself (a full disk, an I/O error). */
int store_batch_begin(struct store *s, struct err *err);
int store_batch_commit(struct store *s, struct err *err);
void store_batch_rollback(struct store *s);

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
/* 0 and *club_id for a live token of an active club, else -1 with
 * ERR_NOT_FOUND, or ERR_UNAVAILABLE when the database is busy (which is
 * no failed token: docs/operations.md, "Failed tokens"). */
int store_token_lookup(struct store *s, const char *hash, int64_t *club_id,
    struct err *err);
/* store_tokens.c: the admin's list (docs/api.md, "Tokens").  expires_at
 * 0 is none; *id (when not NULL) the new row's id. */
int store_token_add(struct store *s, const char *hash, int64_t club_id,
    time_t expires_at, const char *label, int64_t *id, struct err *err);
int store_token_list(struct store *s, int64_t club_id, int64_t after,
    int limit, struct token_info **out, size_t *n, struct err *err);
int store_token_get(struct store *s, int64_t id, struct token_info *out,
    struct err *err);
/* ERR_NOT_FOUND when there is no such token. */
int store_token_revoke(struct store *s, int64_t id, struct err *err);

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

/* ---- invitations ------------------------------------------------------ */
/* What one invitation message is about: a meeting, its SEQUENCE, the
 * METHOD ("REQUEST"/"CANCEL") and an occurrence date ("" for the
 * series). */
struct outbox_key {
	int64_t meeting_id;
	int sequence;
	const char *method;
	const char *occurrence;
	time_t not_before;		/* 0: now; an update waits, so that
					 * quick edits go out as one */
};
/*
 * Queues k for every remote member of club_id who is invited to the
 * meeting and may be mailed (active, e-mail not bouncing, subscribed);
 * when invite_new, first invites every such remote member who is not
 * yet.  supersede (NULL: none) deletes the meeting's still-pending
 * invitation messages of that occurrence ("*": of every occurrence)
 * first, because the new message carries the newer state.  Returns how
 * many were queued.
 */
int store_outbox_queue_meeting(struct store *s, const struct outbox_key *k,
    int64_t club_id, bool invite_new, const char *supersede,
    struct err *err);
/* Invites one member to a meeting and queues k for them (once). */
int store_outbox_queue_member(struct store *s, const struct outbox_key *k,
    int64_t member_id, struct err *err);
/*
 * Brings back member_id's withdrawn invitation to meeting_id, if there
 * is one (they left the club, or were removed, and are back;
 * docs/email.md, "Invited again"): live again, invited now, with no
 * answer (attendance stays), its pending CANCEL dropped and the
 * reminders it lost forgotten; the meeting's SEQUENCE, and its moved
 * occurrences', raised past every message the invitation was queued.
 * 1 and *sequence (the SEQUENCE to queue its messages at) when brought
 * back, 0 when there is no withdrawn invitation, -1 with *err.
 */
int store_invitation_revive(struct store *s, int64_t meeting_id,
    int64_t member_id, int *sequence, struct err *err);

int store_invitation_get(struct store *s, int64_t id, struct invitation *out,
    struct err *err);
/* The invitation whose ORGANIZER carries reply tag `tag`. */
int store_invitation_by_tag(struct store *s, const char *tag,
    struct invitation *out, struct err *err);
/* The member's invitation to the meeting of UID uid. */
int store_invitation_by_uid(struct store *s, int64_t member_id,
    const char *uid, struct invitation *out, struct err *err);
/* One answer, to the series (date NULL or "") or to one occurrence. */
struct answer {
	const char *rsvp;		/* accepted, declined, tentative, ... */
	const char *via;		/* link, calendar, secretary */
	const char *comment;		/* NULL: keep the one there is */
	int reply_sequence;		/* calendar replies; -1 for links */
	time_t reply_stamp;		/* calendar replies; 0 for links */
};
int store_invitation_answer(struct store *s, int64_t id, const char *date,
    const struct answer *a, struct err *err);
/* The answer stored for one occurrence; ERR_NOT_FOUND when none. */
int store_answer_get(struct store *s, int64_t invitation_id,
    const char *date, struct invitation *out, struct err *err);
/* attended: 1, 0, or -1 to clear. */
int store_answer_attended(struct store *s, int64_t invitation_id,
    const char *date, int attended, struct err *err);

/* The invited members of a meeting; with date (NULL: series answers)
 * the answers to that occurrence where there are any. */
int store_attendees_each(struct store *s, int64_t meeting_id,
    const char *date, int (*fn)(const struct attendee *a, void *arg),
    void *arg, struct err *err);
/* Withdraws the invitations of club_id's members to club_id's meetings
 * (the club is being deleted and its members re-matched): drops their
 * pending messages and queues a CANCEL (SEQUENCE + 1) for every
 * invitation that was sent.  Call before the members are unassigned. */
int store_uninvite_club(struct store *s, int64_t club_id, struct err *err);
/* The same for one member leaving club_id (re-matched or removed). */
int store_uninvite_member(struct store *s, int64_t member_id,
    int64_t club_id, struct err *err);

/* ---- the outbox: every kind of mail ------------------------------------ */
/* One message to queue.  dedup is its identity: a second queueing with
 * the same dedup is ignored, which is what makes "never queued twice"
 * hold (docs/email.md, "The outbox"). */
struct outbox_new {
	enum mail_kind kind;
	const char *dedup;
	int64_t invitation_id;		/* 0: none */
	int64_t member_id;		/* 0: none */
	int64_t club_id;		/* 0: none */
	int64_t ref_id;			/* 0: none */
	const char *occurrence;		/* NULL: "" */
	const char *to;			/* the recipient */
	time_t not_before;		/* 0: now */
	time_t send_before;		/* 0: no limit */
};
/* 1 when queued, 0 when a row of that dedup exists already, -1. */
int store_outbox_queue(struct store *s, const struct outbox_new *n,
    struct err *err);
/* Deletes the pending row of that dedup (a reminder whose occurrence
 * moved); returns how many (0 or 1), or -1. */
int store_outbox_unqueue(struct store *s, const char *dedup,
    struct err *err);
/* Marks every pending row about member_id dropped, last_error "not
 * sent: <reason>".  Returns how many. */
int store_outbox_drop_member(struct store *s, int64_t member_id,
    const char *reason, struct err *err);
/* Whether a row of that kind for club_id is pending; *last_sent_at the
 * time the last such row without a ref_id was sent (0: never): an
 * import's digests carry their batch as ref_id, so they do not hold
 * back the first one-by-one digest. */
int store_outbox_kind_state(struct store *s, enum mail_kind kind,
    int64_t club_id, bool *pending, time_t *last_sent_at, struct err *err);

/* Up to limit pending rows due at `now`, oldest first, into out: those
 * of lane `lane` of `lanes` (row id modulo lanes), so that parallel
 * senders never take the same row. */
int store_outbox_due(struct store *s, time_t now, int lanes, int lane,
    int limit, struct outbox_row *out, struct err *err);
/* The earliest next_attempt_at of a pending row, 0 when none. */
time_t store_outbox_next_due(struct store *s);
/* Marks a pending row 'sending' just before it is handed to the server:
 * 1 when claimed, 0 when it is no longer pending (dropped meanwhile). */
int store_outbox_claim(struct store *s, int64_t id, struct err *err);
/*
 * store_outbox_claim() for a row addressed to member_id, under the
 * member daily cap (docs/email.md, "A daily cap per member"): the row is
 * claimed only while the member has fewer than cap messages sent since
 * now - window plus being sent.  The count and the claim are one
 * transaction, so two lanes cannot both take a member's last place.
 * Returns 1 claimed, 0 no longer pending, 2 capped (nothing written;
 * *free_at is when a place frees: the cap-th most recent send turns
 * window old), -1 with *err.  cap 0 or member_id 0: never capped.
 */
int store_outbox_claim_capped(struct store *s, int64_t id, int64_t member_id,
    int cap, time_t now, time_t window, time_t *free_at, struct err *err);
/* The last_error of a row the cap holds back starts with this. */
#define OUTBOX_CAP_REASON "member daily cap"
/* Pending rows the member daily cap holds back now. */
int store_outbox_capped(struct store *s, int64_t *count, struct err *err);
/* Rows a killed process left 'sending' go back to pending (they are
 * re-sent with the same Message-ID).  Returns how many. */
int store_outbox_recover(struct store *s, struct err *err);
/* Writes status, attempts, next_attempt_at, last_error, subject and
 * sent_at of r — only while the row is pending or sending. */
int store_outbox_result(struct store *s, const struct outbox_row *r,
    struct err *err);
int store_outbox_get(struct store *s, int64_t id, struct outbox_row *out,
    struct err *err);
/* Rows with id > after, of one status (NULL: any), in id order. */
int store_outbox_each(struct store *s, const char *status, int64_t after,
    int limit, int (*fn)(const struct outbox_row *r, void *arg), void *arg,
    struct err *err);
/* Rows by status: counts[0..4] = pending, sending, sent, failed, dropped
 * (kind KIND__COUNT: every kind). */
int store_outbox_counts(struct store *s, enum mail_kind kind,
    int64_t counts[5], struct err *err);

/* ---- member status (docs/outreach.md) ---------------------------------- */
/* Marks the member unsubscribed and drops their pending messages. */
int store_member_unsubscribe(struct store *s, int64_t member_id,
    struct err *err);
/* Writes name, email, place, phone and preferred_channel of m. */
int store_member_update(struct store *s, const struct member *m,
    struct err *err);
/* status: active, do_not_contact or removed (with reason). */
int store_member_set_status(struct store *s, int64_t member_id,
    const char *status, const char *reason, struct err *err);
/* A member removed as left who confirmed a sign-up again
 * (docs/joining.md, "Joining again"): active, removed_reason and
 * removed_at cleared, email_status ok (they just opened our mail),
 * subscribed (a new opt-in), phone_status unknown.  ERR_CONFLICT when
 * the member is not removed. */
int store_member_rejoin(struct store *s, int64_t member_id,
    struct err *err);
int store_member_set_email_status(struct store *s, int64_t member_id,
    const char *email_status, struct err *err);
int store_member_set_phone_status(struct store *s, int64_t member_id,
    const char *phone_status, struct err *err);
/* Blanks name, phone and e-mail of a member removed as a prank, keeping
 * email_hash (hex SHA-256 of the lower-cased address). */
int store_member_blank(struct store *s, int64_t member_id,
    const char *email_hash, struct err *err);
/* Whether a prank-removed member had this address hash. */
bool store_member_hash_known(struct store *s, const char *email_hash);
/* The member with this address (any status). */
int store_member_by_email(struct store *s, const char *email,
    struct member *out, struct err *err);

/* ---- first-contact tasks ---------------------------------------------- */
/* Opens the task of a member newly assigned to club_id, due at due_at
 * (once per member and club).  batch: an import run's number, so its
 * digest is queued when it ends; 0 for one-by-one.  1 opened, 0 existed. */
int store_contact_open(struct store *s, int64_t member_id, int64_t club_id,
    time_t due_at, int64_t batch, struct err *err);
/* The same for a member who joined again: a closed task with club_id
 * opens anew (open, due at due_at, no attempts, not yet told to the
 * secretary); an open one stays as it is.  1 opened, 0 open already. */
int store_contact_reopen(struct store *s, int64_t member_id,
    int64_t club_id, time_t due_at, int64_t batch, struct err *err);
int store_contact_get(struct store *s, int64_t id, struct contact *out,
    struct err *err);
/* The open task of a member (their current club's). */
int store_contact_of_member(struct store *s, int64_t member_id,
    struct contact *out, struct err *err);
/* Logs an attempt; status "open" or "done", due_at the new due time. */
int store_contact_log(struct store *s, int64_t contact_id,
    const char *channel, const char *outcome, const char *note,
    const char *status, time_t due_at, struct err *err);
/* Closes every open task of the member (removed, do-not-contact). */
int store_contact_close_member(struct store *s, int64_t member_id,
    const char *outcome, struct err *err);
/* Tasks of club_id (0: every club) with status open, overdue or done
 * (NULL: all), overdue first then by due time; `now` decides overdue. */
int store_contact_each(struct store *s, int64_t club_id, const char *status,
    time_t now, int64_t after, int limit,
    int (*fn)(const struct contact *c, void *arg), void *arg,
    struct err *err);
/* Counts of open (not overdue), overdue and done tasks. */
int store_contact_counts(struct store *s, int64_t club_id, time_t now,
    int64_t *open, int64_t *overdue, int64_t *done, struct err *err);
/* Clubs with tasks no digest has told the secretary about yet: of
 * import batch `batch` (0: of one-by-one assignments; -1: one-by-one
 * ones and those of imports opened before older_than). */
int store_contact_undigested_clubs(struct store *s, int64_t batch,
    time_t older_than, int64_t **clubs, size_t *n, struct err *err);
/* The tasks a digest row lists: not yet digested, of club_id, up to
 * max_id (0: all) — and store_contact_mark_digested() records it. */
int store_contact_mark_digested(struct store *s, int64_t club_id,
    int64_t digest_id, int64_t max_contact_id, struct err *err);
int store_contact_undigested_each(struct store *s, int64_t club_id,
    int (*fn)(const struct contact *c, void *arg), void *arg,
    struct err *err);
/* A new import run number (a counter in meta). */
int64_t store_batch_next(struct store *s, struct err *err);

/* ---- replies taken (docs/email.md, "Replies") --------------------------- */
/* One received message; the pointers are borrowed on insert, and point
 * into the _buf members after store_reply_get(). */
struct reply_row {
	int64_t id;
	const char *message_id;		/* UNIQUE: taken once */
	const char *kind;		/* calendar, bounce, human, auto, junk */
	const char *outcome;		/* what it did, for the log and tests */
	int64_t invitation_id, member_id, club_id;
	const char *from_addr;
	const char *subject;
	const char *body;		/* a human reply's text */
	time_t received_at;
	char message_id_buf[256], kind_buf[16], outcome_buf[200];
	char from_buf[EMAIL_MAX_LEN + 1], subject_buf[300];
	char body_buf[64 * 1024 + 1];
};
/* 1 recorded (r->id set), 0 when that Message-ID was taken before. */
int store_reply_insert(struct store *s, struct reply_row *r, struct err *err);
/* Writes outcome, invitation_id, member_id and club_id of r (by id). */
int store_reply_outcome(struct store *s, const struct reply_row *r,
    struct err *err);
int store_reply_get(struct store *s, int64_t id, struct reply_row *out,
    struct err *err);
/* Replies by kind, for /metrics. */
int store_reply_kinds(struct store *s,
    int (*fn)(const char *kind, int64_t n, void *arg), void *arg,
    struct err *err);
/* The comment of an answer (series, or date's), rsvp unchanged. */
int store_invitation_comment(struct store *s, int64_t id, const char *date,
    const char *comment, struct err *err);
/* A sent row whose message bounced: status failed with why. */
int store_outbox_bounced(struct store *s, int64_t id, const char *why,
    struct err *err);

/* ---- sign-ups (store_join.c, docs/joining.md) ------------------------ */
struct join {
	int64_t id;
	char token_hash[65];		/* SHA-256 of the link token */
	char email[EMAIL_MAX_LEN + 1];
	char name[NAME_MAX_LEN + 1];
	char zip[16];
	char state[3];
	char phone[32];
	char preferred_channel[16];
	time_t created_at, expires_at;
	time_t used_at;			/* 0 until confirmed */
	int64_t member_id;		/* 0 until confirmed */
};
/* Stores j (token_hash a placeholder until store_join_set_hash()) and
 * sets j->id. */
int store_join_insert(struct store *s, struct join *j, struct err *err);
int store_join_set_hash(struct store *s, int64_t id, const char *hash,
    struct err *err);
/* ERR_NOT_FOUND ("no such sign-up") when there is none. */
int store_join_get(struct store *s, int64_t id, struct join *out,
    struct err *err);
/* Unconfirmed sign-ups of email created after since, or -1. */
int64_t store_join_pending(struct store *s, const char *email, time_t since,
    struct err *err);
/* Marks an unused sign-up used by member_id: 1, or 0 when it was used
 * already, or -1. */
int store_join_use(struct store *s, int64_t id, int64_t member_id,
    time_t now, struct err *err);
int store_join_set_member(struct store *s, int64_t id, int64_t member_id,
    struct err *err);
/* ---- reminders and follow-ups (docs/email.md, "Reminders") ----------- */
/* A named counter of the reminder top-up in meta; absent when none. */
int64_t store_remind_meta(struct store *s, const char *key, int64_t absent);
int store_remind_meta_put(struct store *s, const char *key, int64_t value,
    struct err *err);
/* The largest invitation id (0: none), -1 on failure: grows when anyone
 * is invited. */
int64_t store_invitation_max_id(struct store *s);
/* Calls fn with the id and sequence of each live meeting that has an
 * invitation with id > after_invitation, in id order: the meetings a
 * top-up must visit when only invitations were added. */
int store_remind_meetings_since(struct store *s, int64_t after_invitation,
    int (*fn)(int64_t meeting_id, int sequence, void *arg), void *arg,
    struct err *err);
/* One invited member who may be reminded. */
struct remind_invitee {
	int64_t invitation_id;
	int64_t member_id;
	time_t invited_at;
	char email[EMAIL_MAX_LEN + 1];
	char timezone[64];		/* the member's zone, or "" */
};
/* Calls fn for the live invitations of meeting_id with id >
 * after_invitation whose member may be mailed, in id order. */
int store_remind_invitees(struct store *s, int64_t meeting_id,
    int64_t after_invitation, int (*fn)(const struct remind_invitee *v,
    void *arg), void *arg, struct err *err);

/* ---- the organizer's counts (store_stats.c) ---------------------------- */
struct store_stats {
	int64_t members_local, members_remote, members_unassigned;
	int64_t members_removed, members_do_not_contact, members_bouncing;
	int64_t clubs_active, clubs_accepts_remote;
	int64_t contacts_open, contacts_overdue, contacts_done;
	int64_t invitations[5];	/* outbox rows by status, as
				 * store_outbox_counts() gives them */
	int64_t answers_accepted, answers_declined, answers_tentative;
	int64_t answers_needs_action;
	int64_t attended;
};
/* Every count at once; `now` decides which first contacts are overdue. */
int store_stats_read(struct store *s, time_t now, struct store_stats *out,
    struct err *err);

/* Members with a ZIP, counted by ZIP, mode and club (removed left
 * out), with their club's position: the map's dots. */
struct store_map_dot {
	double lat, lon;
	enum match_mode mode;
	int64_t club_id;
	int64_t count;
	double club_lat, club_lon;
};
/* Calls fn for each group of members shown on the map: by ZIP and mode,
 * and, with clubs, by club too (club_id and its place; else 0). */
int store_map_dots(struct store *s, bool clubs,
    int (*fn)(const struct store_map_dot *d, void *arg), void *arg,
    struct err *err);

#endif
