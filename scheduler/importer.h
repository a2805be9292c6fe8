/*
 * importer.h - CSV rows into clubs and members: the rules of
 * `clubmatch import` and of the console's upload (docs/operations.md,
 * "Importing"; docs/admin.md, "Import").
 *
 * One struct importer is one run over one file, which may come in
 * several pieces (the console sends a big file in chunks): the first
 * piece starts with the header row, the run keeps its columns, and the
 * physical line numbers go on across the pieces.  Every row goes
 * through the same service call as the HTTP API, as a savepoint of a
 * batch of rows committed together (store_batch_begin()), so a bad row
 * is reported (line, field, reason) and the good ones are kept; a row stored before with the same data (the file is run
 * again after a crash) is counted apart as "already imported".
 *
 * A struct importer is used by one thread at a time (the caller locks).
 */
#ifndef CLUBMATCH_IMPORTER_H
#define CLUBMATCH_IMPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "service.h"

struct importer_counts {
	long rows;		/* data rows read */
	long taken;		/* rows stored */
	long already;		/* rows found stored before, as they are */
	long rejected;		/* rows given to the reject callback */
};

/* Where the rows' outcomes go; both callbacks may be NULL. */
struct importer_report {
	/* A rejected row: its first physical line, why (why->field may be
	 * ""), and its text as read (up to the line break that ends it;
	 * text is borrowed for the call). */
	void (*rejected)(void *arg, long line, const struct err *why,
	    const char *text, size_t len);
	/* After each row: bytes of this piece read so far. */
	void (*progress)(void *arg, long offset);
	void *arg;
};

struct importer;

/* kind is "clubs" or "members" (NULL otherwise); match as
 * `import --no-match` unsets it.  Free with importer_free(). */
struct importer *importer_new(const char *kind, bool match);
void importer_free(struct importer *im);	/* NULL ok */

/*
 * Reads the records of f to its end: the header row first when none was
 * read yet, then the data rows.  Returns 0 when the piece could be read
 * (rows may still have been rejected), -1 with *err when the header is
 * missing or wrong (*bad_line: its line, 0 when the file is empty) or
 * the store fails.  Line numbers start where the last piece ended.
 */
int importer_feed(struct importer *im, struct service *svc,
    struct store *st, FILE *f, const struct importer_report *rep,
    long *bad_line, struct err *err);
/* The same for a piece in memory; the next piece starts on the line
 * after its last one (a piece that does not end in a line break ends
 * its last line). */
int importer_feed_text(struct importer *im, struct service *svc,
    struct store *st, const char *text, size_t len,
    const struct importer_report *rep, long *bad_line, struct err *err);

/* The end of the run: each secretary gets one digest of the members it
 * assigned (docs/outreach.md).  Once; -1 with *err when the store fails. */
int importer_finish(struct importer *im, struct service *svc,
    struct store *st, struct err *err);

/* The counts so far; whether the header row has been read. */
const struct importer_counts *importer_counts(const struct importer *im);
bool importer_has_header(const struct importer *im);
/* The physical line the next piece starts on (1 before any). */
long importer_next_line(const struct importer *im);

#endif
