/*
 * letter_notice.c - the mails of outreach (docs/outreach.md): the
 * welcome a member gets when assigned to a club, the digest that tells a
 * secretary whom to call, and the organizer's digest of overdue first
 * contacts.  None carries a calendar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ics_build.h"
#include "letter_int.h"
#include "meeting.h"
#include "text.h"
#include "token.h"
#include "xalloc.h"

#define NEXT_MEETINGS 5

/* ==== the next meetings of a club ======================================= */
struct upcoming {
	const struct config *cfg;
	const struct club *club;
	time_t now;
	struct {
		time_t when;
		char title[801];
		char where[URL_MAX_LEN + 1];
		char timezone[64];
	} item[NEXT_MEETINGS];
	size_t n;
};

static int
upcoming_add(const struct meeting *m, void *arg)
{
	struct upcoming *u = arg;
	time_t next[NEXT_MEETINGS];
	size_t k, n = (size_t)meeting_next(m, u->club, u->cfg, u->now, next,
	    NEXT_MEETINGS), i;

	for (k = 0; k < n; k++) {
		/* Keep the NEXT_MEETINGS soonest, in order. */
		for (i = u->n; i > 0 && u->item[i - 1].when > next[k]; i--)
			if (i < NEXT_MEETINGS)
				u->item[i] = u->item[i - 1];
		if (i >= NEXT_MEETINGS)
			continue;
		u->item[i].when = next[k];
		snprintf(u->item[i].title, sizeof(u->item[i].title), "%s",
		    m->title);
		snprintf(u->item[i].where, sizeof(u->item[i].where), "%s",
		    m->video_url[0] ? m->video_url : m->location);
		snprintf(u->item[i].timezone, sizeof(u->item[i].timezone), "%s",
		    m->timezone);
		if (u->n < NEXT_MEETINGS)
			u->n++;
	}
	return 0;
}

/* The next meetings as text and HTML, times in tz (the member's). */
static int
upcoming_write(struct service *svc, struct store *st, const struct club *c,
    const char *tz, struct buf *text, struct buf *html, struct err *err)
{
	struct upcoming *u = xcalloc(1, sizeof(*u));
	struct club again;
	char when[128];
	size_t i;

	u->cfg = service_config(svc);
	u->club = c;
	u->now = time(NULL);
	if (meeting_list(st, c->id, &again, upcoming_add, u, err) < 0) {
		free(u);
		return -1;
	}
	if (u->n == 0) {
		buf_adds(text, "No meeting is scheduled yet; the secretary "
		    "will tell you when there is one.\n");
		letter_html_para(html, "No meeting is scheduled yet; the "
		    "secretary will tell you when there is one.");
	} else {
		buf_adds(text, "Next meetings:\n");
		buf_adds(html, "<p style=\"margin:0 0 4px\"><strong>Next "
		    "meetings</strong></p><ul style=\"margin:0 0 12px;"
		    "padding-left:20px\">");
	}
	for (i = 0; i < u->n; i++) {
		const char *zone = tz && tz[0] ? tz : u->item[i].timezone;

		if (ics_time_format(u->item[i].when, zone, when,
		    sizeof(when)) < 0)
			snprintf(when, sizeof(when), "(time unknown)");
		buf_addf(text, "- %s: %s (%s)%s%s\n", when, u->item[i].title,
		    zone, u->item[i].where[0] ? ", " : "", u->item[i].where);
		buf_adds(html, "<li>");
		text_html_escape(html, when);
		buf_adds(html, " (");
		text_html_escape(html, zone);
		buf_adds(html, "): ");
		text_html_escape(html, u->item[i].title);
		if (strncmp(u->item[i].where, "https://", 8) == 0) {
			buf_adds(html, " &middot; <a href=\"");
			text_html_escape(html, u->item[i].where);
			buf_adds(html, "\">join the call</a>");
		} else if (u->item[i].where[0]) {
			buf_adds(html, " &middot; ");
			text_html_escape(html, u->item[i].where);
		}
		buf_adds(html, "</li>");
	}
	if (u->n)
		buf_adds(html, "</ul>");
	free(u);
	return 0;
}

/* ==== welcome =========================================================== */
static void
welcome_texts(const struct member *m, const struct club *c,
    const struct member_links *l, struct buf *text, struct buf *html)
{
	const char *sec = c->secretary_name[0] ? c->secretary_name :
	    "the club's secretary";

	buf_addf(text, "Hello %s,\n\nwelcome! You are now a member of %s",
	    m->name, c->name);
	buf_adds(text, m->assignment.mode == MODE_REMOTE ? ", and you can "
	    "join its meetings by video.\n" : ".\n");
	buf_addf(text, "Why this club: %s.\n\n", m->assignment.reason);
	buf_addf(text, "Your contact is %s <%s>: just reply to this e-mail "
	    "to write to them.\n\n", sec, c->secretary_email);
	buf_adds(html, "<p style=\"margin:0 0 12px\">Hello ");
	text_html_escape(html, m->name);
	buf_adds(html, ",</p><p style=\"margin:0 0 12px\">welcome! You are "
	    "now a member of <strong>");
	text_html_escape(html, c->name);
	buf_adds(html, m->assignment.mode == MODE_REMOTE ? "</strong>, and "
	    "you can join its meetings by video.</p>" : "</strong>.</p>");
	buf_adds(html, "<p style=\"margin:0 0 12px\">Why this club: ");
	text_html_escape(html, m->assignment.reason);
	buf_adds(html, ".</p><p style=\"margin:0 0 12px\">Your contact is ");
	text_html_escape(html, sec);
	buf_adds(html, " (<a href=\"mailto:");
	text_html_escape(html, c->secretary_email);
	buf_adds(html, "\">");
	text_html_escape(html, c->secretary_email);
	buf_adds(html, "</a>): just reply to this e-mail to write to "
	    "them.</p>");
	(void)l;
}

static void
welcome_buttons(const struct member_links *l, struct buf *text,
    struct buf *html)
{
	buf_addf(text, "\nAdd the meetings to your calendar:\n"
	    "  Apple Calendar, Outlook, Thunderbird: %s\n"
	    "  Google Calendar: %s\n  Download (.ics): %s\n\n"
	    "Your page (your club, your answers, your ZIP, leaving): %s\n",
	    l->webcal, l->google, l->feed, l->page);
	buf_adds(html, "<p style=\"margin:12px 0 4px\"><strong>Add the "
	    "meetings to your calendar</strong></p>");
	letter_html_button(html, l->webcal, "Apple / Outlook calendar");
	letter_html_button(html, l->google, "Google Calendar");
	letter_html_button(html, l->feed, "Download .ics");
	buf_adds(html, "<p style=\"margin:12px 0\">");
	letter_html_button(html, l->page, "Your member page");
	buf_adds(html, "</p>");
}

int
letter_welcome(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct member m;
	struct club c;
	struct member_links *l = xmalloc(sizeof(*l));
	struct buf text, html, foot;
	char subject[300];
	int rc;

	buf_init(&text);
	buf_init(&html);
	buf_init(&foot);
	rc = store_member_get(st, r->member_id, &m, err) < 0 ||
	    store_club_get(st, r->club_id, &c, err) < 0 ? -1 : 0;
	if (rc == 0 && (rc = letter_member_mailable(&m, err)) == 0 &&
	    m.assignment.club_id != c.id) {
		err_set(err, ERR_OK, "the member is no longer assigned to "
		    "this club");
		rc = 1;
	}
	if (rc != 0)
		goto out;
	token_member_links(svc, m.id, l);
	snprintf(subject, sizeof(subject), "Welcome to %s", c.name);
	letter_html_start(&html, subject);
	welcome_texts(&m, &c, l, &text, &html);
	if (upcoming_write(svc, st, &c, m.place.timezone, &text, &html,
	    err) < 0) {
		rc = -1;
		goto out;
	}
	welcome_buttons(l, &text, &html);
	buf_adds(&foot, "You get this e-mail because you joined. <a href=\"");
	text_html_escape(&foot, l->unsubscribe);
	buf_adds(&foot, "\" style=\"color:#555555\">Unsubscribe</a>");
	letter_html_end(&html, foot.data);
	buf_addf(&text, "\nUnsubscribe: %s\n", l->unsubscribe);
	rc = letter_plain(svc, r, &(struct letter_plain){ c.name, m.email,
	    m.name, c.secretary_email, c.secretary_name, subject, text.data,
	    html.data, m.id }, out, err);
out:
	buf_release(&text);
	buf_release(&html);
	buf_release(&foot);
	free(l);
	return rc;
}

/* ==== the secretary's digest ============================================ */
struct digest {
	struct buf text, html;
	size_t n;
	int64_t upto;
};

static void
contact_line(struct digest *d, const struct contact *t)
{
	char where[160];

	if (t->mode == MODE_REMOTE)
		snprintf(where, sizeof(where), "%s, %s (remote)", t->city,
		    t->state);
	else if (t->distance_miles >= 0)
		snprintf(where, sizeof(where), "%s, %s (%.1f mi)", t->city,
		    t->state, t->distance_miles);
	else
		snprintf(where, sizeof(where), "%s", t->state);
	buf_addf(&d->text, "- %s, %s; phone %s; e-mail %s; prefers %s\n",
	    t->name, where, t->phone[0] ? t->phone : "none", t->email,
	    t->preferred_channel[0] ? t->preferred_channel : "e-mail");
	buf_adds(&d->html, "<tr><td style=\"padding:6px 8px;border-bottom:"
	    "1px solid #eeeeee\"><strong>");
	text_html_escape(&d->html, t->name);
	buf_adds(&d->html, "</strong><br>");
	text_html_escape(&d->html, where);
	buf_adds(&d->html, "<br>");
	if (t->phone[0]) {
		buf_adds(&d->html, "<a href=\"tel:");
		text_html_escape(&d->html, t->phone);
		buf_adds(&d->html, "\">");
		text_html_escape(&d->html, t->phone);
		buf_adds(&d->html, "</a> &middot; ");
	}
	buf_adds(&d->html, "<a href=\"mailto:");
	text_html_escape(&d->html, t->email);
	buf_adds(&d->html, "\">");
	text_html_escape(&d->html, t->email);
	buf_adds(&d->html, "</a> &middot; prefers ");
	text_html_escape(&d->html, t->preferred_channel[0] ?
	    t->preferred_channel : "e-mail");
	buf_adds(&d->html, "</td></tr>");
}

static int
digest_add(const struct contact *t, void *arg)
{
	struct digest *d = arg;

	contact_line(d, t);
	d->n++;
	if (t->id > d->upto)
		d->upto = t->id;
	return 0;
}

int
letter_secretary_digest(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct digest d;
	struct club c;
	struct buf text, html;
	char subject[300], dash[400];
	int rc = -1;

	memset(&d, 0, sizeof(d));
	buf_init(&d.text);
	buf_init(&d.html);
	buf_init(&text);
	buf_init(&html);
	if (store_club_get(st, r->club_id, &c, err) < 0 ||
	    store_contact_undigested_each(st, c.id, digest_add, &d, err) < 0)
		goto out;
	if (d.n == 0) {
		err_set(err, ERR_OK, "no new member to tell about");
		rc = 1;
		goto out;
	}
	snprintf(dash, sizeof(dash), "%s/secretary",
	    service_config(svc)->base_url);
	snprintf(subject, sizeof(subject), "%s: %zu new member%s to welcome",
	    c.name, d.n, d.n == 1 ? "" : "s");
	buf_addf(&text, "Hello%s%s,\n\n%zu new member%s joined %s. Please "
	    "call or write to each of them within %d days: a personal "
	    "welcome is what keeps new members.\n\n%s\nLog each call on the "
	    "dashboard: %s\n", c.secretary_name[0] ? " " : "",
	    c.secretary_name, d.n, d.n == 1 ? "" : "s", c.name,
	    service_config(svc)->contact_due_days, d.text.data, dash);
	letter_html_start(&html, subject);
	letter_html_para(&html, "Please call or write to each of them: a "
	    "personal welcome is what keeps new members.");
	buf_adds(&html, "<table role=\"presentation\" width=\"100%\" "
	    "cellpadding=\"0\" cellspacing=\"0\" style=\"margin:0 0 12px\">");
	buf_add(&html, d.html.data, d.html.len);
	buf_adds(&html, "</table>");
	letter_html_button(&html, dash, "Open the dashboard");
	letter_html_end(&html, NULL);
	rc = letter_plain(svc, r, &(struct letter_plain){ "clubmatch",
	    c.secretary_email, c.secretary_name, NULL, NULL, subject,
	    text.data, html.data, 0 }, out, err);
	out->upto = d.upto;
out:
	buf_release(&d.text);
	buf_release(&d.html);
	buf_release(&text);
	buf_release(&html);
	return rc;
}

/* ==== the organizer's digest ============================================ */
struct overdue {
	struct buf text, html;
	size_t n;
	int64_t club;
};

static int
overdue_add(const struct contact *t, void *arg)
{
	struct overdue *o = arg;
	char due[32];
	struct tm tm;
	time_t when = t->due_at;

	gmtime_r(&when, &tm);
	strftime(due, sizeof(due), "%Y-%m-%d", &tm);
	if (t->club_id != o->club) {
		buf_addf(&o->text, "\n%s:\n", t->club_name);
		buf_adds(&o->html, "<p style=\"margin:12px 0 4px\"><strong>");
		text_html_escape(&o->html, t->club_name);
		buf_adds(&o->html, "</strong></p>");
		o->club = t->club_id;
	}
	buf_addf(&o->text, "- %s (%s, %s), due %s, %d attempt%s\n", t->name,
	    t->city, t->state, due, t->attempts, t->attempts == 1 ? "" : "s");
	buf_adds(&o->html, "<p style=\"margin:0 0 4px\">");
	text_html_escape(&o->html, t->name);
	buf_addf(&o->html, ", due %s, %d attempt%s</p>", due, t->attempts,
	    t->attempts == 1 ? "" : "s");
	o->n++;
	return 0;
}

int
letter_organizer_digest(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct overdue o;
	struct buf text, html;
	char subject[200], console[400];
	int rc = -1;

	memset(&o, 0, sizeof(o));
	buf_init(&o.text);
	buf_init(&o.html);
	buf_init(&text);
	buf_init(&html);
	if (store_contact_each(st, 0, "overdue", time(NULL), 0, 0,
	    overdue_add, &o, err) < 0)
		goto out;
	if (o.n == 0) {
		err_set(err, ERR_OK, "no first contact is overdue any "
		    "more");
		rc = 1;
		goto out;
	}
	snprintf(console, sizeof(console), "%s/admin",
	    service_config(svc)->base_url);
	snprintf(subject, sizeof(subject), "%zu new member%s not contacted "
	    "in time", o.n, o.n == 1 ? "" : "s");
	buf_addf(&text, "These first contacts are overdue, by club:\n%s\n"
	    "The console: %s\n", o.text.data, console);
	letter_html_start(&html, subject);
	letter_html_para(&html, "These first contacts are overdue, by club:");
	buf_add(&html, o.html.data, o.html.len);
	letter_html_button(&html, console, "Open the console");
	letter_html_end(&html, NULL);
	rc = letter_plain(svc, r, &(struct letter_plain){ "clubmatch", r->to,
	    NULL, NULL, NULL, subject, text.data, html.data, 0 }, out, err);
out:
	buf_release(&o.text);
	buf_release(&o.html);
	buf_release(&text);
	buf_release(&html);
	return rc;
}
