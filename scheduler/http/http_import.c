/*
 * http_import.c - the console's CSV upload (docs/admin.md, "Import";
 * CONTRACT §13): a file too big for one request body comes in pieces.
 *
 *   POST /api/v1/imports              {"kind": "clubs"|"members"} -> 201 id
 *   POST /api/v1/imports/{id}/chunks  text/csv, the next piece, in order
 *   POST /api/v1/imports/{id}/finish  the end: the secretaries' digests
 *   GET  /api/v1/imports/{id}         counts and every rejected line
 *
 * The rows go through scheduler/importer.c, as `clubmatch import` does.
 * The jobs live in memory in the server (a restart forgets them; the rows
 * already stored stay, and a re-sent file counts them "already
 * imported").  The table is shared by the worker threads: its lock
 * guards the slots and the reference counts; each job has its own lock,
 * held while a piece is read, so a second piece of the same job sent at
 * the same time is a 409 and a GET waits for the piece to end.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"
#include "importer.h"
#include "text.h"
#include "xalloc.h"

#define IMPORT_MAX_JOBS 8		/* at once; more is 503 */
#define IMPORT_IDLE_SECONDS 3600	/* a job untouched this long may go */
#define IMPORT_MAX_KEPT 100000		/* rejected lines kept per job */
#define IMPORT_TEXT_MAX 200		/* bytes of a rejected line kept */

struct rejected_line {
	long line;		/* physical line in the file */
	char field[64];		/* the field at fault, or "" */
	char *reason;
	char *text;		/* the line as sent, cut at IMPORT_TEXT_MAX */
};

struct import_job {
	int64_t id;
	char kind[8];			/* "clubs" or "members" */
	pthread_mutex_t lock;		/* held while a piece is read */
	struct importer *im;
	long long bytes;		/* of the file received so far */
	bool finished;
	time_t touched;
	int refs;			/* requests using it (table lock) */
	struct rejected_line *lines;
	size_t nlines, cap;
	long not_kept;			/* rejected past IMPORT_MAX_KEPT */
};

struct import_table {
	pthread_mutex_t lock;
	int64_t next_id;
	struct import_job *jobs[IMPORT_MAX_JOBS];
};

/* ==== the table ========================================================= */
struct import_table *
http_imports_new(void)
{
	struct import_table *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->lock, NULL);
	t->next_id = 1;
	return t;
}

static void
job_free(struct import_job *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->nlines; i++) {
		free(j->lines[i].reason);
		free(j->lines[i].text);
	}
	free(j->lines);
	importer_free(j->im);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

void
http_imports_free(struct import_table *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < IMPORT_MAX_JOBS; i++)
		job_free(t->jobs[i]);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* A free slot, making one from a job nobody uses that is finished or
 * idle for IMPORT_IDLE_SECONDS (the oldest first); -1 when all are busy.
 * Called with the table lock. */
static int
free_slot(struct import_table *t, time_t now)
{
	int i, best = -1;

	for (i = 0; i < IMPORT_MAX_JOBS; i++) {
		struct import_job *j = t->jobs[i];

		if (j == NULL)
			return i;
		if (j->refs > 0 || (!j->finished &&
		    now - j->touched < IMPORT_IDLE_SECONDS))
			continue;
		if (best < 0 || j->touched < t->jobs[best]->touched)
			best = i;
	}
	if (best >= 0) {
		job_free(t->jobs[best]);
		t->jobs[best] = NULL;
	}
	return best;
}

/* The job of path parameter 0, with a reference; NULL after a 404. */
static struct import_job *
job_get(struct request *rq, struct response *rs)
{
	struct import_table *t = http_server_imports(rq->srv);
	struct import_job *j = NULL;
	int64_t id;
	int i;

	if (!http_param_id(rq, rs, 0, &id))
		return NULL;
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < IMPORT_MAX_JOBS; i++)
		if (t->jobs[i] && t->jobs[i]->id == id)
			j = t->jobs[i];
	if (j) {
		j->refs++;
		j->touched = time(NULL);
	}
	pthread_mutex_unlock(&t->lock);
	if (j == NULL)
		http_reply_error(rs, 404, "not_found", NULL, "no import %lld "
		    "(the server forgets an import when it restarts, or an "
		    "hour after its last piece)", (long long)id);
	return j;
}

static void
job_put(struct request *rq, struct import_job *j)
{
	struct import_table *t = http_server_imports(rq->srv);

	pthread_mutex_lock(&t->lock);
	j->refs--;
	j->touched = time(NULL);
	pthread_mutex_unlock(&t->lock);
}

/* ==== encoding ========================================================== */
/* The job's counts, and its rejected lines from index `from` on.  Called
 * with the job's lock. */
static json_t *
job_json(const struct import_job *j, size_t from)
{
	const struct importer_counts *n = importer_counts(j->im);
	json_t *lines = json_array();
	size_t i;

	for (i = from; i < j->nlines; i++) {
		const struct rejected_line *l = &j->lines[i];

		json_array_append_new(lines, json_pack("{s:I, s:s?, s:s, s:s}",
		    "line", (json_int_t)l->line,
		    "field", l->field[0] ? l->field : NULL,
		    "reason", l->reason, "text", l->text));
	}
	return json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:b, s:o}", "id", (json_int_t)j->id, "kind", j->kind,
	    "bytes", (json_int_t)j->bytes,
	    "rows", (json_int_t)n->rows, "imported", (json_int_t)n->taken,
	    "already_imported", (json_int_t)n->already,
	    "rejected", (json_int_t)n->rejected,
	    "rejected_not_listed", (json_int_t)j->not_kept,
	    "next_line", (json_int_t)importer_next_line(j->im),
	    "finished", j->finished, "rejected_lines", lines);
}

/* ==== handlers ========================================================== */
static void
h_create(struct request *rq, struct response *rs)
{
	static const char *const keys[] = { "kind", "match", NULL };
	struct import_table *t = http_server_imports(rq->srv);
	struct import_job *j;
	json_t *o = http_body_object(rq, rs, false);
	const char *kind = NULL;
	int match = -1, slot;

	if (o == NULL)
		return;
	if (!http_json_only_keys(o, keys, rs) ||
	    !http_json_get_string(o, "kind", &kind, rs) ||
	    !http_json_get_bool(o, "match", &match, rs))
		goto out_decref;
	if (kind == NULL || (strcmp(kind, "clubs") != 0 &&
	    strcmp(kind, "members") != 0)) {
		http_reply_error(rs, 422, "invalid_value", "kind",
		    "kind must be clubs or members");
		goto out_decref;
	}
	j = xcalloc(1, sizeof(*j));
	j->im = importer_new(kind, match != 0);
	snprintf(j->kind, sizeof(j->kind), "%s", kind);
	pthread_mutex_init(&j->lock, NULL);
	j->touched = time(NULL);
	j->refs = 1;		/* ours until the answer is made */
	pthread_mutex_lock(&t->lock);
	slot = free_slot(t, j->touched);
	if (slot >= 0) {
		j->id = t->next_id++;
		t->jobs[slot] = j;
	}
	pthread_mutex_unlock(&t->lock);
	if (slot < 0) {
		job_free(j);
		http_add_header(rs, "Retry-After", "60");
		http_reply_error(rs, 503, "unavailable", NULL, "%d imports "
		    "are running: finish one, or try again later",
		    IMPORT_MAX_JOBS);
		goto out_decref;
	}
	pthread_mutex_lock(&j->lock);
	http_reply_json(rs, 201, job_json(j, 0));
	pthread_mutex_unlock(&j->lock);
	job_put(rq, j);
out_decref:
	json_decref(o);
}

/* A copy of s, cut at IMPORT_TEXT_MAX bytes on a character boundary;
 * bytes that are not UTF-8 (a file saved as Latin-1) become '?', so the
 * JSON stays valid. */
static char *
utf8_copy(const char *s, size_t len)
{
	struct buf b;
	size_t i = 0, n;

	buf_init(&b);
	while (i < len) {
		n = text_utf8_char_len((const unsigned char *)s + i, len - i);
		if (b.len + (n ? n : 1) > IMPORT_TEXT_MAX)
			break;
		if (n == 0 || (n == 1 && s[i] == '\0')) {
			buf_addc(&b, '?');
			n = 1;
		} else {
			buf_add(&b, s + i, n);
		}
		i += n;
	}
	return buf_take(&b, NULL);
}

static void
keep_rejected(void *arg, long line, const struct err *why, const char *text,
    size_t len)
{
	struct import_job *j = arg;
	struct rejected_line *l;

	if (j->nlines >= IMPORT_MAX_KEPT) {
		j->not_kept++;
		return;
	}
	if (j->nlines == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 64;
		j->lines = xrealloc(j->lines, j->cap * sizeof(*j->lines));
	}
	l = &j->lines[j->nlines++];
	l->line = line;
	snprintf(l->field, sizeof(l->field), "%s", why->field);
	l->reason = utf8_copy(why->msg, strlen(why->msg));
	l->text = utf8_copy(text, len);
}

/* ?offset=N, the bytes of the file sent before this piece: a piece sent
 * twice (a retry after a lost answer) is refused, not read twice. */
static bool
offset_ok(struct request *rq, struct response *rs, struct import_job *j)
{
	const char *v = http_query(rq, "offset");
	int64_t off;

	if (v == NULL)
		return true;
	if (text_parse_int64(v, 0, INT64_MAX, &off) < 0) {
		http_reply_error(rs, 400, "bad_parameter", "offset",
		    "offset must be the bytes sent before this piece");
		return false;
	}
	if (off != j->bytes) {
		http_reply_error(rs, 409, "conflict", "offset", "this import "
		    "has %lld bytes: send the piece that starts there",
		    (long long)j->bytes);
		return false;
	}
	return true;
}

static void
h_chunk(struct request *rq, struct response *rs)
{
	struct importer_report rep = { keep_rejected, NULL, NULL };
	struct import_job *j = job_get(rq, rs);
	struct err err;
	long bad_line = 0;
	size_t from;

	if (j == NULL)
		return;
	if (pthread_mutex_trylock(&j->lock) != 0) {
		http_reply_error(rs, 409, "conflict", NULL, "a piece of import "
		    "%lld is being read: send the next when it is answered",
		    (long long)j->id);
		goto out_put;
	}
	if (j->finished) {
		http_reply_error(rs, 409, "conflict", NULL, "import %lld is "
		    "finished: start a new one", (long long)j->id);
		goto out_unlock;
	}
	if (!offset_ok(rq, rs, j))
		goto out_unlock;
	rep.arg = j;
	from = j->nlines;
	err_clear(&err);
	if (importer_feed_text(j->im, rq->svc, rq->store, rq->body.data,
	    rq->body.len, &rep, &bad_line, &err) < 0) {
		if (!importer_has_header(j->im) && bad_line > 0)
			http_reply_error(rs, 422, "invalid_value", NULL,
			    "line %ld: %s", bad_line, err.msg);
		else
			http_reply_err(rs, &err);
		goto out_unlock;
	}
	j->bytes += (long long)rq->body.len;
	http_reply_json(rs, 200, job_json(j, from));
out_unlock:
	pthread_mutex_unlock(&j->lock);
out_put:
	job_put(rq, j);
}

static void
h_finish(struct request *rq, struct response *rs)
{
	struct import_job *j = job_get(rq, rs);
	struct err err;

	if (j == NULL)
		return;
	if (pthread_mutex_trylock(&j->lock) != 0) {
		http_reply_error(rs, 409, "conflict", NULL, "a piece of import "
		    "%lld is being read: finish when it is answered",
		    (long long)j->id);
		goto out_put;
	}
	err_clear(&err);
	if (!j->finished && importer_finish(j->im, rq->svc, rq->store,
	    &err) < 0) {
		http_reply_err(rs, &err);
		goto out_unlock;
	}
	j->finished = true;
	http_reply_json(rs, 200, job_json(j, j->nlines));
out_unlock:
	pthread_mutex_unlock(&j->lock);
out_put:
	job_put(rq, j);
}

static void
h_show(struct request *rq, struct response *rs)
{
	struct import_job *j = job_get(rq, rs);

	if (j == NULL)
		return;
	pthread_mutex_lock(&j->lock);
	http_reply_json(rs, 200, job_json(j, 0));
	pthread_mutex_unlock(&j->lock);
	job_put(rq, j);
}

const struct route http_import_routes[] = {
	{ "POST", "/api/v1/imports", ACCESS_ADMIN, h_create },
	{ "GET", "/api/v1/imports/{}", ACCESS_ADMIN, h_show },
	{ "POST", "/api/v1/imports/{}/chunks", ACCESS_ADMIN, h_chunk },
	{ "POST", "/api/v1/imports/{}/finish", ACCESS_ADMIN, h_finish },
};
const size_t http_import_nroutes = sizeof(http_import_routes) /
    sizeof(http_import_routes[0]);

const char *
http_import_body_type(const struct route *r)
{
	return r->handler == h_chunk ? "text/csv" : NULL;
}
