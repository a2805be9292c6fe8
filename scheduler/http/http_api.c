/*
 * http_api.c - health, ZIP codes, clubs, members, matching, tokens and
 * /me (docs/api.md).  Each handler decodes, makes one domain call and
 * encodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "club.h"
#include "geo_db.h"
#include "http_int.h"
#include "member.h"
#include "text.h"
#include "token.h"

static void
h_healthz(struct request *rq, struct response *rs)
{
	(void)rq;
	http_reply_json(rs, 200, json_pack("{s:s}", "status", "ok"));
}

static void
h_zip(struct request *rq, struct response *rs)
{
	const struct geo_zip *z;

	if (!geo_zip_is_wellformed(rq->params[0])) {
		http_reply_error(rs, 400, "malformed_zip", "zip",
		    "a ZIP code is 5 digits, e.g. 60601");
		return;
	}
	z = geo_db_lookup(service_geo(rq->svc), rq->params[0]);
	if (z == NULL) {
		http_reply_error(rs, 404, "unknown_zip", "zip",
		    "unknown ZIP code '%s'", rq->params[0]);
		return;
	}
	http_reply_json(rs, 200, json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, "
	    "s:s}", "zip", z->zip, "city", z->city, "state", z->state,
	    "county", z->county, "lat", z->pt.lat, "lon", z->pt.lon,
	    "timezone", z->timezone));
}

/* ==== clubs ============================================================= */
static const char *const CLUB_KEYS[] = { "name", "zip", "secretary_email",
	"secretary_name", "accepts_remote", "remote_capacity", NULL };

static bool
club_input_from_json(json_t *o, struct club_input *in, struct response *rs)
{
	static const char *const required[] = { "name", "zip",
		"secretary_email", "accepts_remote", NULL };

	club_input_init(in);
	return http_json_only_keys(o, CLUB_KEYS, rs) &&
	    http_json_no_null(o, required, rs) &&
	    http_json_get_string(o, "name", &in->name, rs) &&
	    http_json_get_string(o, "zip", &in->zip, rs) &&
	    http_json_get_string(o, "secretary_email", &in->secretary_email, rs) &&
	    http_json_get_string(o, "secretary_name", &in->secretary_name, rs) &&
	    http_json_get_bool(o, "accepts_remote", &in->accepts_remote, rs) &&
	    http_json_get_int(o, "remote_capacity", &in->remote_capacity, -2, -1,
	    rs);
}

static void
h_clubs_create(struct request *rq, struct response *rs)
{
	json_t *o = http_body_object(rq, rs, false);
	struct club_input in;
	struct club c;
	struct err err;

	if (o == NULL)
		return;
	if (club_input_from_json(o, &in, rs)) {
		err_clear(&err);
		if (club_create(rq->svc, rq->store, &in, &c, &err) < 0)
			http_reply_err(rs, &err);
		else
			http_reply_json(rs, 201, http_json_club(&c));
	}
	json_decref(o);
}

static void
h_clubs_patch(struct request *rq, struct response *rs)
{
	json_t *o;
	struct club_input in;
	struct club c;
	struct err err;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id))
		return;
	o = http_body_object(rq, rs, false);
	if (o == NULL)
		return;
	if (club_input_from_json(o, &in, rs)) {
		err_clear(&err);
		if (club_update(rq->svc, rq->store, id, &in, &c,
		    &err) < 0)
			http_reply_err(rs, &err);
		else
			http_reply_json(rs, 200, http_json_club(&c));
	}
	json_decref(o);
}

static void
h_clubs_get(struct request *rq, struct response *rs)
{
	struct club c;
	struct err err;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id) || !http_may_club(rq, rs, id))
		return;
	err_clear(&err);
	if (club_get(rq->svc, rq->store, id, &c, &err) < 0)
		http_reply_err(rs, &err);
	else
		http_reply_json(rs, 200, http_json_club(&c));
}

static void
h_clubs_delete(struct request *rq, struct response *rs)
{
	struct err err;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id))
		return;
	err_clear(&err);
	if (club_delete(rq->svc, rq->store, id, &err) < 0) {
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id,
	    "active", 0));
}

struct list_ctx {
	struct request *rq;
	json_t *items;
	int64_t last;
	int count;
};

static void
h_clubs_list(struct request *rq, struct response *rs)
{
	struct club *clubs;
	struct err err;
	json_t *items;
	int limit;
	int64_t after;
	size_t i, n;

	if (!http_page(rq, rs, &limit, &after))
		return;
	err_clear(&err);
	if (club_list(rq->svc, rq->store, after, limit, &clubs, &n,
	    &err) < 0) {
		http_reply_err(rs, &err);
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, http_json_club(&clubs[i]));
	http_reply_json(rs, 200, http_json_page(items, (int)n == limit ?
	    clubs[n - 1].id : 0));
	free(clubs);
}

static const char *const TOKEN_KEYS[] = { "expires_at", "label", NULL };

static void
utc_iso(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A token's list entry: never the token itself. */
static json_t *
token_json(const struct token_info *t)
{
	char created[32], expires[32];

	utc_iso(t->created_at, created);
	utc_iso(t->expires_at, expires);
	return json_pack("{s:I, s:I, s:s, s:o, s:b, s:s}", "id",
	    (json_int_t)t->id, "club_id", (json_int_t)t->club_id,
	    "created_at", created, "expires_at", t->expires_at ?
	    json_string(expires) : json_null(), "revoked", t->revoked,
	    "label", t->label);
}

static void
h_tokens_create(struct request *rq, struct response *rs)
{
	const char *expires = NULL, *label = NULL;
	struct err err;
	char *token;
	json_t *o;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id))
		return;
	o = http_body_object(rq, rs, true);
	if (o == NULL)
		return;
	if (!http_json_only_keys(o, TOKEN_KEYS, rs) ||
	    !http_json_get_string(o, "expires_at", &expires, rs) ||
	    !http_json_get_string(o, "label", &label, rs)) {
		json_decref(o);
		return;
	}
	err_clear(&err);
	token = token_secretary_new(rq->store, id, expires, label, NULL,
	    &err);
	json_decref(o);
	if (token == NULL) {
		http_reply_err(rs, &err);
		return;
	}
	/* CONTRACT §6's body exactly; the list shows the rest. */
	http_reply_json(rs, 201, json_pack("{s:s, s:s, s:I}", "token", token,
	    "role", "secretary", "club_id", (json_int_t)id));
	free(token);
}

static void
h_tokens_list(struct request *rq, struct response *rs)
{
	struct token_info *v;
	struct club c;
	struct err err;
	json_t *items;
	int64_t id, after;
	size_t i, n;
	int limit;

	if (!http_param_id(rq, rs, 0, &id) || !http_page(rq, rs, &limit,
	    &after))
		return;
	err_clear(&err);
	if (club_read(rq->store, id, &c, &err) < 0 ||
	    token_secretary_list(rq->store, id, after, limit, &v, &n,
	    &err) < 0) {
		http_reply_err(rs, &err);
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, token_json(&v[i]));
	http_reply_json(rs, 200, http_json_page(items, (int)n == limit ?
	    v[n - 1].id : 0));
	free(v);
}

static void
h_tokens_revoke(struct request *rq, struct response *rs)
{
	struct err err;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id))
		return;
	err_clear(&err);
	if (token_secretary_revoke(rq->store, id, &err) < 0) {
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id,
	    "revoked", 1));
}

/* ==== members =========================================================== */
static const char *const MEMBER_KEYS[] = { "name", "email", "zip", "state",
	"phone", "preferred_channel", NULL };

static void
h_members_create(struct request *rq, struct response *rs)
{
	json_t *o = http_body_object(rq, rs, false);
	struct member_input in;
	struct member m;
	struct err err;

	if (o == NULL)
		return;
	member_input_init(&in);
	if (http_json_only_keys(o, MEMBER_KEYS, rs) &&
	    http_json_get_string(o, "name", &in.name, rs) &&
	    http_json_get_string(o, "email", &in.email, rs) &&
	    http_json_get_string(o, "zip", &in.zip, rs) &&
	    http_json_get_string(o, "state", &in.state, rs) &&
	    http_json_get_string(o, "phone", &in.phone, rs) &&
	    http_json_get_string(o, "preferred_channel", &in.preferred_channel,
	    rs)) {
		err_clear(&err);
		if (member_create(rq->svc, rq->store, &in, true, &m,
		    &err) < 0)
			http_reply_err(rs, &err);
		else
			http_reply_json(rs, 201, http_json_member(rq, &m));
	}
	json_decref(o);
}

static void
h_members_get(struct request *rq, struct response *rs)
{
	struct member m;
	struct err err;
	int64_t id;

	if (!http_param_id(rq, rs, 0, &id))
		return;
	err_clear(&err);
	if (member_get(rq->store, id, &m, &err) < 0)
		http_reply_err(rs, &err);
	else
		http_reply_json(rs, 200, http_json_member(rq, &m));
}

static int
add_member(const struct member *m, void *arg)
{
	struct list_ctx *l = arg;

	json_array_append_new(l->items, http_json_member(l->rq, m));
	l->last = m->id;
	l->count++;
	return 0;
}

static void
h_members_list(struct request *rq, struct response *rs)
{
	struct list_ctx l = { rq, NULL, 0, 0 };
	struct member_filter f;
	const char *club = http_query(rq, "club_id");
	const char *mode = http_query(rq, "mode");
	struct err err;

	memset(&f, 0, sizeof(f));
	if (!http_page(rq, rs, &f.limit, &f.after))
		return;
	if (club) {
		if (text_parse_int64(club, 1, INT64_MAX, &f.club_id) < 0) {
			http_reply_error(rs, 400, "bad_parameter", "club_id",
			    "club_id must be a club's id");
			return;
		}
	}
	if (mode) {
		f.mode = model_mode_parse(mode);
		if (f.mode == MODE_NONE) {
			http_reply_error(rs, 400, "bad_parameter", "mode",
			    "mode must be local, remote or unassigned");
			return;
		}
	}
	if (!http_member_statuses(rq, rs, &f))
		return;
	l.items = json_array();
	err_clear(&err);
	if (member_list(rq->store, &f, add_member, &l, &err) < 0) {
		json_decref(l.items);
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, http_json_page(l.items, l.count == f.limit ?
	    l.last : 0));
}

static void
h_match(struct request *rq, struct response *rs)
{
	json_t *o = http_body_object(rq, rs, true);
	struct match_counts n;
	struct err err;

	if (o == NULL)
		return;
	json_decref(o);
	err_clear(&err);
	if (member_match_all(rq->svc, rq->store, &n, NULL, NULL, &err) < 0) {
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, json_pack("{s:I, s:I, s:I, s:I}",
	    "assigned", (json_int_t)n.assigned, "local", (json_int_t)n.local,
	    "remote", (json_int_t)n.remote, "unassigned",
	    (json_int_t)n.unassigned));
}

static void
h_me(struct request *rq, struct response *rs)
{
	struct club c;
	struct err err;

	if (rq->role == ROLE_ADMIN) {
		http_reply_json(rs, 200, json_pack("{s:s, s:n, s:n, s:n}",
		    "role", "admin", "club_id", "club_name", "timezone"));
		return;
	}
	err_clear(&err);
	if (club_read(rq->store, rq->club_id, &c, &err) < 0) {
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, json_pack("{s:s, s:I, s:s, s:s}", "role",
	    "secretary", "club_id", (json_int_t)c.id, "club_name", c.name,
	    "timezone", c.place.timezone));
}

const struct route http_api_routes[] = {
	{ "GET", "/healthz", ACCESS_PUBLIC, h_healthz },
	{ "GET", "/api/v1/zip/{}", ACCESS_PUBLIC, h_zip },
	{ "POST", "/api/v1/clubs", ACCESS_ADMIN, h_clubs_create },
	{ "GET", "/api/v1/clubs", ACCESS_ADMIN, h_clubs_list },
	{ "GET", "/api/v1/clubs/{}", ACCESS_CLUB, h_clubs_get },
	{ "PATCH", "/api/v1/clubs/{}", ACCESS_ADMIN, h_clubs_patch },
	{ "DELETE", "/api/v1/clubs/{}", ACCESS_ADMIN, h_clubs_delete },
	{ "POST", "/api/v1/clubs/{}/tokens", ACCESS_ADMIN, h_tokens_create },
	{ "GET", "/api/v1/clubs/{}/tokens", ACCESS_ADMIN, h_tokens_list },
	{ "DELETE", "/api/v1/tokens/{}", ACCESS_ADMIN, h_tokens_revoke },
	{ "POST", "/api/v1/members", ACCESS_ADMIN, h_members_create },
	{ "GET", "/api/v1/members", ACCESS_ADMIN, h_members_list },
	{ "GET", "/api/v1/members/{}", ACCESS_ADMIN, h_members_get },
	{ "POST", "/api/v1/match", ACCESS_ADMIN, h_match },
	{ "GET", "/api/v1/me", ACCESS_ANY_TOKEN, h_me },
};
const size_t http_api_nroutes = sizeof(http_api_routes) /
    sizeof(http_api_routes[0]);
