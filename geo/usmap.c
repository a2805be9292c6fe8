/*
 * usmap.c - Albers USA projection and the SVG map of clubs and members.
 *
 * The projection is hand-written after d3-geo 3's geoAlbersUsa (conic
 * equal-area projections and their inset frames); tests/unit/test_usmap.c
 * checks it against d3-geo's own numbers and tools/build_states.py, which
 * repeats these formulas, checks its outlines against us-atlas's
 * d3-projected file.  docs/data.md, "The map projection", explains.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "usmap.h"
#include "xalloc.h"

/* data/states.tsv, embedded by geo/statesdata.S. */
extern const char geo_statesdata_start[];
extern const char geo_statesdata_end[];

/* ==== projection ========================================================= */

#define SCALE	1300.0	/* us-atlas's 975x610 view */
#define TX	487.5
#define TY	305.0
#define DEG	(M_PI / 180)
#define D3_EPSILON	1e-6	/* d3-geo's epsilon, trimmed off inset frames */

/* One sub-projection: its parameters, as d3 sets them. */
struct conic_def {
	double phi0, phi1;	/* standard parallels, degrees */
	double rotate;		/* added to the longitude, degrees */
	double clon, clat;	/* centre, degrees (lands on the translate) */
	double kscale;		/* scale, times SCALE */
	double tdx, tdy;	/* translate, offset from (TX, TY), times SCALE */
	double x0, y0, x1, y1;	/* frame, offsets from (TX, TY), times SCALE */
	double eps;		/* trimmed off each side of the frame */
};

/* In d3's order: a point goes to the first frame that holds it. */
static const struct conic_def conic_defs[] = {
	/* lower 48: d3.geoAlbers() */
	{ 29.5, 45.5, 96, -0.6, 38.7, 1, 0, 0,
	  -0.455, -0.238, 0.455, 0.238, 0 },
	/* Alaska (EPSG:3338) */
	{ 55, 65, 154, -2, 58.5, 0.35, -0.307, 0.201,
	  -0.425, 0.120, -0.214, 0.234, D3_EPSILON },
	/* Hawaii (ESRI:102007) */
	{ 8, 18, 157, -3, 19.9, 1, -0.205, 0.212,
	  -0.214, 0.166, -0.115, 0.234, D3_EPSILON },
	/* Puerto Rico, as the common albersUsaPr variant of d3's composite */
	{ 8, 18, 66, 0, 18, 1, 0.350, 0.224,
	  0.320, 0.204, 0.380, 0.240, D3_EPSILON },
};
#define NCONICS (sizeof(conic_defs) / sizeof(conic_defs[0]))

/* A sub-projection ready to use: d3's conicEqualAreaRaw constants. */
struct conic {
	double n, c, r0;	/* cone constant, C, radius at the origin */
	double rot;		/* radians */
	double k, dx, dy;	/* scale; translate minus the projected centre */
	double x0, y0, x1, y1;	/* frame, pixels */
};

static void
conic_raw(const struct conic *p, double lam, double phi, double *x,
    double *y)
{
	double r = sqrt(p->c - 2 * p->n * sin(phi)) / p->n;

	*x = r * sin(lam * p->n);
	*y = p->r0 - r * cos(lam * p->n);
}

static void
conics_init(struct conic out[NCONICS])
{
	size_t i;

	for (i = 0; i < NCONICS; i++) {
		const struct conic_def *d = &conic_defs[i];
		struct conic *p = &out[i];
		double s0 = sin(d->phi0 * DEG), cx, cy, tx, ty;

		p->n = (s0 + sin(d->phi1 * DEG)) / 2;
		p->c = 1 + s0 * (2 * p->n - s0);
		p->r0 = sqrt(p->c) / p->n;
		p->rot = d->rotate * DEG;
		p->k = d->kscale * SCALE;
		conic_raw(p, d->clon * DEG, d->clat * DEG, &cx, &cy);
		tx = TX + d->tdx * SCALE;
		ty = TY + d->tdy * SCALE;
		p->dx = tx - p->k * cx;
		p->dy = ty + p->k * cy;
		p->x0 = TX + d->x0 * SCALE + d->eps;
		p->y0 = TY + d->y0 * SCALE + d->eps;
		p->x1 = TX + d->x1 * SCALE - d->eps;
		p->y1 = TY + d->y1 * SCALE - d->eps;
	}
}

static int
project_with(const struct conic conics[NCONICS], double lat, double lon,
    double *x, double *y)
{
	double phi = lat * DEG;
	size_t i;

	if (!isfinite(lat) || !isfinite(lon) || fabs(lat) > 90)
		return -1;
	for (i = 0; i < NCONICS; i++) {
		const struct conic *p = &conics[i];
		double lam = lon * DEG + p->rot, px, py;

		/* d3's rotation wraps into [-pi, pi] */
		if (fabs(lam) > M_PI)
			lam -= round(lam / (2 * M_PI)) * 2 * M_PI;
		conic_raw(p, lam, phi, &px, &py);
		px = p->dx + p->k * px;
		py = p->dy - p->k * py;
		if (p->x0 <= px && px <= p->x1 && p->y0 <= py && py <= p->y1) {
			*x = px;
			*y = py;
			return 0;
		}
	}
	return -1;
}

int
usmap_project(double lat, double lon, double *x, double *y)
{
	struct conic conics[NCONICS];

	conics_init(conics);
	return project_with(conics, lat, lon, x, y);
}

/* ==== input ============================================================== */

#define MAX_COUNT	1000000000	/* per dot; keeps the sums in range */

static int
check_input(const struct usmap_club *clubs, size_t nclubs,
    const struct usmap_dot *dots, size_t ndots, struct err *err)
{
	size_t i;

	for (i = 0; i < nclubs; i++) {
		const char *name = clubs[i].name;

		if (clubs[i].activity < 0)
			return err_set(err, ERR_INVALID,
			    "club %lld: negative activity",
			    (long long)clubs[i].id);
		if (name != NULL && !text_utf8_valid(name, strlen(name), NULL))
			return err_set(err, ERR_INVALID,
			    "club %lld: name is not UTF-8",
			    (long long)clubs[i].id);
	}
	for (i = 0; i < ndots; i++) {
		if (dots[i].count < 1 || dots[i].count > MAX_COUNT)
			return err_set(err, ERR_INVALID,
			    "dot %zu: count %lld not in 1..%d", i,
			    (long long)dots[i].count, MAX_COUNT);
		if (dots[i].mode != USMAP_LOCAL &&
		    dots[i].mode != USMAP_REMOTE &&
		    dots[i].mode != USMAP_UNASSIGNED)
			return err_set(err, ERR_INVALID,
			    "dot %zu: unknown mode %d", i, (int)dots[i].mode);
	}
	return 0;
}

static bool
in_view(double x, double y)
{
	return x >= 0 && x <= USMAP_WIDTH && y >= 0 && y <= USMAP_HEIGHT;
}

/* ==== dots: projected, binned on a grid, merged ========================= */

/*
 * Dots are merged by grid cell: 1 px, or the smallest of GRIDS that keeps
 * the dots (cells x modes) at most MAX_DOTS, so that 100,000 members make
 * a map of under 2 MB (docs/data.md, "The map").
 */
#define MAX_DOTS	20000
static const int grids[] = { 1, 2, 3, 4, 5, 6, 8, 10, 12, 16 };
#define NGRIDS (sizeof(grids) / sizeof(grids[0]))

struct pixdot {
	int mode;		/* enum usmap_mode */
	int x, y;		/* cell centre, pixels */
	int cx, cy;		/* the club's pixel for a link, or -1, -1 */
	int64_t count;		/* members */
	double fx, fy;		/* the projected position */
};

static int
pixdot_cmp(const void *pa, const void *pb)
{
	const struct pixdot *a = pa, *b = pb;

	if (a->mode != b->mode)
		return a->mode < b->mode ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->cx != b->cx)
		return a->cx < b->cx ? -1 : 1;
	if (a->cy != b->cy)
		return a->cy < b->cy ? -1 : 1;
	return 0;
}

static int
cell(double v, int grid)
{
	return grid * (int)lround(v / grid);
}

/* Number of distinct (mode, cell) among pd[0..n) on this grid. */
static size_t
cells_used(const struct pixdot *pd, size_t n, int grid, unsigned char *bits)
{
	size_t w = USMAP_WIDTH / (size_t)grid + 2;
	size_t h = USMAP_HEIGHT / (size_t)grid + 2;
	size_t i, used = 0;

	memset(bits, 0, (3 * w * h + 7) / 8);
	for (i = 0; i < n; i++) {
		size_t k = ((size_t)pd[i].mode * h +
		    (size_t)(cell(pd[i].fy, grid) / grid)) * w +
		    (size_t)(cell(pd[i].fx, grid) / grid);

		if (!(bits[k / 8] & (1u << (k % 8)))) {
			bits[k / 8] |= (unsigned char)(1u << (k % 8));
			used++;
		}
	}
	return used;
}

static int
choose_grid(const struct pixdot *pd, size_t n)
{
	unsigned char *bits;
	size_t i;
	int grid = grids[NGRIDS - 1];

	if (n <= MAX_DOTS)
		return 1;
	bits = xmalloc((3 * (USMAP_WIDTH + 2) * (USMAP_HEIGHT + 2) + 7) / 8);
	for (i = 0; i < NGRIDS; i++)
		if (cells_used(pd, n, grids[i], bits) <= MAX_DOTS) {
			grid = grids[i];
			break;
		}
	free(bits);
	return grid;
}

/*
 * Projects, bins and merges dots into a new array (free() it) of *n
 * entries sorted by mode then cell; sets st->grid and adds what falls off
 * the map to *st.
 */
static struct pixdot *
pixdots_build(const struct conic conics[NCONICS],
    const struct usmap_dot *dots, size_t ndots, bool lines, size_t *n,
    struct usmap_stats *st)
{
	struct pixdot *pd = xreallocarray(NULL, ndots ? ndots : 1, sizeof(*pd));
	size_t i, m = 0, out;

	for (i = 0; i < ndots; i++) {
		const struct usmap_dot *d = &dots[i];
		double x, y, cx, cy;

		if (project_with(conics, d->lat, d->lon, &x, &y) == -1 ||
		    !in_view(x, y)) {
			st->members_hidden += d->count;
			continue;
		}
		pd[m].mode = (int)d->mode;
		pd[m].fx = x;
		pd[m].fy = y;
		pd[m].cx = pd[m].cy = -1;
		pd[m].count = d->count;
		if (lines && d->mode == USMAP_REMOTE && d->has_club &&
		    project_with(conics, d->club_lat, d->club_lon, &cx,
		    &cy) == 0 && in_view(cx, cy)) {
			pd[m].cx = (int)lround(cx);
			pd[m].cy = (int)lround(cy);
		}
		m++;
	}
	st->grid = choose_grid(pd, m);
	for (i = 0; i < m; i++) {
		pd[i].x = cell(pd[i].fx, st->grid);
		pd[i].y = cell(pd[i].fy, st->grid);
	}
	qsort(pd, m, sizeof(*pd), pixdot_cmp);
	for (i = 0, out = 0; i < m; i++) {
		if (out > 0 && pixdot_cmp(&pd[out - 1], &pd[i]) == 0)
			pd[out - 1].count += pd[i].count;
		else
			pd[out++] = pd[i];
	}
	*n = out;
	return pd;
}

/* ==== output ============================================================= */

static const char *const mode_class[] = { "local", "remote", "unassigned" };
/* Okabe-Ito colours: told apart with the common colour blindnesses. */
static const char *const mode_fill[] = { "#0072b2", "#e69f00", "#cc79a7" };

static double
dot_radius(int64_t count)
{
	double r = 2 + 0.6 * sqrt((double)count);

	return r < 9 ? r : 9;
}

static double
club_radius(int64_t activity)
{
	double r = 3 + 0.6 * sqrt((double)activity);

	return r < 9 ? r : 9;
}

/* A line of data/states.tsv: "fips usps name path". */
static bool
state_line_ok(const char *usps, const char *path, size_t path_len)
{
	size_t i;

	if (usps[0] < 'A' || usps[0] > 'Z' || usps[1] < 'A' || usps[1] > 'Z')
		return false;
	for (i = 0; i < path_len; i++)
		if (strchr("0123456789.-Mlz ", path[i]) == NULL ||
		    path[i] == '\0')
			return false;
	return path_len > 0;
}

static int
add_states(struct buf *out, struct err *err)
{
	const char *p = geo_statesdata_start, *end = geo_statesdata_end;
	int line = 0;

	buf_adds(out, "<g class=\"states\" fill=\"#e5e7eb\" stroke=\"#fff\""
	    " stroke-width=\".75\" stroke-linejoin=\"round\">");
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *f[4], *q;
		int nf = 1;

		if (eol == NULL)
			eol = end;
		line++;
		if (*p != '#' && eol > p) {
			f[0] = p;
			for (q = p; q < eol && nf < 4; q++)
				if (*q == '\t')
					f[nf++] = q + 1;
			if (nf != 4 || f[2] - f[1] != 3 ||
			    !state_line_ok(f[1], f[3], (size_t)(eol - f[3])))
				return err_set(err, ERR_INTERNAL,
				    "embedded state outlines: bad line %d",
				    line);
			buf_adds(out, "<path class=\"state\" data-state=\"");
			buf_add(out, f[1], 2);
			buf_adds(out, "\" d=\"");
			buf_add(out, f[3], (size_t)(eol - f[3]));
			buf_adds(out, "\"/>");
		}
		p = eol + 1;
	}
	buf_adds(out, "</g>");
	return 0;
}

static int
link_cmp(const void *pa, const void *pb)
{
	const struct pixdot *a = pa, *b = pb;

	if (a->cx != b->cx)
		return a->cx < b->cx ? -1 : 1;
	if (a->cy != b->cy)
		return a->cy < b->cy ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return (a->y > b->y) - (a->y < b->y);
}

/* One <path class="link"> per club position, a segment per cell: a
 * <line> each would triple the bytes. */
static void
add_links(struct buf *out, const struct pixdot *pd, size_t n,
    struct usmap_stats *st)
{
	struct pixdot *lk = xreallocarray(NULL, n ? n : 1, sizeof(*lk));
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (pd[i].cx >= 0)
			lk[m++] = pd[i];
	qsort(lk, m, sizeof(*lk), link_cmp);
	buf_adds(out, "<g class=\"links\" fill=\"none\" stroke=\"#e69f00\""
	    " stroke-opacity=\".45\" stroke-width=\".6\">");
	for (i = 0; i < m; i++) {
		bool first = i == 0 || lk[i].cx != lk[i - 1].cx ||
		    lk[i].cy != lk[i - 1].cy;
		bool last = i + 1 == m || lk[i].cx != lk[i + 1].cx ||
		    lk[i].cy != lk[i + 1].cy;

		if (first)
			buf_adds(out, "<path class=\"link\" d=\"");
		buf_addf(out, "M%d %dL%d %d", lk[i].cx, lk[i].cy, lk[i].x,
		    lk[i].y);
		if (last)
			buf_adds(out, "\"/>");
		st->links++;
	}
	buf_adds(out, "</g>");
	free(lk);
}

/* Dots of one pixel and mode but different clubs are drawn once. */
static void
add_dots(struct buf *out, const struct pixdot *pd, size_t n,
    struct usmap_stats *st)
{
	size_t i = 0, j;
	int mode;

	buf_addf(out, "<g class=\"dots\" data-grid=\"%d\" fill-opacity=\".8\""
	    " stroke=\"#fff\" stroke-width=\".3\">", st->grid);
	for (mode = 0; mode < 3; mode++) {
		if (i >= n || pd[i].mode != mode)
			continue;
		buf_addf(out, "<g fill=\"%s\">", mode_fill[mode]);
		while (i < n && pd[i].mode == mode) {
			int64_t count = pd[i].count;

			for (j = i + 1; j < n && pd[j].mode == mode &&
			    pd[j].x == pd[i].x && pd[j].y == pd[i].y; j++)
				count += pd[j].count;
			buf_addf(out, "<circle class=\"dot %s\" cx=\"%d\""
			    " cy=\"%d\" r=\"%.1f\" data-count=\"%lld\"/>",
			    mode_class[mode], pd[i].x, pd[i].y,
			    dot_radius(count), (long long)count);
			st->dots++;
			st->members_shown += count;
			i = j;
		}
		buf_adds(out, "</g>");
	}
	buf_adds(out, "</g>");
}

static void
add_clubs(struct buf *out, const struct conic conics[NCONICS],
    const struct usmap_club *clubs, size_t nclubs, struct usmap_stats *st)
{
	size_t i;

	buf_adds(out, "<g class=\"clubs\" fill=\"#1f2937\" stroke=\"#fff\""
	    " stroke-width=\"1\">");
	for (i = 0; i < nclubs; i++) {
		double x, y;

		if (project_with(conics, clubs[i].lat, clubs[i].lon, &x,
		    &y) == -1 || !in_view(x, y)) {
			st->clubs_hidden++;
			continue;
		}
		buf_addf(out, "<circle class=\"club\" data-club-id=\"%lld\""
		    " cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"><title>",
		    (long long)clubs[i].id, x, y,
		    club_radius(clubs[i].activity));
		text_html_escape(out, clubs[i].name);
		buf_adds(out, "</title></circle>");
		st->clubs_shown++;
	}
	buf_adds(out, "</g>");
}

static void
add_title(struct buf *out, const struct usmap_stats *st)
{
	buf_addf(out, "<title>Map of %zu club%s and %lld member%s",
	    st->clubs_shown, st->clubs_shown == 1 ? "" : "s",
	    (long long)st->members_shown, st->members_shown == 1 ? "" : "s");
	if (st->clubs_hidden > 0 || st->members_hidden > 0)
		buf_addf(out, " (not on the map: %zu club%s, %lld member%s)",
		    st->clubs_hidden, st->clubs_hidden == 1 ? "" : "s",
		    (long long)st->members_hidden,
		    st->members_hidden == 1 ? "" : "s");
	buf_adds(out, "</title>");
}

int
usmap_svg(struct buf *out, const struct usmap_club *clubs, size_t nclubs,
    const struct usmap_dot *dots, size_t ndots, bool lines,
    struct usmap_stats *stats, struct err *err)
{
	struct conic conics[NCONICS];
	struct usmap_stats st = { 0 };
	struct buf body;
	struct pixdot *pd;
	size_t npd;
	int rc = -1;

	if (check_input(clubs, nclubs, dots, ndots, err) == -1)
		return -1;
	conics_init(conics);
	pd = pixdots_build(conics, dots, ndots, lines, &npd, &st);
	/* The title counts what the body draws: build the body first. */
	buf_init(&body);
	if (add_states(&body, err) == -1)
		goto out_free;
	if (lines)
		add_links(&body, pd, npd, &st);
	add_dots(&body, pd, npd, &st);
	add_clubs(&body, conics, clubs, nclubs, &st);

	buf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\""
	    " viewBox=\"0 0 %d %d\" role=\"img\">", USMAP_WIDTH,
	    USMAP_HEIGHT);
	add_title(out, &st);
	buf_add(out, body.data, body.len);
	buf_adds(out, "</svg>\n");
	if (stats != NULL)
		*stats = st;
	rc = 0;
out_free:
	buf_release(&body);
	free(pd);
	return rc;
}
