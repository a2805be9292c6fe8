/*
 * stats.c - the organizer's overview (stats.h, docs/admin.md).
 */
#include <string.h>

#include "stats.h"
#include "store.h"

int
stats_read(struct store *st, time_t now, struct stats *out,
    struct err *err)
{
	struct store_stats r;

	memset(out, 0, sizeof(*out));
	if (store_stats_read(st, now, &r, err) < 0)
		return -1;
	out->members.local = r.members_local;
	out->members.remote = r.members_remote;
	out->members.unassigned = r.members_unassigned;
	out->members.removed = r.members_removed;
	out->members.do_not_contact = r.members_do_not_contact;
	out->members.bouncing = r.members_bouncing;
	out->clubs.active = r.clubs_active;
	out->clubs.accepts_remote = r.clubs_accepts_remote;
	out->contacts.open = r.contacts_open;
	out->contacts.overdue = r.contacts_overdue;
	out->contacts.done = r.contacts_done;
	/* store_outbox_counts(): pending, sending, sent, failed, dropped.
	 * A dropped mail was never meant to go. */
	out->invitations.pending = r.invitations[0] + r.invitations[1];
	out->invitations.sent = r.invitations[2];
	out->invitations.failed = r.invitations[3];
	out->answers.accepted = r.answers_accepted;
	out->answers.declined = r.answers_declined;
	out->answers.tentative = r.answers_tentative;
	out->answers.needs_action = r.answers_needs_action;
	out->attended = r.attended;
	return 0;
}
