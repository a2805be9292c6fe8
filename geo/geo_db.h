/*
 * geo_db.h - the US ZIP code table, parsed once at startup.
 *
 * The table (data/zips.tsv, built by tools/build_zipdata.py from the
 * GeoNames US postal-code file, see docs/data.md) is embedded in the binary
 * by geo/zipdata.S, so the program works from any directory and reads no
 * file at run time.  geo_db_open() parses it in a few milliseconds.
 *
 * A geo_db does not change after geo_db_open() returns, so any number of
 * threads may share it without locks.  Every string it hands out is
 * borrowed and lives until geo_db_close().
 */
#ifndef CLUBMATCH_GEO_DB_H
#define CLUBMATCH_GEO_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct geo_point {
	double lat, lon;	/* degrees, north and east positive */
};

struct geo_zip {
	char zip[6];		/* five digits */
	char state[3];		/* USPS code; "" for APO/FPO ZIPs */
	const char *city;	/* borrowed (lives as long as the db), UTF-8 */
	const char *county;	/* borrowed; "" if unknown */
	const char *timezone;	/* borrowed IANA name; "" if unknown */
	struct geo_point pt;	/* centroid */
};

struct geo_db;

/*
 * Parses the embedded table.  Returns a new db, or NULL with *err set
 * (ERR_INTERNAL: the embedded table is corrupt, which is a build bug).
 * Free with geo_db_close().
 */
struct geo_db *geo_db_open(struct err *err);

/*
 * As geo_db_open(), from a table in the format of data/zips.tsv held in
 * data[0..len) (copied; the caller keeps data).  Rows must be sorted by
 * ZIP without repeats; lines starting with '#' are comments.  Fails with
 * ERR_INVALID naming the line when the text is not such a table.
 */
struct geo_db *geo_db_open_mem(const char *data, size_t len,
    struct err *err);

/* Frees db and everything it handed out.  NULL is a no-op. */
void geo_db_close(struct geo_db *db);

/* The row of zip, or NULL when zip is NULL, malformed or unknown. */
const struct geo_zip *geo_db_lookup(const struct geo_db *db, const char *zip);

/* Number of rows (about 41,000 for the embedded table). */
size_t geo_db_count(const struct geo_db *db);

/* Row i in ZIP order; i < geo_db_count(db) (asserted). */
const struct geo_zip *geo_db_at(const struct geo_db *db, size_t i);

/* True when zip is exactly five ASCII digits (NULL is not). */
bool geo_zip_is_wellformed(const char *zip);

/*
 * True when state is an upper-case USPS code that appears in the embedded
 * table: the 50 states, DC and MH.  The list is compiled in (the unit test
 * checks it against the table), so no db is needed.
 */
bool geo_state_is_valid(const char *state);

/*
 * The most common time zone among the state's ZIPs in db (ties: the name
 * first in byte order), or NULL when the state has no ZIP with a zone.
 * Borrowed from db.
 */
const char *geo_state_timezone(const struct geo_db *db, const char *state);

#endif
