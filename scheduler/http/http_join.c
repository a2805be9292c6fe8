/*
 * http_join.c - the pages of joining by oneself and the member's own
 * page (docs/joining.md): plain HTML forms that work without
 * JavaScript; a GET only shows, a POST acts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "club.h"
#include "http_int.h"
#include "ics_zone.h"
#include "invite.h"
#include "join.h"
#include "member.h"
#include "text.h"
#include "token.h"
#include "xalloc.h"

/* ==== GET/POST /join ==================================================== */
struct join_fields {
	char name[NAME_MAX_LEN + 1];
	char email[EMAIL_MAX_LEN + 1];
	char zip[16];
	char state[8];
	char phone[40];
	char preferred_channel[16];
	char website[200];		/* the honeypot */
};

static const struct {
	const char *name, *label, *type, *hint;
} JOIN_INPUTS[] = {
	{ "name", "Your name", "text", NULL },
	{ "email", "E-mail", "email", NULL },
	{ "zip", "ZIP code", "text", "5 digits; or leave it empty and give "
	    "your state" },
	{ "state", "State (if no ZIP)", "text", "2 letters, e.g. VT" },
	{ "phone", "Phone (optional)", "tel", NULL },
};

static const char *
field_value(const struct join_fields *f, const char *name)
{
	if (strcmp(name, "name") == 0)
		return f->name;
	if (strcmp(name, "email") == 0)
		return f->email;
	if (strcmp(name, "zip") == 0)
		return f->zip;
	if (strcmp(name, "state") == 0)
		return f->state;
	if (strcmp(name, "phone") == 0)
		return f->phone;
	return "";
}

static void
field_error(struct buf *b, const struct err *e, const char *name)
{
	if (e == NULL || strcmp(e->field, name) != 0)
		return;
	buf_addf(b, "<p class=\"error\" id=\"%s-error\">", name);
	text_html_escape(b, e->msg);
	buf_adds(b, "</p>");
}

static void
join_form(struct response *rs, unsigned status, const struct join_fields *f,
    const struct err *e)
{
	static const char *const CHANNELS[][2] = { { "", "No preference" },
	    { "email", "E-mail" }, { "phone", "Phone call" },
	    { "sms", "Text message" } };
	struct buf b;
	size_t i;

	buf_init(&b);
	http_page_start(&b, "Join");
	buf_adds(&b, "<h1>Join</h1><p>Tell us where you live and we find "
	    "the club nearest to you. We send you an e-mail to confirm: "
	    "nothing is stored as a member before you do.</p>");
	if (e)
		buf_adds(&b, "<p class=\"error\" role=\"alert\">Please correct "
		    "the field marked below.</p>");
	buf_adds(&b, "<form method=\"post\" action=\"/join\" "
	    "id=\"join-form\">");
	for (i = 0; i < sizeof(JOIN_INPUTS) / sizeof(JOIN_INPUTS[0]); i++) {
		const char *n = JOIN_INPUTS[i].name;
		bool bad = e && strcmp(e->field, n) == 0;

		buf_addf(&b, "<label for=\"%s\">%s</label>", n,
		    JOIN_INPUTS[i].label);
		if (JOIN_INPUTS[i].hint)
			buf_addf(&b, "<small id=\"%s-hint\">%s</small>", n,
			    JOIN_INPUTS[i].hint);
		buf_addf(&b, "<input id=\"%s\" name=\"%s\" type=\"%s\"%s%s"
		    " value=\"", n, n, JOIN_INPUTS[i].type,
		    i < 2 ? " required" : "", bad ?
		    " aria-invalid=\"true\"" : "");
		text_html_escape(&b, f ? field_value(f, n) : "");
		buf_adds(&b, "\"");
		if (bad)
			buf_addf(&b, " aria-describedby=\"%s-error\"", n);
		buf_adds(&b, ">");
		field_error(&b, e, n);
	}
	buf_addf(&b, "<label for=\"preferred_channel\">How should the club "
	    "contact you?</label><select id=\"preferred_channel\" "
	    "name=\"preferred_channel\"%s>", e && strcmp(e->field,
	    "preferred_channel") == 0 ? " aria-invalid=\"true\" "
	    "aria-describedby=\"preferred_channel-error\"" : "");
	for (i = 0; i < 4; i++) {
		buf_addf(&b, "<option value=\"%s\"%s>%s</option>",
		    CHANNELS[i][0], f && strcmp(f->preferred_channel,
		    CHANNELS[i][0]) == 0 ? " selected" : "", CHANNELS[i][1]);
	}
	buf_adds(&b, "</select>");
	field_error(&b, e, "preferred_channel");
	/* The honeypot: hidden from people and screen readers, filled by
	 * form-filling scripts. */
	buf_adds(&b, "<div class=\"hp\" aria-hidden=\"true\"><label "
	    "for=\"website\">Leave this empty</label><input id=\"website\" "
	    "name=\"website\" type=\"text\" tabindex=\"-1\" "
	    "autocomplete=\"off\"></div>"
	    "<p><button type=\"submit\">Join</button></p></form>");
	http_page_reply(rs, status, &b);
}

static void
h_join_get(struct request *rq, struct response *rs)
{
	(void)rq;
	join_form(rs, 200, NULL, NULL);
}

/* Reads the form into f; false (the field in e) when one is malformed. */
static bool
join_read(struct request *rq, struct join_fields *f, struct err *e)
{
	static const struct {
		const char *name;
		size_t off, size;
	} FIELDS[] = {
#define F(x) { #x, offsetof(struct join_fields, x), \
	sizeof(((struct join_fields *)0)->x) }
		F(name), F(email), F(zip), F(state), F(phone),
		F(preferred_channel), F(website),
#undef F
	};
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++)
		if (http_form_get(rq, FIELDS[i].name, (char *)f + FIELDS[i].off,
		    FIELDS[i].size) < 0) {
			((char *)f + FIELDS[i].off)[0] = '\0';
			err_set_field(e, ERR_INVALID, FIELDS[i].name, "%s is "
			    "too long or not text", FIELDS[i].name);
			return false;
		}
	return true;
}

static void
join_sent(struct response *rs)
{
	http_page_message(rs, 200, "Check your e-mail", "Thank you! We have "
	    "sent a message to the address you gave. Open the link in it "
	    "within 48 hours and press the button to confirm. If nothing "
	    "arrives, look in your spam folder.");
}

static void
h_join_post(struct request *rq, struct response *rs)
{
	struct join_fields *f = xmalloc(sizeof(*f));
	struct member_input in;
	struct err err;

	err_clear(&err);
	if (!http_form_ok(rq)) {
		http_page_message(rs, 415, "Not a form", "Send the form of the "
		    "join page.");
		goto out;
	}
	if (!join_read(rq, f, &err)) {
		join_form(rs, 422, f, &err);
		goto out;
	}
	member_input_init(&in);
	in.name = f->name;
	in.email = f->email;
	in.zip = f->zip[0] ? f->zip : NULL;
	in.state = f->state[0] ? f->state : NULL;
	in.phone = f->phone;
	in.preferred_channel = f->preferred_channel;
	if (member_check(rq->svc, &in, &err) < 0) {
		join_form(rs, 422, f, &err);
		goto out;
	}
	if (!http_join_allowed(rq)) {
		http_add_header(rs, "Retry-After", "3600");
		http_page_message(rs, 429, "Too many sign-ups", "Too many "
		    "sign-ups came from your network in the last hour. "
		    "Please try again later.");
		goto out;
	}
	if (f->website[0]) {
		join_sent(rs);		/* a script: same answer, nothing kept */
		goto out;
	}
	if (join_start(rq->svc, rq->store, &in, &err) < 0) {
		if (err.field[0] && err.code == ERR_INVALID)
			join_form(rs, 422, f, &err);
		else
			http_reply_err(rs, &err);
		goto out;
	}
	join_sent(rs);
out:
	free(f);
}

/* ==== what a member sees: club, meetings, calendar ====================== */
struct page_walk {
	struct request *rq;
	struct buf *b;
	const struct member *mem;
	const char *token;		/* the member page's, or NULL */
	size_t n;
};

static const struct {
	const char *answer, *rsvp, *words;
} ANSWERS[] = {
	{ "yes", "accepted", "Yes, I will attend" },
	{ "no", "declined", "No, I can't come" },
	{ "maybe", "tentative", "Maybe" },
};

static int
meeting_item(const struct join_meeting *jm, void *arg)
{
	struct page_walk *w = arg;
	const char *tz = w->mem->place.timezone[0] ?
	    w->mem->place.timezone : jm->m->timezone;
	char when[128];
	size_t i;

	w->n++;
	buf_adds(w->b, "<li class=\"meeting\"><strong>");
	text_html_escape(w->b, jm->m->title);
	buf_adds(w->b, "</strong><br>");
	for (i = 0; i < jm->n_next; i++) {
		if (ics_time_format(jm->next[i], tz, when, sizeof(when)) < 0)
			snprintf(when, sizeof(when), "(time unknown)");
		buf_adds(w->b, i ? "; " : "");
		text_html_escape(w->b, when);
	}
	buf_adds(w->b, " (");
	text_html_escape(w->b, tz);
	buf_adds(w->b, ")");
	if (strncmp(jm->m->video_url, "https://", 8) == 0) {
		buf_adds(w->b, "<br><a href=\"");
		text_html_escape(w->b, jm->m->video_url);
		buf_adds(w->b, "\">Join the video call</a>");
	} else if (jm->m->location[0]) {
		buf_adds(w->b, "<br>");
		text_html_escape(w->b, jm->m->location);
	}
	if (jm->inv) {
		const char *now = invite_rsvp_word(jm->inv->rsvp);

		buf_addf(w->b, "<p class=\"answer\" data-invitation=\"%lld\">"
		    "Your answer: <strong>%s</strong></p>",
		    (long long)jm->inv->id, now ? now : "none yet");
		for (i = 0; w->token && i < 3; i++) {
			bool cur = strcmp(jm->inv->rsvp, ANSWERS[i].rsvp) == 0;

			buf_adds(w->b, "<form method=\"post\" class=\"inline\" "
			    "action=\"/m/");
			text_html_escape(w->b, w->token);
			buf_addf(w->b, "/rsvp\"><input type=\"hidden\" "
			    "name=\"invitation\" value=\"%lld\"><input "
			    "type=\"hidden\" name=\"answer\" value=\"%s\">"
			    "<button type=\"submit\"%s>%s</button></form>",
			    (long long)jm->inv->id, ANSWERS[i].answer, cur ?
			    " class=\"current\" aria-pressed=\"true\"" : "",
			    ANSWERS[i].words);
		}
	}
	buf_adds(w->b, "</li>");
	return 0;
}

/* The club, the reason, the next meetings and the calendar buttons. */
static int
member_summary(struct request *rq, struct buf *b, const struct member *mem,
    const char *token, struct err *err)
{
	struct member_links l;
	struct club *c;
	struct page_walk w = { rq, b, mem, token, 0 };
	int rc = -1;

	if (mem->assignment.club_id == 0) {
		buf_adds(b, "<p>We have not found a club for you yet: the "
		    "organizers will be in touch.</p>");
		return 0;
	}
	c = xmalloc(sizeof(*c));
	if (club_get(rq->svc, rq->store, mem->assignment.club_id, c,
	    err) < 0)
		goto out;
	buf_adds(b, "<h2 id=\"club\">");
	text_html_escape(b, c->name);
	buf_adds(b, "</h2><p id=\"reason\">Why this club: ");
	text_html_escape(b, mem->assignment.reason);
	buf_adds(b, ".</p><p>Your contact: ");
	text_html_escape(b, c->secretary_name[0] ? c->secretary_name :
	    "the club's secretary");
	if (c->secretary_email[0]) {
		buf_adds(b, " (<a href=\"mailto:");
		text_html_escape(b, c->secretary_email);
		buf_adds(b, "\">");
		text_html_escape(b, c->secretary_email);
		buf_adds(b, "</a>)");
	}
	buf_adds(b, "</p><h2>Next meetings</h2><ul id=\"meetings\">");
	if (join_member_meetings(rq->svc, rq->store, mem, c, meeting_item,
	    &w, err) < 0)
		goto out;
	buf_adds(b, "</ul>");
	if (w.n == 0)
		buf_adds(b, "<p>No meeting is scheduled yet; the secretary "
		    "will tell you when there is one.</p>");
	token_member_links(rq->svc, mem->id, &l);
	buf_adds(b, "<h2>Add the meetings to your calendar</h2><p "
	    "id=\"calendar\"><a class=\"button\" href=\"");
	text_html_escape(b, l.webcal);
	buf_adds(b, "\">Apple / Outlook calendar</a><a class=\"button\" "
	    "href=\"");
	text_html_escape(b, l.google);
	buf_adds(b, "\">Google Calendar</a><a class=\"button\" href=\"");
	text_html_escape(b, l.feed);
	buf_adds(b, "\">Download .ics</a></p>");
	rc = 0;
out:
	free(c);
	return rc;
}

/* ==== /join/confirm/{token} ============================================= */
static void
confirm_missing(struct request *rq, struct response *rs,
    const struct err *err)
{
	if (err->code != ERR_NOT_FOUND) {
		http_reply_err(rs, err);
		return;
	}
	if (strstr(err->msg, "already")) {
		http_page_message(rs, 410, "Already confirmed", "This sign-up "
		    "was confirmed already: your welcome e-mail has the link "
		    "of your member page.");
		return;
	}
	http_token_failed(rq);
	http_page_message(rs, 404, "Link not valid", "This confirmation link "
	    "is not valid or has expired (it is valid for 48 hours). You "
	    "can sign up again.");
}

static void
h_confirm_get(struct request *rq, struct response *rs)
{
	struct join j;
	struct err err;
	struct buf b;
	bool used;

	if (!http_token_allowed(rq, rs))
		return;
	err_clear(&err);
	if (join_lookup(rq->svc, rq->store, rq->params[0], &j, &used,
	    &err) < 0) {
		confirm_missing(rq, rs, &err);
		return;
	}
	if (used) {
		err_set(&err, ERR_NOT_FOUND, "already");
		confirm_missing(rq, rs, &err);
		return;
	}
	buf_init(&b);
	http_page_start(&b, "Confirm your sign-up");
	buf_adds(&b, "<h1>Confirm your sign-up</h1><p>");
	text_html_escape(&b, j.name);
	buf_adds(&b, ", press the button to become a member; we then show "
	    "you your club.</p><form method=\"post\"><button type=\"submit\">"
	    "Confirm and join</button></form>");
	http_page_reply(rs, 200, &b);
}

static void
h_confirm_post(struct request *rq, struct response *rs)
{
	struct member *m = xmalloc(sizeof(*m));
	struct member_links l;
	struct err err;
	struct buf b;

	if (!http_token_allowed(rq, rs))
		goto out;
	err_clear(&err);
	if (join_confirm(rq->svc, rq->store, rq->params[0], m, &err) < 0) {
		confirm_missing(rq, rs, &err);
		goto out;
	}
	buf_init(&b);
	http_page_start(&b, "Welcome");
	buf_adds(&b, "<h1>Welcome, ");
	text_html_escape(&b, m->name);
	buf_adds(&b, "!</h1><p role=\"status\">You are a member now.</p>");
	if (member_summary(rq, &b, m, NULL, &err) < 0) {
		buf_release(&b);
		http_reply_err(rs, &err);
		goto out;
	}
	token_member_links(rq->svc, m->id, &l);
	buf_adds(&b, "<p>Your own page, to change your answers or your ZIP, "
	    "or to leave: <a id=\"member-page\" href=\"");
	text_html_escape(&b, l.page);
	buf_adds(&b, "\">your member page</a> (also in your welcome "
	    "e-mail).</p>");
	http_page_reply(rs, 200, &b);
out:
	free(m);
}

/* ==== /m/{token} ======================================================== */
static void
member_page(struct request *rq, struct response *rs, unsigned status,
    const struct member *m, const char *notice, const struct err *e)
{
	const char *token = rq->params[0];
	struct err err;
	struct buf b;

	err_clear(&err);
	buf_init(&b);
	http_page_start(&b, "Your membership");
	buf_adds(&b, "<h1>Hello, ");
	text_html_escape(&b, m->name);
	buf_adds(&b, "</h1>");
	if (notice) {
		buf_adds(&b, "<p role=\"status\" id=\"notice\">");
		text_html_escape(&b, notice);
		buf_adds(&b, "</p>");
	}
	if (strcmp(m->status, "removed") == 0) {
		buf_adds(&b, "<p id=\"left\">You are no longer a member. To "
		    "come back, sign up again at <a href=\"/join\">/join</a>."
		    "</p>");
		http_page_reply(rs, status, &b);
		return;
	}
	if (member_summary(rq, &b, m, token, &err) < 0) {
		buf_release(&b);
		http_reply_err(rs, &err);
		return;
	}
	buf_adds(&b, "<h2>Moved?</h2><form method=\"post\" action=\"/m/");
	text_html_escape(&b, token);
	buf_adds(&b, "/zip\" id=\"zip-form\"><label for=\"zip\">New ZIP "
	    "code</label><input id=\"zip\" name=\"zip\" type=\"text\" "
	    "inputmode=\"numeric\" value=\"");
	text_html_escape(&b, m->place.zip);
	buf_adds(&b, "\"");
	if (e && strcmp(e->field, "zip") == 0)
		buf_adds(&b, " aria-invalid=\"true\" "
		    "aria-describedby=\"zip-error\"");
	buf_adds(&b, ">");
	field_error(&b, e, "zip");
	buf_adds(&b, "<label for=\"state\">or state (if no ZIP)</label>"
	    "<input id=\"state\" name=\"state\" type=\"text\">");
	field_error(&b, e, "state");
	buf_adds(&b, "<p><button type=\"submit\">Find my club again</button>"
	    "</p></form><h2>Leaving</h2><form method=\"post\" "
	    "action=\"/m/");
	text_html_escape(&b, token);
	buf_adds(&b, "/leave\" id=\"leave-form\"><p>You will get no more "
	    "mail from us and your club is told.</p><button type=\"submit\">"
	    "Leave the organization</button></form>");
	http_page_reply(rs, status, &b);
}

/* The member of the path's token; false after replying 404 or 429. */
static bool
member_of(struct request *rq, struct response *rs, struct member *m)
{
	struct err err;

	if (!http_token_allowed(rq, rs))
		return false;
	err_clear(&err);
	if (join_member(rq->svc, rq->store, rq->params[0], m, &err) == 0)
		return true;
	if (err.code != ERR_NOT_FOUND) {
		http_reply_err(rs, &err);
		return false;
	}
	http_token_failed(rq);
	http_page_message(rs, 404, "Page not found", "This member page link "
	    "is not valid. Please use the link from your welcome e-mail.");
	return false;
}

static void
h_member_get(struct request *rq, struct response *rs)
{
	struct member *m = xmalloc(sizeof(*m));

	if (member_of(rq, rs, m))
		member_page(rq, rs, 200, m, NULL, NULL);
	free(m);
}

/* After a change: the page again with a notice, or the error. */
static void
member_after(struct request *rq, struct response *rs, int rc,
    const char *notice, const struct err *err)
{
	struct member *m = xmalloc(sizeof(*m));
	struct err e2;

	err_clear(&e2);
	if (join_member(rq->svc, rq->store, rq->params[0], m, &e2) < 0)
		http_reply_err(rs, &e2);
	else if (rc == 0)
		member_page(rq, rs, 200, m, notice, NULL);
	else if (err->code == ERR_INVALID || err->code == ERR_MALFORMED)
		member_page(rq, rs, 422, m, err->msg, err);
	else if (err->code == ERR_NOT_FOUND)
		member_page(rq, rs, 409, m, err->msg, NULL);
	else
		http_reply_err(rs, err);
	free(m);
}

static void
h_member_rsvp(struct request *rq, struct response *rs)
{
	struct member *m = xmalloc(sizeof(*m));
	char inv[24] = "", answer[16] = "";
	int64_t id = 0;
	struct err err;
	int rc = -1;

	err_clear(&err);
	if (!member_of(rq, rs, m))
		goto out;
	if (!http_form_ok(rq) || http_form_get(rq, "invitation", inv,
	    sizeof(inv)) <= 0 || text_parse_int64(inv, 1, INT64_MAX, &id) < 0 ||
	    http_form_get(rq, "answer", answer, sizeof(answer)) <= 0)
		err_set_field(&err, ERR_INVALID, "answer", "send the form "
		    "of your member page");
	else
		rc = join_member_rsvp(rq->svc, rq->store, m, id, answer,
		    &err);
	member_after(rq, rs, rc, "Thank you: we recorded your answer.",
	    &err);
out:
	free(m);
}

static void
h_member_zip(struct request *rq, struct response *rs)
{
	struct member *m = xmalloc(sizeof(*m)), *now;
	char zip[16] = "", state[8] = "";
	struct err err;
	int rc = -1;

	err_clear(&err);
	if (!member_of(rq, rs, m))
		goto out;
	if (!http_form_ok(rq) || http_form_get(rq, "zip", zip,
	    sizeof(zip)) < 0 || http_form_get(rq, "state", state,
	    sizeof(state)) < 0) {
		err_set_field(&err, ERR_INVALID, "zip", "zip must be a 5-digit "
		    "ZIP code");
	} else {
		now = xmalloc(sizeof(*now));
		rc = join_member_move(rq->svc, rq->store, m, zip, state, now,
		    &err);
		free(now);
	}
	member_after(rq, rs, rc, "Thank you: your place is changed and your "
	    "club is the one shown below.", &err);
out:
	free(m);
}

static void
h_member_leave(struct request *rq, struct response *rs)
{
	struct member *m = xmalloc(sizeof(*m));
	struct err err;
	int rc;

	err_clear(&err);
	if (!member_of(rq, rs, m))
		goto out;
	rc = join_member_leave(rq->svc, rq->store, m, &err);
	member_after(rq, rs, rc, "You have left. Thank you for having been "
	    "with us.", &err);
out:
	free(m);
}

const struct route http_join_routes[] = {
	{ "GET", "/join", ACCESS_PUBLIC, h_join_get },
	{ "POST", "/join", ACCESS_PUBLIC, h_join_post },
	{ "GET", "/join/confirm/{}", ACCESS_PUBLIC, h_confirm_get },
	{ "POST", "/join/confirm/{}", ACCESS_PUBLIC, h_confirm_post },
	{ "GET", "/m/{}", ACCESS_PUBLIC, h_member_get },
	{ "POST", "/m/{}/rsvp", ACCESS_PUBLIC, h_member_rsvp },
	{ "POST", "/m/{}/zip", ACCESS_PUBLIC, h_member_zip },
	{ "POST", "/m/{}/leave", ACCESS_PUBLIC, h_member_leave },
};
const size_t http_join_nroutes = sizeof(http_join_routes) /
    sizeof(http_join_routes[0]);
