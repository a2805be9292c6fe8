/*
 * assign.c - the matching policy applied to the members in the store
 * (docs/matching.md, "Remote capacity" and "Batch matching").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "invite.h"
#include "match.h"
#include "outreach.h"
#include "store.h"
#include "xalloc.h"

static void
where_of(const struct place *p, struct match_where *w)
{
	memset(w, 0, sizeof(*w));
	w->has_point = p->zip[0] != '\0';
	w->lat = p->lat;
	w->lon = p->lon;
	memcpy(w->state, p->state, sizeof(w->state));
}

/* Room check for one member at a time: asks the database, inside the
 * caller's write transaction, so concurrent requests cannot overfill a
 * club. */
static bool
room_in_store(int64_t club_id, void *arg)
{
	int64_t members, capacity;

	if (!store_club_room(arg, club_id, &members, &capacity))
		return false;
	return capacity < 0 || members < capacity;
}

int
assign_new_member(struct service *svc, struct store *st, struct member *m,
    struct err *err)
{
	struct snapshot_ref *r = service_snapshot_get(svc, st, err);
	struct match_where w;

	if (r == NULL)
		return -1;
	where_of(&m->place, &w);
	match_one(service_snapshot(r), &w, room_in_store, st, &m->assignment);
	service_snapshot_put(svc, r);
	return 0;
}

/* ==== batches =========================================================== */

/* Room check for a batch: places left per club, indexed by club id
 * (ids are dense row ids), so the check in the inner loop is one load. */
struct room_table {
	int64_t *left;		/* INT64_MAX: no limit; 0 for unknown ids */
	int64_t n;		/* entries: the largest id + 1 */
};

static bool
room_in_table(int64_t club_id, void *arg)
{
	const struct room_table *t = arg;

	return club_id > 0 && club_id < t->n && t->left[club_id] > 0;
}

/* Fills the table from the database: remote_members is kept by
 * triggers, the capacity lives in the club row. */
static int
room_table_load(struct store *st, struct room_table *t, struct err *err)
{
	struct club *clubs;
	size_t n, i;

	if (store_club_all(st, true, &clubs, &n, err) < 0)
		return -1;
	t->n = n ? clubs[n - 1].id + 1 : 1;	/* sorted by id */
	t->left = xcalloc((size_t)t->n, sizeof(*t->left));
	for (i = 0; i < n; i++)
		t->left[clubs[i].id] = clubs[i].remote_capacity < 0 ?
		    INT64_MAX : clubs[i].remote_capacity -
		    clubs[i].remote_members;
	free(clubs);
	return 0;
}

/* A member waiting for a batch match: only what matching needs, so that
 * 100,000 of them fit in a few megabytes. */
struct pending {
	int64_t id;
	struct match_where where;
};

struct member_vec {
	struct pending *v;
	size_t n, cap;
};

static int
collect_spot(const struct member_spot *m, void *arg)
{
	struct member_vec *mv = arg;
	struct pending *p;

	if (mv->n == mv->cap) {
		mv->cap = mv->cap ? 2 * mv->cap : 256;
		mv->v = xreallocarray(mv->v, mv->cap, sizeof(*mv->v));
	}
	p = &mv->v[mv->n++];
	memset(p, 0, sizeof(*p));
	p->id = m->id;
	p->where.has_point = m->has_zip;
	p->where.lat = m->lat;
	p->where.lon = m->lon;
	memcpy(p->where.state, m->state, sizeof(p->where.state));
	return 0;
}

static void
count(struct match_counts *counts, enum match_mode mode)
{
	switch (mode) {
	case MODE_LOCAL:
		counts->local++;
		counts->assigned++;
		break;
	case MODE_REMOTE:
		counts->remote++;
		counts->assigned++;
		break;
	default:
		counts->unassigned++;
		break;
	}
}

/* Matches the members in mv against the current snapshot, keeping the
 * remote capacity in a table, and writes each assignment. */
/* The welcome and task of a member a batch assigned (read back: the
 * welcome needs the address). */
static int
welcome(struct service *svc, struct store *st, int64_t member_id,
    int64_t batch, struct err *err)
{
	struct member m;

	if (store_member_get(st, member_id, &m, err) < 0)
		return -1;
	return outreach_assigned(svc, st, &m, 0, batch, err);
}

static int
match_members(struct service *svc, struct store *st,
    const struct member_vec *mv, struct match_counts *counts,
    void (*progress)(size_t, size_t, void *), void *arg, struct err *err)
{
	int64_t batch = store_batch_next(st, err);
	struct snapshot_ref *r = NULL;
	struct invite_plan *plan = NULL;
	struct room_table room = { NULL, 0 };
	size_t i;
	int rc = -1;

	if (batch < 0)
		return -1;
	r = service_snapshot_get(svc, st, err);
	if (r == NULL)
		return -1;
	plan = invite_plan_new(service_config(svc), st, 0, err);
	if (plan == NULL || room_table_load(st, &room, err) < 0)
		goto out_free;
	for (i = 0; i < mv->n; i++) {
		const struct pending *m = &mv->v[i];
		struct assignment a;

		match_one(service_snapshot(r), &m->where, room_in_table, &room,
		    &a);
		if (a.mode == MODE_REMOTE)
			room.left[a.club_id]--;
		if (store_member_set_assignment(st, m->id, &a, err) < 0)
			goto out_free;
		if (a.mode == MODE_REMOTE && invite_plan_member(plan, st,
		    m->id, a.club_id, err) < 0)
			goto out_free;
		if (a.club_id > 0 && welcome(svc, st, m->id, batch, err) < 0)
			goto out_free;
		count(counts, a.mode);
		if (progress && (i % 1024 == 0 || i + 1 == mv->n))
			progress(i + 1, mv->n, arg);
	}
	/* One digest per club for the whole run (docs/outreach.md). */
	rc = outreach_batch_done(svc, st, batch, err);
out_free:
	free(room.left);
	invite_plan_free(plan);
	service_snapshot_put(svc, r);
	return rc;
}

int
assign_unmatched(struct service *svc, struct store *st,
    struct match_counts *counts,
    void (*progress)(size_t done, size_t total, void *arg), void *arg,
    struct err *err)
{
	struct member_vec mv = { NULL, 0, 0 };
	int rc = -1;

	memset(counts, 0, sizeof(*counts));
	if (store_member_spots(st, 0, collect_spot, &mv, err) >= 0)
		rc = match_members(svc, st, &mv, counts, progress, arg, err);
	free(mv.v);
	return rc;
}

int
assign_rehome_club(struct service *svc, struct store *st, int64_t club_id,
    struct err *err)
{
	struct member_vec mv = { NULL, 0, 0 };
	struct match_counts counts;
	int rc = -1;

	memset(&counts, 0, sizeof(counts));
	/* Read who the members are before they are unassigned. */
	if (store_member_spots(st, club_id, collect_spot, &mv, err) >= 0 &&
	    store_uninvite_club(st, club_id, err) >= 0 &&
	    store_member_unassign_club(st, club_id, err) >= 0)
		rc = match_members(svc, st, &mv, &counts, NULL, NULL, err);
	free(mv.v);
	return rc;
}

int
assign_rematch(struct service *svc, struct store *st, int64_t member_id,
    const struct place *p, struct err *err)
{
	struct assignment none = { 0 };
	struct member m;
	int64_t old;

	if (store_member_get(st, member_id, &m, err) < 0)
		return -1;
	old = m.assignment.club_id;
	m.place = *p;
	none.distance_miles = -1;
	/* Unassigned while matching: the room check must not count the
	 * member's own remote place. */
	if (store_member_update(st, &m, err) < 0 ||
	    store_member_set_assignment(st, m.id, &none, err) < 0)
		return -1;
	m.assignment = none;
	if (assign_new_member(svc, st, &m, err) < 0)
		return -1;
	/* Leaving the club ends its invitations (a CANCEL for those sent)
	 * and its first contact (docs/outreach.md, "Re-matching"). */
	if (old > 0 && m.assignment.club_id != old &&
	    (store_uninvite_member(st, m.id, old, err) < 0 ||
	    store_contact_close_member(st, m.id, "moved", err) < 0))
		return -1;
	if (store_member_set_assignment(st, m.id, &m.assignment, err) < 0)
		return -1;
	if (m.assignment.mode == MODE_REMOTE &&
	    invite_member_to_club(service_config(svc), st, m.id,
	    m.assignment.club_id, err) < 0)
		return -1;
	return outreach_assigned(svc, st, &m, old, 0, err);
}
