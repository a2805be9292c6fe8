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
	struct outbox_key k = { m->id, m->sequence, "REQUEST", "" };
	size_t j;

	if (store_outbox_queue_member(st, &k, member_id, err) < 0)
		return -1;
	/* A moved occurrence is its own message (docs/calendar.md, "Moved
	 * and cancelled occurrences"); cancelled ones travel as EXDATEs in
	 * the series. */
	for (j = 0; j < m->n_occ; j++) {
		if (m->occ[j].cancelled)
			continue;
		k = (struct outbox_key){ m->id, m->occ[j].sequence,
		    "REQUEST", m->occ[j].date };
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

int
invite_rsvp(struct service *svc, struct store *st, const char *token,
    const char *answer, struct rsvp_view *out, struct err *err)
{
	struct meeting *m;
	struct club c;
	const char *rsvp = NULL;
	int64_t id = token_link_id(svc, "rsvp", token);
	int rc = -1;

	if (id < 0 || store_invitation_get(st, id, &out->inv, NULL) < 0)
		return err_set(err, ERR_NOT_FOUND, "no such RSVP link");
	if (answer) {
		rsvp = rsvp_of(answer);
		if (rsvp == NULL)
			return err_set_field(err, ERR_INVALID, "answer",
			    "the answer must be yes, no or maybe");
		if (store_invitation_answer(st, id, rsvp, err) < 0)
			return -1;
		snprintf(out->inv.rsvp, sizeof(out->inv.rsvp), "%s", rsvp);
	}
	m = xmalloc(sizeof(*m));
	if (store_meeting_get(st, out->inv.meeting_id, m, err) < 0 ||
	    store_club_get(st, m->club_id, &c, err) < 0)
		goto out_free;
	snprintf(out->title, sizeof(out->title), "%s", m->title);
	snprintf(out->club_name, sizeof(out->club_name), "%s", c.name);
	snprintf(out->video_url, sizeof(out->video_url), "%s", m->video_url);
	rc = 0;
out_free:
	free(m);
	return rc;
}

/* ==== lists ============================================================= */
int
invite_attendees(struct store *st, int64_t meeting_id,
    int (*fn)(const struct attendee *a, void *arg), void *arg,
    struct err *err)
{
	return store_attendees_each(st, meeting_id, fn, arg, err);
}

int
invite_outbox_list(struct store *st, const char *status, int64_t after,
    int limit, int (*fn)(const struct outbox_row *r, void *arg), void *arg,
    struct err *err)
{
	return store_outbox_each(st, status, after, limit, fn, arg, err);
}
