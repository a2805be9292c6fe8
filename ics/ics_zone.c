/*
 * ics_zone.c - the zone cache, wall clock <-> UTC, and e-mail times.
 *
 * Each zone is loaded once from the system zoneinfo through libical and
 * kept twice: libical's builtin zone (full history, used for maths) and a
 * copy truncated at a fixed date whose TZID is the bare IANA name (used for
 * output; docs/calendar.md, "Time zones and DST").  The truncated
 * VTIMEZONE is also kept as text, so that every calendar carries
 * byte-identical zone data.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics_priv.h"
#include "ics_zone.h"
#include "xalloc.h"

/* The VTIMEZONE history starts here, whatever today is, so that the zone
 * text never changes between an invitation, its update and its
 * cancellation (docs/calendar.md, "Time zones and DST").  Meetings
 * before it keep correct maths (the builtin zone is used for that); only
 * clients would see older rules. */
#define ICS_ZONE_TRUNCATE_AT "20200101T000000Z"

/* Transition tables are expanded this far when a zone is loaded. */
#define ICS_ZONE_EXPAND_YEAR 2100

/* ------------------------------------------------------------------ */
/* The cache                                                           */
/* ------------------------------------------------------------------ */

/*
 * The module's one piece of shared state: the loaded zones.  A mutable
 * global is the exception here (docs/architecture.md, "Shared state");
 * it exists because libical's own zone table is a process global whose
 * lazy loading is not thread-safe, so the cache that guards it has to be
 * one too.  Lookups
 * take the read lock; a miss takes the write lock and loads.  Entries are
 * pointers, so growing the array never moves a zone a reader holds.
 */
static struct {
	pthread_rwlock_t lock;
	struct ics_zone **zones;	/* loaded zones, in load order */
	size_t n;			/* used entries */
	size_t cap;			/* allocated entries */
} zone_cache = { PTHREAD_RWLOCK_INITIALIZER, NULL, 0, 0 };

/*
 * A name we are willing to hand to libical, which turns it into a path
 * under /usr/share/zoneinfo: letters, digits and "_+-" in "/"-separated
 * parts that start with a letter.  No dots, so no "..", "zone.tab" or
 * "tzdata.zi"; and not the "posix/", "right/" or "posixrules" copies.
 */
static bool
zone_name_ok(const char *s)
{
	size_t len = strlen(s);
	bool part_start = true;

	if (len == 0 || len > 64)
		return false;
	if (strncmp(s, "posix", 5) == 0 || strncmp(s, "right/", 6) == 0 ||
	    strcmp(s, "localtime") == 0)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (part_start) {
			if (!isalpha(c))
				return false;
			part_start = false;
		} else if (c == '/') {
			part_start = true;
		} else if (!isalnum(c) && c != '_' && c != '+' && c != '-') {
			return false;
		}
	}
	return !part_start;
}

static int
offset_at(icaltimezone *z, time_t t)
{
	struct icaltimetype u;

	u = icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
	return icaltimezone_get_utc_offset_of_utc_time(z, &u, NULL);
}

static void
zone_free(struct ics_zone *z)
{
	if (z == NULL)
		return;
	if (z->bare)
		icaltimezone_free(z->bare, 1);	/* frees its component too */
	free(z->vtz_text);
	free(z->tzid);
	free(z);
}

/* Loads tzid; called with the write lock held.  NULL if unknown. */
static struct ics_zone *
zone_load(const char *tzid)
{
	struct ics_zone *z;
	icaltimezone *conv, *src;
	icalcomponent *comp, *vtz;
	icalproperty *p;
	char *text;

	if (!zone_name_ok(tzid))
		return NULL;
	conv = icaltimezone_get_builtin_timezone(tzid);
	if (conv == NULL)
		return NULL;
	src = conv;
	if (conv == icaltimezone_get_utc_timezone()) {
		/* libical's UTC has no VTIMEZONE; clients still need one
		 * for TZID=UTC, so borrow Etc/UTC's rules. */
		src = icaltimezone_get_builtin_timezone("Etc/UTC");
		if (src == NULL)
			return NULL;
	}
	comp = icaltimezone_get_component(src);
	if (comp == NULL)
		return NULL;

	vtz = icalcomponent_new_clone(comp);
	icaltimezone_truncate_vtimezone(vtz,
	    icaltime_from_string(ICS_ZONE_TRUNCATE_AT), icaltime_null_time(),
	    1);
	p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (p == NULL) {
		icalcomponent_free(vtz);
		return NULL;
	}
	icalproperty_set_tzid(p, tzid);
	text = icalcomponent_as_ical_string_r(vtz);
	if (text == NULL) {
		icalcomponent_free(vtz);
		return NULL;
	}

	z = xcalloc(1, sizeof(*z));
	z->tzid = xstrdup(tzid);
	z->conv = conv;
	z->bare = icaltimezone_new();
	icaltimezone_set_component(z->bare, vtz);	/* bare owns vtz */
	z->vtz_text = text;
	z->vtz_len = strlen(text);

	/* Expand both transition tables now, under our lock, rather than in
	 * a request thread later (2100-01-01T00:00Z). */
	(void)offset_at(z->conv, (time_t)4102444800LL);
	(void)offset_at(z->bare, (time_t)4102444800LL);
	return z;
}

static const struct ics_zone *
cache_lookup(const char *tzid)
{
	size_t i;

	for (i = 0; i < zone_cache.n; i++)
		if (strcmp(zone_cache.zones[i]->tzid, tzid) == 0)
			return zone_cache.zones[i];
	return NULL;
}

const struct ics_zone *
ics_zone_find(const char *tzid)
{
	const struct ics_zone *found;
	struct ics_zone *z;

	if (tzid == NULL)
		return NULL;
	pthread_rwlock_rdlock(&zone_cache.lock);
	found = cache_lookup(tzid);
	pthread_rwlock_unlock(&zone_cache.lock);
	if (found)
		return found;

	pthread_rwlock_wrlock(&zone_cache.lock);
	found = cache_lookup(tzid);	/* another thread may have won */
	if (found == NULL) {
		z = zone_load(tzid);
		if (z) {
			if (zone_cache.n == zone_cache.cap) {
				zone_cache.cap = zone_cache.cap ?
				    zone_cache.cap * 2 : 16;
				zone_cache.zones = xreallocarray(
				    zone_cache.zones, zone_cache.cap,
				    sizeof(*zone_cache.zones));
			}
			zone_cache.zones[zone_cache.n++] = z;
			found = z;
		}
	}
	pthread_rwlock_unlock(&zone_cache.lock);
	return found;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                      */
/* ------------------------------------------------------------------ */

int
ics_init(struct err *err)
{
	icalarray *all;
	const struct ics_zone *z;

	/* Reads zones.tab (or the system zone.tab) into libical's table. */
	all = icaltimezone_get_builtin_timezones();
	if (all == NULL || all->num_elements == 0)
		return err_set(err, ERR_INTERNAL,
		    "no time zone data in /usr/share/zoneinfo: "
		    "install the tzdata package");
	(void)icaltimezone_get_utc_timezone();
	/* The first conversion sets libical's static "minimum expansion
	 * year" from today's date; do it here, in one thread. */
	z = ics_zone_find("America/New_York");
	if (z == NULL)
		return err_set(err, ERR_INTERNAL,
		    "cannot load time zone America/New_York from the "
		    "system zoneinfo");
	return 0;
}

void
ics_shutdown(void)
{
	size_t i;

	pthread_rwlock_wrlock(&zone_cache.lock);
	for (i = 0; i < zone_cache.n; i++)
		zone_free(zone_cache.zones[i]);
	free(zone_cache.zones);
	zone_cache.zones = NULL;
	zone_cache.n = zone_cache.cap = 0;
	pthread_rwlock_unlock(&zone_cache.lock);
	icaltimezone_free_builtin_timezones();
	icalmemory_free_ring();
}

bool
ics_zone_exists(const char *tzid)
{
	return ics_zone_find(tzid) != NULL;
}

/* ------------------------------------------------------------------ */
/* Wall clock <-> UTC                                                  */
/* ------------------------------------------------------------------ */

time_t
ics_zone_wall_to_utc(const struct ics_zone *z, int year, int month,
    int day, int hour, int minute, int second, enum ics_local_kind *kind)
{
	struct icaltimetype w = icaltime_null_time();
	time_t naive, ca, cb;
	int off_a, off_b;
	bool ok_a, ok_b;
	enum ics_local_kind k;

	w.year = year;
	w.month = month;
	w.day = day;
	w.hour = hour;
	w.minute = minute;
	w.second = second;
	/* libical reads a floating time as if it were UTC. */
	naive = icaltime_as_timet(w);

	/*
	 * The instant is naive - offset for an offset in force at that
	 * instant.  A day either side brackets every real offset (±14 h),
	 * and no zone changes twice within two days, so the two offsets
	 * found there are the only candidates.
	 */
	off_a = offset_at(z->conv, naive - 86400);
	off_b = offset_at(z->conv, naive + 86400);
	ca = naive - off_a;
	cb = naive - off_b;
	ok_a = offset_at(z->conv, ca) == off_a;
	ok_b = off_a != off_b && offset_at(z->conv, cb) == off_b;

	if (ok_a && ok_b) {
		/* Twice: the first of the two (RFC 5545 §3.3.5). */
		k = ICS_LOCAL_OVERLAP;
		if (cb < ca)
			ca = cb;
	} else if (ok_a) {
		k = ICS_LOCAL_NORMAL;
	} else if (ok_b) {
		k = ICS_LOCAL_NORMAL;
		ca = cb;
	} else {
		/* Never: read with the offset from before the gap. */
		k = ICS_LOCAL_GAP;
	}
	if (kind)
		*kind = k;
	return ca;
}

struct icaltimetype
ics_zone_utc_to_wall(const struct ics_zone *z, time_t t)
{
	struct icaltimetype w;

	w = icaltime_from_timet_with_zone(t, 0, z->conv);
	w.zone = z->bare;
	return w;
}

struct icaltimetype
ics_zone_icaltime(const struct ics_zone *z, const struct ics_local *l)
{
	struct icaltimetype t = icaltime_null_time();

	t.year = l->year;
	t.month = l->month;
	t.day = l->day;
	t.hour = l->hour;
	t.minute = l->minute;
	t.second = 0;
	t.is_date = 0;
	t.zone = z->bare;
	return t;
}

static int
parse_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
ics_local_parse(const char *s, struct ics_local *out)
{
	struct ics_local l;

	if (s == NULL || strlen(s) != 16 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':')
		return -1;
	l.year = parse_digits(s, 4);
	l.month = parse_digits(s + 5, 2);
	l.day = parse_digits(s + 8, 2);
	l.hour = parse_digits(s + 11, 2);
	l.minute = parse_digits(s + 14, 2);
	if (l.year < 1900 || l.month < 1 || l.month > 12 || l.day < 1 ||
	    l.hour < 0 || l.hour > 23 || l.minute < 0 || l.minute > 59)
		return -1;
	if (l.day > icaltime_days_in_month(l.month, l.year))
		return -1;
	*out = l;
	return 0;
}

void
ics_local_format(const struct ics_local *l, char out[17])
{
	/* Out-of-range fields are cut to their width, never overflow. */
	snprintf(out, 17, "%04u-%02u-%02uT%02u:%02u",
	    (unsigned)l->year % 10000, (unsigned)l->month % 100,
	    (unsigned)l->day % 100, (unsigned)l->hour % 100,
	    (unsigned)l->minute % 100);
}

int
ics_local_cmp(const struct ics_local *a, const struct ics_local *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->hour != b->hour)
		return a->hour < b->hour ? -1 : 1;
	if (a->minute != b->minute)
		return a->minute < b->minute ? -1 : 1;
	return 0;
}

static bool
local_ok(const struct ics_local *l)
{
	return l->year >= 1900 && l->year <= 9999 && l->month >= 1 &&
	    l->month <= 12 && l->day >= 1 &&
	    l->day <= icaltime_days_in_month(l->month, l->year) &&
	    l->hour >= 0 && l->hour <= 23 && l->minute >= 0 &&
	    l->minute <= 59;
}

int
ics_local_to_utc_kind(const struct ics_local *l, const char *tzid,
    time_t *out, enum ics_local_kind *kind, struct err *err)
{
	const struct ics_zone *z;

	z = ics_zone_find(tzid);
	if (z == NULL)
		return err_set_field(err, ERR_INVALID, "timezone",
		    "unknown time zone '%s': use an IANA name such as "
		    "America/Chicago", tzid ? tzid : "");
	if (!local_ok(l))
		return err_set_field(err, ERR_INVALID, "start",
		    "no such date or time");
	*out = ics_zone_wall_to_utc(z, l->year, l->month, l->day, l->hour,
	    l->minute, 0, kind);
	return 0;
}

int
ics_local_to_utc(const struct ics_local *l, const char *tzid, time_t *out,
    struct err *err)
{
	return ics_local_to_utc_kind(l, tzid, out, NULL, err);
}

int
ics_utc_to_local(time_t t, const char *tzid, struct ics_local *out,
    struct err *err)
{
	const struct ics_zone *z;
	struct icaltimetype w;

	z = ics_zone_find(tzid);
	if (z == NULL)
		return err_set_field(err, ERR_INVALID, "timezone",
		    "unknown time zone '%s'", tzid ? tzid : "");
	w = ics_zone_utc_to_wall(z, t);
	out->year = w.year;
	out->month = w.month;
	out->day = w.day;
	out->hour = w.hour;
	out->minute = w.minute;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Times for people                                                    */
/* ------------------------------------------------------------------ */

static const char *const weekday_names[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday",
};

static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* The zone's abbreviation in force at t ("CST"), or "UTC-03:00". */
static void
zone_abbrev(const struct ics_zone *z, time_t t, char *out, size_t outlen)
{
	struct icaltimetype u;
	const char *names, *slash;
	int is_daylight = 0, off;

	u = icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
	off = icaltimezone_get_utc_offset_of_utc_time(z->conv, &u,
	    &is_daylight);
	/* libical joins them as "STANDARD/DAYLIGHT" ("CST/CDT"). */
	names = icaltimezone_get_tznames(z->bare);
	if (names && *names && (isalpha((unsigned char)names[0]) ||
	    strcmp(z->tzid, "UTC") == 0)) {
		slash = strchr(names, '/');
		if (slash == NULL)
			snprintf(out, outlen, "%s", names);
		else if (is_daylight)
			snprintf(out, outlen, "%s", slash + 1);
		else
			snprintf(out, outlen, "%.*s", (int)(slash - names),
			    names);
		return;
	}
	snprintf(out, outlen, "UTC%c%02d:%02d", off < 0 ? '-' : '+',
	    abs(off) / 3600, abs(off) % 3600 / 60);
}

int
ics_time_format(time_t t, const char *tzid, char *out, size_t outlen)
{
	const struct ics_zone *z;
	struct icaltimetype w;
	char abbrev[32];
	int hour12, n;

	if (outlen > 0)
		out[0] = '\0';
	z = ics_zone_find(tzid);
	if (z == NULL || outlen == 0)
		return -1;
	w = ics_zone_utc_to_wall(z, t);
	zone_abbrev(z, t, abbrev, sizeof(abbrev));
	hour12 = w.hour % 12 == 0 ? 12 : w.hour % 12;
	n = snprintf(out, outlen, "%s, %s %d, %d, %d:%02d %s %s",
	    weekday_names[(icaltime_day_of_week(w) + 6) % 7],
	    month_names[w.month - 1], w.day, w.year, hour12, w.minute,
	    w.hour < 12 ? "AM" : "PM", abbrev);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
