/*
 * test_usmap.c - the Albers USA projection and the SVG map (geo/usmap.h),
 * through the header only; links geo/ and common/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "fixtures.h"
#include "geo_db.h"
#include "usmap.h"

/*
 * Reference values from d3-geo 3.1.2 (npm), computed with node:
 *   const p = d3.geoAlbersUsa().scale(1300).translate([487.5, 305]);
 *   p([lon, lat])
 * and, for Puerto Rico (which geoAlbersUsa leaves out), the inset that
 * geo/usmap.c adds, built from d3's own conic projection:
 *   d3.geoConicEqualArea().rotate([66, 0]).center([0, 18])
 *     .parallels([8, 18]).scale(1300).translate([487.5 + 0.350 * 1300,
 *     305 + 0.224 * 1300]).clipExtent([[487.5 + 0.320 * 1300 + 1e-6,
 *     305 + 0.204 * 1300 + 1e-6], [487.5 + 0.380 * 1300 - 1e-6,
 *     305 + 0.240 * 1300 - 1e-6]])
 * tried after geoAlbersUsa returned null.  on = 0: d3 returns null.
 */
static const struct {
	const char *name;
	double lat, lon;
	int on;
	double x, y;
} d3_points[] = {
	{ "New York", 40.7128, -74.006, 1, 869.7188, 215.7405 },
	{ "Los Angeles", 34.0522, -118.2437, 1, 86.8121, 363.1189 },
	{ "Chicago", 41.8781, -87.6298, 1, 638.2196, 226.1123 },
	{ "Houston", 29.7604, -95.3698, 1, 510.4277, 509.2311 },
	{ "Seattle", 47.6062, -122.3321, 1, 97.6250, 46.3187 },
	{ "Miami", 25.7617, -80.1918, 1, 822.7383, 572.5408 },
	{ "Key West", 24.5551, -81.78, 1, 794.4059, 604.4525 },
	{ "Bangor", 44.8016, -68.7712, 1, 929.6279, 103.3857 },
	{ "Denver", 39.7392, -104.9903, 1, 342.8454, 273.8846 },
	{ "Anchorage", 61.2181, -149.9003, 1, 112.2774, 544.2779 },
	{ "Juneau", 58.3019, -134.4197, 1, 176.9370, 556.0838 },
	{ "Utqiagvik", 71.2906, -156.7886, 1, 89.3904, 465.0340 },
	{ "Adak", 51.88, -176.6581, 1, -12.8155, 600.1290 },
	{ "Attu", 52.93, 173.2, 1, -54.5119, 572.5738 },
	{ "Honolulu", 21.3069, -157.8583, 1, 266.9599, 549.1904 },
	{ "Hilo", 19.7241, -155.0868, 1, 326.2218, 584.8011 },
	{ "San Juan", 18.4655, -66.1057, 1, 940.2235, 585.6416 },
	{ "Ponce", 18.0111, -66.6141, 1, 929.2491, 595.9322 },
	{ "Toronto", 43.65, -79.38, 1, 768.3065, 168.1556 },
	{ "London", 51.5074, -0.1278, 0, 0, 0 },
	{ "Tokyo", 35.68, 139.69, 0, 0, 0 },
	{ "Mexico City", 19.43, -99.13, 0, 0, 0 },
	{ "Guam", 13.44, 144.79, 0, 0, 0 },
	{ "South Pole", -90, 0, 0, 0, 0 },
};

static void
test_project_matches_d3(void)
{
	size_t i;

	for (i = 0; i < sizeof(d3_points) / sizeof(d3_points[0]); i++) {
		double x = -1, y = -1;
		int rc = usmap_project(d3_points[i].lat, d3_points[i].lon,
		    &x, &y);

		if (!d3_points[i].on) {
			CHECK(rc == -1);
			CHECK(x == -1 && y == -1);	/* left alone */
			continue;
		}
		CHECK(rc == 0);
		CHECK_NEAR(x, d3_points[i].x, 0.5);
		CHECK_NEAR(y, d3_points[i].y, 0.5);
	}
	CHECK(usmap_project(NAN, -74, &(double){ 0 }, &(double){ 0 }) == -1);
	CHECK(usmap_project(40, INFINITY, &(double){ 0 }, &(double){ 0 }) ==
	    -1);
}

/* Every ZIP of the 50 states and DC lands in the view, except the far
 * Aleutians (which d3 puts left of x = 0 too) and Wake Island (96898,
 * filed under HI, 2,000 miles west of Honolulu, in no frame of d3's). */
static void
test_every_zip_on_the_map(void)
{
	struct err err = { 0 };
	struct geo_db *db = geo_db_open(&err);
	size_t i, n = 0, off = 0, off_known = 0;

	CHECK(db != NULL);
	if (db == NULL)
		return;
	for (i = 0; i < geo_db_count(db); i++) {
		const struct geo_zip *z = geo_db_at(db, i);
		double x, y;

		if (z->state[0] == '\0' || strcmp(z->state, "MH") == 0)
			continue;
		n++;
		if (usmap_project(z->pt.lat, z->pt.lon, &x, &y) == 0 &&
		    x >= 0 && x <= USMAP_WIDTH && y >= 0 && y <= USMAP_HEIGHT)
			continue;
		off++;
		if ((strcmp(z->state, "AK") == 0 && z->pt.lon < -170) ||
		    strcmp(z->zip, "96898") == 0)
			off_known++;
		else
			fprintf(stderr, "# off the map: %s %s\n", z->zip,
			    z->state);
	}
	CHECK(n > 40000);
	CHECK(off == off_known);
	CHECK(off_known >= 1 && off_known < 10);
	geo_db_close(db);
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* Sum of data-count="N" over the SVG. */
static long long
sum_counts(const char *svg)
{
	const char *p = svg;
	long long sum = 0;

	while ((p = strstr(p, "data-count=\"")) != NULL) {
		char *end;

		p += strlen("data-count=\"");
		sum += strtoll(p, &end, 10);
		p = end;
	}
	return sum;
}

static const struct usmap_club clubs3[] = {
	{ 1, "Brooklyn", 40.6782, -73.9442, 12 },
	{ 2, "Denver", 39.7392, -104.9903, 0 },
	{ 3, "Anchorage", 61.2181, -149.9003, 4 },
};

/* Four members' ZIPs far apart, one with 3 members, and a remote one. */
static const struct usmap_dot dots4[] = {
	{ 40.75, -73.99, USMAP_LOCAL, 3, false, 0, 0 },
	{ 41.8781, -87.6298, USMAP_UNASSIGNED, 1, false, 0, 0 },
	{ 47.6062, -122.3321, USMAP_REMOTE, 1, true, 39.7392, -104.9903 },
	{ 21.3069, -157.8583, USMAP_REMOTE, 2, true, 40.6782, -73.9442 },
};

static void
test_svg_one_mark_per_club_and_zip(void)
{
	struct buf b;
	struct err err = { 0 };
	struct usmap_stats st;

	buf_init(&b);
	CHECK(usmap_svg(&b, clubs3, 3, dots4, 4, false, &st, &err) == 0);
	CHECK(strncmp(b.data, "<svg xmlns=\"http://www.w3.org/2000/svg\""
	    " viewBox=\"0 0 975 610\" role=\"img\"><title>", 67) == 0);
	CHECK(count_of(b.data, "<svg") == 1);
	CHECK(count_of(b.data, "</svg>") == 1);
	CHECK(count_of(b.data, "<path class=\"state\"") == 52);
	CHECK(count_of(b.data, "data-state=\"PR\"") == 1);
	CHECK(count_of(b.data, "<circle class=\"club\"") == 3);
	CHECK(count_of(b.data, "data-club-id=\"2\"") == 1);
	CHECK(count_of(b.data, "<title>Denver</title>") == 1);
	CHECK(count_of(b.data, "<circle class=\"dot ") == 4);
	CHECK(count_of(b.data, "class=\"dot local\"") == 1);
	CHECK(count_of(b.data, "class=\"dot remote\"") == 2);
	CHECK(count_of(b.data, "class=\"dot unassigned\"") == 1);
	CHECK(count_of(b.data, "data-count=\"3\"") == 1);
	CHECK(sum_counts(b.data) == 7);
	CHECK(strstr(b.data, "<title>Map of 3 clubs and 7 members</title>")
	    != NULL);
	CHECK(st.clubs_shown == 3 && st.clubs_hidden == 0);
	CHECK(st.members_shown == 7 && st.members_hidden == 0);
	CHECK(st.dots == 4 && st.links == 0);
	/* nothing that runs, nothing fetched, no style for CSP to block */
	CHECK(strstr(b.data, "<script") == NULL);
	CHECK(strstr(b.data, "<style") == NULL);
	CHECK(strstr(b.data, "style=") == NULL);
	CHECK(strstr(b.data, "href") == NULL);
	CHECK(strstr(b.data, "url(") == NULL);
	CHECK(count_of(b.data, "http") == 1);	/* the xmlns only */
	CHECK(b.data[b.len - 1] == '\n');
	buf_release(&b);
}

static void
test_svg_merges_dots_on_one_pixel(void)
{
	struct usmap_dot d[] = {
		{ 40.7128, -74.006, USMAP_LOCAL, 2, false, 0, 0 },
		{ 40.7129, -74.0061, USMAP_LOCAL, 3, false, 0, 0 },
		{ 40.7128, -74.006, USMAP_UNASSIGNED, 1, false, 0, 0 },
	};
	struct buf b;
	struct err err = { 0 };
	struct usmap_stats st;

	buf_init(&b);
	CHECK(usmap_svg(&b, NULL, 0, d, 3, false, &st, &err) == 0);
	CHECK(count_of(b.data, "<circle class=\"dot ") == 2);
	CHECK(count_of(b.data, "class=\"dot local\"") == 1);
	CHECK(count_of(b.data, "data-count=\"5\"") == 1);
	CHECK(st.dots == 2 && st.members_shown == 6);
	CHECK(count_of(b.data, "<circle class=\"club\"") == 0);
	buf_release(&b);
}

static void
test_svg_escapes_club_names(void)
{
	struct usmap_club c = { 7, "Tom & Jerry's <\"club\">", 40, -100, 1 };
	struct buf b;
	struct err err = { 0 };

	buf_init(&b);
	CHECK(usmap_svg(&b, &c, 1, NULL, 0, false, NULL, &err) == 0);
	CHECK(strstr(b.data, "<title>Tom &amp; Jerry&#39;s "
	    "&lt;&quot;club&quot;&gt;</title>") != NULL);
	CHECK(strstr(b.data, "<\"club\">") == NULL);
	CHECK(strstr(b.data, "& ") == NULL);
	buf_release(&b);
}

static void
test_svg_lines_only_when_asked(void)
{
	struct buf b;
	struct err err = { 0 };
	struct usmap_stats st;

	buf_init(&b);
	CHECK(usmap_svg(&b, clubs3, 3, dots4, 4, false, &st, &err) == 0);
	CHECK(strstr(b.data, "class=\"link") == NULL);
	buf_reset(&b);
	CHECK(usmap_svg(&b, clubs3, 3, dots4, 4, true, &st, &err) == 0);
	/* the two remote dots, each to its club; local and unassigned none */
	CHECK(count_of(b.data, "<path class=\"link\"") == 2);
	CHECK(st.links == 2);
	CHECK(count_of(b.data, "<circle class=\"dot ") == 4);
	/* the Denver club (343, 274) to Seattle (98, 46) */
	CHECK(strstr(b.data, "<path class=\"link\" d=\"M343 274L98 46\"/>") !=
	    NULL);
	buf_release(&b);
}

static void
test_svg_counts_what_is_off_the_map(void)
{
	struct usmap_club c[] = {
		{ 1, "London", 51.5074, -0.1278, 1 },
		{ 2, "Chicago", 41.8781, -87.6298, 1 },
	};
	struct usmap_dot d[] = {
		{ 35.68, 139.69, USMAP_LOCAL, 4, false, 0, 0 },	/* Tokyo */
		{ 51.88, -176.6581, USMAP_LOCAL, 1, false, 0, 0 },	/* Adak */
		{ 41.8781, -87.6298, USMAP_LOCAL, 2, false, 0, 0 },
		{ 40, -100, USMAP_REMOTE, 1, true, 51.5, 0 },	/* club abroad */
	};
	struct buf b;
	struct err err = { 0 };
	struct usmap_stats st;

	buf_init(&b);
	CHECK(usmap_svg(&b, c, 2, d, 4, true, &st, &err) == 0);
	CHECK(st.clubs_shown == 1 && st.clubs_hidden == 1);
	CHECK(st.members_shown == 3 && st.members_hidden == 5);
	CHECK(st.links == 0);
	CHECK(count_of(b.data, "<circle class=\"dot ") == 2);
	CHECK(strstr(b.data, "<title>Map of 1 club and 3 members (not on the"
	    " map: 1 club, 5 members)</title>") != NULL);
	buf_release(&b);
}

static void
test_svg_refuses_bad_input(void)
{
	struct usmap_dot d = { 40, -100, USMAP_LOCAL, 0, false, 0, 0 };
	struct usmap_club c = { 9, "bad \xff name", 40, -100, 1 };
	struct buf b;
	struct err err = { 0 };
	struct usmap_stats st = { .dots = 42 };

	buf_init(&b);
	buf_adds(&b, "kept");
	CHECK(usmap_svg(&b, NULL, 0, &d, 1, false, &st, &err) == -1);
	CHECK(err.code == ERR_INVALID);
	CHECK(strstr(err.msg, "dot 0: count 0") != NULL);
	d.count = 1;
	d.mode = (enum usmap_mode)7;
	CHECK(usmap_svg(&b, NULL, 0, &d, 1, false, &st, &err) == -1);
	CHECK(strstr(err.msg, "unknown mode") != NULL);
	CHECK(usmap_svg(&b, &c, 1, NULL, 0, false, &st, &err) == -1);
	CHECK_STR(err.msg, "club 9: name is not UTF-8");
	c.name = "ok";
	c.activity = -1;
	CHECK(usmap_svg(&b, &c, 1, NULL, 0, false, &st, &err) == -1);
	CHECK_STR(err.msg, "club 9: negative activity");
	CHECK_STR(b.data, "kept");
	CHECK(st.dots == 42);
	buf_release(&b);
}

static uint64_t rng_state = 0x75a9a9d07e57ab1eULL;

static double
rng_in(double lo, double hi)
{
	return lo + (hi - lo) * (double)(splitmix64(&rng_state) >> 11) /
	    9007199254740992.0;
}

/* Many dots, some anywhere on (or off) the sphere: every member is either
 * shown or counted as not, the dots stay at most 20,000 on a coarser grid,
 * and the sum of data-count is what is shown. */
static void
test_svg_many_dots_any_position(void)
{
	enum { N = 60000 };
	struct usmap_dot *d = calloc(N, sizeof(*d));
	struct buf b;
	struct err err = { 0 };
	struct usmap_stats st;
	int64_t total = 0;
	size_t i;

	CHECK(d != NULL);
	if (d == NULL)
		return;
	for (i = 0; i < N; i++) {
		bool wild = i % 10 == 0;

		d[i].lat = wild ? rng_in(-120, 120) : rng_in(25, 49);
		d[i].lon = wild ? rng_in(-400, 400) : rng_in(-124, -67);
		if (i % 997 == 0)
			d[i].lat = NAN;
		d[i].mode = (enum usmap_mode)(i % 3);
		d[i].count = (int64_t)(i % 7) + 1;
		d[i].has_club = i % 2 == 0;
		d[i].club_lat = rng_in(-100, 100);
		d[i].club_lon = rng_in(-200, 200);
		total += d[i].count;
	}
	buf_init(&b);
	CHECK(usmap_svg(&b, NULL, 0, d, N, true, &st, &err) == 0);
	CHECK(st.members_shown + st.members_hidden == total);
	CHECK(st.members_hidden > 0);
	CHECK(sum_counts(b.data) == st.members_shown);
	CHECK(st.grid > 1);
	CHECK(st.dots <= 20000);
	CHECK(count_of(b.data, "<circle class=\"dot ") == st.dots);
	CHECK(count_of(b.data, "M") - 52 >= st.links);
	buf_release(&b);
	free(d);
}

int
main(void)
{
	RUN(test_project_matches_d3);
	RUN(test_every_zip_on_the_map);
	RUN(test_svg_one_mark_per_club_and_zip);
	RUN(test_svg_merges_dots_on_one_pixel);
	RUN(test_svg_escapes_club_names);
	RUN(test_svg_lines_only_when_asked);
	RUN(test_svg_counts_what_is_off_the_map);
	RUN(test_svg_refuses_bad_input);
	RUN(test_svg_many_dots_any_position);
	return check_done();
}
