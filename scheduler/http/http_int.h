/*
 * http_int.h - what the http_*.c files share: the request and response
 * of one call, the route table entry, and the JSON helpers.  Not used
 * outside the HTTP layer.
 *
 * Handlers decode the request, make one domain call and encode its
 * result (docs/architecture.md); they never see the store's functions,
 * only the connection they hand to the domain.
 */
#ifndef CLUBMATCH_HTTP_INT_H
#define CLUBMATCH_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "model.h"
#include "service.h"

#define HTTP_MAX_BODY (1024 * 1024)
#define HTTP_DISCARD_MAX (4 * HTTP_MAX_BODY)
#define HTTP_MAX_PARAMS 3
#define HTTP_MAX_URI 8192	/* path and query: more is 414 */
#define HTTP_MAX_ARGS 100	/* query parameters: more is 414 */
#define HTTP_MAX_HEADERS 100	/* more is 431 */
#define HTTP_MAX_FIELD 8192	/* one header field, name and value: 431 */
#define HTTP_REQUEST_ID_MAX 64	/* an X-Request-Id we may adopt */
#define HTTP_MAX_FORM (64 * 1024)	/* a public route's form */
#define HTTP_IDLE_TIMEOUT 20	/* seconds a connection may stay idle */
#define HTTP_PER_IP_CONNECTIONS 64	/* without --trusted-proxy */

enum http_role {
	ROLE_NONE = 0,		/* no token or a bad one */
	ROLE_SECRETARY,		/* one club */
	ROLE_ADMIN,
};

/* Who may call a route. */
enum http_access {
	ACCESS_PUBLIC,
	ACCESS_ANY_TOKEN,
	ACCESS_ADMIN,
	ACCESS_CLUB,		/* admin, or the secretary of the club the
				 * handler checks with http_may_club() */
};

struct http_server;

struct request {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	struct buf body;
	bool too_large;
	size_t discarded;	/* bytes of a too-large body dropped */
	struct store *store;	/* this thread's connection */
	struct service *svc;
	const struct config *cfg;
	const char *params[HTTP_MAX_PARAMS];	/* {x} segments of the path */
	char param_buf[HTTP_MAX_PARAMS][128];
	enum http_role role;
	int64_t club_id;	/* a secretary's club */
	const char *client_ip;	/* CONTRACT §9's client */
	bool rate_limited;	/* a failed token over the limit: 429 */
	char ip_buf[64];	/* client_ip of the first call */
	const char *route;	/* the pattern found, for /metrics and the log */
	struct timespec t0;	/* the request line, for /metrics and the log */
	char id[HTTP_REQUEST_ID_MAX + 1];	/* X-Request-Id, in the log */
	bool started;		/* on_request() has seen the headers */
	bool uri_too_long;	/* the raw target is over the limits: 414 */
	const char *target_end;	/* where the raw target's NUL was */
	bool via_proxy;		/* the peer is a --trusted-proxy */
	char method_buf[16];	/* the method, for the log */
	unsigned status;	/* the answer queued, 0 before */
	size_t bytes;		/* its body's length */
};

struct response {
	unsigned status;
	const char *content_type;
	char *body;		/* malloc'd */
	size_t len;
	struct buf headers;	/* "Name: value\n" lines */
	const char *request_id;	/* the request's, for the log; may be NULL */
};

struct route {
	const char *method;
	const char *pattern;	/* "/api/v1/clubs/{}" */
	enum http_access access;
	void (*handler)(struct request *rq, struct response *rs);
};

/* ---- responses ---------------------------------------------------------- */
/* Serialises json (stolen) as the body. */
void http_reply_json(struct response *rs, unsigned status, json_t *json);
void http_reply_error(struct response *rs, unsigned status,
    const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Maps err->code to a status and error code (the only place that does). */
void http_reply_err(struct response *rs, const struct err *err);
/* The body is taken over (free()d later). */
void http_reply_take(struct response *rs, unsigned status,
    const char *content_type, char *body, size_t len);
void http_add_header(struct response *rs, const char *name,
    const char *value);

/* ---- HTML pages (http_page.c) --------------------------------------- */
/* Opens a page titled title (escaped) into b, with the shared look. */
void http_page_start(struct buf *b, const char *title);
/* Closes the page in b and makes it the response (b is emptied). */
void http_page_reply(struct response *rs, unsigned status, struct buf *b);
/* A page of a heading and one paragraph, both escaped. */
void http_page_message(struct response *rs, unsigned status,
    const char *title, const char *msg);

/* ---- the pages' files (http_web.c) ---------------------------------- */
/* Replies 200 with a copy of the embedded file [start, end) as type,
 * with the headers every page's file gets (no-cache, a CSP that lets
 * the page load from this server only, no referrer). */
void http_web_file(struct response *rs, const char *start, const char *end,
    const char *type);

/* ---- requests ----------------------------------------------------------- */
/* The JSON object in the body (a new reference), or NULL after replying
 * 400/415.  An empty body reads as {} when empty_ok. */
json_t *http_body_object(struct request *rq, struct response *rs,
    bool empty_ok);
const char *http_query(struct request *rq, const char *name);
/* The ?status= and ?email_status= filters of a member list into f;
 * false after a 400. */
bool http_member_statuses(struct request *rq, struct response *rs,
    struct member_filter *f);
/* Whether s has the shape YYYY-MM-DD (the domain checks the date). */
bool http_date_param(const char *s);
/* Whether the body is a form post (or empty). */
bool http_form_ok(struct request *rq);
/* Field `name` of a form body, decoded into out: 1 found, 0 absent (or
 * not a form), -1 malformed (broken escape, too long, not UTF-8). */
int http_form_get(struct request *rq, const char *name, char *out,
    size_t size);
const char *http_header(struct request *rq, const char *name);
/* Parses a positive id from a path parameter; replies 404 when bad. */
bool http_param_id(struct request *rq, struct response *rs, int i,
    int64_t *out);
/* limit/after query parameters; replies 400 when bad. */
bool http_page(struct request *rq, struct response *rs, int *limit,
    int64_t *after);
/* One CSV cell, quoted, formula-safe (CONTRACT §9), then , or CRLF. */
void http_csv_field(struct buf *b, const char *s, bool last);
/* A secretary may act on its own club only; replies 403 otherwise. */
bool http_may_club(struct request *rq, struct response *rs, int64_t club_id);
/* As http_may_club() for an object reached by its own id (a meeting): for
 * another club's object the answer is the 404 of an unknown id, so that
 * ids cannot be probed (docs/api.md, "Roles"). */
bool http_may_object(struct request *rq, struct response *rs,
    int64_t club_id, const char *what, int64_t id);

/* Public token URLs (feeds, RSVP): http_token_failed() counts a failed
 * token; past the limit the answer becomes 429 (docs/operations.md,
 * "Failed tokens").  http_token_allowed() is true: a valid token is never
 * refused. */
bool http_token_allowed(struct request *rq, struct response *rs);
void http_token_failed(struct request *rq);
/* Counts one sign-up of this client; false past 10 an hour. */
bool http_join_allowed(struct request *rq);
/* An HTTP date (RFC 7231) for t into out[40]. */
void http_date(time_t t, char out[40]);

/* ---- JSON field readers: reply 422 naming the field when wrong -------- */
/* *out = the string or NULL when absent (or null when nullable). */
bool http_json_get_string(json_t *o, const char *key, const char **out,
    struct response *rs);
/* *out = 0/1, or -1 when absent. */
bool http_json_get_bool(json_t *o, const char *key, int *out,
    struct response *rs);
/* *out = the integer, absent_value when absent, null_value when null. */
bool http_json_get_int(json_t *o, const char *key, int64_t *out,
    int64_t absent_value, int64_t null_value, struct response *rs);
/* Replies 422 when one of the NULL-terminated keys is given as null:
 * for fields that have no "none" value, null is not "unchanged". */
bool http_json_no_null(json_t *o, const char *const *keys,
    struct response *rs);
/* Replies 422 when o has a key not in the NULL-terminated list. */
bool http_json_only_keys(json_t *o, const char *const *keys,
    struct response *rs);

/* ---- encoders ----------------------------------------------------------- */
json_t *http_json_club(const struct club *c);
json_t *http_json_member(struct request *rq, const struct member *m);
json_t *http_json_assignment(const struct assignment *a);
/* A list body {"items": items, "next": cursor or null}; items stolen. */
json_t *http_json_page(json_t *items, int64_t next);

/* ---- route tables (one per http_*.c file) ------------------------------ */
extern const struct route http_api_routes[];
extern const size_t http_api_nroutes;
extern const struct route http_meeting_routes[];
extern const size_t http_meeting_nroutes;
extern const struct route http_invite_routes[];
extern const size_t http_invite_nroutes;
extern const struct route http_member_routes[];
extern const size_t http_member_nroutes;
extern const struct route http_web_routes[];
extern const size_t http_web_nroutes;
extern const struct route http_join_routes[];
extern const size_t http_join_nroutes;
extern const struct route http_admin_routes[];
extern const size_t http_admin_nroutes;
extern const struct route http_attend_routes[];
extern const size_t http_attend_nroutes;
extern const struct route http_metrics_routes[];
extern const size_t http_metrics_nroutes;
/* Counts one answered request (http_metrics.c). */
void http_metrics_count(const char *method, const char *route,
    unsigned status, double seconds);
extern const struct route http_import_routes[];
extern const size_t http_import_nroutes;

/* ---- the console's uploads (http_import.c) ---------------------------- */
/* The server's table of import jobs, in memory (docs/admin.md, "Import"). */
struct import_table;
struct import_table *http_imports_new(void);
void http_imports_free(struct import_table *t);	/* NULL ok */
struct import_table *http_server_imports(struct http_server *srv);
/* The Content-Type the body of route r must have: text/csv for an
 * import's pieces, NULL for the usual application/json. */
const char *http_import_body_type(const struct route *r);

#endif
