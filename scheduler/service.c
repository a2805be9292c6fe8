/*
 * service.c - clubs, members and matching (CONTRACT.md §5, §6).
 */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo_db.h"
#include "ics_event.h"
#include "match.h"
#include "meeting.h"
#include "rand.h"
#include "service.h"
#include "xalloc.h"

/* The snapshot is rebuilt when clubs or meetings change (the store's
 * generation counter) and at least this often, because the activity
 * window moves with the clock. */
#define SNAPSHOT_MAX_AGE 600

/* A snapshot in use is kept alive by its reference count. */
struct snap_ref {
	struct match_snapshot *snap;
	int64_t gen;
	time_t built;
	int refs;
};

struct service {
	const struct config *cfg;
	const struct geo_db *geo;
	unsigned char key[32];		/* token key; set before serving */
	pthread_mutex_t lock;		/* guards current and its refs */
	struct snap_ref *current;
};

struct service *
service_new(const struct config *cfg, const struct geo_db *geo)
{
	struct service *svc = xcalloc(1, sizeof(*svc));

	svc->cfg = cfg;
	svc->geo = geo;
	pthread_mutex_init(&svc->lock, NULL);
	return svc;
}

static void
snap_unref_locked(struct snap_ref *r)
{
	if (r && --r->refs == 0) {
		match_snapshot_free(r->snap);
		free(r);
	}
}

void
service_free(struct service *svc)
{
	if (svc == NULL)
		return;
	snap_unref_locked(svc->current);
	pthread_mutex_destroy(&svc->lock);
	free(svc);
}

const struct geo_db *
service_geo(const struct service *svc)
{
	return svc->geo;
}

const struct config *
service_config(const struct service *svc)
{
	return svc->cfg;
}

int
service_load_key(struct service *svc, struct store *st, struct err *err)
{
	return store_secret(st, svc->key, err);
}

/* "<id>-<26 base32 chars of HMAC(key, kind:id)>". */
static void
derive_token(const struct service *svc, const char *kind, int64_t id,
    char *out, size_t size)
{
	char msg[64], mac[40];

	snprintf(msg, sizeof(msg), "%s:%lld", kind, (long long)id);
	rand_hmac_base32(svc->key, msg, mac, 32);
	snprintf(out, size, "%lld-%s", (long long)id, mac);
}

/* The id in a derived token of this kind, or -1 when it is not one. */
static int64_t
check_token(const struct service *svc, const char *kind, const char *token)
{
	char want[96], *end;
	long long id;

	if (token == NULL || strlen(token) > 60)
		return -1;
	id = strtoll(token, &end, 10);
	if (end == token || *end != '-' || id <= 0)
		return -1;
	derive_token(svc, kind, id, want, sizeof(want));
	return rand_equal_consttime(want, token) ? id : -1;
}

void
service_token(const struct service *svc, const char *kind, int64_t id,
    char *out, size_t size)
{
	derive_token(svc, kind, id, out, size);
}

int64_t
service_token_id(const struct service *svc, const char *kind,
    const char *token)
{
	return check_token(svc, kind, token);
}

void
service_feed_token(const struct service *svc, int64_t member_id, char *out,
    size_t size)
{
	derive_token(svc, "feed", member_id, out, size);
}

int64_t
service_feed_member(const struct service *svc, const char *token)
{
	return check_token(svc, "feed", token);
}

void
club_input_init(struct club_input *in)
{
	memset(in, 0, sizeof(*in));
	in->accepts_remote = -1;
	in->remote_capacity = -2;
}

void
member_input_init(struct member_input *in)
{
	memset(in, 0, sizeof(*in));
}

/* ==== validation ======================================================== */

/* Length of the UTF-8 sequence at s, or 0 when it is not valid UTF-8. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && s[0] == 0xe0 && s[1] < 0xa0)
		return 0;	/* overlong */
	if (n == 3 && s[0] == 0xed && s[1] >= 0xa0)
		return 0;	/* surrogate */
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

bool
service_text_is_clean(const char *s, size_t max, bool allow_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;

	if (len == 0 || len > max)
		return false;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f) {
			if (!(allow_newlines && (*p == '\n' || *p == '\t' ||
			    *p == '\r')))
				return false;
		}
		n = utf8_len(p);
		if (n == 0)
			return false;
		/* U+0080..U+009F are control characters too (NEL among
		 * them): mail headers refuse them, so names must not hold
		 * them. */
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			return false;
		p += n;
	}
	return true;
}

bool
service_email_is_valid(const char *email)
{
	const char *at = strchr(email, '@'), *p;
	size_t len = strlen(email);

	if (len < 3 || len > EMAIL_MAX_LEN || at == NULL || at == email ||
	    strchr(at + 1, '@') || at[1] == '\0')
		return false;
	for (p = email; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("<>\"(),;:\\[]", c))
			return false;
	}
	p = strchr(at + 1, '.');
	return p && p[1] != '\0' && p != at + 1 && email[len - 1] != '.';
}

static bool
is_blank(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* ==== the match snapshot ================================================ */

struct club_vec {
	struct club *v;
	size_t n, cap;
};

static int
collect_club(const struct club *c, void *arg)
{
	struct club_vec *cv = arg;

	if (cv->n == cv->cap) {
		cv->cap = cv->cap ? 2 * cv->cap : 64;
		cv->v = xreallocarray(cv->v, cv->cap, sizeof(*cv->v));
	}
	cv->v[cv->n++] = *c;
	return 0;
}

static int
cmp_club_id(const void *a, const void *b)
{
	const struct club *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

struct activity_ctx {
	const struct config *cfg;
	struct club *clubs;	/* sorted by id */
	size_t n;
	time_t from, to;
	struct meeting_ics mi;
};

static int
count_meeting(const struct meeting *m, void *arg)
{
	struct activity_ctx *a = arg;
	struct club key, *c;
	long n;

	key.id = m->club_id;
	c = bsearch(&key, a->clubs, a->n, sizeof(*a->clubs), cmp_club_id);
	if (c == NULL)
		return 0;
	meeting_to_ics(m, c, a->cfg, &a->mi);
	n = ics_count_occurrences(&a->mi.ev, a->from, a->to);
	if (n > 0)
		c->activity += n;
	return 0;
}

/* Activity (§5.3) of each club: its occurrences from 90 days ago to 30
 * days ahead, recurrences expanded.  Done once per snapshot, never per
 * member or per candidate. */
static int
fill_activity(const struct config *cfg, struct store *st, struct club *clubs,
    size_t n, time_t now, struct err *err)
{
	struct activity_ctx *a = xcalloc(1, sizeof(*a));
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		clubs[i].activity = 0;
	if (n == 0) {
		free(a);
		return 0;
	}
	a->cfg = cfg;
	a->clubs = clubs;
	a->n = n;
	a->from = now - 90L * 86400;
	a->to = now + 30L * 86400;
	rc = store_meeting_each(st, 0, false, count_meeting, a, err);
	free(a);
	return rc < 0 ? -1 : 0;
}

static struct snap_ref *
snapshot_build(const struct config *cfg, struct store *st, int64_t gen,
    time_t now, struct err *err)
{
	struct club_vec cv = { NULL, 0, 0 };
	struct snap_ref *r;

	if (store_club_each(st, 0, 0, true, collect_club, &cv, err) < 0 ||
	    fill_activity(cfg, st, cv.v, cv.n, now, err) < 0) {
		free(cv.v);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->snap = match_snapshot_new(cv.v, cv.n);
	r->gen = gen;
	r->built = now;
	r->refs = 1;
	free(cv.v);
	return r;
}

/* A reference to a snapshot that reflects what st sees now; release it
 * with snapshot_put().  Rebuilding happens under the lock so that
 * concurrent requests build it once. */
static struct snap_ref *
snapshot_get(struct service *svc, struct store *st, struct err *err)
{
	int64_t gen = store_generation(st);
	time_t now = time(NULL);
	struct snap_ref *r;

	pthread_mutex_lock(&svc->lock);
	r = svc->current;
	if (r == NULL || r->gen != gen || now - r->built > SNAPSHOT_MAX_AGE) {
		r = snapshot_build(svc->cfg, st, gen, now, err);
		if (r == NULL) {
			pthread_mutex_unlock(&svc->lock);
			return NULL;
		}
		snap_unref_locked(svc->current);
		svc->current = r;
	}
	r->refs++;
	pthread_mutex_unlock(&svc->lock);
	return r;
}

static void
snapshot_put(struct service *svc, struct snap_ref *r)
{
	pthread_mutex_lock(&svc->lock);
	snap_unref_locked(r);
	pthread_mutex_unlock(&svc->lock);
}

/* After a rolled-back change the snapshot may show what never happened. */
static void
snapshot_invalidate(struct service *svc)
{
	pthread_mutex_lock(&svc->lock);
	snap_unref_locked(svc->current);
	svc->current = NULL;
	pthread_mutex_unlock(&svc->lock);
}

static void
rollback(struct service *svc, struct store *st)
{
	store_rollback(st);
	snapshot_invalidate(svc);
}

/* ==== clubs ============================================================= */
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

/* The row of an input ZIP, or NULL with ERR_INVALID naming "zip". */
static const struct geo_zip *
zip_lookup(const struct service *svc, const char *zip, struct err *err)
{
	const struct geo_zip *z;

	if (!geo_zip_is_wellformed(zip)) {
		err_set_field(err, ERR_INVALID, "zip",
		    "zip must be a 5-digit US ZIP code");
		return NULL;
	}
	z = geo_db_lookup(svc->geo, zip);
	if (z == NULL)
		err_set_field(err, ERR_INVALID, "zip", "unknown ZIP code '%s'",
		    zip);
	return z;
}

/* Applies the given fields of in to c, validating each. */
static int
club_apply(struct service *svc, struct club *c, const struct club_input *in,
    struct err *err)
{
	const struct geo_zip *z;

	if (in->name) {
		if (!service_text_is_clean(in->name, NAME_MAX_LEN, false))
			return err_set_field(err, ERR_INVALID, "name",
			    "name must be 1 to %d bytes of UTF-8 text without "
			    "control characters", NAME_MAX_LEN);
		snprintf(c->name, sizeof(c->name), "%s", in->name);
		make_slug(c->name, c->slug, sizeof(c->slug));
	}
	if (in->zip) {
		z = zip_lookup(svc, in->zip, err);
		if (z == NULL)
			return -1;
		snprintf(c->zip, sizeof(c->zip), "%s", z->zip);
		snprintf(c->city, sizeof(c->city), "%s", z->city);
		snprintf(c->state, sizeof(c->state), "%s", z->state);
		snprintf(c->county, sizeof(c->county), "%s", z->county);
		snprintf(c->timezone, sizeof(c->timezone), "%s", z->timezone);
		c->lat = z->pt.lat;
		c->lon = z->pt.lon;
	}
	if (in->secretary_email) {
		if (!service_email_is_valid(in->secretary_email))
			return err_set_field(err, ERR_INVALID,
			    "secretary_email", "secretary_email is not a "
			    "valid e-mail address");
		snprintf(c->secretary_email, sizeof(c->secretary_email), "%s",
		    in->secretary_email);
	}
	if (in->secretary_name) {
		if (in->secretary_name[0] &&
		    !service_text_is_clean(in->secretary_name, NAME_MAX_LEN,
		    false))
			return err_set_field(err, ERR_INVALID,
			    "secretary_name", "secretary_name must be text "
			    "without control characters, at most %d bytes",
			    NAME_MAX_LEN);
		snprintf(c->secretary_name, sizeof(c->secretary_name), "%s",
		    in->secretary_name);
	}
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
service_club_create(struct service *svc, struct store *st,
    const struct club_input *in, struct club *out, struct err *err)
{
	struct club c;

	memset(&c, 0, sizeof(c));
	c.accepts_remote = true;
	c.remote_capacity = -1;
	if (is_blank(in->name))
		return err_set_field(err, ERR_INVALID, "name",
		    "name is required");
	if (is_blank(in->zip))
		return err_set_field(err, ERR_INVALID, "zip",
		    "zip is required");
	if (is_blank(in->secretary_email))
		return err_set_field(err, ERR_INVALID, "secretary_email",
		    "secretary_email is required");
	if (club_apply(svc, &c, in, err) < 0)
		return -1;
	if (store_begin(st, err) < 0)
		return -1;
	if (store_club_insert(st, &c, err) < 0 ||
	    store_commit(st, err) < 0) {
		rollback(svc, st);
		return -1;
	}
	*out = c;
	return 0;
}

int
service_club_get(struct service *svc, struct store *st, int64_t id,
    struct club *out, struct err *err)
{
	if (store_club_get(st, id, out, err) < 0)
		return -1;
	service_clubs_activity(svc, st, out, 1);
	return 0;
}

void
service_clubs_activity(struct service *svc, struct store *st,
    struct club *clubs, size_t n)
{
	struct snap_ref *r = snapshot_get(svc, st, NULL);
	const struct club *c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = r ? match_snapshot_club(r->snap, clubs[i].id) : NULL;
		clubs[i].activity = c ? c->activity : 0;
	}
	if (r)
		snapshot_put(svc, r);
}

/* ==== matching ========================================================== */
static void
member_where(const struct member *m, struct match_where *w)
{
	memset(w, 0, sizeof(*w));
	w->has_point = m->zip[0] != '\0';
	w->lat = m->lat;
	w->lon = m->lon;
	snprintf(w->state, sizeof(w->state), "%s", m->state);
}

/* Room check for one member at a time: asks the database, inside the
 * caller's write transaction, so concurrent requests cannot overfill a
 * club. */
static bool
room_in_store(int64_t club_id, void *arg)
{
	int64_t members, capacity;

	if (!store_club_room(arg, club_id, &members, &capacity))
		return false;
	return capacity < 0 || members < capacity;
}

/* Room check for a batch: places left per club, indexed by club id
 * (ids are dense row ids), so the check in the inner loop is one load. */
struct room_table {
	int64_t *left;		/* INT64_MAX: no limit; 0 for unknown ids */
	int64_t n;		/* entries: the largest id + 1 */
};

static bool
room_in_table(int64_t club_id, void *arg)
{
	const struct room_table *t = arg;

	return club_id > 0 && club_id < t->n && t->left[club_id] > 0;
}

/* Fills the table from the database: remote_members is kept by
 * triggers, the capacity lives in the club row. */
static int
room_table_load(struct store *st, struct room_table *t, struct err *err)
{
	struct club_vec cv = { NULL, 0, 0 };
	size_t i;

	if (store_club_each(st, 0, 0, true, collect_club, &cv, err) < 0)
		return -1;
	t->n = cv.n ? cv.v[cv.n - 1].id + 1 : 1;	/* sorted by id */
	t->left = xcalloc((size_t)t->n, sizeof(*t->left));
	for (i = 0; i < cv.n; i++)
		t->left[cv.v[i].id] = cv.v[i].remote_capacity < 0 ? INT64_MAX :
		    cv.v[i].remote_capacity - cv.v[i].remote_members;
	free(cv.v);
	return 0;
}

/* A member waiting for a batch match: only what matching needs, so that
 * 100,000 of them fit in a few megabytes. */
struct pending {
	int64_t id;
	struct match_where where;
};

struct member_vec {
	struct pending *v;
	size_t n, cap;
};

static int
collect_spot(const struct member_spot *m, void *arg)
{
	struct member_vec *mv = arg;
	struct pending *p;

	if (mv->n == mv->cap) {
		mv->cap = mv->cap ? 2 * mv->cap : 256;
		mv->v = xreallocarray(mv->v, mv->cap, sizeof(*mv->v));
	}
	p = &mv->v[mv->n++];
	memset(p, 0, sizeof(*p));
	p->id = m->id;
	p->where.has_point = m->has_zip;
	p->where.lat = m->lat;
	p->where.lon = m->lon;
	memcpy(p->where.state, m->state, sizeof(p->where.state));
	return 0;
}

/* Matches members mv (already loaded) against snapshot r, keeping the
 * remote capacity in a table; writes each assignment.  Inside the
 * caller's transaction. */
static int
match_members(struct service *svc, struct store *st,
    const struct snap_ref *r, struct member_vec *mv,
    struct match_counts *counts, void (*progress)(size_t, size_t, void *),
    void *arg, struct err *err)
{
	struct invite_plan *plan;
	struct room_table room;
	size_t i;
	int rc = -1;

	plan = meeting_plan_new(svc, st, 0, err);
	if (plan == NULL)
		return -1;
	if (room_table_load(st, &room, err) < 0) {
		meeting_plan_free(plan);
		return -1;
	}
	for (i = 0; i < mv->n; i++) {
		const struct pending *m = &mv->v[i];
		struct assignment a;

		match_one(r->snap, &m->where, room_in_table, &room, &a);
		if (a.mode == MODE_REMOTE)
			room.left[a.club_id]--;
		if (store_member_set_assignment(st, m->id, &a, err) < 0)
			goto out_free;
		if (a.mode == MODE_REMOTE && meeting_plan_invite(plan, st,
		    m->id, a.club_id, err) < 0)
			goto out_free;
		switch (a.mode) {
		case MODE_LOCAL:
			counts->local++;
			counts->assigned++;
			break;
		case MODE_REMOTE:
			counts->remote++;
			counts->assigned++;
			break;
		default:
			counts->unassigned++;
			break;
		}
		if (progress && (i % 1024 == 0 || i + 1 == mv->n))
			progress(i + 1, mv->n, arg);
	}
	rc = 0;
out_free:
	free(room.left);
	meeting_plan_free(plan);
	return rc;
}

int
service_match_all(struct service *svc, struct store *st,
    struct match_counts *counts,
    void (*progress)(size_t done, size_t total, void *arg), void *arg,
    struct err *err)
{
	struct member_vec mv = { NULL, 0, 0 };
	struct snap_ref *r = NULL;

	memset(counts, 0, sizeof(*counts));
	if (store_begin(st, err) < 0)
		return -1;
	if (store_member_spots(st, 0, collect_spot, &mv, err) < 0)
		goto out_rollback;
	r = snapshot_get(svc, st, err);
	if (r == NULL)
		goto out_rollback;
	if (match_members(svc, st, r, &mv, counts, progress, arg,
	    err) < 0)
		goto out_rollback;
	if (store_commit(st, err) < 0)
		goto out_rollback;
	snapshot_put(svc, r);
	free(mv.v);
	return 0;
out_rollback:
	if (r)
		snapshot_put(svc, r);
	rollback(svc, st);
	free(mv.v);
	return -1;
}

/* ==== members =========================================================== */
static int
member_validate(struct service *svc, const struct member_input *in,
    struct member *m, struct err *err)
{
	const struct geo_zip *z;

	if (is_blank(in->name) ||
	    !service_text_is_clean(in->name, NAME_MAX_LEN, false))
		return err_set_field(err, ERR_INVALID, "name", "name must be "
		    "1 to %d bytes of UTF-8 text without control characters",
		    NAME_MAX_LEN);
	snprintf(m->name, sizeof(m->name), "%s", in->name);
	if (is_blank(in->email) || !service_email_is_valid(in->email))
		return err_set_field(err, ERR_INVALID, "email",
		    "email must be a valid e-mail address");
	snprintf(m->email, sizeof(m->email), "%s", in->email);
	if (!is_blank(in->state)) {
		char up[3];

		if (strlen(in->state) != 2)
			return err_set_field(err, ERR_INVALID, "state",
			    "state must be a 2-letter US state code");
		up[0] = (char)toupper((unsigned char)in->state[0]);
		up[1] = (char)toupper((unsigned char)in->state[1]);
		up[2] = '\0';
		if (!geo_state_is_valid(up))
			return err_set_field(err, ERR_INVALID, "state",
			    "unknown US state code '%s'", in->state);
		memcpy(m->state, up, 3);
		snprintf(m->timezone, sizeof(m->timezone), "%s",
		    geo_state_timezone(svc->geo, up) ?
		    geo_state_timezone(svc->geo, up) : "");
	}
	if (!is_blank(in->zip)) {
		z = zip_lookup(svc, in->zip, err);
		if (z == NULL)
			return -1;
		/* The ZIP decides the state: a contradicting state field
		 * would only mislead the matching. */
		snprintf(m->zip, sizeof(m->zip), "%s", z->zip);
		snprintf(m->city, sizeof(m->city), "%s", z->city);
		snprintf(m->state, sizeof(m->state), "%s", z->state);
		snprintf(m->timezone, sizeof(m->timezone), "%s", z->timezone);
		m->lat = z->pt.lat;
		m->lon = z->pt.lon;
	} else if (!m->state[0]) {
		return err_set_field(err, ERR_INVALID, "zip",
		    "zip or state is required");
	}
	if (!is_blank(in->phone)) {
		const char *p;

		if (strlen(in->phone) >= sizeof(m->phone))
			return err_set_field(err, ERR_INVALID, "phone",
			    "phone is too long");
		for (p = in->phone; *p; p++)
			if (!isdigit((unsigned char)*p) &&
			    !strchr("+-() .", *p))
				return err_set_field(err, ERR_INVALID,
				    "phone", "phone may hold digits, spaces "
				    "and + - ( ) . only");
		snprintf(m->phone, sizeof(m->phone), "%s", in->phone);
	}
	if (!is_blank(in->preferred_channel)) {
		if (strcmp(in->preferred_channel, "email") != 0 &&
		    strcmp(in->preferred_channel, "phone") != 0 &&
		    strcmp(in->preferred_channel, "sms") != 0)
			return err_set_field(err, ERR_INVALID,
			    "preferred_channel", "preferred_channel must be "
			    "email, phone or sms");
		snprintf(m->preferred_channel, sizeof(m->preferred_channel),
		    "%s", in->preferred_channel);
	}
	return 0;
}

int
service_member_create(struct service *svc, struct store *st,
    const struct member_input *in, bool match, struct member *out,
    struct err *err)
{
	struct member m;
	struct snap_ref *r = NULL;

	memset(&m, 0, sizeof(m));
	m.assignment.distance_miles = -1;
	if (member_validate(svc, in, &m, err) < 0)
		return -1;
	if (store_begin(st, err) < 0)
		return -1;
	if (match) {
		struct match_where w;

		r = snapshot_get(svc, st, err);
		if (r == NULL)
			goto out_rollback;
		member_where(&m, &w);
		match_one(r->snap, &w, room_in_store, st, &m.assignment);
	}
	if (store_member_insert(st, &m, err) < 0)
		goto out_rollback;
	if (m.assignment.mode == MODE_REMOTE) {
		struct invite_plan *plan = meeting_plan_new(svc, st,
		    m.assignment.club_id, err);

		if (plan == NULL || meeting_plan_invite(plan, st, m.id,
		    m.assignment.club_id, err) < 0) {
			meeting_plan_free(plan);
			goto out_rollback;
		}
		meeting_plan_free(plan);
	}
	if (store_commit(st, err) < 0)
		goto out_rollback;
	if (r)
		snapshot_put(svc, r);
	*out = m;
	return 0;
out_rollback:
	if (r)
		snapshot_put(svc, r);
	store_rollback(st);
	return -1;
}

/* ==== club changes that move members ==================================== */
int
service_club_update(struct service *svc, struct store *st, int64_t id,
    const struct club_input *in, struct club *out, struct err *err)
{
	struct club c;

	if (store_club_get(st, id, &c, err) < 0)
		return -1;
	if (!c.active)
		return err_set(err, ERR_NOT_FOUND, "club %lld was deleted",
		    (long long)id);
	if (club_apply(svc, &c, in, err) < 0)
		return -1;
	if (store_begin(st, err) < 0)
		return -1;
	if (store_club_update(st, &c, err) < 0 || store_commit(st, err) < 0) {
		rollback(svc, st);
		return -1;
	}
	return service_club_get(svc, st, id, out, err);
}

int
service_club_delete(struct service *svc, struct store *st, int64_t id,
    struct err *err)
{
	struct member_vec mv = { NULL, 0, 0 };
	struct match_counts counts;
	struct snap_ref *r = NULL;
	struct club c;

	memset(&counts, 0, sizeof(counts));
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
	    store_member_spots(st, id, collect_spot, &mv, err) < 0 ||
	    store_uninvite_club(st, id, err) < 0 ||
	    store_member_unassign_club(st, id, err) < 0)
		goto out_rollback;
	r = snapshot_get(svc, st, err);
	if (r == NULL ||
	    match_members(svc, st, r, &mv, &counts, NULL, NULL, err) < 0 ||
	    store_commit(st, err) < 0)
		goto out_rollback;
	snapshot_put(svc, r);
	free(mv.v);
	return 0;
out_rollback:
	if (r)
		snapshot_put(svc, r);
	rollback(svc, st);
	free(mv.v);
	return -1;
}
