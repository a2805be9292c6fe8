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

int
csv_next(struct csv *c, char ***fields, long *line, struct err *err)
{
	int ch, n = 0;
	bool quoted = false, in_quotes = false, any = false;

	if (!c->started) {
		c->started = 1;
		ch = getc(c->f);
		if (ch == 0xef) {
			if (getc(c->f) != 0xbb || getc(c->f) != 0xbf)
				return err_set(err, ERR_MALFORMED,
				    "the file starts with a broken byte-order "
				    "mark");
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
	buf_reset(&c->rec);
	c->starts[n++] = 0;
	for (;; ch = get(c)) {
		if (ch == EOF && in_quotes) {
			return err_set(err, ERR_MALFORMED,
			    "a quoted field is never closed");
		}
		if (in_quotes) {
			if (ch == '"') {
				int next = get(c);

				if (next == '"') {
					buf_addc(&c->rec, '"');
					continue;
				}
				in_quotes = false;
				if (next == EOF)
					break;
				ch = next;
			} else {
				buf_addc(&c->rec, (char)ch);
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
			buf_addc(&c->rec, '\r');
			continue;
		}
		if (ch == ',') {
			if (n >= CSV_MAX_FIELDS) {
				skip_line(c);
				return err_set(err, ERR_MALFORMED,
				    "more than %d fields", CSV_MAX_FIELDS);
			}
			buf_addc(&c->rec, '\0');
			c->starts[n++] = c->rec.len;
			quoted = false;
			any = false;
			continue;
		}
		if (ch == '"' && !quoted && !any) {
			quoted = in_quotes = true;
			continue;
		}
		if (quoted) {
			skip_line(c);
			return err_set(err, ERR_MALFORMED,
			    "text after a closing quote");
		}
		any = true;
		buf_addc(&c->rec, (char)ch);
		if (c->rec.len > CSV_MAX_RECORD) {
			skip_line(c);
			return err_set(err, ERR_MALFORMED,
			    "record longer than %d bytes", CSV_MAX_RECORD);
		}
	}
	buf_addc(&c->rec, '\0');
	for (int i = 0; i < n; i++)
		c->fields[i] = c->rec.data + c->starts[i];
	*fields = c->fields;
	return n;
}
