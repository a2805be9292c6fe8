/*
 * letter_forward.c - a member's own reply, sent on to their club's
 * secretary with Reply-To the member (docs/email.md, "Replies").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "letter_int.h"
#include "text.h"
#include "xalloc.h"

int
letter_forward(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct reply_row *rep = xmalloc(sizeof(*rep));
	struct member m;
	struct club c;
	struct buf text, html;
	char subject[400], from_name[NAME_MAX_LEN + 40];
	int rc = -1;

	buf_init(&text);
	buf_init(&html);
	if (store_reply_get(st, r->ref_id, rep, err) < 0 ||
	    store_member_get(st, rep->member_id, &m, err) < 0 ||
	    store_club_get(st, r->club_id, &c, err) < 0)
		goto out;
	if (strcmp(m.status, "removed") == 0) {
		err_set(err, ERR_OK, "the member was removed");
		rc = 1;
		goto out;
	}
	snprintf(subject, sizeof(subject), "%s wrote: %s", m.name,
	    rep->subject[0] ? rep->subject : "(no subject)");
	snprintf(from_name, sizeof(from_name), "%s via clubmatch", m.name);
	buf_addf(&text, "%s (%s) answered a mail from %s. Reply to this "
	    "e-mail to write back to them.\n\n", m.name, m.email, c.name);
	buf_adds(&text, rep->body);
	buf_adds(&text, "\n");
	letter_html_start(&html, subject);
	buf_adds(&html, "<p style=\"margin:0 0 12px\">");
	text_html_escape(&html, m.name);
	buf_adds(&html, " (");
	text_html_escape(&html, m.email);
	buf_adds(&html, ") answered a mail from ");
	text_html_escape(&html, c.name);
	buf_adds(&html, ". Reply to this e-mail to write back to them.</p>"
	    "<blockquote style=\"margin:0;padding:0 0 0 12px;border-left:3px "
	    "solid #cccccc;white-space:pre-wrap\">");
	text_html_escape(&html, rep->body);
	buf_adds(&html, "</blockquote>");
	letter_html_end(&html, NULL);
	rc = letter_plain(svc, r, &(struct letter_plain){ from_name,
	    c.secretary_email, c.secretary_name, m.email, m.name, subject,
	    text.data, html.data, 0 }, out, err);
out:
	buf_release(&text);
	buf_release(&html);
	free(rep);
	return rc;
}
