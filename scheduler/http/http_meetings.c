/*
 * http_meetings.c - meetings, their occurrences, the .ics download and
 * the personal feeds (docs/api.md, "Meetings"; docs/calendar.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "feed.h"
#include "http_int.h"
#include "meeting.h"
#include "xalloc.h"

static json_t *
http_json_utc(time_t t)
{
	char s[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(s);
}

static json_t *
http_json_meeting(struct request *rq, const struct meeting *m)
{
	json_t *o = json_object(), *next = json_array(), *occ = json_array();
	time_t t[5];
	int n, i;
	size_t k;

	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "club_id", json_integer(m->club_id));
	json_object_set_new(o, "uid", json_string(m->uid));
	json_object_set_new(o, "title", json_string(m->title));
	json_object_set_new(o, "description", json_string(m->description));
	json_object_set_new(o, "location", json_string(m->location));
	json_object_set_new(o, "video_url", json_string(m->video_url));
	json_object_set_new(o, "timezone", json_string(m->timezone));
	json_object_set_new(o, "start", json_string(m->start_local));
	json_object_set_new(o, "duration_minutes",
	    json_integer(m->duration_minutes));
	json_object_set_new(o, "rrule", m->rrule[0] ? json_string(m->rrule) :
	    json_null());
	json_object_set_new(o, "sequence", json_integer(m->sequence));
	json_object_set_new(o, "status", json_string(m->cancelled ?
	    "cancelled" : "confirmed"));
	n = meeting_next(m, NULL, rq->cfg, time(NULL), t, 5);
	for (i = 0; i < n; i++)
		json_array_append_new(next, http_json_utc(t[i]));
	json_object_set_new(o, "next_occurrences", next);
	for (k = 0; k < m->n_occ; k++)
		json_array_append_new(occ, json_pack("{s:s, s:s, s:s, s:i}",
		    "date", m->occ[k].date, "status", m->occ[k].cancelled ?
		    "cancelled" : "moved", "start", m->occ[k].start_local,
		    "duration_minutes", m->occ[k].duration_minutes));
	json_object_set_new(o, "occurrences", occ);
	json_object_set_new(o, "created_at", http_json_utc(m->created_at));
	json_object_set_new(o, "updated_at", http_json_utc(m->updated_at));
	return o;
}

static const char *const MEETING_KEYS[] = { "title", "start", "timezone",
	"duration_minutes", "rrule", "description", "location", "video_url",
	NULL };

static bool
meeting_input_from_json(json_t *o, struct meeting_input *in,
    struct response *rs)
{
	json_t *r = json_object_get(o, "rrule");

	static const char *const required[] = { "title", "start",
		"timezone", "duration_minutes", NULL };

	meeting_input_init(in);
	in->rrule_null = r != NULL && json_is_null(r);
	return http_json_only_keys(o, MEETING_KEYS, rs) &&
	    http_json_no_null(o, required, rs) &&
	    http_json_get_string(o, "title", &in->title, rs) &&
	    http_json_get_string(o, "start", &in->start, rs) &&
	    http_json_get_string(o, "timezone", &in->timezone, rs) &&
	    http_json_get_int(o, "duration_minutes", &in->duration_minutes, -1, -1,
	    rs) &&
	    http_json_get_string(o, "rrule", &in->rrule, rs) &&
	    http_json_get_string(o, "description", &in->description, rs) &&
	    http_json_get_string(o, "location", &in->location, rs) &&
	    http_json_get_string(o, "video_url", &in->video_url, rs);
}

/* Loads the meeting of path parameter 0 (and its club when c is not
 * NULL), and checks the caller may act on it; false after replying. */
static bool
load_meeting(struct request *rq, struct response *rs, struct meeting *m,
    struct club *c)
{
	struct err err;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id))
		return false;
	err_clear(&err);
	if (meeting_get(rq->store, id, m, c, &err) < 0) {
		http_reply_err(rs, &err);
		return false;
	}
	return http_may_object(rq, rs, m->club_id, "meeting", id);
}

/* Replies with the meeting after a change, or the error. */
static void
reply_meeting(struct request *rq, struct response *rs, int rc,
    const struct err *err, const struct meeting *m, unsigned status)
{
	if (rc < 0)
		http_reply_err(rs, err);
	else
		http_reply_json(rs, status, http_json_meeting(rq, m));
}

static void
h_meetings_create(struct request *rq, struct response *rs)
{
	struct meeting *m;
	struct meeting_input in;
	struct err err;
	json_t *o;
	int64_t club;
	int rc;

	if (!http_param_id(rq, rs, 0, &club) || !http_may_club(rq, rs, club))
		return;
	o = http_body_object(rq, rs, false);
	if (o == NULL)
		return;
	if (meeting_input_from_json(o, &in, rs)) {
		m = xmalloc(sizeof(*m));
		err_clear(&err);
		rc = meeting_create(rq->cfg, rq->store, club, &in, m, &err);
		reply_meeting(rq, rs, rc, &err, m, 201);
		free(m);
	}
	json_decref(o);
}

struct meeting_list {
	struct request *rq;
	json_t *items;
};

static int
add_meeting(const struct meeting *m, void *arg)
{
	struct meeting_list *l = arg;

	json_array_append_new(l->items, http_json_meeting(l->rq, m));
	return 0;
}

static void
h_meetings_list(struct request *rq, struct response *rs)
{
	struct meeting_list l = { rq, NULL };
	struct club c;
	struct err err;
	int64_t club;

	if (!http_param_id(rq, rs, 0, &club) || !http_may_club(rq, rs, club))
		return;
	err_clear(&err);
	l.items = json_array();
	if (meeting_list(rq->store, club, &c, add_meeting, &l, &err) < 0) {
		json_decref(l.items);
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, http_json_page(l.items, 0));
}

static void
h_meeting_get(struct request *rq, struct response *rs)
{
	struct meeting *m = xmalloc(sizeof(*m));

	if (load_meeting(rq, rs, m, NULL))
		http_reply_json(rs, 200, http_json_meeting(rq, m));
	free(m);
}

/* The meeting of the path, then the JSON body of a change to it; NULL
 * after replying. */
static json_t *
load_with_body(struct request *rq, struct response *rs, struct meeting *m)
{
	if (!load_meeting(rq, rs, m, NULL))
		return NULL;
	return http_body_object(rq, rs, false);
}

static void
h_meeting_patch(struct request *rq, struct response *rs)
{
	struct meeting *m = xmalloc(sizeof(*m));
	struct meeting_input in;
	struct err err;
	json_t *o;

	o = load_with_body(rq, rs, m);
	if (o == NULL)
		goto out;
	if (meeting_input_from_json(o, &in, rs)) {
		err_clear(&err);
		reply_meeting(rq, rs, meeting_update(rq->cfg, rq->store, m->id,
		    &in, m, &err), &err, m, 200);
	}
	json_decref(o);
out:
	free(m);
}

/* Cancels the series (date NULL) or one occurrence of it. */
static void
cancel(struct request *rq, struct response *rs, const char *date)
{
	struct meeting *m = xmalloc(sizeof(*m));
	struct err err;
	int rc;

	if (load_meeting(rq, rs, m, NULL)) {
		err_clear(&err);
		rc = date ? meeting_occurrence_change(rq->cfg, rq->store, m->id,
		    date, NULL, -1, m, &err) : meeting_cancel(rq->store, m->id,
		    m, &err);
		reply_meeting(rq, rs, rc, &err, m, 200);
	}
	free(m);
}

static void
h_meeting_delete(struct request *rq, struct response *rs)
{
	cancel(rq, rs, NULL);
}

static void
h_occurrence_delete(struct request *rq, struct response *rs)
{
	cancel(rq, rs, rq->params[1]);
}

static void
h_occurrence_patch(struct request *rq, struct response *rs)
{
	static const char *const keys[] = { "start", "duration_minutes",
		NULL };
	struct meeting *m = xmalloc(sizeof(*m));
	const char *start;
	int64_t duration;
	struct err err;
	json_t *o;

	o = load_with_body(rq, rs, m);
	if (o == NULL)
		goto out;
	if (http_json_only_keys(o, keys, rs) &&
	    http_json_get_string(o, "start", &start, rs) &&
	    http_json_get_int(o, "duration_minutes", &duration, -1, -1, rs)) {
		err_clear(&err);
		if (start == NULL)
			http_reply_error(rs, 422, "invalid_value", "start",
			    "start is required (local time YYYY-MM-DDTHH:MM)");
		else
			reply_meeting(rq, rs, meeting_occurrence_change(
			    rq->cfg, rq->store, m->id, rq->params[1], start,
			    duration, m, &err), &err, m, 200);
	}
	json_decref(o);
out:
	free(m);
}

/* True when If-Modified-Since (an HTTP date) is at or after modified;
 * RFC 7232 lets If-None-Match override it, so the caller asks only
 * without one. */
static bool
not_modified_since(struct request *rq, time_t modified)
{
	const char *ims = http_header(rq, "If-Modified-Since");
	struct tm tm;
	const char *end;

	if (ims == NULL)
		return false;
	memset(&tm, 0, sizeof(tm));
	end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return end != NULL && *end == '\0' && modified <= timegm(&tm);
}

/* Sends calendar text with an ETag and Last-Modified; 304 when the
 * client already has it. */
static void
reply_calendar(struct request *rq, struct response *rs, char *text,
    size_t len, time_t modified, const char *filename)
{
	const char *inm = http_header(rq, "If-None-Match");
	char hash[65], etag[40], date[40], disp[160];

	hash_sha256_hex(text, hash);
	snprintf(etag, sizeof(etag), "\"%.32s\"", hash);
	http_add_header(rs, "ETag", etag);
	http_date(modified, date);
	http_add_header(rs, "Last-Modified", date);
	http_add_header(rs, "Cache-Control", "private, max-age=300");
	if (filename) {
		snprintf(disp, sizeof(disp), "inline; filename=\"%s\"",
		    filename);
		http_add_header(rs, "Content-Disposition", disp);
	}
	if ((inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) ||
	    (inm == NULL && not_modified_since(rq, modified))) {
		free(text);
		http_reply_take(rs, 304, NULL, xstrdup(""), 0);
		return;
	}
	http_reply_take(rs, 200, "text/calendar; charset=utf-8", text, len);
}

static void
h_meeting_ics(struct request *rq, struct response *rs)
{
	struct meeting *m = xmalloc(sizeof(*m));
	struct feed f;
	struct club c;
	struct err err;
	char name[64];

	err_clear(&err);
	if (!load_meeting(rq, rs, m, &c))
		goto out;
	if (feed_meeting(rq->cfg, m, &c, &f, &err) < 0) {
		http_reply_err(rs, &err);
		goto out;
	}
	snprintf(name, sizeof(name), "meeting-%lld.ics", (long long)m->id);
	reply_calendar(rq, rs, f.text, f.len, f.modified, name);
out:
	free(m);
}

/* ==== personal feeds ==================================================== */
static void
h_feed(struct request *rq, struct response *rs)
{
	struct feed f;
	struct err err;

	if (!http_token_allowed(rq, rs))
		return;
	err_clear(&err);
	if (feed_member(rq->svc, rq->store, rq->params[0], &f, &err) == 0) {
		reply_calendar(rq, rs, f.text, f.len, f.modified, NULL);
		return;
	}
	if (err.code == ERR_NOT_FOUND)
		http_token_failed(rq);
	http_reply_err(rs, &err);
}

const struct route http_meeting_routes[] = {
	{ "POST", "/api/v1/clubs/{}/meetings", ACCESS_CLUB, h_meetings_create },
	{ "GET", "/api/v1/clubs/{}/meetings", ACCESS_CLUB, h_meetings_list },
	{ "GET", "/api/v1/meetings/{}.ics", ACCESS_CLUB, h_meeting_ics },
	{ "GET", "/api/v1/meetings/{}", ACCESS_CLUB, h_meeting_get },
	{ "PATCH", "/api/v1/meetings/{}", ACCESS_CLUB, h_meeting_patch },
	{ "DELETE", "/api/v1/meetings/{}", ACCESS_CLUB, h_meeting_delete },
	{ "DELETE", "/api/v1/meetings/{}/occurrences/{}", ACCESS_CLUB,
	    h_occurrence_delete },
	{ "PATCH", "/api/v1/meetings/{}/occurrences/{}", ACCESS_CLUB,
	    h_occurrence_patch },
	{ "GET", "/feeds/{}.ics", ACCESS_PUBLIC, h_feed },
};
const size_t http_meeting_nroutes = sizeof(http_meeting_routes) /
    sizeof(http_meeting_routes[0]);
