/*
 * join.c - joining by oneself and the member's own page
 * (docs/joining.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "invite.h"
#include "join.h"
#include "meeting.h"
#include "outreach.h"
#include "text.h"
#include "token.h"
#include "xalloc.h"

static void
join_copy(struct join *j, const struct member_input *in)
{
	snprintf(j->email, sizeof(j->email), "%s", in->email);
	snprintf(j->name, sizeof(j->name), "%s", in->name);
	snprintf(j->zip, sizeof(j->zip), "%s", in->zip ? in->zip : "");
	snprintf(j->state, sizeof(j->state), "%s", in->state && !in->zip ?
	    in->state : "");
	snprintf(j->phone, sizeof(j->phone), "%s", in->phone ? in->phone :
	    "");
	snprintf(j->preferred_channel, sizeof(j->preferred_channel), "%s",
	    in->preferred_channel ? in->preferred_channel : "");
}

/* The mail of a sign-up: a confirmation, or, for a member, their page.
 * Someone who left is asked to confirm as a new address is: joining
 * again is joining (docs/joining.md, "Joining again"). */
static int
join_queue(struct store *st, const struct join *j, struct err *err)
{
	struct outbox_new n;
	struct member m;
	struct err miss;
	char dedup[80];
	int rc;

	memset(&n, 0, sizeof(n));
	n.ref_id = j->id;
	n.to = j->email;
	n.send_before = j->expires_at;
	err_clear(&miss);
	rc = store_member_by_email(st, j->email, &m, &miss);
	if (rc < 0 && miss.code != ERR_NOT_FOUND) {
		*err = miss;
		return -1;
	}
	if (rc == 0 && !member_can_rejoin(&m)) {
		n.kind = KIND_MEMBER_LINK;
		n.member_id = m.id;
		snprintf(dedup, sizeof(dedup), "mlink:%lld:%lld",
		    (long long)m.id, (long long)j->id);
	} else {
		n.kind = KIND_JOIN_CONFIRM;
		snprintf(dedup, sizeof(dedup), "join:%lld", (long long)j->id);
	}
	n.dedup = dedup;
	return store_outbox_queue(st, &n, err) < 0 ? -1 : 0;
}

int
join_start(struct service *svc, struct store *st,
    const struct member_input *in, struct err *err)
{
	struct join j;
	char token[TOKEN_MAX], hash[65];
	time_t now = time(NULL);
	int64_t pending;

	if (member_check(svc, in, err) < 0)
		return -1;
	memset(&j, 0, sizeof(j));
	join_copy(&j, in);
	j.created_at = now;
	j.expires_at = now + JOIN_VALID_SECONDS;
	if (store_begin(st, err) < 0)
		return -1;
	pending = store_join_pending(st, j.email, now - JOIN_VALID_SECONDS,
	    err);
	if (pending < 0)
		goto out_rollback;
	if (pending >= JOIN_MAX_PENDING) {
		/* The same answer, and no more mail to that inbox. */
		store_rollback(st);
		return 0;
	}
	if (store_join_insert(st, &j, err) < 0)
		goto out_rollback;
	token_link(svc, "join", j.id, token, sizeof(token));
	hash_sha256_hex(token, hash);
	if (store_join_set_hash(st, j.id, hash, err) < 0 ||
	    join_queue(st, &j, err) < 0 || store_commit(st, err) < 0)
		goto out_rollback;
	return 0;
out_rollback:
	store_rollback(st);
	return -1;
}

int
join_lookup(struct service *svc, struct store *st, const char *token,
    struct join *out, bool *used, struct err *err)
{
	int64_t id = token_link_id(svc, "join", token);
	struct join j;
	char hash[65];

	if (id < 0)
		return err_set(err, ERR_NOT_FOUND, "no such sign-up");
	if (store_join_get(st, id, &j, err) < 0)
		return -1;
	hash_sha256_hex(token, hash);
	if (!hash_equal_consttime(hash, j.token_hash) ||
	    time(NULL) >= j.expires_at)
		return err_set(err, ERR_NOT_FOUND, "no such sign-up");
	*used = j.used_at != 0;
	*out = j;
	return 0;
}

/* The member of a confirmed sign-up: a new one, or the row of the one
 * who left with this address, active again. */
static int
confirm_member(struct service *svc, struct store *st, const struct join *j,
    const struct member_input *in, struct member *out, struct err *err)
{
	struct member old;
	struct err miss;

	err_clear(&miss);
	if (store_member_by_email(st, j->email, &old, &miss) == 0) {
		if (member_can_rejoin(&old))
			return member_rejoin_in(svc, st, &old, in, j->id, out,
			    err);
	} else if (miss.code != ERR_NOT_FOUND) {
		*err = miss;
		return -1;
	}
	/* A member meanwhile: the address is taken (ERR_CONFLICT). */
	return member_create_in(svc, st, in, true, out, err);
}

int
join_confirm(struct service *svc, struct store *st, const char *token,
    struct member *out, struct err *err)
{
	struct member_input in;
	struct join j;
	bool used;
	int rc;

	if (join_lookup(svc, st, token, &j, &used, err) < 0)
		return -1;
	if (used)
		return err_set(err, ERR_NOT_FOUND, "this sign-up was "
		    "confirmed already");
	member_input_init(&in);
	in.name = j.name;
	in.email = j.email;
	in.zip = j.zip[0] ? j.zip : NULL;
	in.state = j.state[0] ? j.state : NULL;
	in.phone = j.phone;
	in.preferred_channel = j.preferred_channel;
	if (store_begin(st, err) < 0)
		return -1;
	/* Marked first: of two confirmations at once, one creates. */
	rc = store_join_use(st, j.id, 0, time(NULL), err);
	if (rc == 0)
		err_set(err, ERR_NOT_FOUND, "this sign-up was confirmed "
		    "already");
	if (rc <= 0 || confirm_member(svc, st, &j, &in, out, err) < 0 ||
	    store_join_set_member(st, j.id, out->id, err) < 0 ||
	    store_commit(st, err) < 0) {
		service_rollback(svc, st);
		return -1;
	}
	return 0;
}

/* ==== the member's page ================================================= */
int
join_member(struct service *svc, struct store *st, const char *token,
    struct member *out, struct err *err)
{
	int64_t id = token_link_id(svc, "member", token);

	if (id < 0)
		return err_set(err, ERR_NOT_FOUND, "no such member page");
	return store_member_get(st, id, out, err);
}

struct meetings_walk {
	struct service *svc;
	struct store *st;
	const struct member *mem;
	const struct club *c;
	int (*fn)(const struct join_meeting *jm, void *arg);
	void *arg;
	struct err *err;
};

static int
meeting_one(const struct meeting *m, void *arg)
{
	struct meetings_walk *w = arg;
	struct join_meeting jm;
	struct invitation inv;
	struct err miss;

	if (m->cancelled)
		return 0;
	memset(&jm, 0, sizeof(jm));
	jm.m = m;
	jm.n_next = (size_t)meeting_next(m, w->c, service_config(w->svc),
	    time(NULL), jm.next, 3);
	if (jm.n_next == 0)
		return 0;
	err_clear(&miss);
	if (store_invitation_by_uid(w->st, w->mem->id, m->uid, &inv,
	    &miss) == 0 && !inv.removed)
		jm.inv = &inv;
	else if (miss.code != ERR_OK && miss.code != ERR_NOT_FOUND) {
		*w->err = miss;
		return -1;
	}
	return w->fn(&jm, w->arg);
}

int
join_member_meetings(struct service *svc, struct store *st,
    const struct member *mem, const struct club *c,
    int (*fn)(const struct join_meeting *jm, void *arg), void *arg,
    struct err *err)
{
	struct meetings_walk w = { svc, st, mem, c, fn, arg, err };

	return meeting_list(st, c->id, NULL, meeting_one, &w, err);
}

int
join_member_rsvp(struct service *svc, struct store *st,
    const struct member *mem, int64_t inv_id, const char *answer,
    struct err *err)
{
	struct invitation inv;
	struct rsvp_view *v;
	char token[TOKEN_MAX];
	struct rsvp_ask q;
	int rc;

	if (store_invitation_get(st, inv_id, &inv, err) < 0)
		return -1;
	if (inv.member_id != mem->id)
		return err_set(err, ERR_NOT_FOUND, "no such invitation");
	token_link(svc, "rsvp", inv_id, token, sizeof(token));
	q.token = token;
	q.answer = answer;
	q.date = NULL;
	q.record = true;
	v = xmalloc(sizeof(*v));
	rc = invite_rsvp(svc, st, &q, v, err);
	free(v);
	return rc;
}

int
join_member_move(struct service *svc, struct store *st,
    const struct member *mem, const char *zip, const char *state,
    struct member *out, struct err *err)
{
	struct member_input in;

	member_input_init(&in);
	if (!text_is_blank(zip))
		in.zip = zip;
	else if (!text_is_blank(state))
		in.state = state;
	else
		return err_set_field(err, ERR_INVALID, "zip",
		    "zip or state is required");
	return member_update(svc, st, mem->id, &in, out, err);
}

int
join_member_leave(struct service *svc, struct store *st,
    const struct member *mem, struct err *err)
{
	return outreach_remove(svc, st, mem->id, "left", err);
}
