/*
 * http_web.c - the secretary dashboard's files (docs/dashboard.md), served
 * from the copies embedded at build time (web/assets.S), and
 * http_web_file(), which the organizer's console (http_admin.c) serves
 * its own files with.
 */
#include <string.h>

#include "http_int.h"
#include "xalloc.h"

extern const char web_secretary_html_start[], web_secretary_html_end[];
extern const char web_app_js_start[], web_app_js_end[];
extern const char web_dom_js_start[], web_dom_js_end[];
extern const char web_app_css_start[], web_app_css_end[];

void
http_web_file(struct response *rs, const char *start, const char *end,
    const char *type)
{
	size_t len = (size_t)(end - start);
	char *copy = xmalloc(len + 1);

	memcpy(copy, start, len);
	copy[len] = '\0';
	http_add_header(rs, "Cache-Control", "no-cache");
	/* Everything the page needs comes from this server. */
	http_add_header(rs, "Content-Security-Policy", "default-src 'self'; "
	    "img-src 'self' data:; frame-ancestors 'none'");
	http_add_header(rs, "Referrer-Policy", "no-referrer");
	http_reply_take(rs, 200, type, copy, len);
}

static void
h_page(struct request *rq, struct response *rs)
{
	(void)rq;
	http_web_file(rs, web_secretary_html_start, web_secretary_html_end,
	    "text/html; charset=utf-8");
}

static void
h_js(struct request *rq, struct response *rs)
{
	(void)rq;
	http_web_file(rs, web_app_js_start, web_app_js_end,
	    "text/javascript; charset=utf-8");
}

/* The DOM helpers, loaded by this page and the console's (/admin). */
static void
h_dom_js(struct request *rq, struct response *rs)
{
	(void)rq;
	http_web_file(rs, web_dom_js_start, web_dom_js_end,
	    "text/javascript; charset=utf-8");
}

static void
h_css(struct request *rq, struct response *rs)
{
	(void)rq;
	http_web_file(rs, web_app_css_start, web_app_css_end,
	    "text/css; charset=utf-8");
}

const struct route http_web_routes[] = {
	{ "GET", "/secretary", ACCESS_PUBLIC, h_page },
	{ "GET", "/secretary/", ACCESS_PUBLIC, h_page },
	{ "GET", "/secretary/app.js", ACCESS_PUBLIC, h_js },
	{ "GET", "/secretary/dom.js", ACCESS_PUBLIC, h_dom_js },
	{ "GET", "/secretary/app.css", ACCESS_PUBLIC, h_css },
};
const size_t http_web_nroutes = sizeof(http_web_routes) /
    sizeof(http_web_routes[0]);
