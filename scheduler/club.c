/*
 * club.c - clubs (docs/api.md, "Clubs").
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "assign.h"
#include "club.h"
#include "match.h"
#include "store.h"
#include "text.h"

void
club_input_init(struct club_input *in)
{
	memset(in, 0, sizeof(*in));
	in->accepts_remote = -1;
	in->remote_capacity = -2;
}

/* The readable part of the club's video room names. */
static void
make_slug(const char *name, char *out, size_t size)
{
	size_t n = 0;
	bool dash = false;

	for (; *name && n + 2 < size && n < 40; name++) {
		unsigned char c = (unsigned char)*name;

		if (isalnum(c) && c < 0x80) {
			if (dash && n > 0)
				out[n++] = '-';
			out[n++] = (char)tolower(c);
			dash = false;
		} else {
			dash = true;
		}
	}
	if (n == 0)
		n = (size_t)snprintf(out, size, "club");
	out[n] = '\0';
}

static int
apply_secretary(struct club *c, const struct club_input *in,
    struct err *err)
{
	if (in->secretary_email) {
		if (!text_email_is_valid(in->secretary_email))
			return err_set_field(err, ERR_INVALID,
			    "secretary_email", "secretary_email is not a "
			    "valid e-mail address");
		snprintf(c->secretary_email, sizeof(c->secretary_email), "%s",
		    in->secretary_email);
	}
	if (in->secretary_name) {
		if (in->secretary_name[0] &&
		    !text_is_clean(in->secretary_name, NAME_MAX_LEN, false))
			return err_set_field(err, ERR_INVALID,
			    "secretary_name", "secretary_name must be text "
			    "without control characters, at most %d bytes",
			    NAME_MAX_LEN);
		snprintf(c->secretary_name, sizeof(c->secretary_name), "%s",
		    in->secretary_name);
	}
	return 0;
}

/* Applies the given fields of in to c, validating each. */
static int
club_apply(struct service *svc, struct club *c, const struct club_input *in,
    struct err *err)
{
	if (in->name) {
		if (!text_is_clean(in->name, NAME_MAX_LEN, false))
			return err_set_field(err, ERR_INVALID, "name",
			    "name must be 1 to %d bytes of UTF-8 text without "
			    "control characters", NAME_MAX_LEN);
		snprintf(c->name, sizeof(c->name), "%s", in->name);
		make_slug(c->name, c->slug, sizeof(c->slug));
	}
	if (in->zip && service_zip_place(svc, in->zip, &c->place, err) < 0)
		return -1;
	if (apply_secretary(c, in, err) < 0)
		return -1;
	if (in->accepts_remote >= 0)
		c->accepts_remote = in->accepts_remote != 0;
	if (in->remote_capacity != -2) {
		if (in->remote_capacity < -1 || in->remote_capacity > 1000000)
			return err_set_field(err, ERR_INVALID,
			    "remote_capacity", "remote_capacity must be null "
			    "or a number from 0 to 1000000");
		c->remote_capacity = in->remote_capacity;
	}
	return 0;
}

int
club_create(struct service *svc, struct store *st,
    const struct club_input *in, struct club *out, struct err *err)
{
	struct club c;

	memset(&c, 0, sizeof(c));
	c.accepts_remote = true;
	c.remote_capacity = -1;
	if (text_is_blank(in->name))
		return err_set_field(err, ERR_INVALID, "name",
		    "name is required");
	if (text_is_blank(in->zip))
		return err_set_field(err, ERR_INVALID, "zip",
		    "zip is required");
	if (text_is_blank(in->secretary_email))
		return err_set_field(err, ERR_INVALID, "secretary_email",
		    "secretary_email is required");
	if (club_apply(svc, &c, in, err) < 0)
		return -1;
	if (store_begin(st, err) < 0)
		return -1;
	if (store_club_insert(st, &c, err) < 0 ||
	    store_commit(st, err) < 0) {
		service_rollback(svc, st);
		return -1;
	}
	*out = c;
	return 0;
}

int
club_stored(struct store *st, const struct club_input *in, int64_t *id,
    struct err *err)
{
	struct club c;
	struct err nf;
	bool same;

	if (text_is_blank(in->name) || text_is_blank(in->zip))
		return 0;
	err_clear(&nf);
	if (store_club_find(st, in->name, in->zip, &c, &nf) < 0) {
		if (nf.code == ERR_NOT_FOUND)
			return 0;
		*err = nf;
		return -1;
	}
	*id = c.id;
	same = strcasecmp(c.secretary_email, in->secretary_email ?
	    in->secretary_email : "") == 0 &&
	    strcmp(c.secretary_name, in->secretary_name ?
	    in->secretary_name : "") == 0 &&
	    c.accepts_remote == (in->accepts_remote != 0) &&
	    c.remote_capacity == (in->remote_capacity == -2 ? -1 :
	    in->remote_capacity);
	return same ? 1 : 2;
}

/* Fills the activity of clubs[0..n) from one look at the current
 * snapshot (0 for inactive or unknown clubs). */
static void
fill_activity(struct service *svc, struct store *st, struct club *clubs,
    size_t n)
{
	struct err ignored;	/* no snapshot: the activity reads 0 */
	struct snapshot_ref *r;
	const struct club *c;
	size_t i;

	err_clear(&ignored);
	r = service_snapshot_get(svc, st, &ignored);

	for (i = 0; i < n; i++) {
		c = r ? match_snapshot_club(service_snapshot(r), clubs[i].id) :
		    NULL;
		clubs[i].activity = c ? c->activity : 0;
	}
	service_snapshot_put(svc, r);
}

int
club_read(struct store *st, int64_t id, struct club *out, struct err *err)
{
	return store_club_get(st, id, out, err);
}

int
club_get(struct service *svc, struct store *st, int64_t id,
    struct club *out, struct err *err)
{
	if (club_read(st, id, out, err) < 0)
		return -1;
	fill_activity(svc, st, out, 1);
	return 0;
}

int
club_list(struct service *svc, struct store *st, int64_t after, int limit,
    struct club **out, size_t *n, struct err *err)
{
	/* Read the page first: the activity comes from the match snapshot,
	 * whose rebuild reads the clubs table again. */
	if (store_club_list(st, after, limit, false, out, n, err) < 0)
		return -1;
	fill_activity(svc, st, *out, *n);
	return 0;
}

int
club_update(struct service *svc, struct store *st, int64_t id,
    const struct club_input *in, struct club *out, struct err *err)
{
	struct club c;

	if (store_begin(st, err) < 0)
		return -1;
	/* Read inside the transaction: two PATCHes cannot lose one. */
	if (store_club_get(st, id, &c, err) < 0)
		goto out_rollback;
	if (!c.active) {
		err_set(err, ERR_NOT_FOUND, "club %lld was deleted",
		    (long long)id);
		goto out_rollback;
	}
	if (club_apply(svc, &c, in, err) < 0 ||
	    store_club_update(st, &c, err) < 0 ||
	    store_commit(st, err) < 0)
		goto out_rollback;
	return club_get(svc, st, id, out, err);
out_rollback:
	service_rollback(svc, st);
	return -1;
}

int
club_delete(struct service *svc, struct store *st, int64_t id,
    struct err *err)
{
	struct club c;

	if (store_begin(st, err) < 0)
		return -1;
	if (store_club_get(st, id, &c, err) < 0)
		goto out_rollback;
	if (!c.active) {
		err_set(err, ERR_NOT_FOUND, "club %lld was already deleted",
		    (long long)id);
		goto out_rollback;
	}
	c.active = false;
	if (store_club_update(st, &c, err) < 0 ||
	    assign_rehome_club(svc, st, id, err) < 0 ||
	    store_commit(st, err) < 0)
		goto out_rollback;
	return 0;
out_rollback:
	service_rollback(svc, st);
	return -1;
}
