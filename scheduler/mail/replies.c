/*
 * replies.c - from received bytes to the domain's reply_take(), and the
 * intake thread (docs/email.md, "Replies").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "intake.h"
#include "log.h"
#include "reader.h"
#include "replies.h"
#include "reply.h"
#include "store.h"
#include "xalloc.h"

/* Seconds between polls: the Maildir within 5 s of a delivery, IMAP at
 * least every 30 s (docs/email.md). */
#define MAILDIR_POLL_S 2
#define IMAP_POLL_S 15

static enum reply_kind
kind_of(const struct reader_msg *m)
{
	switch (m->kind) {
	case READER_CALENDAR:
		return REPLY_CALENDAR;
	case READER_BOUNCE:
		return REPLY_BOUNCE;
	case READER_HUMAN:
		return REPLY_HUMAN;
	default:
		return REPLY_IGNORED;
	}
}

/* The first permanent failure of a report, else its first recipient. */
static const struct reader_dsn_rcpt *
dsn_pick(const struct reader_msg *m)
{
	size_t i;

	for (i = 0; i < m->n_dsn; i++)
		if (m->dsn[i].permanent)
			return &m->dsn[i];
	return m->n_dsn ? &m->dsn[0] : NULL;
}

int
replies_take(struct service *svc, struct store *st, const char *data,
    size_t len, char *outcome, size_t size, struct err *err)
{
	const char *tags[READER_MAX_TAGS];
	const struct reader_dsn_rcpt *d;
	struct reply_input in;
	struct reader_msg m;
	char digest[80];
	size_t i;
	int rc;

	if (reader_parse(data, len, service_config(svc)->mail_from, &m,
	    err) < 0)
		return -1;
	memset(&in, 0, sizeof(in));
	in.kind = kind_of(&m);
	in.kind_name = reader_kind_name(m.kind);
	/* Without a Message-ID the bytes themselves name the message, so
	 * the same one taken twice is still recognised. */
	if (m.message_id == NULL) {
		char *copy = xmalloc(len + 1);

		memcpy(copy, data, len);
		copy[len] = '\0';
		snprintf(digest, sizeof(digest), "sha256:");
		hash_sha256_hex(copy, digest + 7);
		free(copy);
	}
	in.message_id = m.message_id ? m.message_id : digest;
	in.from = m.from;
	in.from_name = m.from_name;
	for (i = 0; i < m.n_tags; i++)
		tags[i] = m.tags[i];
	in.tags = tags;
	in.n_tags = m.n_tags;
	in.subject = m.subject;
	in.text = m.text;
	in.cal = m.reply;
	in.bounced_id = m.original_message_id;
	if ((d = dsn_pick(&m)) != NULL) {
		in.bounced_rcpt = d->final_recipient;
		in.bounce_status = d->status;
		in.bounce_permanent = d->permanent;
	}
	rc = reply_take(svc, st, &in, outcome, size, err);
	if (rc == 0) {
		char mid[81];

		/* The sender's text: cut here, quoted by the log. */
		snprintf(mid, sizeof(mid), "%s", in.message_id);
		log_event("reply", "kind", in.kind_name, "message_id", mid,
		    "outcome", outcome, NULL);
	}
	reader_msg_free(&m);
	return rc;
}

/* ==== the intake thread ================================================= */
struct replies {
	struct service *svc;
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
};

static int
take_one(const char *data, size_t len, void *arg)
{
	struct replies *r = arg;
	char outcome[200];
	struct err err;

	err_clear(&err);
	if (replies_take(r->svc, r->st, data, len, outcome, sizeof(outcome),
	    &err) < 0) {
		log_event("reply_failed", "error", err.msg, NULL);
		return -1;
	}
	return 0;
}

static bool
wait_s(struct replies *r, int seconds)
{
	struct timespec ts;
	bool go_on;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&r->lock);
	if (!r->stopping)
		pthread_cond_timedwait(&r->wake, &r->lock, &ts);
	go_on = !r->stopping;
	pthread_mutex_unlock(&r->lock);
	return go_on;
}

static void *
intake_thread(void *arg)
{
	struct replies *r = arg;
	const struct config *cfg = service_config(r->svc);
	time_t last_imap = 0;
	struct err err;

	do {
		err_clear(&err);
		if (cfg->reply_maildir && intake_maildir_poll(cfg->reply_maildir,
		    take_one, r, &err) < 0)
			log_event("intake_failed", "source", "maildir",
			    "error", err.msg, NULL);
		if (cfg->imap && time(NULL) - last_imap >= IMAP_POLL_S) {
			last_imap = time(NULL);
			err_clear(&err);
			if (intake_imap_poll(cfg->imap, cfg->imap_user,
			    cfg->imap_password, cfg->smtp_ca_file, take_one, r,
			    &err) < 0)
				log_event("intake_failed", "source", "imap",
				    "error", err.msg, NULL);
		}
	} while (wait_s(r, MAILDIR_POLL_S));
	return NULL;
}

struct replies *
replies_start(struct service *svc, struct err *err)
{
	const struct config *cfg = service_config(svc);
	struct replies *r;

	if (cfg->reply_maildir == NULL && cfg->imap == NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->svc = svc;
	r->st = service_store_open(svc, err);
	if (r->st == NULL) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	if (pthread_create(&r->thread, NULL, intake_thread, r) != 0) {
		err_set(err, ERR_INTERNAL, "cannot start the reply intake");
		service_store_close(r->st);
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->wake);
		free(r);
		return NULL;
	}
	return r;
}

void
replies_stop(struct replies *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	service_store_close(r->st);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r);
}
