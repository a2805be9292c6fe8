/*
 * service.c - the shared context of the domain: configuration, ZIP
 * table, token key and the match snapshot cache (docs/matching.md,
 * "The snapshot and the k-d tree").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo_db.h"
#include "ics_event.h"
#include "match.h"
#include "meeting.h"
#include "service.h"
#include "store.h"
#include "xalloc.h"

/* The snapshot is rebuilt when clubs or meetings change (the store's
 * generation counter) and at least this often, because the activity
 * window moves with the clock. */
#define SNAPSHOT_MAX_AGE 600

/* A snapshot in use is kept alive by its reference count. */
struct snapshot_ref {
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
	struct snapshot_ref *current;
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
unref_locked(struct snapshot_ref *r)
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
	unref_locked(svc->current);
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

struct store *
service_store_open(const struct service *svc, struct err *err)
{
	return store_open(svc->cfg->db, err);
}

void
service_store_close(struct store *st)
{
	store_close(st);
}

int
service_load_key(struct service *svc, struct store *st, struct err *err)
{
	return store_secret(st, svc->key, err);
}

const unsigned char *
service_key(const struct service *svc)
{
	return svc->key;
}

int
service_zip_place(const struct service *svc, const char *zip,
    struct place *out, struct err *err)
{
	const struct geo_zip *z;

	if (!geo_zip_is_wellformed(zip))
		return err_set_field(err, ERR_INVALID, "zip",
		    "zip must be a 5-digit US ZIP code");
	z = geo_db_lookup(svc->geo, zip);
	if (z == NULL)
		return err_set_field(err, ERR_INVALID, "zip",
		    "unknown ZIP code '%s'", zip);
	memset(out, 0, sizeof(*out));
	snprintf(out->zip, sizeof(out->zip), "%s", z->zip);
	snprintf(out->city, sizeof(out->city), "%s", z->city);
	snprintf(out->state, sizeof(out->state), "%s", z->state);
	snprintf(out->county, sizeof(out->county), "%s", z->county);
	snprintf(out->timezone, sizeof(out->timezone), "%s", z->timezone);
	out->lat = z->pt.lat;
	out->lon = z->pt.lon;
	return 0;
}

/* ==== the match snapshot ================================================ */

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

/* Activity (docs/matching.md, "Activity") of each club: its occurrences
 * from 90 days ago to 30 days ahead, recurrences expanded.  Done once per
 * snapshot, never per member or per candidate. */
static int
fill_activity(const struct config *cfg, struct store *st, struct club *clubs,
    size_t n, time_t now, struct err *err)
{
	struct activity_ctx *a;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		clubs[i].activity = 0;
	if (n == 0)
		return 0;
	a = xcalloc(1, sizeof(*a));
	a->cfg = cfg;
	a->clubs = clubs;
	a->n = n;
	a->from = now - 90L * 86400;
	a->to = now + 30L * 86400;
	rc = store_meeting_each(st, 0, false, count_meeting, a, err);
	free(a);
	return rc < 0 ? -1 : 0;
}

static struct snapshot_ref *
snapshot_build(const struct config *cfg, struct store *st, int64_t gen,
    time_t now, struct err *err)
{
	struct snapshot_ref *r;
	struct club *clubs;
	size_t n;

	if (store_club_all(st, true, &clubs, &n, err) < 0)
		return NULL;
	if (fill_activity(cfg, st, clubs, n, now, err) < 0) {
		free(clubs);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->snap = match_snapshot_new(clubs, n);
	r->gen = gen;
	r->built = now;
	r->refs = 1;
	free(clubs);
	return r;
}

/* Rebuilding happens under the lock so that concurrent requests build it
 * once. */
struct snapshot_ref *
service_snapshot_get(struct service *svc, struct store *st, struct err *err)
{
	int64_t gen = store_generation(st);
	time_t now = time(NULL);
	struct snapshot_ref *r;

	pthread_mutex_lock(&svc->lock);
	r = svc->current;
	if (r == NULL || r->gen != gen || now - r->built > SNAPSHOT_MAX_AGE) {
		r = snapshot_build(svc->cfg, st, gen, now, err);
		if (r == NULL) {
			pthread_mutex_unlock(&svc->lock);
			return NULL;
		}
		unref_locked(svc->current);
		svc->current = r;
	}
	r->refs++;
	pthread_mutex_unlock(&svc->lock);
	return r;
}

const struct match_snapshot *
service_snapshot(const struct snapshot_ref *r)
{
	return r->snap;
}

void
service_snapshot_put(struct service *svc, struct snapshot_ref *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&svc->lock);
	unref_locked(r);
	pthread_mutex_unlock(&svc->lock);
}

void
service_rollback(struct service *svc, struct store *st)
{
	store_rollback(st);
	pthread_mutex_lock(&svc->lock);
	unref_locked(svc->current);
	svc->current = NULL;
	pthread_mutex_unlock(&svc->lock);
}
