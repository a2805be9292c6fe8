/*
 * outreach.c - welcome, first-contact tasks, digests, outcomes and
 * removal (docs/outreach.md).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "hash.h"
#include "member.h"
#include "outreach.h"
#include "remind.h"
#include "store.h"
#include "text.h"

#define DAY (24 * 3600)
/* One-by-one assignments: the digest waits this long for others to
 * arrive, and a club gets at most one per DIGEST_GAP. */
#define DIGEST_DELAY 20
#define DIGEST_GAP 3600
/* An import's own digests are queued when it ends; tasks of an import
 * older than this without one (it died) are told by the tick. */
#define ORPHAN_AGE 600
/* left_message, no_answer, busy: try again two days on. */
#define RETRY_AFTER (2 * DAY)

/* tail tells a re-join's welcome from the first one to the same club
 * (docs/email.md, "The outbox"): "" or ":j<sign-up>". */
static int
queue_welcome(struct store *st, const struct member *m, const char *tail,
    struct err *err)
{
	char dedup[96];
	struct outbox_new n;

	snprintf(dedup, sizeof(dedup), "welcome:%" PRId64 ":%" PRId64 "%s",
	    m->id, m->assignment.club_id, tail);
	memset(&n, 0, sizeof(n));
	n.kind = KIND_WELCOME;
	n.dedup = dedup;
	n.member_id = m->id;
	n.club_id = m->assignment.club_id;
	n.to = m->email;
	return store_outbox_queue(st, &n, err) < 0 ? -1 : 0;
}

/* Queues club_id's secretary digest unless one is waiting already;
 * not before `earliest`, and DIGEST_GAP after the last one sent. */
static int
queue_digest(struct store *st, int64_t club_id, const char *dedup_tail,
    time_t earliest, int64_t batch, struct err *err)
{
	struct club c;
	struct outbox_new n;
	char dedup[96];
	bool pending;
	time_t last;

	if (store_outbox_kind_state(st, KIND_SECRETARY_DIGEST, club_id,
	    &pending, &last, err) < 0)
		return -1;
	/* A waiting digest is built when sent, so it will list them; but
	 * an import's members are told at its end, not after the hour a
	 * one-by-one digest may be waiting for (its digest lists them all,
	 * and the waiting one, with nobody left to tell, is dropped). */
	if (pending && batch <= 0)
		return 0;
	if (store_club_get(st, club_id, &c, err) < 0)
		return -1;
	snprintf(dedup, sizeof(dedup), "sdigest:%" PRId64 ":%s", club_id,
	    dedup_tail);
	memset(&n, 0, sizeof(n));
	n.kind = KIND_SECRETARY_DIGEST;
	n.dedup = dedup;
	n.club_id = club_id;
	n.ref_id = batch > 0 ? batch : 0;
	n.to = c.secretary_email;
	/* An import's digest goes when it ends; one-by-one ones at most
	 * every DIGEST_GAP. */
	n.not_before = batch <= 0 && last && last + DIGEST_GAP > earliest ?
	    last + DIGEST_GAP : earliest;
	return store_outbox_queue(st, &n, err) < 0 ? -1 : 0;
}

/* The welcome, the task and (one by one) the digest of m at their club;
 * a re-join (join_id > 0) has a welcome of its own and opens a closed
 * task anew. */
static int
welcome_member(struct service *svc, struct store *st, const struct member *m,
    int64_t batch, int64_t join_id, struct err *err)
{
	int64_t club = m->assignment.club_id;
	time_t now = time(NULL), due;
	char tail[64];

	tail[0] = '\0';
	if (join_id > 0)
		snprintf(tail, sizeof(tail), ":j%" PRId64, join_id);
	if (queue_welcome(st, m, tail, err) < 0)
		return -1;
	due = now + (time_t)DAY * service_config(svc)->contact_due_days;
	if ((join_id > 0 ? store_contact_reopen(st, m->id, club, due, batch,
	    err) : store_contact_open(st, m->id, club, due, batch, err)) < 0)
		return -1;
	if (batch != 0)
		return 0;
	snprintf(tail, sizeof(tail), "m%" PRId64 ":t%lld", m->id,
	    (long long)now);
	/* retry_scale shortens the wait in tests (docs/operations.md,
	 * "Settings for tests"). */
	return queue_digest(st, club, tail, now + (time_t)(DIGEST_DELAY *
	    service_config(svc)->retry_scale + 0.5), 0, err);
}

int
outreach_assigned(struct service *svc, struct store *st,
    const struct member *m, int64_t old_club_id, int64_t batch,
    struct err *err)
{
	int64_t club = m->assignment.club_id;

	if (club <= 0 || club == old_club_id ||
	    strcmp(m->status, "removed") == 0)
		return 0;
	return welcome_member(svc, st, m, batch, 0, err);
}

int
outreach_rejoined(struct service *svc, struct store *st,
    const struct member *m, int64_t join_id, struct err *err)
{
	if (m->assignment.club_id <= 0 || strcmp(m->status, "removed") == 0)
		return 0;
	return welcome_member(svc, st, m, 0, join_id, err);
}

static int
digest_clubs(struct store *st, int64_t batch, time_t older_than,
    const char *tail, time_t earliest, struct err *err)
{
	int64_t *clubs = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (store_contact_undigested_clubs(st, batch, older_than, &clubs, &n,
	    err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = queue_digest(st, clubs[i], tail, earliest, batch, err);
	free(clubs);
	return rc;
}

int
outreach_batch_done(struct service *svc, struct store *st, int64_t batch,
    struct err *err)
{
	char tail[32];

	(void)svc;
	snprintf(tail, sizeof(tail), "b%" PRId64, batch);
	return digest_clubs(st, batch, 0, tail, time(NULL), err);
}

static int
organizer_digest(struct service *svc, struct store *st, time_t now,
    struct err *err)
{
	const char *to = service_config(svc)->organizer_email;
	int64_t open, overdue, done;
	struct outbox_new n;
	char dedup[48];
	bool pending;
	time_t last;

	if (to[0] == '\0')
		return 0;
	if (store_contact_counts(st, 0, now, &open, &overdue, &done, err) < 0 ||
	    store_outbox_kind_state(st, KIND_ORGANIZER_DIGEST, 0, &pending,
	    &last, err) < 0)
		return -1;
	if (overdue == 0 || pending || (last && now - last < DAY))
		return 0;
	snprintf(dedup, sizeof(dedup), "odigest:%lld", (long long)now);
	memset(&n, 0, sizeof(n));
	n.kind = KIND_ORGANIZER_DIGEST;
	n.dedup = dedup;
	n.to = to;
	return store_outbox_queue(st, &n, err) < 0 ? -1 : 0;
}

int
outreach_tick(struct service *svc, struct store *st, time_t now,
    struct err *err)
{
	char tail[32];

	if (store_begin(st, err) < 0)
		return -1;
	snprintf(tail, sizeof(tail), "tick%lld", (long long)now);
	if (organizer_digest(svc, st, now, err) < 0 ||
	    digest_clubs(st, -1, now - ORPHAN_AGE, tail, now, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return remind_tick(svc, st, now, err);
}

/* ==== removal and status ================================================ */
bool
outreach_reason_ok(const char *reason)
{
	return reason && (strcmp(reason, "left") == 0 ||
	    strcmp(reason, "prank") == 0 || strcmp(reason, "duplicate") == 0);
}

void
outreach_email_hash(const char *email, char out[65])
{
	char lower[EMAIL_MAX_LEN + 1];
	size_t i;

	for (i = 0; email[i] && i < EMAIL_MAX_LEN; i++)
		lower[i] = (char)tolower((unsigned char)email[i]);
	lower[i] = '\0';
	hash_sha256_hex(lower, out);
}

/* Inside the caller's transaction. */
static int
remove_member(struct store *st, const struct member *m, const char *reason,
    struct err *err)
{
	char hash[65];

	if (store_outbox_drop_member(st, m->id, "the member was removed",
	    err) < 0 || store_contact_close_member(st, m->id, "remove",
	    err) < 0)
		return -1;
	if (m->assignment.club_id > 0 &&
	    store_uninvite_member(st, m->id, m->assignment.club_id, err) < 0)
		return -1;
	if (store_member_set_status(st, m->id, "removed", reason, err) < 0)
		return -1;
	if (strcmp(reason, "prank") != 0)
		return 0;
	/* The CANCELs just queued need the address: a prank's sign-up was
	 * never a real member's, so none is sent to it. */
	if (store_outbox_drop_member(st, m->id, "removed as a prank",
	    err) < 0)
		return -1;
	outreach_email_hash(m->email, hash);
	return store_member_blank(st, m->id, hash, err);
}

int
outreach_remove(struct service *svc, struct store *st, int64_t member_id,
    const char *reason, struct err *err)
{
	struct member m;

	(void)svc;
	if (!outreach_reason_ok(reason))
		return err_set_field(err, ERR_INVALID, "reason", "the reason "
		    "must be left, prank or duplicate");
	if (store_begin(st, err) < 0)
		return -1;
	if (store_member_get(st, member_id, &m, err) < 0)
		goto out_rollback;
	if (strcmp(m.status, "removed") == 0) {
		err_set(err, ERR_NOT_FOUND, "member %" PRId64 " was removed "
		    "already", member_id);
		goto out_rollback;
	}
	if (remove_member(st, &m, reason, err) < 0 ||
	    store_commit(st, err) < 0)
		goto out_rollback;
	return 0;
out_rollback:
	store_rollback(st);
	return -1;
}

static int
set_do_not_contact(struct store *st, int64_t member_id, struct err *err)
{
	if (store_member_set_status(st, member_id, "do_not_contact", "",
	    err) < 0 || store_contact_close_member(st, member_id,
	    "do_not_contact", err) < 0)
		return -1;
	return store_outbox_drop_member(st, member_id, "the member asked not "
	    "to be contacted", err) < 0 ? -1 : 0;
}

int
outreach_do_not_contact(struct store *st, int64_t member_id,
    struct err *err)
{
	if (store_begin(st, err) < 0)
		return -1;
	if (set_do_not_contact(st, member_id, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* ==== contact outcomes =================================================== */
static const char *const CHANNELS[] = { "phone", "sms", "email", "video",
	"in_person" };
static const char *const OUTCOMES[] = { "reached", "left_message",
	"no_answer", "busy", "bad_number", "wrong_number", "moved",
	"not_interested", "do_not_contact", "remove" };

static bool
in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static int
contact_validate(const struct contact_input *in, struct err *err)
{
	if (!in_list(in->channel, CHANNELS, sizeof(CHANNELS) /
	    sizeof(CHANNELS[0])))
		return err_set_field(err, ERR_INVALID, "channel", "channel "
		    "must be phone, sms, email, video or in_person");
	if (!in_list(in->outcome, OUTCOMES, sizeof(OUTCOMES) /
	    sizeof(OUTCOMES[0])))
		return err_set_field(err, ERR_INVALID, "outcome", "unknown "
		    "outcome: see docs/outreach.md for the list");
	if (in->note && (strlen(in->note) > TEXT_MAX_LEN ||
	    !text_utf8_valid(in->note, strlen(in->note), NULL)))
		return err_set_field(err, ERR_INVALID, "note", "the note "
		    "must be UTF-8 text of at most %d bytes", TEXT_MAX_LEN);
	if (strcmp(in->outcome, "moved") == 0 && !(in->zip && in->zip[0]) &&
	    !(in->state && in->state[0]))
		return err_set_field(err, ERR_INVALID, "zip", "outcome moved "
		    "needs the new zip or state");
	if (strcmp(in->outcome, "remove") == 0 && in->reason &&
	    !outreach_reason_ok(in->reason))
		return err_set_field(err, ERR_INVALID, "reason", "the reason "
		    "must be left, prank or duplicate");
	return 0;
}

/* The outcome's effect on the member, inside the transaction. */
static int
apply_outcome(struct service *svc, struct store *st, const struct member *m,
    const struct contact_input *in, struct err *err)
{
	const char *o = in->outcome;

	if (strcmp(o, "bad_number") == 0 || strcmp(o, "wrong_number") == 0)
		return store_member_set_phone_status(st, m->id, "bad", err);
	if (strcmp(o, "reached") == 0 && m->phone[0] &&
	    strcmp(in->channel, "phone") == 0)
		return store_member_set_phone_status(st, m->id, "ok", err);
	if (strcmp(o, "not_interested") == 0 ||
	    strcmp(o, "do_not_contact") == 0)
		return set_do_not_contact(st, m->id, err);
	if (strcmp(o, "remove") == 0)
		return remove_member(st, m, in->reason ? in->reason : "left",
		    err);
	if (strcmp(o, "moved") == 0) {
		struct place p;

		if (member_place(svc, in->zip, in->state, &p, err) < 0)
			return -1;
		return assign_rematch(svc, st, m->id, &p, err);
	}
	return 0;
}

static void
next_state(const char *outcome, const struct contact *t, const char **status,
    time_t *due)
{
	*status = "done";
	*due = t->due_at;
	if (strcmp(outcome, "left_message") == 0 ||
	    strcmp(outcome, "no_answer") == 0 || strcmp(outcome, "busy") == 0 ||
	    strcmp(outcome, "bad_number") == 0 ||
	    strcmp(outcome, "wrong_number") == 0) {
		/* A bad number leaves e-mail and the other channels. */
		*status = "open";
		*due = time(NULL) + RETRY_AFTER;
	}
}

int
outreach_contact_log(struct service *svc, struct store *st,
    int64_t member_id, const struct contact_input *in, struct contact *out,
    struct err *err)
{
	struct member m;
	struct contact t;
	const char *status;
	time_t due;

	if (contact_validate(in, err) < 0)
		return -1;
	if (store_begin(st, err) < 0)
		return -1;
	if (store_member_get(st, member_id, &m, err) < 0)
		goto out_rollback;
	if (strcmp(m.status, "removed") == 0) {
		err_set(err, ERR_NOT_FOUND, "member %" PRId64 " was removed",
		    member_id);
		goto out_rollback;
	}
	if (store_contact_of_member(st, member_id, &t, err) < 0) {
		if (err->code == ERR_NOT_FOUND)
			err_set(err, ERR_NOT_FOUND, "member %" PRId64 " has no "
			    "first-contact task with their club", member_id);
		goto out_rollback;
	}
	next_state(in->outcome, &t, &status, &due);
	if (store_contact_log(st, t.id, in->channel, in->outcome, in->note,
	    status, due, err) < 0 ||
	    apply_outcome(svc, st, &m, in, err) < 0 ||
	    store_contact_get(st, t.id, out, err) < 0 ||
	    store_commit(st, err) < 0)
		goto out_rollback;
	return 0;
out_rollback:
	store_rollback(st);
	return -1;
}

int
outreach_contacts(struct store *st, int64_t club_id, const char *status,
    int64_t after, int limit, int (*fn)(const struct contact *c, void *arg),
    void *arg, struct err *err)
{
	return store_contact_each(st, club_id, status, time(NULL), after, limit,
	    fn, arg, err);
}
