/*
 * letter_join.c - the mails of /join (docs/joining.md): the
 * confirmation link of a sign-up, and, to an address that is a member
 * already, the link of their page.  Neither says more than the address's
 * owner may know.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "letter_int.h"
#include "text.h"
#include "token.h"

/* What the three mails of /join say: after "Hello NAME,", a paragraph
 * (its text and HTML forms), the link (url NULL: none) and a last
 * paragraph (NULL: none). */
struct join_letter {
	const char *to, *name;
	const char *subject, *title;
	const char *text_said, *html_said;
	const char *url, *button;
	const char *after;
	int64_t unsubscribe_member;	/* 0: no List-Unsubscribe */
};

static int
join_letter(struct service *svc, const struct outbox_row *r,
    const struct join_letter *jl, struct letter *out, struct err *err)
{
	struct buf text, html;
	int rc;

	buf_init(&text);
	buf_init(&html);
	buf_addf(&text, "Hello %s,\n\n%s\n", jl->name, jl->text_said);
	if (jl->url)
		buf_addf(&text, "\n  %s\n", jl->url);
	if (jl->after)
		buf_addf(&text, "\n%s\n", jl->after);
	letter_html_start(&html, jl->title);
	buf_adds(&html, "<p style=\"margin:0 0 12px\">Hello ");
	text_html_escape(&html, jl->name);
	buf_adds(&html, ",</p>");
	letter_html_para(&html, jl->html_said);
	if (jl->url)
		letter_html_button(&html, jl->url, jl->button);
	if (jl->after)
		letter_html_para(&html, jl->after);
	letter_html_end(&html, NULL);
	rc = letter_plain(svc, r, &(struct letter_plain){ NULL, jl->to,
	    jl->name, NULL, NULL, jl->subject, text.data, html.data,
	    jl->unsubscribe_member }, out, err);
	buf_release(&text);
	buf_release(&html);
	return rc;
}

int
letter_join_confirm(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct join j;
	char url[600];

	if (store_join_get(st, r->ref_id, &j, err) < 0)
		return err->code == ERR_NOT_FOUND ? 1 : -1;
	if (j.used_at || time(NULL) >= j.expires_at)
		return err_set(err, ERR_OK, "the sign-up was confirmed or "
		    "expired"), 1;
	token_link_url(svc, "/join/confirm/", "join", j.id, "", url,
	    sizeof(url));
	return join_letter(svc, r, &(struct join_letter){ j.email, j.name,
	    "Please confirm your sign-up", "Confirm your sign-up",
	    "please confirm that you want to join: open this link and press "
	    "the button (valid for 48 hours):",
	    "please confirm that you want to join: press the button, then "
	    "confirm on the page (the link is valid for 48 hours).",
	    url, "Confirm my sign-up",
	    "If you did not sign up, ignore this e-mail: nothing happens "
	    "without the confirmation.", 0 }, out, err);
}

/* To an address removed as a duplicate: its owner is a member under
 * another address (docs/joining.md, "Joining again").  An answer to the
 * sign-up, as a confirmation would be, so no member's status stops it;
 * it names nothing of the other membership. */
static int
duplicate_link(struct service *svc, const struct outbox_row *r,
    const struct member *m, struct letter *out, struct err *err)
{
	static const char SAID[] = "someone (probably you) asked to join "
	    "with this address. It was taken off our list as a duplicate: "
	    "you are a member under another address, where your club's "
	    "mails go (its welcome e-mail has the link of your member "
	    "page). To use this address instead, ask your club's secretary "
	    "to have it changed.";

	return join_letter(svc, r, &(struct join_letter){ m->email, m->name,
	    "You are a member already", "You are a member already", SAID,
	    SAID, NULL, NULL, NULL, 0 }, out, err);
}

int
letter_member_link(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err)
{
	struct member m;
	struct member_links l;

	if (store_member_get(st, r->member_id, &m, err) < 0)
		return err->code == ERR_NOT_FOUND ? 1 : -1;
	if (strcmp(m.status, "removed") == 0 &&
	    strcmp(m.removed_reason, "duplicate") == 0)
		return duplicate_link(svc, r, &m, out, err);
	/* The answer to the person's own sign-up, as a confirmation is:
	 * unsubscribing from the club's mail, a bounce long ago or "do not
	 * contact" does not keep them from their own page (docs/joining.md,
	 * "The flow"). */
	if (strcmp(m.status, "removed") == 0)
		return err_set(err, ERR_OK, "the member was removed"), 1;
	token_member_links(svc, m.id, &l);
	return join_letter(svc, r, &(struct join_letter){ m.email, m.name,
	    "Your member page", "You are a member already",
	    "someone (probably you) asked to join with this address, which "
	    "is a member already.  Your page shows your club, your meetings "
	    "and your answers, and lets you change your ZIP or leave:",
	    "someone (probably you) asked to join with this address, which "
	    "is a member already. Your page shows your club, your meetings "
	    "and your answers, and lets you change your ZIP or leave.",
	    l.page, "Your member page", NULL, m.id }, out, err);
}
