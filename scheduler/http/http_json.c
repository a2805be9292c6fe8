/*
 * http_json.c - reading request fields and writing records as JSON
 * (docs/api.md, "Records").
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "http_int.h"
#include "token.h"

bool
http_json_get_string(json_t *o, const char *key, const char **out,
    struct response *rs)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		http_reply_error(rs, 422, "invalid_value", key,
		    "%s must be a string", key);
		return false;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		http_reply_error(rs, 422, "invalid_value", key,
		    "%s must not contain NUL characters", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

bool
http_json_get_bool(json_t *o, const char *key, int *out, struct response *rs)
{
	json_t *v = json_object_get(o, key);

	*out = -1;
	if (v == NULL)
		return true;
	if (!json_is_boolean(v)) {
		http_reply_error(rs, 422, "invalid_value", key,
		    "%s must be true or false", key);
		return false;
	}
	*out = json_is_true(v);
	return true;
}

bool
http_json_get_int(json_t *o, const char *key, int64_t *out,
    int64_t absent_value, int64_t null_value, struct response *rs)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		*out = absent_value;
		return true;
	}
	if (json_is_null(v)) {
		*out = null_value;
		return true;
	}
	if (!json_is_integer(v)) {
		http_reply_error(rs, 422, "invalid_value", key,
		    "%s must be a whole number", key);
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

bool
http_json_only_keys(json_t *o, const char *const *keys, struct response *rs)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		bool known = false;

		for (i = 0; keys[i]; i++)
			if (strcmp(keys[i], key) == 0)
				known = true;
		if (!known) {
			http_reply_error(rs, 422, "unknown_field", key,
			    "unknown field '%s'", key);
			return false;
		}
	}
	return true;
}

bool
http_json_no_null(json_t *o, const char *const *keys, struct response *rs)
{
	size_t i;

	for (i = 0; keys[i]; i++) {
		if (json_is_null(json_object_get(o, keys[i]))) {
			http_reply_error(rs, 422, "invalid_value", keys[i],
			    "%s cannot be null", keys[i]);
			return false;
		}
	}
	return true;
}

static json_t *
str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

/* Miles with one decimal, as the contract reports them. */
static json_t *
miles_or_null(double miles)
{
	return miles < 0 ? json_null() : json_real(round(miles * 10) / 10);
}

json_t *
http_json_club(const struct club *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(c->id));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "zip", json_string(c->place.zip));
	json_object_set_new(o, "city", json_string(c->place.city));
	json_object_set_new(o, "state", json_string(c->place.state));
	json_object_set_new(o, "county", json_string(c->place.county));
	json_object_set_new(o, "lat", json_real(c->place.lat));
	json_object_set_new(o, "lon", json_real(c->place.lon));
	json_object_set_new(o, "timezone", json_string(c->place.timezone));
	json_object_set_new(o, "secretary_email",
	    json_string(c->secretary_email));
	json_object_set_new(o, "secretary_name",
	    str_or_null(c->secretary_name));
	json_object_set_new(o, "accepts_remote",
	    json_boolean(c->accepts_remote));
	json_object_set_new(o, "remote_capacity", c->remote_capacity < 0 ?
	    json_null() : json_integer(c->remote_capacity));
	json_object_set_new(o, "remote_members",
	    json_integer(c->remote_members));
	json_object_set_new(o, "activity", json_integer(c->activity));
	json_object_set_new(o, "active", json_boolean(c->active));
	return o;
}

json_t *
http_json_assignment(const struct assignment *a)
{
	json_t *o = json_object();
	const char *reason = a->reason;

	if (a->mode == MODE_NONE)
		reason = "not matched yet: run 'clubmatch match' or POST "
		    "/api/v1/match";
	json_object_set_new(o, "club_id", a->club_id > 0 ?
	    json_integer(a->club_id) : json_null());
	json_object_set_new(o, "club_name", a->club_id > 0 ?
	    json_string(a->club_name) : json_null());
	json_object_set_new(o, "distance_miles", a->club_id > 0 ?
	    miles_or_null(a->distance_miles) : json_null());
	json_object_set_new(o, "mode", json_string(model_mode_name(a->mode)));
	json_object_set_new(o, "reason", json_string(reason));
	return o;
}

json_t *
http_json_member(struct request *rq, const struct member *m)
{
	json_t *o = json_object();
	char url[512];

	bool blanked = strcmp(m->removed_reason, "prank") == 0;

	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "name", json_string(m->name));
	/* A prank's address is gone; only its hash is kept. */
	json_object_set_new(o, "email", json_string(blanked ? "" : m->email));
	json_object_set_new(o, "zip", str_or_null(m->place.zip));
	json_object_set_new(o, "city", str_or_null(m->place.city));
	json_object_set_new(o, "state", str_or_null(m->place.state));
	json_object_set_new(o, "timezone", str_or_null(m->place.timezone));
	json_object_set_new(o, "phone", str_or_null(m->phone));
	json_object_set_new(o, "preferred_channel",
	    str_or_null(m->preferred_channel));
	json_object_set_new(o, "unsubscribed", json_boolean(m->unsubscribed));
	json_object_set_new(o, "status", json_string(m->status));
	json_object_set_new(o, "removed_reason", str_or_null(m->removed_reason));
	json_object_set_new(o, "email_status", json_string(m->email_status));
	json_object_set_new(o, "phone_status", json_string(m->phone_status));
	json_object_set_new(o, "assignment", http_json_assignment(&m->assignment));
	token_link_url(rq->svc, "/feeds/", "feed", m->id, ".ics", url,
	    sizeof(url));
	json_object_set_new(o, "feed_url", json_string(url));
	return o;
}

json_t *
http_json_page(json_t *items, int64_t next)
{
	json_t *o = json_object();
	char cursor[32];

	json_object_set_new(o, "items", items);
	if (next > 0) {
		snprintf(cursor, sizeof(cursor), "%lld", (long long)next);
		json_object_set_new(o, "next", json_string(cursor));
	} else {
		json_object_set_new(o, "next", json_null());
	}
	return o;
}
