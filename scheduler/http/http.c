/*
 * http.c - the libmicrohttpd server: request life cycle, routing,
 * authentication, body limits and the response helpers of http_int.h.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "hash.h"
#include "http.h"
#include "http_int.h"
#include "log.h"
#include "rand.h"
#include "text.h"
#include "token.h"
#include "xalloc.h"

/*
 * Failed token attempts (docs/operations.md, "Failed tokens"): a client
 * whose failures since the first of its window exceed RATE_MAX_FAILS
 * within RATE_WINDOW seconds gets 429 on its further failures until the
 * window has passed.  Only failures count and only failures are refused.
 *
 * The table is a hash table of at most RATE_ENTRIES clients, chained, with
 * a least-recently-used list: a client is forgotten only when more than
 * RATE_ENTRIES other clients failed after it (never because two addresses
 * share a bucket).  The hash is seeded at start, so chains cannot be
 * aimed at.
 */
#define RATE_ENTRIES 4096
#define RATE_BUCKETS 8192
#define RATE_MAX_FAILS 20
#define RATE_WINDOW 60

struct rate_entry {
	char ip[48];
	time_t start;
	int fails;
	int next;		/* in the bucket's chain, -1 ends it */
	int older, newer;	/* the LRU list, -1 ends it */
};

struct rate_table {
	int bucket[RATE_BUCKETS];	/* first entry, -1 none */
	struct rate_entry e[RATE_ENTRIES];
	int used;
	int newest, oldest;
	uint32_t seed;
};

struct http_server {
	struct MHD_Daemon *daemon;
	const struct config *cfg;
	struct service *svc;
	char admin_hash[65];		/* SHA-256 of the admin token */
	pthread_key_t store_key;	/* each worker's struct store */
	pthread_mutex_t rate_lock;
	struct rate_table *rate;
	struct rate_table *joins;	/* sign-ups (§12), the same kind of table */
	struct import_table *imports;	/* the console's uploads (http_import.c) */
};

/* Every route table, searched in order. */
static const struct {
	const struct route *routes;
	const size_t *n;
} TABLES[] = {
	{ http_api_routes, &http_api_nroutes },
	{ http_meeting_routes, &http_meeting_nroutes },
	{ http_invite_routes, &http_invite_nroutes },
	{ http_member_routes, &http_member_nroutes },
	{ http_web_routes, &http_web_nroutes },
	{ http_join_routes, &http_join_nroutes },
	{ http_admin_routes, &http_admin_nroutes },
	{ http_attend_routes, &http_attend_nroutes },
	{ http_metrics_routes, &http_metrics_nroutes },
	{ http_import_routes, &http_import_nroutes },
};

struct import_table *
http_server_imports(struct http_server *srv)
{
	return srv->imports;
}

/* ==== responses ========================================================= */
void
http_reply_take(struct response *rs, unsigned status,
    const char *content_type, char *body, size_t len)
{
	free(rs->body);
	rs->status = status;
	rs->content_type = content_type;
	rs->body = body;
	rs->len = len;
}

void
http_reply_json(struct response *rs, unsigned status, json_t *json)
{
	char *s = json_dumps(json, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(10));
	size_t len;

	json_decref(json);
	if (s == NULL) {
		http_reply_error(rs, 500, "internal", NULL,
		    "cannot encode the response");
		return;
	}
	len = strlen(s);
	/* jansson allocates with malloc by default: free() is right. */
	http_reply_take(rs, status, "application/json", s, len);
}

void
http_reply_error(struct response *rs, unsigned status, const char *code,
    const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *e;
	char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (e == NULL)	/* msg was not valid UTF-8 */
		e = json_pack("{s:s, s:s}", "code", code, "message",
		    "invalid request");
	if (field && field[0])
		json_object_set_new(e, "field", json_string(field));
	e = json_pack("{s:o}", "error", e);
	s = json_dumps(e, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(e);
	http_reply_take(rs, status, "application/json", s, strlen(s));
}

static void
status_for(enum err_code code, unsigned *status, const char **name)
{
	switch (code) {
	case ERR_INVALID:
		*status = 422, *name = "invalid_value";
		return;
	case ERR_MALFORMED:
		*status = 400, *name = "malformed";
		return;
	case ERR_NOT_FOUND:
		*status = 404, *name = "not_found";
		return;
	case ERR_CONFLICT:
		*status = 409, *name = "conflict";
		return;
	case ERR_FORBIDDEN:
		*status = 403, *name = "forbidden";
		return;
	case ERR_UNAVAILABLE:
		*status = 503, *name = "unavailable";
		return;
	case ERR_OK:
	case ERR_INTERNAL:
		break;
	}
	*status = 500, *name = "internal";
}

void
http_reply_err(struct response *rs, const struct err *err)
{
	unsigned status;
	const char *name;

	status_for(err->code, &status, &name);
	if (status == 503)
		http_add_header(rs, "Retry-After", "1");
	if (status == 500)
		log_event("internal_error", "id", rs->request_id, "error",
		    err->msg, NULL);
	http_reply_error(rs, status, name, err->field, "%s", err->msg);
}

void
http_add_header(struct response *rs, const char *name, const char *value)
{
	buf_addf(&rs->headers, "%s: %s\n", name, value);
}

/* ==== request helpers =================================================== */
const char *
http_query(struct request *rq, const char *name)
{
	const char *v = NULL;
	size_t len = 0;

	if (MHD_lookup_connection_value_n(rq->conn, MHD_GET_ARGUMENT_KIND,
	    name, strlen(name), &v, &len) != MHD_YES)
		return NULL;
	/* "yes%00x" would read as "yes": a value with a NUL in it is no
	 * value any parameter accepts. */
	return v && strlen(v) == len ? v : "\x01";
}

const char *
http_header(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

json_t *
http_body_object(struct request *rq, struct response *rs, bool empty_ok)
{
	const char *ct = http_header(rq, "Content-Type");
	json_error_t jerr;
	json_t *o;

	if (rq->body.len == 0 && empty_ok)
		return json_object();
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		http_reply_error(rs, 415, "unsupported_media_type", NULL,
		    "send the body as application/json");
		return NULL;
	}
	/* NUL is allowed by the parser so that the field check can name the
	 * field (422) instead of a bare 400. */
	o = json_loadb(rq->body.data, rq->body.len, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, &jerr);
	if (o == NULL) {
		http_reply_error(rs, 400, "malformed_json", NULL,
		    "the body is not valid JSON: %s (line %d, column %d)",
		    jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		http_reply_error(rs, 400, "malformed_json", NULL,
		    "the body must be a JSON object");
		return NULL;
	}
	return o;
}

bool
http_param_id(struct request *rq, struct response *rs, int i, int64_t *out)
{
	if (text_parse_int64(rq->params[i], 1, INT64_MAX, out) < 0) {
		http_reply_error(rs, 404, "not_found", NULL,
		    "no such resource: '%s' is not an id", rq->params[i]);
		return false;
	}
	return true;
}

bool
http_page(struct request *rq, struct response *rs, int *limit,
    int64_t *after)
{
	const char *l = http_query(rq, "limit"), *a = http_query(rq, "after");
	int64_t v;

	*limit = 100;
	*after = 0;
	if (l) {
		if (text_parse_int64(l, 1, 1000, &v) < 0) {
			http_reply_error(rs, 400, "bad_parameter", "limit",
			    "limit must be a number from 1 to 1000");
			return false;
		}
		*limit = (int)v;
	}
	if (a && a[0]) {
		if (text_parse_int64(a, 0, INT64_MAX, &v) < 0) {
			http_reply_error(rs, 400, "bad_parameter", "after",
			    "after must be a cursor from a previous page");
			return false;
		}
		*after = v;
	}
	return true;
}

bool
http_may_club(struct request *rq, struct response *rs, int64_t club_id)
{
	if (rq->role == ROLE_ADMIN ||
	    (rq->role == ROLE_SECRETARY && rq->club_id == club_id))
		return true;
	http_reply_error(rs, 403, "forbidden", NULL,
	    "this token may act on club %lld only", (long long)rq->club_id);
	return false;
}

bool
http_may_object(struct request *rq, struct response *rs, int64_t club_id,
    const char *what, int64_t id)
{
	if (rq->role == ROLE_ADMIN ||
	    (rq->role == ROLE_SECRETARY && rq->club_id == club_id))
		return true;
	http_reply_error(rs, 404, "not_found", NULL, "no %s with id %lld",
	    what, (long long)id);
	return false;
}

/* ==== authentication ==================================================== */
static const char *
bearer_token(struct request *rq)
{
	const char *h = http_header(rq, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

static uint32_t
rate_hash(const struct rate_table *t, const char *ip)
{
	uint32_t h = 2166136261u ^ t->seed;

	for (; *ip; ip++)
		h = (h ^ (unsigned char)*ip) * 16777619u;
	return h % RATE_BUCKETS;
}

static void
rate_table_init(struct rate_table *t)
{
	int i;

	for (i = 0; i < RATE_BUCKETS; i++)
		t->bucket[i] = -1;
	t->used = 0;
	t->newest = t->oldest = -1;
	t->seed = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)t;
}

static void
lru_unlink(struct rate_table *t, int i)
{
	struct rate_entry *e = &t->e[i];

	if (e->older >= 0)
		t->e[e->older].newer = e->newer;
	else
		t->oldest = e->newer;
	if (e->newer >= 0)
		t->e[e->newer].older = e->older;
	else
		t->newest = e->older;
}

static void
lru_push(struct rate_table *t, int i)
{
	t->e[i].older = t->newest;
	t->e[i].newer = -1;
	if (t->newest >= 0)
		t->e[t->newest].newer = i;
	t->newest = i;
	if (t->oldest < 0)
		t->oldest = i;
}

/* The entry of ip, made (evicting the least recently used) if new. */
static struct rate_entry *
rate_entry_get(struct rate_table *t, const char *ip, time_t now)
{
	uint32_t h = rate_hash(t, ip);
	int i, *link;

	for (i = t->bucket[h]; i >= 0; i = t->e[i].next)
		if (strcmp(t->e[i].ip, ip) == 0) {
			lru_unlink(t, i);
			lru_push(t, i);
			return &t->e[i];
		}
	if (t->used < RATE_ENTRIES) {
		i = t->used++;
	} else {
		i = t->oldest;
		lru_unlink(t, i);
		for (link = &t->bucket[rate_hash(t, t->e[i].ip)]; *link != i;
		    link = &t->e[*link].next)
			;
		*link = t->e[i].next;
	}
	snprintf(t->e[i].ip, sizeof(t->e[i].ip), "%s", ip);
	t->e[i].start = now;
	t->e[i].fails = 0;
	t->e[i].next = t->bucket[h];
	t->bucket[h] = i;
	lru_push(t, i);
	return &t->e[i];
}

/* Counts one event of ip in table t; true when it makes more than max
 * within window seconds. */
static bool
rate_count(struct http_server *srv, struct rate_table *t, const char *ip,
    int max, time_t window)
{
	struct rate_entry *e;
	time_t now = time(NULL);
	bool over;

	pthread_mutex_lock(&srv->rate_lock);
	e = rate_entry_get(t, ip, now);
	if (now - e->start >= window) {
		e->start = now;
		e->fails = 0;
	}
	over = ++e->fails > max;
	pthread_mutex_unlock(&srv->rate_lock);
	return over;
}

/* Counts a failed token of ip; true when it is over the limit (429). */
static bool
rate_fail(struct http_server *srv, const char *ip)
{
	return rate_count(srv, srv->rate, ip, RATE_MAX_FAILS, RATE_WINDOW);
}

static void
reply_rate_limited(struct response *rs)
{
	http_add_header(rs, "Retry-After", "60");
	http_reply_error(rs, 429, "rate_limited", NULL,
	    "too many failed token attempts from this client: wait a minute");
}

bool
http_token_allowed(struct request *rq, struct response *rs)
{
	/* The token is checked first: a valid one is never refused, so the
	 * limit is applied by http_token_failed(). */
	(void)rq;
	(void)rs;
	return true;
}

void
http_token_failed(struct request *rq)
{
	if (rate_fail(rq->srv, rq->client_ip))
		rq->rate_limited = true;
}

/* Sign-ups: JOIN_MAX_PER_HOUR per client and hour (docs/joining.md),
 * in memory: a restart forgets them, as it forgets failed tokens. */
#define JOIN_MAX_PER_HOUR 10
#define JOIN_WINDOW 3600

bool
http_join_allowed(struct request *rq)
{
	return !rate_count(rq->srv, rq->srv->joins, rq->client_ip,
	    JOIN_MAX_PER_HOUR, JOIN_WINDOW);
}

void
http_date(time_t t, char out[40])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Sets rq->role from the presented token.  false after replying 429
 * (a bad token over the limit) or 503 (a busy database). */
static bool
authenticate(struct request *rq, struct response *rs)
{
	const char *token = bearer_token(rq);
	char hash[65];

	struct err err;

	rq->role = ROLE_NONE;
	if (token == NULL)
		return true;
	hash_sha256_hex(token, hash);
	if (hash_equal_consttime(hash, rq->srv->admin_hash)) {
		rq->role = ROLE_ADMIN;
		return true;
	}
	err_clear(&err);
	if (token_secretary_club(rq->store, hash, &rq->club_id, &err) == 0) {
		rq->role = ROLE_SECRETARY;
		return true;
	}
	if (err.code != ERR_NOT_FOUND) {
		/* A busy database is no failed token (503, Retry-After). */
		http_reply_err(rs, &err);
		return false;
	}
	if (rate_fail(rq->srv, rq->client_ip)) {
		reply_rate_limited(rs);
		return false;
	}
	return true;
}

static bool
authorize(struct request *rq, struct response *rs, enum http_access access)
{
	bool presented = bearer_token(rq) != NULL;

	if (access == ACCESS_PUBLIC)
		return true;
	if (rq->role == ROLE_NONE) {
		http_add_header(rs, "WWW-Authenticate", "Bearer");
		http_reply_error(rs, 401, "unauthorized", NULL, presented ?
		    "the token is not valid (revoked or mistyped)" :
		    "send 'Authorization: Bearer TOKEN'");
		return false;
	}
	if (access == ACCESS_ADMIN && rq->role != ROLE_ADMIN) {
		http_reply_error(rs, 403, "forbidden", NULL,
		    "this needs the admin token");
		return false;
	}
	return true;
}

/* ==== routing =========================================================== */
static struct store *thread_store(struct http_server *srv, struct err *err);


/* Matches path against pattern, whose "{}" segments match one non-empty
 * segment each (copied, percent-decoded by MHD already, into params). */
static bool
route_match(const char *pattern, const char *path, struct request *rq)
{
	int np = 0;

	while (*pattern && *path) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t n = strcspn(path, "/");
			const char *suffix = pattern + 2;
			size_t sl = strcspn(suffix, "/");

			/* A literal suffix after {} in the same segment, as in
			 * "/meetings/{}.ics". */
			if (n == 0 || np >= HTTP_MAX_PARAMS || n <= sl ||
			    strncmp(path + n - sl, suffix, sl) != 0)
				return false;
			n -= sl;
			if (n >= sizeof(rq->param_buf[0]))
				return false;
			memcpy(rq->param_buf[np], path, n);
			rq->param_buf[np][n] = '\0';
			rq->params[np] = rq->param_buf[np];
			np++;
			path += n + sl;
			pattern = suffix + sl;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

/* The route of rq, or NULL after replying 404/405. */
static const struct route *
route_find(struct request *rq, struct response *rs)
{
	const struct route *found = NULL;
	struct buf allow;
	size_t t, i;
	const char *method = strcmp(rq->method, "HEAD") == 0 ? "GET" :
	    rq->method;

	buf_init(&allow);
	for (t = 0; t < sizeof(TABLES) / sizeof(TABLES[0]) && !found; t++) {
		for (i = 0; i < *TABLES[t].n; i++) {
			const struct route *r = &TABLES[t].routes[i];

			if (!route_match(r->pattern, rq->path, rq))
				continue;
			if (strcmp(r->method, method) == 0) {
				found = r;
				break;
			}
			buf_addf(&allow, "%s%s", allow.len ? ", " : "",
			    r->method);
		}
	}
	if (found == NULL) {
		if (allow.len) {
			http_add_header(rs, "Allow", allow.data);
			http_reply_error(rs, 405, "method_not_allowed", NULL,
			    "%s is not allowed here: use %s", rq->method,
			    allow.data);
		} else {
			http_reply_error(rs, 404, "not_found", NULL,
			    "no such resource: %s", rq->path);
		}
		buf_release(&allow);
		return NULL;
	}
	buf_release(&allow);
	/* Re-match to restore the parameters of the route found. */
	route_match(found->pattern, rq->path, rq);
	return found;
}

static void
dispatch(struct request *rq, struct response *rs)
{
	const struct route *found = route_find(rq, rs);

	if (found != NULL)
		rq->route = found->pattern;
	if (found == NULL || !authenticate(rq, rs) ||
	    !authorize(rq, rs, found->access))
		return;
	found->handler(rq, rs);
}

static bool
content_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * A request that announces a body: its route, token and Content-Type are
 * checked before a byte of it is read (CONTRACT §9), so an unauthenticated
 * upload costs no memory.  Routes with a token take JSON; public ones
 * (RSVP, unsubscribe) small forms.  false after replying into rs.
 */
static bool
body_welcome(struct request *rq, struct response *rs, unsigned long long cl)
{
	const struct route *r = route_find(rq, rs);
	const char *ct = http_header(rq, "Content-Type");
	struct err err;

	if (r == NULL)
		return false;
	rq->route = r->pattern;
	if (r->access == ACCESS_PUBLIC) {
		if (cl > HTTP_MAX_FORM) {
			http_reply_error(rs, 413, "body_too_large", NULL,
			    "a form is limited to 64 KiB");
			return false;
		}
		if (!content_type_is(ct, "application/x-www-form-urlencoded")) {
			http_reply_error(rs, 415, "unsupported_media_type",
			    NULL, "send the form as "
			    "application/x-www-form-urlencoded");
			return false;
		}
		return true;
	}
	err_clear(&err);
	rq->store = thread_store(rq->srv, &err);
	if (rq->store == NULL) {
		http_reply_err(rs, &err);
		return false;
	}
	if (!authenticate(rq, rs) || !authorize(rq, rs, r->access))
		return false;
	if (http_import_body_type(r)) {
		if (content_type_is(ct, http_import_body_type(r)))
			return true;
		http_reply_error(rs, 415, "unsupported_media_type", NULL,
		    "send the body as %s", http_import_body_type(r));
		return false;
	}
	if (!content_type_is(ct, "application/json")) {
		http_reply_error(rs, 415, "unsupported_media_type", NULL,
		    "send the body as application/json");
		return false;
	}
	return true;
}

/* ==== libmicrohttpd glue ================================================ */
static void
store_key_free(void *p)
{
	service_store_close(p);
}

static struct store *
thread_store(struct http_server *srv, struct err *err)
{
	struct store *st = pthread_getspecific(srv->store_key);

	if (st == NULL) {
		st = service_store_open(srv->svc, err);
		if (st != NULL)
			pthread_setspecific(srv->store_key, st);
	}
	return st;
}

static enum MHD_Result
queue(struct request *rq, struct response *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *line, *save = NULL;

	r = MHD_create_response_from_buffer(rs->len, rs->body,
	    MHD_RESPMEM_MUST_FREE);
	rs->body = NULL;
	if (rs->content_type)
		MHD_add_response_header(r, "Content-Type", rs->content_type);
	for (line = strtok_r(rs->headers.data, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (colon == NULL)
			continue;
		*colon = '\0';
		MHD_add_response_header(r, line, colon + 2);
	}
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Request-Id", rq->id);
	rq->status = rs->status;
	rq->bytes = rs->len;
	ret = MHD_queue_response(rq->conn, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
response_init(struct response *rs, const struct request *rq)
{
	memset(rs, 0, sizeof(*rs));
	buf_init(&rs->headers);
	rs->request_id = rq->id;
}

static void
response_release(struct response *rs)
{
	free(rs->body);
	buf_release(&rs->headers);
}

static enum MHD_Result
reply_now(struct request *rq, unsigned status, const char *code,
    const char *msg)
{
	struct response rs;
	enum MHD_Result ret;

	response_init(&rs, rq);
	http_reply_error(&rs, status, code, NULL, "%s", msg);
	ret = queue(rq, &rs);
	response_release(&rs);
	return ret;
}

static bool
is_trusted_proxy(const struct config *cfg, const char *ip)
{
	int i;

	for (i = 0; i < cfg->ntrusted_proxies; i++)
		if (strcmp(cfg->trusted_proxy[i], ip) == 0)
			return true;
	return false;
}

struct xff {
	struct buf all;		/* every X-Forwarded-For line, in order */
};

static enum MHD_Result
xff_collect(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct xff *x = cls;

	(void)kind;
	if (strcasecmp(key, "X-Forwarded-For") == 0 && value)
		buf_addf(&x->all, "%s%s", x->all.len ? "," : "", value);
	return MHD_YES;
}

/*
 * The client of CONTRACT §9 (docs/operations.md, "Behind a reverse
 * proxy"): the peer, or when the peer is a trusted proxy the last
 * X-Forwarded-For address that is not one.  Walking from the right, an
 * entry that is not an address stops the walk at the proxy that passed
 * it on.  Sets rq->client_ip to out and rq->via_proxy.
 */
static void
peer_ip(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	char peer[64] = "unknown";

	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    peer, sizeof(peer));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, peer,
		    sizeof(peer));
	if (!text_ip_normalize(peer, out, size))
		snprintf(out, size, "%s", peer);
}

static void
client_ip(struct MHD_Connection *conn, struct request *rq, char *out,
    size_t size)
{
	char one[64];
	struct xff x;
	size_t end, b;

	peer_ip(conn, out, size);
	rq->client_ip = out;
	rq->via_proxy = is_trusted_proxy(rq->cfg, out);
	if (!rq->via_proxy)
		return;
	buf_init(&x.all);
	MHD_get_connection_values(conn, MHD_HEADER_KIND, xff_collect, &x);
	end = x.all.len;
	while (end > 0) {
		b = end;
		while (b > 0 && x.all.data[b - 1] != ',')
			b--;
		while (b < end && (x.all.data[b] == ' ' ||
		    x.all.data[b] == '\t'))
			b++;
		snprintf(one, sizeof(one), "%.*s", (int)(end - b < 63 ?
		    end - b : 63), x.all.data + b);
		one[strcspn(one, " \t")] = '\0';
		if (!text_ip_normalize(one, out, size))
			break;	/* out still holds the proxy before it */
		if (!is_trusted_proxy(rq->cfg, out))
			break;
		while (b > 0 && x.all.data[b - 1] != ',')
			b--;
		end = b > 0 ? b - 1 : 0;
	}
	buf_release(&x.all);
}

/* Seconds since the request began (on_uri()). */
static double
request_seconds(const struct request *rq)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - rq->t0.tv_sec) +
	    (double)(t1.tv_nsec - rq->t0.tv_nsec) / 1e9;
}

/* ==== request ids (docs/operations.md, "Logs") ========================= */
static bool
request_id_is_safe(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-");

	return n > 0 && n <= HTTP_REQUEST_ID_MAX && s[n] == '\0';
}

/* A new random id: 64 bits in hex. */
static void
request_id_new(struct request *rq)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[8];
	size_t i;

	rand_bytes(raw, sizeof(raw));
	for (i = 0; i < sizeof(raw); i++) {
		rq->id[2 * i] = hex[raw[i] >> 4];
		rq->id[2 * i + 1] = hex[raw[i] & 15];
	}
	rq->id[2 * sizeof(raw)] = '\0';
}

/* The X-Request-Id of a trusted proxy's request, when it is short and
 * plain (a proxy that sets one wants the two logs joined), else ours. */
static void
request_id_adopt(struct request *rq)
{
	const char *h = http_header(rq, "X-Request-Id");

	if (rq->via_proxy && h && request_id_is_safe(h))
		snprintf(rq->id, sizeof(rq->id), "%s", h);
}

/* ==== the first look at a request ====================================== */
/* Non-empty '&'-separated parameters of the raw query q. */
static size_t
query_params(const char *q)
{
	size_t n = 0;

	while (*q) {
		size_t len = strcspn(q, "&");

		n += len > 0;
		q += len;
		if (*q == '&')
			q++;
	}
	return n;
}

/*
 * What a connection keeps between its requests: the request under way.
 * libmicrohttpd 0.9.75 does not call on_completed() for a request whose
 * query exhausted its memory pool (see on_uri()), only on_connection()
 * when the connection closes: that request is ended there.  All
 * callbacks of a connection run in its worker thread.
 */
struct http_conn {
	struct request *rq;	/* not yet ended, or NULL */
};

static struct http_conn *
conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void request_drop(struct request *rq);

/* A request's state, with its id; ended by request_end(). */
static struct request *
request_new(struct http_server *srv, struct MHD_Connection *conn)
{
	struct request *rq = xcalloc(1, sizeof(*rq));
	struct http_conn *hc = conn_of(conn);

	clock_gettime(CLOCK_MONOTONIC, &rq->t0);
	buf_init(&rq->body);
	rq->srv = srv;
	rq->conn = conn;
	rq->cfg = srv->cfg;
	rq->svc = srv->svc;
	request_id_new(rq);
	if (hc) {
		/* One that libmicrohttpd dropped: it never answered it. */
		if (hc->rq)
			request_drop(hc->rq);
		hc->rq = rq;
	}
	return rq;
}

/*
 * libmicrohttpd calls this once per request with the raw target (path and
 * query, nothing decoded), before it parses the query; what it returns is
 * the request's *con_cls, freed in on_completed().  So every request has
 * its state, id and log line from here on, even one refused before
 * on_request() runs.
 *
 * A target over the limits is refused with 414 by head_acceptable().  Its
 * query must not be parsed: libmicrohttpd 0.9.75 stores each parameter in
 * the connection's memory pool, and when thousands of them exhaust it, it
 * neither answers nor closes (the client waits for the idle timeout).
 * This callback runs on the very buffer libmicrohttpd parses next, so
 * ending the string after the '?' leaves it no parameters to store.
 * NEEDSWORK: a NUL byte before the '?' hides the query from strchr() here;
 * such a request still gets no answer from 0.9.75, and is closed at the
 * idle timeout (and logged and freed by on_connection()).
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct request *rq = request_new(cls, conn);
	size_t n = strlen(uri);
	char *q = strchr(uri, '?');

	rq->target_end = uri + n;
	if (n > HTTP_MAX_URI || (q && query_params(q + 1) > HTTP_MAX_ARGS)) {
		rq->uri_too_long = true;
		if (q)
			q[1] = '\0';
	}
	return rq;
}

/* What the first call sees of the headers. */
struct head_scan {
	size_t nheaders;
	int content_lengths;
	char content_length[32];	/* the first one */
	bool cl_differ, chunked, host, bad_header, big_header;
	const char *value_end;		/* of the header before */
};

/*
 * Whether the bytes between the end of the previous header's value and
 * the start of this header's name are only that line's end.
 * libmicrohttpd 0.9.75 measures a value with strlen(), so "b\0c" reads
 * as "b" and value_size cannot show the NUL; but names and values point
 * into its read buffer, where each line ends in the one or two NULs that
 * replaced its CR LF or LF.  More than two bytes there are bytes after a
 * NUL in the value, or a line folded into the one before (obs-fold, which
 * RFC 9112 5.2 lets a server refuse with 400 too).
 */
static bool
header_follows(const char *value_end, const char *key)
{
	uintptr_t e = (uintptr_t)value_end, k = (uintptr_t)key;

	return k > e && k - e <= 2;
}

static enum MHD_Result
head_scan_one(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct head_scan *h = cls;
	size_t i;

	(void)kind;
	h->nheaders++;
	if (key_size + value_size > HTTP_MAX_FIELD)
		h->big_header = true;
	/* RFC 9112 5.1: no white space before the colon; no NUL or bare CR
	 * in a field. */
	for (i = 0; i < key_size; i++)
		if (key[i] == ' ' || key[i] == '\t' || key[i] == '\0')
			h->bad_header = true;
	if (value == NULL)
		return MHD_YES;
	if (h->value_end && !header_follows(h->value_end, key))
		h->bad_header = true;
	h->value_end = value + value_size;
	for (i = 0; i < value_size; i++)
		if (value[i] == '\0' || value[i] == '\r' || value[i] == '\n')
			h->bad_header = true;
	if (strcasecmp(key, "Host") == 0)
		h->host = true;
	else if (strcasecmp(key, "Transfer-Encoding") == 0)
		h->chunked = true;
	else if (strcasecmp(key, "Content-Length") == 0) {
		if (h->content_lengths++ == 0)
			snprintf(h->content_length, sizeof(h->content_length),
			    "%s", value);
		else if (strcmp(h->content_length, value) != 0)
			h->cl_differ = true;
	}
	return MHD_YES;
}

/* The headers of rq, scanned into h. */
static void
head_scan(struct request *rq, struct head_scan *h)
{
	memset(h, 0, sizeof(*h));
	MHD_get_connection_values_n(rq->conn, MHD_HEADER_KIND, head_scan_one,
	    h);
	/* The last line is followed by the empty line that ends the head:
	 * its own end and that line's are NULs in the buffer too. */
	if (h->value_end && (h->value_end[0] != '\0' ||
	    h->value_end[1] != '\0'))
		h->bad_header = true;
}

/* The checks of the first call, before any body is read (CONTRACT §9,
 * docs/operations.md "HTTP limits"); replies and returns false when the
 * request is refused. */
static bool
head_acceptable(struct request *rq, const char *version,
    enum MHD_Result *ret)
{
	struct head_scan h;
	/* The version follows the target and the NUL that ended it, unless
	 * a NUL came earlier, inside the target. */
	bool nul_in_target = version[0] != '\0' && rq->target_end &&
	    version != rq->target_end + 1;

	head_scan(rq, &h);
	if (rq->uri_too_long)
		*ret = reply_now(rq, 414, "uri_too_long", "the request line "
		    "is limited to 8 KiB and 100 query parameters");
	else if (h.nheaders > HTTP_MAX_HEADERS)
		*ret = reply_now(rq, 431, "headers_too_large", "at most 100 "
		    "header fields");
	else if (h.big_header)
		*ret = reply_now(rq, 431, "headers_too_large", "a header "
		    "field is limited to 8 KiB");
	else if (nul_in_target)
		*ret = reply_now(rq, 400, "malformed_request", "the request "
		    "line is malformed (RFC 9112)");
	else if (h.bad_header || h.cl_differ ||
	    (h.chunked && h.content_lengths) ||
	    (strcmp(version, "HTTP/1.1") == 0 && !h.host))
		*ret = reply_now(rq, 400, "malformed_request", h.bad_header ?
		    "a header field is malformed (RFC 9112)" : !h.host &&
		    !h.chunked && !h.cl_differ ? "HTTP/1.1 needs a Host header" :
		    "the body's length is ambiguous (RFC 9112)");
	else
		return true;
	return false;
}

/* The first call: the request's fields, its client and id. */
static void
request_begin(struct request *rq, const char *url, const char *method)
{
	rq->started = true;
	rq->method = method;
	rq->path = url;
	snprintf(rq->method_buf, sizeof(rq->method_buf), "%s", method);
	client_ip(rq->conn, rq, rq->ip_buf, sizeof(rq->ip_buf));
	request_id_adopt(rq);
}

/*
 * libmicrohttpd calls this several times per request: first with the
 * headers in (on_uri() made the state), then with body chunks, then with
 * none left.  Answering on the first call makes 0.9.75 close the
 * connection, which costs keep-alive clients dearly, so even body-less
 * requests are answered on the second call.
 */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct request *rq = *con_cls;
	struct response rs;
	struct err err;
	enum MHD_Result ret;

	if (rq == NULL) {
		/* Not from on_uri(): never so with libmicrohttpd 0.9.75. */
		rq = request_new(srv, conn);
		*con_cls = rq;
	}
	if (!rq->started) {
		const char *cl = MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, "Content-Length");
		const char *te = MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, "Transfer-Encoding");
		unsigned long long len;
		char *end;

		request_begin(rq, url, method);
		if (!head_acceptable(rq, version, &ret))
			return ret;
		len = cl ? strtoull(cl, &end, 10) : 0;
		/* Refuse big bodies before reading them. */
		if (len > HTTP_MAX_BODY)
			return reply_now(rq, 413, "body_too_large",
			    "request bodies are limited to 1 MiB");
		if (len == 0 && te == NULL)
			return MHD_YES;
		response_init(&rs, rq);
		if (body_welcome(rq, &rs, te ? HTTP_MAX_BODY : len)) {
			response_release(&rs);
			return MHD_YES;
		}
		ret = queue(rq, &rs);
		response_release(&rs);
		return ret;
	}
	if (*upload_data_size > 0) {
		if (rq->body.len + *upload_data_size > HTTP_MAX_BODY ||
		    rq->too_large) {
			/* A chunked body has no Content-Length to refuse up
			 * front, and libmicrohttpd 0.9.75 cannot answer
			 * mid-upload: drop what comes, answer 413 at its end,
			 * and hang up on bodies past HTTP_DISCARD_MAX. */
			rq->discarded += *upload_data_size;
			*upload_data_size = 0;
			rq->too_large = true;
			buf_release(&rq->body);
			return rq->discarded > HTTP_DISCARD_MAX ? MHD_NO :
			    MHD_YES;
		}
		buf_add(&rq->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->too_large)
		return reply_now(rq, 413, "body_too_large",
		    "request bodies are limited to 1 MiB");
	response_init(&rs, rq);
	err_clear(&err);
	rq->store = thread_store(srv, &err);
	if (rq->store == NULL)
		http_reply_err(&rs, &err);
	else
		dispatch(rq, &rs);
	if (rq->rate_limited) {
		response_release(&rs);
		response_init(&rs, rq);
		reply_rate_limited(&rs);
	}
	if (rs.body == NULL) {
		log_event("internal_error", "id", rq->id, "error",
		    "the handler gave no answer", NULL);
		http_reply_error(&rs, 500, "internal", NULL,
		    "the handler gave no answer");
	}
	http_metrics_count(method, rq->route, rs.status, request_seconds(rq));
	ret = queue(rq, &rs);
	response_release(&rs);
	return ret;
}

/* How a request ended, when not with its answer sent. */
static const char *
end_name(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return NULL;
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "read_error";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "client_abort";
	default:
		return "error";
	}
}

/*
 * One line per request (docs/operations.md, "Logs"): the route's pattern,
 * never the path or the query, so that no token in either reaches the
 * log.  status=0: we queued no answer (libmicrohttpd refused the request
 * itself, or the client left first).
 */
static void
request_log(struct request *rq, enum MHD_RequestTerminationCode toe)
{
	char status[12], ms[32], bytes[24];

	snprintf(status, sizeof(status), "%u", rq->status);
	snprintf(ms, sizeof(ms), "%.1f", request_seconds(rq) * 1e3);
	snprintf(bytes, sizeof(bytes), "%zu", rq->bytes);
	log_event("request", "id", rq->id, "method", rq->started ?
	    rq->method_buf : NULL, "route", rq->route ? rq->route :
	    "unmatched", "status", status, "ms", ms, "client", rq->client_ip,
	    "bytes", bytes, "end", end_name(toe), NULL);
}

/* Logs rq and frees it. */
static void
request_end(struct request *rq, enum MHD_RequestTerminationCode toe)
{
	struct http_conn *hc = conn_of(rq->conn);

	request_log(rq, toe);
	if (hc && hc->rq == rq)
		hc->rq = NULL;
	buf_release(&rq->body);
	free(rq);
}

/* Ends a request libmicrohttpd dropped; only the peer is known of its
 * client, its headers may be gone. */
static void
request_drop(struct request *rq)
{
	if (rq->client_ip == NULL) {
		peer_ip(rq->conn, rq->ip_buf, sizeof(rq->ip_buf));
		rq->client_ip = rq->ip_buf;
	}
	request_end(rq, MHD_REQUEST_TERMINATED_WITH_ERROR);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	if (rq == NULL)
		return;
	if (!rq->started)
		client_ip(conn, rq, rq->ip_buf, sizeof(rq->ip_buf));
	request_end(rq, toe);
	*con_cls = NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_conn *hc = *socket_context;

	(void)cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = xcalloc(1, sizeof(struct http_conn));
		return;
	}
	if (hc && hc->rq)
		request_drop(hc->rq);
	free(hc);
	*socket_context = NULL;
}

/* libmicrohttpd's own messages (say the 431 it sends itself for headers
 * past the memory pool) are events too, so that every stderr line of the
 * server is key=value. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[400];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_event("httpd", "message", msg, NULL);
}

struct http_server *
http_start(const struct config *cfg, struct service *svc,
    const char *admin_token, struct err *err)
{
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa = (struct sockaddr *)&sin;
	unsigned int v6 = 0;

	srv->cfg = cfg;
	srv->svc = svc;
	hash_sha256_hex(admin_token, srv->admin_hash);
	pthread_mutex_init(&srv->rate_lock, NULL);
	srv->rate = xmalloc(sizeof(*srv->rate));
	rate_table_init(srv->rate);
	srv->joins = xmalloc(sizeof(*srv->joins));
	rate_table_init(srv->joins);
	srv->imports = http_imports_new();
	pthread_key_create(&srv->store_key, store_key_free);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)cfg->listen_port);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons((uint16_t)cfg->listen_port);
	if (inet_pton(AF_INET, cfg->listen_host, &sin.sin_addr) != 1) {
		if (inet_pton(AF_INET6, cfg->listen_host,
		    &sin6.sin6_addr) != 1) {
			err_set(err, ERR_INVALID, "--listen host '%s' is not "
			    "an IPv4 or IPv6 address (e.g. 127.0.0.1, "
			    "0.0.0.0, [::1])", cfg->listen_host);
			goto out_free;
		}
		sa = (struct sockaddr *)&sin6;
		v6 = MHD_USE_IPv6;
	}
	srv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG | v6,
	    (uint16_t)cfg->listen_port, NULL, NULL, on_request, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
	    /* A connection idle this long (a slow header, a stalled body)
	     * is closed; one client holds at most HTTP_PER_IP_CONNECTIONS,
	     * except behind a trusted proxy, where every client is the
	     * proxy's address and the proxy limits its clients itself
	     * (docs/operations.md, "HTTP limits"). */
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)
	    (cfg->ntrusted_proxies ? 0 : HTTP_PER_IP_CONNECTIONS),
	    /* Room for a request line of HTTP_MAX_URI parsed into its
	     * parameters, so that we can answer 414 ourselves: with the
	     * default 32 KiB, 500 parameters exhaust the pool and the client
	     * gets no answer.  Pages are touched only as used. */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
	    MHD_OPTION_END);
	if (srv->daemon == NULL) {
		err_set(err, ERR_UNAVAILABLE, "cannot listen on %s: %s",
		    cfg->listen, errno ? strerror(errno) : "address in use?");
		goto out_free;
	}
	return srv;
out_free:
	pthread_key_delete(srv->store_key);
	pthread_mutex_destroy(&srv->rate_lock);
	free(srv->rate);
	free(srv->joins);
	http_imports_free(srv->imports);
	free(srv);
	return NULL;
}

void
http_stop(struct http_server *srv)
{
	if (srv == NULL)
		return;
	/* Worker threads exit here and close their stores (key
	 * destructor). */
	MHD_stop_daemon(srv->daemon);
	pthread_key_delete(srv->store_key);
	pthread_mutex_destroy(&srv->rate_lock);
	free(srv->rate);
	free(srv->joins);
	http_imports_free(srv->imports);
	free(srv);
}
