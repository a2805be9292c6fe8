/*
 * import.c - `clubmatch import`: the file, its report and the progress
 * bar; the rows' rules are the domain's (scheduler/importer.c,
 * docs/operations.md, "Importing").
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"
#include "importer.h"
#include "progress.h"

struct cli_run {
	const char *path;
	FILE *report;
	struct progress bar;
	size_t size;		/* of the file, for the bar */
};

static void
on_rejected(void *arg, long line, const struct err *why, const char *text,
    size_t len)
{
	struct cli_run *run = arg;

	(void)text;
	(void)len;
	progress_done(&run->bar);
	fprintf(run->report, "%s:%ld: %s%s%s\n", run->path, line, why->field,
	    why->field[0] ? ": " : "", why->msg);
}

static void
on_progress(void *arg, long offset)
{
	struct cli_run *run = arg;

	progress_update(&run->bar, (size_t)offset, run->size);
}

int
import_csv(struct service *svc, struct store *st, const char *kind,
    const char *path, bool match, FILE *report, struct import_report *out,
    struct err *err)
{
	struct importer_report rep = { on_rejected, on_progress, NULL };
	const struct importer_counts *n;
	struct cli_run run;
	struct importer *im;
	struct stat sb;
	FILE *f;
	long bad_line = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	im = importer_new(kind, match);
	if (im == NULL)
		return err_set(err, ERR_INVALID, "import what? say clubs or "
		    "members");
	f = fopen(path, "r");
	if (f == NULL) {
		err_set(err, ERR_INVALID, "cannot read '%s': %s", path,
		    strerror(errno));
		goto out_free;
	}
	run.path = path;
	run.report = report;
	run.size = fstat(fileno(f), &sb) == 0 ? (size_t)sb.st_size : 0;
	rep.arg = &run;
	progress_init(&run.bar, strcmp(kind, "clubs") == 0 ?
	    "importing clubs" : "importing members");
	if (importer_feed(im, svc, st, f, &rep, &bad_line, err) < 0) {
		struct err why = *err;

		progress_done(&run.bar);
		if (!importer_has_header(im) && bad_line == 0)
			err_set(err, ERR_INVALID, "'%s' is empty: it needs a "
			    "header row", path);
		else if (!importer_has_header(im))
			err_set(err, why.code, "%s:%ld: %s", path, bad_line,
			    why.msg);
		goto out_close;
	}
	progress_done(&run.bar);
	n = importer_counts(im);
	out->rows = n->rows;
	out->taken = n->taken;
	out->already = n->already;
	out->rejected = n->rejected;
	rc = importer_finish(im, svc, st, err);
out_close:
	fclose(f);
out_free:
	importer_free(im);
	return rc;
}
