/*
 * ics_build.c - VCALENDAR text for invitations and feeds.
 *
 * Each calendar is built as a libical tree without its VTIMEZONEs,
 * serialised, and then the cached VTIMEZONE text of each zone is put in
 * front of the first VEVENT.  Splicing text rather than cloning the zone's
 * component keeps request threads away from shared libical objects
 * altogether, and is what makes the zone bytes identical in every message
 * (docs/calendar.md, "Time zones and DST"); it is also about twice as
 * fast (bench_ics).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ics_build.h"
#include "ics_priv.h"
#include "text.h"
#include "xalloc.h"

#define ICS_PRODID		"-//clubmatch//clubmatch calendar 1.0//EN"
#define ICS_ALARM_MAX		10080	/* minutes: a week */
#define ICS_CONFERENCE_LABEL	"Join video call"

const char *
ics_method_name(enum ics_method method)
{
	switch (method) {
	case ICS_PUBLISH:
		return "PUBLISH";
	case ICS_REQUEST:
		return "REQUEST";
	case ICS_CANCEL:
		return "CANCEL";
	}
	return "PUBLISH";
}

/* ------------------------------------------------------------------ */
/* Cleaning values libical passes through                              */
/* ------------------------------------------------------------------ */

/* Appends s to b with invalid UTF-8 bytes replaced by U+FFFD, so that
 * libical's UTF-8-aware folding never meets a broken sequence. */
static void
add_utf8_clean(struct buf *b, const char *s, bool for_param)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);

	while (p < end) {
		unsigned c = *p;
		size_t len;

		if (c == '\r') {
			/* CRLF and lone CR become LF (RFC 5545 §3.3.11). */
			if (for_param)
				buf_addc(b, ' ');
			else if (p[1] != '\n')
				buf_addc(b, '\n');
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			if (c == '\n' && !for_param)
				buf_addc(b, '\n');
			else if (c == '\t' || c == '\n')
				buf_addc(b, ' ');
			p++;
			continue;
		}
		if (for_param && c == '"') {
			/* Parameter values cannot hold a DQUOTE
			 * (docs/calendar.md, "What is cleaned or
			 * refused"). */
			buf_addc(b, '\'');
			p++;
			continue;
		}
		/* Broken, overlong, surrogate and out-of-range sequences are
		 * one U+FFFD per byte. */
		len = text_utf8_char_len(p, (size_t)(end - p));
		if (len == 0) {
			buf_adds(b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		buf_add(b, p, len);
		p += len;
	}
}

/* A TEXT value without CR, controls or broken UTF-8; free() it. */
static char *
clean_text(const char *s)
{
	struct buf b;

	buf_init(&b);
	add_utf8_clean(&b, s, false);
	return buf_take(&b, NULL);
}

/* A display name for CN: one line, no DQUOTE, trimmed; NULL if empty. */
static char *
clean_cn(const char *s)
{
	struct buf b;
	size_t start = 0, end;

	if (s == NULL)
		return NULL;
	buf_init(&b);
	add_utf8_clean(&b, s, true);
	end = b.len;
	while (start < end && b.data[start] == ' ')
		start++;
	while (end > start && b.data[end - 1] == ' ')
		end--;
	if (start == end) {
		buf_release(&b);
		return NULL;
	}
	b.data[end] = '\0';
	if (start > 0) {
		char *r = xstrdup(b.data + start);

		buf_release(&b);
		return r;
	}
	return buf_take(&b, NULL);
}

static bool
blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

/* What the builders need of an event before anything goes into text;
 * ics_event_validate() checks more when it is stored. */
static int
event_check(const struct ics_event *ev, struct ics_series *s,
    struct err *err)
{
	if (ev->uid == NULL || *ev->uid == '\0' || strlen(ev->uid) > 255 ||
	    strpbrk(ev->uid, "\r\n") != NULL)
		return err_set_field(err, ERR_INVALID, "uid",
		    "uid must be 1 to 255 characters on one line");
	if (blank(ev->title))
		return err_set_field(err, ERR_INVALID, "title",
		    "title must not be empty");
	if (ics_check_links(ev, err) < 0)
		return -1;
	if (!text_email_is_valid(ev->organizer_email))
		return err_set_field(err, ERR_INVALID, "organizer_email",
		    "the organizer needs a plain e-mail address");
	if (ev->duration_minutes < 1 || ev->duration_minutes > ICS_DURATION_MAX)
		return err_set_field(err, ERR_INVALID, "duration_minutes",
		    "duration must be between 1 and %d minutes",
		    ICS_DURATION_MAX);
	if (ev->sequence < 0)
		return err_set_field(err, ERR_INVALID, "sequence",
		    "sequence must not be negative");
	return ics_series_prepare(ev, s, err);
}

/* ------------------------------------------------------------------ */
/* Properties                                                          */
/* ------------------------------------------------------------------ */

static struct icaltimetype
utc_time(time_t t)
{
	return icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
}

/* libical 3.0.16 writes EXDATE and RECURRENCE-ID as floating times:
 * the TZID parameter has to be added by hand (docs/calendar.md, "What
 * libical leaves to us"). */
static icalproperty *
with_tzid(icalproperty *p, struct icaltimetype t)
{
	if (t.zone && !icaltime_is_utc(t))
		icalproperty_add_parameter(p, icalparameter_new_tzid(
		    icaltimezone_get_tzid((icaltimezone *)t.zone)));
	return p;
}

static void
add_text(icalcomponent *c, icalproperty *(*make)(const char *),
    const char *s)
{
	char *clean = clean_text(s);

	/* A text of nothing but control characters and blanks cleans to
	 * white space, which libical reads back as a property without a
	 * value and refuses (found by tests/fuzz/fuzz_ics): leave it out. */
	if (!blank(clean))
		icalcomponent_add_property(c, make(clean));
	free(clean);
}

/* DESCRIPTION: the video link alone on a line at the top (the fallback
 * every client shows; docs/calendar.md, "Where the video link goes"),
 * then the place, the text and the secretary. */
static void
add_description(icalcomponent *c, const struct ics_event *ev)
{
	struct buf b;

	buf_init(&b);
	if (ev->video_url)
		buf_addf(&b, "Join the video call:\n%s\n", ev->video_url);
	if (!blank(ev->location)) {
		if (b.len)
			buf_addc(&b, '\n');
		buf_addf(&b, "Place: %s\n", ev->location);
	}
	if (!blank(ev->description)) {
		if (b.len)
			buf_addc(&b, '\n');
		buf_adds(&b, ev->description);
		buf_addc(&b, '\n');
	}
	if (!blank(ev->contact)) {
		if (b.len)
			buf_addc(&b, '\n');
		buf_addf(&b, "Contact: %s\n", ev->contact);
	}
	if (b.len) {
		b.data[--b.len] = '\0';		/* the last newline */
		add_text(c, icalproperty_new_description, b.data);
	}
	buf_release(&b);
}

/* A calendar user: "mailto:" + email (already a plain address, so no
 * escaping is needed), made by new(). */
static icalproperty *
new_cal_user(icalproperty *(*new)(const char *), const char *email)
{
	char *addr = xasprintf("mailto:%s", email);
	icalproperty *p = new(addr);

	free(addr);
	return p;
}

/* Adds CN last (clients show it; tests read the parameters in order)
 * when name is printable, and p to c. */
static void
add_cal_user(icalcomponent *c, icalproperty *p, const char *name)
{
	char *cn = clean_cn(name);

	if (cn)
		icalproperty_add_parameter(p, icalparameter_new_cn(cn));
	free(cn);
	icalcomponent_add_property(c, p);
}

static void
add_organizer(icalcomponent *c, const struct ics_event *ev)
{
	add_cal_user(c, new_cal_user(icalproperty_new_organizer,
	    ev->organizer_email), ev->organizer_name);
}

static void
add_attendee(icalcomponent *c, const struct ics_attendee *att)
{
	icalproperty *p = new_cal_user(icalproperty_new_attendee, att->email);

	icalproperty_add_parameter(p,
	    icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
	icalproperty_add_parameter(p,
	    icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(p,
	    icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
	icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
	add_cal_user(c, p, att->name);
}

static void
add_alarm(icalcomponent *c, const char *title, int minutes)
{
	icalcomponent *a;
	char *clean;

	a = icalcomponent_new(ICAL_VALARM_COMPONENT);
	icalcomponent_add_property(a,
	    icalproperty_new_action(ICAL_ACTION_DISPLAY));
	icalcomponent_add_property(a,
	    icalproperty_new_trigger(icaltriggertype_from_int(-minutes * 60)));
	clean = clean_text(title);
	icalcomponent_add_property(a, icalproperty_new_description(clean));
	free(clean);
	icalcomponent_add_component(c, a);
}

/* What one VEVENT is. */
struct vevent {
	const struct ics_event *ev;
	const struct ics_series *s;
	const struct ics_local *rid;	/* RECURRENCE-ID; NULL: master */
	const struct ics_local *start;	/* its start; NULL: the series' */
	int duration;			/* minutes */
	int sequence;			/* SEQUENCE */
	bool cancelled;			/* STATUS:CANCELLED */
	const struct ics_attendee *att;	/* ATTENDEE, or NULL (feeds) */
	int alarm;			/* VALARM minutes before; <0: none */
	time_t dtstamp;			/* DTSTAMP */
};

static icalcomponent *
vevent_new(const struct vevent *v)
{
	const struct ics_event *ev = v->ev;
	const struct ics_zone *z = v->s->zone;
	icalcomponent *c;
	icalproperty *p;
	struct icaltimetype start;
	time_t start_utc;
	size_t i;

	c = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	add_text(c, icalproperty_new_uid, ev->uid);
	icalcomponent_add_property(c, icalproperty_new_dtstamp(
	    utc_time(v->dtstamp)));
	icalcomponent_add_property(c, icalproperty_new_sequence(v->sequence));
	if (ev->created)
		icalcomponent_add_property(c,
		    icalproperty_new_created(utc_time(ev->created)));
	if (ev->modified)
		icalcomponent_add_property(c,
		    icalproperty_new_lastmodified(utc_time(ev->modified)));
	if (v->rid) {
		struct icaltimetype r = ics_zone_icaltime(z, v->rid);

		icalcomponent_add_property(c,
		    with_tzid(icalproperty_new_recurrenceid(r), r));
	}

	start = v->start ? ics_zone_icaltime(z, v->start) : v->s->dtstart;
	start_utc = ics_zone_wall_to_utc(z, start.year, start.month,
	    start.day, start.hour, start.minute, 0, NULL);
	/* DTSTART/DTEND through set_dtstart/set_dtend: the only calls that
	 * add ;TZID= themselves. */
	icalcomponent_set_dtstart(c, start);
	icalcomponent_set_dtend(c, ics_zone_utc_to_wall(z,
	    start_utc + (time_t)v->duration * 60));

	if (v->rid == NULL && v->s->recurring) {
		icalcomponent_add_property(c,
		    icalproperty_new_rrule(v->s->rule));
		for (i = 0; i < ev->n_overrides; i++) {
			const struct ics_override *o = &ev->overrides[i];
			struct icaltimetype x;

			if (!o->cancelled ||
			    !ics_series_is_occurrence(v->s, &o->recurrence_id))
				continue;
			x = ics_zone_icaltime(z, &o->recurrence_id);
			icalcomponent_add_property(c,
			    with_tzid(icalproperty_new_exdate(x), x));
		}
	}
	icalcomponent_add_property(c, icalproperty_new_status(v->cancelled ?
	    ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	add_text(c, icalproperty_new_summary, ev->title);
	add_description(c, ev);
	/* LOCATION is the one field every client shows: the join link when
	 * there is one (docs/calendar.md, "Where the video link goes"),
	 * else the place. */
	if (ev->video_url)
		add_text(c, icalproperty_new_location, ev->video_url);
	else if (!blank(ev->location))
		add_text(c, icalproperty_new_location, ev->location);
	if (ev->url || ev->video_url)
		icalcomponent_add_property(c, icalproperty_new_url(
		    ev->url ? ev->url : ev->video_url));
	if (ev->video_url) {
		p = icalproperty_new_conference(ev->video_url);
		icalproperty_add_parameter(p,
		    icalparameter_new_value(ICAL_VALUE_URI));
		icalproperty_add_parameter(p,
		    icalparameter_new_feature(ICAL_FEATURE_VIDEO));
		icalproperty_add_parameter(p,
		    icalparameter_new_label(ICS_CONFERENCE_LABEL));
		icalcomponent_add_property(c, p);
	}
	add_organizer(c, ev);
	if (!blank(ev->contact))
		add_text(c, icalproperty_new_contact, ev->contact);
	if (v->att)
		add_attendee(c, v->att);
	if (v->alarm >= 0)
		add_alarm(c, ev->title, v->alarm);
	return c;
}

/* ------------------------------------------------------------------ */
/* Calendars                                                           */
/* ------------------------------------------------------------------ */

static icalcomponent *
vcalendar_new(enum ics_method method)
{
	return icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT,
	    icalproperty_new_prodid(ICS_PRODID),
	    icalproperty_new_version("2.0"),
	    icalproperty_new_calscale("GREGORIAN"),
	    icalproperty_new_method(method == ICS_REQUEST ?
	    ICAL_METHOD_REQUEST : method == ICS_CANCEL ?
	    ICAL_METHOD_CANCEL : ICAL_METHOD_PUBLISH),
	    (void *)0);
}

/*
 * libical 3.0 folds a property line together with its CRLF, so a line
 * of exactly 75 octets comes out as "\r" "\r\n " "\n" (found by
 * tests/fuzz/fuzz_ics; docs/calendar.md, "What libical leaves to us").
 * No value holds a CR (they are cleaned), so that sequence is always
 * this fold: put the line end back together, in place.
 */
static void
repair_folds(char *text)
{
	char *r = text, *w = text;

	while (*r) {
		if (strncmp(r, "\r\r\n \n", 5) == 0) {
			memcpy(w, "\r\n", 2);
			w += 2;
			r += 5;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/*
 * Serialises cal and puts the VTIMEZONE text of each of the n zones in
 * front of its first sub-component (RFC 5545 wants them before the events
 * that use them; docs/calendar.md, "What we emit").  libical writes every
 * property before any sub-component, and no property line can begin with
 * "BEGIN:" (text is escaped, folded lines start with a space), so the
 * first "\r\nBEGIN:" after the first line is that point.  Frees cal.
 */
static char *
serialise(icalcomponent *cal, const struct ics_zone *const *zones, size_t n,
    size_t *len)
{
	struct buf b;
	char *text, *at;
	size_t i, head;

	text = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	repair_folds(text);
	at = strstr(text + 1, "\r\nBEGIN:");
	head = at ? (size_t)(at - text) + 2 : strlen(text) -
	    strlen("END:VCALENDAR\r\n");
	buf_init(&b);
	buf_add(&b, text, head);
	for (i = 0; i < n; i++)
		buf_add(&b, zones[i]->vtz_text, zones[i]->vtz_len);
	buf_adds(&b, text + head);
	free(text);
	return buf_take(&b, len);
}

static const struct ics_override *
override_for(const struct ics_event *ev, const struct ics_local *rid)
{
	size_t i;

	for (i = 0; i < ev->n_overrides; i++)
		if (ics_local_cmp(&ev->overrides[i].recurrence_id, rid) == 0)
			return &ev->overrides[i];
	return NULL;
}

char *
ics_invite_build(const struct ics_event *ev, enum ics_method method,
    const struct ics_attendee *att, const struct ics_local *recurrence_id,
    time_t dtstamp, size_t *len, struct err *err)
{
	struct ics_series s;
	struct vevent v;
	const struct ics_override *ov = NULL;
	icalcomponent *cal;
	char txt[17];

	if (method != ICS_REQUEST && method != ICS_CANCEL) {
		err_set(err, ERR_INVALID,
		    "an invitation is a REQUEST or a CANCEL; feeds and "
		    "downloads come from ics_feed_build()");
		return NULL;
	}
	if (event_check(ev, &s, err) == -1)
		return NULL;
	if (att == NULL || !text_email_is_valid(att->email)) {
		err_set_field(err, ERR_INVALID, "email",
		    "'%.80s' is not a plain e-mail address",
		    att && att->email ? att->email : "");
		return NULL;
	}
	if (method == ICS_REQUEST && ev->cancelled) {
		err_set(err, ERR_INVALID,
		    "the meeting is cancelled: send a CANCEL");
		return NULL;
	}

	memset(&v, 0, sizeof(v));
	v.ev = ev;
	v.s = &s;
	v.duration = ev->duration_minutes;
	v.sequence = ev->sequence;
	v.cancelled = method == ICS_CANCEL;
	v.att = att;
	v.alarm = -1;
	v.dtstamp = dtstamp;

	if (recurrence_id) {
		ics_local_format(recurrence_id, txt);
		if (!s.recurring ||
		    !ics_series_is_occurrence(&s, recurrence_id)) {
			err_set_field(err, ERR_NOT_FOUND, "date",
			    "%s is not an occurrence of the meeting", txt);
			return NULL;
		}
		ov = override_for(ev, recurrence_id);
		if (method == ICS_REQUEST && ov && ov->cancelled) {
			err_set(err, ERR_INVALID, "the occurrence %s is "
			    "cancelled: send a CANCEL", txt);
			return NULL;
		}
		v.rid = recurrence_id;
		v.start = recurrence_id;
		if (ov) {
			v.sequence = ov->sequence;
			if (!ov->cancelled) {
				v.start = &ov->start;
				if (ov->duration_minutes > 0)
					v.duration = ov->duration_minutes;
			}
		}
	}

	cal = vcalendar_new(method);
	icalcomponent_add_component(cal, vevent_new(&v));
	return serialise(cal, &s.zone, 1, len);
}

/* A PUBLISH calendar of events; keep_cancelled writes cancelled series
 * with STATUS:CANCELLED instead of leaving them out. */
static char *
publish_build(const char *calname, const struct ics_event *events,
    size_t n, int alarm_minutes, time_t dtstamp, bool keep_cancelled,
    size_t *len, struct err *err)
{
	struct ics_series *ser;
	const struct ics_zone **zones;
	icalcomponent *cal;
	icalproperty *p;
	struct vevent v;
	size_t i, j, nz = 0;
	char *clean, *q, *r;

	if (alarm_minutes < -1 || alarm_minutes > ICS_ALARM_MAX) {
		err_set_field(err, ERR_INVALID, "alarm_minutes",
		    "the reminder must be 0 to %d minutes before",
		    ICS_ALARM_MAX);
		return NULL;
	}
	ser = xcalloc(n + 1, sizeof(*ser));
	zones = xcalloc(n + 1, sizeof(*zones));
	for (i = 0; i < n; i++) {
		if (events[i].cancelled && !keep_cancelled)
			continue;
		if (event_check(&events[i], &ser[i], err) == -1) {
			free(zones);
			free(ser);
			return NULL;
		}
		for (j = 0; j < nz && zones[j] != ser[i].zone; j++)
			;
		if (j == nz)
			zones[nz++] = ser[i].zone;
	}

	cal = vcalendar_new(ICS_PUBLISH);
	if (!blank(calname)) {
		add_text(cal, icalproperty_new_name, calname);
		/* libical leaves "," and ";" raw in X- values, and some
		 * readers cut the value there (docs/calendar.md, "What
		 * libical leaves to us"). */
		clean = clean_text(calname);
		for (q = clean, r = clean; *q; q++) {
			if (*q == '\n')
				*r++ = ' ';
			else if (*q != ',' && *q != ';')
				*r++ = *q;
		}
		*r = '\0';
		/* Nothing left (a name of commas): no property, as in
		 * add_text() (found by tests/fuzz/fuzz_ics). */
		if (!blank(clean)) {
			p = icalproperty_new_x(clean);
			icalproperty_set_x_name(p, "X-WR-CALNAME");
			icalcomponent_add_property(cal, p);
		}
		free(clean);
	}
	p = icalproperty_new_refreshinterval(
	    icaldurationtype_from_string("PT1H"));
	icalproperty_add_parameter(p,
	    icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(cal, p);
	p = icalproperty_new_x("PT1H");
	icalproperty_set_x_name(p, "X-PUBLISHED-TTL");
	icalcomponent_add_property(cal, p);

	for (i = 0; i < n; i++) {
		const struct ics_event *ev = &events[i];

		if (ev->cancelled && !keep_cancelled)
			continue;
		memset(&v, 0, sizeof(v));
		v.ev = ev;
		v.s = &ser[i];
		v.cancelled = ev->cancelled;
		v.duration = ev->duration_minutes;
		v.sequence = ev->sequence;
		v.alarm = alarm_minutes;
		v.dtstamp = dtstamp;
		icalcomponent_add_component(cal, vevent_new(&v));
		if (!ser[i].recurring)
			continue;
		for (j = 0; j < ev->n_overrides; j++) {
			const struct ics_override *o = &ev->overrides[j];

			if (o->cancelled ||
			    !ics_series_is_occurrence(&ser[i],
			    &o->recurrence_id))
				continue;
			v.rid = &o->recurrence_id;
			v.start = &o->start;
			v.duration = o->duration_minutes > 0 ?
			    o->duration_minutes : ev->duration_minutes;
			v.sequence = o->sequence;
			icalcomponent_add_component(cal, vevent_new(&v));
		}
	}
	free(ser);
	q = serialise(cal, zones, nz, len);
	free(zones);
	return q;
}

char *
ics_feed_build(const char *calname, const struct ics_event *events,
    size_t n, int alarm_minutes, time_t dtstamp, size_t *len,
    struct err *err)
{
	return publish_build(calname, events, n, alarm_minutes, dtstamp,
	    false, len, err);
}

char *
ics_download_build(const struct ics_event *ev, time_t dtstamp, size_t *len,
    struct err *err)
{
	return publish_build(ev->title, ev, 1, -1, dtstamp, true, len, err);
}

int
ics_event_buildable(const struct ics_event *ev, struct err *err)
{
	struct ics_series s;

	return event_check(ev, &s, err);
}

/* ------------------------------------------------------------------ */
/* The gate                                                            */
/* ------------------------------------------------------------------ */

/* The first X-LIC-ERROR anywhere under c, or NULL. */
static const char *
first_error(icalcomponent *c)
{
	icalproperty *p;
	icalcomponent *sub;
	const char *e;

	p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
	if (p)
		return icalproperty_get_xlicerror(p);
	for (sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    sub; sub = icalcomponent_get_next_component(c,
	    ICAL_ANY_COMPONENT))
		if ((e = first_error(sub)) != NULL)
			return e;
	return NULL;
}

/* The TZIDs the calendar defines (borrowed from it). */
struct tzids {
	const char *v[64];	/* VTIMEZONE TZIDs */
	size_t n;		/* how many */
};

static bool
tzids_has(const struct tzids *t, const char *tzid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], tzid) == 0)
			return true;
	return false;
}

/* Every TZID parameter in c (a VEVENT and its alarms) has a VTIMEZONE;
 * every DTSTAMP is UTC.  Returns the problem, or NULL.  (Each libical
 * component has one internal iterator, so this must not walk the
 * calendar that the caller is walking: the TZIDs come in t.) */
static const char *
check_times(const struct tzids *t, icalcomponent *c, char *why,
    size_t whylen)
{
	icalproperty *p;
	icalparameter *tz;
	icalcomponent *sub;

	for (p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
	    p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
		tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
		if (tz && !tzids_has(t, icalparameter_get_tzid(tz))) {
			snprintf(why, whylen, "TZID '%.60s' has no VTIMEZONE",
			    icalparameter_get_tzid(tz));
			return why;
		}
		if (icalproperty_isa(p) == ICAL_DTSTAMP_PROPERTY &&
		    !icaltime_is_utc(icalproperty_get_dtstamp(p))) {
			snprintf(why, whylen, "DTSTAMP is not in UTC");
			return why;
		}
	}
	for (sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    sub; sub = icalcomponent_get_next_component(c,
	    ICAL_ANY_COMPONENT))
		if (check_times(t, sub, why, whylen))
			return why;
	return NULL;
}

int
ics_calendar_check(const char *text, enum ics_method method,
    struct err *err)
{
	icalcomponent *cal, *copy, *c;
	icalproperty *p;
	struct tzids tz;
	const char *line, *eol, *e;
	char why[200];
	int rc = -1;

	if (strncmp(text, "\xef\xbb\xbf", 3) == 0)
		return err_set(err, ERR_INTERNAL, "calendar starts with a BOM");
	for (line = text; *line; line = eol + 2) {
		eol = strstr(line, "\r\n");
		if (eol == NULL)
			return err_set(err, ERR_INTERNAL,
			    "last line does not end in CRLF");
		if (memchr(line, '\n', (size_t)(eol - line)) ||
		    memchr(line, '\r', (size_t)(eol - line)))
			return err_set(err, ERR_INTERNAL,
			    "bare CR or LF in line '%.40s'", line);
		if (eol - line > 75)
			return err_set(err, ERR_INTERNAL,
			    "line of %d octets: '%.40s'", (int)(eol - line),
			    line);
		if (eol == line)
			return err_set(err, ERR_INTERNAL, "empty line");
	}

	cal = icalparser_parse_string(text);
	if (cal == NULL)
		return err_set(err, ERR_INTERNAL, "libical cannot parse it");
	if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		err_set(err, ERR_INTERNAL, "top component is not VCALENDAR");
		goto out_free;
	}
	if (icalcomponent_count_errors(cal) != 0) {
		e = first_error(cal);
		err_set(err, ERR_INTERNAL, "libical reports: %s",
		    e ? e : "?");
		goto out_free;
	}
	p = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
	if (p == NULL || strcmp(icalproperty_method_to_string(
	    icalproperty_get_method(p)), ics_method_name(method)) != 0) {
		err_set(err, ERR_INTERNAL, "METHOD is not %s",
		    ics_method_name(method));
		goto out_free;
	}
	/* icalrestriction_check() adds X-LIC-ERRORs to what it checks. */
	copy = icalcomponent_new_clone(cal);
	if (!icalrestriction_check(copy) ||
	    icalcomponent_count_errors(copy) != 0) {
		e = first_error(copy);
		err_set(err, ERR_INTERNAL, "RFC 5546 %s restrictions: %s",
		    ics_method_name(method), e ? e : "?");
		icalcomponent_free(copy);
		goto out_free;
	}
	icalcomponent_free(copy);
	tz.n = 0;
	for (c = icalcomponent_get_first_component(cal,
	    ICAL_VTIMEZONE_COMPONENT); c; c = icalcomponent_get_next_component(
	    cal, ICAL_VTIMEZONE_COMPONENT)) {
		p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
		if (p == NULL || tz.n == 64 ||
		    tzids_has(&tz, icalproperty_get_tzid(p))) {
			err_set(err, ERR_INTERNAL, "VTIMEZONE without TZID, "
			    "repeated, or too many");
			goto out_free;
		}
		tz.v[tz.n++] = icalproperty_get_tzid(p);
	}
	for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	    c; c = icalcomponent_get_next_component(cal,
	    ICAL_VEVENT_COMPONENT)) {
		if (check_times(&tz, c, why, sizeof(why))) {
			err_set(err, ERR_INTERNAL, "%s", why);
			goto out_free;
		}
	}
	rc = 0;
out_free:
	icalcomponent_free(cal);
	return rc;
}
