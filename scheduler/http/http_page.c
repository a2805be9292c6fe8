/*
 * http_page.c - the small HTML pages the service answers links with
 * (RSVP, unsubscribe): one look, no script, no external assets
 * (docs/dashboard.md, "Pages behind links").
 */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "http_int.h"
#include "text.h"

/* The one style sheet of these pages, inline (no external assets). */
static const char PAGE_STYLE[] =
    "body{font:16px/1.5 system-ui,sans-serif;"
    "max-width:36em;margin:2em auto;padding:0 1em;color:#222}"
    "a.button,button{display:inline-block;margin:.3em .5em .3em 0;"
    "padding:.5em 1em;border:1px solid #1a5;border-radius:4px;"
    "color:#174;background:#fff;text-decoration:none;font:inherit}"
    "a.button.current{background:#1a5;color:#fff}"
    ":focus{outline:3px solid #f90}"
    /* the forms of /join and /m/ (docs/joining.md) */
    "label{display:block;margin-top:.8em;font-weight:600}"
    "input,select{box-sizing:border-box;width:100%;max-width:24em;"
    "padding:.4em;font:inherit;border:1px solid #666;"
    "border-radius:4px}small{display:block;color:#555}"
    ".error{color:#a00;margin:.2em 0}form.inline{display:inline}"
    "button.current{background:#1a5;color:#fff}"
    ".hp{position:absolute;left:-10000px;width:1px;height:1px;"
    "overflow:hidden}";

static pthread_once_t csp_once = PTHREAD_ONCE_INIT;
static char csp[200];

/* The pages' Content-Security-Policy: nothing but the inline style sheet
 * (by its hash), forms posting back to this site, never in a frame
 * (docs/dashboard.md, "Pages behind links"). */
static void
csp_make(void)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];

	SHA256((const unsigned char *)PAGE_STYLE, strlen(PAGE_STYLE), md);
	EVP_EncodeBlock(b64, md, SHA256_DIGEST_LENGTH);
	/* img-src data: is the empty favicon, so browsers ask for none. */
	snprintf(csp, sizeof(csp), "default-src 'none'; img-src data:; "
	    "style-src 'sha256-%s'; form-action 'self'; base-uri 'none'; "
	    "frame-ancestors 'none'", (const char *)b64);
}

void
http_page_start(struct buf *b, const char *title)
{
	buf_adds(b, "<!doctype html><html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    /* no /favicon.ico request, as web/secretary.html */
	    "<link rel=\"icon\" href=\"data:,\"><title>");
	text_html_escape(b, title);
	buf_adds(b, "</title><style>");
	buf_adds(b, PAGE_STYLE);
	buf_adds(b, "</style></head><body><main>");
}

void
http_page_reply(struct response *rs, unsigned status, struct buf *b)
{
	size_t len;
	char *s;

	buf_adds(b, "</main></body></html>\n");
	s = buf_take(b, &len);
	pthread_once(&csp_once, csp_make);
	http_add_header(rs, "Cache-Control", "no-store");
	http_add_header(rs, "Content-Security-Policy", csp);
	http_add_header(rs, "X-Frame-Options", "DENY");
	http_add_header(rs, "Referrer-Policy", "no-referrer");
	http_reply_take(rs, status, "text/html; charset=utf-8", s, len);
}

void
http_page_message(struct response *rs, unsigned status, const char *title,
    const char *msg)
{
	struct buf b;

	buf_init(&b);
	http_page_start(&b, title);
	buf_adds(&b, "<h1>");
	text_html_escape(&b, title);
	buf_adds(&b, "</h1><p>");
	text_html_escape(&b, msg);
	buf_adds(&b, "</p>");
	http_page_reply(rs, status, &b);
}

