/*
 * test_geo.c - geo_db (the embedded ZIP table) and geo_near (distances,
 * the k-d tree), through their headers only.
 *
 * The nearest-site tests compare the index with a brute-force scan that
 * uses nothing but geo_distance_miles(), on random queries with a fixed
 * seed, so a failure reproduces.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "err.h"
#include "fixtures.h"
#include "geo_db.h"
#include "geo_near.h"
#include "xalloc.h"

static struct geo_db *db;	/* the embedded table, opened once in main */

static uint64_t rng_state = 0x5eed2024c1ab0001ULL;

static uint64_t
rng_next(void)
{
	return splitmix64(&rng_state);
}

static size_t
rng_below(size_t n)
{
	return (size_t)(rng_next() % n);
}

static double
rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static const struct geo_zip *
random_zip(void)
{
	return geo_db_at(db, rng_below(geo_db_count(db)));
}

/* An independent formula (haversine) to check the chord-based one. */
static double
haversine_miles(double lat1, double lon1, double lat2, double lon2)
{
	double r = M_PI / 180;
	double a = sin((lat2 - lat1) * r / 2), b = sin((lon2 - lon1) * r / 2);
	double h = a * a + cos(lat1 * r) * cos(lat2 * r) * b * b;

	return 2 * 3958.8 * asin(sqrt(h));
}

/* ------------------------------------------------------------- distances */

static void
test_distance_known_pairs(void)
{
	struct geo_point nyc = { 40.7128, -74.0060 };
	struct geo_point la = { 34.0522, -118.2437 };
	struct geo_point london = { 51.5007, -0.1246 };
	struct geo_point liberty = { 40.6892, -74.0445 };
	double d;

	d = geo_distance_miles(nyc, la);
	CHECK_NEAR(d, haversine_miles(40.7128, -74.0060, 34.0522, -118.2437),
	    1e-6);
	CHECK(d > 2440 && d < 2450);	/* the well-known ~2,445 miles */
	CHECK(geo_distance_miles(la, nyc) == d);
	d = geo_distance_miles(london, liberty);
	CHECK_NEAR(d, haversine_miles(51.5007, -0.1246, 40.6892, -74.0445),
	    1e-6);
	CHECK(d > 3455 && d < 3475);

	CHECK(geo_distance_miles(nyc, nyc) == 0);
	/* Exact geometry: a quarter and a half of a great circle. */
	CHECK_NEAR(geo_distance_miles((struct geo_point){ 0, 0 },
	    (struct geo_point){ 0, 90 }), M_PI / 2 * 3958.8, 1e-6);
	/* At the antipode a chord of 2 pins the angle down to ~1e-8 rad
	 * only (1e-4 mile); nowhere near the US's own distances. */
	CHECK_NEAR(geo_distance_miles((struct geo_point){ 90, 0 },
	    (struct geo_point){ -90, 0 }), M_PI * 3958.8, 1e-3);
	CHECK_NEAR(geo_distance_miles((struct geo_point){ 10, 20 },
	    (struct geo_point){ -10, -160 }), M_PI * 3958.8, 1e-3);
	/* One degree of longitude on the equator. */
	CHECK_NEAR(geo_distance_miles((struct geo_point){ 0, -100 },
	    (struct geo_point){ 0, -99 }), 2 * M_PI * 3958.8 / 360, 1e-9);
	/* Across the antimeridian. */
	CHECK_NEAR(geo_distance_miles((struct geo_point){ 0, 179.5 },
	    (struct geo_point){ 0, -179.5 }), 2 * M_PI * 3958.8 / 360, 1e-9);
}

static void
test_distance_matches_haversine_on_zips(void)
{
	size_t i, n = geo_db_count(db), bad = 0;

	for (i = 0; i < 20000; i++) {
		const struct geo_zip *a = geo_db_at(db, rng_below(n));
		const struct geo_zip *b = geo_db_at(db, rng_below(n));
		double d = geo_distance_miles(a->pt, b->pt);
		double h = haversine_miles(a->pt.lat, a->pt.lon, b->pt.lat,
		    b->pt.lon);

		if (!(fabs(d - h) <= 1e-6 + 1e-12 * h))
			bad++;
		if (geo_distance_miles(a->pt, a->pt) != 0)
			bad++;
	}
	CHECK(bad == 0);
}

/* ----------------------------------------------------------------- table */

static void
test_table_size_and_order(void)
{
	size_t i, n = geo_db_count(db), bad = 0;

	CHECK(n > 40000 && n < 43000);
	for (i = 0; i < n; i++) {
		const struct geo_zip *z = geo_db_at(db, i);

		if (!geo_zip_is_wellformed(z->zip) ||
		    geo_db_lookup(db, z->zip) != z ||
		    (i > 0 && strcmp(geo_db_at(db, i - 1)->zip, z->zip) >= 0) ||
		    !(z->pt.lat >= -90 && z->pt.lat <= 90) ||
		    !(z->pt.lon >= -180 && z->pt.lon <= 180) ||
		    z->city == NULL || z->city[0] == '\0' ||
		    z->county == NULL || z->timezone == NULL)
			bad++;
		/* Rows with a state have a zone; APO/FPO rows have neither. */
		if (z->state[0] != '\0' && (!geo_state_is_valid(z->state) ||
		    z->timezone[0] == '\0'))
			bad++;
		if (z->state[0] == '\0' && z->timezone[0] != '\0')
			bad++;
	}
	CHECK(bad == 0);
}

static void
check_zip(const char *zip, const char *city, const char *state,
    const char *county, const char *tz, double lat, double lon)
{
	const struct geo_zip *z = geo_db_lookup(db, zip);

	CHECK(z != NULL);
	if (z == NULL) {
		fprintf(stderr, "# zip %s not found\n", zip);
		return;
	}
	CHECK_STR(z->zip, zip);
	CHECK_STR(z->city, city);
	CHECK_STR(z->state, state);
	CHECK_STR(z->county, county);
	CHECK_STR(z->timezone, tz);
	/* Within a few miles of where the place is known to be. */
	CHECK(geo_distance_miles(z->pt, (struct geo_point){ lat, lon }) < 10);
}

static void
test_lookup_known(void)
{
	check_zip("10001", "New York", "NY", "New York", "America/New_York",
	    40.75, -74.0);
	check_zip("90210", "Beverly Hills", "CA", "Los Angeles",
	    "America/Los_Angeles", 34.09, -118.41);
	check_zip("60601", "Chicago", "IL", "Cook", "America/Chicago",
	    41.88, -87.62);
	check_zip("85001", "Phoenix", "AZ", "Maricopa", "America/Phoenix",
	    33.45, -112.07);
	check_zip("96813", "Honolulu", "HI", "Honolulu", "Pacific/Honolulu",
	    21.31, -157.86);
	check_zip("99501", "Anchorage", "AK", "Anchorage Municipality",
	    "America/Anchorage", 61.22, -149.86);
	check_zip("46204", "Indianapolis", "IN", "Marion",
	    "America/Indiana/Indianapolis", 39.77, -86.16);
	/* UTF-8 passes through. */
	check_zip("88001", "Las Cruces", "NM", "Do\xc3\xb1" "a Ana",
	    "America/Denver", 32.31, -106.78);
	/* The map's zone corrected by tools/build_zipdata.py. */
	check_zip("99546", "Adak", "AK", "Aleutians West (CA)", "America/Adak",
	    51.88, -176.64);
	/* Listed twice in GeoNames: the row with a state is kept. */
	check_zip("96860", "Jbphh", "HI", "Honolulu", "Pacific/Honolulu",
	    21.35, -157.95);
	/* A military ZIP: no state, county or zone in the source. */
	check_zip("09012", "APO AE", "", "", "", 49.43, 7.6);
}

static void
test_lookup_unknown_and_malformed(void)
{
	CHECK(geo_db_lookup(db, "00000") == NULL);
	CHECK(geo_db_lookup(db, "99999") == NULL);
	CHECK(geo_db_lookup(db, NULL) == NULL);
	CHECK(geo_db_lookup(db, "") == NULL);
	CHECK(geo_db_lookup(db, "1000") == NULL);
	CHECK(geo_db_lookup(db, "100011") == NULL);
	CHECK(geo_db_lookup(db, "10001-1234") == NULL);
	CHECK(geo_db_lookup(db, " 10001") == NULL);
	CHECK(geo_db_lookup(db, "1o001") == NULL);

	CHECK(geo_zip_is_wellformed("00000"));
	CHECK(geo_zip_is_wellformed("10001"));
	CHECK(!geo_zip_is_wellformed(NULL));
	CHECK(!geo_zip_is_wellformed(""));
	CHECK(!geo_zip_is_wellformed("1234"));
	CHECK(!geo_zip_is_wellformed("123456"));
	CHECK(!geo_zip_is_wellformed("1234a"));
	CHECK(!geo_zip_is_wellformed("12 45"));
	/* Arabic-Indic digits are digits, but not ASCII ones. */
	CHECK(!geo_zip_is_wellformed("\xd9\xa1\xd9\xa2\xd9"));
}

/* ---------------------------------------------------------------- states */

static void
test_state_list_matches_table(void)
{
	bool in_table[26 * 26] = { false };
	size_t i, n = geo_db_count(db), nvalid = 0;
	char code[3] = "AA";
	int a, b;

	for (i = 0; i < n; i++) {
		const char *s = geo_db_at(db, i)->state;

		if (s[0] != '\0')
			in_table[(s[0] - 'A') * 26 + (s[1] - 'A')] = true;
	}
	for (a = 0; a < 26; a++) {
		for (b = 0; b < 26; b++) {
			code[0] = (char)('A' + a);
			code[1] = (char)('A' + b);
			CHECK(geo_state_is_valid(code) == in_table[a * 26 + b]);
			if (geo_state_is_valid(code))
				nvalid++;
		}
	}
	CHECK(nvalid == 52);	/* 50 states, DC, MH */
	CHECK(geo_state_is_valid("NY"));
	CHECK(geo_state_is_valid("DC"));
	CHECK(!geo_state_is_valid("ny"));
	CHECK(!geo_state_is_valid("Ny"));
	CHECK(!geo_state_is_valid("NYC"));
	CHECK(!geo_state_is_valid("N"));
	CHECK(!geo_state_is_valid(""));
	CHECK(!geo_state_is_valid(NULL));
	CHECK(!geo_state_is_valid("PR"));	/* not in GeoNames' US file */
}

static void
test_state_timezone(void)
{
	size_t i, j, n = geo_db_count(db);
	const char *zones[64];
	size_t counts[64];
	char code[3] = "AA";
	int a, b;

	/* Recount every state the slow way and compare. */
	for (a = 0; a < 26; a++) {
		for (b = 0; b < 26; b++) {
			size_t nz = 0, best = 0;
			const char *want = NULL;

			code[0] = (char)('A' + a);
			code[1] = (char)('A' + b);
			for (i = 0; i < n; i++) {
				const struct geo_zip *z = geo_db_at(db, i);

				if (strcmp(z->state, code) != 0 ||
				    z->timezone[0] == '\0')
					continue;
				for (j = 0; j < nz; j++)
					if (strcmp(zones[j], z->timezone) == 0)
						break;
				if (j == nz) {
					if (nz == 64)
						break;
					zones[nz] = z->timezone;
					counts[nz++] = 0;
				}
				counts[j]++;
			}
			for (j = 0; j < nz; j++) {
				if (counts[j] > best || (counts[j] == best &&
				    strcmp(zones[j], want) < 0)) {
					best = counts[j];
					want = zones[j];
				}
			}
			if (want == NULL)
				CHECK(geo_state_timezone(db, code) == NULL);
			else
				CHECK_STR(geo_state_timezone(db, code), want);
		}
	}
	CHECK_STR(geo_state_timezone(db, "NY"), "America/New_York");
	CHECK_STR(geo_state_timezone(db, "CA"), "America/Los_Angeles");
	CHECK_STR(geo_state_timezone(db, "AZ"), "America/Phoenix");
	CHECK_STR(geo_state_timezone(db, "HI"), "Pacific/Honolulu");
	CHECK_STR(geo_state_timezone(db, "TX"), "America/Chicago");
	CHECK(geo_state_timezone(db, "ZZ") == NULL);
	CHECK(geo_state_timezone(db, "ny") == NULL);
	CHECK(geo_state_timezone(db, "") == NULL);
	CHECK(geo_state_timezone(db, NULL) == NULL);
}

static void
test_zones_known_to_tzdata(void)
{
	size_t i, n = geo_db_count(db), bad = 0;
	struct stat st;
	const char *last = "";

	if (stat("/usr/share/zoneinfo", &st) != 0) {
		fprintf(stderr, "# no /usr/share/zoneinfo: zones unchecked\n");
		return;
	}
	for (i = 0; i < n; i++) {
		const char *tz = geo_db_at(db, i)->timezone;
		char path[256];

		if (tz[0] == '\0' || strcmp(tz, last) == 0)
			continue;
		last = tz;
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "# zone %s: %s\n", tz, strerror(errno));
			bad++;
		}
	}
	CHECK(bad == 0);
}

/* ------------------------------------------------------ tables from text */

static struct geo_db *
open_text(const char *text, struct err *e)
{
	err_clear(e);
	return geo_db_open_mem(text, strlen(text), e);
}

static void
check_bad_table(const char *text, const char *why)
{
	struct err e;
	struct geo_db *d = open_text(text, &e);

	CHECK(d == NULL);
	CHECK(e.code == ERR_INVALID);
	if (strstr(e.msg, why) == NULL) {
		fprintf(stderr, "# message '%s' lacks '%s'\n", e.msg, why);
		check_failed_now++;
	}
	geo_db_close(d);
}

static void
test_open_mem(void)
{
	static const char good[] =
	    "# a comment line\n"
	    "00501\t40.8154\t-73.0451\tHoltsville\tNY\tSuffolk\t"
	    "America/New_York\n"
	    "10001\t40.7484\t-73.9967\tNew York\tNY\tNew York\t"
	    "America/Chicago\r\n"
	    "\n"
	    "20001\t38.9122\t-77.0177\tWashington\tDC\tDistrict of Columbia\t\n"
	    "30001\t-1.5\t2\tNowhere\t\t\t";
	struct err e;
	struct geo_db *d = open_text(good, &e);
	const struct geo_zip *z;

	CHECK(d != NULL);
	if (d == NULL) {
		fprintf(stderr, "# %s\n", e.msg);
		return;
	}
	CHECK(e.code == ERR_OK);
	CHECK(geo_db_count(d) == 4);
	z = geo_db_lookup(d, "10001");
	CHECK(z != NULL && strcmp(z->timezone, "America/Chicago") == 0);
	CHECK(z != NULL && z->pt.lat == 40.7484 && z->pt.lon == -73.9967);
	z = geo_db_lookup(d, "30001");
	CHECK(z != NULL && z->pt.lat == -1.5 && z->pt.lon == 2.0 &&
	    z->state[0] == '\0' && z->timezone[0] == '\0');
	z = geo_db_lookup(d, "20001");
	CHECK(z != NULL && strcmp(z->county, "District of Columbia") == 0 &&
	    z->timezone[0] == '\0');
	/* A tie of one ZIP each: the name first in byte order wins. */
	CHECK_STR(geo_state_timezone(d, "NY"), "America/Chicago");
	/* DC's only ZIP has no zone. */
	CHECK(geo_state_timezone(d, "DC") == NULL);
	CHECK(geo_db_lookup(d, "00502") == NULL);
	geo_db_close(d);
	geo_db_close(NULL);

	check_bad_table("", "empty");
	check_bad_table("# only a comment\n\n", "no rows");
	check_bad_table("00501\t40.8\t-73.0\tHoltsville\tNY\tSuffolk\n",
	    "line 1: expected 7");
	check_bad_table("# c\n00501\t40.8\t-73.0\tH\tNY\tS\tA/B\tX\n",
	    "line 2: expected 7");
	check_bad_table("0050\t40.8\t-73.0\tH\tNY\tS\tA/B\n", "bad zip");
	check_bad_table("10001\t40.8\t-73.0\tH\tNY\tS\tA/B\n"
	    "00501\t40.8\t-73.0\tH\tNY\tS\tA/B\n", "line 2: zip 00501 is out");
	check_bad_table("10001\t40.8\t-73.0\tH\tNY\tS\tA/B\n"
	    "10001\t40.8\t-73.0\tH\tNY\tS\tA/B\n", "repeated");
	check_bad_table("10001\t90.5\t-73.0\tH\tNY\tS\tA/B\n", "coordinates");
	check_bad_table("10001\t40.8\t-180.01\tH\tNY\tS\tA/B\n", "coordinates");
	check_bad_table("10001\t40.8\t\tH\tNY\tS\tA/B\n", "coordinates");
	check_bad_table("10001\t4e1\t-73\tH\tNY\tS\tA/B\n", "coordinates");
	check_bad_table("10001\t40.\t-73\tH\tNY\tS\tA/B\n", "coordinates");
	check_bad_table("10001\t40.8\t-73.0\tH\tny\tS\tA/B\n", "bad state");
	check_bad_table("10001\t40.8\t-73.0\tH\tNYC\tS\tA/B\n", "bad state");
	check_bad_table("10001\t40.8\t-73.0\tH\tNY\tS\tA B\n", "time zone");

	/* A NUL inside a line must not silently cut it short. */
	{
		static const char nul[] =
		    "10001\t40.8\t-73.0\tH\0X\tNY\tS\tA/B\n";

		err_clear(&e);
		d = geo_db_open_mem(nul, sizeof(nul) - 1, &e);
		CHECK(d == NULL && e.code == ERR_INVALID &&
		    strstr(e.msg, "NUL") != NULL);
		geo_db_close(d);
	}
}

/* ------------------------------------------------------- nearest: basics */

static void
test_empty_index(void)
{
	struct geo_index *ix = geo_index_new(NULL, 0);
	struct geo_hit out[3];

	CHECK(geo_index_count(ix) == 0);
	CHECK(geo_index_nearest(ix, (struct geo_point){ 40, -74 }, 3,
	    INFINITY, NULL, NULL, out) == 0);
	geo_index_free(ix);
	geo_index_free(NULL);
}

static void
test_k_larger_than_n(void)
{
	struct geo_site sites[7];
	struct geo_hit out[20];
	struct geo_index *ix;
	struct geo_point from = { 39.0, -95.0 };
	size_t i, n;

	for (i = 0; i < 7; i++) {
		sites[i].id = (int64_t)(100 - i);
		sites[i].pt.lat = 39.0 + 0.1 * (double)i;
		sites[i].pt.lon = -95.0;
	}
	ix = geo_index_new(sites, 7);
	n = geo_index_nearest(ix, from, 20, INFINITY, NULL, NULL, out);
	CHECK(n == 7);
	for (i = 0; i < n; i++) {
		CHECK(out[i].id == (int64_t)(100 - i));
		CHECK(out[i].miles == geo_distance_miles(from, sites[i].pt));
	}
	CHECK(out[0].miles == 0);
	CHECK(geo_index_nearest(ix, from, 0, INFINITY, NULL, NULL, out) == 0);
	geo_index_free(ix);
}

static void
test_max_miles_edges(void)
{
	struct geo_site sites[3] = {
		{ 1, { 40.0, -100.0 } },
		{ 2, { 40.0, -100.0 } },
		{ 3, { 40.3, -100.0 } },
	};
	struct geo_point from = { 40.0, -100.0 };
	struct geo_hit out[3];
	struct geo_index *ix = geo_index_new(sites, 3);
	double d = geo_distance_miles(from, sites[2].pt);

	/* 0 miles: only the sites at exactly `from`, lower id first. */
	CHECK(geo_index_nearest(ix, from, 3, 0, NULL, NULL, out) == 2);
	CHECK(out[0].id == 1 && out[1].id == 2 && out[1].miles == 0);
	/* The limit is inclusive, on the miles reported. */
	CHECK(geo_index_nearest(ix, from, 3, d, NULL, NULL, out) == 3);
	CHECK(out[2].id == 3 && out[2].miles == d);
	CHECK(geo_index_nearest(ix, from, 3, nextafter(d, 0), NULL, NULL,
	    out) == 2);
	CHECK(geo_index_nearest(ix, from, 3, -1, NULL, NULL, out) == 0);
	CHECK(geo_index_nearest(ix, from, 3, NAN, NULL, NULL, out) == 0);
	CHECK(geo_index_nearest(ix, (struct geo_point){ NAN, 0 }, 3, INFINITY,
	    NULL, NULL, out) == 0);
	CHECK(geo_index_nearest(ix, (struct geo_point){ 0, INFINITY }, 3,
	    INFINITY, NULL, NULL, out) == 0);
	geo_index_free(ix);
}

static void
test_nonfinite_sites_left_out(void)
{
	struct geo_site sites[3] = {
		{ 1, { NAN, -100.0 } },
		{ 2, { 40.0, -100.0 } },
		{ 3, { 40.0, INFINITY } },
	};
	struct geo_hit out[3];
	struct geo_index *ix = geo_index_new(sites, 3);

	CHECK(geo_index_count(ix) == 1);
	CHECK(geo_index_nearest(ix, (struct geo_point){ 0, 0 }, 3, INFINITY,
	    NULL, NULL, out) == 1);
	CHECK(out[0].id == 2);
	geo_index_free(ix);
}

/* ----------------------------------------------- nearest vs brute force */

struct filter {
	size_t nsites;
	unsigned *seen;		/* per site: the query that last asked */
	unsigned query;		/* this query's number */
	size_t repeats;		/* keep() called twice for one site */
	int mod;		/* keep ids with (id / 3) % mod != 0 */
};

/* ids are 3 * index + 1, so ids and positions in sites[] disagree in
 * order after the shuffle, and the id gives the site back. */
static bool
filter_says(const struct filter *f, int64_t id)
{
	return ((id - 1) / 3) % f->mod != 0;
}

static bool
keep_cb(int64_t id, void *arg)
{
	struct filter *f = arg;
	size_t i = (size_t)((id - 1) / 3);

	if (i < f->nsites) {
		if (f->seen[i] == f->query)
			f->repeats++;
		f->seen[i] = f->query;
	}
	return filter_says(f, id);
}

static int
hit_cmp(const void *pa, const void *pb)
{
	const struct geo_hit *a = pa, *b = pb;

	if (a->miles != b->miles)
		return a->miles < b->miles ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* The first k of every qualifying site sorted by (miles, id). */
static size_t
brute_nearest(const struct geo_site *sites, size_t n, struct geo_point from,
    size_t k, double max_miles, const struct filter *f,
    struct geo_hit *all, struct geo_hit *out)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		double d = geo_distance_miles(from, sites[i].pt);

		if (!(d <= max_miles))
			continue;
		if (f != NULL && !filter_says(f, sites[i].id))
			continue;
		all[m].id = sites[i].id;
		all[m].miles = d;
		m++;
	}
	qsort(all, m, sizeof(*all), hit_cmp);
	if (m > k)
		m = k;
	memcpy(out, all, m * sizeof(*out));
	return m;
}

/* Sites at random ZIP centroids, a fifth of them sharing another site's
 * coordinates, in shuffled order with ids that do not follow it. */
static struct geo_site *
random_sites(size_t n)
{
	struct geo_site *s = xreallocarray(NULL, n, sizeof(*s));
	size_t i;

	for (i = 0; i < n; i++) {
		s[i].id = (int64_t)(3 * i + 1);
		if (i > 0 && rng_below(5) == 0)
			s[i].pt = s[rng_below(i)].pt;
		else
			s[i].pt = random_zip()->pt;
	}
	for (i = n - 1; i > 0; i--) {
		size_t j = rng_below(i + 1);
		struct geo_site t = s[i];

		s[i] = s[j];
		s[j] = t;
	}
	return s;
}

static double
random_max_miles(void)
{
	switch (rng_below(4)) {
	case 0:
		return INFINITY;
	case 1:
		return 25.0;	/* the matching policy's local radius */
	case 2:
		return rng_unit() * 60;
	default:
		return rng_unit() * 1500;
	}
}

struct compare_stats {
	size_t queries, hits, filtered, limited, tie_queries, short_queries;
};

/* Runs one query both ways and compares; true when they agree. */
static bool
compare_one(const struct geo_index *ix, const struct geo_site *sites,
    size_t n, struct geo_point from, size_t k, double max_miles,
    struct filter *f, struct geo_hit *all, struct compare_stats *st)
{
	struct geo_hit *got = xreallocarray(NULL, k, sizeof(*got));
	struct geo_hit *want = xreallocarray(NULL, k, sizeof(*want));
	size_t ngot, nwant, i;
	bool same;

	if (f != NULL)
		f->query++;
	ngot = geo_index_nearest(ix, from, k, max_miles,
	    f != NULL ? keep_cb : NULL, f, got);
	nwant = brute_nearest(sites, n, from, k, max_miles, f, all, want);
	same = ngot == nwant;
	for (i = 0; same && i < ngot; i++)
		same = got[i].id == want[i].id && got[i].miles == want[i].miles;
	if (!same) {
		fprintf(stderr, "# query (%.4f, %.4f) k=%zu max=%g filter=%s: "
		    "index %zu hits, scan %zu\n", from.lat, from.lon, k,
		    max_miles, f ? "yes" : "no", ngot, nwant);
		for (i = 0; i < ngot || i < nwant; i++)
			fprintf(stderr, "#   %zu: index %lld %.17g, scan %lld "
			    "%.17g\n", i,
			    i < ngot ? (long long)got[i].id : -1LL,
			    i < ngot ? got[i].miles : NAN,
			    i < nwant ? (long long)want[i].id : -1LL,
			    i < nwant ? want[i].miles : NAN);
	}
	st->queries++;
	st->hits += ngot;
	st->filtered += f != NULL;
	st->limited += !isinf(max_miles);
	st->short_queries += ngot < k;
	for (i = 1; i < nwant; i++) {
		if (want[i].miles == want[i - 1].miles) {
			st->tie_queries++;
			break;
		}
	}
	free(got);
	free(want);
	return same;
}

static void
test_nearest_matches_bruteforce(void)
{
	size_t n = 3000, q, wrong = 0;
	struct geo_site *sites = random_sites(n);
	struct geo_index *ix = geo_index_new(sites, n);
	struct geo_hit *all = xreallocarray(NULL, n, sizeof(*all));
	struct filter f = { n, xcalloc(n, sizeof(unsigned)), 0, 0, 2 };
	struct compare_stats st = { 0 };

	CHECK(geo_index_count(ix) == n);
	for (q = 0; q < 10000; q++) {
		struct geo_point from;
		size_t k = 1 + rng_below(10);
		double max_miles = random_max_miles();
		bool filtered = rng_below(2) == 0;

		/* Half the queries start at a site: exact 0-mile ties. */
		if (rng_below(2) == 0)
			from = sites[rng_below(n)].pt;
		else
			from = random_zip()->pt;
		f.mod = 2 + (int)rng_below(3);
		if (!compare_one(ix, sites, n, from, k, max_miles,
		    filtered ? &f : NULL, all, &st))
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(f.repeats == 0);
	/* The mix did exercise what it is meant to. */
	CHECK(st.tie_queries > 100);
	CHECK(st.filtered > 4000 && st.limited > 6000);
	CHECK(st.short_queries > 1000 && st.hits > 30000);
	fprintf(stderr, "# %zu queries, %zu hits, %zu with ties, %zu filtered, "
	    "%zu limited, %zu short of k\n", st.queries, st.hits,
	    st.tie_queries, st.filtered, st.limited, st.short_queries);
	free(f.seen);
	free(all);
	geo_index_free(ix);
	free(sites);
}

/* Many sites on few points: every answer is decided by ids, and k goes
 * past the index's on-stack buffers. */
static void
test_nearest_heavy_duplicates(void)
{
	size_t n = 1200, i, q, wrong = 0;
	struct geo_site *sites = xreallocarray(NULL, n, sizeof(*sites));
	struct geo_point spots[12];
	struct geo_index *ix;
	struct geo_hit *all = xreallocarray(NULL, n, sizeof(*all));
	struct filter f = { n, xcalloc(n, sizeof(unsigned)), 0, 0, 3 };
	struct compare_stats st = { 0 };

	for (i = 0; i < 12; i++)
		spots[i] = random_zip()->pt;
	for (i = 0; i < n; i++) {
		sites[i].id = (int64_t)(3 * ((i * 7919) % n) + 1);
		sites[i].pt = spots[rng_below(12)];
	}
	ix = geo_index_new(sites, n);
	for (q = 0; q < 300; q++) {
		struct geo_point from = q % 2 ? spots[rng_below(12)] :
		    random_zip()->pt;
		size_t k = q % 10 == 0 ? n + 5 : 1 + rng_below(150);

		if (!compare_one(ix, sites, n, from, k, random_max_miles(),
		    q % 3 ? &f : NULL, all, &st))
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(f.repeats == 0);
	free(f.seen);
	free(all);
	geo_index_free(ix);
	free(sites);
}

/* Sites mirrored east and west of the query are at the same true distance;
 * their computed chords may differ by a rounding, and the ranking must
 * still follow (miles, id) as the scan does. */
static void
test_nearest_mirror_ties(void)
{
	size_t n = 0, q, wrong = 0;
	struct geo_site sites[400];
	struct geo_hit all[400];
	struct geo_index *ix;
	struct geo_point from = { 40.1234, -100.4321 };
	struct compare_stats st = { 0 };

	while (n < 400) {
		double dlat = (double)rng_below(200) / 1e4 - 0.01;
		double dlon = (double)(1 + rng_below(300)) / 1e4;
		int64_t id1 = (int64_t)rng_below(1000000);

		sites[n].id = id1 * 2;
		sites[n++].pt = (struct geo_point){ from.lat + dlat,
		    from.lon + dlon };
		sites[n].id = (int64_t)rng_below(1000000) * 2 + 1;
		sites[n++].pt = (struct geo_point){ from.lat + dlat,
		    from.lon - dlon };
	}
	ix = geo_index_new(sites, n);
	for (q = 0; q < 400; q++) {
		if (!compare_one(ix, sites, n, from, 1 + rng_below(60),
		    q % 4 ? INFINITY : rng_unit() * 2, NULL, all, &st))
			wrong++;
	}
	CHECK(wrong == 0);
	geo_index_free(ix);
}

/*
 * Sites strung across the line of sight, far from the query: their true
 * distances differ by far less than a rounding, so their computed miles
 * often agree to the bit while their chords still differ in the last
 * place.  That is where ranking by chord alone would pick the wrong id.
 */
static void
test_nearest_rounding_ties(void)
{
	size_t n = 0, q, wrong = 0, i, j;
	struct geo_site sites[256];
	struct geo_hit all[256];
	struct geo_index *ix;
	struct compare_stats st = { 0 };
	struct geo_point base = { 45.5, -97.5 };

	for (i = 0; i < 4; i++) {
		for (j = 0; j < 64; j++) {
			sites[n].id = (int64_t)rng_below(100000);
			sites[n++].pt = (struct geo_point){
			    base.lat + (double)i * 1e-9,
			    base.lon + (double)j * 1e-9 };
		}
	}
	ix = geo_index_new(sites, n);
	for (q = 0; q < 2000; q++) {
		struct geo_point from = { base.lat - 5 - rng_unit() * 15,
		    base.lon + 32e-9 };

		if (!compare_one(ix, sites, n, from, 1 + rng_below(40),
		    INFINITY, NULL, all, &st))
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(st.tie_queries > 100);
	fprintf(stderr, "# rounding ties: %zu of %zu queries\n",
	    st.tie_queries, st.queries);
	geo_index_free(ix);
}

int
main(void)
{
	struct err e = { 0 };

	db = geo_db_open(&e);
	if (db == NULL)
		return check_setup_failed("geo_db_open", e.msg);
	RUN(test_distance_known_pairs);
	RUN(test_distance_matches_haversine_on_zips);
	RUN(test_table_size_and_order);
	RUN(test_lookup_known);
	RUN(test_lookup_unknown_and_malformed);
	RUN(test_state_list_matches_table);
	RUN(test_state_timezone);
	RUN(test_zones_known_to_tzdata);
	RUN(test_open_mem);
	RUN(test_empty_index);
	RUN(test_k_larger_than_n);
	RUN(test_max_miles_edges);
	RUN(test_nonfinite_sites_left_out);
	RUN(test_nearest_matches_bruteforce);
	RUN(test_nearest_heavy_duplicates);
	RUN(test_nearest_mirror_ties);
	RUN(test_nearest_rounding_ties);
	geo_db_close(db);
	return check_done();
}
