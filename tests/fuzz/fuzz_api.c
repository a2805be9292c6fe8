/*
 * fuzz_api.c - the JSON bodies of the API's POST and PATCH routes, through
 * their real handlers, the domain's validators and a real (in-memory)
 * store, without a server (docs/testing.md, "Fuzzing").
 *
 * The first byte picks the route, the rest is the body.  The handlers are
 * called from the route tables as http.c's dispatch() calls them, as the
 * admin.  libmicrohttpd is not running: its two lookup functions are
 * wrapped at link time (-Wl,--wrap) to answer "Content-Type:
 * application/json" and no query parameters.
 *
 * What must hold: every body gets an answer, never a 5xx (bad input is a
 * 4xx naming the field: docs/api.md, "Errors"), and every answer is JSON.
 */
#include <jansson.h>
#include <microhttpd.h>

#include "club.h"
#include "config.h"
#include "fuzz.h"
#include "geo_db.h"
#include "http_int.h"
#include "ics_zone.h"
#include "service.h"
#include "store.h"

const char *__wrap_MHD_lookup_connection_value(struct MHD_Connection *c,
    enum MHD_ValueKind kind, const char *key);
enum MHD_Result __wrap_MHD_lookup_connection_value_n(
    struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char **value, size_t *value_size);

const char *
__wrap_MHD_lookup_connection_value(struct MHD_Connection *c,
    enum MHD_ValueKind kind, const char *key)
{
	(void)c;
	if (kind == MHD_HEADER_KIND && strcasecmp(key, "Content-Type") == 0)
		return "application/json";
	return NULL;
}

enum MHD_Result
__wrap_MHD_lookup_connection_value_n(struct MHD_Connection *c,
    enum MHD_ValueKind kind, const char *key, size_t key_size,
    const char **value, size_t *value_size)
{
	(void)c;
	(void)kind;
	(void)key;
	(void)key_size;
	(void)value;
	(void)value_size;
	return MHD_NO;
}

static struct config cfg;
static struct geo_db *geo;
static struct service *svc;
static struct store *st;
static const struct route *routes[64];
static size_t nroutes;
static unsigned runs;

static void
call(const struct route *r, const char *body, size_t len, unsigned *status,
    bool check)
{
	struct request rq;
	struct response rs;
	json_error_t jerr;
	json_t *j;

	memset(&rq, 0, sizeof(rq));
	rq.method = r->method;
	rq.path = r->pattern;
	rq.store = st;
	rq.svc = svc;
	rq.cfg = &cfg;
	rq.role = ROLE_ADMIN;
	rq.client_ip = "127.0.0.1";
	for (int i = 0; i < HTTP_MAX_PARAMS; i++) {
		/* Ids of the seeded club and meeting; a date of one of the
		 * meeting's occurrences. */
		snprintf(rq.param_buf[i], sizeof(rq.param_buf[i]), "%s",
		    i == 1 && strstr(r->pattern, "occurrences") ?
		    "2030-01-14" : "1");
		rq.params[i] = rq.param_buf[i];
	}
	buf_init(&rq.body);
	buf_add(&rq.body, body, len);
	memset(&rs, 0, sizeof(rs));
	buf_init(&rs.headers);
	r->handler(&rq, &rs);
	FUZZ_ASSERT(rs.body != NULL, "%s %s gave no answer", r->method,
	    r->pattern);
	*status = rs.status;
	/* For whoever writes seeds: what each one reached. */
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s %s -> %u %.*s\n", r->method, r->pattern,
		    rs.status, (int)(rs.len > 200 ? 200 : rs.len), rs.body);
	if (check) {
		FUZZ_ASSERT(rs.status >= 200 && rs.status < 500, "%s %s "
		    "answered %u: %.*s", r->method, r->pattern, rs.status,
		    (int)rs.len, rs.body);
		if (rs.status != 204) {
			j = json_loadb(rs.body, rs.len, 0, &jerr);
			FUZZ_ASSERT(j != NULL, "%s %s answered %u with no JSON",
			    r->method, r->pattern, rs.status);
			json_decref(j);
		}
	}
	free(rs.body);
	buf_release(&rs.headers);
	buf_release(&rq.body);
}

static const struct route *
find(const char *method, const char *pattern)
{
	for (size_t i = 0; i < nroutes; i++)
		if (strcmp(routes[i]->method, method) == 0 &&
		    strcmp(routes[i]->pattern, pattern) == 0)
			return routes[i];
	return NULL;
}

/* A fresh database with club 1, meeting 1 (weekly) and member 1. */
static void
open_world(void)
{
	static const char club[] = "{\"name\":\"Loop\",\"zip\":\"60601\","
	    "\"secretary_email\":\"loop@example.org\"}";
	static const char meeting[] = "{\"title\":\"Weekly\",\"start\":"
	    "\"2030-01-07T19:00\",\"duration_minutes\":60,\"rrule\":"
	    "\"FREQ=WEEKLY;BYDAY=MO\",\"location\":\"Library\"}";
	static const char member[] = "{\"name\":\"Ann\",\"email\":"
	    "\"ann@example.org\",\"zip\":\"60602\"}";
	struct err err;
	unsigned status;

	err_clear(&err);
	st = store_open(":memory:", &err);
	FUZZ_ASSERT(st != NULL, "store: %s", err.msg);
	svc = service_new(&cfg, geo);
	FUZZ_ASSERT(service_load_key(svc, st, &err) == 0, "key: %s", err.msg);
	call(find("POST", "/api/v1/clubs"), club, strlen(club), &status,
	    false);
	FUZZ_ASSERT(status == 201, "seed club: %u", status);
	call(find("POST", "/api/v1/clubs/{}/meetings"), meeting,
	    strlen(meeting), &status, false);
	FUZZ_ASSERT(status == 201, "seed meeting: %u", status);
	call(find("POST", "/api/v1/members"), member, strlen(member),
	    &status, false);
	FUZZ_ASSERT(status == 201, "seed member: %u", status);
}

static void
close_world(void)
{
	service_free(svc);
	store_close(st);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct {
		const struct route *r;
		const size_t *n;
	} tables[] = {
		{ http_api_routes, &http_api_nroutes },
		{ http_meeting_routes, &http_meeting_nroutes },
		{ http_invite_routes, &http_invite_nroutes },
	};
	char *none[] = { NULL };
	struct err err;
	bool help;

	(void)argc;
	(void)argv;
	err_clear(&err);
	FUZZ_ASSERT(ics_init(&err) == 0, "ics: %s", err.msg);
	geo = geo_db_open(&err);
	FUZZ_ASSERT(geo != NULL, "geo: %s", err.msg);
	FUZZ_ASSERT(config_load(&cfg, "serve", 0, none, &help, &err) == 0,
	    "config: %s", err.msg);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (size_t i = 0; i < *tables[t].n; i++) {
			const struct route *r = &tables[t].r[i];

			/* The public POSTs (RSVP, unsubscribe) take
			 * link tokens and forms, not JSON. */
			if ((strcmp(r->method, "POST") == 0 ||
			    strcmp(r->method, "PATCH") == 0) &&
			    r->access != ACCESS_PUBLIC &&
			    nroutes < sizeof(routes) / sizeof(routes[0]))
				routes[nroutes++] = r;
		}
	open_world();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned status;

	if (size == 0 || size > HTTP_MAX_BODY)
		return 0;
	/* Each input adds rows: start over now and then, so that the
	 * database stays small and runs stay fast. */
	if (++runs % 512 == 0) {
		close_world();
		open_world();
	}
	call(routes[data[0] % nroutes], (const char *)data + 1, size - 1,
	    &status, true);
	return 0;
}
