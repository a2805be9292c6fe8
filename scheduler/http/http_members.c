/*
 * http_members.c - editing and removing members, and their first-contact
 * tasks (docs/api.md, "Members" and "First contacts"; docs/outreach.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"
#include "member.h"
#include "outreach.h"
#include "text.h"

static const char *const MEMBER_STATUSES[] = { "active", "do_not_contact",
	"removed", NULL };
static const char *const EMAIL_STATUSES[] = { "ok", "bouncing", NULL };

static bool
one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool
http_member_statuses(struct request *rq, struct response *rs,
    struct member_filter *f)
{
	f->status = http_query(rq, "status");
	f->email_status = http_query(rq, "email_status");
	if (f->status && !one_of(f->status, MEMBER_STATUSES)) {
		http_reply_error(rs, 400, "bad_parameter", "status",
		    "status must be active, do_not_contact or removed");
		return false;
	}
	if (f->email_status && !one_of(f->email_status, EMAIL_STATUSES)) {
		http_reply_error(rs, 400, "bad_parameter", "email_status",
		    "email_status must be ok or bouncing");
		return false;
	}
	return true;
}

/* ==== PATCH and DELETE =================================================== */
static const char *const PATCH_KEYS[] = { "name", "email", "zip", "state",
	"phone", "preferred_channel", NULL };

static void
h_member_patch(struct request *rq, struct response *rs)
{
	json_t *o;
	struct member_input in;
	struct member m;
	struct err err;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id) ||
	    (o = http_body_object(rq, rs, false)) == NULL)
		return;
	member_input_init(&in);
	if (http_json_only_keys(o, PATCH_KEYS, rs) &&
	    http_json_no_null(o, (const char *const[]){ "name", "email",
	    NULL }, rs) &&
	    http_json_get_string(o, "name", &in.name, rs) &&
	    http_json_get_string(o, "email", &in.email, rs) &&
	    http_json_get_string(o, "zip", &in.zip, rs) &&
	    http_json_get_string(o, "state", &in.state, rs) &&
	    http_json_get_string(o, "phone", &in.phone, rs) &&
	    http_json_get_string(o, "preferred_channel", &in.preferred_channel,
	    rs)) {
		/* null clears phone and channel; a given zip replaces the
		 * state (and null zip with a state moves to the state). */
		if (json_is_null(json_object_get(o, "phone")))
			in.phone = "";
		if (json_is_null(json_object_get(o, "preferred_channel")))
			in.preferred_channel = "";
		if (json_is_null(json_object_get(o, "zip")))
			in.zip = "";
		err_clear(&err);
		if (member_update(rq->svc, rq->store, id, &in, &m, &err) < 0)
			http_reply_err(rs, &err);
		else
			http_reply_json(rs, 200, http_json_member(rq, &m));
	}
	json_decref(o);
}

static void
h_member_delete(struct request *rq, struct response *rs)
{
	const char *reason = http_query(rq, "reason");
	struct member m;
	struct err err;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id))
		return;
	if (reason == NULL)
		reason = "left";
	if (!outreach_reason_ok(reason)) {
		http_reply_error(rs, 422, "invalid_value", "reason",
		    "reason must be left, prank or duplicate");
		return;
	}
	err_clear(&err);
	if (outreach_remove(rq->svc, rq->store, id, reason, &err) < 0 ||
	    member_get(rq->store, id, &m, &err) < 0)
		http_reply_err(rs, &err);
	else
		http_reply_json(rs, 200, http_json_member(rq, &m));
}

/* ==== first-contact tasks =============================================== */
static void
utc_iso(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
contact_json(const struct contact *c)
{
	char due[32];

	utc_iso(c->due_at, due);
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:i, s:o, s:s, s:s, s:s, "
	    "s:o, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)c->id,
	    "member_id", (json_int_t)c->member_id, "club_id",
	    (json_int_t)c->club_id, "status", c->status, "due_at", due,
	    "attempts", c->attempts, "last_outcome", c->last_outcome[0] ?
	    json_string(c->last_outcome) : json_null(), "name", c->name,
	    "email", c->email, "phone", c->phone, "preferred_channel",
	    c->preferred_channel[0] ? json_string(c->preferred_channel) :
	    json_null(), "city", c->city, "state", c->state,
	    "distance_miles", c->distance_miles >= 0 ?
	    json_real(c->distance_miles) : json_null(), "mode",
	    model_mode_name(c->mode), "club_name", c->club_name);
}

struct contact_list {
	json_t *items;
	int64_t last;
	int count;
};

static int
add_contact(const struct contact *c, void *arg)
{
	struct contact_list *l = arg;

	json_array_append_new(l->items, contact_json(c));
	l->last = c->id;
	l->count++;
	return 0;
}

static void
contacts_reply(struct request *rq, struct response *rs, int64_t club_id)
{
	const char *status = http_query(rq, "status");
	struct contact_list l = { NULL, 0, 0 };
	struct err err;
	int limit;
	int64_t after;

	if (!http_page(rq, rs, &limit, &after))
		return;
	if (status && strcmp(status, "open") != 0 &&
	    strcmp(status, "overdue") != 0 && strcmp(status, "done") != 0) {
		http_reply_error(rs, 400, "bad_parameter", "status",
		    "status must be open, overdue or done");
		return;
	}
	l.items = json_array();
	err_clear(&err);
	if (outreach_contacts(rq->store, club_id, status, after, limit,
	    add_contact, &l, &err) < 0) {
		json_decref(l.items);
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, http_json_page(l.items, l.count == limit ?
	    l.last : 0));
}

static void
h_club_contacts(struct request *rq, struct response *rs)
{
	int64_t id;

	if (http_param_id(rq, rs, 0, &id) && http_may_club(rq, rs, id))
		contacts_reply(rq, rs, id);
}

static void
h_contacts(struct request *rq, struct response *rs)
{
	contacts_reply(rq, rs, 0);
}

static const char *const CONTACT_KEYS[] = { "channel", "outcome", "note",
	"zip", "state", "reason", NULL };

static void
h_contact_log(struct request *rq, struct response *rs)
{
	struct contact_input in;
	struct contact c;
	struct member m;
	struct err err;
	json_t *o;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id))
		return;
	err_clear(&err);
	/* A secretary logs calls to their own club's members only; others
	 * look like no member at all. */
	if (member_get(rq->store, id, &m, &err) < 0 ||
	    (rq->role != ROLE_ADMIN &&
	    m.assignment.club_id != rq->club_id)) {
		http_reply_error(rs, 404, "not_found", NULL, "no member with "
		    "id %lld", (long long)id);
		return;
	}
	if ((o = http_body_object(rq, rs, false)) == NULL)
		return;
	memset(&in, 0, sizeof(in));
	if (http_json_only_keys(o, CONTACT_KEYS, rs) &&
	    http_json_get_string(o, "channel", &in.channel, rs) &&
	    http_json_get_string(o, "outcome", &in.outcome, rs) &&
	    http_json_get_string(o, "note", &in.note, rs) &&
	    http_json_get_string(o, "zip", &in.zip, rs) &&
	    http_json_get_string(o, "state", &in.state, rs) &&
	    http_json_get_string(o, "reason", &in.reason, rs)) {
		if (outreach_contact_log(rq->svc, rq->store, id, &in, &c,
		    &err) < 0)
			http_reply_err(rs, &err);
		else
			http_reply_json(rs, 201, contact_json(&c));
	}
	json_decref(o);
}

const struct route http_member_routes[] = {
	{ "PATCH", "/api/v1/members/{}", ACCESS_ADMIN, h_member_patch },
	{ "DELETE", "/api/v1/members/{}", ACCESS_ADMIN, h_member_delete },
	{ "GET", "/api/v1/clubs/{}/contacts", ACCESS_CLUB, h_club_contacts },
	{ "GET", "/api/v1/contacts", ACCESS_ADMIN, h_contacts },
	{ "POST", "/api/v1/members/{}/contacts", ACCESS_CLUB, h_contact_log },
};
const size_t http_member_nroutes = sizeof(http_member_routes) /
    sizeof(http_member_routes[0]);
