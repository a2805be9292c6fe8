/*
 * match.h - the matching policy of docs/matching.md, with no I/O: the
 * store side of a match run is assign.h.
 *
 * A match_snapshot is an immutable view of the active clubs (position,
 * state, remote policy, activity) with two spatial indexes: every active
 * club, and the clubs that take remote members.  It is built once per
 * matching run, or cached while clubs and meetings do not change, and
 * shared read-only between threads.  Remote capacity changes with every
 * assignment, so it is not in the snapshot: match_one() asks the caller
 * through has_room().
 */
#ifndef CLUBMATCH_MATCH_H
#define CLUBMATCH_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define MATCH_LOCAL_RADIUS_MILES 25.0
#define MATCH_REMOTE_NEAREST 5

struct match_snapshot;

/* Builds a snapshot of the active clubs among clubs[0..n) (their
 * `activity` must be filled in).  Copies what it needs. */
struct match_snapshot *match_snapshot_new(const struct club *clubs,
    size_t n);
void match_snapshot_free(struct match_snapshot *snap);	/* NULL ok */
size_t match_snapshot_size(const struct match_snapshot *snap);
/* The club with this id in the snapshot, or NULL. Borrowed. */
const struct club *match_snapshot_club(const struct match_snapshot *snap,
    int64_t id);

/* The position of the club with this id in the snapshot (0 .. size-1),
 * or -1: lets callers keep per-club counters in a plain array. */
long match_snapshot_index(const struct match_snapshot *snap, int64_t id);

/* Where a member is: a point (from the ZIP) and/or a state. */
struct match_where {
	bool has_point;
	double lat, lon;
	char state[3];		/* "" when unknown */
};

/*
 * Fills *out with the assignment of a member at *w: the nearest club
 * within 25 miles; else the most active club taking remote members with
 * room (has_room(club_id, arg) true) in the member's state, or else among
 * the 5 nearest such clubs; ties to the nearer, then the lower id.  No
 * candidate: MODE_UNASSIGNED with a reason.  Always succeeds.
 */
void match_one(const struct match_snapshot *snap, const struct match_where *w,
    bool (*has_room)(int64_t club_id, void *arg), void *arg,
    struct assignment *out);

#endif
