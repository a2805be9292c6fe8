/*
 * bench_geo.c - how fast the ZIP table loads and the nearest-club index
 * answers, against the brute-force scan it replaces.
 *
 * 20,000 clubs at random ZIP centroids, 100,000 member ZIPs as queries
 * (fixed seed).  The baseline is the scan a service without an index
 * would do: geo_distance_miles() to every club, keeping the best five.
 * It runs on a sample of the queries (it is slow) and must give the same
 * answers as the index.  A second baseline scans precomputed unit vectors,
 * the cheapest scan there is, to show what the tree alone buys.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "geo_db.h"
#include "geo_near.h"
#include "xalloc.h"
#include "../tests/unit/fixtures.h"

#define NCLUBS		20000
#define NQUERIES	100000
#define NSCAN		2000	/* queries scanned with distances */
#define NVSCAN		20000	/* queries scanned with vectors */
#define K		5
#define LOADS		21

static uint64_t rng_state = 0xbe9c4e0f1d2a3b01ULL;

static uint64_t
rng_next(void)
{
	return splitmix64(&rng_state);
}

static int
dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* "2.1M", "3.0k": rates to two or three significant figures. */
static const char *
rate(double r, char *buf, size_t len)
{
	if (r >= 1e6)
		snprintf(buf, len, "%.2fM", r / 1e6);
	else if (r >= 1e3)
		snprintf(buf, len, "%.1fk", r / 1e3);
	else
		snprintf(buf, len, "%.0f", r);
	return buf;
}

/* Inserts (miles, id) into best[0..*n) kept sorted, at most K long. */
static void
top_insert(struct geo_hit *best, size_t *n, double miles, int64_t id)
{
	size_t i;

	if (*n == K && (miles > best[K - 1].miles ||
	    (miles == best[K - 1].miles && id > best[K - 1].id)))
		return;
	i = *n < K ? (*n)++ : K - 1;
	for (; i > 0 && (miles < best[i - 1].miles ||
	    (miles == best[i - 1].miles && id < best[i - 1].id)); i--)
		best[i] = best[i - 1];
	best[i].miles = miles;
	best[i].id = id;
}

static size_t
scan_nearest(const struct geo_site *clubs, size_t n, struct geo_point from,
    struct geo_hit *best)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		top_insert(best, &m, geo_distance_miles(from, clubs[i].pt),
		    clubs[i].id);
	return m;
}

static void
to_unit(struct geo_point p, double v[3])
{
	double la = p.lat * (M_PI / 180), lo = p.lon * (M_PI / 180);

	v[0] = cos(la) * cos(lo);
	v[1] = cos(la) * sin(lo);
	v[2] = sin(la);
}

/* The same top-5 over squared chords; returns the nearest's id. */
static int64_t
vscan_nearest(const double (*v)[3], const struct geo_site *clubs, size_t n,
    const double q[3])
{
	struct geo_hit best[K];
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		double dx = v[i][0] - q[0], dy = v[i][1] - q[1];
		double dz = v[i][2] - q[2];

		top_insert(best, &m, dx * dx + dy * dy + dz * dz, clubs[i].id);
	}
	return best[0].id;
}

int
main(void)
{
	struct err e = { 0 };
	struct geo_db *db = NULL;
	struct geo_site *clubs;
	struct geo_point *queries;
	struct geo_index *ix;
	struct geo_hit hits[K], best[K];
	double loads[LOADS], t0, t_index, t_index25, t_scan, t_vscan, t_build;
	double (*vec)[3], sink = 0;
	size_t i, nzip, agree = 0, n25 = 0;
	int64_t vsink = 0;
	char r1[32], r2[32], r3[32];

	for (i = 0; i < LOADS; i++) {
		geo_db_close(db);
		t0 = monotonic_seconds();
		db = geo_db_open(&e);
		loads[i] = monotonic_seconds() - t0;
		if (db == NULL) {
			fprintf(stderr, "bench_geo: %s\n", e.msg);
			return 1;
		}
	}
	nzip = geo_db_count(db);
	t0 = loads[0];
	qsort(loads, LOADS, sizeof(loads[0]), dbl_cmp);
	printf("geo: zip table: %zu rows parsed in %.2f ms (median of %d "
	    "loads; first %.2f ms, min %.2f ms)\n", nzip,
	    loads[LOADS / 2] * 1e3, LOADS, t0 * 1e3, loads[0] * 1e3);

	clubs = xreallocarray(NULL, NCLUBS, sizeof(*clubs));
	for (i = 0; i < NCLUBS; i++) {
		clubs[i].id = (int64_t)i + 1;
		clubs[i].pt = geo_db_at(db, rng_next() % nzip)->pt;
	}
	queries = xreallocarray(NULL, NQUERIES, sizeof(*queries));
	for (i = 0; i < NQUERIES; i++)
		queries[i] = geo_db_at(db, rng_next() % nzip)->pt;

	t0 = monotonic_seconds();
	ix = geo_index_new(clubs, NCLUBS);
	t_build = monotonic_seconds() - t0;
	printf("geo: index over %d clubs built in %.2f ms\n", NCLUBS,
	    t_build * 1e3);

	/* Warm up the caches, then time every query. */
	for (i = 0; i < 1000; i++)
		sink += (double)geo_index_nearest(ix, queries[i], K, INFINITY,
		    NULL, NULL, hits);
	t0 = monotonic_seconds();
	for (i = 0; i < NQUERIES; i++) {
		size_t n = geo_index_nearest(ix, queries[i], K, INFINITY, NULL,
		    NULL, hits);

		sink += hits[n - 1].miles;
	}
	t_index = monotonic_seconds() - t0;

	t0 = monotonic_seconds();
	for (i = 0; i < NQUERIES; i++)
		n25 += geo_index_nearest(ix, queries[i], K, 25.0, NULL, NULL,
		    hits);
	t_index25 = monotonic_seconds() - t0;

	t0 = monotonic_seconds();
	for (i = 0; i < NSCAN; i++)
		sink += best[scan_nearest(clubs, NCLUBS, queries[i], best) - 1]
		    .miles;
	t_scan = monotonic_seconds() - t0;

	/* Same answers, ids and miles, on the scanned sample. */
	for (i = 0; i < NSCAN; i++) {
		size_t n = geo_index_nearest(ix, queries[i], K, INFINITY, NULL,
		    NULL, hits);
		size_t m = scan_nearest(clubs, NCLUBS, queries[i], best);

		if (n == m && memcmp(hits, best, n * sizeof(hits[0])) == 0)
			agree++;
	}

	vec = xreallocarray(NULL, NCLUBS, sizeof(*vec));
	for (i = 0; i < NCLUBS; i++)
		to_unit(clubs[i].pt, vec[i]);
	t0 = monotonic_seconds();
	for (i = 0; i < NVSCAN; i++) {
		double q[3];

		to_unit(queries[i], q);
		vsink += vscan_nearest((const double (*)[3])vec, clubs, NCLUBS,
		    q);
	}
	t_vscan = monotonic_seconds() - t0;

	printf("geo: nearest-%d over %d clubs: index %s q/s (%.2f us a "
	    "query), scan %s q/s, ratio %.0fx\n", K, NCLUBS,
	    rate(NQUERIES / t_index, r1, sizeof(r1)),
	    t_index / NQUERIES * 1e6, rate(NSCAN / t_scan, r2, sizeof(r2)),
	    (NQUERIES / t_index) / (NSCAN / t_scan));
	printf("geo:   scan = geo_distance_miles() to every club (%d sample "
	    "queries); index and scan agree on %zu of %d\n", NSCAN, agree,
	    NSCAN);
	printf("geo:   vs a scan over precomputed unit vectors: %s q/s, "
	    "ratio %.0fx\n", rate(NVSCAN / t_vscan, r3, sizeof(r3)),
	    (NQUERIES / t_index) / (NVSCAN / t_vscan));
	printf("geo: nearest-%d within 25 mi over %d clubs: index %s q/s "
	    "(%.2f us a query, %.2f hits on average)\n", K, NCLUBS,
	    rate(NQUERIES / t_index25, r1, sizeof(r1)),
	    t_index25 / NQUERIES * 1e6, (double)n25 / NQUERIES);
	/* Use the results, so the compiler keeps the loops. */
	if (sink == 0 && vsink == 0)
		printf("\n");

	free(vec);
	geo_index_free(ix);
	free(queries);
	free(clubs);
	geo_db_close(db);
	return agree == NSCAN ? 0 : 1;
}
