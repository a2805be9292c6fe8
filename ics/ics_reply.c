/*
 * ics_reply.c - reading an iMIP REPLY or COUNTER with libical
 * (docs/email.md, "Replies").
 *
 * Everything here is bounded: libical parses the text once (linear in its
 * size), we look at the first ICS_REPLY_MAX_EVENTS VEVENTs only, and a
 * VTIMEZONE carried by the reply is used for maths only when its rules
 * are yearly and the year is in a sane range, because libical expands a
 * zone's rules up to the year asked for (a FREQ=SECONDLY zone rule would
 * otherwise cost hours).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ics_priv.h"
#include "ics_reply.h"
#include "text.h"
#include "xalloc.h"

/* Years for which a reply's own VTIMEZONE is expanded (see above). */
#define ZONE_YEAR_MIN 1970
#define ZONE_YEAR_MAX 2100

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

const char *
ics_reply_partstat_name(enum ics_reply_partstat p)
{
	switch (p) {
	case ICS_REPLY_PARTSTAT_NEEDS_ACTION:	return "NEEDS-ACTION";
	case ICS_REPLY_PARTSTAT_ACCEPTED:	return "ACCEPTED";
	case ICS_REPLY_PARTSTAT_DECLINED:	return "DECLINED";
	case ICS_REPLY_PARTSTAT_TENTATIVE:	return "TENTATIVE";
	case ICS_REPLY_PARTSTAT_DELEGATED:	return "DELEGATED";
	case ICS_REPLY_PARTSTAT_OTHER:		return "OTHER";
	case ICS_REPLY_PARTSTAT_NONE:		break;
	}
	return "";
}

/* Copies s into dst[size] when it fits whole; "" otherwise. */
static void
copy_whole(char *dst, size_t size, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n >= size) {
		dst[0] = '\0';
		return;
	}
	memcpy(dst, s, n + 1);
}

/* Appends text to b, cutting at a UTF-8 boundary so that b never exceeds
 * ICS_REPLY_COMMENT_MAX bytes. */
static void
comment_add(struct buf *b, const char *s)
{
	size_t n, room, i, k;

	if (s == NULL || *s == '\0')
		return;
	if (b->len > 0 && b->len < ICS_REPLY_COMMENT_MAX)
		buf_addc(b, '\n');
	if (b->len >= ICS_REPLY_COMMENT_MAX)
		return;
	room = ICS_REPLY_COMMENT_MAX - b->len;
	n = strlen(s);
	if (n > room) {
		/* Keep whole characters only. */
		for (i = 0; i < room; i += k) {
			k = text_utf8_char_len((const unsigned char *)s + i,
			    room - i);
			if (k == 0)
				k = 1;
			if (i + k > room)
				break;
		}
		n = i;
	}
	buf_add(b, s, n);
}

/* An X- property's raw value, with the RFC 5545 §3.3.11 TEXT escapes
 * undone (libical keeps X- values as written). */
static void
comment_add_escaped(struct buf *b, const char *s)
{
	struct buf u;

	if (s == NULL)
		return;
	buf_init(&u);
	for (; *s; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			buf_addc(&u, (*s == 'n' || *s == 'N') ? '\n' : *s);
		} else {
			buf_addc(&u, *s);
		}
	}
	comment_add(b, u.data);
	buf_release(&u);
}

static enum ics_reply_partstat
partstat_of(icalproperty *p)
{
	icalparameter *par;

	par = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
	if (par == NULL)
		return ICS_REPLY_PARTSTAT_NONE;
	switch (icalparameter_get_partstat(par)) {
	case ICAL_PARTSTAT_NEEDSACTION:	return ICS_REPLY_PARTSTAT_NEEDS_ACTION;
	case ICAL_PARTSTAT_ACCEPTED:	return ICS_REPLY_PARTSTAT_ACCEPTED;
	case ICAL_PARTSTAT_DECLINED:	return ICS_REPLY_PARTSTAT_DECLINED;
	case ICAL_PARTSTAT_TENTATIVE:	return ICS_REPLY_PARTSTAT_TENTATIVE;
	case ICAL_PARTSTAT_DELEGATED:	return ICS_REPLY_PARTSTAT_DELEGATED;
	default:			return ICS_REPLY_PARTSTAT_OTHER;
	}
}

/* "mailto:Alice@Example.COM" -> "alice@example.com"; false when the value
 * is not a mailto: URI that fits. */
static bool
attendee_email(const char *uri, char out[ICS_REPLY_EMAIL_MAX + 1])
{
	size_t n, i;

	if (uri == NULL || strncasecmp(uri, "mailto:", 7) != 0)
		return false;
	uri += 7;
	n = strlen(uri);
	if (n == 0 || n > ICS_REPLY_EMAIL_MAX)
		return false;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)uri[i]);
	out[n] = '\0';
	return true;
}

/* ------------------------------------------------------------------ */
/* Times                                                               */
/* ------------------------------------------------------------------ */

/* Whether every RRULE of a VTIMEZONE is yearly, so that expanding it to a
 * year costs a few steps per year. */
static bool
zone_is_cheap(icaltimezone *z)
{
	icalcomponent *vtz = icaltimezone_get_component(z), *sub;
	icalproperty *p;
	struct icalrecurrencetype r;

	if (vtz == NULL)
		return false;
	for (sub = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    sub != NULL;
	    sub = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		for (p = icalcomponent_get_first_property(sub,
		    ICAL_RRULE_PROPERTY); p != NULL;
		    p = icalcomponent_get_next_property(sub,
		    ICAL_RRULE_PROPERTY)) {
			r = icalproperty_get_rrule(p);
			if (r.freq != ICAL_YEARLY_RECURRENCE)
				return false;
		}
	}
	return true;
}

/* The instant of t written with TZID tzid: the calendar's own VTIMEZONE
 * of that name, else an IANA zone of ours. */
static void
time_resolve(icalcomponent *cal, struct icaltimetype t, const char *tzid,
    struct ics_reply_time *out)
{
	icaltimezone *z;
	struct ics_local l;
	struct err e;

	z = icalcomponent_get_timezone(cal, tzid);
	if (z != NULL) {
		if (t.year < ZONE_YEAR_MIN || t.year > ZONE_YEAR_MAX ||
		    !zone_is_cheap(z))
			return;
		out->utc = icaltime_as_timet_with_zone(t, z);
		out->utc_known = true;
		return;
	}
	if (!ics_zone_exists(tzid))
		return;
	l.year = t.year;
	l.month = t.month;
	l.day = t.day;
	l.hour = t.hour;
	l.minute = t.minute;
	err_clear(&e);
	if (ics_local_to_utc(&l, tzid, &out->utc, &e) == 0)
		out->utc_known = true;
}

static void
time_read(icalcomponent *cal, icalproperty *p, struct ics_reply_time *out)
{
	struct icaltimetype t;
	icalparameter *par;
	const char *tzid = NULL;

	memset(out, 0, sizeof(*out));
	if (p == NULL)
		return;
	t = icalvalue_get_datetimedate(icalproperty_get_value(p));
	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t) ||
	    t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 ||
	    t.day < 1 || t.day > 31)
		return;
	if (!t.is_date && (t.hour < 0 || t.hour > 23 || t.minute < 0 ||
	    t.minute > 59))
		return;
	out->set = true;
	out->is_date = t.is_date != 0;
	snprintf(out->local, sizeof(out->local), "%04d-%02d-%02dT%02d:%02d",
	    t.year, t.month, t.day, t.is_date ? 0 : t.hour,
	    t.is_date ? 0 : t.minute);
	snprintf(out->date, sizeof(out->date), "%04d-%02d-%02d", t.year,
	    t.month, t.day);
	if (out->is_date)
		return;
	if (icaltime_is_utc(t)) {
		snprintf(out->tzid, sizeof(out->tzid), "UTC");
		out->utc = icaltime_as_timet(t);
		out->utc_known = true;
		return;
	}
	par = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	if (par != NULL)
		tzid = icalparameter_get_tzid(par);
	if (tzid == NULL || *tzid == '\0')
		return;		/* floating */
	copy_whole(out->tzid, sizeof(out->tzid), tzid);
	if (out->tzid[0] != '\0')
		time_resolve(cal, t, out->tzid, out);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

static void
event_read(icalcomponent *cal, icalcomponent *ev, struct ics_reply_event *e)
{
	icalproperty *p;
	struct icaltimetype t;
	struct buf comment;
	const char *name;

	memset(e, 0, sizeof(*e));
	p = icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY);
	if (p != NULL)
		copy_whole(e->uid, sizeof(e->uid), icalproperty_get_uid(p));
	p = icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY);
	if (p != NULL && icalproperty_get_sequence(p) > 0)
		e->sequence = icalproperty_get_sequence(p);
	p = icalcomponent_get_first_property(ev, ICAL_DTSTAMP_PROPERTY);
	if (p != NULL) {
		t = icalproperty_get_dtstamp(p);
		if (!icaltime_is_null_time(t) && icaltime_is_valid_time(t) &&
		    t.year >= 1970 && t.year <= 9999) {
			t.is_date = 0;
			t.zone = NULL;	/* floating is read as UTC */
			e->dtstamp = icaltime_as_timet(t);
			e->has_dtstamp = true;
		}
	}
	time_read(cal, icalcomponent_get_first_property(ev,
	    ICAL_RECURRENCEID_PROPERTY), &e->recurrence_id);
	time_read(cal, icalcomponent_get_first_property(ev,
	    ICAL_DTSTART_PROPERTY), &e->dtstart);
	time_read(cal, icalcomponent_get_first_property(ev,
	    ICAL_DTEND_PROPERTY), &e->dtend);

	for (p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	    p != NULL && e->n_attendees < ICS_REPLY_MAX_ATTENDEES;
	    p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
		struct ics_reply_attendee *a = &e->attendees[e->n_attendees];

		if (!attendee_email(icalproperty_get_attendee(p), a->email))
			continue;
		a->partstat = partstat_of(p);
		e->n_attendees++;
	}

	buf_init(&comment);
	for (p = icalcomponent_get_first_property(ev, ICAL_COMMENT_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(ev, ICAL_COMMENT_PROPERTY))
		comment_add(&comment, icalproperty_get_comment(p));
	for (p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
		name = icalproperty_get_x_name(p);
		if (name != NULL &&
		    strcasecmp(name, "X-RESPONSE-COMMENT") == 0)
			comment_add_escaped(&comment, icalproperty_get_x(p));
	}
	if (comment.len > 0)
		e->comment = buf_take(&comment, NULL);
	buf_release(&comment);
}

/* The VCALENDAR in what libical returned: itself, or the first one under
 * an XROOT (text holding several calendars). */
static icalcomponent *
find_vcalendar(icalcomponent *root)
{
	if (root == NULL)
		return NULL;
	if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT)
		return root;
	if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT)
		return icalcomponent_get_first_component(root,
		    ICAL_VCALENDAR_COMPONENT);
	return NULL;
}

int
ics_reply_parse(const char *text, size_t len, struct ics_reply **out,
    struct err *err)
{
	icalcomponent *root, *cal, *ev;
	icalproperty *p;
	struct ics_reply *r;
	char *copy;
	size_t cap = 0;

	/* libical wants a C string; an embedded NUL ends the text there. */
	copy = xstrndup(text != NULL ? text : "", text != NULL ? len : 0);
	root = icalparser_parse_string(copy);
	free(copy);
	cal = find_vcalendar(root);
	if (cal == NULL) {
		if (root != NULL)
			icalcomponent_free(root);
		return err_set(err, ERR_MALFORMED, "no VCALENDAR in the "
		    "calendar text");
	}
	r = xcalloc(1, sizeof(*r));
	p = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
	if (p != NULL) {
		switch (icalproperty_get_method(p)) {
		case ICAL_METHOD_REPLY:
			r->method = ICS_REPLY_METHOD_REPLY;
			break;
		case ICAL_METHOD_COUNTER:
			r->method = ICS_REPLY_METHOD_COUNTER;
			break;
		default:
			r->method = ICS_REPLY_METHOD_OTHER;
			break;
		}
	}
	for (ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	    ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		if (r->n_events == ICS_REPLY_MAX_EVENTS) {
			r->n_ignored++;
			continue;
		}
		if (r->n_events == cap) {
			cap = cap ? 2 * cap : 4;
			r->events = xreallocarray(r->events, cap,
			    sizeof(*r->events));
		}
		event_read(cal, ev, &r->events[r->n_events]);
		r->n_events++;
	}
	icalcomponent_free(root);
	*out = r;
	return 0;
}

void
ics_reply_free(struct ics_reply *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_events; i++)
		free(r->events[i].comment);
	free(r->events);
	free(r);
}
