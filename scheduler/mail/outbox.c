/*
 * outbox.c - sending queued mail of every kind, with retries; the
 * messages are built by the domain (letter.h) at send time.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "letter.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "outreach.h"
#include "store.h"
#include "xalloc.h"

#define OUTBOX_BATCH 64
#define OUTBOX_POLL_MS 250
#define OUTBOX_TICK_SECONDS 5
/* Senders working in parallel, each on its own rows (id modulo lanes)
 * with its own SMTP connection: one connection spends most of its time
 * waiting for the server's replies (libcurl does not pipeline SMTP), so
 * more lanes keep the server busy.  Four sent 477 invitations/s to the
 * test sink where two sent 372 (bench_invites.py); each lane may send
 * its one message in flight again after a kill -9 (docs/email.md,
 * "Exactly once"). */
#define OUTBOX_LANES 4
/* The member daily cap counts the sends of this many seconds back. */
#define OUTBOX_CAP_WINDOW (24 * 3600)

struct outbox;

/* One sender thread. */
struct lane {
	struct outbox *ob;
	int index;			/* 0 .. OUTBOX_LANES-1 */
	pthread_t thread;
	bool started;
	struct store *st;		/* the lane's own connection */
	struct mail_transport *mail;	/* and SMTP connection */
	long down_delay_ms;		/* grows while the server is down */
	time_t last_tick;		/* lane 0: outreach_tick() */
};

struct outbox {
	struct service *svc;
	const struct config *cfg;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;			/* guarded by lock */
	double scale;			/* cfg->retry_scale, tests only */
	struct lane lanes[OUTBOX_LANES];
};

long
outbox_backoff(int attempts)
{
	static const long steps[] = { 5, 15, 30, 60, 120, 300 };
	int n = (int)(sizeof(steps) / sizeof(steps[0]));

	if (attempts < 1)
		attempts = 1;
	return attempts <= n ? steps[attempts - 1] : 900;
}

/* The wait after the attempts-th failure, as scheduled. */
static time_t
retry_delay(int attempts, double scale)
{
	return (time_t)(outbox_backoff(attempts) * scale + 0.5);
}

/* How long a row that failed `attempts` times has been tried at least:
 * the waits between its attempts.  The give-up clock runs from the first
 * attempt, not from the queueing: a row that waited on purpose (an
 * update's window, a reminder queued days ahead, the member daily cap)
 * was not failing all that time. */
static time_t
tried_for(int attempts, double scale)
{
	time_t sum = 0;
	int i;

	/* A row gives up within a day, so at most about a hundred terms. */
	for (i = 1; i < attempts; i++)
		sum += retry_delay(i, scale);
	return sum;
}

/* ==== sending =========================================================== */
static void
record(struct lane *ln, struct outbox_row *r, const struct letter *l)
{
	struct service *svc = ln->ob->svc;
	struct err err;

	err_clear(&err);
	/* The result and what follows from it (a digest marks its tasks
	 * told) are one transaction. */
	if (store_begin(ln->st, &err) < 0 ||
	    store_outbox_result(ln->st, r, &err) < 0 ||
	    (strcmp(r->status, "sent") == 0 && l &&
	    letter_sent(svc, ln->st, r, l, &err) < 0) ||
	    store_commit(ln->st, &err) < 0) {
		store_rollback(ln->st);
		log_event("outbox_failed", "error", err.msg, NULL);
	}
}

/* Marks r as given to the server: 1; 0 when it is no longer pending
 * (dropped or superseded since it was read, or the store failed: it is
 * tried again); 2 when the member daily cap holds it back until
 * *free_at. */
static int
claim(struct lane *ln, const struct outbox_row *r, time_t now,
    time_t *free_at)
{
	struct err err;
	int rc;

	err_clear(&err);
	rc = store_outbox_claim_capped(ln->st, r->id, r->member_id,
	    ln->ob->cfg->member_daily_cap, now, OUTBOX_CAP_WINDOW, free_at,
	    &err);
	if (rc < 0)
		log_event("outbox_failed", "error", err.msg, NULL);
	return rc < 0 ? 0 : rc;
}

/* The member had their day's messages: r waits, still pending, until a
 * place frees.  Not an attempt: no backoff, no giving up; a newer update
 * of the meeting still supersedes it (docs/email.md, "A daily cap per
 * member"). */
static void
defer(struct lane *ln, struct outbox_row *r, const struct letter *l,
    time_t free_at)
{
	snprintf(r->status, sizeof(r->status), "pending");
	snprintf(r->subject, sizeof(r->subject), "%s", l->subject);
	snprintf(r->last_error, sizeof(r->last_error), OUTBOX_CAP_REASON
	    " (%d in 24 h)", ln->ob->cfg->member_daily_cap);
	r->next_attempt_at = free_at;
	record(ln, r, NULL);
}

static void
retry_or_fail(struct lane *ln, struct outbox_row *r, const struct err *err,
    time_t now)
{
	snprintf(r->status, sizeof(r->status), "pending");
	snprintf(r->last_error, sizeof(r->last_error), "%s", err->msg);
	if (err->code != ERR_UNAVAILABLE ||
	    tried_for(r->attempts, ln->ob->scale) >= OUTBOX_GIVE_UP_SECONDS)
		snprintf(r->status, sizeof(r->status), "failed");
	else
		r->next_attempt_at = now + retry_delay(r->attempts,
		    ln->ob->scale);
	record(ln, r, NULL);
}

/* Sends row r.  Returns false when the server looks unreachable, so the
 * caller pauses instead of failing every due row in turn. */
static bool
send_row(struct lane *ln, struct outbox_row *r)
{
	struct outbox *ob = ln->ob;
	struct letter l;
	struct err err;
	time_t now = time(NULL), free_at = 0;
	int rc;

	err_clear(&err);
	rc = letter_build(ob->svc, ln->st, r, &l, &err);
	if (rc == 0) {
		int claimed = claim(ln, r, now, &free_at);

		if (claimed == 2)
			defer(ln, r, &l, free_at);
		if (claimed != 1) {
			letter_release(&l);
			return true;
		}
	}
	r->attempts++;
	if (rc == 1) {
		/* Nothing to say any more: kept as dropped, with why. */
		snprintf(r->status, sizeof(r->status), "dropped");
		snprintf(r->last_error, sizeof(r->last_error), "not sent: "
		    "%.200s", err.msg);
		record(ln, r, NULL);
		letter_release(&l);
		return true;
	}
	if (rc == 0) {
		snprintf(r->subject, sizeof(r->subject), "%s", l.subject);
		rc = mail_send(ln->mail, ob->cfg->mail_from, l.to, l.mime,
		    l.mime_len, &err);
	}
	if (rc == 0) {
		snprintf(r->status, sizeof(r->status), "sent");
		r->sent_at = now;
		r->last_error[0] = '\0';
		record(ln, r, &l);
		letter_release(&l);
		ln->down_delay_ms = 0;
		return true;
	}
	letter_release(&l);
	retry_or_fail(ln, r, &err, now);
	return err.code != ERR_UNAVAILABLE;
}

/* Lane 0 also queues what time makes due (digests, reminders): the
 * domain decides what, every OUTBOX_TICK_SECONDS. */
static void
tick(struct lane *ln)
{
	time_t now = time(NULL);
	struct err err;

	if (now - ln->last_tick < OUTBOX_TICK_SECONDS)
		return;
	ln->last_tick = now;
	err_clear(&err);
	if (outreach_tick(ln->ob->svc, ln->st, now, &err) < 0)
		log_event("outreach_failed", "error", err.msg, NULL);
}

/* Waits up to ms, or until outbox_stop().  Returns false to stop. */
static bool
nap(struct outbox *ob, long ms)
{
	struct timespec ts;
	bool go_on;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ob->lock);
	if (!ob->stopping)
		pthread_cond_timedwait(&ob->wake, &ob->lock, &ts);
	go_on = !ob->stopping;
	pthread_mutex_unlock(&ob->lock);
	return go_on;
}

static bool
running(struct outbox *ob)
{
	bool go_on;

	pthread_mutex_lock(&ob->lock);
	go_on = !ob->stopping;
	pthread_mutex_unlock(&ob->lock);
	return go_on;
}

static void *
worker(void *arg)
{
	struct lane *ln = arg;
	struct outbox *ob = ln->ob;
	struct outbox_row *rows = xcalloc(OUTBOX_BATCH, sizeof(*rows));
	struct err err;
	int n, i;

	while (running(ob)) {
		if (ln->index == 0)
			tick(ln);
		err_clear(&err);
		n = store_outbox_due(ln->st, time(NULL), OUTBOX_LANES,
		    ln->index, OUTBOX_BATCH, rows, &err);
		if (n < 0)
			log_event("outbox_failed", "error", err.msg, NULL);
		if (n <= 0) {
			nap(ob, OUTBOX_POLL_MS);
			continue;
		}
		for (i = 0; i < n && running(ob); i++) {
			if (send_row(ln, &rows[i]))
				continue;
			/* The server is down or refusing for now: pause,
			 * longer each time (1 s doubling to 1 min). */
			ln->down_delay_ms = ln->down_delay_ms ?
			    ln->down_delay_ms * 2 : 1000;
			if (ln->down_delay_ms > 60000)
				ln->down_delay_ms = 60000;
			nap(ob, (long)(ln->down_delay_ms * ob->scale) + 1);
			break;
		}
	}
	free(rows);
	return NULL;
}

/* Stops and frees what the lanes hold; threads must be started or not
 * (ln->started tells). */
static void
lanes_stop(struct outbox *ob)
{
	int i;

	pthread_mutex_lock(&ob->lock);
	ob->stopping = true;
	pthread_cond_broadcast(&ob->wake);
	pthread_mutex_unlock(&ob->lock);
	for (i = 0; i < OUTBOX_LANES; i++) {
		struct lane *ln = &ob->lanes[i];

		if (ln->started)
			pthread_join(ln->thread, NULL);
		mail_transport_free(ln->mail);
		store_close(ln->st);
	}
}

struct outbox *
outbox_start(struct service *svc, struct err *err)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));
	const struct config *cfg = service_config(svc);
	struct mail_config mc;
	int i;

	ob->svc = svc;
	ob->cfg = cfg;
	ob->scale = cfg->retry_scale;
	memset(&mc, 0, sizeof(mc));
	mc.smtp_url = cfg->smtp;
	mc.smtp_user = cfg->smtp_user;
	mc.smtp_password = cfg->smtp_password;
	mc.maildir = cfg->maildir;
	mc.ca_file = cfg->smtp_ca_file;
	mc.mail_from = cfg->mail_from;
	mc.timeout_seconds = cfg->smtp_timeout;
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->wake, NULL);
	for (i = 0; i < OUTBOX_LANES; i++) {
		struct lane *ln = &ob->lanes[i];

		ln->ob = ob;
		ln->index = i;
		ln->st = service_store_open(svc, err);
		if (ln->st == NULL)
			goto out_stop;
		ln->mail = mail_transport_new(&mc, err);
		if (ln->mail == NULL)
			goto out_stop;
	}
	/* A row left 'sending' by a killed process is sent again, with the
	 * same Message-ID (docs/email.md, "Exactly once"). */
	if (store_outbox_recover(ob->lanes[0].st, err) < 0)
		goto out_stop;
	for (i = 0; i < OUTBOX_LANES; i++) {
		struct lane *ln = &ob->lanes[i];

		if (pthread_create(&ln->thread, NULL, worker, ln) != 0) {
			err_set(err, ERR_INTERNAL, "cannot start the mail "
			    "worker");
			goto out_stop;
		}
		ln->started = true;
	}
	return ob;
out_stop:
	lanes_stop(ob);
	pthread_cond_destroy(&ob->wake);
	pthread_mutex_destroy(&ob->lock);
	free(ob);
	return NULL;
}

void
outbox_stop(struct outbox *ob)
{
	if (ob == NULL)
		return;
	lanes_stop(ob);
	pthread_cond_destroy(&ob->wake);
	pthread_mutex_destroy(&ob->lock);
	free(ob);
}
