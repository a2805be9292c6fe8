/*
 * stats.c - the organizer's overview (stats.h, docs/admin.md).
 */
#include <stdlib.h>
#include <string.h>

#include "club.h"
#include "stats.h"
#include "store.h"
#include "usmap.h"
#include "xalloc.h"

int
stats_read(struct store *st, time_t now, struct stats *out,
    struct err *err)
{
	struct store_stats r;

	memset(out, 0, sizeof(*out));
	if (store_stats_read(st, now, &r, err) < 0)
		return -1;
	out->members.local = r.members_local;
	out->members.remote = r.members_remote;
	out->members.unassigned = r.members_unassigned;
	out->members.removed = r.members_removed;
	out->members.do_not_contact = r.members_do_not_contact;
	out->members.bouncing = r.members_bouncing;
	out->clubs.active = r.clubs_active;
	out->clubs.accepts_remote = r.clubs_accepts_remote;
	out->contacts.open = r.contacts_open;
	out->contacts.overdue = r.contacts_overdue;
	out->contacts.done = r.contacts_done;
	/* store_outbox_counts(): pending, sending, sent, failed, dropped.
	 * A dropped mail was never meant to go. */
	out->invitations.pending = r.invitations[0] + r.invitations[1];
	out->invitations.sent = r.invitations[2];
	out->invitations.failed = r.invitations[3];
	out->answers.accepted = r.answers_accepted;
	out->answers.declined = r.answers_declined;
	out->answers.tentative = r.answers_tentative;
	out->answers.needs_action = r.answers_needs_action;
	out->attended = r.attended;
	return 0;
}

/* ==== the map ============================================================ */
struct dots {
	struct usmap_dot *v;
	size_t n, cap;
};

static int
dot_add(const struct store_map_dot *d, void *arg)
{
	struct dots *ds = arg;
	struct usmap_dot *u;

	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? 2 * ds->cap : 1024;
		ds->v = xreallocarray(ds->v, ds->cap, sizeof(*ds->v));
	}
	u = &ds->v[ds->n++];
	memset(u, 0, sizeof(*u));
	u->lat = d->lat;
	u->lon = d->lon;
	u->mode = d->mode == MODE_LOCAL ? USMAP_LOCAL : d->mode == MODE_REMOTE ?
	    USMAP_REMOTE : USMAP_UNASSIGNED;
	u->count = d->count;
	u->has_club = d->mode == MODE_REMOTE && d->club_id > 0;
	u->club_lat = d->club_lat;
	u->club_lon = d->club_lon;
	return 0;
}

int
stats_map_svg(struct service *svc, struct store *st, bool lines,
    struct buf *out, struct err *err)
{
	struct club *clubs = NULL;
	struct usmap_club *marks = NULL;
	struct dots ds = { NULL, 0, 0 };
	size_t n = 0, i, k = 0;
	int rc = -1;

	if (club_list(svc, st, 0, 0, &clubs, &n, err) < 0 ||
	    store_map_dots(st, lines, dot_add, &ds, err) < 0)
		goto out;
	marks = xcalloc(n ? n : 1, sizeof(*marks));
	for (i = 0; i < n; i++) {
		if (!clubs[i].active || !clubs[i].place.zip[0])
			continue;
		marks[k].id = clubs[i].id;
		marks[k].name = clubs[i].name;
		marks[k].lat = clubs[i].place.lat;
		marks[k].lon = clubs[i].place.lon;
		marks[k].activity = clubs[i].activity;
		k++;
	}
	rc = usmap_svg(out, marks, k, ds.v, ds.n, lines, NULL, err);
out:
	free(clubs);
	free(marks);
	free(ds.v);
	return rc;
}
