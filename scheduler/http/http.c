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
#include "text.h"
#include "token.h"
#include "xalloc.h"

/* Failed token attempts: more than RATE_MAX_FAILS from one address within
 * RATE_WINDOW seconds get 429 until the window has passed. */
#define RATE_SLOTS 256
#define RATE_MAX_FAILS 20
#define RATE_WINDOW 60

struct rate_slot {
	char ip[64];
	time_t start;
	int fails;
};

struct http_server {
	struct MHD_Daemon *daemon;
	const struct config *cfg;
	struct service *svc;
	char admin_hash[65];		/* SHA-256 of the admin token */
	pthread_key_t store_key;	/* each worker's struct store */
	pthread_mutex_t rate_lock;
	struct rate_slot rate[RATE_SLOTS];
	struct rate_slot join_rate[RATE_SLOTS];	/* sign-ups (§12) */
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
	{ http_attend_routes, &http_attend_nroutes },
};

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
		fprintf(stderr, "clubmatch: internal error: %s\n", err->msg);
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

/* True when ip is allowed another token attempt. */
static bool
rate_allows(struct http_server *srv, const char *ip)
{
	unsigned h = 5381;
	struct rate_slot *slot;
	const char *p;
	bool ok = true;
	time_t now = time(NULL);

	for (p = ip; *p; p++)
		h = h * 33 + (unsigned char)*p;
	slot = &srv->rate[h % RATE_SLOTS];
	pthread_mutex_lock(&srv->rate_lock);
	if (strcmp(slot->ip, ip) == 0 && now - slot->start < RATE_WINDOW)
		ok = slot->fails < RATE_MAX_FAILS;
	pthread_mutex_unlock(&srv->rate_lock);
	return ok;
}

static void
rate_fail(struct http_server *srv, const char *ip)
{
	unsigned h = 5381;
	struct rate_slot *slot;
	const char *p;
	time_t now = time(NULL);

	for (p = ip; *p; p++)
		h = h * 33 + (unsigned char)*p;
	slot = &srv->rate[h % RATE_SLOTS];
	pthread_mutex_lock(&srv->rate_lock);
	if (strcmp(slot->ip, ip) != 0 || now - slot->start >= RATE_WINDOW) {
		snprintf(slot->ip, sizeof(slot->ip), "%s", ip);
		slot->start = now;
		slot->fails = 0;
	}
	slot->fails++;
	pthread_mutex_unlock(&srv->rate_lock);
}

bool
http_token_allowed(struct request *rq, struct response *rs)
{
	if (rate_allows(rq->srv, rq->client_ip))
		return true;
	http_add_header(rs, "Retry-After", "60");
	http_reply_error(rs, 429, "rate_limited", NULL,
	    "too many failed token attempts from this address: wait a minute");
	return false;
}

void
http_token_failed(struct request *rq)
{
	rate_fail(rq->srv, rq->client_ip);
}

/* Sign-ups: JOIN_MAX_PER_HOUR per client and hour (docs/joining.md),
 * in memory: a restart forgets them, as it forgets failed tokens. */
#define JOIN_MAX_PER_HOUR 10
#define JOIN_WINDOW 3600

bool
http_join_allowed(struct request *rq)
{
	unsigned h = 5381;
	struct rate_slot *slot;
	const char *p;
	bool ok;
	time_t now = time(NULL);

	for (p = rq->client_ip; *p; p++)
		h = h * 33 + (unsigned char)*p;
	slot = &rq->srv->join_rate[h % RATE_SLOTS];
	pthread_mutex_lock(&rq->srv->rate_lock);
	if (strcmp(slot->ip, rq->client_ip) != 0 ||
	    now - slot->start >= JOIN_WINDOW) {
		snprintf(slot->ip, sizeof(slot->ip), "%s", rq->client_ip);
		slot->start = now;
		slot->fails = 0;
	}
	ok = slot->fails < JOIN_MAX_PER_HOUR;
	if (ok)
		slot->fails++;
	pthread_mutex_unlock(&rq->srv->rate_lock);
	return ok;
}

void
http_date(time_t t, char out[40])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Sets rq->role from the presented token.  false after replying 429. */
static bool
authenticate(struct request *rq, struct response *rs)
{
	const char *token = bearer_token(rq);
	char hash[65];

	rq->role = ROLE_NONE;
	if (token == NULL)
		return true;
	if (!http_token_allowed(rq, rs))
		return false;
	hash_sha256_hex(token, hash);
	if (hash_equal_consttime(hash, rq->srv->admin_hash)) {
		rq->role = ROLE_ADMIN;
		return true;
	}
	if (token_secretary_club(rq->store, hash, &rq->club_id) == 0) {
		rq->role = ROLE_SECRETARY;
		return true;
	}
	rate_fail(rq->srv, rq->client_ip);
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

static void
dispatch(struct request *rq, struct response *rs)
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
		return;
	}
	buf_release(&allow);
	/* Re-match to restore the parameters of the route found. */
	route_match(found->pattern, rq->path, rq);
	if (!authenticate(rq, rs) || !authorize(rq, rs, found->access))
		return;
	found->handler(rq, rs);
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
queue(struct MHD_Connection *conn, struct response *rs)
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
	ret = MHD_queue_response(conn, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
response_init(struct response *rs)
{
	memset(rs, 0, sizeof(*rs));
	buf_init(&rs->headers);
}

static void
response_release(struct response *rs)
{
	free(rs->body);
	buf_release(&rs->headers);
}

static enum MHD_Result
reply_now(struct MHD_Connection *conn, unsigned status, const char *code,
    const char *msg)
{
	struct response rs;
	enum MHD_Result ret;

	response_init(&rs);
	http_reply_error(&rs, status, code, NULL, "%s", msg);
	ret = queue(conn, &rs);
	response_release(&rs);
	return ret;
}

static void
client_ip(struct MHD_Connection *conn, struct request *rq, char *out,
    size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, size, "unknown");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    out, (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		    (socklen_t)size);
	rq->client_ip = out;
}

/*
 * libmicrohttpd calls this several times per request: first with no
 * state (we allocate it), then with body chunks, then with none left.
 * Answering on the first call makes 0.9.75 close the connection, which
 * costs keep-alive clients dearly, so even body-less requests are
 * answered on the second call.
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
	char ip[64];
	enum MHD_Result ret;

	(void)version;
	if (rq == NULL) {
		const char *cl = MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, "Content-Length");
		char *end;

		/* Refuse big bodies before reading them. */
		if (cl && (strtoull(cl, &end, 10) > HTTP_MAX_BODY))
			return reply_now(conn, 413, "body_too_large",
			    "request bodies are limited to 1 MiB");
		rq = xcalloc(1, sizeof(*rq));
		buf_init(&rq->body);
		*con_cls = rq;
		return MHD_YES;
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
		return reply_now(conn, 413, "body_too_large",
		    "request bodies are limited to 1 MiB");
	rq->srv = srv;
	rq->conn = conn;
	rq->method = method;
	rq->path = url;
	rq->cfg = srv->cfg;
	rq->svc = srv->svc;
	client_ip(conn, rq, ip, sizeof(ip));
	response_init(&rs);
	err_clear(&err);
	rq->store = thread_store(srv, &err);
	if (rq->store == NULL)
		http_reply_err(&rs, &err);
	else
		dispatch(rq, &rs);
	if (rs.body == NULL)
		http_reply_error(&rs, 500, "internal", NULL,
		    "the handler gave no answer");
	ret = queue(conn, &rs);
	response_release(&rs);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq == NULL)
		return;
	buf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
}

struct http_server *
http_start(const struct config *cfg, struct service *svc,
    const char *admin_token, struct err *err)
{
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	struct sockaddr_in sin;

	srv->cfg = cfg;
	srv->svc = svc;
	hash_sha256_hex(admin_token, srv->admin_hash);
	pthread_mutex_init(&srv->rate_lock, NULL);
	pthread_key_create(&srv->store_key, store_key_free);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)cfg->listen_port);
	if (inet_pton(AF_INET, cfg->listen_host, &sin.sin_addr) != 1) {
		err_set(err, ERR_INVALID, "--listen host '%s' is not an IPv4 "
		    "address (e.g. 127.0.0.1 or 0.0.0.0)", cfg->listen_host);
		goto out_free;
	}
	srv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)cfg->listen_port,
	    NULL, NULL, on_request, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
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
	free(srv);
}
