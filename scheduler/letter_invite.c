/*
 * letter_invite.c - the iMIP invitation, update or cancellation of one
 * outbox row (docs/email.md, "Anatomy of a message"; docs/calendar.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ics_build.h"
#include "imip.h"
#include "letter_int.h"
#include "meeting.h"
#include "token.h"
#include "xalloc.h"

/* Everything one message is made of; big, so it lives on the heap. */
struct draft {
	struct member member;
	struct meeting meeting;
	struct club club;
	struct meeting_ics mi;
	struct invitation inv;
	char organizer[EMAIL_MAX_LEN + 1];	/* LOCAL+TAG@DOMAIN */
	char *ics, *subject, *text, *html, *mime;
	size_t ics_len, mime_len;
};

static void
draft_release(struct draft *d)
{
	free(d->ics);
	free(d->subject);
	free(d->text);
	free(d->html);
	free(d->mime);
	d->ics = d->subject = d->text = d->html = d->mime = NULL;
}

static const struct meeting_occ *
find_occ(const struct meeting *m, const char *date)
{
	size_t i;

	for (i = 0; i < m->n_occ; i++)
		if (strcmp(m->occ[i].date, date) == 0)
			return &m->occ[i];
	return NULL;
}

/* "<when> (<zone>)" for instant t. */
static void
format_when(time_t t, const char *tz, char *out, size_t size)
{
	char s[128];

	if (ics_time_format(t, tz, s, sizeof(s)) < 0)
		snprintf(s, sizeof(s), "(time unknown)");
	snprintf(out, size, "%s (%s)", s, tz);
}

/* Texts and MIME around the calendar in d->ics. */
static int
draft_mime(struct service *svc, const struct outbox_row *r, struct draft *d,
    time_t when, bool cancel, const char *occ_date, struct err *err)
{
	char when_m[200], when_u[200] = "", rule[128], yes[400], no[400],
	    maybe[400], feed[400], unsub[400], msgid[200], occ_human[200] = "",
	    q[64];
	struct imip_invite_text t;
	struct imip_message msg;

	format_when(when, d->meeting.timezone, when_m, sizeof(when_m));
	if (d->member.place.timezone[0] &&
	    strcmp(d->member.place.timezone, d->meeting.timezone) != 0)
		format_when(when, d->member.place.timezone, when_u, sizeof(when_u));
	meeting_recurrence_text(d->meeting.rrule, d->meeting.start_local,
	    rule, sizeof(rule));
	/* The links only show the answer page; its button records it
	 * (docs/email.md, "Answers"). */
	snprintf(q, sizeof(q), "?answer=yes%s%s", occ_date ? "&date=" : "",
	    occ_date ? occ_date : "");
	token_link_url(svc, "/rsvp/", "rsvp", r->invitation_id, q, yes,
	    sizeof(yes));
	snprintf(q, sizeof(q), "?answer=no%s%s", occ_date ? "&date=" : "",
	    occ_date ? occ_date : "");
	token_link_url(svc, "/rsvp/", "rsvp", r->invitation_id, q, no,
	    sizeof(no));
	snprintf(q, sizeof(q), "?answer=maybe%s%s", occ_date ? "&date=" : "",
	    occ_date ? occ_date : "");
	token_link_url(svc, "/rsvp/", "rsvp", r->invitation_id, q, maybe,
	    sizeof(maybe));
	token_link_url(svc, "/feeds/", "feed", d->member.id, ".ics", feed,
	    sizeof(feed));
	token_link_url(svc, "/unsubscribe/", "unsub", d->member.id, "",
	    unsub, sizeof(unsub));
	if (occ_date)
		snprintf(occ_human, sizeof(occ_human), "%s", when_m);
	memset(&t, 0, sizeof(t));
	t.club_name = d->club.name;
	t.member_name = d->member.name;
	t.title = d->meeting.title;
	t.description = d->meeting.description[0] ?
	    d->meeting.description : NULL;
	t.when_meeting = when_m;
	t.when_member = when_u[0] ? when_u : NULL;
	t.recurrence_text = rule[0] && !occ_date ? rule : NULL;
	t.video_url = d->meeting.video_url[0] ? d->meeting.video_url : NULL;
	t.location = d->meeting.location[0] ? d->meeting.location : NULL;
	t.secretary_name = d->club.secretary_name[0] ?
	    d->club.secretary_name : NULL;
	t.secretary_email = d->club.secretary_email;
	t.rsvp_yes_url = cancel ? NULL : yes;
	t.rsvp_no_url = cancel ? NULL : no;
	t.rsvp_maybe_url = cancel ? NULL : maybe;
	t.feed_url = feed;
	t.unsubscribe_url = unsub;
	t.cancelled = cancel;
	t.occurrence = occ_date ? occ_human : NULL;
	imip_invite_text_build(&t, &d->subject, &d->text, &d->html);
	letter_message_id(svc, r, msgid, sizeof(msgid));
	memset(&msg, 0, sizeof(msg));
	msg.from_addr = service_config(svc)->mail_from;
	msg.from_name = d->club.name;
	msg.to_addr = d->member.email;
	msg.to_name = d->member.name;
	msg.subject = d->subject;
	msg.text = d->text;
	msg.html = d->html;
	msg.ics = d->ics;
	msg.ics_len = d->ics_len;
	msg.method = r->method;
	msg.message_id = msgid;
	msg.date = time(NULL);
	msg.unsubscribe_url = unsub;
	/* A plain Reply reaches the secretary through the intake
	 * (docs/email.md, "Replies"). */
	msg.reply_to_addr = d->organizer;
	msg.reply_to_name = d->club.name;
	d->mime = imip_message_build(&msg, &d->mime_len, err);
	return d->mime ? 0 : -1;
}

/*
 * Builds the message of row r into d.  Returns 0, 1 when there is
 * nothing to send any more (the reason in err->msg), or -1 on error.
 */
static int
draft_build(struct service *svc, struct store *st,
    const struct outbox_row *r, struct draft *d, struct err *err)
{
	const struct meeting_occ *occ = NULL;
	struct ics_local recid, start;
	struct ics_attendee att;
	bool cancel = strcmp(r->method, "CANCEL") == 0;
	time_t when = 0, next;
	int rc;

	if (store_member_get(st, r->member_id, &d->member, err) < 0 ||
	    store_meeting_get(st, r->meeting_id, &d->meeting, err) < 0 ||
	    store_club_get(st, d->meeting.club_id, &d->club, err) < 0)
		return -1;
	/* A withdrawn invitation still gets its CANCEL, though the member
	 * has left the club or was removed. */
	if (!(cancel && r->uninvited && strcmp(d->member.status,
	    "removed") == 0) &&
	    (rc = letter_member_mailable(&d->member, err)) != 0)
		return rc;
	if (store_invitation_get(st, r->invitation_id, &d->inv, err) < 0)
		return -1;
	if (!(cancel && r->uninvited) &&
	    (d->member.assignment.club_id != d->meeting.club_id ||
	    d->member.assignment.mode != MODE_REMOTE))
		return err_set(err, ERR_OK, "member is no longer a remote "
		    "member of this club"), 1;
	if (!cancel && d->meeting.cancelled)
		return err_set(err, ERR_OK, "meeting was cancelled"), 1;
	meeting_to_ics(&d->meeting, &d->club, service_config(svc), &d->mi);
	letter_reply_address(svc, d->inv.tag, d->organizer,
	    sizeof(d->organizer));
	d->mi.ev.organizer_email = d->organizer;
	if (r->occurrence[0]) {
		occ = find_occ(&d->meeting, r->occurrence);
		if (occ == NULL)
			return err_set(err, ERR_OK, "the occurrence was reset "
			    "by a later change of the series"), 1;
		if (!cancel && occ->cancelled)
			return err_set(err, ERR_OK, "occurrence was "
			    "cancelled"), 1;
		ics_local_parse(occ->original_local, &recid);
		ics_local_parse(cancel ? occ->original_local :
		    occ->start_local, &start);
		if (ics_local_to_utc(&start, d->meeting.timezone, &when,
		    err) < 0)
			return -1;
	} else if (meeting_next(&d->meeting, &d->club, service_config(svc), time(NULL),
	    &next, 1) == 1) {
		when = next;
	} else {
		ics_local_parse(d->meeting.start_local, &start);
		if (ics_local_to_utc(&start, d->meeting.timezone, &when,
		    err) < 0)
			return -1;
	}
	/* The CANCEL of a cancelled series must still describe it; a
	 * withdrawn invitation's CANCEL carries its own, higher SEQUENCE. */
	d->mi.ev.cancelled = cancel && !r->occurrence[0] ? true :
	    d->mi.ev.cancelled;
	if (cancel && r->uninvited && !r->occurrence[0])
		d->mi.ev.sequence = r->sequence;
	att.email = d->member.email;
	att.name = d->member.name;
	d->ics = ics_invite_build(&d->mi.ev, cancel ? ICS_CANCEL : ICS_REQUEST,
	    &att, occ ? &recid : NULL, time(NULL), &d->ics_len, err);
	if (d->ics == NULL)
		return -1;
	return draft_mime(svc, r, d, when, cancel, occ ? r->occurrence : NULL,
	    err);
}


void
letter_reply_address(const struct service *svc, const char *tag, char *out,
    size_t size)
{
	const struct config *cfg = service_config(svc);
	const char *at = strrchr(cfg->mail_from, '@');

	/* LOCAL+TAG@DOMAIN; the plain address with --no-reply-tags, or
	 * when the tag would make the address too long. */
	if (cfg->no_reply_tags || tag == NULL || tag[0] == '\0' || at == NULL ||
	    strlen(cfg->mail_from) + strlen(tag) + 1 > EMAIL_MAX_LEN ||
	    (size_t)(at - cfg->mail_from) + strlen(tag) + 1 > 64) {
		snprintf(out, size, "%s", cfg->mail_from);
		return;
	}
	snprintf(out, size, "%.*s+%s%s", (int)(at - cfg->mail_from),
	    cfg->mail_from, tag, at);
}

int
letter_invitation(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct draft *d = xcalloc(1, sizeof(*d));
	int rc = draft_build(svc, st, r, d, err);

	if (rc == 0) {
		out->mime = d->mime;
		out->mime_len = d->mime_len;
		d->mime = NULL;
		snprintf(out->to, sizeof(out->to), "%s", d->member.email);
		snprintf(out->subject, sizeof(out->subject), "%s", d->subject);
	}
	draft_release(d);
	free(d);
	return rc;
}
