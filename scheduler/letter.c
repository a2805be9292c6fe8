/*
 * letter.c - the message of an outbox row: dispatch by kind, the checks
 * every kind shares, and the plain (calendar-less) message with its HTML
 * frame (docs/email.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imip.h"
#include "letter_int.h"
#include "text.h"
#include "token.h"

/* The builders, by kind; NULL: not built by this program (yet). */
static int (*const BUILDERS[KIND__COUNT])(struct service *, struct store *,
    const struct outbox_row *, struct letter *, struct err *) = {
	[KIND_INVITATION] = letter_invitation,
	[KIND_WELCOME] = letter_welcome,
	[KIND_SECRETARY_DIGEST] = letter_secretary_digest,
	[KIND_ORGANIZER_DIGEST] = letter_organizer_digest,
	[KIND_FORWARD] = letter_forward,
	[KIND_JOIN_CONFIRM] = letter_join_confirm,
	[KIND_MEMBER_LINK] = letter_member_link,
	[KIND_REMINDER] = letter_reminder,
	[KIND_FOLLOWUP] = letter_followup,
};

int
letter_build(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (r->kind >= KIND__COUNT || BUILDERS[r->kind] == NULL)
		return err_set(err, ERR_OK, "this program cannot build a %s "
		    "message", model_kind_name(r->kind)), 1;
	if (r->send_before && time(NULL) > r->send_before)
		return err_set(err, ERR_OK, "too late: it was due before %lld",
		    (long long)r->send_before), 1;
	return BUILDERS[r->kind](svc, st, r, out, err);
}

int
letter_sent(struct service *svc, struct store *st,
    const struct outbox_row *r, const struct letter *l, struct err *err)
{
	(void)svc;
	if (r->kind == KIND_SECRETARY_DIGEST)
		return store_contact_mark_digested(st, r->club_id, r->id,
		    l->upto, err);
	return 0;
}

void
letter_release(struct letter *l)
{
	free(l->mime);
	l->mime = NULL;
}

static const char *
mail_domain(const struct service *svc)
{
	const char *at = strrchr(service_config(svc)->mail_from, '@');

	return at ? at + 1 : "clubmatch.invalid";
}

void
letter_message_id(const struct service *svc, const struct outbox_row *r,
    char *out, size_t size)
{
	snprintf(out, size, "cm%" PRId64 ".%s.s%d%s%s@%s", r->id,
	    model_kind_name(r->kind), r->sequence, r->occurrence[0] ? "." : "",
	    r->occurrence, mail_domain(svc));
	/* Message-IDs are dot-atoms: the kind's '_' is fine, '-' too. */
}

int64_t
letter_row_of_message_id(const struct service *svc, const char *message_id)
{
	const char *p = message_id, *at;
	int64_t id = 0;

	(void)svc;
	if (p[0] == '<')
		p++;
	at = strrchr(p, '@');
	if (strncmp(p, "cm", 2) != 0 || at == NULL)
		return -1;
	for (p += 2; *p >= '0' && *p <= '9' && id < INT64_MAX / 10; p++)
		id = id * 10 + (*p - '0');
	return *p == '.' && id > 0 ? id : -1;
}

int
letter_member_mailable(const struct member *m, struct err *err)
{
	if (strcmp(m->status, "removed") == 0)
		return err_set(err, ERR_OK, "the member was removed"), 1;
	if (strcmp(m->status, "do_not_contact") == 0)
		return err_set(err, ERR_OK, "the member asked not to be "
		    "contacted"), 1;
	if (strcmp(m->email_status, "bouncing") == 0)
		return err_set(err, ERR_OK, "the member's address bounces"), 1;
	if (m->unsubscribed)
		return err_set(err, ERR_OK, "member unsubscribed"), 1;
	return 0;
}

int
letter_plain(struct service *svc, const struct outbox_row *r,
    const struct letter_plain *p, struct letter *out, struct err *err)
{
	char msgid[200], unsub[400];
	struct imip_message msg;

	letter_message_id(svc, r, msgid, sizeof(msgid));
	memset(&msg, 0, sizeof(msg));
	msg.from_addr = service_config(svc)->mail_from;
	msg.from_name = p->from_name;
	msg.to_addr = p->to;
	msg.to_name = p->to_name && p->to_name[0] ? p->to_name : NULL;
	msg.reply_to_addr = p->reply_to;
	msg.reply_to_name = p->reply_to_name && p->reply_to_name[0] ?
	    p->reply_to_name : NULL;
	msg.subject = p->subject;
	msg.text = p->text;
	msg.html = p->html;
	msg.message_id = msgid;
	msg.date = time(NULL);
	if (p->unsubscribe_member > 0) {
		token_link_url(svc, "/unsubscribe/", "unsub",
		    p->unsubscribe_member, "", unsub, sizeof(unsub));
		msg.unsubscribe_url = unsub;
	}
	out->mime = imip_message_build(&msg, &out->mime_len, err);
	if (out->mime == NULL)
		return -1;
	snprintf(out->to, sizeof(out->to), "%s", p->to);
	snprintf(out->subject, sizeof(out->subject), "%s", p->subject);
	return 0;
}

/* ==== the HTML frame ==================================================== */
void
letter_html_start(struct buf *b, const char *title)
{
	buf_adds(b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	text_html_escape(b, title);
	buf_adds(b, "</title></head><body style=\"margin:0;padding:0;"
	    "background:#f4f4f4\"><table role=\"presentation\" width=\"100%\" "
	    "cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f4f4f4\">"
	    "<tr><td align=\"center\" style=\"padding:16px\">"
	    "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
	    "cellspacing=\"0\" style=\"max-width:600px;background:#ffffff;"
	    "font-family:Arial,Helvetica,sans-serif;font-size:16px;"
	    "line-height:1.5;color:#1a1a1a\"><tr><td style=\"padding:24px\">"
	    "<h1 style=\"font-size:22px;margin:0 0 16px\">");
	text_html_escape(b, title);
	buf_adds(b, "</h1>");
}

void
letter_html_end(struct buf *b, const char *footer_html)
{
	buf_adds(b, "</td></tr>");
	if (footer_html) {
		buf_adds(b, "<tr><td style=\"padding:16px 24px;font-size:13px;"
		    "color:#555555;border-top:1px solid #dddddd\">");
		buf_adds(b, footer_html);
		buf_adds(b, "</td></tr>");
	}
	buf_adds(b, "</table></td></tr></table></body></html>\n");
}

void
letter_html_button(struct buf *b, const char *url, const char *label)
{
	buf_adds(b, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" style=\"margin:8px 8px 8px 0;display:inline-"
	    "table\"><tr><td style=\"background:#1d4ed8;border-radius:6px\">"
	    "<a href=\"");
	text_html_escape(b, url);
	buf_adds(b, "\" style=\"display:inline-block;padding:12px 20px;"
	    "color:#ffffff;text-decoration:none;font-weight:bold\">");
	text_html_escape(b, label);
	buf_adds(b, "</a></td></tr></table>");
}

void
letter_html_para(struct buf *b, const char *text)
{
	buf_adds(b, "<p style=\"margin:0 0 12px\">");
	text_html_escape(b, text);
	buf_adds(b, "</p>");
}
