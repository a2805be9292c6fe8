/*
 * invite.c - invitations, RSVP links and the lists behind them
 * (docs/email.md, docs/api.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "invite.h"
#include "meeting.h"
#include "store.h"
#include "token.h"
#include "xalloc.h"

/* ==== invitations for newly assigned members ============================ */
struct invite_plan {
	struct meeting *m;	/* upcoming, sorted by club then id */
	size_t n, cap;
	const struct config *cfg;
	time_t now;
};

static int
plan_add(const struct meeting *m, void *arg)
{
	struct invite_plan *p = arg;
	time_t next;

	if (meeting_next(m, NULL, p->cfg, p->now, &next, 1) != 1)
		return 0;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->m = xreallocarray(p->m, p->cap, sizeof(*p->m));
	}
	p->m[p->n++] = *m;
	return 0;
}

static int
cmp_meeting_club(const void *a, const void *b)
{
	const struct meeting *x = a, *y = b;

	if (x->club_id != y->club_id)
		return (x->club_id > y->club_id) - (x->club_id < y->club_id);
	return (x->id > y->id) - (x->id < y->id);
}

struct invite_plan *
invite_plan_new(const struct config *cfg, struct store *st, int64_t club_id,
    struct err *err)
{
	struct invite_plan *p = xcalloc(1, sizeof(*p));

	p->cfg = cfg;
	p->now = time(NULL);
	if (store_meeting_each(st, club_id, false, plan_add, p, err) < 0) {
		invite_plan_free(p);
		return NULL;
	}
	if (p->n > 1)
		qsort(p->m, p->n, sizeof(*p->m), cmp_meeting_club);
	return p;
}

void
invite_plan_free(struct invite_plan *p)
{
	if (p == NULL)
		return;
	free(p->m);
	free(p);
}

/* Queues the series and each moved occurrence of m for one member. */
static int
invite_to_meeting(const struct meeting *m, struct store *st,
    int64_t member_id, struct err *err)
{
	struct outbox_key k = { m->id, m->sequence, "REQUEST", "", 0 };
	int again, seq = 0;
	size_t j;

	/* Back after a withdrawal (a move away, a removal): the calendar
	 * has the CANCEL, so everything goes out again under a SEQUENCE
	 * above it (docs/email.md, "Invited again"). */
	again = store_invitation_revive(st, m->id, member_id, &seq, err);
	if (again < 0)
		return -1;
	if (again)
		k.sequence = seq;
	if (store_outbox_queue_member(st, &k, member_id, err) < 0)
		return -1;
	/* A moved occurrence is its own message (docs/calendar.md, "Moved
	 * and cancelled occurrences"); cancelled ones travel as EXDATEs in
	 * the series. */
	for (j = 0; j < m->n_occ; j++) {
		if (m->occ[j].cancelled)
			continue;
		k = (struct outbox_key){ m->id, again ? seq :
		    m->occ[j].sequence, "REQUEST", m->occ[j].date, 0 };
		if (store_outbox_queue_member(st, &k, member_id, err) < 0)
			return -1;
	}
	return 0;
}

int
invite_plan_member(const struct invite_plan *p, struct store *st,
    int64_t member_id, int64_t club_id, struct err *err)
{
	size_t lo = 0, hi = p->n, i;

	while (lo < hi) {	/* the first meeting of club_id */
		size_t mid = lo + (hi - lo) / 2;

		if (p->m[mid].club_id < club_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < p->n && p->m[i].club_id == club_id; i++)
		if (invite_to_meeting(&p->m[i], st, member_id, err) < 0)
			return -1;
	return 0;
}

int
invite_member_to_club(const struct config *cfg, struct store *st,
    int64_t member_id, int64_t club_id, struct err *err)
{
	struct invite_plan *plan = invite_plan_new(cfg, st, club_id, err);
	int rc;

	if (plan == NULL)
		return -1;
	rc = invite_plan_member(plan, st, member_id, club_id, err);
	invite_plan_free(plan);
	return rc;
}

/* ==== RSVP ============================================================== */
/* The answer words of the links, and the PARTSTAT each stores. */
static const struct {
	const char *answer;
	const char *rsvp;
} ANSWERS[] = {
	{ "yes", "accepted" },
	{ "no", "declined" },
	{ "maybe", "tentative" },
};

static const char *
rsvp_of(const char *answer)
{
	size_t i;

	for (i = 0; i < sizeof(ANSWERS) / sizeof(ANSWERS[0]); i++)
		if (strcmp(answer, ANSWERS[i].answer) == 0)
			return ANSWERS[i].rsvp;
	return NULL;
}

const char *
invite_rsvp_word(const char *rsvp)
{
	size_t i;

	for (i = 0; i < sizeof(ANSWERS) / sizeof(ANSWERS[0]); i++)
		if (strcmp(rsvp, ANSWERS[i].rsvp) == 0)
			return ANSWERS[i].answer;
	return NULL;
}

/* Whether `date` is an occurrence of m (docs/calendar.md). */
int
invite_occurrence_ok(const struct meeting *m, const struct club *c,
    const struct config *cfg, const char *date, struct err *err)
{
	struct meeting_ics *mi = xmalloc(sizeof(*mi));
	struct ics_local orig;
	int rc;

	meeting_to_ics(m, c, cfg, mi);
	rc = ics_occurrence_on(&mi->ev, date, &orig, err);
	free(mi);
	if (rc < 0 && err->code == ERR_NOT_FOUND)
		err_set_field(err, ERR_INVALID, "date", "the meeting has no "
		    "occurrence on %s", date);
	return rc;
}

/* Reads what the page shows; the meeting must still be on. */
static int
rsvp_load(struct service *svc, struct store *st, const struct rsvp_ask *q,
    struct rsvp_view *out, struct meeting *m, struct club *c,
    struct err *err)
{
	int64_t id = token_link_id(svc, "rsvp", q->token);

	memset(out, 0, sizeof(*out));
	if (id < 0 || store_invitation_get(st, id, &out->inv, NULL) < 0)
		return err_set(err, ERR_NOT_FOUND, "no such RSVP link");
	if (store_meeting_get(st, out->inv.meeting_id, m, err) < 0 ||
	    store_club_get(st, m->club_id, c, err) < 0)
		return -1;
	/* Withdrawn invitations and cancelled meetings take no answers
	 * (docs/email.md, "Answers"). */
	if (out->inv.removed)
		return err_set(err, ERR_NOT_FOUND, "this invitation was "
		    "withdrawn");
	if (m->cancelled)
		return err_set(err, ERR_NOT_FOUND, "this meeting was "
		    "cancelled");
	if (q->answer && (out->chosen = rsvp_of(q->answer)) == NULL)
		return err_set_field(err, ERR_INVALID, "answer", "the answer "
		    "must be yes, no or maybe");
	if (q->date && q->date[0]) {
		if (invite_occurrence_ok(m, c, service_config(svc), q->date, err) < 0)
			return -1;
		snprintf(out->date, sizeof(out->date), "%s", q->date);
		store_answer_get(st, id, q->date, &out->inv, NULL);
	}
	snprintf(out->title, sizeof(out->title), "%s", m->title);
	snprintf(out->club_name, sizeof(out->club_name), "%s", c->name);
	snprintf(out->video_url, sizeof(out->video_url), "%s", m->video_url);
	return 0;
}

/* A link answer counts as given at the meeting's current SEQUENCE, now:
 * a calendar reply sent before it (an older DTSTAMP) cannot undo it. */
static int
rsvp_record(struct store *st, const struct meeting *m,
    struct rsvp_view *v, struct err *err)
{
	struct answer a = { v->chosen, "link", NULL, m->sequence,
		time(NULL) };

	if (store_begin(st, err) < 0)
		return -1;
	if (store_invitation_answer(st, v->inv.id, v->date, &a, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	snprintf(v->inv.rsvp, sizeof(v->inv.rsvp), "%s", v->chosen);
	snprintf(v->inv.rsvp_via, sizeof(v->inv.rsvp_via), "link");
	v->recorded = true;
	return 0;
}

int
invite_rsvp(struct service *svc, struct store *st, const struct rsvp_ask *q,
    struct rsvp_view *out, struct err *err)
{
	struct meeting *m = xmalloc(sizeof(*m));
	struct club c;
	int rc = rsvp_load(svc, st, q, out, m, &c, err);

	if (rc == 0 && q->record) {
		if (out->chosen == NULL)
			rc = err_set_field(err, ERR_INVALID, "answer", "choose "
			    "yes, no or maybe");
		else
			rc = rsvp_record(st, m, out, err);
	}
	free(m);
	return rc;
}

/* ==== lists ============================================================= */
int
invite_attendees(struct service *svc, struct store *st,
    const struct meeting *m, const char *date,
    int (*fn)(const struct attendee *a, void *arg), void *arg,
    struct err *err)
{
	struct club c;

	if (date && date[0]) {
		if (store_club_get(st, m->club_id, &c, err) < 0 ||
		    invite_occurrence_ok(m, &c, service_config(svc), date, err) < 0)
			return -1;
	}
	return store_attendees_each(st, m->id, date, fn, arg, err);
}

int
invite_outbox_list(struct store *st, const char *status, int64_t after,
    int limit, int (*fn)(const struct outbox_row *r, void *arg), void *arg,
    struct err *err)
{
	return store_outbox_each(st, status, after, limit, fn, arg, err);
}
