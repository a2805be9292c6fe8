/*
 * csv.c - the RFC 4180 reader (docs/operations.md, "Importing").
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "xalloc.h"

struct csv {
	FILE *f;
	long line;		/* physical line of the next character */
	long offset;
	struct buf rec;		/* the fields, NUL-separated */
	char *fields[CSV_MAX_FIELDS];
	size_t starts[CSV_MAX_FIELDS];
	int started;		/* BOM check done */
};

/* Where to go on after a quoted field that never closes: just after the
 * first line break inside it (at < 0: none seen yet). */
struct csv_resume {
	long at;		/* ftell() position */
	long line;		/* c->line there */
	long offset;		/* c->offset there */
};

struct csv *
csv_new(FILE *f)
{
	struct csv *c = xcalloc(1, sizeof(*c));

	c->f = f;
	c->line = 1;
	buf_init(&c->rec);
	return c;
}

void
csv_free(struct csv *c)
{
	if (c == NULL)
		return;
	buf_release(&c->rec);
	free(c);
}

long
csv_offset(const struct csv *c)
{
	return c->offset;
}

static int
get(struct csv *c)
{
	int ch = getc(c->f);

	if (ch != EOF)
		c->offset++;
	if (ch == '\n')
		c->line++;
	return ch;
}

/* Skips the rest of a broken record, up to the end of its line. */
static void
skip_line(struct csv *c)
{
	int ch;

	while ((ch = get(c)) != EOF && ch != '\n')
		;
}

/* Keeps the first problem of a record: the rest of it is still read, so
 * that the next record starts where it should. */
static void
csv_problem(struct err *bad, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
csv_problem(struct err *bad, const char *fmt, ...)
{
	va_list ap;

	if (bad->code != ERR_OK)
		return;
	bad->code = ERR_MALFORMED;
	va_start(ap, fmt);
	vsnprintf(bad->msg, sizeof(bad->msg), fmt, ap);
	va_end(ap);
}

/* Appends one byte of field n, unless the record is already broken. */
static void
csv_add(struct csv *c, struct err *bad, int ch, int n)
{
	if (bad->code != ERR_OK)
		return;
	if (ch == '\0') {
		csv_problem(bad, "field %d holds a NUL byte", n);
		return;
	}
	buf_addc(&c->rec, (char)ch);
}

/*
 * A quoted field that is never closed, or that grows past
 * CSV_MAX_RECORD (most likely a missing closing quote too): the record
 * is given up, and reading goes on at the line after the one the quote
 * opened on, so that one stray quote costs one row and not the rest of
 * the file.  Files that cannot seek (pipes) go on at the next line.
 */
static int
csv_unclosed(struct csv *c, const struct csv_resume *r, long quote_line,
    bool at_eof, struct err *err)
{
	if (r->at >= 0 && fseek(c->f, r->at, SEEK_SET) == 0) {
		c->line = r->line;
		c->offset = r->offset;
	} else if (!at_eof) {
		skip_line(c);
	}
	if (at_eof)
		return err_set(err, ERR_MALFORMED, "the quoted field opened "
		    "on line %ld is never closed", quote_line);
	return err_set(err, ERR_MALFORMED, "the quoted field opened on line "
	    "%ld is longer than %d bytes: is its closing quote missing?",
	    quote_line, CSV_MAX_RECORD);
}

int
csv_next(struct csv *c, char ***fields, long *line, struct err *err)
{
	struct csv_resume resume = { -1, 0, 0 };
	struct err bad;
	int ch, n = 0;
	long quote_line = 0;
	bool quoted = false, in_quotes = false, any = false;

	*line = c->line;
	if (!c->started) {
		c->started = 1;
		ch = getc(c->f);
		if (ch == 0xef) {
			if (getc(c->f) != 0xbb || getc(c->f) != 0xbf) {
				skip_line(c);
				return err_set(err, ERR_MALFORMED,
				    "the file starts with a broken byte-order "
				    "mark");
			}
			c->offset += 3;
		} else if (ch != EOF) {
			ungetc(ch, c->f);
		}
	}
	for (;;) {	/* skip blank lines */
		ch = get(c);
		if (ch == '\r') {
			ch = get(c);
			if (ch != '\n' && ch != EOF) {
				ungetc(ch, c->f);
				c->offset--;
				ch = '\r';
				break;
			}
		}
		if (ch != '\n')
			break;
	}
	if (ch == EOF)
		return 0;
	*line = c->line - (ch == '\n');
	err_clear(&bad);
	buf_reset(&c->rec);
	c->starts[n++] = 0;
	for (;; ch = get(c)) {
		if (in_quotes) {
			if (ch == EOF)
				return csv_unclosed(c, &resume, quote_line,
				    true, err);
			if (ch == '"') {
				int next = get(c);

				if (next == '"') {
					csv_add(c, &bad, '"', n);
					continue;
				}
				in_quotes = false;
				if (next == EOF)
					break;
				ch = next;
			} else {
				if (ch == '\n' && resume.at < 0) {
					resume.at = ftell(c->f);
					resume.line = c->line;
					resume.offset = c->offset;
				}
				csv_add(c, &bad, ch, n);
				if (c->rec.len > CSV_MAX_RECORD)
					return csv_unclosed(c, &resume,
					    quote_line, false, err);
				continue;
			}
		}
		if (ch == EOF || ch == '\n')
			break;
		if (ch == '\r') {
			int next = get(c);

			if (next == '\n' || next == EOF)
				break;
			ungetc(next, c->f);
			c->offset--;
			/* RFC 4180 has no bare CR outside quotes: this is a
			 * file with classic Mac line endings, all one
			 * "line" to us. */
			csv_problem(&bad, "a line ends in a lone CR (classic "
			    "Mac line endings): save the file with LF or "
			    "CRLF line endings");
			continue;
		}
		if (ch == ',') {
			if (n >= CSV_MAX_FIELDS) {
				csv_problem(&bad, "more than %d fields",
				    CSV_MAX_FIELDS);
				continue;
			}
			buf_addc(&c->rec, '\0');
			c->starts[n++] = c->rec.len;
			quoted = false;
			any = false;
			continue;
		}
		if (ch == '"' && !quoted && !any) {
			quoted = in_quotes = true;
			quote_line = c->line;
			continue;
		}
		if (quoted)
			csv_problem(&bad, "text after the closing quote of "
			    "field %d", n);
		any = true;
		csv_add(c, &bad, ch, n);
		if (c->rec.len > CSV_MAX_RECORD)
			csv_problem(&bad, "record longer than %d bytes",
			    CSV_MAX_RECORD);
	}
	if (bad.code != ERR_OK)
		return err_set(err, bad.code, "%s", bad.msg);
	buf_addc(&c->rec, '\0');
	for (int i = 0; i < n; i++)
		c->fields[i] = c->rec.data + c->starts[i];
	*fields = c->fields;
	return n;
}
