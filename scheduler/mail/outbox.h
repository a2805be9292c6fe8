/*
 * outbox.h - the background worker that delivers queued invitations.
 *
 * Rows are queued in the database (store_outbox_queue_*) inside the
 * transaction of the change that causes them, by the service or by a CLI
 * process; the worker polls for due rows, so it also finds rows another
 * process queued, and resumes whatever is pending after a restart.
 *
 * Each row is built at send time from the current meeting, member and
 * club, sent over one kept SMTP connection (or into the Maildir), and
 * marked sent, or retried with backoff (seconds, then minutes, capped),
 * or marked failed after a permanent (5xx) refusal or a day of trying.
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

/* Starts the worker thread. */
struct outbox *outbox_start(struct service *svc, struct err *err);
/* Stops it after the message in flight, and frees it. NULL ok. */
void outbox_stop(struct outbox *ob);

/* The delay before attempt number `attempts` + 1, in seconds, for a
 * message that failed `attempts` times (>= 1): 5 s, 15 s, 30 s, 1 min,
 * 2 min, 5 min, then every 15 min. */
long outbox_backoff(int attempts);

#endif
