/*
 * http_attend.c - the "did you make it?" page of the follow-up mail
 * (docs/email.md, "Reminders"): GET shows one button, POST records.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "http_int.h"
#include "remind.h"
#include "text.h"

static void
attend_page(struct response *rs, const struct attend_view *v)
{
	struct buf b;

	buf_init(&b);
	http_page_start(&b, "Did you make it?");
	buf_adds(&b, "<h1>");
	text_html_escape(&b, v->title);
	buf_adds(&b, "</h1><p>");
	text_html_escape(&b, v->club_name);
	buf_adds(&b, " &middot; the meeting of ");
	text_html_escape(&b, v->date);
	buf_adds(&b, "</p><p id=\"answer\" role=\"status\">");
	if (v->recorded)
		buf_adds(&b, v->chosen ? "Thank you! We recorded that you "
		    "were there." : "Thank you! We recorded that you missed "
		    "it.");
	else
		buf_adds(&b, "Did you make it to this meeting?");
	buf_adds(&b, "</p>");
	if (!v->recorded) {
		int answers[2] = { 1, 0 }, i;

		for (i = 0; i < 2; i++) {
			if (v->chosen >= 0 && answers[i] != v->chosen)
				continue;
			buf_adds(&b, "<form method=\"post\" class=\"inline\">"
			    "<input type=\"hidden\" name=\"date\" value=\"");
			text_html_escape(&b, v->date);
			buf_addf(&b, "\"><input type=\"hidden\" name=\"answer\" "
			    "value=\"%s\"><button type=\"submit\">%s</button>"
			    "</form>", answers[i] ? "yes" : "no", answers[i] ?
			    "Yes, I was there" : "No, I missed it");
		}
	}
	http_page_reply(rs, 200, &b);
}

static void
h_attended(struct request *rq, struct response *rs)
{
	bool post = strcmp(rq->method, "POST") == 0;
	char answer[16] = "", date[16] = "";
	struct attend_view v;
	struct err err;

	if (!http_token_allowed(rq, rs))
		return;
	err_clear(&err);
	if (post && (!http_form_ok(rq) ||
	    http_form_get(rq, "answer", answer, sizeof(answer)) < 0 ||
	    http_form_get(rq, "date", date, sizeof(date)) < 0)) {
		http_page_message(rs, 400, "Unknown answer", "Send the form of "
		    "the page.");
		return;
	}
	if (remind_attend(rq->svc, rq->store, rq->params[0],
	    date[0] ? date : http_query(rq, "date"),
	    answer[0] ? answer : http_query(rq, "answer"), post, &v,
	    &err) == 0) {
		attend_page(rs, &v);
		return;
	}
	if (err.code == ERR_NOT_FOUND) {
		http_token_failed(rq);
		http_page_message(rs, 404, "Link not found", "This link is not "
		    "valid. Please use the link from your e-mail.");
	} else if (err.code == ERR_INVALID || err.code == ERR_MALFORMED) {
		http_page_message(rs, 400, "Unknown answer", err.msg);
	} else {
		http_reply_err(rs, &err);
	}
}

const struct route http_attend_routes[] = {
	{ "GET", "/attended/{}", ACCESS_PUBLIC, h_attended },
	{ "POST", "/attended/{}", ACCESS_PUBLIC, h_attended },
};
const size_t http_attend_nroutes = sizeof(http_attend_routes) /
    sizeof(http_attend_routes[0]);
