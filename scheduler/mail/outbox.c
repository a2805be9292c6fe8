/*
 * outbox.c - building and sending queued invitations, with retries.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ics_build.h"
#include "imip.h"
#include "mail.h"
#include "meeting.h"
#include "outbox.h"
#include "store.h"
#include "token.h"
#include "xalloc.h"

#define OUTBOX_BATCH 64
#define OUTBOX_POLL_MS 250
/* Senders working in parallel, each on its own rows (id modulo lanes)
 * with its own SMTP connection: one connection spends most of its time
 * waiting for the server's replies, so two nearly double the rate. */
#define OUTBOX_LANES 2

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

/* ==== building one message ============================================== */

/* Everything one message is made of; big, so it lives on the heap. */
struct draft {
	struct member member;
	struct meeting meeting;
	struct club club;
	struct meeting_ics mi;
	char *ics, *subject, *text, *html, *mime;
	size_t ics_len, mime_len;
};

static void
draft_release(struct draft *d)
{
	free(d->ics);
	free(d->subject);
	free(d->text);
	free(d->html);
	free(d->mime);
	d->ics = d->subject = d->text = d->html = d->mime = NULL;
}

static const struct meeting_occ *
find_occ(const struct meeting *m, const char *date)
{
	size_t i;

	for (i = 0; i < m->n_occ; i++)
		if (strcmp(m->occ[i].date, date) == 0)
			return &m->occ[i];
	return NULL;
}

/* "<when> (<zone>)" for instant t. */
static void
format_when(time_t t, const char *tz, char *out, size_t size)
{
	char s[128];

	if (ics_time_format(t, tz, s, sizeof(s)) < 0)
		snprintf(s, sizeof(s), "(time unknown)");
	snprintf(out, size, "%s (%s)", s, tz);
}

/* Texts and MIME around the calendar in d->ics. */
static int
draft_mime(struct outbox *ob, const struct outbox_row *r, struct draft *d,
    time_t when, bool cancel, const char *occ_date, struct err *err)
{
	char when_m[200], when_u[200] = "", rule[128], yes[400], no[400],
	    maybe[400], feed[400], unsub[400], msgid[200], occ_human[200] = "";
	const char *domain = strchr(ob->cfg->mail_from, '@');
	struct imip_invite_text t;
	struct imip_message msg;

	format_when(when, d->meeting.timezone, when_m, sizeof(when_m));
	if (d->member.place.timezone[0] &&
	    strcmp(d->member.place.timezone, d->meeting.timezone) != 0)
		format_when(when, d->member.place.timezone, when_u, sizeof(when_u));
	meeting_recurrence_text(d->meeting.rrule, d->meeting.start_local,
	    rule, sizeof(rule));
	token_link_url(ob->svc, "/rsvp/", "rsvp", r->invitation_id,
	    "?answer=yes", yes, sizeof(yes));
	token_link_url(ob->svc, "/rsvp/", "rsvp", r->invitation_id,
	    "?answer=no", no, sizeof(no));
	token_link_url(ob->svc, "/rsvp/", "rsvp", r->invitation_id,
	    "?answer=maybe", maybe, sizeof(maybe));
	token_link_url(ob->svc, "/feeds/", "feed", d->member.id, ".ics", feed,
	    sizeof(feed));
	token_link_url(ob->svc, "/unsubscribe/", "unsub", d->member.id, "",
	    unsub, sizeof(unsub));
	if (occ_date)
		snprintf(occ_human, sizeof(occ_human), "%s", when_m);
	memset(&t, 0, sizeof(t));
	t.club_name = d->club.name;
	t.member_name = d->member.name;
	t.title = d->meeting.title;
	t.description = d->meeting.description[0] ?
	    d->meeting.description : NULL;
	t.when_meeting = when_m;
	t.when_member = when_u[0] ? when_u : NULL;
	t.recurrence_text = rule[0] && !occ_date ? rule : NULL;
	t.video_url = d->meeting.video_url[0] ? d->meeting.video_url : NULL;
	t.location = d->meeting.location[0] ? d->meeting.location : NULL;
	t.secretary_name = d->club.secretary_name[0] ?
	    d->club.secretary_name : NULL;
	t.secretary_email = d->club.secretary_email;
	t.rsvp_yes_url = cancel ? NULL : yes;
	t.rsvp_no_url = cancel ? NULL : no;
	t.rsvp_maybe_url = cancel ? NULL : maybe;
	t.feed_url = feed;
	t.unsubscribe_url = unsub;
	t.cancelled = cancel;
	t.occurrence = occ_date ? occ_human : NULL;
	imip_invite_text_build(&t, &d->subject, &d->text, &d->html);
	/* Stable per row, so a resend after a crash is recognisably the
	 * same message. */
	snprintf(msgid, sizeof(msgid), "o%lld.s%d.%s%s%s@%s",
	    (long long)r->id, r->sequence, r->method, occ_date ? "." : "",
	    occ_date ? occ_date : "", domain ? domain + 1 : "clubmatch");
	memset(&msg, 0, sizeof(msg));
	msg.from_addr = ob->cfg->mail_from;
	msg.from_name = d->club.name;
	msg.to_addr = d->member.email;
	msg.to_name = d->member.name;
	msg.subject = d->subject;
	msg.text = d->text;
	msg.html = d->html;
	msg.ics = d->ics;
	msg.ics_len = d->ics_len;
	msg.method = r->method;
	msg.message_id = msgid;
	msg.date = time(NULL);
	msg.unsubscribe_url = unsub;
	d->mime = imip_message_build(&msg, &d->mime_len, err);
	return d->mime ? 0 : -1;
}

/*
 * Builds the message of row r into d.  Returns 0, 1 when there is
 * nothing to send any more (the reason in err->msg), or -1 on error.
 */
static int
draft_build(struct lane *ln, const struct outbox_row *r, struct draft *d,
    struct err *err)
{
	struct outbox *ob = ln->ob;
	const struct meeting_occ *occ = NULL;
	struct ics_local recid, start;
	struct ics_attendee att;
	bool cancel = strcmp(r->method, "CANCEL") == 0;
	time_t when = 0, next;

	if (store_member_get(ln->st, r->member_id, &d->member, err) < 0 ||
	    store_meeting_get(ln->st, r->meeting_id, &d->meeting, err) < 0 ||
	    store_club_get(ln->st, d->meeting.club_id, &d->club, err) < 0)
		return -1;
	if (d->member.unsubscribed)
		return err_set(err, ERR_OK, "member unsubscribed"), 1;
	/* A withdrawn invitation still gets its CANCEL, though the member
	 * has left the club. */
	if (!(cancel && r->uninvited) &&
	    (d->member.assignment.club_id != d->meeting.club_id ||
	    d->member.assignment.mode != MODE_REMOTE))
		return err_set(err, ERR_OK, "member is no longer a remote "
		    "member of this club"), 1;
	if (!cancel && d->meeting.cancelled)
		return err_set(err, ERR_OK, "meeting was cancelled"), 1;
	meeting_to_ics(&d->meeting, &d->club, ob->cfg, &d->mi);
	if (r->occurrence[0]) {
		occ = find_occ(&d->meeting, r->occurrence);
		if (occ == NULL)
			return err_set(err, ERR_OK, "the occurrence was reset "
			    "by a later change of the series"), 1;
		if (!cancel && occ->cancelled)
			return err_set(err, ERR_OK, "occurrence was "
			    "cancelled"), 1;
		ics_local_parse(occ->original_local, &recid);
		ics_local_parse(cancel ? occ->original_local :
		    occ->start_local, &start);
		if (ics_local_to_utc(&start, d->meeting.timezone, &when,
		    err) < 0)
			return -1;
	} else if (meeting_next(&d->meeting, &d->club, ob->cfg, time(NULL),
	    &next, 1) == 1) {
		when = next;
	} else {
		ics_local_parse(d->meeting.start_local, &start);
		if (ics_local_to_utc(&start, d->meeting.timezone, &when,
		    err) < 0)
			return -1;
	}
	/* The CANCEL of a cancelled series must still describe it; a
	 * withdrawn invitation's CANCEL carries its own, higher SEQUENCE. */
	d->mi.ev.cancelled = cancel && !r->occurrence[0] ? true :
	    d->mi.ev.cancelled;
	if (cancel && r->uninvited && !r->occurrence[0])
		d->mi.ev.sequence = r->sequence;
	att.email = d->member.email;
	att.name = d->member.name;
	d->ics = ics_invite_build(&d->mi.ev, cancel ? ICS_CANCEL : ICS_REQUEST,
	    &att, occ ? &recid : NULL, time(NULL), &d->ics_len, err);
	if (d->ics == NULL)
		return -1;
	return draft_mime(ob, r, d, when, cancel, occ ? r->occurrence : NULL,
	    err);
}

/* ==== sending =========================================================== */
static void
record(struct lane *ln, struct outbox_row *r)
{
	struct err err;

	err_clear(&err);
	if (store_outbox_result(ln->st, r, &err) < 0)
		fprintf(stderr, "clubmatch: outbox: %s\n", err.msg);
}

/* Sends row r.  Returns false when the server looks unreachable, so the
 * caller pauses instead of failing every due row in turn. */
static bool
send_row(struct lane *ln, struct outbox_row *r, struct draft *d)
{
	struct outbox *ob = ln->ob;
	struct err err;
	time_t now = time(NULL);
	int rc;

	err_clear(&err);
	memset(d, 0, sizeof(*d));
	rc = draft_build(ln, r, d, &err);
	r->attempts++;
	if (rc == 1) {
		/* Nothing to say any more: kept as failed, with why. */
		snprintf(r->status, sizeof(r->status), "failed");
		snprintf(r->last_error, sizeof(r->last_error), "not sent: %.200s",
		    err.msg);
		record(ln, r);
		draft_release(d);
		return true;
	}
	if (rc == 0) {
		snprintf(r->subject, sizeof(r->subject), "%s", d->subject);
		rc = mail_send(ln->mail, ob->cfg->mail_from, d->member.email,
		    d->mime, d->mime_len, &err);
	}
	draft_release(d);
	if (rc == 0) {
		snprintf(r->status, sizeof(r->status), "sent");
		r->sent_at = now;
		r->last_error[0] = '\0';
		record(ln, r);
		ln->down_delay_ms = 0;
		return true;
	}
	snprintf(r->last_error, sizeof(r->last_error), "%s", err.msg);
	if (err.code != ERR_UNAVAILABLE ||
	    now - r->created_at >= OUTBOX_GIVE_UP_SECONDS) {
		snprintf(r->status, sizeof(r->status), "failed");
	} else {
		r->next_attempt_at = now + (time_t)(outbox_backoff(r->attempts) *
		    ob->scale + 0.5);
	}
	record(ln, r);
	return err.code != ERR_UNAVAILABLE;
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
	struct draft *d = xmalloc(sizeof(*d));
	struct err err;
	int n, i;

	while (running(ob)) {
		err_clear(&err);
		n = store_outbox_due(ln->st, time(NULL), OUTBOX_LANES,
		    ln->index, OUTBOX_BATCH, rows, &err);
		if (n < 0)
			fprintf(stderr, "clubmatch: outbox: %s\n", err.msg);
		if (n <= 0) {
			nap(ob, OUTBOX_POLL_MS);
			continue;
		}
		for (i = 0; i < n && running(ob); i++) {
			if (send_row(ln, &rows[i], d))
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
	free(d);
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
