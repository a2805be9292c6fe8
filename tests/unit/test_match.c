/*
 * test_match.c - the matching policy (docs/matching.md, "The policy"),
 * through scheduler/match.h only: club arrays are built by hand, at real ZIP
 * centroids or at points a known number of miles away along a meridian
 * (where the great-circle distance is simply R * dlat).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "geo_db.h"
#include "geo_near.h"
#include "match.h"

#define BASE_LAT 40.0
#define BASE_LON -100.0

static struct geo_db *geo;

/* The latitude `miles` north (negative: south) of lat on a meridian. */
static double
north(double lat, double miles)
{
	return lat + miles / GEO_EARTH_RADIUS_MILES * 180.0 / M_PI;
}

static struct club
club_at(int64_t id, const char *state, double lat, double lon,
    int64_t activity, bool remote)
{
	struct club c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	snprintf(c.name, sizeof(c.name), "Club %lld", (long long)id);
	snprintf(c.place.state, sizeof(c.place.state), "%s", state);
	c.place.lat = lat;
	c.place.lon = lon;
	c.activity = activity;
	c.accepts_remote = remote;
	c.remote_capacity = -1;
	c.active = true;
	return c;
}

/* A club `miles` north of the base point. */
static struct club
club_mi(int64_t id, const char *state, double miles, int64_t activity,
    bool remote)
{
	return club_at(id, state, north(BASE_LAT, miles), BASE_LON, activity,
	    remote);
}

static struct club
club_zip(int64_t id, const char *zip, int64_t activity, bool remote)
{
	const struct geo_zip *z = geo_db_lookup(geo, zip);

	if (z == NULL) {
		fprintf(stderr, "# unknown test ZIP %s\n", zip);
		exit(1);
	}
	return club_at(id, z->state, z->pt.lat, z->pt.lon, activity, remote);
}

static struct match_where
at_point(double lat, double lon, const char *state)
{
	struct match_where w;

	memset(&w, 0, sizeof(w));
	w.has_point = true;
	w.lat = lat;
	w.lon = lon;
	snprintf(w.state, sizeof(w.state), "%s", state);
	return w;
}

static struct match_where
at_base(const char *state)
{
	return at_point(BASE_LAT, BASE_LON, state);
}

static struct match_where
at_zip(const char *zip)
{
	const struct geo_zip *z = geo_db_lookup(geo, zip);

	return at_point(z->pt.lat, z->pt.lon, z->state);
}

static struct match_where
state_only(const char *state)
{
	struct match_where w;

	memset(&w, 0, sizeof(w));
	snprintf(w.state, sizeof(w.state), "%s", state);
	return w;
}

/* has_room: false for the ids in a 0-terminated list; counts calls. */
struct full_set {
	const int64_t *full;
	int calls;
};

static bool
room_unless_full(int64_t id, void *arg)
{
	struct full_set *f = arg;
	int i;

	f->calls++;
	for (i = 0; f->full && f->full[i]; i++)
		if (f->full[i] == id)
			return false;
	return true;
}

static bool
never_room(int64_t id, void *arg)
{
	(void)id;
	(void)arg;
	return false;
}

/* Runs match_one over clubs[0..n) with the ids in full (0-terminated,
 * may be NULL) having no remote room. */
static struct assignment
match(const struct club *clubs, size_t n, struct match_where w,
    const int64_t *full)
{
	struct match_snapshot *s = match_snapshot_new(clubs, n);
	struct full_set fs = { full, 0 };
	struct assignment a;

	memset(&a, 0xa5, sizeof(a));	/* match_one must fill everything */
	match_one(s, &w, room_unless_full, &fs, &a);
	match_snapshot_free(s);
	return a;
}

#define CHECK_CONTAINS(hay, needle) do { \
	if (strstr((hay), (needle)) == NULL) { \
		fprintf(stderr, "# %s:%d: '%s' does not contain '%s'\n", \
		    __FILE__, __LINE__, (hay), (needle)); \
		check_failed_now++; \
	} \
} while (0)

/* ==== rule 1: local ===================================================== */

static void
test_local_nearest_within_25(void)
{
	struct club c[] = {
		club_mi(2, "KS", 10.0, 50, true),
		club_mi(5, "KS", -3.2, 0, true),	/* south, nearest */
		club_mi(7, "KS", 20.0, 99, true),
	};
	struct assignment a = match(c, 3, at_base("KS"), NULL);

	CHECK(a.mode == MODE_LOCAL);
	CHECK(a.club_id == 5);
	CHECK_STR(a.club_name, "Club 5");
	CHECK_NEAR(a.distance_miles, 3.2, 1e-9);
	CHECK_STR(a.reason, "nearest club within 25 mi: 3.2 mi away");
}

/* The distance is reported with one decimal. */
static void
test_local_distance_rounded(void)
{
	struct club c[] = { club_mi(1, "KS", 7.26, 0, true) };
	struct assignment a = match(c, 1, at_base("KS"), NULL);

	CHECK(a.mode == MODE_LOCAL);
	CHECK_NEAR(a.distance_miles, 7.3, 1e-9);
	CHECK_CONTAINS(a.reason, "7.3 mi away");
}

/* A club exactly 25.0 miles away is local (<= 25.0). */
static void
test_local_radius_inclusive(void)
{
	double lat = north(BASE_LAT, 25.0);
	struct geo_point m = { BASE_LAT, BASE_LON }, p = { lat, BASE_LON };
	struct club c[2];
	struct assignment a;

	/* Step down to the largest latitude whose computed distance is
	 * still <= 25.0, so the test is about the rule, not rounding. */
	while (geo_distance_miles(m, p) > 25.0)
		p.lat = lat = nextafter(lat, 0);
	CHECK(geo_distance_miles(m, p) > 25.0 - 1e-6);
	c[0] = club_at(1, "KS", lat, BASE_LON, 0, false);
	c[1] = club_mi(2, "KS", 300.0, 10, true);	/* a remote option */
	a = match(c, 2, at_base("KS"), NULL);
	CHECK(a.mode == MODE_LOCAL);
	CHECK(a.club_id == 1);
	CHECK_NEAR(a.distance_miles, 25.0, 1e-9);
}

/* 25.1 miles is not local: the member goes remote. */
static void
test_local_radius_25_1_not_local(void)
{
	struct club c[] = {
		club_mi(1, "KS", 25.1, 5, true),
		club_mi(2, "KS", -200.0, 1, true),
	};
	struct assignment a = match(c, 2, at_base("KS"), NULL);

	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 1);		/* most active in KS */
	CHECK_NEAR(a.distance_miles, 25.1, 1e-9);
	CHECK_CONTAINS(a.reason, "no club within 25 mi");

	/* The same club, not taking remote members: nobody. */
	c[0].accepts_remote = false;
	c[1].accepts_remote = false;
	a = match(c, 2, at_base("KS"), NULL);
	CHECK(a.mode == MODE_UNASSIGNED);
	CHECK(a.club_id == 0);
}

/* Local ignores activity, remote policy and remote capacity. */
static void
test_local_ignores_activity_and_capacity(void)
{
	struct club c[] = {
		club_mi(1, "KS", 12.0, 0, false),	/* no remote, idle */
		club_mi(2, "KS", 24.0, 100, true),
	};
	struct match_snapshot *s = match_snapshot_new(c, 2);
	struct match_where w = at_base("KS");
	struct assignment a;

	match_one(s, &w, never_room, NULL, &a);
	CHECK(a.mode == MODE_LOCAL);
	CHECK(a.club_id == 1);
	match_snapshot_free(s);
}

/* Two clubs at one point: the lower id, whatever the array order. */
static void
test_local_tie_lower_id(void)
{
	struct club c[] = {
		club_mi(9, "KS", 4.0, 10, true),
		club_mi(4, "KS", 4.0, 0, true),
		club_mi(6, "KS", 4.0, 5, true),
	};
	struct assignment a = match(c, 3, at_base("KS"), NULL);

	CHECK(a.mode == MODE_LOCAL);
	CHECK(a.club_id == 4);
}

/* Real ZIPs: a member in the Loop (60601) and clubs in Evanston (60201,
 * ~12 mi) and Springfield IL (62701, ~180 mi). */
static void
test_local_real_zips(void)
{
	struct club c[] = {
		club_zip(1, "62701", 40, true),
		club_zip(2, "60201", 0, true),
	};
	struct assignment a = match(c, 2, at_zip("60601"), NULL);
	struct geo_point p = { c[1].place.lat, c[1].place.lon };
	struct match_where w = at_zip("60601");
	struct geo_point m = { w.lat, w.lon };

	CHECK(a.mode == MODE_LOCAL);
	CHECK(a.club_id == 2);
	CHECK_NEAR(a.distance_miles,
	    round(geo_distance_miles(m, p) * 10) / 10, 1e-9);
	CHECK(a.distance_miles > 5 && a.distance_miles < 20);
}

/* ==== rule 2: remote ==================================================== */

/* In the member's state: the most active, even when a nearer club (in
 * state or out of it) is less active or more active but elsewhere. */
static void
test_remote_most_active_in_state(void)
{
	struct club c[] = {
		club_mi(1, "KS", 40.0, 3, true),	/* nearest in state */
		club_mi(2, "KS", 300.0, 7, true),	/* most active in state */
		club_mi(3, "NE", 30.0, 50, true),	/* nearer, busier, NE */
		club_mi(4, "KS", 35.0, 90, false),	/* no remote members */
	};
	struct assignment a = match(c, 4, at_base("KS"), NULL);

	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 2);
	CHECK_NEAR(a.distance_miles, 300.0, 1e-9);
	CHECK_CONTAINS(a.reason, "in KS");
	CHECK_CONTAINS(a.reason, "300.0 mi away");
}

/* "Most active" and "nearest" disagree, at real ZIPs: a member in
 * Carbondale IL (62901); the busier club is in Chicago, far away. */
static void
test_remote_most_active_beats_nearest_real(void)
{
	struct club c[] = {
		club_zip(10, "62701", 2, true),		/* Springfield */
		club_zip(11, "60601", 8, true),		/* Chicago */
		club_zip(12, "63101", 20, true),	/* St. Louis, MO */
	};
	struct assignment a = match(c, 3, at_zip("62901"), NULL);

	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 11);
	CHECK(a.distance_miles > 250);
}

/* Equal activity: the nearer; equal activity and distance: lower id. */
static void
test_remote_ties(void)
{
	struct club c[] = {
		club_mi(8, "KS", 200.0, 4, true),
		club_mi(3, "KS", 150.0, 4, true),
		club_mi(5, "KS", 120.0, 1, true),
	};
	struct assignment a = match(c, 3, at_base("KS"), NULL);

	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 3);

	c[0] = club_mi(8, "KS", 150.0, 4, true);	/* same place as 3 */
	c[1] = club_mi(3, "KS", 150.0, 4, true);
	a = match(c, 3, at_base("KS"), NULL);
	CHECK(a.club_id == 3);
	c[0].id = 2;
	a = match(c, 3, at_base("KS"), NULL);
	CHECK(a.club_id == 2);
}

/* No remote club in the state: the most active of the 5 nearest remote
 * clubs; a 6th, farther and busier, must not win; a nearer club that
 * takes no remote members is not one of the 5. */
static void
test_remote_five_nearest(void)
{
	struct club c[] = {
		club_mi(1, "NE", 30.0, 99, false),	/* nearest, no remote */
		club_mi(2, "NE", 40.0, 1, true),
		club_mi(3, "CO", 50.0, 2, true),
		club_mi(4, "OK", -60.0, 3, true),
		club_mi(5, "OK", -70.0, 4, true),
		club_mi(6, "NE", 80.0, 6, true),	/* 5th remote: wins */
		club_mi(7, "SD", 90.0, 50, true),	/* 6th: too far */
	};
	struct assignment a;

	a = match(c, 7, at_base("KS"), NULL);
	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 6);
	CHECK_NEAR(a.distance_miles, 80.0, 1e-9);
	CHECK_CONTAINS(a.reason, "nearest");

	/* Club 7 wins once it is among the 5 nearest. */
	c[6] = club_mi(7, "SD", 45.0, 50, true);
	a = match(c, 7, at_base("KS"), NULL);
	CHECK(a.club_id == 7);
}

/* The 5 nearest are taken among clubs with room: a full one makes room
 * for the 6th, which then wins here. */
static void
test_remote_five_nearest_with_room(void)
{
	struct club c[] = {
		club_mi(1, "NE", 40.0, 1, true),
		club_mi(2, "NE", 50.0, 9, true),	/* full */
		club_mi(3, "NE", 60.0, 3, true),
		club_mi(4, "NE", 70.0, 4, true),
		club_mi(5, "NE", 80.0, 5, true),
		club_mi(6, "NE", 90.0, 6, true),
		club_mi(7, "NE", 95.0, 60, true),	/* 7th: never */
	};
	static const int64_t full[] = { 2, 0 };
	struct assignment a;

	a = match(c, 7, at_base("KS"), NULL);
	CHECK(a.club_id == 2);
	a = match(c, 7, at_base("KS"), full);
	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 6);
}

/* Among the 5 nearest: equal activity goes to the nearer, then the
 * lower id. */
static void
test_remote_five_nearest_ties(void)
{
	struct club c[] = {
		club_mi(9, "NE", 70.0, 5, true),
		club_mi(8, "NE", 60.0, 5, true),
		club_mi(7, "NE", 50.0, 1, true),
	};
	struct assignment a = match(c, 3, at_base("KS"), NULL);

	CHECK(a.club_id == 8);
	c[0] = club_mi(9, "NE", 60.0, 5, true);
	c[1] = club_mi(8, "NE", 60.0, 5, true);	/* same place */
	a = match(c, 3, at_base("KS"), NULL);
	CHECK(a.club_id == 8);
	CHECK_NEAR(a.distance_miles, 60.0, 1e-9);
}

/* A full club is skipped in the state; when every club of the state is
 * full, the 5 nearest elsewhere are the candidates. */
static void
test_remote_capacity_full(void)
{
	struct club c[] = {
		club_mi(1, "KS", 200.0, 9, true),	/* full */
		club_mi(2, "KS", 300.0, 2, true),
		club_mi(3, "NE", 100.0, 5, true),
	};
	static const int64_t full1[] = { 1, 0 };
	static const int64_t full12[] = { 1, 2, 0 };
	static const int64_t all[] = { 1, 2, 3, 0 };
	struct assignment a;

	a = match(c, 3, at_base("KS"), full1);
	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 2);
	a = match(c, 3, at_base("KS"), full12);
	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 3);
	CHECK_CONTAINS(a.reason, "nearest");
	a = match(c, 3, at_base("KS"), all);
	CHECK(a.mode == MODE_UNASSIGNED);
	CHECK(a.club_id == 0);
	CHECK(a.reason[0] != '\0');
	CHECK_CONTAINS(a.reason, "room");
}

/* Clubs that take no remote members are never remote, however active
 * or alone they are. */
static void
test_no_remote_never_remote(void)
{
	struct club c[] = {
		club_mi(1, "KS", 100.0, 99, false),
		club_mi(2, "NE", 60.0, 99, false),
	};
	struct assignment a = match(c, 2, at_base("KS"), NULL);

	CHECK(a.mode == MODE_UNASSIGNED);
	CHECK(a.club_id == 0);
	CHECK(a.distance_miles < 0);
	CHECK_CONTAINS(a.reason, "25 mi");

	a = match(c, 2, state_only("KS"), NULL);
	CHECK(a.mode == MODE_UNASSIGNED);
}

/* Inactive clubs are not in the snapshot: not local, not remote. */
static void
test_inactive_ignored(void)
{
	struct club c[] = {
		club_mi(1, "KS", 1.0, 0, true),		/* inactive, 1 mi */
		club_mi(2, "KS", 200.0, 99, true),	/* inactive, busy */
		club_mi(3, "KS", 400.0, 1, true),
	};
	struct match_snapshot *s;
	struct assignment a;

	c[0].active = false;
	c[1].active = false;
	s = match_snapshot_new(c, 3);
	CHECK(match_snapshot_size(s) == 1);
	CHECK(match_snapshot_club(s, 1) == NULL);
	CHECK(match_snapshot_club(s, 3) != NULL);
	CHECK(match_snapshot_index(s, 2) == -1);
	CHECK(match_snapshot_index(s, 3) == 0);
	match_snapshot_free(s);

	a = match(c, 3, at_base("KS"), NULL);
	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 3);
	a = match(c, 3, state_only("KS"), NULL);
	CHECK(a.club_id == 3);
	c[2].active = false;
	a = match(c, 3, at_base("KS"), NULL);
	CHECK(a.mode == MODE_UNASSIGNED);
}

/* ==== rule 4: state only ================================================ */

static void
test_state_only(void)
{
	struct club c[] = {
		club_zip(7, "05401", 3, true),		/* Burlington VT */
		club_zip(4, "05602", 3, true),		/* Montpelier VT */
		club_zip(2, "05701", 1, true),		/* Rutland VT */
		club_zip(1, "03301", 50, true),		/* Concord NH */
	};
	struct assignment a = match(c, 4, state_only("VT"), NULL);

	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 4);		/* tie on activity: lower id */
	CHECK(a.distance_miles < 0);	/* null over the API */
	CHECK_CONTAINS(a.reason, "VT");
	CHECK(strstr(a.reason, "mi away") == NULL);

	/* The more active one wins, wherever it is in the state. */
	c[2].activity = 10;
	a = match(c, 4, state_only("VT"), NULL);
	CHECK(a.club_id == 2);
}

/* A state-only member never goes out of state, even to a near club. */
static void
test_state_only_no_candidate(void)
{
	struct club c[] = {
		club_zip(1, "03301", 50, true),		/* NH */
		club_zip(2, "05401", 3, false),		/* VT, no remote */
	};
	static const int64_t full[] = { 3, 0 };
	struct assignment a = match(c, 2, state_only("VT"), NULL);

	CHECK(a.mode == MODE_UNASSIGNED);
	CHECK(a.club_id == 0);
	CHECK(a.distance_miles < 0);
	CHECK_CONTAINS(a.reason, "VT");

	c[1] = club_zip(3, "05401", 3, true);
	a = match(c, 2, state_only("VT"), full);	/* VT club full */
	CHECK(a.mode == MODE_UNASSIGNED);
	a = match(c, 2, state_only("VT"), NULL);
	CHECK(a.mode == MODE_REMOTE);
	CHECK(a.club_id == 3);
}

/* ==== rule 5: nobody ==================================================== */

static void
test_empty_snapshot(void)
{
	struct match_snapshot *s = match_snapshot_new(NULL, 0);
	struct match_where w = at_base("KS");
	struct assignment a;

	CHECK(match_snapshot_size(s) == 0);
	memset(&a, 0x5a, sizeof(a));
	match_one(s, &w, NULL, NULL, &a);
	CHECK(a.mode == MODE_UNASSIGNED);
	CHECK(a.club_id == 0);
	CHECK(a.distance_miles < 0);
	CHECK(a.reason[0] != '\0');
	CHECK(memchr(a.reason, '\0', sizeof(a.reason)) != NULL);
	w = state_only("KS");
	match_one(s, &w, NULL, NULL, &a);
	CHECK(a.mode == MODE_UNASSIGNED);
	CHECK(a.reason[0] != '\0');
	match_snapshot_free(s);
	match_snapshot_free(NULL);
}

/* has_room is asked about remote candidates only: not when the member
 * is local. */
static void
test_room_not_asked_when_local(void)
{
	struct club c[] = {
		club_mi(1, "KS", 5.0, 0, true),
		club_mi(2, "KS", 100.0, 5, true),
	};
	struct match_snapshot *s = match_snapshot_new(c, 2);
	struct full_set fs = { NULL, 0 };
	struct match_where w = at_base("KS");
	struct assignment a;

	match_one(s, &w, room_unless_full, &fs, &a);
	CHECK(a.mode == MODE_LOCAL);
	CHECK(fs.calls == 0);
	match_snapshot_free(s);
}

/* The snapshot copies the clubs: changing the array afterwards does not
 * change the answers. */
static void
test_snapshot_copies(void)
{
	struct club c[] = { club_mi(1, "KS", 5.0, 0, true) };
	struct match_snapshot *s = match_snapshot_new(c, 1);
	struct match_where w = at_base("KS");
	struct assignment a;

	c[0].place.lat = 0;
	c[0].id = 99;
	snprintf(c[0].name, sizeof(c[0].name), "changed");
	match_one(s, &w, NULL, NULL, &a);
	CHECK(a.club_id == 1);
	CHECK_STR(a.club_name, "Club 1");
	match_snapshot_free(s);
}

/* Many clubs: every answer equals a brute-force evaluation of the policy
 * (docs/matching.md, "The policy"). */
static int64_t
brute(const struct club *c, size_t n, const struct match_where *w,
    const int64_t *full, double *miles)
{
	struct geo_point m = { w->lat, w->lon };
	size_t i, j;
	int64_t best = 0;
	double bd = INFINITY;
	int64_t bact = -1;
	struct { size_t i; double d; } near[6];
	size_t nn = 0;
	bool in_state = false;

	for (i = 0; i < n; i++) {	/* local */
		struct geo_point p = { c[i].place.lat, c[i].place.lon };
		double d = geo_distance_miles(m, p);

		if (!c[i].active || d > 25.0)
			continue;
		if (d < bd || (d == bd && c[i].id < best))
			best = c[i].id, bd = d;
	}
	if (best) {
		*miles = bd;
		return -best;	/* negative: local */
	}
	for (i = 0; i < n; i++) {	/* in state */
		struct geo_point p = { c[i].place.lat, c[i].place.lon };
		double d = geo_distance_miles(m, p);
		bool isfull = false;

		for (j = 0; full && full[j]; j++)
			isfull |= full[j] == c[i].id;
		if (!c[i].active || !c[i].accepts_remote || isfull ||
		    strcmp(c[i].place.state, w->state) != 0)
			continue;
		in_state = true;
		if (c[i].activity > bact || (c[i].activity == bact &&
		    (d < bd || (d == bd && c[i].id < best))))
			best = c[i].id, bd = d, bact = c[i].activity;
	}
	if (in_state) {
		*miles = bd;
		return best;
	}
	for (i = 0; i < n; i++) {	/* 5 nearest with room */
		struct geo_point p = { c[i].place.lat, c[i].place.lon };
		double d = geo_distance_miles(m, p);
		bool isfull = false;

		for (j = 0; full && full[j]; j++)
			isfull |= full[j] == c[i].id;
		if (!c[i].active || !c[i].accepts_remote || isfull)
			continue;
		for (j = nn; j > 0 && (near[j - 1].d > d ||
		    (near[j - 1].d == d && c[near[j - 1].i].id > c[i].id)); j--)
			if (j < 5)
				near[j] = near[j - 1];
		if (j < 5) {
			near[j].i = i;
			near[j].d = d;
			if (nn < 5)
				nn++;
		}
	}
	for (j = 0; j < nn; j++) {
		const struct club *k = &c[near[j].i];

		if (k->activity > bact || (k->activity == bact &&
		    (near[j].d < bd || (near[j].d == bd && k->id < best))))
			best = k->id, bd = near[j].d, bact = k->activity;
	}
	*miles = bd;
	return best;
}

static unsigned rnd_seed = 12345;

static unsigned
RND(void)
{
	rnd_seed = rnd_seed * 1103515245u + 12345u;
	return (rnd_seed >> 8) & 0xffff;
}

static void
test_random_against_brute_force(void)
{
	static const char *const states[] = { "KS", "NE", "OK", "CO" };
	enum { NC = 400, NM = 3000 };
	struct club *c = calloc(NC, sizeof(*c));
	struct match_snapshot *s;
	int64_t full[41];
	size_t i;
	int bad = 0;

	for (i = 0; i < NC; i++) {
		c[i] = club_at((int64_t)(i * 7 % NC) + 1, states[RND() % 4],
		    BASE_LAT + (RND() / 65535.0 - 0.5) * 16,
		    BASE_LON + (RND() / 65535.0 - 0.5) * 24,
		    (int64_t)(RND() % 6), RND() % 4 != 0);
		c[i].active = RND() % 10 != 0;
	}
	for (i = 0; i < 40; i++)
		full[i] = (int64_t)(RND() % NC) + 1;
	full[40] = 0;
	s = match_snapshot_new(c, NC);
	for (i = 0; i < NM; i++) {
		struct match_where w;
		struct full_set fs = { full, 0 };
		struct assignment a;
		double miles = -1;
		int64_t want;
		bool local;

		memset(&w, 0, sizeof(w));
		w.has_point = true;
		w.lat = BASE_LAT + (RND() / 65535.0 - 0.5) * 20;
		w.lon = BASE_LON + (RND() / 65535.0 - 0.5) * 30;
		/* Some members live in a state with no club. */
		snprintf(w.state, sizeof(w.state), "%s",
		    RND() % 5 ? states[RND() % 4] : "WY");
		match_one(s, &w, room_unless_full, &fs, &a);
		want = brute(c, NC, &w, full, &miles);
		local = want < 0;
		if (local)
			want = -want;
		if (a.club_id != want || (want && fabs(a.distance_miles -
		    round(miles * 10) / 10) > 1e-9) ||
		    a.mode != (want == 0 ? MODE_UNASSIGNED : local ?
		    MODE_LOCAL : MODE_REMOTE)) {
			if (bad++ < 5)
				fprintf(stderr, "# member at %f,%f %s: got %lld "
				    "(%s %.1f), want %lld (%.1f)\n", w.lat,
				    w.lon, w.state, (long long)a.club_id,
				    model_mode_name(a.mode), a.distance_miles,
				    (long long)want, miles);
		}
	}
	CHECK(bad == 0);
	match_snapshot_free(s);
	free(c);
}

int
main(void)
{
	struct err err;

	err_clear(&err);
	geo = geo_db_open(&err);
	if (geo == NULL) {
		fprintf(stderr, "# cannot open the ZIP table: %s\n", err.msg);
		return 1;
	}
	RUN(test_local_nearest_within_25);
	RUN(test_local_distance_rounded);
	RUN(test_local_radius_inclusive);
	RUN(test_local_radius_25_1_not_local);
	RUN(test_local_ignores_activity_and_capacity);
	RUN(test_local_tie_lower_id);
	RUN(test_local_real_zips);
	RUN(test_remote_most_active_in_state);
	RUN(test_remote_most_active_beats_nearest_real);
	RUN(test_remote_ties);
	RUN(test_remote_five_nearest);
	RUN(test_remote_five_nearest_with_room);
	RUN(test_remote_five_nearest_ties);
	RUN(test_remote_capacity_full);
	RUN(test_no_remote_never_remote);
	RUN(test_inactive_ignored);
	RUN(test_state_only);
	RUN(test_state_only_no_candidate);
	RUN(test_empty_snapshot);
	RUN(test_room_not_asked_when_local);
	RUN(test_snapshot_copies);
	RUN(test_random_against_brute_force);
	geo_db_close(geo);
	return check_done();
}
