/*
 * reply.c - applying a received e-mail (docs/email.md, "Replies").
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ics_zone.h"
#include "invite.h"
#include "letter.h"
#include "meeting.h"
#include "reply.h"
#include "store.h"
#include "xalloc.h"

/* Who a reply is from: the invitation its tag names (or, with
 * --no-reply-tags, the member its From is and their invitation to the
 * UID), with the member and the meeting. */
struct whose {
	struct invitation inv;
	struct member member;
	struct meeting *meeting;	/* heap: big */
	struct club club;
};

static int
load_rest(struct store *st, struct whose *w, struct err *err)
{
	if (store_member_get(st, w->inv.member_id, &w->member, err) < 0 ||
	    store_meeting_get(st, w->inv.meeting_id, w->meeting, err) < 0 ||
	    store_club_get(st, w->meeting->club_id, &w->club, err) < 0)
		return -1;
	return 0;
}

/* 1 found, 0 not ours (why in *why), -1 error. */
static int
find_whose(struct service *svc, struct store *st,
    const struct reply_input *in, const char *uid, struct whose *w,
    const char **why, struct err *err)
{
	struct err e2;
	size_t i;

	err_clear(&e2);
	if (service_config(svc)->no_reply_tags) {
		/* Without tags only the invited member's own address and one
		 * of their UIDs prove whose it is. */
		if (in->from == NULL || uid == NULL ||
		    store_member_by_email(st, in->from, &w->member, &e2) < 0 ||
		    store_invitation_by_uid(st, w->member.id, uid, &w->inv,
		    &e2) < 0) {
			*why = "not from an invited member's address";
			return e2.code == ERR_NOT_FOUND || e2.code == ERR_OK ? 0 :
			    (*err = e2, -1);
		}
		return load_rest(st, w, err) < 0 ? -1 : 1;
	}
	for (i = 0; i < in->n_tags; i++) {
		if (store_invitation_by_tag(st, in->tags[i], &w->inv,
		    &e2) == 0)
			return load_rest(st, w, err) < 0 ? -1 : 1;
		if (e2.code != ERR_NOT_FOUND) {
			*err = e2;
			return -1;
		}
	}
	*why = in->n_tags ? "unknown reply tag" : "no reply tag";
	return 0;
}

/* ==== calendar replies =================================================== */
static const char *
rsvp_of(enum ics_reply_partstat p)
{
	switch (p) {
	case ICS_REPLY_PARTSTAT_ACCEPTED:
		return "accepted";
	case ICS_REPLY_PARTSTAT_DECLINED:
		return "declined";
	case ICS_REPLY_PARTSTAT_TENTATIVE:
		return "tentative";
	default:
		return NULL;
	}
}

/* The member's own ATTENDEE; every other one is ignored. */
static const struct ics_reply_attendee *
own_attendee(const struct ics_reply_event *ev, const struct member *m)
{
	size_t i;

	for (i = 0; i < ev->n_attendees; i++)
		if (strcasecmp(ev->attendees[i].email, m->email) == 0)
			return &ev->attendees[i];
	return NULL;
}

/* The occurrence date (meeting's zone) a RECURRENCE-ID names, "" for
 * the series; false when it is not one of the rule's. */
static bool
occurrence_of(struct service *svc, const struct whose *w,
    const struct ics_reply_time *rid, char date[11])
{
	struct ics_local l;
	struct err e;

	date[0] = '\0';
	if (!rid->set)
		return true;
	if (strcmp(rid->tzid, w->meeting->timezone) == 0 || rid->is_date ||
	    !rid->utc_known) {
		snprintf(date, 11, "%s", rid->date);
	} else {
		err_clear(&e);
		if (ics_utc_to_local(rid->utc, w->meeting->timezone, &l,
		    &e) < 0)
			return false;
		snprintf(date, 11, "%04d-%02d-%02d", l.year, l.month, l.day);
	}
	err_clear(&e);
	return invite_occurrence_ok(w->meeting, &w->club,
	    service_config(svc), date, &e) == 0;
}

/* Whether (seq, stamp) is newer than the answer stored (-1/0: none). */
static bool
newer(int seq, time_t stamp, int have_seq, time_t have_stamp)
{
	return seq > have_seq || (seq == have_seq && stamp > have_stamp);
}

static int
apply_event(struct service *svc, struct store *st, struct whose *w,
    const struct ics_reply *cal, const struct ics_reply_event *ev,
    char *outcome, size_t size, struct err *err)
{
	const struct ics_reply_attendee *a = own_attendee(ev, &w->member);
	struct invitation have;
	struct answer ans;
	char date[11], note[ICS_REPLY_COMMENT_MAX + 200];
	time_t stamp = ev->has_dtstamp ? ev->dtstamp : 0;

	if (!occurrence_of(svc, w, &ev->recurrence_id, date))
		return snprintf(outcome, size, "ignored: %s is not a date of "
		    "the meeting", ev->recurrence_id.date), 0;
	if (cal->method == ICS_REPLY_METHOD_COUNTER) {
		/* A proposed new time is the secretary's to decide: kept as
		 * the member's comment, never applied. */
		snprintf(note, sizeof(note), "Proposes a new time: %s%s%s%s%s",
		    ev->dtstart.local, ev->dtend.set ? " to " : "",
		    ev->dtend.set ? ev->dtend.local : "",
		    ev->comment ? " - " : "", ev->comment ? ev->comment : "");
		snprintf(outcome, size, "counter proposal kept as a comment");
		return store_invitation_comment(st, w->inv.id, date, note, err);
	}
	if (a == NULL || rsvp_of(a->partstat) == NULL)
		return snprintf(outcome, size, "ignored: %s", a == NULL ?
		    "no ATTENDEE of the invited member" :
		    "no answer in PARTSTAT"), 0;
	have = w->inv;
	if (date[0] && store_answer_get(st, w->inv.id, date, &have,
	    NULL) < 0)
		have.reply_sequence = -1, have.reply_stamp = 0;
	if (!newer(ev->sequence, stamp, have.reply_sequence,
	    have.reply_stamp))
		return snprintf(outcome, size, "ignored: older than the "
		    "answer there is"), 0;
	ans = (struct answer){ rsvp_of(a->partstat), "calendar", ev->comment,
		ev->sequence, stamp };
	snprintf(outcome, size, "%s%s%s", ans.rsvp, date[0] ? " for " : "",
	    date);
	return store_invitation_answer(st, w->inv.id, date, &ans, err);
}

static int
take_calendar(struct service *svc, struct store *st,
    const struct reply_input *in, struct reply_row *row, char *outcome,
    size_t size, struct err *err)
{
	const struct ics_reply *cal = in->cal;
	struct whose w;
	const char *why = NULL;
	size_t i;
	int rc;

	memset(&w, 0, sizeof(w));
	snprintf(outcome, size, "ignored: no event");
	if (cal == NULL || cal->n_events == 0)
		return 0;
	w.meeting = xmalloc(sizeof(*w.meeting));
	rc = find_whose(svc, st, in, cal->events[0].uid, &w, &why, err);
	if (rc <= 0) {
		if (rc == 0)
			snprintf(outcome, size, "ignored: %s", why);
		free(w.meeting);
		return rc;
	}
	row->invitation_id = w.inv.id;
	row->member_id = w.member.id;
	row->club_id = w.club.id;
	if (w.inv.removed || w.meeting->cancelled) {
		snprintf(outcome, size, "ignored: the %s", w.inv.removed ?
		    "invitation was withdrawn" : "meeting was cancelled");
		free(w.meeting);
		return 0;
	}
	snprintf(outcome, size, "ignored: not about this invitation's UID");
	for (i = 0, rc = 0; i < cal->n_events && rc == 0; i++)
		if (strcmp(cal->events[i].uid, w.meeting->uid) == 0)
			rc = apply_event(svc, st, &w, cal, &cal->events[i],
			    outcome, size, err);
	free(w.meeting);
	return rc;
}

/* ==== bounces ============================================================ */
static int
take_bounce(struct service *svc, struct store *st,
    const struct reply_input *in, struct reply_row *row, char *outcome,
    size_t size, struct err *err)
{
	int64_t id = in->bounced_id ? letter_row_of_message_id(svc,
	    in->bounced_id) : -1;
	struct outbox_row r;
	char why[120];

	if (id < 0 || store_outbox_get(st, id, &r, NULL) < 0 ||
	    r.member_id <= 0 || (in->bounced_rcpt && in->bounced_rcpt[0] &&
	    strcasecmp(in->bounced_rcpt, r.to) != 0))
		return snprintf(outcome, size, "ignored: not a report about "
		    "one of our messages"), 0;
	row->member_id = r.member_id;
	row->club_id = r.club_id;
	if (!in->bounce_permanent)
		return snprintf(outcome, size, "temporary failure %s logged",
		    in->bounce_status ? in->bounce_status : ""), 0;
	snprintf(why, sizeof(why), "bounced: %s", in->bounce_status &&
	    in->bounce_status[0] ? in->bounce_status : "permanent failure");
	snprintf(outcome, size, "address marked bouncing (%s)", why);
	if (store_outbox_bounced(st, id, why, err) < 0 ||
	    store_member_set_email_status(st, r.member_id, "bouncing",
	    err) < 0)
		return -1;
	return store_outbox_drop_member(st, r.member_id, "the member's "
	    "address bounces", err) < 0 ? -1 : 0;
}

/* ==== a person's reply =================================================== */
static int
take_human(struct service *svc, struct store *st,
    const struct reply_input *in, struct reply_row *row, char *outcome,
    size_t size, struct err *err)
{
	struct whose w;
	struct outbox_new n;
	const char *why = NULL;
	char dedup[48];
	int rc;

	memset(&w, 0, sizeof(w));
	w.meeting = xmalloc(sizeof(*w.meeting));
	/* Without tags a person's reply has no UID: only the address. */
	if (service_config(svc)->no_reply_tags) {
		struct err e2;

		err_clear(&e2);
		rc = store_member_by_email(st, in->from ? in->from : "",
		    &w.member, &e2) == 0 ? 1 : 0;
		why = "not from a member's address";
		if (rc == 1 && w.member.assignment.club_id > 0)
			rc = store_club_get(st, w.member.assignment.club_id,
			    &w.club, err) < 0 ? -1 : 1;
		else if (rc == 1)
			rc = 0, why = "the member has no club";
	} else {
		rc = find_whose(svc, st, in, NULL, &w, &why, err);
	}
	free(w.meeting);
	if (rc <= 0) {
		if (rc == 0)
			snprintf(outcome, size, "ignored: %s", why);
		return rc;
	}
	row->invitation_id = w.inv.id;
	row->member_id = w.member.id;
	row->club_id = w.club.id;
	snprintf(dedup, sizeof(dedup), "fwd:%" PRId64, row->id);
	memset(&n, 0, sizeof(n));
	n.kind = KIND_FORWARD;
	n.dedup = dedup;
	n.club_id = w.club.id;
	n.ref_id = row->id;
	n.to = w.club.secretary_email;
	snprintf(outcome, size, "sent on to the secretary");
	return store_outbox_queue(st, &n, err) < 0 ? -1 : 0;
}

int
reply_take(struct service *svc, struct store *st,
    const struct reply_input *in, char *outcome, size_t size,
    struct err *err)
{
	struct reply_row row;
	int rc;

	memset(&row, 0, sizeof(row));
	row.message_id = in->message_id;
	row.kind = in->kind_name;
	row.outcome = "";
	row.from_addr = in->from ? in->from : "";
	row.subject = in->subject ? in->subject : "";
	row.body = in->kind == REPLY_HUMAN && in->text ? in->text : "";
	if (store_begin(st, err) < 0)
		return -1;
	if ((rc = store_reply_insert(st, &row, err)) <= 0) {
		if (rc == 0)
			snprintf(outcome, size, "ignored: taken before");
		store_rollback(st);
		return rc;
	}
	snprintf(outcome, size, "ignored: %s", in->kind_name);
	if (in->kind == REPLY_CALENDAR)
		rc = take_calendar(svc, st, in, &row, outcome, size, err);
	else if (in->kind == REPLY_BOUNCE)
		rc = take_bounce(svc, st, in, &row, outcome, size, err);
	else if (in->kind == REPLY_HUMAN)
		rc = take_human(svc, st, in, &row, outcome, size, err);
	row.outcome = outcome;
	if (rc < 0 || store_reply_outcome(st, &row, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}
