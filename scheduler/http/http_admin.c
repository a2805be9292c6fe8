/*
 * http_admin.c - the organizer's console (docs/admin.md, CONTRACT §13):
 * GET /api/v1/stats, the members as CSV, and the /admin page's files
 * embedded at build time (web/assets.S).
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"
#include "member.h"
#include "stats.h"
#include "text.h"

extern const char web_admin_html_start[], web_admin_html_end[];
extern const char web_admin_js_start[], web_admin_js_end[];
extern const char web_admin_css_start[], web_admin_css_end[];

/* ==== GET /api/v1/stats ================================================= */
static void
h_stats(struct request *rq, struct response *rs)
{
	struct stats s;
	struct err err;

	err_clear(&err);
	if (stats_read(rq->store, time(NULL), &s, &err) < 0) {
		http_reply_err(rs, &err);
		return;
	}
	http_reply_json(rs, 200, json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I},"
	    " s:{s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I},"
	    " s:{s:I, s:I, s:I, s:I}, s:I}",
	    "members", "local", (json_int_t)s.members.local,
	    "remote", (json_int_t)s.members.remote,
	    "unassigned", (json_int_t)s.members.unassigned,
	    "removed", (json_int_t)s.members.removed,
	    "do_not_contact", (json_int_t)s.members.do_not_contact,
	    "bouncing", (json_int_t)s.members.bouncing,
	    "clubs", "active", (json_int_t)s.clubs.active,
	    "accepts_remote", (json_int_t)s.clubs.accepts_remote,
	    "contacts", "open", (json_int_t)s.contacts.open,
	    "overdue", (json_int_t)s.contacts.overdue,
	    "done", (json_int_t)s.contacts.done,
	    "invitations", "sent", (json_int_t)s.invitations.sent,
	    "failed", (json_int_t)s.invitations.failed,
	    "pending", (json_int_t)s.invitations.pending,
	    "answers", "accepted", (json_int_t)s.answers.accepted,
	    "declined", (json_int_t)s.answers.declined,
	    "tentative", (json_int_t)s.answers.tentative,
	    "needs_action", (json_int_t)s.answers.needs_action,
	    "attended", (json_int_t)s.attended));
}

/* ==== the member filters ================================================= */
static const char *
one_of(const char *v, const char *const *names)
{
	for (; v && *names; names++)
		if (strcmp(v, *names) == 0)
			return *names;
	return NULL;
}

/* The filters of GET /api/v1/members (club_id, mode, status,
 * email_status) into *f; false after a 400 naming the bad one. */
static bool
member_filter(struct request *rq, struct response *rs,
    struct member_filter *f)
{
	static const char *const statuses[] = { "active", "do_not_contact",
		"removed", NULL };
	static const char *const email_statuses[] = { "ok", "bouncing",
		NULL };
	const char *club = http_query(rq, "club_id");
	const char *mode = http_query(rq, "mode");
	const char *status = http_query(rq, "status");
	const char *email_status = http_query(rq, "email_status");

	if (club && text_parse_int64(club, 1, INT64_MAX, &f->club_id) < 0) {
		http_reply_error(rs, 400, "bad_parameter", "club_id",
		    "club_id must be a club's id");
		return false;
	}
	if (mode && (f->mode = model_mode_parse(mode)) == MODE_NONE) {
		http_reply_error(rs, 400, "bad_parameter", "mode",
		    "mode must be local, remote or unassigned");
		return false;
	}
	if (status && (f->status = one_of(status, statuses)) == NULL) {
		http_reply_error(rs, 400, "bad_parameter", "status",
		    "status must be active, do_not_contact or removed");
		return false;
	}
	if (email_status && (f->email_status = one_of(email_status,
	    email_statuses)) == NULL) {
		http_reply_error(rs, 400, "bad_parameter", "email_status",
		    "email_status must be ok or bouncing");
		return false;
	}
	return true;
}

/* ==== GET /api/v1/members.csv =========================================== */
static const char *const CSV_COLUMNS[] = { "id", "name", "email", "zip",
	"city", "state", "phone", "preferred_channel", "status",
	"removed_reason", "email_status", "phone_status", "mode", "club_id",
	"club_name", "distance_miles", "reason", NULL };

static int
add_csv_member(const struct member *m, void *arg)
{
	struct buf *b = arg;
	const struct assignment *a = &m->assignment;
	char id[24], club[24] = "", dist[32] = "";

	snprintf(id, sizeof(id), "%lld", (long long)m->id);
	if (a->club_id > 0)
		snprintf(club, sizeof(club), "%lld", (long long)a->club_id);
	if (a->club_id > 0 && a->distance_miles >= 0)
		snprintf(dist, sizeof(dist), "%.1f", a->distance_miles);
	http_csv_field(b, id, false);
	http_csv_field(b, m->name, false);
	http_csv_field(b, m->email, false);
	http_csv_field(b, m->place.zip, false);
	http_csv_field(b, m->place.city, false);
	http_csv_field(b, m->place.state, false);
	http_csv_field(b, m->phone, false);
	http_csv_field(b, m->preferred_channel, false);
	http_csv_field(b, m->status, false);
	http_csv_field(b, m->removed_reason, false);
	http_csv_field(b, m->email_status, false);
	http_csv_field(b, m->phone_status, false);
	http_csv_field(b, model_mode_name(a->mode), false);
	http_csv_field(b, club, false);
	http_csv_field(b, a->club_id > 0 ? a->club_name : "", false);
	http_csv_field(b, dist, false);
	http_csv_field(b, a->reason, true);
	return 0;
}

/* Every member the filters select (the same as GET /api/v1/members),
 * one CSV row each, formula-safe (CONTRACT §9). */
static void
h_members_csv(struct request *rq, struct response *rs)
{
	struct member_filter f;
	struct buf b;
	struct err err;
	char *body;
	size_t len;
	int i;

	memset(&f, 0, sizeof(f));
	if (!member_filter(rq, rs, &f))
		return;
	buf_init(&b);
	for (i = 0; CSV_COLUMNS[i]; i++)
		http_csv_field(&b, CSV_COLUMNS[i], CSV_COLUMNS[i + 1] == NULL);
	err_clear(&err);
	if (member_list(rq->store, &f, add_csv_member, &b, &err) < 0) {
		buf_release(&b);
		http_reply_err(rs, &err);
		return;
	}
	body = buf_take(&b, &len);
	http_add_header(rs, "Content-Disposition",
	    "attachment; filename=\"members.csv\"");
	http_reply_take(rs, 200, "text/csv; charset=utf-8", body, len);
}

/* ==== the map ============================================================ */
/* GET /api/v1/map.svg[?lines=1]: drawn by the service from the embedded
 * state outlines; the console inlines it (docs/admin.md, "The map"). */
static void
h_map(struct request *rq, struct response *rs)
{
	const char *lines = http_query(rq, "lines");
	struct buf b;
	struct err err;
	char *body;
	size_t len;

	if (lines && strcmp(lines, "0") != 0 && strcmp(lines, "1") != 0) {
		http_reply_error(rs, 400, "bad_parameter", "lines",
		    "lines must be 0 or 1");
		return;
	}
	buf_init(&b);
	err_clear(&err);
	if (stats_map_svg(rq->svc, rq->store, lines && lines[0] == '1', &b,
	    &err) < 0) {
		buf_release(&b);
		http_reply_err(rs, &err);
		return;
	}
	body = buf_take(&b, &len);
	http_add_header(rs, "Content-Security-Policy", "default-src 'none'");
	http_reply_take(rs, 200, "image/svg+xml; charset=utf-8", body, len);
}

/* ==== the page ========================================================== */
static void
h_page(struct request *rq, struct response *rs)
{
	(void)rq;
	http_web_file(rs, web_admin_html_start, web_admin_html_end,
	    "text/html; charset=utf-8");
}

static void
h_js(struct request *rq, struct response *rs)
{
	(void)rq;
	http_web_file(rs, web_admin_js_start, web_admin_js_end,
	    "text/javascript; charset=utf-8");
}

static void
h_css(struct request *rq, struct response *rs)
{
	(void)rq;
	http_web_file(rs, web_admin_css_start, web_admin_css_end,
	    "text/css; charset=utf-8");
}

const struct route http_admin_routes[] = {
	{ "GET", "/api/v1/stats", ACCESS_ADMIN, h_stats },
	{ "GET", "/api/v1/members.csv", ACCESS_ADMIN, h_members_csv },
	{ "GET", "/api/v1/map.svg", ACCESS_ADMIN, h_map },
	{ "GET", "/admin", ACCESS_PUBLIC, h_page },
	{ "GET", "/admin/", ACCESS_PUBLIC, h_page },
	{ "GET", "/admin/admin.js", ACCESS_PUBLIC, h_js },
	{ "GET", "/admin/admin.css", ACCESS_PUBLIC, h_css },
};
const size_t http_admin_nroutes = sizeof(http_admin_routes) /
    sizeof(http_admin_routes[0]);
