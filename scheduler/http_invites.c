/*
 * http_invites.c - RSVP and unsubscribe pages, attendee lists and the
 * outbox (CONTRACT.md §6, §7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http_int.h"
#include "meeting.h"
#include "xalloc.h"

/* ==== small HTML pages ================================================== */
static void
html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *s);
		}
	}
}

static void
page_start(struct buf *b, const char *title)
{
	buf_adds(b, "<!doctype html><html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"><title>");
	html_escape(b, title);
	buf_adds(b, "</title><style>body{font:16px/1.5 system-ui,sans-serif;"
	    "max-width:36em;margin:2em auto;padding:0 1em;color:#222}"
	    "a.button,button{display:inline-block;margin:.3em .5em .3em 0;"
	    "padding:.5em 1em;border:1px solid #1a5;border-radius:4px;"
	    "color:#174;background:#fff;text-decoration:none;font:inherit}"
	    "a.button.current{background:#1a5;color:#fff}"
	    ":focus{outline:3px solid #f90}</style></head><body><main>");
}

static void
page_reply(struct response *rs, unsigned status, struct buf *b)
{
	size_t len;
	char *s;

	buf_adds(b, "</main></body></html>\n");
	s = buf_take(b, &len);
	http_add_header(rs, "Cache-Control", "no-store");
	http_reply_take(rs, status, "text/html; charset=utf-8", s, len);
}

static void
page_message(struct response *rs, unsigned status, const char *title,
    const char *msg)
{
	struct buf b;

	buf_init(&b);
	page_start(&b, title);
	buf_adds(&b, "<h1>");
	html_escape(&b, title);
	buf_adds(&b, "</h1><p>");
	html_escape(&b, msg);
	buf_adds(&b, "</p>");
	page_reply(rs, status, &b);
}

/* ==== RSVP ============================================================== */
static const struct {
	const char *answer;	/* in the link */
	const char *rsvp;	/* stored, as PARTSTAT in lower case */
	const char *words;	/* on the page */
} ANSWERS[] = {
	{ "yes", "accepted", "Yes, I will attend" },
	{ "no", "declined", "No, I can't come" },
	{ "maybe", "tentative", "Maybe" },
};

static void
h_rsvp(struct request *rq, struct response *rs)
{
	const char *answer = http_query(rq, "answer");
	struct invitation inv;
	struct meeting *m;
	struct club c;
	struct err err;
	struct buf b;
	int64_t id;
	size_t i, chosen = sizeof(ANSWERS) / sizeof(ANSWERS[0]);

	if (!http_token_allowed(rq, rs))
		return;
	id = service_token_id(rq->svc, "rsvp", rq->params[0]);
	err_clear(&err);
	if (id < 0 || store_invitation_get(rq->store, id, &inv, &err) < 0) {
		http_token_failed(rq);
		page_message(rs, 404, "Invitation not found",
		    "This RSVP link is not valid. Please use the link from "
		    "your invitation e-mail.");
		return;
	}
	for (i = 0; answer && i < sizeof(ANSWERS) / sizeof(ANSWERS[0]); i++)
		if (strcmp(answer, ANSWERS[i].answer) == 0)
			chosen = i;
	if (answer && chosen == sizeof(ANSWERS) / sizeof(ANSWERS[0])) {
		page_message(rs, 400, "Unknown answer",
		    "The answer must be yes, no or maybe.");
		return;
	}
	if (answer && store_invitation_answer(rq->store, id,
	    ANSWERS[chosen].rsvp, &err) < 0) {
		http_reply_err(rs, &err);
		return;
	}
	m = xmalloc(sizeof(*m));
	if (store_meeting_get(rq->store, inv.meeting_id, m, &err) < 0 ||
	    store_club_get(rq->store, m->club_id, &c, &err) < 0) {
		free(m);
		http_reply_err(rs, &err);
		return;
	}
	if (answer)
		snprintf(inv.rsvp, sizeof(inv.rsvp), "%s",
		    ANSWERS[chosen].rsvp);
	buf_init(&b);
	page_start(&b, "Your answer");
	buf_adds(&b, "<h1>");
	html_escape(&b, m->title);
	buf_adds(&b, "</h1><p>");
	html_escape(&b, c.name);
	buf_adds(&b, "</p>");
	for (i = 0; i < sizeof(ANSWERS) / sizeof(ANSWERS[0]); i++)
		if (strcmp(inv.rsvp, ANSWERS[i].rsvp) == 0)
			break;
	buf_adds(&b, "<p id=\"answer\" role=\"status\">");
	if (i < sizeof(ANSWERS) / sizeof(ANSWERS[0])) {
		buf_adds(&b, answer ? "Thank you! We recorded your answer: "
		    "<strong>" : "Your answer: <strong>");
		html_escape(&b, ANSWERS[i].words);
		buf_adds(&b, "</strong>.");
	} else {
		buf_adds(&b, "You have not answered yet.");
	}
	buf_adds(&b, "</p><p>Change your answer:</p><p>");
	for (size_t j = 0; j < sizeof(ANSWERS) / sizeof(ANSWERS[0]); j++) {
		buf_addf(&b, "<a class=\"button%s\" href=\"?answer=%s\">",
		    j == i ? " current" : "", ANSWERS[j].answer);
		html_escape(&b, ANSWERS[j].words);
		buf_adds(&b, "</a>");
	}
	buf_adds(&b, "</p>");
	if (m->video_url[0]) {
		buf_adds(&b, "<p>Video call: <a href=\"");
		html_escape(&b, m->video_url);
		buf_adds(&b, "\">");
		html_escape(&b, m->video_url);
		buf_adds(&b, "</a></p>");
	}
	free(m);
	page_reply(rs, 200, &b);
}

/* ==== unsubscribe ======================================================= */

/* GET shows a button; POST (the button, or RFC 8058 one-click from the
 * mail program) unsubscribes.  A GET never changes anything, so link
 * scanners cannot unsubscribe anyone. */
static void
h_unsubscribe(struct request *rq, struct response *rs)
{
	struct member mem;
	struct err err;
	struct buf b;
	int64_t id;

	if (!http_token_allowed(rq, rs))
		return;
	id = service_token_id(rq->svc, "unsub", rq->params[0]);
	err_clear(&err);
	if (id < 0 || store_member_get(rq->store, id, &mem, &err) < 0) {
		http_token_failed(rq);
		page_message(rs, 404, "Link not valid",
		    "This unsubscribe link is not valid.");
		return;
	}
	if (strcmp(rq->method, "POST") == 0) {
		if (store_begin(rq->store, &err) < 0 ||
		    store_member_unsubscribe(rq->store, id, &err) < 0 ||
		    store_commit(rq->store, &err) < 0) {
			store_rollback(rq->store);
			http_reply_err(rs, &err);
			return;
		}
		page_message(rs, 200, "Unsubscribed", "You will get no more "
		    "meeting invitations from clubmatch.");
		return;
	}
	buf_init(&b);
	page_start(&b, "Unsubscribe");
	buf_adds(&b, "<h1>Unsubscribe</h1><p>Stop meeting invitations to ");
	html_escape(&b, mem.email);
	buf_adds(&b, "?</p><form method=\"post\"><button type=\"submit\">"
	    "Unsubscribe</button></form>");
	page_reply(rs, 200, &b);
}

/* ==== attendees ========================================================= */
static void
utc_text(time_t t, char out[32])
{
	struct tm tm;

	out[0] = '\0';
	if (t <= 0)
		return;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct att_ctx {
	json_t *items;
	struct buf csv;
	bool as_csv;
	long counts[4];		/* needs-action accepted declined tentative */
};

static void
csv_field(struct buf *b, const char *s, bool last)
{
	/* Quote always; double quotes; a leading = + - @ would make a
	 * spreadsheet run a formula, so it gets a ' first. */
	buf_addc(b, '"');
	if (strchr("=+-@", s[0]) && s[0])
		buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_adds(b, last ? "\"\r\n" : "\",");
}

static int
add_attendee(const struct attendee *a, void *arg)
{
	static const char *const states[] = { "needs-action", "accepted",
		"declined", "tentative" };
	struct att_ctx *x = arg;
	char inv[32], resp[32], dist[32] = "";
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(a->rsvp, states[i]) == 0)
			x->counts[i]++;
	utc_text(a->invited_at, inv);
	utc_text(a->responded_at, resp);
	if (a->distance_miles >= 0)
		snprintf(dist, sizeof(dist), "%.1f", a->distance_miles);
	if (x->as_csv) {
		csv_field(&x->csv, a->name, false);
		csv_field(&x->csv, a->email, false);
		csv_field(&x->csv, a->city, false);
		csv_field(&x->csv, a->state, false);
		csv_field(&x->csv, dist, false);
		csv_field(&x->csv, mode_name(a->mode), false);
		csv_field(&x->csv, a->rsvp, false);
		csv_field(&x->csv, inv, false);
		csv_field(&x->csv, resp, true);
		return 0;
	}
	json_array_append_new(x->items, json_pack("{s:I, s:s, s:s, s:s, s:s, "
	    "s:o, s:s, s:s, s:s, s:o}", "member_id", (json_int_t)a->member_id,
	    "name", a->name, "email", a->email, "city", a->city, "state",
	    a->state, "distance_miles", a->distance_miles >= 0 ?
	    json_real(a->distance_miles) : json_null(), "mode",
	    mode_name(a->mode), "rsvp", a->rsvp, "invited_at", inv,
	    "responded_at", resp[0] ? json_string(resp) : json_null()));
	return 0;
}

static void
h_attendees(struct request *rq, struct response *rs)
{
	const char *accept = http_header(rq, "Accept");
	struct att_ctx x;
	struct meeting *m = xmalloc(sizeof(*m));
	struct err err;
	int64_t id;
	size_t len;
	char *s, disp[96];

	memset(&x, 0, sizeof(x));
	err_clear(&err);
	if (!http_param_id(rq, rs, 0, &id))
		goto out;
	if (store_meeting_get(rq->store, id, m, &err) < 0) {
		http_reply_err(rs, &err);
		goto out;
	}
	if (!http_may_club(rq, rs, m->club_id))
		goto out;
	x.as_csv = (accept && strstr(accept, "text/csv")) ||
	    (http_query(rq, "format") &&
	    strcmp(http_query(rq, "format"), "csv") == 0);
	buf_init(&x.csv);
	x.items = json_array();
	if (x.as_csv)
		buf_adds(&x.csv, "name,email,city,state,distance_miles,mode,"
		    "rsvp,invited_at,responded_at\r\n");
	if (store_attendees_each(rq->store, id, add_attendee, &x, &err) < 0) {
		json_decref(x.items);
		buf_release(&x.csv);
		http_reply_err(rs, &err);
		goto out;
	}
	if (x.as_csv) {
		json_decref(x.items);
		s = buf_take(&x.csv, &len);
		snprintf(disp, sizeof(disp), "attachment; filename=\""
		    "attendees-meeting-%lld.csv\"", (long long)id);
		http_add_header(rs, "Content-Disposition", disp);
		http_reply_take(rs, 200, "text/csv; charset=utf-8", s, len);
		goto out;
	}
	buf_release(&x.csv);
	http_reply_json(rs, 200, json_pack("{s:I, s:o, s:{s:I, s:I, s:I, "
	    "s:I}, s:n}", "meeting_id", (json_int_t)id, "items", x.items,
	    "counts", "needs-action", (json_int_t)x.counts[0], "accepted",
	    (json_int_t)x.counts[1], "declined", (json_int_t)x.counts[2],
	    "tentative", (json_int_t)x.counts[3], "next"));
out:
	free(m);
}

/* ==== outbox ============================================================ */
struct outbox_ctx {
	json_t *items;
	int64_t last;
	int count;
};

static int
add_outbox(const struct outbox_row *r, void *arg)
{
	struct outbox_ctx *x = arg;
	char created[32], sent[32], next[32];

	utc_text(r->created_at, created);
	utc_text(r->sent_at, sent);
	utc_text(r->next_attempt_at, next);
	json_array_append_new(x->items, json_pack("{s:I, s:s, s:s, s:s, s:i, "
	    "s:s, s:I, s:I, s:i, s:s, s:o, s:s, s:o}", "id",
	    (json_int_t)r->id, "to", r->to, "subject", r->subject, "status",
	    r->status, "attempts", r->attempts, "last_error", r->last_error,
	    "meeting_id", (json_int_t)r->meeting_id, "member_id",
	    (json_int_t)r->member_id, "sequence", r->sequence, "method",
	    r->method, "occurrence", r->occurrence[0] ?
	    json_string(r->occurrence) : json_null(), "created_at", created,
	    "sent_at", sent[0] ? json_string(sent) : json_null()));
	if (strcmp(r->status, "pending") == 0)
		json_object_set_new(json_array_get(x->items,
		    json_array_size(x->items) - 1), "next_attempt_at",
		    json_string(next));
	x->last = r->id;
	x->count++;
	return 0;
}

static void
h_outbox(struct request *rq, struct response *rs)
{
	const char *status = http_query(rq, "status");
	struct outbox_ctx x = { NULL, 0, 0 };
	struct err err;
	int limit;
	int64_t after;

	if (!http_page(rq, rs, &limit, &after))
		return;
	if (status && strcmp(status, "pending") != 0 &&
	    strcmp(status, "sent") != 0 && strcmp(status, "failed") != 0) {
		http_reply_error(rs, 400, "bad_parameter", "status",
		    "status must be pending, sent or failed");
		return;
	}
	x.items = json_array();
	err_clear(&err);
	if (store_outbox_each(rq->store, status, after, limit, add_outbox, &x,
	    &err) < 0) {
		json_decref(x.items);
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, json_page(x.items, x.count == limit ?
	    x.last : 0));
}

const struct route http_invite_routes[] = {
	{ "GET", "/rsvp/{}", ACCESS_PUBLIC, h_rsvp },
	{ "GET", "/unsubscribe/{}", ACCESS_PUBLIC, h_unsubscribe },
	{ "POST", "/unsubscribe/{}", ACCESS_PUBLIC, h_unsubscribe },
	{ "GET", "/api/v1/meetings/{}/attendees", ACCESS_CLUB, h_attendees },
	{ "GET", "/api/v1/outbox", ACCESS_ADMIN, h_outbox },
};
const size_t http_invite_nroutes = sizeof(http_invite_routes) /
    sizeof(http_invite_routes[0]);
