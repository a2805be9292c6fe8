/*
 * ics_event.c - meeting validation and recurrence expansion.
 *
 * Expansion runs libical's iterator on the wall clock in the meeting's
 * zone and maps each occurrence to an instant with ics_zone_wall_to_utc().
 * UNTIL is applied here, on instants, instead of inside the iterator, so
 * that its meaning never depends on how libical converts a UTC UNTIL.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ics_event.h"
#include "ics_priv.h"
#include "text.h"
#include "xalloc.h"

#define ICS_RRULE_MAX		512	/* bytes */
#define ICS_UID_MAX		255
#define ICS_LOCATION_MAX	500
#define ICS_CONTACT_MAX		500
#define ICS_URL_MAX		2048
#define ICS_YEAR_MIN		1970
#define ICS_YEAR_MAX		2200

/* ------------------------------------------------------------------ */
/* Input checks                                                        */
/* ------------------------------------------------------------------ */

/* An http(s) URL of printable ASCII without spaces, quotes or angle
 * brackets: it goes unescaped into URL, CONFERENCE and the text. */
bool
ics_url_ok(const char *s)
{
	const char *p, *host;
	size_t len;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return false;
	if (len > ICS_URL_MAX || *host == '\0' || *host == '/' ||
	    *host == '?' || *host == '#')
		return false;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c))
			return false;
	}
	return true;
}

int
ics_check_links(const struct ics_event *ev, struct err *err)
{
	if (ev->video_url && !ics_url_ok(ev->video_url))
		return err_set_field(err, ERR_INVALID, "video_url",
		    "video_url must be an http:// or https:// link without "
		    "spaces or quotes");
	if (ev->url && !ics_url_ok(ev->url))
		return err_set_field(err, ERR_INVALID, "url",
		    "url must be an http:// or https:// link without spaces "
		    "or quotes");
	return 0;
}

static bool
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool
is_blank(const char *s)
{
	/* Control characters count as blank: the builders clean them
	 * away, and a title of nothing else would be an empty SUMMARY
	 * (found by tests/fuzz/fuzz_ics). */
	for (; *s; s++)
		if (!isspace((unsigned char)*s) && (unsigned char)*s >= 0x20 &&
		    *s != 0x7f)
			return false;
	return true;
}

static bool
local_valid(const struct ics_local *l)
{
	return l->year >= ICS_YEAR_MIN && l->year <= ICS_YEAR_MAX &&
	    l->month >= 1 && l->month <= 12 && l->day >= 1 &&
	    l->day <= icaltime_days_in_month(l->month, l->year) &&
	    l->hour >= 0 && l->hour <= 23 && l->minute >= 0 &&
	    l->minute <= 59;
}

static bool
wall_eq_local(const struct icaltimetype *w, const struct ics_local *l)
{
	return w->year == l->year && w->month == l->month &&
	    w->day == l->day && w->hour == l->hour &&
	    w->minute == l->minute && w->second == 0;
}

/* ------------------------------------------------------------------ */
/* Preparing a series                                                  */
/* ------------------------------------------------------------------ */

static bool
by_set(const short *by)
{
	return by[0] != ICAL_RECURRENCE_ARRAY_MAX;
}

/* The rule parts we know, with the range of each number in them (0 0:
 * not numbers).  libical takes a repeated part silently (the last or
 * the first wins, depending on the part) and wraps numbers it keeps in
 * a short: each part once, and every number in its range. */
static const struct rule_part {
	const char *name;	/* without the '=' */
	long min, max;		/* of each number; 0 0 for words */
	bool nonzero;		/* 0 is not allowed */
} RULE_PARTS[] = {
	{ "FREQ", 0, 0, false },
	{ "UNTIL", 0, 0, false },
	{ "COUNT", 1, ICS_COUNT_MAX, false },
	{ "INTERVAL", 1, 1000, false },
	{ "BYSECOND", 0, 60, false },
	{ "BYMINUTE", 0, 59, false },
	{ "BYHOUR", 0, 23, false },
	{ "BYDAY", 0, 0, false },
	{ "BYMONTHDAY", -31, 31, true },
	{ "BYYEARDAY", -366, 366, true },
	{ "BYWEEKNO", -53, 53, true },
	{ "BYMONTH", 1, 12, false },
	{ "BYSETPOS", -366, 366, true },
	{ "WKST", 0, 0, false },
	{ "RSCALE", 0, 0, false },
	{ "SKIP", 0, 0, false },
};

/* Every number of the comma list v (len bytes) within p's range. */
static int
rule_numbers(const struct rule_part *p, const char *v, size_t len,
    struct err *err)
{
	const char *end = v + len, *q = v;
	char num[16], *e;
	size_t n;
	long x;

	while (q <= end) {
		const char *c = memchr(q, ',', (size_t)(end - q));

		if (c == NULL)
			c = end;
		n = (size_t)(c - q);
		if (n == 0 || n >= sizeof(num))
			goto bad;
		memcpy(num, q, n);
		num[n] = '\0';
		errno = 0;
		x = strtol(num, &e, 10);
		if (errno != 0 || *e != '\0' || x < p->min || x > p->max ||
		    (p->nonzero && x == 0))
			goto bad;
		q = c + 1;
	}
	return 0;
bad:
	return err_set_field(err, ERR_INVALID, "rrule", "%s must be %s%ld to "
	    "%ld%s", p->name, strcmp(p->name, "INTERVAL") == 0 ||
	    strcmp(p->name, "COUNT") == 0 ? "between " : "numbers from ",
	    p->min, p->max, p->nonzero ? ", not 0" : "");
}

/* The rule's parts, before libical sees them: NAME=VALUE each, known,
 * once each, numbers in range. */
static int
rule_parts_check(const char *text, struct err *err)
{
	bool seen[sizeof(RULE_PARTS) / sizeof(RULE_PARTS[0])] = { false };
	const char *q = text, *semi, *eq;
	size_t i, n;

	while (*q != '\0') {
		semi = strchr(q, ';');
		n = semi ? (size_t)(semi - q) : strlen(q);
		eq = memchr(q, '=', n);
		if (eq == NULL || eq == q || eq + 1 == q + n)
			return err_set_field(err, ERR_INVALID, "rrule",
			    "cannot parse recurrence rule part '%.*s': use "
			    "NAME=VALUE", (int)(n > 40 ? 40 : n), q);
		for (i = 0; i < sizeof(RULE_PARTS) / sizeof(RULE_PARTS[0]); i++)
			if (strlen(RULE_PARTS[i].name) == (size_t)(eq - q) &&
			    strncasecmp(RULE_PARTS[i].name, q,
			    (size_t)(eq - q)) == 0)
				break;
		if (i == sizeof(RULE_PARTS) / sizeof(RULE_PARTS[0]))
			return err_set_field(err, ERR_INVALID, "rrule",
			    "unknown recurrence rule part '%.*s'",
			    (int)(eq - q > 40 ? 40 : eq - q), q);
		if (seen[i])
			return err_set_field(err, ERR_INVALID, "rrule",
			    "%s is given twice in the recurrence rule",
			    RULE_PARTS[i].name);
		seen[i] = true;
		if ((RULE_PARTS[i].min != 0 || RULE_PARTS[i].max != 0) &&
		    rule_numbers(&RULE_PARTS[i], eq + 1,
		    (size_t)(q + n - eq - 1), err) == -1)
			return -1;
		if (semi == NULL)
			break;
		q = semi + 1;
		if (*q == '\0')
			return err_set_field(err, ERR_INVALID, "rrule",
			    "the recurrence rule ends with ';'");
	}
	return 0;
}

static int
rule_parse(const struct ics_series *s, const char *text,
    struct icalrecurrencetype *out, bool *has_until, time_t *until_utc,
    struct err *err)
{
	struct icalrecurrencetype r;
	struct icaltimetype u;
	const struct ics_zone *z = s->zone;

	if (strncasecmp(text, "RRULE:", 6) == 0)
		text += 6;
	if (*text == '\0' || strlen(text) > ICS_RRULE_MAX ||
	    has_control(text) || strchr(text, ' '))
		return err_set_field(err, ERR_INVALID, "rrule",
		    "cannot parse recurrence rule '%.80s'", text);
	/* libical keeps INTERVAL in a short and wraps larger values
	 * silently (70000 becomes 4464), and takes a part given twice:
	 * check every part before it parses. */
	if (rule_parts_check(text, err) == -1)
		return -1;
	r = icalrecurrencetype_from_string(text);
	if (r.rscale) {
		free(r.rscale);
		return err_set_field(err, ERR_INVALID, "rrule",
		    "RSCALE calendars are not supported");
	}
	if (r.freq == ICAL_NO_RECURRENCE)
		return err_set_field(err, ERR_INVALID, "rrule",
		    "cannot parse recurrence rule '%.80s'", text);
	if (r.freq == ICAL_SECONDLY_RECURRENCE ||
	    r.freq == ICAL_MINUTELY_RECURRENCE ||
	    r.freq == ICAL_HOURLY_RECURRENCE)
		return err_set_field(err, ERR_INVALID, "rrule",
		    "a meeting cannot repeat more often than daily");
	if (by_set(r.by_hour) || by_set(r.by_minute) || by_set(r.by_second))
		return err_set_field(err, ERR_INVALID, "rrule",
		    "BYHOUR, BYMINUTE and BYSECOND are not supported: a "
		    "meeting repeats at its start time");
	if (r.interval < 1)
		return err_set_field(err, ERR_INVALID, "rrule",
		    "INTERVAL must be at least 1");
	if (r.count < 0 || r.count > ICS_COUNT_MAX)
		return err_set_field(err, ERR_INVALID, "rrule",
		    "COUNT must be between 1 and %d", ICS_COUNT_MAX);
	*has_until = !icaltime_is_null_time(r.until);
	if (*has_until && r.count > 0)
		return err_set_field(err, ERR_INVALID, "rrule",
		    "COUNT and UNTIL cannot both be given");
	if (*has_until) {
		u = r.until;
		if (u.is_date)		/* the whole of that local day */
			*until_utc = ics_zone_wall_to_utc(z, u.year, u.month,
			    u.day, 23, 59, 59, NULL);
		else if (icaltime_is_utc(u))
			*until_utc = icaltime_as_timet(u);
		else			/* floating: a wall time in the zone */
			*until_utc = ics_zone_wall_to_utc(z, u.year, u.month,
			    u.day, u.hour, u.minute, u.second, NULL);
		r.until = icaltime_from_timet_with_zone(*until_utc, 0,
		    icaltimezone_get_utc_timezone());
	}
	*out = r;
	return 0;
}

int
ics_series_prepare(const struct ics_event *ev, struct ics_series *s,
    struct err *err)
{
	memset(s, 0, sizeof(*s));
	s->zone = ics_zone_find(ev->tzid);
	if (s->zone == NULL)
		return err_set_field(err, ERR_INVALID, "timezone",
		    "unknown time zone '%.64s': use an IANA name such as "
		    "America/Chicago", ev->tzid ? ev->tzid : "");
	if (!local_valid(&ev->start))
		return err_set_field(err, ERR_INVALID, "start",
		    "start must be a real date and time between %d and %d",
		    ICS_YEAR_MIN, ICS_YEAR_MAX);
	s->dtstart = ics_zone_icaltime(s->zone, &ev->start);
	s->start_utc = ics_zone_wall_to_utc(s->zone, ev->start.year,
	    ev->start.month, ev->start.day, ev->start.hour, ev->start.minute,
	    0, NULL);
	s->recurring = ev->rrule != NULL;
	if (s->recurring && rule_parse(s, ev->rrule, &s->rule, &s->has_until,
	    &s->until_utc, err) == -1)
		return -1;
	return 0;
}

void
ics_series_walk(const struct ics_series *s, time_t from, time_t to,
    ics_occurrence_fn *fn, void *arg)
{
	struct icalrecurrencetype r;
	icalrecur_iterator *it;
	struct icaltimetype dt, w;
	time_t u;
	long n;

	if (!s->recurring) {
		if (s->start_utc >= from && s->start_utc < to)
			(void)fn(arg, &s->dtstart, s->start_utc);
		return;
	}
	if (s->has_until && s->until_utc < to)
		to = s->until_utc + 1;	/* UNTIL is inclusive */
	if (from >= to)
		return;

	r = s->rule;
	r.until = icaltime_null_time();	/* applied below, on instants */
	dt = s->dtstart;
	/* The iterator works on the wall clock; a floating start keeps it
	 * from converting anything. */
	dt.zone = NULL;
	it = icalrecur_iterator_new(r, dt);
	if (it == NULL)
		return;
	/*
	 * Skip ahead to the window when the rule allows it (not with COUNT,
	 * which has to be counted from the start).  Two days early, so no
	 * wall-clock/offset rounding can skip a wanted occurrence.
	 */
	if (r.count == 0 && from > s->start_utc + 2 * 86400) {
		w = ics_zone_utc_to_wall(s->zone, from - 2 * 86400);
		w.zone = NULL;
		w.second = 0;
		if (!icalrecur_iterator_set_start(it, w)) {
			icalrecur_iterator_free(it);
			it = icalrecur_iterator_new(r, dt);
			if (it == NULL)
				return;
		}
	}
	for (n = 0; n < ICS_WALK_MAX; n++) {
		w = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(w))
			break;
		u = ics_zone_wall_to_utc(s->zone, w.year, w.month, w.day,
		    w.hour, w.minute, w.second, NULL);
		/* One start a day at most, so DST can't reorder them. */
		if (u >= to)
			break;
		if (u < from)
			continue;
		w.zone = s->zone->bare;
		if (!fn(arg, &w, u))
			break;
	}
	icalrecur_iterator_free(it);
}

struct find_arg {
	const struct ics_local *want;	/* the wall time looked for */
	bool found;
};

static bool
find_cb(void *arg, const struct icaltimetype *wall, time_t utc)
{
	struct find_arg *a = arg;

	(void)utc;
	if (wall_eq_local(wall, a->want))
		a->found = true;
	return !a->found;
}

bool
ics_series_is_occurrence(const struct ics_series *s,
    const struct ics_local *l)
{
	struct find_arg a = { l, false };
	time_t u;

	if (!local_valid(l))
		return false;
	u = ics_zone_wall_to_utc(s->zone, l->year, l->month, l->day, l->hour,
	    l->minute, 0, NULL);
	ics_series_walk(s, u, u + 1, find_cb, &a);
	return a.found;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

static int
check_text(const char *s, const char *field, size_t max, bool required,
    struct err *err)
{
	size_t chars;

	if (s == NULL || is_blank(s)) {
		if (required)
			return err_set_field(err, ERR_INVALID, field,
			    "%s must not be empty", field);
		return 0;
	}
	if (!text_utf8_valid(s, strlen(s), &chars))
		return err_set_field(err, ERR_INVALID, field,
		    "%s is not valid UTF-8", field);
	if (chars > max)
		return err_set_field(err, ERR_INVALID, field,
		    "%s is %zu characters long; at most %zu are allowed",
		    field, chars, max);
	return 0;
}

static int
check_start(const struct ics_zone *z, const struct ics_local *l,
    struct err *err)
{
	enum ics_local_kind kind;
	char txt[17];

	if (!local_valid(l))
		return err_set_field(err, ERR_INVALID, "start",
		    "start must be a real date and time between %d and %d",
		    ICS_YEAR_MIN, ICS_YEAR_MAX);
	(void)ics_zone_wall_to_utc(z, l->year, l->month, l->day, l->hour,
	    l->minute, 0, &kind);
	ics_local_format(l, txt);
	if (kind == ICS_LOCAL_GAP)
		return err_set_field(err, ERR_INVALID, "start",
		    "%s does not exist in %s: the clocks spring forward "
		    "over it (DST gap); choose another time", txt, z->tzid);
	if (kind == ICS_LOCAL_OVERLAP)
		return err_set_field(err, ERR_INVALID, "start",
		    "%s happens twice in %s: the clocks fall back over it "
		    "(DST overlap); choose another time", txt, z->tzid);
	return 0;
}

static int
check_duration(int minutes, struct err *err)
{
	if (minutes < 1 || minutes > ICS_DURATION_MAX)
		return err_set_field(err, ERR_INVALID, "duration_minutes",
		    "duration must be between 1 and %d minutes",
		    ICS_DURATION_MAX);
	return 0;
}

static int
check_overrides(const struct ics_event *ev, const struct ics_series *s,
    struct err *err)
{
	const struct ics_override *o;
	char txt[17];
	size_t i, j;

	if (ev->n_overrides > 0 && !s->recurring)
		return err_set_field(err, ERR_INVALID, "date",
		    "a single meeting has no occurrences to change: change "
		    "the meeting itself");
	for (i = 0; i < ev->n_overrides; i++) {
		o = &ev->overrides[i];
		ics_local_format(&o->recurrence_id, txt);
		if (!ics_series_is_occurrence(s, &o->recurrence_id))
			return err_set_field(err, ERR_INVALID, "date",
			    "%s is not an occurrence of the series", txt);
		for (j = 0; j < i; j++)
			if (ics_local_cmp(&ev->overrides[j].recurrence_id,
			    &o->recurrence_id) == 0)
				return err_set_field(err, ERR_INVALID, "date",
				    "occurrence %s is changed twice", txt);
		if (o->sequence < 0)
			return err_set_field(err, ERR_INVALID, "sequence",
			    "sequence must not be negative");
		if (o->cancelled)
			continue;
		if (check_start(s->zone, &o->start, err) == -1)
			return -1;
		if (o->duration_minutes != 0 &&
		    check_duration(o->duration_minutes, err) == -1)
			return -1;
	}
	return 0;
}

int
ics_event_validate(const struct ics_event *ev, struct err *err)
{
	struct ics_series s;
	struct icalrecurrencetype r;
	icalrecur_iterator *it;
	struct icaltimetype first, dt;
	bool synced;

	if (ev->uid == NULL || *ev->uid == '\0' ||
	    strlen(ev->uid) > ICS_UID_MAX || has_control(ev->uid) ||
	    !text_utf8_valid(ev->uid, strlen(ev->uid), NULL))
		return err_set_field(err, ERR_INVALID, "uid",
		    "uid must be 1 to %d printable characters", ICS_UID_MAX);
	if (check_text(ev->title, "title", ICS_TITLE_MAX, true, err) == -1 ||
	    check_text(ev->description, "description", ICS_DESCRIPTION_MAX,
	    false, err) == -1 ||
	    check_text(ev->location, "location", ICS_LOCATION_MAX, false,
	    err) == -1 ||
	    check_text(ev->contact, "contact", ICS_CONTACT_MAX, false,
	    err) == -1)
		return -1;
	if (ics_check_links(ev, err) < 0)
		return -1;
	if (ev->organizer_email && !text_email_is_valid(ev->organizer_email))
		return err_set_field(err, ERR_INVALID, "organizer_email",
		    "'%.80s' is not a plain e-mail address",
		    ev->organizer_email);
	if (ev->organizer_name && (has_control(ev->organizer_name) ||
	    !text_utf8_valid(ev->organizer_name, strlen(ev->organizer_name),
	    NULL)))
		return err_set_field(err, ERR_INVALID, "organizer_name",
		    "the organizer's name holds control characters or "
		    "invalid UTF-8");
	if (ev->sequence < 0)
		return err_set_field(err, ERR_INVALID, "sequence",
		    "sequence must not be negative");
	if (check_duration(ev->duration_minutes, err) == -1)
		return -1;
	if (ics_series_prepare(ev, &s, err) == -1)
		return -1;
	if (check_start(s.zone, &ev->start, err) == -1)
		return -1;

	if (s.recurring) {
		if (s.has_until && s.until_utc < s.start_utc)
			return err_set_field(err, ERR_INVALID, "rrule",
			    "UNTIL is before the start");
		/* libical drops a start that its rule does not produce,
		 * other clients count it: the first occurrence must be the
		 * start itself (docs/calendar.md, "Recurrence"). */
		r = s.rule;
		r.until = icaltime_null_time();
		dt = s.dtstart;
		dt.zone = NULL;
		it = icalrecur_iterator_new(r, dt);
		if (it == NULL)
			return err_set_field(err, ERR_INVALID, "rrule",
			    "cannot expand the recurrence rule");
		first = icalrecur_iterator_next(it);
		icalrecur_iterator_free(it);
		synced = !icaltime_is_null_time(first) &&
		    wall_eq_local(&first, &ev->start);
		if (!synced)
			return err_set_field(err, ERR_INVALID, "rrule",
			    "the start is not itself an occurrence of the "
			    "rule: move the start to the first meeting day");
	}
	return check_overrides(ev, &s, err);
}

/* ------------------------------------------------------------------ */
/* Occurrences                                                         */
/* ------------------------------------------------------------------ */

static bool
overridden(const struct ics_event *ev, const struct icaltimetype *w)
{
	size_t i;

	for (i = 0; i < ev->n_overrides; i++)
		if (wall_eq_local(w, &ev->overrides[i].recurrence_id))
			return true;
	return false;
}

/* Where a moved occurrence now starts; false if it doesn't count
 * (cancelled, or naming no occurrence of the series). */
static bool
moved_start(const struct ics_event *ev, const struct ics_series *s,
    const struct ics_override *o, time_t *out)
{
	if (o->cancelled || !local_valid(&o->start) ||
	    !ics_series_is_occurrence(s, &o->recurrence_id))
		return false;
	*out = ics_zone_wall_to_utc(s->zone, o->start.year, o->start.month,
	    o->start.day, o->start.hour, o->start.minute, 0, NULL);
	(void)ev;
	return true;
}

struct collect_arg {
	const struct ics_event *ev;
	time_t *out;		/* NULL: count only */
	size_t max;		/* room in out */
	size_t n;		/* found so far */
};

static bool
collect_cb(void *arg, const struct icaltimetype *wall, time_t utc)
{
	struct collect_arg *a = arg;

	if (overridden(a->ev, wall))
		return true;
	if (a->out) {
		/* They come in order: once full, later ones can't make
		 * the first max. */
		if (a->n == a->max)
			return false;
		a->out[a->n] = utc;
	}
	a->n++;
	return true;
}

static int
cmp_time(const void *a, const void *b)
{
	time_t x = *(const time_t *)a, y = *(const time_t *)b;

	return x < y ? -1 : x > y;
}

int
ics_occurrences(const struct ics_event *ev, time_t from, time_t to,
    time_t *out, size_t max, struct err *err)
{
	struct ics_series s;
	struct collect_arg a;
	time_t *all, t;
	size_t i, n;

	if (ics_series_prepare(ev, &s, err) == -1)
		return -1;
	if (max > (size_t)ICS_WALK_MAX)
		max = ICS_WALK_MAX;
	/* Room for the first max regular ones plus every moved one. */
	all = xreallocarray(NULL, max + ev->n_overrides + 1, sizeof(*all));
	a.ev = ev;
	a.out = all;
	a.max = max;
	a.n = 0;
	if (max > 0)
		ics_series_walk(&s, from, to, collect_cb, &a);
	n = a.n;
	if (s.recurring)
		for (i = 0; i < ev->n_overrides; i++)
			if (moved_start(ev, &s, &ev->overrides[i], &t) &&
			    t >= from && t < to)
				all[n++] = t;
	qsort(all, n, sizeof(*all), cmp_time);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return (int)n;
}

long
ics_count_occurrences(const struct ics_event *ev, time_t from, time_t to)
{
	struct ics_series s;
	struct collect_arg a;
	time_t t;
	size_t i;

	if (ics_series_prepare(ev, &s, NULL) == -1)
		return -1;
	a.ev = ev;
	a.out = NULL;
	a.max = 0;
	a.n = 0;
	ics_series_walk(&s, from, to, collect_cb, &a);
	if (s.recurring)
		for (i = 0; i < ev->n_overrides; i++)
			if (moved_start(ev, &s, &ev->overrides[i], &t) &&
			    t >= from && t < to)
				a.n++;
	return (long)a.n;
}

struct day_arg {
	int year, month, day;	/* the date looked for */
	struct icaltimetype hit;	/* its occurrence, when found */
	bool found;
};

static bool
day_cb(void *arg, const struct icaltimetype *wall, time_t utc)
{
	struct day_arg *a = arg;

	(void)utc;
	if (wall->year == a->year && wall->month == a->month &&
	    wall->day == a->day) {
		a->hit = *wall;
		a->found = true;
	}
	return !a->found;
}

int
ics_occurrence_on(const struct ics_event *ev, const char *date,
    struct ics_local *out, struct err *err)
{
	struct ics_series s;
	struct ics_local day;
	struct day_arg a;
	char buf[17];
	time_t from, to;

	if (date == NULL || strlen(date) != 10 ||
	    snprintf(buf, sizeof(buf), "%sT00:00", date) != 16 ||
	    ics_local_parse(buf, &day) == -1)
		return err_set_field(err, ERR_MALFORMED, "date",
		    "date must be YYYY-MM-DD");
	if (ics_series_prepare(ev, &s, err) == -1)
		return -1;
	memset(&a, 0, sizeof(a));
	a.year = day.year;
	a.month = day.month;
	a.day = day.day;
	/* From the day's first instant to a day and a bit later: DST
	 * makes local days 23 or 25 hours long. */
	from = ics_zone_wall_to_utc(s.zone, day.year, day.month, day.day, 0,
	    0, 0, NULL);
	to = from + 26 * 3600;
	ics_series_walk(&s, from, to, day_cb, &a);
	if (!a.found)
		return err_set_field(err, ERR_NOT_FOUND, "date",
		    "the meeting does not take place on %s", date);
	out->year = a.hit.year;
	out->month = a.hit.month;
	out->day = a.hit.day;
	out->hour = a.hit.hour;
	out->minute = a.hit.minute;
	return 0;
}

int
ics_rrule_normalize(const struct ics_event *ev, char **out, struct err *err)
{
	struct ics_series s;

	if (ics_series_prepare(ev, &s, err) == -1)
		return -1;
	*out = s.recurring ? icalrecurrencetype_as_string_r(&s.rule) : NULL;
	return 0;
}
