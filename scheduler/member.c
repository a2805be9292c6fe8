/*
 * member.c - members (docs/api.md, "Members").
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "geo_db.h"
#include "invite.h"
#include "member.h"
#include "outreach.h"
#include "store.h"
#include "text.h"
#include "token.h"

void
member_input_init(struct member_input *in)
{
	memset(in, 0, sizeof(*in));
}

/* A state-only member: the state's code and time zone. */
static int
apply_state(struct service *svc, const char *state, struct member *m,
    struct err *err)
{
	const char *tz;
	char up[3];

	if (strlen(state) != 2)
		return err_set_field(err, ERR_INVALID, "state",
		    "state must be a 2-letter US state code");
	up[0] = (char)toupper((unsigned char)state[0]);
	up[1] = (char)toupper((unsigned char)state[1]);
	up[2] = '\0';
	if (!geo_state_is_valid(up))
		return err_set_field(err, ERR_INVALID, "state",
		    "unknown US state code '%s'", state);
	memcpy(m->place.state, up, 3);
	tz = geo_state_timezone(service_geo(svc), up);
	snprintf(m->place.timezone, sizeof(m->place.timezone), "%s",
	    tz ? tz : "");
	return 0;
}

/*
 * A phone number in E.164 (docs/outreach.md, "Phone numbers"): a US
 * number of 10 digits (area code and exchange not starting with 0 or 1),
 * with or without the country code 1, becomes +1NXXNXXXXXX; a number
 * written with + keeps its 8 to 15 digits.  Spaces, dots, dashes and
 * parentheses are layout.  Hand-written, as libphonenumber is C++ and
 * the members are in the US.
 */
int
member_phone_normalize(const char *in, char *out, size_t size)
{
	char d[20];
	size_t n = 0;
	bool plus = false;
	const char *p;

	for (p = in; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n + 1 >= sizeof(d))
				return -1;
			d[n++] = *p;
		} else if (*p == '+' && n == 0 && !plus) {
			plus = true;
		} else if (!strchr(" -().", *p)) {
			return -1;
		}
	}
	d[n] = '\0';
	if (plus && d[0] != '1')
		return n >= 8 && n <= 15 && d[0] != '0' ?
		    (snprintf(out, size, "+%s", d), 0) : -1;
	if (n == 11 && d[0] == '1')
		memmove(d, d + 1, n--);
	if (n != 10 || d[0] < '2' || d[3] < '2')
		return -1;
	snprintf(out, size, "+1%s", d);
	return 0;
}

static int
apply_contact(const struct member_input *in, struct member *m,
    struct err *err)
{
	if (!text_is_blank(in->phone) && member_phone_normalize(in->phone,
	    m->phone, sizeof(m->phone)) < 0)
		return err_set_field(err, ERR_INVALID, "phone", "phone must "
		    "be a US number of 10 digits (e.g. 802-555-0142) or an "
		    "international one starting with +");
	if (!text_is_blank(in->preferred_channel)) {
		if (strcmp(in->preferred_channel, "email") != 0 &&
		    strcmp(in->preferred_channel, "phone") != 0 &&
		    strcmp(in->preferred_channel, "sms") != 0)
			return err_set_field(err, ERR_INVALID,
			    "preferred_channel", "preferred_channel must be "
			    "email, phone or sms");
		snprintf(m->preferred_channel, sizeof(m->preferred_channel),
		    "%s", in->preferred_channel);
	}
	return 0;
}

static int
member_validate(struct service *svc, const struct member_input *in,
    struct member *m, struct err *err)
{
	if (text_is_blank(in->name) || !text_is_clean(in->name, NAME_MAX_LEN, false))
		return err_set_field(err, ERR_INVALID, "name", "name must be "
		    "1 to %d bytes of UTF-8 text without control characters",
		    NAME_MAX_LEN);
	snprintf(m->name, sizeof(m->name), "%s", in->name);
	/* The mailer's own check: an address taken here is one the
	 * invitations can be sent to (docs/email.md). */
	if (text_is_blank(in->email) || !text_email_is_valid(in->email))
		return err_set_field(err, ERR_INVALID, "email",
		    "email must be a valid e-mail address");
	snprintf(m->email, sizeof(m->email), "%s", in->email);
	if (!text_is_blank(in->state) && apply_state(svc, in->state, m, err) < 0)
		return -1;
	if (!text_is_blank(in->zip)) {
		/* The ZIP decides the state: a contradicting state field
		 * would only mislead the matching. */
		if (service_zip_place(svc, in->zip, &m->place, err) < 0)
			return -1;
		m->place.county[0] = '\0';
	} else if (!m->place.state[0]) {
		return err_set_field(err, ERR_INVALID, "zip",
		    "zip or state is required");
	}
	return apply_contact(in, m, err);
}

int
member_check(struct service *svc, const struct member_input *in,
    struct err *err)
{
	struct member m;

	memset(&m, 0, sizeof(m));
	return member_validate(svc, in, &m, err);
}

int
member_create(struct service *svc, struct store *st,
    const struct member_input *in, bool match, struct member *out,
    struct err *err)
{
	if (store_begin(st, err) < 0)
		return -1;
	if (member_create_in(svc, st, in, match, out, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* m as a new member from in: active, reachable, nothing known of the
 * phone.  ERR_CONFLICT for an address removed as a prank, which is
 * recognised by its hash (docs/outreach.md, "Removal"). */
static int
member_fresh(struct service *svc, struct store *st,
    const struct member_input *in, struct member *m, struct err *err)
{
	char hash[65];

	memset(m, 0, sizeof(*m));
	m->assignment.distance_miles = -1;
	snprintf(m->status, sizeof(m->status), "active");
	snprintf(m->email_status, sizeof(m->email_status), "ok");
	snprintf(m->phone_status, sizeof(m->phone_status), "unknown");
	if (member_validate(svc, in, m, err) < 0)
		return -1;
	outreach_email_hash(m->email, hash);
	if (store_member_hash_known(st, hash))
		return err_set_field(err, ERR_CONFLICT, "email", "the address "
		    "'%s' was removed as a prank sign-up", m->email);
	return 0;
}

int
member_create_in(struct service *svc, struct store *st,
    const struct member_input *in, bool match, struct member *out,
    struct err *err)
{
	struct member m;

	if (member_fresh(svc, st, in, &m, err) < 0)
		return -1;
	if (match && assign_new_member(svc, st, &m, err) < 0)
		return -1;
	if (store_member_insert(st, &m, err) < 0)
		return -1;
	if (m.assignment.mode == MODE_REMOTE &&
	    invite_member_to_club(service_config(svc), st, m.id,
	    m.assignment.club_id, err) < 0)
		return -1;
	if (outreach_assigned(svc, st, &m, 0, in->batch, err) < 0)
		return -1;
	*out = m;
	return 0;
}

bool
member_can_rejoin(const struct member *m)
{
	return strcmp(m->status, "removed") == 0 &&
	    strcmp(m->removed_reason, "left") == 0;
}

int
member_rejoin_in(struct service *svc, struct store *st,
    const struct member *old, const struct member_input *in,
    int64_t join_id, struct member *out, struct err *err)
{
	int64_t id = old->id;
	struct member m;

	if (!member_can_rejoin(old))
		return err_set_field(err, ERR_CONFLICT, "email", "a member "
		    "with e-mail '%s' already exists", old->email);
	/* The sign-up's data replace the old, as for a new member; the
	 * row, and with it the member page and feed links, stays. */
	if (member_fresh(svc, st, in, &m, err) < 0)
		return -1;
	m.id = id;
	if (store_member_update(st, &m, err) < 0 ||
	    store_member_rejoin(st, id, err) < 0 ||
	    assign_new_member(svc, st, &m, err) < 0 ||
	    store_member_set_assignment(st, id, &m.assignment, err) < 0)
		return -1;
	if (m.assignment.mode == MODE_REMOTE &&
	    invite_member_to_club(service_config(svc), st, id,
	    m.assignment.club_id, err) < 0)
		return -1;
	if (outreach_rejoined(svc, st, &m, join_id, err) < 0)
		return -1;
	return store_member_get(st, id, out, err);
}

int
member_stored(struct service *svc, struct store *st,
    const struct member_input *in, int64_t *id, struct err *err)
{
	struct member m, old;
	struct err e;

	memset(&m, 0, sizeof(m));
	err_clear(&e);
	if (member_validate(svc, in, &m, &e) < 0)
		return 0;
	if (store_member_get_by_email(st, m.email, &old, &e) < 0) {
		if (e.code == ERR_NOT_FOUND)
			return 0;
		*err = e;
		return -1;
	}
	*id = old.id;
	return strcmp(old.name, m.name) == 0 &&
	    strcmp(old.place.zip, m.place.zip) == 0 &&
	    strcmp(old.place.state, m.place.state) == 0 &&
	    strcmp(old.phone, m.phone) == 0 &&
	    strcmp(old.preferred_channel, m.preferred_channel) == 0 ? 1 : 2;
}

int
member_get(struct store *st, int64_t id, struct member *out,
    struct err *err)
{
	return store_member_get(st, id, out, err);
}

int
member_list(struct store *st, const struct member_filter *f,
    int (*fn)(const struct member *m, void *arg), void *arg,
    struct err *err)
{
	return store_member_each(st, f, fn, arg, err);
}

int
member_match_all(struct service *svc, struct store *st,
    struct match_counts *counts,
    void (*progress)(size_t done, size_t total, void *arg), void *arg,
    struct err *err)
{
	if (store_begin(st, err) < 0)
		return -1;
	if (assign_unmatched(svc, st, counts, progress, arg, err) < 0 ||
	    store_commit(st, err) < 0) {
		service_rollback(svc, st);
		return -1;
	}
	return 0;
}

int
member_by_unsubscribe_link(struct service *svc, struct store *st,
    const char *token, bool unsubscribe, struct member *out,
    struct err *err)
{
	int64_t id = token_link_id(svc, "unsub", token);

	if (id < 0)
		return err_set(err, ERR_NOT_FOUND, "no such unsubscribe link");
	if (store_member_get(st, id, out, err) < 0)
		return -1;
	if (!unsubscribe)
		return 0;
	if (store_begin(st, err) < 0)
		return -1;
	if (store_member_unsubscribe(st, id, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	out->unsubscribed = true;
	return 0;
}

int
member_place(struct service *svc, const char *zip, const char *state,
    struct place *out, struct err *err)
{
	struct member m;

	memset(&m, 0, sizeof(m));
	if (!text_is_blank(state) && apply_state(svc, state, &m, err) < 0)
		return -1;
	if (!text_is_blank(zip)) {
		if (service_zip_place(svc, zip, &m.place, err) < 0)
			return -1;
		m.place.county[0] = '\0';
	} else if (!m.place.state[0]) {
		return err_set_field(err, ERR_INVALID, "zip",
		    "zip or state is required");
	}
	*out = m.place;
	return 0;
}

/* The changed fields of in over m; *moved when the place changed. */
static int
member_merge(struct service *svc, const struct member_input *in,
    struct member *m, bool *moved, struct err *err)
{
	struct member_input all;
	struct member next = *m;

	all = *in;
	if (all.name == NULL)
		all.name = m->name;
	if (all.email == NULL)
		all.email = m->email;
	if (all.phone == NULL)
		all.phone = m->phone;
	if (all.preferred_channel == NULL)
		all.preferred_channel = m->preferred_channel;
	*moved = in->zip != NULL || in->state != NULL;
	if (!*moved) {
		all.zip = m->place.zip;
		all.state = m->place.state;
	}
	next.phone[0] = next.preferred_channel[0] = '\0';
	memset(&next.place, 0, sizeof(next.place));
	if (member_validate(svc, &all, &next, err) < 0)
		return -1;
	*moved = *moved && (strcmp(next.place.zip, m->place.zip) != 0 ||
	    strcmp(next.place.state, m->place.state) != 0);
	*m = next;
	return 0;
}

int
member_update(struct service *svc, struct store *st, int64_t id,
    const struct member_input *in, struct member *out, struct err *err)
{
	struct member m;
	bool moved;

	if (store_begin(st, err) < 0)
		return -1;
	/* Read inside the transaction: two PATCHes cannot lose one. */
	if (store_member_get(st, id, &m, err) < 0)
		goto out_rollback;
	if (strcmp(m.status, "removed") == 0) {
		err_set(err, ERR_NOT_FOUND, "member %lld was removed",
		    (long long)id);
		goto out_rollback;
	}
	if (member_merge(svc, in, &m, &moved, err) < 0 ||
	    store_member_update(st, &m, err) < 0)
		goto out_rollback;
	if (moved && assign_rematch(svc, st, id, &m.place, err) < 0)
		goto out_rollback;
	if (store_member_get(st, id, out, err) < 0 ||
	    store_commit(st, err) < 0)
		goto out_rollback;
	return 0;
out_rollback:
	service_rollback(svc, st);
	return -1;
}
