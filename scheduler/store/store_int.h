/*
 * store_int.h - what the files of the SQLite store share: the connection
 * and the small SQL helpers.  Only scheduler/store/ includes it.
 *
 * store_sqlite.c holds the schema, open/close and the first tables with
 * their statement table; the tables added later live in their own files
 * (store_outbox.c, store_outreach.c, ...) and prepare their statements
 * on first use through sq_cached(), keyed by the address of the static
 * SQL text, so a file adds statements without touching a shared list
 * (docs/architecture.md, "The store").
 */
#ifndef CLUBMATCH_STORE_INT_H
#define CLUBMATCH_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "err.h"
#include "model.h"

#define SQ_CACHE_SLOTS 128	/* must exceed the statements of all files */

struct sq_slot {
	const char *sql;	/* the key: a static string's address */
	sqlite3_stmt *st;
};

struct store {
	sqlite3 *db;
	sqlite3_stmt **st;		/* store_sqlite.c's statement table */
	int schema_found;		/* user_version before migration */
	bool batch;			/* inside store_batch_begin() */
	bool savepoint;			/* a change open inside the batch */
	struct sq_slot cache[SQ_CACHE_SLOTS];
};

/* The prepared statement of sql (a string with static storage), reset
 * and without bindings; NULL with *err when it does not prepare. */
sqlite3_stmt *sq_cached(struct store *s, const char *sql, struct err *err);

/* ERR_CONFLICT for a UNIQUE violation, ERR_UNAVAILABLE when busy, else
 * ERR_INTERNAL with SQLite's message; returns -1. */
int sq_fail(struct store *s, struct err *err, const char *what);
void sq_text(sqlite3_stmt *st, int i, const char *v);	/* NULL binds NULL */
/* Binds id, or NULL for 0 (or less): the column is a foreign key and 0
 * means none. */
void sq_id(sqlite3_stmt *st, int i, int64_t id);
void sq_col(sqlite3_stmt *st, int i, char *out, size_t size);
/* Runs a statement that returns no rows and resets it. */
int sq_done(struct store *s, sqlite3_stmt *st, struct err *err,
    const char *what);
/* As sq_done(), and returns the rows the statement changed (0 or more),
 * or -1 with *err. */
int sq_changes(struct store *s, sqlite3_stmt *st, struct err *err,
    const char *what);
/* Runs sql (a string with static storage) of the form
 * "UPDATE ... SET x = ?1 WHERE id = ?2" for row id and value v (NULL
 * sets NULL). */
int sq_set_text(struct store *s, const char *sql, int64_t id,
    const char *v, struct err *err, const char *what);
/* Steps st to its end calling row() (> 0 stops, < 0 fails); returns the
 * rows visited or -1. */
int sq_walk(struct store *s, sqlite3_stmt *st,
    int (*row)(sqlite3_stmt *, void *), void *ctx, const char *what,
    struct err *err);
/* The first row of st into fill(); ERR_NOT_FOUND naming what when none. */
int sq_one(struct store *s, sqlite3_stmt *st,
    void (*fill)(sqlite3_stmt *st, void *out), void *out, const char *what,
    struct err *err);
/* As sq_one(), for sql (a string with static storage) whose only
 * parameter is the id of the row. */
int sq_one_id(struct store *s, const char *sql, int64_t id,
    void (*fill)(sqlite3_stmt *st, void *out), void *out, const char *what,
    struct err *err);
/* A single integer answer (count(*), ...), or -1 with *err. */
int64_t sq_int(struct store *s, sqlite3_stmt *st, struct err *err,
    const char *what);
void sq_place_from_row(sqlite3_stmt *st, int i, struct place *p);
int sq_place_bind(sqlite3_stmt *st, int i, const struct place *p,
    bool county);

#endif
