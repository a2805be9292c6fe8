/*
 * bench_usmap.c - how long the console's map (usmap_svg) takes to draw
 * and how many bytes it is, for 2,000 clubs and 100,000 members.
 *
 * Clubs and members sit at random ZIP centroids of the real table (fixed
 * seed), uniformly over the ZIPs, which is harsher than real members (who
 * crowd into fewer, urban ZIPs): about 38,000 distinct ZIPs.  Members are
 * 60% local, 30% remote (at a random club), 10% unassigned.  The caller's
 * part, counting members by ZIP, mode (and club, for the lines), is timed
 * on its own.  The baseline is the map with nothing on it (the outlines
 * alone), and the same map given one dot per member (usmap_svg merges
 * them by pixel itself): the ratios show what the dots cost and what
 * counting by ZIP first saves.  Goal (issue 12): under 100 ms, under 2 MB.
 *
 *   build/bench/bench_usmap [FILE.svg]    also writes the map to FILE
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "geo_db.h"
#include "usmap.h"
#include "xalloc.h"
#include "../tests/unit/fixtures.h"

#define NCLUBS		2000
#define NMEMBERS	100000
#define RUNS		7

static uint64_t rng_state = 0x3a9f00d5c1ab2024ULL;

static size_t
rng_below(size_t n)
{
	return (size_t)(splitmix64(&rng_state) % n);
}

struct member {
	uint32_t zip;		/* row of the ZIP table */
	uint32_t mode;		/* enum usmap_mode */
	uint32_t club;		/* remote: index into clubs */
};

static int
member_cmp(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;

	if (a->zip != b->zip)
		return a->zip < b->zip ? -1 : 1;
	if (a->mode != b->mode)
		return a->mode < b->mode ? -1 : 1;
	return (a->club > b->club) - (a->club < b->club);
}

static struct usmap_dot
dot_of(const struct geo_db *db, const struct usmap_club *clubs,
    const struct member *m, int64_t count)
{
	const struct geo_zip *z = geo_db_at(db, m->zip);
	struct usmap_dot d = { z->pt.lat, z->pt.lon, (enum usmap_mode)m->mode,
	    count, false, 0, 0 };

	if (m->mode == USMAP_REMOTE) {
		d.has_club = true;
		d.club_lat = clubs[m->club].lat;
		d.club_lon = clubs[m->club].lon;
	}
	return d;
}

/* Counts members by ZIP, mode and club into dots; returns how many. */
static size_t
aggregate(const struct geo_db *db, const struct usmap_club *clubs,
    struct member *mem, size_t n, struct usmap_dot *dots)
{
	size_t i, nd = 0;

	qsort(mem, n, sizeof(*mem), member_cmp);
	for (i = 0; i < n; i++) {
		if (nd > 0 && member_cmp(&mem[i - 1], &mem[i]) == 0)
			dots[nd - 1].count++;
		else
			dots[nd++] = dot_of(db, clubs, &mem[i], 1);
	}
	return nd;
}

static int
dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* Median time of RUNS renders, in ms; *bytes and *st from the last. */
static double
render(const struct usmap_club *clubs, size_t nclubs,
    const struct usmap_dot *dots, size_t ndots, bool lines, size_t *bytes,
    struct usmap_stats *st, struct buf *keep)
{
	double t[RUNS];
	struct buf b;
	struct err err = { 0 };
	int i;

	buf_init(&b);
	for (i = 0; i < RUNS; i++) {
		double t0 = monotonic_seconds();

		buf_reset(&b);
		if (usmap_svg(&b, clubs, nclubs, dots, ndots, lines, st,
		    &err) == -1) {
			fprintf(stderr, "bench_usmap: %s\n", err.msg);
			exit(1);
		}
		t[i] = (monotonic_seconds() - t0) * 1e3;
	}
	*bytes = b.len;
	if (keep != NULL) {
		buf_reset(keep);
		buf_add(keep, b.data, b.len);
	}
	buf_release(&b);
	qsort(t, RUNS, sizeof(t[0]), dbl_cmp);
	return t[RUNS / 2];
}

int
main(int argc, char **argv)
{
	struct err err = { 0 };
	struct geo_db *db = geo_db_open(&err);
	struct usmap_club *clubs;
	struct member *mem;
	struct usmap_dot *dots, *raw;
	struct usmap_stats st;
	struct buf svg;
	size_t i, nzips, ndots, b_empty, b_map, b_lines, b_raw, links;
	double t_agg, t_empty, t_map, t_lines, t_raw, t0;

	if (db == NULL) {
		fprintf(stderr, "bench_usmap: %s\n", err.msg);
		return 1;
	}
	nzips = geo_db_count(db);
	clubs = xcalloc(NCLUBS, sizeof(*clubs));
	for (i = 0; i < NCLUBS; i++) {
		const struct geo_zip *z = geo_db_at(db, rng_below(nzips));

		clubs[i] = (struct usmap_club){ (int64_t)i + 1, z->city,
		    z->pt.lat, z->pt.lon, (int64_t)rng_below(13) };
	}
	mem = xcalloc(NMEMBERS, sizeof(*mem));
	raw = xcalloc(NMEMBERS, sizeof(*raw));
	dots = xcalloc(NMEMBERS, sizeof(*dots));
	for (i = 0; i < NMEMBERS; i++) {
		size_t r = rng_below(10);

		mem[i].zip = (uint32_t)rng_below(nzips);
		mem[i].mode = r < 6 ? USMAP_LOCAL : r < 9 ? USMAP_REMOTE :
		    USMAP_UNASSIGNED;
		mem[i].club = (uint32_t)rng_below(NCLUBS);
		if (mem[i].mode != USMAP_REMOTE)
			mem[i].club = 0;	/* counted by ZIP and mode only */
		raw[i] = dot_of(db, clubs, &mem[i], 1);
	}

	t0 = monotonic_seconds();
	ndots = aggregate(db, clubs, mem, NMEMBERS, dots);
	t_agg = (monotonic_seconds() - t0) * 1e3;

	buf_init(&svg);
	t_empty = render(NULL, 0, NULL, 0, false, &b_empty, &st, NULL);
	t_raw = render(clubs, NCLUBS, raw, NMEMBERS, false, &b_raw, &st, NULL);
	t_lines = render(clubs, NCLUBS, dots, ndots, true, &b_lines, &st,
	    NULL);
	links = st.links;
	t_map = render(clubs, NCLUBS, dots, ndots, false, &b_map, &st, &svg);

	printf("usmap: %d clubs, %d members at random ZIPs: counted by ZIP "
	    "into %zu dots in %.1f ms (the caller's part)\n", NCLUBS,
	    NMEMBERS, ndots, t_agg);
	printf("usmap: map drawn in %.1f ms, %zu bytes (%.2f MB): %zu club "
	    "marks, %zu dots (merged on a %d px grid), %lld members shown, "
	    "%lld not on the map (goal: < 100 ms, < 2 MB)\n", t_map, b_map,
	    b_map / 1e6, st.clubs_shown, st.dots, st.grid,
	    (long long)st.members_shown, (long long)st.members_hidden);
	printf("usmap: with lines to the clubs: %.1f ms, %zu bytes (%.2f MB), "
	    "%zu links\n", t_lines, b_lines, b_lines / 1e6, links);
	printf("usmap: baseline, outlines alone: %.2f ms, %zu bytes; the map "
	    "is x%.0f the time, x%.1f the bytes\n", t_empty, b_empty,
	    t_map / t_empty, (double)b_map / (double)b_empty);
	printf("usmap: baseline, one dot per member given: %.1f ms, %zu bytes;"
	    " counting by ZIP first: x%.2f the time (x%.2f with the count)\n",
	    t_raw, b_raw, t_map / t_raw, (t_map + t_agg) / t_raw);

	if (argc > 1) {
		FILE *f = fopen(argv[1], "w");

		if (f == NULL || fwrite(svg.data, 1, svg.len, f) != svg.len ||
		    fclose(f) != 0) {
			fprintf(stderr, "bench_usmap: cannot write '%s'\n",
			    argv[1]);
			return 1;
		}
	}
	buf_release(&svg);
	free(dots);
	free(raw);
	free(mem);
	free(clubs);
	geo_db_close(db);
	return 0;
}
