/*
 * http.h - the HTTP API and pages (docs/api.md), on libmicrohttpd.
 *
 * A thread pool with epoll serves requests; each worker thread opens its
 * own store connection on first use.  Everything else the handlers share
 * (configuration, ZIP table, service) is read-only or locked inside.
 */
#ifndef CLUBMATCH_HTTP_H
#define CLUBMATCH_HTTP_H

#include "config.h"
#include "err.h"
#include "service.h"

struct http_server;

/* Starts listening on cfg->listen_host:cfg->listen_port.  admin_token is
 * copied (only its hash is kept).  NULL with *err on failure. */
struct http_server *http_start(const struct config *cfg,
    struct service *svc, const char *admin_token, struct err *err);
/* Stops accepting, finishes requests in flight, frees everything. */
void http_stop(struct http_server *srv);	/* NULL ok */

#endif
