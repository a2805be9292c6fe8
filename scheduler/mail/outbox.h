/*
 * outbox.h - the background worker that delivers the queued e-mails
 * (docs/email.md, "Retries (the outbox worker)").
 *
 * Rows are queued in the database by the domain (meeting.c, invite.c,
 * assign.c through store_outbox_queue_*) inside the transaction of the
 * change that causes them, in this process or in a CLI process; the
 * worker polls for due rows, so it also finds rows another process
 * queued, and resumes whatever is pending after a restart.
 *
 * Each row is built at send time from the current meeting, member and
 * club, sent over a kept SMTP connection (or into the Maildir), and then
 * marked sent; or retried with backoff (outbox_backoff()); or marked
 * failed, with the reason in last_error, after a permanent (5xx)
 * refusal, after OUTBOX_GIVE_UP_SECONDS of trying (the waits between its
 * attempts add up to that), or when there is
 * nothing to send any more (the member unsubscribed or left the club,
 * the meeting or occurrence was cancelled).
 *
 * A row addressed to a member waits, still pending and without counting
 * as an attempt, while that member had --member-daily-cap messages sent
 * in the last 24 hours (docs/email.md, "A daily cap per member").
 *
 * The worker is two threads ("lanes"), each with its own store
 * connection and SMTP connection, each sending the rows whose id modulo
 * 2 is its number, so no row is ever taken by both.
 */
#ifndef CLUBMATCH_OUTBOX_H
#define CLUBMATCH_OUTBOX_H

#include "err.h"
#include "service.h"

#define OUTBOX_GIVE_UP_SECONDS (24 * 3600)

struct outbox;

/* Opens the lanes' connections and starts their threads; NULL with
 * *err when a connection cannot be opened. */
struct outbox *outbox_start(struct service *svc, struct err *err);
/* Stops the lanes after the messages in flight, and frees ob.  NULL
 * is a no-op. */
void outbox_stop(struct outbox *ob);

/* The delay before attempt number `attempts` + 1, in seconds, for a
 * message that failed `attempts` times (>= 1): 5 s, 15 s, 30 s, 1 min,
 * 2 min, 5 min, then every 15 min. */
long outbox_backoff(int attempts);

#endif
