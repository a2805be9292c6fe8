/*
 * geo_db.c - parse the embedded ZIP table into an immutable lookup table.
 *
 * The text is copied once and cut in place (tabs and newlines become
 * NULs), so city, county and zone strings point into that copy and cost
 * no allocation each.  Equal zone names are interned to one pointer,
 * which also lets geo_db_open() count each state's zones cheaply.
 *
 * Invariants after open: rows[] is sorted by ZIP without repeats;
 * by_zip[n] is the row of ZIP n or -1; nothing changes until close.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo_db.h"
#include "xalloc.h"

/* geo/zipdata.S: data/zips.tsv as it was at build time. */
extern const char geo_zipdata_start[];
extern const char geo_zipdata_end[];

#define ZIP_SPACE	100000		/* every five-digit ZIP */
#define STATE_SPACE	(26 * 26)	/* every two-letter code */
#define NFIELDS		7

struct geo_db {
	char *text;		/* our copy of the table, cut into strings */
	struct geo_zip *rows;	/* in ZIP order */
	size_t nrows;		/* rows in rows[] */
	int32_t *by_zip;	/* ZIP_SPACE entries: row index or -1 */
	const char **zones;	/* distinct zone names, first seen first */
	size_t nzones;		/* names in zones[] */
	size_t zones_cap;	/* allocated length of zones[] */
	uint32_t *row_zone;	/* while opening: each row's zones[] index
				   + 1, or 0 for none */
	/* Per state_slot(): its most common zone, or NULL. */
	const char *state_zone[STATE_SPACE];
};

/* Upper-case USPS codes present in data/zips.tsv (test_geo checks it). */
static const char valid_states[] =
    "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MH "
    "MI MN MO MS MT NC ND NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT "
    "VA VT WA WI WV WY";

/* ------------------------------------------------------------ predicates */

bool
geo_zip_is_wellformed(const char *zip)
{
	int i;

	if (zip == NULL)
		return false;
	for (i = 0; i < 5; i++)
		if (zip[i] < '0' || zip[i] > '9')
			return false;
	return zip[5] == '\0';
}

static bool
state_is_code(const char *s)
{
	return s != NULL && s[0] >= 'A' && s[0] <= 'Z' &&
	    s[1] >= 'A' && s[1] <= 'Z' && s[2] == '\0';
}

static int
state_slot(const char *s)
{
	return (s[0] - 'A') * 26 + (s[1] - 'A');
}

bool
geo_state_is_valid(const char *state)
{
	const char *p;

	if (!state_is_code(state))
		return false;
	for (p = valid_states; *p != '\0'; p += p[2] ? 3 : 2)
		if (p[0] == state[0] && p[1] == state[1])
			return true;
	return false;
}

/* --------------------------------------------------------------- parsing */

static const double pow10_tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
};

/*
 * Parses "-?D{1,3}(.D{1,9})?" into *out.  Mantissa and power of ten are
 * both exact doubles, so the one division rounds correctly and the result
 * equals strtod()'s, at a fraction of its cost (82,000 calls per open).
 */
static bool
parse_coord(const char *s, double limit, double *out)
{
	bool neg = false;
	uint64_t m = 0;
	int nint = 0, nfrac = 0;
	double v;

	if (*s == '-') {
		neg = true;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++, nint++)
		m = m * 10 + (uint64_t)(*s - '0');
	if (nint < 1 || nint > 3)
		return false;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++)
			m = m * 10 + (uint64_t)(*s - '0');
		if (nfrac < 1 || nfrac > 9)
			return false;
	}
	if (*s != '\0')
		return false;
	v = (double)m / pow10_tab[nfrac];
	if (v > limit)
		return false;
	*out = neg ? -v : v;
	return true;
}

static bool
zone_is_sane(const char *z)
{
	for (; *z != '\0'; z++)
		if (!((*z >= 'A' && *z <= 'Z') || (*z >= 'a' && *z <= 'z') ||
		    (*z >= '0' && *z <= '9') || *z == '/' || *z == '_' ||
		    *z == '-' || *z == '+'))
			return false;
	return true;
}

/*
 * The index in db->zones of zone, added if new.  *last caches the previous
 * hit, since neighbouring ZIPs nearly always share a zone; a table has a
 * few dozen zones, so a linear search is enough after that.
 */
static size_t
zone_intern(struct geo_db *db, const char *zone, size_t *last)
{
	size_t i;

	if (*last < db->nzones && strcmp(db->zones[*last], zone) == 0)
		return *last;
	for (i = 0; i < db->nzones; i++) {
		if (strcmp(db->zones[i], zone) == 0) {
			*last = i;
			return i;
		}
	}
	if (db->nzones == db->zones_cap) {
		db->zones_cap = db->zones_cap ? 2 * db->zones_cap : 32;
		db->zones = xreallocarray(db->zones, db->zones_cap,
		    sizeof(*db->zones));
	}
	db->zones[db->nzones] = zone;
	*last = db->nzones;
	return db->nzones++;
}

/*
 * Cuts line[0..end) into NFIELDS NUL-terminated fields.  Returns 0, or -1
 * when the count of tabs is wrong, or -2 on a NUL byte (which would
 * silently cut a field short).  memchr() rather than a loop over bytes:
 * this is most of the load time.
 */
static int
split_fields(char *line, char *end, char *f[NFIELDS])
{
	char *p = line, *tab;
	int n;

	if (memchr(line, '\0', (size_t)(end - line)) != NULL)
		return -2;
	for (n = 0; n < NFIELDS - 1; n++) {
		f[n] = p;
		tab = memchr(p, '\t', (size_t)(end - p));
		if (tab == NULL)
			return -1;
		*tab = '\0';
		p = tab + 1;
	}
	f[n] = p;
	return memchr(p, '\t', (size_t)(end - p)) == NULL ? 0 : -1;
}

static int
parse_row(struct geo_db *db, char *line, char *end, size_t lineno,
    size_t *last_zone, struct err *err)
{
	char *f[NFIELDS];
	struct geo_zip *z = &db->rows[db->nrows];
	int32_t code = 0;
	int i;

	i = split_fields(line, end, f);
	if (i == -2)
		return err_set(err, ERR_INVALID, "zip table line %zu: NUL byte",
		    lineno);
	if (i == -1)
		return err_set(err, ERR_INVALID,
		    "zip table line %zu: expected %d tab-separated fields",
		    lineno, NFIELDS);
	if (!geo_zip_is_wellformed(f[0]))
		return err_set(err, ERR_INVALID,
		    "zip table line %zu: bad zip '%.16s'", lineno, f[0]);
	if (db->nrows > 0 && memcmp(f[0], db->rows[db->nrows - 1].zip, 5) <= 0)
		return err_set(err, ERR_INVALID,
		    "zip table line %zu: zip %s is out of order or repeated",
		    lineno, f[0]);
	if (!parse_coord(f[1], 90, &z->pt.lat) ||
	    !parse_coord(f[2], 180, &z->pt.lon))
		return err_set(err, ERR_INVALID,
		    "zip table line %zu: bad coordinates", lineno);
	if (f[4][0] != '\0' && !state_is_code(f[4]))
		return err_set(err, ERR_INVALID,
		    "zip table line %zu: bad state '%.16s'", lineno, f[4]);
	if (!zone_is_sane(f[6]))
		return err_set(err, ERR_INVALID,
		    "zip table line %zu: bad time zone '%.64s'", lineno, f[6]);

	memcpy(z->zip, f[0], 6);
	memcpy(z->state, f[4], strlen(f[4]) + 1);
	z->city = f[3];
	z->county = f[5];
	if (f[6][0] == '\0') {
		z->timezone = "";
		db->row_zone[db->nrows] = 0;
	} else {
		i = (int)zone_intern(db, f[6], last_zone);
		z->timezone = db->zones[i];
		db->row_zone[db->nrows] = (uint32_t)i + 1;
	}
	for (i = 0; i < 5; i++)
		code = code * 10 + (z->zip[i] - '0');
	db->by_zip[code] = (int32_t)db->nrows;
	db->nrows++;
	return 0;
}

/*
 * Per state, the zone most of its ZIPs use.  Rows are bucketed by state
 * first (a counting sort), so the cost is linear in rows plus zones
 * whatever the input.
 */
static void
compute_state_zones(struct geo_db *db)
{
	size_t *start, *order, *count, i, j;
	size_t *zone_n;
	size_t *touched;

	start = xcalloc(STATE_SPACE + 1, sizeof(*start));
	order = xmalloc(db->nrows * sizeof(*order));
	count = xcalloc(STATE_SPACE, sizeof(*count));
	zone_n = xcalloc(db->nzones + 1, sizeof(*zone_n));
	touched = xmalloc((db->nzones + 1) * sizeof(*touched));
	/* Bucket the rows of each state together: a counting sort. */

	for (i = 0; i < db->nrows; i++)
		if (db->rows[i].state[0] != '\0')
			count[state_slot(db->rows[i].state)]++;
	for (i = 0; i < STATE_SPACE; i++)
		start[i + 1] = start[i] + count[i];
	memset(count, 0, STATE_SPACE * sizeof(*count));
	for (i = 0; i < db->nrows; i++) {
		int s;

		if (db->rows[i].state[0] == '\0')
			continue;
		s = state_slot(db->rows[i].state);
		order[start[s] + count[s]++] = i;
	}

	for (i = 0; i < STATE_SPACE; i++) {
		size_t ntouched = 0, best = 0;
		const char *best_zone = NULL;

		for (j = start[i]; j < start[i + 1]; j++) {
			size_t k = db->row_zone[order[j]];

			if (k-- == 0)
				continue;
			if (zone_n[k]++ == 0)
				touched[ntouched++] = k;
		}
		for (j = 0; j < ntouched; j++) {
			size_t k = touched[j];

			if (zone_n[k] > best || (zone_n[k] == best &&
			    strcmp(db->zones[k], best_zone) < 0)) {
				best = zone_n[k];
				best_zone = db->zones[k];
			}
			zone_n[k] = 0;
		}
		db->state_zone[i] = best_zone;
	}

	free(touched);
	free(zone_n);
	free(count);
	free(order);
	free(start);
}

/* ------------------------------------------------------------- lifecycle */

struct geo_db *
geo_db_open_mem(const char *data, size_t len, struct err *err)
{
	struct geo_db *db;
	size_t nlines = 1, lineno = 0, last_zone = 0;
	char *p, *end, *nl, *eol;
	const char *q;

	if (len == 0) {
		err_set(err, ERR_INVALID, "zip table is empty");
		return NULL;
	}
	/* Row count bound: one row per newline, plus an unterminated last. */
	for (q = data; q < data + len; q++) {
		q = memchr(q, '\n', (size_t)(data + len - q));
		if (q == NULL)
			break;
		nlines++;
	}

	db = xcalloc(1, sizeof(*db));
	db->text = xmalloc(len + 1);
	memcpy(db->text, data, len);
	db->text[len] = '\0';
	db->rows = xmalloc(nlines * sizeof(*db->rows));
	db->row_zone = xmalloc(nlines * sizeof(*db->row_zone));
	db->by_zip = xmalloc(ZIP_SPACE * sizeof(*db->by_zip));
	memset(db->by_zip, 0xff, ZIP_SPACE * sizeof(*db->by_zip));

	for (p = db->text, end = db->text + len; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		lineno++;
		eol = nl;
		if (eol > p && eol[-1] == '\r')
			*--eol = '\0';
		if (eol == p || *p == '#')
			continue;
		if (parse_row(db, p, eol, lineno, &last_zone, err) == -1)
			goto out_free;
	}
	if (db->nrows == 0) {
		err_set(err, ERR_INVALID, "zip table has no rows");
		goto out_free;
	}
	compute_state_zones(db);
	free(db->row_zone);
	db->row_zone = NULL;
	return db;

out_free:
	geo_db_close(db);
	return NULL;
}

struct geo_db *
geo_db_open(struct err *err)
{
	struct geo_db *db;
	struct err e = { 0 };

	db = geo_db_open_mem(geo_zipdata_start,
	    (size_t)(geo_zipdata_end - geo_zipdata_start), &e);
	if (db == NULL)
		err_set(err, ERR_INTERNAL, "embedded %s (rebuild data/zips.tsv "
		    "with tools/build_zipdata.py)", e.msg);
	return db;
}

void
geo_db_close(struct geo_db *db)
{
	if (db == NULL)
		return;
	free(db->row_zone);
	free(db->zones);
	free(db->by_zip);
	free(db->rows);
	free(db->text);
	free(db);
}

/* --------------------------------------------------------------- queries */

const struct geo_zip *
geo_db_lookup(const struct geo_db *db, const char *zip)
{
	int32_t code = 0, row;
	int i;

	if (!geo_zip_is_wellformed(zip))
		return NULL;
	for (i = 0; i < 5; i++)
		code = code * 10 + (zip[i] - '0');
	row = db->by_zip[code];
	return row < 0 ? NULL : &db->rows[row];
}

size_t
geo_db_count(const struct geo_db *db)
{
	return db->nrows;
}

const struct geo_zip *
geo_db_at(const struct geo_db *db, size_t i)
{
	assert(i < db->nrows);
	return &db->rows[i];
}

const char *
geo_state_timezone(const struct geo_db *db, const char *state)
{
	if (!state_is_code(state))
		return NULL;
	return db->state_zone[state_slot(state)];
}
