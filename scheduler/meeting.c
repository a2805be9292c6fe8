/*
 * meeting.c - meetings: create, change, cancel, one occurrence, and the
 * e-mails each change queues (docs/calendar.md, docs/email.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ics_build.h"
#include "ics_event.h"
#include "meeting.h"
#include "rand.h"
#include "store.h"
#include "text.h"
#include "xalloc.h"

/* Seconds a meeting update waits before it is sent, so that a run of
 * edits reaches each member as one message (docs/email.md, "Updates"). */
#define UPDATE_WINDOW 120

void
meeting_input_init(struct meeting_input *in)
{
	memset(in, 0, sizeof(*in));
	in->duration_minutes = -1;
}

/* ==== to ics ============================================================ */
static void
local_or_zero(const char *s, struct ics_local *out)
{
	memset(out, 0, sizeof(*out));
	if (s && s[0])
		ics_local_parse(s, out);
}

void
meeting_to_ics(const struct meeting *m, const struct club *c,
    const struct config *cfg, struct meeting_ics *out)
{
	struct ics_event *ev = &out->ev;
	size_t i;

	memset(ev, 0, sizeof(*ev));
	ev->uid = m->uid;
	ev->title = m->title;
	ev->description = m->description[0] ? m->description : NULL;
	ev->location = m->location[0] ? m->location : NULL;
	ev->video_url = m->video_url[0] ? m->video_url : NULL;
	ev->tzid = m->timezone;
	ev->rrule = m->rrule[0] ? m->rrule : NULL;
	local_or_zero(m->start_local, &ev->start);
	ev->duration_minutes = m->duration_minutes;
	ev->sequence = m->sequence;
	ev->cancelled = m->cancelled;
	ev->created = m->created_at;
	ev->modified = m->updated_at;
	ev->organizer_email = cfg->mail_from;
	ev->organizer_name = c ? c->name : NULL;
	out->contact[0] = '\0';
	if (c && c->secretary_email[0]) {
		if (c->secretary_name[0])
			snprintf(out->contact, sizeof(out->contact),
			    "%s <%s>", c->secretary_name, c->secretary_email);
		else
			snprintf(out->contact, sizeof(out->contact), "%s",
			    c->secretary_email);
		ev->contact = out->contact;
	}
	for (i = 0; i < m->n_occ && i < MEETING_MAX_OCC; i++) {
		struct ics_override *o = &out->ov[i];

		local_or_zero(m->occ[i].original_local, &o->recurrence_id);
		o->cancelled = m->occ[i].cancelled;
		local_or_zero(m->occ[i].start_local, &o->start);
		o->duration_minutes = m->occ[i].duration_minutes;
		o->sequence = m->occ[i].sequence;
	}
	ev->overrides = out->ov;
	ev->n_overrides = m->n_occ;
}

int
meeting_next(const struct meeting *m, const struct club *c,
    const struct config *cfg, time_t now, time_t *out, size_t max)
{
	struct meeting_ics *mi = xmalloc(sizeof(*mi));
	int n;

	if (m->cancelled) {
		free(mi);
		return 0;
	}
	meeting_to_ics(m, c, cfg, mi);
	/* A horizon of 20 years: far enough for "the next 5" of any
	 * yearly series, short enough to stay cheap. */
	n = ics_occurrences(&mi->ev, now, now + 20L * 366 * 86400, out, max,
	    NULL);
	free(mi);
	return n < 0 ? 0 : n;
}

/* ==== validation ======================================================== */
static bool
text_ok(const char *s, size_t max, bool newlines)
{
	return s[0] == '\0' || text_is_clean(s, max, newlines);
}

/* Applies in onto m (the current state, or zeros with defaults) and
 * checks the result with ics_event_validate().  *timing says whether the
 * time, zone or rule changed. */
static int
meeting_apply(struct meeting *m, const struct club *c,
    const struct config *cfg, const struct meeting_input *in, bool *timing,
    struct err *err)
{
	struct meeting_ics *mi;
	char *norm = NULL;
	int rc;

	*timing = false;
	if (in->title)
		snprintf(m->title, sizeof(m->title), "%s", in->title);
	if (in->description)
		snprintf(m->description, sizeof(m->description), "%s",
		    in->description);
	if (in->location)
		snprintf(m->location, sizeof(m->location), "%s", in->location);
	if (in->video_url && in->video_url[0])
		snprintf(m->video_url, sizeof(m->video_url), "%s",
		    in->video_url);
	if (in->title && (strlen(in->title) >= sizeof(m->title) ||
	    !text_is_clean(in->title, sizeof(m->title) - 1, false)))
		return err_set_field(err, ERR_INVALID, "title", "title must "
		    "be 1 to 200 characters of text without control "
		    "characters");
	if (in->description && strlen(in->description) >= TEXT_MAX_LEN)
		return err_set_field(err, ERR_INVALID, "description",
		    "description must be at most %d bytes of text",
		    TEXT_MAX_LEN);
	if (in->description && !text_ok(in->description, TEXT_MAX_LEN, true))
		return err_set_field(err, ERR_INVALID, "description",
		    "description must be UTF-8 text without control characters "
		    "(U+0080..U+009F, NEL U+0085 among them): write a new "
		    "line as \\n");
	if (in->location && (strlen(in->location) >= sizeof(m->location) ||
	    !text_ok(in->location, sizeof(m->location) - 1, false)))
		return err_set_field(err, ERR_INVALID, "location", "location "
		    "must be at most 500 bytes of text on one line");
	if (in->video_url && strlen(in->video_url) >= sizeof(m->video_url))
		return err_set_field(err, ERR_INVALID, "video_url",
		    "video_url is too long");
	if (in->start) {
		struct ics_local l;

		if (ics_local_parse(in->start, &l) < 0)
			return err_set_field(err, ERR_INVALID, "start",
			    "start must be a local time YYYY-MM-DDTHH:MM");
		*timing |= strcmp(m->start_local, in->start) != 0;
		snprintf(m->start_local, sizeof(m->start_local), "%s",
		    in->start);
	}
	if (in->timezone) {
		if (strlen(in->timezone) >= sizeof(m->timezone) ||
		    !ics_zone_exists(in->timezone))
			return err_set_field(err, ERR_INVALID, "timezone",
			    "unknown time zone '%.60s': use an IANA name such "
			    "as America/Chicago", in->timezone);
		*timing |= strcmp(m->timezone, in->timezone) != 0;
		snprintf(m->timezone, sizeof(m->timezone), "%s", in->timezone);
	}
	if (in->duration_minutes != -1) {
		if (in->duration_minutes < 1 ||
		    in->duration_minutes > ICS_DURATION_MAX)
			return err_set_field(err, ERR_INVALID,
			    "duration_minutes", "duration_minutes must be "
			    "from 1 to %d", ICS_DURATION_MAX);
		*timing |= m->duration_minutes != in->duration_minutes;
		m->duration_minutes = (int)in->duration_minutes;
	}
	if (in->rrule || in->rrule_null) {
		const char *r = in->rrule_null ? "" : in->rrule;

		if (strlen(r) >= sizeof(m->rrule))
			return err_set_field(err, ERR_INVALID, "rrule",
			    "rrule is too long");
		*timing |= strcmp(m->rrule, r) != 0;
		snprintf(m->rrule, sizeof(m->rrule), "%s", r);
	}
	if (*timing) {
		/* Overrides name occurrences of the old rule: they no longer
		 * mean anything once the series moves. */
		m->n_occ = 0;
	}
	mi = xmalloc(sizeof(*mi));
	meeting_to_ics(m, c, cfg, mi);
	rc = ics_event_validate(&mi->ev, err);
	if (rc == 0 && m->rrule[0]) {
		rc = ics_rrule_normalize(&mi->ev, &norm, err);
		if (rc == 0 && norm) {
			if (strlen(norm) >= sizeof(m->rrule))
				rc = err_set_field(err, ERR_INVALID, "rrule",
				    "rrule is too long");
			else
				snprintf(m->rrule, sizeof(m->rrule), "%s",
				    norm);
		}
		free(norm);
	}
	free(mi);
	return rc;
}

/* A video room nobody can guess: the club's slug and 80 random bits. */
static void
make_video_url(const struct config *cfg, const struct club *c, char *out,
    size_t size)
{
	char room[96], rnd[17];
	const char *t = cfg->video_url_template, *at;
	struct buf b;

	rand_base32(rnd, 16);
	snprintf(room, sizeof(room), "%s-%s", c->slug, rnd);
	buf_init(&b);
	at = strstr(t, "{room}");
	if (at) {
		buf_add(&b, t, (size_t)(at - t));
		buf_adds(&b, room);
		buf_adds(&b, at + 6);
	} else {
		buf_addf(&b, "%s%s%s", t, t[0] && t[strlen(t) - 1] == '/' ?
		    "" : "/", room);
	}
	snprintf(out, size, "%s", b.data);
	buf_release(&b);
}

static void
make_uid(const struct config *cfg, char *out, size_t size)
{
	const char *at = strchr(cfg->mail_from, '@');
	char *rnd = rand_token(130);

	snprintf(out, size, "%s@%s", rnd, at ? at + 1 : "clubmatch");
	free(rnd);
}

static int
active_club(struct store *st, int64_t id, struct club *c, struct err *err)
{
	if (store_club_get(st, id, c, err) < 0)
		return -1;
	if (!c->active)
		return err_set(err, ERR_NOT_FOUND, "club %lld was deleted",
		    (long long)id);
	return 0;
}

/* ==== reads ============================================================= */
int
meeting_get(struct store *st, int64_t id, struct meeting *m, struct club *c,
    struct err *err)
{
	if (store_meeting_get(st, id, m, err) < 0)
		return -1;
	return c ? store_club_get(st, m->club_id, c, err) : 0;
}

int
meeting_list(struct store *st, int64_t club_id, struct club *c,
    int (*fn)(const struct meeting *m, void *arg), void *arg,
    struct err *err)
{
	struct club mine;

	/* c may be NULL: the club is then only checked to exist. */
	if (store_club_get(st, club_id, c ? c : &mine, err) < 0)
		return -1;
	return store_meeting_each(st, club_id, true, fn, arg, err);
}

/* ==== changes =========================================================== */
int
meeting_create(const struct config *cfg, struct store *st, int64_t club_id,
    const struct meeting_input *in, struct meeting *out, struct err *err)
{
	struct meeting *m = xcalloc(1, sizeof(*m));
	struct outbox_key k;
	struct club c;
	bool timing;
	time_t next;

	if (active_club(st, club_id, &c, err) < 0)
		goto out_free;
	if (in->title == NULL) {
		err_set_field(err, ERR_INVALID, "title", "title is required");
		goto out_free;
	}
	if (in->start == NULL) {
		err_set_field(err, ERR_INVALID, "start", "start is required "
		    "(local time YYYY-MM-DDTHH:MM)");
		goto out_free;
	}
	if (in->duration_minutes == -1) {
		err_set_field(err, ERR_INVALID, "duration_minutes",
		    "duration_minutes is required");
		goto out_free;
	}
	m->club_id = club_id;
	snprintf(m->timezone, sizeof(m->timezone), "%s", c.place.timezone);
	make_uid(cfg, m->uid, sizeof(m->uid));
	if (in->video_url == NULL || in->video_url[0] == '\0')
		make_video_url(cfg, &c, m->video_url, sizeof(m->video_url));
	if (meeting_apply(m, &c, cfg, in, &timing, err) < 0)
		goto out_free;
	m->created_at = m->updated_at = time(NULL);
	if (store_begin(st, err) < 0)
		goto out_free;
	if (store_meeting_insert(st, m, err) < 0)
		goto out_rollback;
	/* Only meetings still to come are worth an invitation. */
	if (meeting_next(m, &c, cfg, time(NULL), &next, 1) == 1) {
		k = (struct outbox_key){ m->id, m->sequence, "REQUEST", "",
		    0 };
		if (store_outbox_queue_meeting(st, &k, club_id, true, NULL,
		    err) < 0)
			goto out_rollback;
	}
	if (store_commit(st, err) < 0)
		goto out_rollback;
	*out = *m;
	free(m);
	return 0;
out_rollback:
	store_rollback(st);
out_free:
	free(m);
	return -1;
}

/* Opens the write transaction of a change and loads meeting id and its
 * club in it, so that concurrent changes of one meeting serialise and
 * each gets its own SEQUENCE.  ERR_CONFLICT when the series is
 * cancelled.  On failure the transaction is rolled back; on success the
 * caller ends it (save_and_queue() commits, store_rollback() aborts). */
static int
load_for_change(struct store *st, int64_t id, struct meeting *m,
    struct club *c, struct err *err)
{
	if (store_begin(st, err) < 0)
		return -1;
	if (store_meeting_get(st, id, m, err) < 0 ||
	    store_club_get(st, m->club_id, c, err) < 0)
		goto out_rollback;
	if (m->cancelled) {
		err_set(err, ERR_CONFLICT, "meeting %lld is cancelled",
		    (long long)id);
		goto out_rollback;
	}
	return 0;
out_rollback:
	store_rollback(st);
	return -1;
}

/* Writes m (sequence already bumped) and queues k, commits the
 * transaction load_for_change() opened, and then copies m to *out. */
static int
save_and_queue(struct store *st, struct meeting *m, bool write_occ,
    const struct outbox_key *k, bool invite_new, const char *supersede,
    const struct meeting_occ *occ, struct meeting *out, struct err *err)
{
	size_t i;

	if (store_meeting_update(st, m, err) < 0)
		goto out_rollback;
	if (write_occ) {
		if (store_occ_clear(st, m->id, err) < 0)
			goto out_rollback;
		for (i = 0; i < m->n_occ; i++)
			if (store_occ_put(st, m->id, &m->occ[i], err) < 0)
				goto out_rollback;
	}
	if (occ && store_occ_put(st, m->id, occ, err) < 0)
		goto out_rollback;
	if (k && store_outbox_queue_meeting(st, k, m->club_id, invite_new,
	    supersede, err) < 0)
		goto out_rollback;
	if (store_commit(st, err) < 0)
		return -1;
	*out = *m;
	return 0;
out_rollback:
	store_rollback(st);
	return -1;
}

int
meeting_update(const struct config *cfg, struct store *st, int64_t id,
    const struct meeting_input *in, struct meeting *out, struct err *err)
{
	struct meeting *m = xmalloc(sizeof(*m)), *old = xmalloc(sizeof(*m));
	struct outbox_key k;
	struct club c;
	bool timing, changed;
	time_t next;
	int rc = -1;

	if (load_for_change(st, id, m, &c, err) < 0)
		goto out_free;
	*old = *m;
	if (meeting_apply(m, &c, cfg, in, &timing, err) < 0)
		goto out_free;
	changed = timing || strcmp(old->title, m->title) != 0 ||
	    strcmp(old->description, m->description) != 0 ||
	    strcmp(old->location, m->location) != 0 ||
	    strcmp(old->video_url, m->video_url) != 0;
	if (!changed) {
		*out = *old;
		rc = 0;
		goto out_free;
	}
	m->sequence++;
	m->updated_at = time(NULL);
	/* Edits within UPDATE_WINDOW go out as one update: each new one
	 * supersedes the pending one (docs/email.md, "Updates"). */
	k = (struct outbox_key){ m->id, m->sequence, "REQUEST", "",
	    m->updated_at + (time_t)(UPDATE_WINDOW * cfg->retry_scale + 0.5) };
	rc = save_and_queue(st, m, timing, meeting_next(m, &c, cfg,
	    time(NULL), &next, 1) == 1 ? &k : NULL, true,
	    timing ? "*" : "", NULL, out, err);
out_free:
	store_rollback(st);	/* a no-op after a commit */
	free(old);
	free(m);
	return rc;
}

int
meeting_cancel(struct store *st, int64_t id,
    struct meeting *out, struct err *err)
{
	struct meeting *m = xmalloc(sizeof(*m));
	struct outbox_key k;
	struct club c;
	int rc = -1;

	if (load_for_change(st, id, m, &c, err) < 0)
		goto out_free;
	m->sequence++;
	m->cancelled = true;
	m->updated_at = time(NULL);
	k = (struct outbox_key){ m->id, m->sequence, "CANCEL", "", 0 };
	rc = save_and_queue(st, m, false, &k, false, "*", NULL, out, err);
out_free:
	store_rollback(st);	/* a no-op after a commit */
	free(m);
	return rc;
}

int
meeting_occurrence_change(const struct config *cfg,
    struct store *st, int64_t id,
    const char *date, const char *start, int64_t duration_minutes,
    struct meeting *out, struct err *err)
{
	struct meeting *m = xmalloc(sizeof(*m));
	struct meeting_ics *mi = xmalloc(sizeof(*mi));
	struct meeting_occ occ;
	struct ics_local orig;
	struct outbox_key k;
	struct club c;
	size_t i;
	int rc = -1;

	if (load_for_change(st, id, m, &c, err) < 0)
		goto out_free;
	if (m->rrule[0] == '\0') {
		err_set_field(err, ERR_INVALID, "date", "meeting %lld is not "
		    "recurring: change or cancel the meeting itself",
		    (long long)id);
		goto out_free;
	}
	meeting_to_ics(m, &c, cfg, mi);
	if (ics_occurrence_on(&mi->ev, date, &orig, err) < 0)
		goto out_free;
	memset(&occ, 0, sizeof(occ));
	snprintf(occ.date, sizeof(occ.date), "%s", date);
	ics_local_format(&orig, occ.original_local);
	occ.cancelled = start == NULL;
	snprintf(occ.start_local, sizeof(occ.start_local), "%s",
	    start ? start : occ.original_local);
	occ.duration_minutes = duration_minutes > 0 ?
	    (int)duration_minutes : m->duration_minutes;
	if (start && ics_local_parse(start, &orig) < 0) {
		err_set_field(err, ERR_INVALID, "start", "start must be a "
		    "local time YYYY-MM-DDTHH:MM");
		goto out_free;
	}
	if (duration_minutes != -1 && (duration_minutes < 1 ||
	    duration_minutes > ICS_DURATION_MAX)) {
		err_set_field(err, ERR_INVALID, "duration_minutes",
		    "duration_minutes must be from 1 to %d",
		    ICS_DURATION_MAX);
		goto out_free;
	}
	m->sequence++;
	m->updated_at = time(NULL);
	occ.sequence = m->sequence;
	/* Replace an earlier change of the same occurrence. */
	for (i = 0; i < m->n_occ; i++)
		if (strcmp(m->occ[i].date, date) == 0)
			break;
	if (i < m->n_occ && occ.cancelled && m->occ[i].cancelled) {
		/* Cancelling it again changes nothing and sends nothing. */
		m->sequence--;
		*out = *m;
		rc = 0;
		goto out_free;
	}
	if (i == m->n_occ && m->n_occ == MEETING_MAX_OCC) {
		err_set_field(err, ERR_INVALID, "date", "a series can have at "
		    "most %d changed occurrences: change the series instead",
		    MEETING_MAX_OCC);
		goto out_free;
	}
	m->occ[i] = occ;
	if (i == m->n_occ)
		m->n_occ++;
	meeting_to_ics(m, &c, cfg, mi);
	if (ics_event_validate(&mi->ev, err) < 0)
		goto out_free;
	k = (struct outbox_key){ m->id, m->sequence,
	    occ.cancelled ? "CANCEL" : "REQUEST", occ.date, 0 };
	rc = save_and_queue(st, m, false, &k, false, occ.date, &occ, out,
	    err);
out_free:
	store_rollback(st);	/* a no-op after a commit */
	free(mi);
	free(m);
	return rc;
}

/* ==== the rule in words ================================================= */
static const char *
day_name(const char *code)
{
	static const char *const codes[] = { "MO", "TU", "WE", "TH", "FR",
		"SA", "SU" };
	static const char *const names[] = { "Monday", "Tuesday", "Wednesday",
		"Thursday", "Friday", "Saturday", "Sunday" };
	int i;

	for (i = 0; i < 7; i++)
		if (strncmp(code, codes[i], 2) == 0)
			return names[i];
	return NULL;
}

static const char *
ordinal(int n)
{
	static const char *const names[] = { "last", "1st", "2nd", "3rd",
		"4th", "5th" };

	return n == -1 ? names[0] : n >= 1 && n <= 5 ? names[n] : NULL;
}

/* The value of part (e.g. "BYDAY=") in rule, copied into out. */
static bool
rule_part(const char *rule, const char *part, char *out, size_t size)
{
	const char *p = strstr(rule, part);
	size_t n;

	if (p == NULL || (p != rule && p[-1] != ';'))
		return false;
	p += strlen(part);
	n = strcspn(p, ";");
	snprintf(out, size, "%.*s", (int)n, p);
	return true;
}

void
meeting_recurrence_text(const char *rrule, const char *start_local,
    char *out, size_t size)
{
	char freq[16] = "", byday[64] = "", interval[8] = "", bymd[8] = "";
	const char *name;
	int n = 0;

	(void)start_local;
	out[0] = '\0';
	if (rrule == NULL || !rule_part(rrule, "FREQ=", freq, sizeof(freq)))
		return;
	rule_part(rrule, "BYDAY=", byday, sizeof(byday));
	rule_part(rrule, "INTERVAL=", interval, sizeof(interval));
	rule_part(rrule, "BYMONTHDAY=", bymd, sizeof(bymd));
	if (interval[0] && strcmp(interval, "1") != 0) {
		snprintf(out, size, "every %s %s", interval,
		    strcmp(freq, "DAILY") == 0 ? "days" :
		    strcmp(freq, "WEEKLY") == 0 ? "weeks" :
		    strcmp(freq, "MONTHLY") == 0 ? "months" : "years");
		return;
	}
	if (strcmp(freq, "DAILY") == 0) {
		snprintf(out, size, "every day");
	} else if (strcmp(freq, "WEEKLY") == 0) {
		name = day_name(byday);
		if (name && strlen(byday) == 2)
			snprintf(out, size, "every %s", name);
		else
			snprintf(out, size, "every week");
	} else if (strcmp(freq, "MONTHLY") == 0) {
		if (byday[0] && sscanf(byday, "%d", &n) == 1 && ordinal(n)) {
			const char *d = byday + strspn(byday, "+-0123456789");

			name = day_name(d);
			if (name && strlen(d) == 2) {
				snprintf(out, size, "every %s %s of the month",
				    ordinal(n), name);
				return;
			}
		}
		if (bymd[0])
			snprintf(out, size, "monthly on day %s", bymd);
		else
			snprintf(out, size, "every month");
	} else if (strcmp(freq, "YEARLY") == 0) {
		snprintf(out, size, "every year");
	}
}
