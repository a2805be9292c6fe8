/*
 * service.h - the domain operations behind the HTTP API and the CLI.
 *
 * Each operation validates its input, then makes its change in one store
 * transaction (so a refused operation changes nothing), and reports bad
 * input as ERR_INVALID with err->field naming the input field.
 *
 * A struct service is shared by every thread: it holds the read-only
 * configuration and ZIP table, and the cached match snapshot behind a
 * read-write lock.  The struct store passed to each call belongs to the
 * calling thread.
 */
#ifndef CLUBMATCH_SERVICE_H
#define CLUBMATCH_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "geo_db.h"
#include "model.h"
#include "store.h"

struct service;

/* cfg and geo are borrowed and must outlive the service. */
struct service *service_new(const struct config *cfg,
    const struct geo_db *geo);
void service_free(struct service *svc);	/* NULL ok */
const struct geo_db *service_geo(const struct service *svc);
const struct config *service_config(const struct service *svc);

/* Loads (creating on first use) the key that feed and RSVP tokens are
 * derived from.  Call once before serving. */
int service_load_key(struct service *svc, struct store *st,
    struct err *err);
/* A token for (kind, id): "<id>-<HMAC(key, kind:id)>", 160 bits nobody
 * without the key can forge.  Kinds: "feed" (member), "rsvp"
 * (invitation), "unsub" (member).  Shown in links, never stored. */
void service_token(const struct service *svc, const char *kind, int64_t id,
    char *out, size_t size);
/* The id a genuine token of this kind names, or -1. */
int64_t service_token_id(const struct service *svc, const char *kind,
    const char *token);
/* The feed token of a member: "<id>-<HMAC>", 160 bits nobody without the
 * key can forge; shown in feed_url and e-mails, never stored. */
void service_feed_token(const struct service *svc, int64_t member_id,
    char *out, size_t size);
/* The member a feed token belongs to, or -1 when it is not genuine. */
int64_t service_feed_member(const struct service *svc, const char *token);

/* ---- clubs ------------------------------------------------------------ */
/* A club as given by a request or a CSV row.  Strings are borrowed; NULL
 * means "not given" (keep the old value on update, default on create). */
struct club_input {
	const char *name;
	const char *zip;
	const char *secretary_email;
	const char *secretary_name;
	int accepts_remote;		/* -1 not given, else 0/1 */
	int64_t remote_capacity;	/* -2 not given, -1 no limit, >= 0 */
};
void club_input_init(struct club_input *in);

int service_club_create(struct service *svc, struct store *st,
    const struct club_input *in, struct club *out, struct err *err);
int service_club_update(struct service *svc, struct store *st, int64_t id,
    const struct club_input *in, struct club *out, struct err *err);
/* Deactivates the club and re-matches its members, in one transaction. */
int service_club_delete(struct service *svc, struct store *st, int64_t id,
    struct err *err);
/* Fills out->activity from the current snapshot. */
int service_club_get(struct service *svc, struct store *st, int64_t id,
    struct club *out, struct err *err);
/* Fills the activity of clubs[0..n) from one look at the current
 * snapshot (0 for inactive or unknown clubs). */
void service_clubs_activity(struct service *svc, struct store *st,
    struct club *clubs, size_t n);

/* ---- members ---------------------------------------------------------- */
struct member_input {
	const char *name;
	const char *email;
	const char *zip;
	const char *state;
	const char *phone;
	const char *preferred_channel;
};
void member_input_init(struct member_input *in);

/* Creates a member and, when match is true, assigns it (§5) in the same
 * transaction. */
int service_member_create(struct service *svc, struct store *st,
    const struct member_input *in, bool match, struct member *out,
    struct err *err);

struct match_counts {
	long assigned;		/* local + remote */
	long local;
	long remote;
	long unassigned;
};
/* Assigns every never-matched member in one pass and one transaction.
 * progress (may be NULL) is called now and then with done/total. */
int service_match_all(struct service *svc, struct store *st,
    struct match_counts *counts,
    void (*progress)(size_t done, size_t total, void *arg), void *arg,
    struct err *err);

/* ---- validation helpers shared with the importers -------------------- */
bool service_email_is_valid(const char *email);
/* Text fit for a name: 1..max bytes of valid UTF-8, no control chars. */
bool service_text_is_clean(const char *s, size_t max, bool allow_newlines);

#endif
