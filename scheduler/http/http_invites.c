/*
 * http_invites.c - RSVP and unsubscribe pages, attendee lists and the
 * outbox (docs/api.md, docs/email.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http_int.h"
#include "invite.h"
#include "meeting.h"
#include "member.h"
#include "text.h"
#include "xalloc.h"

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
#define N_ANSWERS (sizeof(ANSWERS) / sizeof(ANSWERS[0]))

static const char *
answer_words(const char *rsvp)
{
	size_t i;

	for (i = 0; rsvp && i < N_ANSWERS; i++)
		if (strcmp(rsvp, ANSWERS[i].rsvp) == 0)
			return ANSWERS[i].words;
	return NULL;
}

/* One POST button that records `answer` (for v->date when set). */
static void
rsvp_button(struct buf *b, const struct rsvp_view *v, size_t answer,
    bool primary)
{
	buf_adds(b, "<form method=\"post\" class=\"inline\">"
	    "<input type=\"hidden\" name=\"answer\" value=\"");
	buf_adds(b, ANSWERS[answer].answer);
	buf_adds(b, "\">");
	if (v->date[0]) {
		buf_adds(b, "<input type=\"hidden\" name=\"date\" value=\"");
		text_html_escape(b, v->date);
		buf_adds(b, "\">");
	}
	buf_addf(b, "<button type=\"submit\"%s>", primary ? "" :
	    " class=\"secondary\"");
	text_html_escape(b, ANSWERS[answer].words);
	buf_adds(b, "</button></form>");
}

/* GET: the meeting and the link's answer with one button that records
 * it; POST: the confirmation.  Scanners that open links change nothing
 * (docs/email.md, "Answers"). */
static void
rsvp_page(struct response *rs, const struct rsvp_view *v)
{
	const char *now = answer_words(v->inv.responded_at ? v->inv.rsvp :
	    NULL);
	struct buf b;
	size_t j;

	buf_init(&b);
	http_page_start(&b, "Your answer");
	buf_adds(&b, "<h1>");
	text_html_escape(&b, v->title);
	buf_adds(&b, "</h1><p>");
	text_html_escape(&b, v->club_name);
	if (v->date[0]) {
		buf_adds(&b, " &middot; the meeting of ");
		text_html_escape(&b, v->date);
	}
	buf_adds(&b, "</p><p id=\"answer\" role=\"status\">");
	if (v->recorded) {
		buf_adds(&b, "Thank you! We recorded your answer: <strong>");
		text_html_escape(&b, now ? now : "");
		buf_adds(&b, "</strong>.");
	} else if (now) {
		buf_adds(&b, "Your answer so far: <strong>");
		text_html_escape(&b, now);
		buf_adds(&b, "</strong>.");
	} else {
		buf_adds(&b, "You have not answered yet.");
	}
	buf_adds(&b, "</p>");
	for (j = 0; !v->recorded && v->chosen && j < N_ANSWERS; j++)
		if (strcmp(v->chosen, ANSWERS[j].rsvp) == 0) {
			buf_adds(&b, "<p>Press the button to send your "
			    "answer:</p>");
			rsvp_button(&b, v, j, true);
		}
	buf_adds(&b, "<p>");
	buf_adds(&b, v->chosen && !v->recorded ? "Or answer:" :
	    "Change your answer:");
	buf_adds(&b, "</p><p>");
	for (j = 0; j < N_ANSWERS; j++)
		if (!v->chosen || v->recorded ||
		    strcmp(v->chosen, ANSWERS[j].rsvp) != 0)
			rsvp_button(&b, v, j, false);
	buf_adds(&b, "</p>");
	if (v->video_url[0]) {
		buf_adds(&b, "<p>Video call: <a href=\"");
		text_html_escape(&b, v->video_url);
		buf_adds(&b, "\">");
		text_html_escape(&b, v->video_url);
		buf_adds(&b, "</a></p>");
	}
	http_page_reply(rs, 200, &b);
}

static void
rsvp_failed(struct request *rq, struct response *rs, const struct err *err)
{
	char msg[300];

	if (err->code == ERR_NOT_FOUND && strstr(err->msg, "no such")) {
		http_token_failed(rq);
		http_page_message(rs, 404, "Invitation not found",
		    "This RSVP link is not valid. Please use the link from "
		    "your invitation e-mail.");
	} else if (err->code == ERR_NOT_FOUND) {
		snprintf(msg, sizeof(msg), "No answer is needed: %s.",
		    err->msg);
		http_page_message(rs, 410, "No longer open", msg);
	} else if (err->code == ERR_INVALID ||
	    err->code == ERR_MALFORMED) {
		http_page_message(rs, 400, "Unknown answer", err->msg);
	} else {
		http_reply_err(rs, err);
	}
}

static void
h_rsvp(struct request *rq, struct response *rs)
{
	bool post = strcmp(rq->method, "POST") == 0;
	char answer[16] = "", date[16] = "";
	struct rsvp_ask q = { rq->params[0], NULL, NULL, post };
	struct rsvp_view *v;
	struct err err;

	if (!http_token_allowed(rq, rs))
		return;
	err_clear(&err);
	if (post) {
		if (!http_form_ok(rq) ||
		    http_form_get(rq, "answer", answer, sizeof(answer)) < 0 ||
		    http_form_get(rq, "date", date, sizeof(date)) < 0) {
			http_page_message(rs, 400, "Unknown answer", "Send the "
			    "form of the answer page.");
			return;
		}
		q.answer = answer[0] ? answer : http_query(rq, "answer");
		q.date = date[0] ? date : http_query(rq, "date");
	} else {
		q.answer = http_query(rq, "answer");
		q.date = http_query(rq, "date");
	}
	v = xmalloc(sizeof(*v));
	if (invite_rsvp(rq->svc, rq->store, &q, v, &err) == 0)
		rsvp_page(rs, v);
	else
		rsvp_failed(rq, rs, &err);
	free(v);
}

/* ==== unsubscribe ======================================================= */

/* GET shows a button; POST (the button, or RFC 8058 one-click from the
 * mail program) unsubscribes.  A GET never changes anything, so link
 * scanners cannot unsubscribe anyone. */
static void
h_unsubscribe(struct request *rq, struct response *rs)
{
	bool post = strcmp(rq->method, "POST") == 0;
	struct member mem;
	struct err err;
	struct buf b;

	if (!http_token_allowed(rq, rs))
		return;
	err_clear(&err);
	if (member_by_unsubscribe_link(rq->svc, rq->store, rq->params[0],
	    post, &mem, &err) < 0) {
		if (err.code != ERR_NOT_FOUND) {
			http_reply_err(rs, &err);
			return;
		}
		http_token_failed(rq);
		http_page_message(rs, 404, "Link not valid",
		    "This unsubscribe link is not valid.");
		return;
	}
	if (post) {
		http_page_message(rs, 200, "Unsubscribed", "You will get no "
		    "more meeting invitations from clubmatch.");
		return;
	}
	buf_init(&b);
	http_page_start(&b, "Unsubscribe");
	buf_adds(&b, "<h1>Unsubscribe</h1><p>Stop meeting invitations to ");
	text_html_escape(&b, mem.email);
	buf_adds(&b, "?</p><form method=\"post\"><button type=\"submit\">"
	    "Unsubscribe</button></form>");
	http_page_reply(rs, 200, &b);
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

void
http_csv_field(struct buf *b, const char *s, bool last)
{
	/* Quote always; double quotes; a leading = + - @ would make a
	 * spreadsheet run a formula, so it gets a ' first. */
	buf_addc(b, '"');
	if (s[0] && strchr("=+-@\t\r", s[0]))
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
		http_csv_field(&x->csv, a->name, false);
		http_csv_field(&x->csv, a->email, false);
		http_csv_field(&x->csv, a->city, false);
		http_csv_field(&x->csv, a->state, false);
		http_csv_field(&x->csv, dist, false);
		http_csv_field(&x->csv, model_mode_name(a->mode), false);
		http_csv_field(&x->csv, a->rsvp, false);
		http_csv_field(&x->csv, a->rsvp_via, false);
		http_csv_field(&x->csv, a->comment, false);
		http_csv_field(&x->csv, a->attended < 0 ? "" : a->attended ?
		    "true" : "false", false);
		http_csv_field(&x->csv, inv, false);
		http_csv_field(&x->csv, resp, true);
		return 0;
	}
	json_array_append_new(x->items, json_pack("{s:I, s:s, s:s, s:s, s:s, "
	    "s:o, s:s, s:s, s:o, s:s, s:o, s:s, s:o}", "member_id",
	    (json_int_t)a->member_id,
	    "name", a->name, "email", a->email, "city", a->city, "state",
	    a->state, "distance_miles", a->distance_miles >= 0 ?
	    json_real(a->distance_miles) : json_null(), "mode",
	    model_mode_name(a->mode), "rsvp", a->rsvp, "rsvp_via",
	    a->rsvp_via[0] ? json_string(a->rsvp_via) : json_null(),
	    "comment", a->comment, "attended", a->attended < 0 ? json_null() :
	    json_boolean(a->attended), "invited_at", inv,
	    "responded_at", resp[0] ? json_string(resp) : json_null()));
	return 0;
}

static void
h_attendees(struct request *rq, struct response *rs)
{
	const char *accept = http_header(rq, "Accept");
	const char *date = http_query(rq, "date");
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
	if (meeting_get(rq->store, id, m, NULL, &err) < 0) {
		http_reply_err(rs, &err);
		goto out;
	}
	if (!http_may_object(rq, rs, m->club_id, "meeting", id))
		goto out;
	if (date && !http_date_param(date)) {
		http_reply_error(rs, 400, "bad_parameter", "date",
		    "date must be YYYY-MM-DD");
		goto out;
	}
	x.as_csv = (accept && strstr(accept, "text/csv")) ||
	    (http_query(rq, "format") &&
	    strcmp(http_query(rq, "format"), "csv") == 0);
	buf_init(&x.csv);
	x.items = json_array();
	if (x.as_csv)
		buf_adds(&x.csv, "name,email,city,state,distance_miles,mode,"
		    "rsvp,rsvp_via,comment,attended,invited_at,responded_at"
		    "\r\n");
	if (invite_attendees(rq->svc, rq->store, m, date, add_attendee, &x,
	    &err) < 0) {
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
	http_reply_json(rs, 200, json_pack("{s:I, s:o, s:o, s:{s:I, s:I, "
	    "s:I, s:I}, s:n}", "meeting_id", (json_int_t)id, "date",
	    date ? json_string(date) : json_null(), "items", x.items,
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
	json_array_append_new(x->items, json_pack("{s:I, s:s, s:s, s:s, s:s, "
	    "s:i, s:s, s:I, s:I, s:i, s:s, s:o, s:s, s:o}", "id",
	    (json_int_t)r->id, "kind", model_kind_name(r->kind), "to", r->to, "subject", r->subject, "status",
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
	    strcmp(status, "sent") != 0 && strcmp(status, "failed") != 0 &&
	    strcmp(status, "sending") != 0 && strcmp(status, "dropped") != 0) {
		http_reply_error(rs, 400, "bad_parameter", "status",
		    "status must be pending, sending, sent, failed or dropped");
		return;
	}
	x.items = json_array();
	err_clear(&err);
	if (invite_outbox_list(rq->store, status, after, limit, add_outbox,
	    &x, &err) < 0) {
		json_decref(x.items);
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, http_json_page(x.items, x.count == limit ?
	    x.last : 0));
}

const struct route http_invite_routes[] = {
	{ "GET", "/rsvp/{}", ACCESS_PUBLIC, h_rsvp },
	{ "POST", "/rsvp/{}", ACCESS_PUBLIC, h_rsvp },
	{ "GET", "/unsubscribe/{}", ACCESS_PUBLIC, h_unsubscribe },
	{ "POST", "/unsubscribe/{}", ACCESS_PUBLIC, h_unsubscribe },
	{ "GET", "/api/v1/meetings/{}/attendees", ACCESS_CLUB, h_attendees },
	{ "GET", "/api/v1/outbox", ACCESS_ADMIN, h_outbox },
};
const size_t http_invite_nroutes = sizeof(http_invite_routes) /
    sizeof(http_invite_routes[0]);
