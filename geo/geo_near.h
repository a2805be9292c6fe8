/*
 * geo_near.h - great-circle distances and nearest-site queries.
 *
 * Distances are great-circle miles on a sphere of radius 3958.8 miles
 * (docs/matching.md, "Distances"), computed from 3-D unit vectors: the
 * chord between two points fixes the arc between them, so one formula
 * serves both the index and geo_distance_miles(), and their results agree
 * to the bit.
 *
 * A geo_index is a k-d tree over the sites' unit vectors.  It is immutable
 * after geo_index_new(), so threads may query one index at the same time
 * without locks; to change the sites, build a new index and swap it in.
 */
#ifndef CLUBMATCH_GEO_NEAR_H
#define CLUBMATCH_GEO_NEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "geo_db.h"

#define GEO_EARTH_RADIUS_MILES 3958.8

/*
 * Great-circle distance in miles; 0 for a point and itself.  Within 1e-6
 * mile of the exact value, except within a few miles of a point's
 * antipode (in the Indian Ocean for the US), where it is within 1e-3.
 */
double geo_distance_miles(struct geo_point a, struct geo_point b);

struct geo_site {
	int64_t id;		/* the caller's key, e.g. a club id */
	struct geo_point pt;	/* where it is */
};

struct geo_hit {
	int64_t id;		/* geo_site.id */
	double miles;		/* == geo_distance_miles(from, site.pt) */
};

struct geo_index;

/*
 * Builds an index over sites[0..n) (copied: the caller keeps sites).
 * n may be 0.  Sites whose coordinates are not finite are left out.
 * Free with geo_index_free().
 */
struct geo_index *geo_index_new(const struct geo_site *sites, size_t n);

/* NULL is a no-op. */
void geo_index_free(struct geo_index *ix);

/* Number of sites in the index. */
size_t geo_index_count(const struct geo_index *ix);

/*
 * The k nearest sites to `from` that are at most max_miles away (INFINITY
 * for no limit) and for which keep(id, arg) is true (keep may be NULL),
 * nearest first.  Writes them to out[0..k) and returns how many (fewer
 * than k when fewer sites qualify; 0 when from is not finite).
 *
 * Order: by geo_hit.miles, then by lower id, so sites at the same
 * distance (several sites at one ZIP centroid, say) resolve to the lower
 * ids; the result is exactly the first k of a full scan sorted that way.
 * keep is called at most once per site, and only for sites near enough
 * to enter the list when the search reaches them.  The search does not
 * scan every site: it visits only the tree cells near `from`.
 */
size_t geo_index_nearest(const struct geo_index *ix, struct geo_point from,
    size_t k, double max_miles, bool (*keep)(int64_t id, void *arg),
    void *arg, struct geo_hit *out);

#endif
