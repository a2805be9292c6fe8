/*
 * remind.c - topping up reminders and follow-ups, and the attended page
 * (remind.h; docs/email.md, "Reminders").
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics_event.h"
#include "ics_zone.h"
#include "log.h"
#include "meeting.h"
#include "remind.h"
#include "store.h"
#include "token.h"
#include "xalloc.h"

#define HOUR 3600
#define REMIND_HOUR 10
/* A follow-up an hour after the end, worth sending for two days. */
#define FOLLOWUP_DELAY HOUR
#define FOLLOWUP_LIFE (2 * 24 * HOUR)
#define OCC_MAX 64		/* occurrences of one series in the horizon */

/* ==== due times ========================================================= */
static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
remind_due(time_t start, const char *tz, time_t *out, struct err *err)
{
	static const int MDAYS[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	struct ics_local l;

	/* The wall clock of the member's zone, never an offset: across a
	 * DST change 10:00 stays 10:00 (docs/email.md, "Reminders"). */
	if (ics_utc_to_local(start, tz, &l, err) < 0)
		return -1;
	if (--l.day == 0) {
		if (--l.month == 0) {
			l.month = 12;
			l.year--;
		}
		l.day = MDAYS[l.month - 1] + (l.month == 2 && leap(l.year));
	}
	l.hour = REMIND_HOUR;
	l.minute = 0;
	return ics_local_to_utc(&l, tz, out, err);
}

/* ==== occurrences ======================================================= */
struct occ_at {
	char date[11];		/* original date in the meeting's zone */
	bool cancelled;
	time_t start, end;	/* as it is now (moved: the new time) */
};

static const struct meeting_occ *
find_occ(const struct meeting *m, const char *date)
{
	size_t i;

	for (i = 0; i < m->n_occ; i++)
		if (strcmp(m->occ[i].date, date) == 0)
			return &m->occ[i];
	return NULL;
}

/* Applies m's change of the occurrence starting (originally) at t. */
static int
occ_fill(const struct meeting *m, time_t t, struct occ_at *o,
    struct err *err)
{
	const struct meeting_occ *c;
	struct ics_local l;
	char full[17];
	int minutes = m->duration_minutes;

	if (ics_utc_to_local(t, m->timezone, &l, err) < 0)
		return -1;
	l.hour = l.minute = 0;
	ics_local_format(&l, full);
	snprintf(o->date, sizeof(o->date), "%.10s", full);
	o->cancelled = false;
	o->start = t;
	c = find_occ(m, o->date);
	if (c && c->cancelled) {
		o->cancelled = true;
	} else if (c && c->start_local[0]) {
		if (ics_local_parse(c->start_local, &l) < 0 ||
		    ics_local_to_utc(&l, m->timezone, &o->start, err) < 0)
			return -1;
		if (c->duration_minutes > 0)
			minutes = c->duration_minutes;
	}
	o->end = o->start + (time_t)minutes * 60;
	return 0;
}

/* The occurrences whose original start is in [from, to), by the rule
 * alone, with their changes applied; how many, or -1. */
static int
occurrences(struct service *svc, const struct meeting *m,
    const struct club *c, time_t from, time_t to, struct occ_at *out,
    struct err *err)
{
	struct meeting_ics *mi = xmalloc(sizeof(*mi));
	time_t starts[OCC_MAX];
	int n, i;

	meeting_to_ics(m, c, service_config(svc), mi);
	mi->ev.n_overrides = 0;		/* the originals, cancelled too */
	mi->ev.cancelled = false;
	n = ics_occurrences(&mi->ev, from, to, starts, OCC_MAX, err);
	free(mi);
	for (i = 0; i < n; i++)
		if (occ_fill(m, starts[i], &out[i], err) < 0)
			return -1;
	return n;
}

int
remind_occurrence(struct service *svc, const struct meeting *m,
    const struct club *c, const char *date, time_t *start, time_t *end,
    struct err *err)
{
	struct meeting_ics *mi = xmalloc(sizeof(*mi));
	struct ics_local orig;
	struct occ_at o;
	time_t t;
	int rc;

	meeting_to_ics(m, c, service_config(svc), mi);
	rc = ics_occurrence_on(&mi->ev, date, &orig, err);
	free(mi);
	if (rc < 0 || ics_local_to_utc(&orig, m->timezone, &t, err) < 0 ||
	    occ_fill(m, t, &o, err) < 0)
		return -1;
	*start = o.start;
	*end = o.end;
	return o.cancelled ? 1 : 0;
}

/* ==== topping up ======================================================== */
struct topup {
	struct service *svc;
	struct store *st;
	const struct meeting *m;
	const struct occ_at *occ;
	int n_occ;
	bool replace;		/* the meeting changed: re-queue */
	int64_t queued;
};

static void
dedup_of(char *out, size_t size, const char *kind, int64_t inv,
    const char *date)
{
	snprintf(out, size, "%s:%" PRId64 ":%s", kind, inv, date);
}

static int
topup_one(const struct remind_invitee *v, void *arg)
{
	struct topup *t = arg;
	const char *tz = v->timezone[0] ? v->timezone : t->m->timezone;
	char rem[64], fup[64];
	struct outbox_new n;
	struct err err;
	time_t due;
	int i, rc;

	for (i = 0; i < t->n_occ; i++) {
		const struct occ_at *o = &t->occ[i];

		dedup_of(rem, sizeof(rem), "rem", v->invitation_id, o->date);
		dedup_of(fup, sizeof(fup), "fup", v->invitation_id, o->date);
		/* Only a pending row is deleted: a reminder already sent
		 * keeps its dedup, so the change sends no second one. */
		if ((t->replace || o->cancelled) &&
		    (store_outbox_unqueue(t->st, rem, &err) < 0 ||
		    store_outbox_unqueue(t->st, fup, &err) < 0))
			return -1;
		if (o->cancelled)
			continue;
		memset(&n, 0, sizeof(n));
		n.invitation_id = v->invitation_id;
		n.member_id = v->member_id;
		n.club_id = t->m->club_id;
		n.occurrence = o->date;
		n.to = v->email;
		if (remind_due(o->start, tz, &due, &err) == 0 &&
		    due >= v->invited_at && due < o->start) {
			n.kind = KIND_REMINDER;
			n.dedup = rem;
			n.not_before = due;
			n.send_before = o->start;
			if ((rc = store_outbox_queue(t->st, &n, &err)) < 0)
				return -1;
			t->queued += rc;
		}
		n.kind = KIND_FOLLOWUP;
		n.dedup = fup;
		n.not_before = o->end + FOLLOWUP_DELAY;
		n.send_before = o->end + FOLLOWUP_LIFE;
		if ((rc = store_outbox_queue(t->st, &n, &err)) < 0)
			return -1;
		t->queued += rc;
	}
	return 0;
}

/* What changed since the last top-up (the meta rows). */
struct horizon {
	time_t now, until, done_until;
	int64_t inv, done_inv;
};

struct ids {
	int64_t *id;
	int *seq;
	size_t n, cap;
};

static int
collect_id(int64_t id, int seq, void *arg)
{
	struct ids *x = arg;

	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 256;
		x->id = xrealloc(x->id, x->cap * sizeof(*x->id));
		x->seq = xrealloc(x->seq, x->cap * sizeof(*x->seq));
	}
	x->id[x->n] = id;
	x->seq[x->n++] = seq;
	return 0;
}

static int
collect(const struct meeting *m, void *arg)
{
	return collect_id(m->id, m->sequence, arg);
}

/* The meetings a top-up visits: all of them when a meeting changed or
 * the horizon moved, else only those with new invitations (an import
 * invites thousands of members to a few meetings). */
static int
collect_changed(struct store *st, const struct horizon *h, bool moved,
    struct ids *x, struct err *err)
{
	if (moved)
		return store_meeting_each(st, 0, false, collect, x, err) < 0 ?
		    -1 : 0;
	return store_remind_meetings_since(st, h->done_inv, collect_id, x,
	    err);
}

/* Tops up one meeting's rows: the occurrences that entered the horizon
 * for everyone, the ones already in it for the newly invited, or all
 * of them again when the meeting changed. */
static int
topup_meeting(struct service *svc, struct store *st, int64_t id, int seq,
    const struct horizon *h, int64_t *queued, struct err *err)
{
	struct meeting *m = xmalloc(sizeof(*m));
	struct occ_at occ[OCC_MAX];
	struct topup t;
	struct club c;
	char key[48];
	int64_t done_seq;
	int rc = -1;

	snprintf(key, sizeof(key), "remind_seq:%" PRId64, id);
	done_seq = store_remind_meta(st, key, -1);
	if (done_seq == seq && h->until <= h->done_until &&
	    h->inv == h->done_inv) {
		free(m);
		return 0;
	}
	if (store_begin(st, err) < 0) {
		free(m);
		return -1;
	}
	if (store_meeting_get(st, id, m, err) < 0 ||
	    store_club_get(st, m->club_id, &c, err) < 0)
		goto out;
	memset(&t, 0, sizeof(t));
	t.svc = svc;
	t.st = st;
	t.m = m;
	t.occ = occ;
	/* No occurrence in the window: no invitee is read (the hourly
	 * top-up of a weekly series mostly finds none). */
	if (done_seq != seq) {
		t.replace = done_seq >= 0;
		if ((t.n_occ = occurrences(svc, m, &c, h->now, h->until, occ,
		    err)) < 0 || (t.n_occ > 0 &&
		    store_remind_invitees(st, id, 0, topup_one, &t, err) < 0))
			goto out;
	} else {
		if (h->until > h->done_until && ((t.n_occ = occurrences(svc,
		    m, &c, h->done_until > h->now ? h->done_until : h->now,
		    h->until, occ, err)) < 0 || (t.n_occ > 0 &&
		    store_remind_invitees(st, id, 0, topup_one, &t, err) < 0)))
			goto out;
		if (h->inv != h->done_inv && ((t.n_occ = occurrences(svc, m,
		    &c, h->now, h->done_until > h->now ? h->done_until :
		    h->now, occ, err)) < 0 || (t.n_occ > 0 &&
		    store_remind_invitees(st, id, h->done_inv, topup_one, &t,
		    err) < 0)))
			goto out;
	}
	if (store_remind_meta_put(st, key, seq, err) < 0 ||
	    store_commit(st, err) < 0)
		goto out;
	*queued += t.queued;
	rc = 0;
out:
	if (rc < 0)
		store_rollback(st);
	free(m);
	return rc;
}

int
remind_tick(struct service *svc, struct store *st, time_t now,
    struct err *err)
{
	struct horizon h;
	struct ids x = { NULL, NULL, 0, 0 };
	int64_t gen, queued = 0;
	size_t i;
	bool moved;
	int rc = 0;

	if (service_config(svc)->no_reminders)
		return 0;
	gen = store_generation(st);
	h.now = now;
	h.until = (now + REMIND_HORIZON) / HOUR * HOUR;
	h.inv = store_invitation_max_id(st);
	h.done_until = (time_t)store_remind_meta(st, "remind_until", 0);
	h.done_inv = store_remind_meta(st, "remind_inv", 0);
	if (gen < 0 || h.inv < 0)
		return err_set(err, ERR_UNAVAILABLE, "cannot read the store");
	moved = gen != store_remind_meta(st, "remind_gen", -1) ||
	    h.until > h.done_until;
	if (!moved && h.inv == h.done_inv)
		return 0;	/* nothing moved: the idle path */
	if (collect_changed(st, &h, moved, &x, err) < 0)
		rc = -1;
	for (i = 0; rc == 0 && i < x.n; i++)
		rc = topup_meeting(svc, st, x.id[i], x.seq[i], &h, &queued,
		    err);
	free(x.id);
	free(x.seq);
	if (rc < 0)
		return -1;
	if (store_begin(st, err) < 0)
		return -1;
	if (store_remind_meta_put(st, "remind_gen", gen, err) < 0 ||
	    store_remind_meta_put(st, "remind_inv", h.inv, err) < 0 ||
	    store_remind_meta_put(st, "remind_until", h.until, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	if (queued > 0) {
		char rows[24];

		snprintf(rows, sizeof(rows), "%" PRId64, queued);
		log_event("reminders_queued", "rows", rows, NULL);
	}
	return 0;
}

/* ==== the attended page ================================================= */
int
remind_attend(struct service *svc, struct store *st, const char *token,
    const char *date, const char *answer, bool record,
    struct attend_view *out, struct err *err)
{
	int64_t id = token_link_id(svc, "attend", token);
	struct meeting *m;
	struct invitation inv;
	struct club c;
	time_t start, end;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->chosen = -1;
	if (id < 0 || store_invitation_get(st, id, &inv, NULL) < 0)
		return err_set(err, ERR_NOT_FOUND, "no such link");
	if (date == NULL || date[0] == '\0')
		return err_set_field(err, ERR_INVALID, "date", "the link "
		    "names no date");
	if (answer && strcmp(answer, "yes") == 0)
		out->chosen = 1;
	else if (answer && strcmp(answer, "no") == 0)
		out->chosen = 0;
	else if (answer && answer[0])
		return err_set_field(err, ERR_INVALID, "answer", "the answer "
		    "must be yes or no");
	m = xmalloc(sizeof(*m));
	if (store_meeting_get(st, inv.meeting_id, m, err) < 0 ||
	    store_club_get(st, m->club_id, &c, err) < 0)
		goto out;
	if (remind_occurrence(svc, m, &c, date, &start, &end, err) < 0) {
		if (err->code == ERR_NOT_FOUND || err->code == ERR_MALFORMED)
			err_set_field(err, ERR_INVALID, "date", "the meeting "
			    "has no occurrence on %.10s", date);
		goto out;
	}
	snprintf(out->title, sizeof(out->title), "%s", m->title);
	snprintf(out->club_name, sizeof(out->club_name), "%s", c.name);
	snprintf(out->date, sizeof(out->date), "%s", date);
	rc = 0;
	if (!record)
		goto out;
	if (out->chosen < 0) {
		rc = err_set_field(err, ERR_INVALID, "answer", "choose yes or "
		    "no");
		goto out;
	}
	if (store_begin(st, err) < 0 ||
	    store_answer_attended(st, id, date, out->chosen, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		rc = -1;
		goto out;
	}
	out->recorded = true;
out:
	free(m);
	return rc;
}
