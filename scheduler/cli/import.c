/*
 * import.c - CSV rows into clubs and members (docs/operations.md,
 * "Importing").
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "club.h"
#include "csv.h"
#include "import.h"
#include "member.h"
#include "outreach.h"
#include "progress.h"
#include "store.h"
#include "text.h"

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

static int
batch_done(struct service *svc, struct store *st, int64_t batch,
    struct err *err)
{
	if (store_begin(st, err) < 0)
		return -1;
	if (outreach_batch_done(svc, st, batch, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int
import_csv(struct service *svc, struct store *st, const char *kind,
    const char *path, bool match, FILE *report, struct import_report *out,
    struct err *err)
{
	struct column cols[8];
	struct progress bar;
	struct stat sb;
	struct csv *c;
	FILE *f;
	char **fields;
	long line = 0;
	int n, width, rc = -1;
	bool clubs = strcmp(kind, "clubs") == 0;
	int64_t batch = 0;

	memset(out, 0, sizeof(*out));
	memcpy(cols, clubs ? CLUB_COLUMNS_TEMPLATE : MEMBER_COLUMNS_TEMPLATE,
	    sizeof(CLUB_COLUMNS_TEMPLATE));
	f = fopen(path, "r");
	if (f == NULL)
		return err_set(err, ERR_INVALID, "cannot read '%s': %s", path,
		    strerror(errno));
	c = csv_new(f);
	n = csv_next(c, &fields, &line, err);
	if (n == 0) {
		err_set(err, ERR_INVALID, "'%s' is empty: it needs a header "
		    "row", path);
		goto out_close;
	}
	if (n < 0 || map_header(cols, fields, n, err) < 0) {
		struct err why = *err;

		err_set(err, why.code, "%s:%ld: %s", path, line, why.msg);
		goto out_close;
	}
	width = n;
	/* The run's number: each secretary gets one digest of the members
	 * it assigned, when it ends (docs/outreach.md). */
	if (!clubs && (batch = store_batch_next(st, err)) < 0)
		goto out_close;
	progress_init(&bar, clubs ? "importing clubs" : "importing members");
	if (fstat(fileno(f), &sb) != 0)
		sb.st_size = 0;
	for (;;) {
		struct err row;

		err_clear(&row);
		n = csv_next(c, &fields, &line, &row);
		if (n == 0)
			break;
		out->rows++;
		if (n > 0)
			n = check_width(fields, n, width, &row) < 0 ? -1 : n;
		if (n > 0) {
			n = clubs ? club_row(svc, st, cols, fields, n, &row) :
			    member_row(svc, st, cols, fields, n, match, batch,
			    &row);
		}
		if (n == 1) {
			out->already++;
		} else if (n < 0) {
			out->rejected++;
			progress_done(&bar);
			fprintf(report, "%s:%ld: %s%s%s\n", path, line,
			    row.field, row.field[0] ? ": " : "", row.msg);
		} else {
			out->taken++;
		}
		progress_update(&bar, (size_t)csv_offset(c),
		    (size_t)sb.st_size);
	}
	progress_done(&bar);
	rc = clubs ? 0 : batch_done(svc, st, batch, err);
out_close:
	csv_free(c);
	fclose(f);
	return rc;
}
