/*
 * match.c - the matching policy (docs/matching.md) over a snapshot of the
 * active clubs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo_db.h"
#include "geo_near.h"
#include "match.h"
#include "xalloc.h"

struct match_snapshot {
	struct club *clubs;		/* active clubs, sorted by id */
	size_t n;
	struct geo_index *all;		/* every active club */
	struct geo_index *remote;	/* active clubs taking remote members */
	size_t *by_state;		/* remote clubs' indexes, by state, id */
	size_t n_by_state;
};

static int
cmp_club_id(const void *a, const void *b)
{
	const struct club *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int
cmp_state_then_id(const void *a, const void *b, void *arg)
{
	const struct club *clubs = arg;
	const struct club *x = &clubs[*(const size_t *)a];
	const struct club *y = &clubs[*(const size_t *)b];
	int c = strcmp(x->place.state, y->place.state);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

struct match_snapshot *
match_snapshot_new(const struct club *clubs, size_t n)
{
	struct match_snapshot *s = xcalloc(1, sizeof(*s));
	struct geo_site *all, *remote;
	size_t i, n_all = 0, n_remote = 0;

	s->clubs = xcalloc(n ? n : 1, sizeof(*s->clubs));
	for (i = 0; i < n; i++)
		if (clubs[i].active)
			s->clubs[s->n++] = clubs[i];
	qsort(s->clubs, s->n, sizeof(*s->clubs), cmp_club_id);

	all = xcalloc(s->n ? s->n : 1, sizeof(*all));
	remote = xcalloc(s->n ? s->n : 1, sizeof(*remote));
	s->by_state = xcalloc(s->n ? s->n : 1, sizeof(*s->by_state));
	for (i = 0; i < s->n; i++) {
		const struct club *c = &s->clubs[i];
		struct geo_site site = { c->id, { c->place.lat, c->place.lon } };

		all[n_all++] = site;
		if (c->accepts_remote) {
			remote[n_remote++] = site;
			s->by_state[s->n_by_state++] = i;
		}
	}
	qsort_r(s->by_state, s->n_by_state, sizeof(*s->by_state),
	    cmp_state_then_id, s->clubs);
	s->all = geo_index_new(all, n_all);
	s->remote = geo_index_new(remote, n_remote);
	free(all);
	free(remote);
	return s;
}

void
match_snapshot_free(struct match_snapshot *s)
{
	if (s == NULL)
		return;
	geo_index_free(s->all);
	geo_index_free(s->remote);
	free(s->by_state);
	free(s->clubs);
	free(s);
}

size_t
match_snapshot_size(const struct match_snapshot *s)
{
	return s->n;
}

const struct club *
match_snapshot_club(const struct match_snapshot *s, int64_t id)
{
	struct club key;

	key.id = id;
	return bsearch(&key, s->clubs, s->n, sizeof(*s->clubs), cmp_club_id);
}

long
match_snapshot_index(const struct match_snapshot *s, int64_t id)
{
	const struct club *c = match_snapshot_club(s, id);

	return c ? (long)(c - s->clubs) : -1;
}

/* ==== the policy ======================================================== */

/* One remote candidate and how it ranks. */
struct candidate {
	const struct club *club;
	double miles;		/* < 0: member has no point */
};

/* True when a ranks before b: more active, then nearer, then lower id. */
static bool
candidate_better(const struct candidate *a, const struct candidate *b)
{
	if (a->club->activity != b->club->activity)
		return a->club->activity > b->club->activity;
	if (a->miles >= 0 && b->miles >= 0 && a->miles != b->miles)
		return a->miles < b->miles;
	return a->club->id < b->club->id;
}

static double
round1(double miles)
{
	return round(miles * 10.0) / 10.0;
}

static double
miles_to(const struct match_where *w, const struct club *c)
{
	struct geo_point a = { w->lat, w->lon }, b = { c->place.lat, c->place.lon };

	return w->has_point ? geo_distance_miles(a, b) : -1;
}

static void
assign(struct assignment *out, enum match_mode mode, const struct club *c,
    double miles)
{
	memset(out, 0, sizeof(*out));
	out->mode = mode;
	out->distance_miles = miles >= 0 ? round1(miles) : -1;
	if (c) {
		out->club_id = c->id;
		snprintf(out->club_name, sizeof(out->club_name), "%s",
		    c->name);
	}
}

/* The first binary-search position of state in by_state. */
static size_t
state_lower_bound(const struct match_snapshot *s, const char *state)
{
	size_t lo = 0, hi = s->n_by_state;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->clubs[s->by_state[mid]].place.state, state) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The best remote club with room in the member's state; false if none. */
static bool
best_in_state(const struct match_snapshot *s, const struct match_where *w,
    bool (*has_room)(int64_t, void *), void *arg, struct candidate *best)
{
	size_t i;
	bool found = false;

	if (!w->state[0])
		return false;
	for (i = state_lower_bound(s, w->state); i < s->n_by_state; i++) {
		const struct club *c = &s->clubs[s->by_state[i]];
		struct candidate cand;

		if (strcmp(c->place.state, w->state) != 0)
			break;
		if (has_room && !has_room(c->id, arg))
			continue;
		cand.club = c;
		cand.miles = miles_to(w, c);
		if (!found || candidate_better(&cand, best))
			*best = cand;
		found = true;
	}
	return found;
}

struct room_filter {
	bool (*has_room)(int64_t, void *);
	void *arg;
};

static bool
keep_with_room(int64_t id, void *arg)
{
	const struct room_filter *f = arg;

	return f->has_room == NULL || f->has_room(id, f->arg);
}

/* The best of the 5 nearest remote clubs with room; false if none. */
static bool
best_of_nearest(const struct match_snapshot *s, const struct match_where *w,
    bool (*has_room)(int64_t, void *), void *arg, struct candidate *best)
{
	struct geo_hit hits[MATCH_REMOTE_NEAREST];
	struct room_filter f = { has_room, arg };
	struct geo_point p = { w->lat, w->lon };
	size_t n, i;

	n = geo_index_nearest(s->remote, p, MATCH_REMOTE_NEAREST, INFINITY,
	    keep_with_room, &f, hits);
	for (i = 0; i < n; i++) {
		struct candidate cand;

		cand.club = match_snapshot_club(s, hits[i].id);
		cand.miles = hits[i].miles;
		if (i == 0 || candidate_better(&cand, best))
			*best = cand;
	}
	return n > 0;
}

static void
reason_remote(struct assignment *out, const struct match_where *w,
    const struct candidate *best, bool in_state)
{
	char dist[48] = "";
	char why[96];

	if (best->miles >= 0)
		snprintf(dist, sizeof(dist), ", %.1f mi away", round1(best->miles));
	if (in_state)
		snprintf(why, sizeof(why), "in %s", w->state);
	else
		snprintf(why, sizeof(why), "among the %d nearest",
		    MATCH_REMOTE_NEAREST);
	snprintf(out->reason, sizeof(out->reason),
	    "%smost active club taking remote members %s "
	    "(%lld meetings in the last 90 and next 30 days)%s",
	    w->has_point ? "no club within 25 mi; " : "",
	    why, (long long)best->club->activity, dist);
}

void
match_one(const struct match_snapshot *s, const struct match_where *w,
    bool (*has_room)(int64_t club_id, void *arg), void *arg,
    struct assignment *out)
{
	struct candidate best;
	struct geo_hit hit;

	if (w->has_point) {
		struct geo_point p = { w->lat, w->lon };

		if (geo_index_nearest(s->all, p, 1, MATCH_LOCAL_RADIUS_MILES,
		    NULL, NULL, &hit) == 1) {
			assign(out, MODE_LOCAL, match_snapshot_club(s, hit.id),
			    hit.miles);
			snprintf(out->reason, sizeof(out->reason),
			    "nearest club within 25 mi: %.1f mi away",
			    out->distance_miles);
			return;
		}
	}
	if (best_in_state(s, w, has_room, arg, &best)) {
		assign(out, MODE_REMOTE, best.club, best.miles);
		reason_remote(out, w, &best, true);
		return;
	}
	if (w->has_point && best_of_nearest(s, w, has_room, arg, &best)) {
		assign(out, MODE_REMOTE, best.club, best.miles);
		reason_remote(out, w, &best, false);
		return;
	}
	assign(out, MODE_UNASSIGNED, NULL, -1);
	if (w->has_point)
		snprintf(out->reason, sizeof(out->reason),
		    "no club within 25 mi and no club taking remote members "
		    "has room");
	else
		snprintf(out->reason, sizeof(out->reason),
		    "no club in %s takes remote members with room, and "
		    "without a ZIP code no nearer club can be chosen",
		    w->state[0] ? w->state : "the member's state");
}
