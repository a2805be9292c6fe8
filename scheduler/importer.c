/*
 * importer.c - CSV rows into clubs and members, for `clubmatch import`
 * and the console's upload (docs/operations.md, "Importing").
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "club.h"
#include "csv.h"
#include "importer.h"
#include "member.h"
#include "outreach.h"
#include "store.h"
#include "text.h"
#include "xalloc.h"

/* One known column: its name, whether the file must have it, and where
 * the header row put it (-1: absent). */
struct column {
	const char *name;
	bool required;
	int index;
};

static struct column CLUB_COLUMNS_TEMPLATE[] = {
	{ "name", true, -1 }, { "zip", true, -1 },
	{ "secretary_email", true, -1 }, { "secretary_name", false, -1 },
	{ "accepts_remote", false, -1 }, { "remote_capacity", false, -1 },
	{ NULL, false, -1 },
};
static struct column MEMBER_COLUMNS_TEMPLATE[] = {
	{ "name", true, -1 }, { "email", true, -1 }, { "zip", true, -1 },
	{ "phone", false, -1 }, { "preferred_channel", false, -1 },
	{ "state", false, -1 },
	{ NULL, false, -1 },
};

static void
trim(char *s)
{
	char *e = s + strlen(s), *b = s;

	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	while (isspace((unsigned char)*b))
		b++;
	memmove(s, b, strlen(b) + 1);
}

/* Maps the header row onto cols; -1 with *err naming what is missing
 * or given twice. */
static int
map_header(struct column *cols, char **fields, int n, struct err *err)
{
	int i, c;

	for (i = 0; i < n; i++) {
		trim(fields[i]);
		for (c = 0; cols[c].name; c++) {
			if (strcasecmp(fields[i], cols[c].name) != 0)
				continue;
			if (cols[c].index >= 0)
				return err_set(err, ERR_INVALID, "the header "
				    "row names the column '%s' twice (fields "
				    "%d and %d)", cols[c].name,
				    cols[c].index + 1, i + 1);
			cols[c].index = i;
		}
	}
	for (c = 0; cols[c].name; c++)
		if (cols[c].required && cols[c].index < 0)
			return err_set(err, ERR_INVALID, "the header row has "
			    "no '%s' column", cols[c].name);
	return 0;
}

/* A row longer than the header: its data would land in the wrong
 * columns, unless what is past the header is empty (a spreadsheet's
 * trailing commas). */
static int
check_width(char **fields, int n, int width, struct err *err)
{
	int i;

	for (i = width; i < n; i++) {
		trim(fields[i]);
		if (fields[i][0])
			return err_set(err, ERR_INVALID, "the row has %d "
			    "fields and the header %d: field %d is past the "
			    "last column", n, width, i + 1);
	}
	return 0;
}

/* The trimmed field of column `name`, or NULL when absent or empty. */
static const char *
field(struct column *cols, char **fields, int n, const char *name)
{
	int c;

	for (c = 0; cols[c].name; c++) {
		if (strcmp(cols[c].name, name) != 0)
			continue;
		if (cols[c].index < 0 || cols[c].index >= n)
			return NULL;
		trim(fields[cols[c].index]);
		return fields[cols[c].index][0] ? fields[cols[c].index] : NULL;
	}
	return NULL;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "1", NULL };
	static const char *const no[] = { "false", "no", "0", NULL };
	int i;

	for (i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

/* The row functions return 0 when the row was stored, 1 when it was
 * stored before (a re-run after a crash), -1 with *err when rejected. */
static int
club_row(struct service *svc, struct store *st, struct column *cols,
    char **f, int n, struct err *err)
{
	struct club_input in;
	struct club c;
	const char *v;
	int64_t id = 0;
	int old;

	club_input_init(&in);
	in.name = field(cols, f, n, "name");
	in.zip = field(cols, f, n, "zip");
	in.secretary_email = field(cols, f, n, "secretary_email");
	in.secretary_name = field(cols, f, n, "secretary_name");
	v = field(cols, f, n, "accepts_remote");
	if (v && parse_bool(v, &in.accepts_remote) < 0)
		return err_set_field(err, ERR_INVALID, "accepts_remote",
		    "'%s' is not a boolean (true/false/yes/no/1/0)", v);
	v = field(cols, f, n, "remote_capacity");
	if (v && text_parse_int64(v, 0, INT64_MAX, &in.remote_capacity) < 0)
		return err_set_field(err, ERR_INVALID, "remote_capacity",
		    "'%s' is not a whole number of 0 or more", v);
	old = club_stored(st, &in, &id, err);
	if (old < 0)
		return -1;
	if (old == 1)
		return 1;
	if (old == 2)
		return err_set_field(err, ERR_CONFLICT, "name", "club %lld "
		    "has this name and zip but other data: change it with "
		    "PATCH /api/v1/clubs/%lld", (long long)id, (long long)id);
	return club_create(svc, st, &in, &c, err);
}

static int
member_row(struct service *svc, struct store *st, struct column *cols,
    char **f, int n, bool match, int64_t batch, struct err *err)
{
	struct member_input in;
	struct member m;
	struct err why;
	int64_t id = 0;
	int old;

	member_input_init(&in);
	in.name = field(cols, f, n, "name");
	in.email = field(cols, f, n, "email");
	in.zip = field(cols, f, n, "zip");
	in.state = field(cols, f, n, "state");
	in.phone = field(cols, f, n, "phone");
	in.preferred_channel = field(cols, f, n, "preferred_channel");
	in.batch = batch;
	if (member_create(svc, st, &in, match, &m, err) == 0)
		return 0;
	if (err->code != ERR_CONFLICT || strcmp(err->field, "email") != 0)
		return -1;
	err_clear(&why);
	old = member_stored(svc, st, &in, &id, &why);
	if (old == 1)
		return 1;
	if (old == 2)
		err_set_field(err, ERR_CONFLICT, "email", "a member with "
		    "e-mail '%s' already exists with other data (member "
		    "%lld)", in.email, (long long)id);
	return -1;
}

/* Rows commit together in batches (docs/operations.md, "Importing"): one
 * transaction per row spends most of an import writing and syncing the
 * log.  A batch ends after so many rows or so long, whichever comes
 * first, and the import then leaves the write lock free for a fifth of
 * that time: SQLite's waiters poll (sleeping up to 100 ms), so a writer
 * that took the lock back at once would keep the server's requests and
 * mail lanes waiting for the whole import. */
#define BATCH_ROWS 1000
#define BATCH_MS 50
#define BATCH_REST_SHARE 4	/* busy : free = 4 : 1 */

struct batch {
	bool open;
	long rows;			/* rows read in it */
	long first_line;		/* where it started */
	struct timespec started;
	struct importer_counts before;	/* the counts when it started */
};

struct importer {
	struct column cols[8];	/* the header's columns */
	int width;		/* fields of the header row, 0: none yet */
	bool clubs;
	bool match;
	bool finished;
	int64_t batch;		/* the members' run (0: none) */
	long next_line;		/* where the next piece starts */
	struct importer_counts n;
};

struct importer *
importer_new(const char *kind, bool match)
{
	struct importer *im;
	bool clubs;

	if (kind == NULL || (strcmp(kind, "clubs") != 0 &&
	    strcmp(kind, "members") != 0))
		return NULL;
	clubs = strcmp(kind, "clubs") == 0;
	im = xcalloc(1, sizeof(*im));
	im->clubs = clubs;
	im->match = match;
	im->next_line = 1;
	memcpy(im->cols, clubs ? CLUB_COLUMNS_TEMPLATE :
	    MEMBER_COLUMNS_TEMPLATE, sizeof(CLUB_COLUMNS_TEMPLATE));
	return im;
}

void
importer_free(struct importer *im)
{
	free(im);
}

const struct importer_counts *
importer_counts(const struct importer *im)
{
	return &im->n;
}

bool
importer_has_header(const struct importer *im)
{
	return im->width > 0;
}

long
importer_next_line(const struct importer *im)
{
	return im->next_line;
}

/* The header row, the first record of the run. */
static int
read_header(struct importer *im, struct store *st, struct csv *c,
    long *bad_line, struct err *err)
{
	char **fields;
	long line = 0;
	int n;

	n = csv_next(c, &fields, &line, err);
	if (n == 0) {
		*bad_line = 0;
		return err_set(err, ERR_INVALID, "the file is empty: it needs "
		    "a header row");
	}
	if (n < 0 || map_header(im->cols, fields, n, err) < 0) {
		*bad_line = line + im->next_line - 1;
		memcpy(im->cols, im->clubs ? CLUB_COLUMNS_TEMPLATE :
		    MEMBER_COLUMNS_TEMPLATE, sizeof(CLUB_COLUMNS_TEMPLATE));
		return -1;
	}
	/* The run's number: each secretary gets one digest of the members
	 * it assigned, when it ends (docs/outreach.md). */
	if (!im->clubs && (im->batch = store_batch_next(st, err)) < 0) {
		im->batch = 0;
		*bad_line = line + im->next_line - 1;
		return -1;
	}
	im->width = n;
	return 0;
}

/* The record's own bytes in text: after the blank lines csv_next()
 * skipped, before the line break that ends it. */
static void
record_text(const char *text, size_t len, long from, long to,
    const char **out, size_t *out_len)
{
	size_t a = (size_t)from, b = (size_t)to;

	if (text == NULL || b > len || a > b) {
		*out = "";
		*out_len = 0;
		return;
	}
	while (a < b && (text[a] == '\n' || text[a] == '\r'))
		a++;
	while (b > a && (text[b - 1] == '\n' || text[b - 1] == '\r'))
		b--;
	*out = text + a;
	*out_len = b - a;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L +
	    (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Sleeps ms milliseconds (at least one). */
static void
rest(long ms)
{
	struct timespec ts;

	if (ms < 1)
		ms = 1;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
batch_open(struct importer *im, struct store *st, struct batch *b,
    long line, struct err *err)
{
	if (b->open)
		return 0;
	if (store_batch_begin(st, err) < 0)
		return -1;
	b->open = true;
	b->rows = 0;
	b->first_line = line;
	b->before = im->n;
	clock_gettime(CLOCK_MONOTONIC, &b->started);
	return 0;
}

/* Commits the batch; when that fails none of its rows were kept, so the
 * counts go back to where it began and the caller stops the run (a
 * second run of the file takes them, docs/operations.md). */
static int
batch_close(struct importer *im, struct store *st, struct batch *b,
    long *bad_line, struct err *err)
{
	struct err why;

	if (!b->open)
		return 0;
	b->open = false;
	err_clear(&why);
	if (store_batch_commit(st, &why) == 0)
		return 0;
	im->n = b->before;
	*bad_line = b->first_line;
	return err_set(err, why.code == ERR_UNAVAILABLE ? ERR_UNAVAILABLE :
	    ERR_INTERNAL, "the rows from line %ld on were not imported (%s): "
	    "run the file again, the rows before are kept", b->first_line,
	    why.msg);
}

/* One data row: 0 taken, 1 already imported, -1 rejected with *row. */
static int
take_row(struct importer *im, struct service *svc, struct store *st,
    char **fields, int n, struct err *row)
{
	if (n < 0 || check_width(fields, n, im->width, row) < 0)
		return -1;
	return im->clubs ? club_row(svc, st, im->cols, fields, n, row) :
	    member_row(svc, st, im->cols, fields, n, im->match, im->batch,
	    row);
}

static void
count_row(struct importer *im, int rc, const struct err *row, long line,
    const char *text, size_t len, long from, long to,
    const struct importer_report *rep)
{
	const char *t;
	size_t tl;

	if (rc == 1) {
		im->n.already++;
	} else if (rc < 0) {
		im->n.rejected++;
		record_text(text, len, from, to, &t, &tl);
		if (rep && rep->rejected)
			rep->rejected(rep->arg, line, row, t, tl);
	} else {
		im->n.taken++;
	}
}

static int
feed(struct importer *im, struct service *svc, struct store *st, FILE *f,
    const char *text, size_t len, const struct importer_report *rep,
    long *bad_line, struct err *err)
{
	struct csv *c = csv_new(f);
	struct batch b = { 0 };
	char **fields;
	long line = 0, before;
	int n, rc = -1;

	if (im->width == 0 && read_header(im, st, c, bad_line, err) < 0)
		goto out_free;
	for (;;) {
		struct err row;

		err_clear(&row);
		before = csv_offset(c);
		n = csv_next(c, &fields, &line, &row);
		if (n == 0)
			break;
		line += im->next_line - 1;
		im->n.rows++;
		if (batch_open(im, st, &b, line, err) < 0) {
			*bad_line = line;
			goto out_free;
		}
		n = take_row(im, svc, st, fields, n, &row);
		count_row(im, n, &row, line, text, len, before, csv_offset(c),
		    rep);
		if (rep && rep->progress)
			rep->progress(rep->arg, csv_offset(c));
		if (++b.rows < BATCH_ROWS && ms_since(&b.started) < BATCH_MS)
			continue;
		if (batch_close(im, st, &b, bad_line, err) < 0)
			goto out_free;
		/* Between batches only: after the last, the lock is free. */
		rest(ms_since(&b.started) / BATCH_REST_SHARE);
	}
	rc = batch_close(im, st, &b, bad_line, err);
out_free:
	if (b.open)
		store_batch_rollback(st);
	csv_free(c);
	return rc;
}

int
importer_feed(struct importer *im, struct service *svc, struct store *st,
    FILE *f, const struct importer_report *rep, long *bad_line,
    struct err *err)
{
	return feed(im, svc, st, f, NULL, 0, rep, bad_line, err);
}

int
importer_feed_text(struct importer *im, struct service *svc,
    struct store *st, const char *text, size_t len,
    const struct importer_report *rep, long *bad_line, struct err *err)
{
	FILE *f;
	size_t i;
	long lines = 0;
	int rc;

	if (len == 0) {
		/* fmemopen() refuses an empty buffer: an empty piece is an
		 * empty file. */
		if (im->width > 0)
			return 0;
		*bad_line = 0;
		return err_set(err, ERR_INVALID, "the file is empty: it needs "
		    "a header row");
	}
	f = fmemopen((void *)text, len, "r");
	if (f == NULL)
		return err_set(err, ERR_INTERNAL, "cannot read the piece: "
		    "fmemopen failed");
	rc = feed(im, svc, st, f, text, len, rep, bad_line, err);
	fclose(f);
	if (rc == 0) {
		for (i = 0; i < len; i++)
			lines += text[i] == '\n';
		im->next_line += lines + (text[len - 1] != '\n');
	}
	return rc;
}

int
importer_finish(struct importer *im, struct service *svc, struct store *st,
    struct err *err)
{
	if (im->finished || im->batch == 0) {
		im->finished = true;
		return 0;
	}
	if (store_begin(st, err) < 0)
		return -1;
	if (outreach_batch_done(svc, st, im->batch, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	im->finished = true;
	return 0;
}
