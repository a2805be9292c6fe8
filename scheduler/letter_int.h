/*
 * letter_int.h - what the letter_*.c files share (see letter.h).
 */
#ifndef CLUBMATCH_LETTER_INT_H
#define CLUBMATCH_LETTER_INT_H

#include <stdbool.h>

#include "buf.h"
#include "letter.h"
#include "store.h"

/* The builders of each kind: same contract as letter_build(). */
int letter_invitation(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);
int letter_welcome(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);
int letter_secretary_digest(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);
int letter_organizer_digest(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);
int letter_forward(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);
int letter_join_confirm(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);
int letter_member_link(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);
int letter_reminder(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);
int letter_followup(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);

/* The ORGANIZER and Reply-To of an invitation: LOCAL+TAG@DOMAIN of
 * --mail-from, or the plain address with --no-reply-tags. */
void letter_reply_address(const struct service *svc, const char *tag,
    char *out, size_t size);

/* Drop (return 1, reason in err) unless member m may get mail of this
 * kind (docs/email.md, "Who gets mail"). */
int letter_member_mailable(const struct member *m, struct err *err);

/*
 * A plain message without a calendar: From the --mail-from address with
 * from_name, To to/to_name, Reply-To reply_to (NULL: none), a
 * List-Unsubscribe of member_id's link when member_id > 0.  text and
 * html become the multipart/alternative.  0 or -1.
 */
struct letter_plain {
	const char *from_name;
	const char *to, *to_name;
	const char *reply_to, *reply_to_name;
	const char *subject;
	const char *text, *html;
	int64_t unsubscribe_member;	/* 0: no List-Unsubscribe */
};
int letter_plain(struct service *svc, const struct outbox_row *r,
    const struct letter_plain *p, struct letter *out, struct err *err);

/* The HTML frame every mail shares: one column, inline CSS, no remote
 * images (docs/email.md, "How the mails look"). */
void letter_html_start(struct buf *b, const char *title);
void letter_html_end(struct buf *b, const char *footer_html);
/* A real button (a table cell with a link) for the main actions. */
void letter_html_button(struct buf *b, const char *url, const char *label);
void letter_html_para(struct buf *b, const char *text);

#endif
