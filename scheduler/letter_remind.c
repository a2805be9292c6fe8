/*
 * letter_remind.c - the reminder the day before an occurrence and the
 * "did you make it?" after it (docs/email.md, "Reminders").  Both check
 * at send time that they still have something to say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ics_zone.h"
#include "letter_int.h"
#include "remind.h"
#include "text.h"
#include "token.h"
#include "xalloc.h"

struct about {
	struct member member;
	struct meeting meeting;
	struct club club;
	struct invitation inv;
	char rsvp[16];			/* the answer for this date */
	time_t start, end;
};

/* Loads what row r is about; 1 (reason in err) when it has nothing to
 * say any more. */
static int
about_load(struct service *svc, struct store *st, const struct outbox_row *r,
    struct about *a, struct err *err)
{
	struct invitation occ;
	int rc;

	if (service_config(svc)->no_reminders)
		return err_set(err, ERR_OK, "reminders are turned off"), 1;
	if (store_invitation_get(st, r->invitation_id, &a->inv, err) < 0 ||
	    store_member_get(st, a->inv.member_id, &a->member, err) < 0 ||
	    store_meeting_get(st, a->inv.meeting_id, &a->meeting, err) < 0 ||
	    store_club_get(st, a->meeting.club_id, &a->club, err) < 0)
		return -1;
	if ((rc = letter_member_mailable(&a->member, err)) != 0)
		return rc;
	if (a->inv.removed || a->member.assignment.club_id != a->club.id)
		return err_set(err, ERR_OK, "the member is no longer invited"),
		    1;
	if (a->meeting.cancelled)
		return err_set(err, ERR_OK, "meeting was cancelled"), 1;
	rc = remind_occurrence(svc, &a->meeting, &a->club, r->occurrence,
	    &a->start, &a->end, err);
	if (rc < 0 && err->code == ERR_NOT_FOUND)
		return err_set(err, ERR_OK, "the series has no such "
		    "occurrence any more"), 1;
	if (rc != 0)
		return rc < 0 ? -1 : (err_set(err, ERR_OK, "occurrence was "
		    "cancelled"), 1);
	snprintf(a->rsvp, sizeof(a->rsvp), "%s", a->inv.rsvp);
	if (store_answer_get(st, a->inv.id, r->occurrence, &occ, NULL) == 0)
		snprintf(a->rsvp, sizeof(a->rsvp), "%s", occ.rsvp);
	if (strcmp(a->rsvp, "declined") == 0)
		return err_set(err, ERR_OK, "the member declined"), 1;
	return 0;
}

/* "<when> (<zone>)" for instant t. */
static void
when_in(time_t t, const char *tz, char *out, size_t size)
{
	char s[128];

	if (ics_time_format(t, tz, s, sizeof(s)) < 0)
		snprintf(s, sizeof(s), "(time unknown)");
	snprintf(out, size, "%s (%s)", s, tz);
}

/* The footer, the unsubscribe line, and the message. */
static int
finish(struct service *svc, const struct outbox_row *r, const struct about *a,
    const char *subject, struct buf *text, struct buf *html,
    struct letter *out, struct err *err)
{
	char unsub[400];
	struct buf foot;
	int rc;

	buf_init(&foot);
	token_link_url(svc, "/unsubscribe/", "unsub", a->member.id, "", unsub,
	    sizeof(unsub));
	buf_adds(&foot, "You get this e-mail because you were invited to "
	    "this meeting. <a href=\"");
	text_html_escape(&foot, unsub);
	buf_adds(&foot, "\" style=\"color:#555555\">Unsubscribe</a>");
	letter_html_end(html, foot.data);
	buf_addf(text, "\nUnsubscribe: %s\n", unsub);
	rc = letter_plain(svc, r, &(struct letter_plain){ a->club.name,
	    a->member.email, a->member.name, a->club.secretary_email,
	    a->club.secretary_name, subject, text->data, html->data,
	    a->member.id }, out, err);
	buf_release(&foot);
	return rc;
}

static void
link_with(struct service *svc, const char *path, const char *kind,
    int64_t inv, const char *answer, const char *date, char *out,
    size_t size)
{
	char q[64];

	snprintf(q, sizeof(q), "?answer=%s&date=%s", answer, date);
	token_link_url(svc, path, kind, inv, q, out, size);
}

int
letter_reminder(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct about *a = xcalloc(1, sizeof(*a));
	const char *mtz, *utz;
	char subject[900], when_m[200], when_u[200] = "", yes[400], no[400],
	    maybe[400];
	struct buf text, html;
	int rc;

	buf_init(&text);
	buf_init(&html);
	if ((rc = about_load(svc, st, r, a, err)) != 0)
		goto out;
	mtz = a->meeting.timezone;
	utz = a->member.place.timezone;
	when_in(a->start, mtz, when_m, sizeof(when_m));
	if (utz[0] && strcmp(utz, mtz) != 0)
		when_in(a->start, utz, when_u, sizeof(when_u));
	link_with(svc, "/rsvp/", "rsvp", a->inv.id, "yes", r->occurrence, yes,
	    sizeof(yes));
	link_with(svc, "/rsvp/", "rsvp", a->inv.id, "no", r->occurrence, no,
	    sizeof(no));
	link_with(svc, "/rsvp/", "rsvp", a->inv.id, "maybe", r->occurrence,
	    maybe, sizeof(maybe));
	snprintf(subject, sizeof(subject), "Reminder: %s is tomorrow",
	    a->meeting.title);
	letter_html_start(&html, subject);
	buf_addf(&text, "Hello %s,\n\n%s of %s is tomorrow.\n\n",
	    a->member.name, a->meeting.title, a->club.name);
	letter_html_para(&html, a->meeting.title);
	buf_addf(&text, "When: %s\n", when_u[0] ? when_u : when_m);
	letter_html_para(&html, when_u[0] ? when_u : when_m);
	if (when_u[0]) {
		buf_addf(&text, "      %s, the club's time\n", when_m);
		buf_adds(&html, "<p style=\"margin:0 0 12px\">");
		text_html_escape(&html, when_m);
		buf_adds(&html, ", the club's time</p>");
	}
	if (a->meeting.video_url[0]) {
		buf_addf(&text, "Video call: %s\n", a->meeting.video_url);
		buf_adds(&html, "<p style=\"margin:0 0 12px\">Video call: "
		    "<a href=\"");
		text_html_escape(&html, a->meeting.video_url);
		buf_adds(&html, "\">");
		text_html_escape(&html, a->meeting.video_url);
		buf_adds(&html, "</a></p>");
	}
	if (a->meeting.location[0]) {
		buf_addf(&text, "Place: %s\n", a->meeting.location);
		buf_adds(&html, "<p style=\"margin:0 0 12px\">Place: ");
		text_html_escape(&html, a->meeting.location);
		buf_adds(&html, "</p>");
	}
	buf_addf(&text, "\nWill you come?\nYes: %s\nNo: %s\nMaybe: %s\n",
	    yes, no, maybe);
	letter_html_para(&html, "Will you come?");
	letter_html_button(&html, yes, "Yes, I will attend");
	letter_html_button(&html, no, "No, I can't come");
	letter_html_button(&html, maybe, "Maybe");
	rc = finish(svc, r, a, subject, &text, &html, out, err);
out:
	buf_release(&text);
	buf_release(&html);
	free(a);
	return rc;
}

int
letter_followup(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct about *a = xcalloc(1, sizeof(*a));
	char subject[900], when_m[200], yes[400], no[400];
	struct buf text, html;
	int rc;

	buf_init(&text);
	buf_init(&html);
	if ((rc = about_load(svc, st, r, a, err)) != 0)
		goto out;
	if (strcmp(a->rsvp, "accepted") != 0) {
		err_set(err, ERR_OK, "the member had not accepted");
		rc = 1;
		goto out;
	}
	when_in(a->start, a->meeting.timezone, when_m, sizeof(when_m));
	link_with(svc, "/attended/", "attend", a->inv.id, "yes",
	    r->occurrence, yes, sizeof(yes));
	link_with(svc, "/attended/", "attend", a->inv.id, "no", r->occurrence,
	    no, sizeof(no));
	snprintf(subject, sizeof(subject), "Did you make it to %s?",
	    a->meeting.title);
	letter_html_start(&html, subject);
	buf_addf(&text, "Hello %s,\n\nyou planned to join %s of %s on %s.\n"
	    "Did you make it?\n\nYes, I was there: %s\nNo, I missed it: %s\n",
	    a->member.name, a->meeting.title, a->club.name, when_m, yes, no);
	buf_adds(&html, "<p style=\"margin:0 0 12px\">You planned to join ");
	text_html_escape(&html, a->meeting.title);
	buf_adds(&html, " of ");
	text_html_escape(&html, a->club.name);
	buf_adds(&html, " on ");
	text_html_escape(&html, when_m);
	buf_adds(&html, ". Did you make it?</p>");
	letter_html_button(&html, yes, "Yes, I was there");
	letter_html_button(&html, no, "No, I missed it");
	rc = finish(svc, r, a, subject, &text, &html, out, err);
out:
	buf_release(&text);
	buf_release(&html);
	free(a);
	return rc;
}
