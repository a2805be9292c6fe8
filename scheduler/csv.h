/*
 * csv.h - an RFC 4180 reader that knows physical line numbers.
 *
 * Quoted fields may hold commas, doubled quotes and line breaks; CRLF and
 * LF both end records; a UTF-8 byte-order mark is skipped; blank lines are
 * skipped.  A struct csv belongs to one thread.
 */
#ifndef CLUBMATCH_CSV_H
#define CLUBMATCH_CSV_H

#include <stdio.h>

#include "err.h"

#define CSV_MAX_FIELDS 64
#define CSV_MAX_RECORD (64 * 1024)

struct csv;

struct csv *csv_new(FILE *f);		/* f stays the caller's */
void csv_free(struct csv *c);		/* NULL ok */

/*
 * Reads the next record.  Returns the number of fields (>= 1), 0 at the
 * end of the file, or -1 with *err for a record that cannot be read (a
 * NUL byte, a lone CR outside quotes, text after a closing quote, over
 * CSV_MAX_RECORD bytes, more than CSV_MAX_FIELDS fields, a quoted field
 * that never closes); reading can go on after -1, at the next record, or
 * for a quote that never closes at the line after the one it opened on
 * (when f can seek), so memory stays bounded by CSV_MAX_RECORD.  *fields
 * points into c and is valid until the next call.  *line is the physical
 * line the record starts on (the first line is 1).
 */
int csv_next(struct csv *c, char ***fields, long *line, struct err *err);

/* Bytes consumed so far, for progress bars. */
long csv_offset(const struct csv *c);

#endif
