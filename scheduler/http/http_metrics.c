/*
 * http_metrics.c - GET /metrics (docs/operations.md, "Metrics"): the
 * requests by route pattern, method and status and a latency histogram,
 * counted here under a mutex, then the database's counts (metrics.c),
 * in the Prometheus text format.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http_int.h"
#include "metrics.h"

#define MAX_SERIES 512	/* route x method x status; more go to "other" */

struct series {
	const char *route;	/* a route table's pattern (static) */
	char method[8];
	unsigned status;
	uint64_t n;
};

static const double BOUNDS[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10 };
#define NBOUNDS (sizeof(BOUNDS) / sizeof(BOUNDS[0]))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series series[MAX_SERIES];
static size_t nseries;
static uint64_t buckets[NBOUNDS], count;
static double sum;

void
http_metrics_count(const char *method, const char *route, unsigned status,
    double seconds)
{
	size_t i;

	if (route == NULL)
		route = "unmatched";
	pthread_mutex_lock(&lock);
	for (i = 0; i < nseries; i++)
		if (series[i].route == route && series[i].status == status &&
		    strcmp(series[i].method, method) == 0)
			break;
	if (i == nseries && nseries < MAX_SERIES) {
		series[i].route = route;
		snprintf(series[i].method, sizeof(series[i].method), "%s",
		    method);
		series[i].status = status;
		nseries++;
	}
	if (i < nseries)
		series[i].n++;
	for (i = 0; i < NBOUNDS; i++)
		if (seconds <= BOUNDS[i])
			buckets[i]++;
	count++;
	sum += seconds;
	pthread_mutex_unlock(&lock);
}

/* Whether the TCP peer (not the X-Forwarded-For client) is loopback. */
static bool
peer_is_loopback(struct request *rq)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(rq->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr);
	return false;
}

static void
h_metrics(struct request *rq, struct response *rs)
{
	struct buf b;
	struct err err;
	size_t i;
	char *s;
	size_t len;

	if (rq->role != ROLE_ADMIN) {
		if (rq->role == ROLE_SECRETARY || !peer_is_loopback(rq) ||
		    http_header(rq, "Authorization") ||
		    http_header(rq, "X-Forwarded-For")) {
			if (rq->role == ROLE_NONE)
				http_add_header(rs, "WWW-Authenticate",
				    "Bearer");
			http_reply_error(rs, rq->role == ROLE_NONE ? 401 : 403,
			    rq->role == ROLE_NONE ? "unauthorized" :
			    "forbidden", NULL, "/metrics needs the admin "
			    "token, except from a loopback peer");
			return;
		}
	}
	buf_init(&b);
	buf_adds(&b, "# HELP clubmatch_http_requests_total HTTP requests by "
	    "route, method and status.\n"
	    "# TYPE clubmatch_http_requests_total counter\n");
	pthread_mutex_lock(&lock);
	for (i = 0; i < nseries; i++)
		buf_addf(&b, "clubmatch_http_requests_total{route=\"%s\","
		    "method=\"%s\",status=\"%u\"} %" PRIu64 "\n",
		    series[i].route, series[i].method, series[i].status,
		    series[i].n);
	buf_adds(&b, "# HELP clubmatch_http_request_duration_seconds Time "
	    "to answer a request.\n"
	    "# TYPE clubmatch_http_request_duration_seconds histogram\n");
	for (i = 0; i < NBOUNDS; i++)
		buf_addf(&b, "clubmatch_http_request_duration_seconds_bucket"
		    "{le=\"%g\"} %" PRIu64 "\n", BOUNDS[i], buckets[i]);
	buf_addf(&b, "clubmatch_http_request_duration_seconds_bucket"
	    "{le=\"+Inf\"} %" PRIu64 "\n"
	    "clubmatch_http_request_duration_seconds_sum %.6f\n"
	    "clubmatch_http_request_duration_seconds_count %" PRIu64 "\n",
	    count, sum, count);
	pthread_mutex_unlock(&lock);
	err_clear(&err);
	if (metrics_write(rq->store, &b, &err) < 0) {
		buf_release(&b);
		http_reply_err(rs, &err);
		return;
	}
	s = buf_take(&b, &len);
	http_add_header(rs, "Cache-Control", "no-store");
	http_reply_take(rs, 200, "text/plain; version=0.0.4; charset=utf-8",
	    s, len);
}

const struct route http_metrics_routes[] = {
	{ "GET", "/metrics", ACCESS_PUBLIC, h_metrics },
};
const size_t http_metrics_nroutes = sizeof(http_metrics_routes) /
    sizeof(http_metrics_routes[0]);
