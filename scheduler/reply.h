/*
 * reply.h - what a received e-mail does (docs/email.md, "Replies"): a
 * calendar answer becomes the member's RSVP, a bounce stops mail to the
 * address, a person's reply is sent on to the secretary, anything else
 * changes nothing.  The message is parsed by the mail wing (mail/reader);
 * this is the domain's part: who it belongs to and what it changes.
 */
#ifndef CLUBMATCH_REPLY_H
#define CLUBMATCH_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "ics_reply.h"
#include "service.h"

struct store;

enum reply_kind {
	REPLY_CALENDAR,		/* METHOD:REPLY or COUNTER */
	REPLY_BOUNCE,		/* an RFC 3464 report */
	REPLY_HUMAN,		/* a person wrote */
	REPLY_IGNORED,		/* auto-reply, junk, too large */
};

/* One received message, as the reader understood it; borrowed. */
struct reply_input {
	enum reply_kind kind;
	const char *kind_name;		/* for the record: calendar, auto ... */
	const char *message_id;		/* or a digest of the bytes */
	const char *from;		/* lower-cased address, or "" */
	const char *from_name;		/* or NULL */
	const char *const *tags;	/* reply tags of the recipients */
	size_t n_tags;
	const char *subject;		/* or NULL */
	const char *text;		/* a person's text, or NULL */
	const struct ics_reply *cal;	/* REPLY_CALENDAR */
	const char *bounced_id;		/* REPLY_BOUNCE: our Message-ID */
	const char *bounced_rcpt;	/* the failed recipient, or "" */
	const char *bounce_status;	/* "5.1.1" */
	bool bounce_permanent;
};

/*
 * Applies in, in one transaction, once per Message-ID.  *outcome says
 * what it did ("accepted for 2027-01-05", "ignored: unknown tag", ...).
 * Returns 0 when the message was taken or deliberately ignored, -1 on a
 * runtime failure (the caller keeps the message to try again).
 */
int reply_take(struct service *svc, struct store *st,
    const struct reply_input *in, char *outcome, size_t size,
    struct err *err);

#endif
