/*
 * usmap.h - the map of the organizer's console (CONTRACT §13): clubs and
 * members drawn as one SVG over US state outlines.
 *
 * The outlines (data/states.tsv, built by tools/build_states.py from the
 * Census Bureau's cartographic boundaries in the npm package us-atlas, see
 * docs/data.md) are embedded in the binary by geo/statesdata.S, already
 * projected into the 975x610 view.  Points are projected here with the
 * same Albers USA projection (docs/data.md, "The map projection").
 *
 * Nothing here keeps state: any number of threads may call these at once.
 */
#ifndef CLUBMATCH_USMAP_H
#define CLUBMATCH_USMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* The SVG's viewBox is "0 0 USMAP_WIDTH USMAP_HEIGHT". */
#define USMAP_WIDTH	975
#define USMAP_HEIGHT	610

/*
 * Projects a point (degrees, north and east positive) into the view with
 * d3-geo's geoAlbersUsa().scale(1300).translate([487.5, 305]) - the
 * lower 48 states, Alaska and Hawaii as insets - plus Puerto Rico as an
 * inset at the bottom right.  As d3 does, the point goes to the first of
 * lower 48, Alaska, Hawaii, Puerto Rico whose inset frame contains its
 * projection.  Returns 0 and sets *x, *y, or -1 (and leaves them alone)
 * for a point in no frame (Europe, Guam, NaN).  A point in a frame may
 * still fall outside the view (the far Aleutians, x < 0).
 */
int usmap_project(double lat, double lon, double *x, double *y);

enum usmap_mode {
	USMAP_LOCAL,		/* member of a nearby club */
	USMAP_REMOTE,		/* remote member of a club */
	USMAP_UNASSIGNED	/* no club */
};

struct usmap_club {
	int64_t id;		/* data-club-id */
	const char *name;	/* UTF-8, escaped on output; NULL is "" */
	double lat, lon;	/* degrees */
	int64_t activity;	/* occurrences in the activity window, >= 0 */
};

/*
 * Members at one place with one mode: one per member, or already counted
 * by ZIP by the caller (cheaper) - usmap_svg() merges dots that land in
 * the same grid cell anyway (below).
 */
struct usmap_dot {
	double lat, lon;	/* degrees (the ZIP centroid) */
	enum usmap_mode mode;
	int64_t count;		/* members, >= 1 */
	bool has_club;		/* remote: club_lat/club_lon are set */
	double club_lat, club_lon;	/* the remote member's club */
};

/* What usmap_svg() drew and left out. */
struct usmap_stats {
	size_t clubs_shown;	/* club marks drawn */
	size_t clubs_hidden;	/* clubs outside the map */
	int64_t members_shown;	/* sum of the data-count of the dots */
	int64_t members_hidden;	/* members outside the map */
	size_t dots;		/* dot elements drawn */
	size_t links;		/* link segments drawn */
	int grid;		/* cell size, px: dots in one cell merge */
};

/*
 * Appends to out one <svg viewBox="0 0 975 610" role="img"> holding:
 *   <title> saying how many clubs and members it shows (and how many not);
 *   <g class="states">: one <path class="state" data-state="CA"> a state;
 *   <g class="links">, when lines: one <path class="link"> per club
 *     position, with one segment ("Mcx cyLx y") from the club to each
 *     remote dot with has_club of that club (both on the map);
 *   <g class="dots" data-grid="G">: one <circle class="dot local|remote|
 *     unassigned" data-count="N"> for each grid cell and mode that has
 *     members, its radius growing with sqrt(N);
 *   <g class="clubs">: one <circle class="club" data-club-id="ID"> a club,
 *     its radius growing with sqrt(activity), with a <title> child naming
 *     the club (escaped).
 * Colours are presentation attributes on the groups (fill=, stroke=), so
 * the image needs no <style> and no script and the page's CSS may
 * override them by class; the SVG references nothing outside itself.
 * Dots are merged by grid cell, their counts summed: the cells are 1 px
 * (so two ZIPs a pixel apart merge), or, when that would draw more than
 * 20,000 dots, the smallest of 2, 3, 4, 5, 6, 8, 10, 12, 16 px that draws
 * at most 20,000 (the map stays under 2 MB; stats->grid says which).
 * The sum of data-count is the number of members shown.  With lines,
 * a remote dot's link starts at its cell's centre; one link per cell and
 * club.
 * Clubs and dots outside the view are left out and counted in *stats.
 *
 * Returns 0, with *stats filled when stats is not NULL.  Fails with
 * ERR_INVALID naming the item (a count < 1, an unknown mode, a negative
 * activity, a name that is not UTF-8), leaving out and *stats as they were.
 */
int usmap_svg(struct buf *out, const struct usmap_club *clubs, size_t nclubs,
    const struct usmap_dot *dots, size_t ndots, bool lines,
    struct usmap_stats *stats, struct err *err);

#endif
