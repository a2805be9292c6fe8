/*
 * feed.c - personal feeds and .ics downloads (docs/calendar.md,
 * "Feed and download").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "ics_build.h"
#include "log.h"
#include "meeting.h"
#include "store.h"
#include "token.h"
#include "xalloc.h"

struct feed_ctx {
	struct meeting *meetings;
	size_t n, cap;
	time_t modified;
};

static int
add_meeting(const struct meeting *m, void *arg)
{
	struct feed_ctx *f = arg;

	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		f->meetings = xreallocarray(f->meetings, f->cap,
		    sizeof(*f->meetings));
	}
	f->meetings[f->n++] = *m;
	if (m->updated_at > f->modified)
		f->modified = m->updated_at;
	return 0;
}

/* A stored meeting the calendar builder refused (docs/calendar.md, "Feed
 * and download"): an event naming it, the field and why. */
static void
log_meeting(const char *event, int64_t id, const struct err *bad)
{
	char mid[24];

	snprintf(mid, sizeof(mid), "%lld", (long long)id);
	log_event(event, "meeting", mid, "field", bad->field[0] ?
	    bad->field : NULL, "error", bad->msg, NULL);
}

/* The calendar of the meetings in f, named calname. */
static int
build(const struct config *cfg, const struct club *c, const char *calname,
    struct feed_ctx *f, struct feed *out, struct err *err)
{
	struct meeting_ics *ics = xcalloc(f->n ? f->n : 1, sizeof(*ics));
	struct ics_event *events = xcalloc(f->n ? f->n : 1, sizeof(*events));
	struct err bad;
	size_t i, n = 0;

	for (i = 0; i < f->n; i++) {
		meeting_to_ics(&f->meetings[i], c, cfg, &ics[i]);
		err_clear(&bad);
		/* One meeting the builder refuses (say a rule stored by an
		 * older version) must not take every other meeting out of
		 * the members' calendars: it is left out and logged
		 * (docs/calendar.md, "Feed and download"). */
		if (ics_event_buildable(&ics[i].ev, &bad) == -1) {
			log_meeting("feed_meeting_left_out", f->meetings[i].id,
			    &bad);
			continue;
		}
		events[n++] = ics[i].ev;
	}
	out->modified = f->modified;
	out->text = ics_feed_build(calname, events, n, FEED_ALARM_MINUTES,
	    f->modified, &out->len, err);
	free(events);
	free(ics);
	return out->text ? 0 : -1;
}

int
feed_member(struct service *svc, struct store *st, const char *token,
    struct feed *out, struct err *err)
{
	struct feed_ctx f;
	struct member mem;
	struct club c;
	char calname[300];
	int64_t id = token_link_id(svc, "feed", token);
	int rc = -1;

	if (id < 0 || store_member_get(st, id, &mem, NULL) < 0)
		return err_set(err, ERR_NOT_FOUND,
		    "no such calendar feed: check the link");
	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	f.modified = mem.created_at;
	snprintf(calname, sizeof(calname), "Club meetings");
	if (mem.assignment.club_id > 0) {
		if (store_club_get(st, mem.assignment.club_id, &c, err) < 0 ||
		    store_meeting_each(st, c.id, true, add_meeting, &f,
		    err) < 0)
			goto out_free;
		snprintf(calname, sizeof(calname), "%s", c.name);
	}
	rc = build(service_config(svc), &c, calname, &f, out, err);
out_free:
	free(f.meetings);
	return rc;
}

int
feed_meeting(const struct config *cfg, const struct meeting *m,
    const struct club *c, struct feed *out, struct err *err)
{
	struct meeting_ics *mi = xmalloc(sizeof(*mi));

	struct err bad;

	meeting_to_ics(m, c, cfg, mi);
	out->modified = m->updated_at;
	err_clear(&bad);
	out->text = ics_download_build(&mi->ev, m->updated_at, &out->len,
	    &bad);
	free(mi);
	if (out->text != NULL)
		return 0;
	/* Nothing in the request was wrong (a GET): the stored meeting
	 * is, and only an edit fixes it. */
	log_meeting("feed_meeting_unwritable", m->id, &bad);
	return err_set_field(err, bad.code == ERR_INVALID ? ERR_CONFLICT :
	    bad.code, bad.field, "the stored meeting cannot be written as a "
	    "calendar: %s; fix it with PATCH", bad.msg);
}
