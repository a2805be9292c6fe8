/*
 * letter.h - building the e-mail of one outbox row, of any kind, at the
 * moment it is sent (docs/email.md, "The outbox").
 *
 * The outbox worker (mail/outbox.c) takes due rows, asks letter_build()
 * for the message and hands it to the transport; nothing is built when
 * it is queued, so a message always says what is true when it leaves.
 * letter_build() also decides that a row has nothing to say any more
 * (the member was removed, unsubscribed, is bouncing or do-not-contact;
 * the meeting was cancelled): the row is then dropped with that reason.
 *
 * Each kind has its builder in its own file (letter_invite.c,
 * letter_notice.c, ...), behind letter_int.h.
 */
#ifndef CLUBMATCH_LETTER_H
#define CLUBMATCH_LETTER_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "service.h"

struct store;

/* One finished message. */
struct letter {
	char *mime;			/* RFC 5322 bytes, CRLF */
	size_t mime_len;
	char to[EMAIL_MAX_LEN + 1];	/* the envelope recipient */
	char subject[256];		/* for the outbox list */
	int64_t upto;			/* a digest: the last task it lists */
};

/*
 * Builds row r's message into *out.  Returns 0 (send it), 1 (nothing to
 * send any more: drop the row, err->msg says why), or -1 with *err (a
 * temporary failure: retry later).
 */
int letter_build(struct service *svc, struct store *st,
    const struct outbox_row *r, struct letter *out, struct err *err);

/* What follows once row r was sent, in the transaction that records it
 * (a digest marks the tasks it listed as told). */
int letter_sent(struct service *svc, struct store *st,
    const struct outbox_row *r, const struct letter *l, struct err *err);

void letter_release(struct letter *l);

/* The stable Message-ID of row r (without <>), the same on every
 * attempt so that a re-send after a crash is recognisably the same
 * message: "cm<id>.<kind>@<mail-from domain>". */
void letter_message_id(const struct service *svc, const struct outbox_row *r,
    char *out, size_t size);
/* The outbox row id a Message-ID of ours names, or -1. */
int64_t letter_row_of_message_id(const struct service *svc,
    const char *message_id);

#endif
