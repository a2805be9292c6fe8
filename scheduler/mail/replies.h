/*
 * replies.h - taking received e-mail: the reader's view of a message
 * handed to the domain (reply.h), and the intake thread of `serve` that
 * polls --reply-maildir and --imap (docs/email.md, "Replies").
 */
#ifndef CLUBMATCH_REPLIES_H
#define CLUBMATCH_REPLIES_H

#include <stddef.h>

#include "err.h"
#include "service.h"

struct store;

/* Parses and applies one message.  0 taken or ignored (*outcome says
 * which), -1 runtime failure: keep the message and try again. */
int replies_take(struct service *svc, struct store *st, const char *data,
    size_t len, char *outcome, size_t size, struct err *err);

struct replies;
/* Starts the intake thread when --reply-maildir or --imap is set (NULL
 * without error when neither is). */
struct replies *replies_start(struct service *svc, struct err *err);
void replies_stop(struct replies *r);	/* NULL ok */

#endif
