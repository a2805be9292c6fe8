/*
 * metrics.c - the database's counts for GET /metrics (docs/operations.md,
 * "Metrics").
 */
#include <inttypes.h>
#include <time.h>

#include "metrics.h"
#include "stats.h"
#include "store.h"

static const char *const OUTBOX_STATUS[5] = { "pending", "sending", "sent",
	"failed", "dropped" };

static int
reply_kind(const char *kind, int64_t n, void *arg)
{
	buf_addf(arg, "clubmatch_replies_total{kind=\"%s\"} %" PRId64 "\n",
	    kind, n);
	return 0;
}

int
metrics_write(struct store *st, struct buf *out, struct err *err)
{
	int64_t c[5], sent = 0, failed = 0, capped;
	struct stats s;
	int k, i;

	buf_adds(out, "# HELP clubmatch_outbox_rows Outbox rows by status "
	    "and kind.\n# TYPE clubmatch_outbox_rows gauge\n");
	for (k = 0; k < KIND__COUNT; k++) {
		if (store_outbox_counts(st, (enum mail_kind)k, c, err) < 0)
			return -1;
		for (i = 0; i < 5; i++)
			buf_addf(out, "clubmatch_outbox_rows{status=\"%s\","
			    "kind=\"%s\"} %" PRId64 "\n", OUTBOX_STATUS[i],
			    model_kind_name((enum mail_kind)k), c[i]);
		sent += c[2];
		failed += c[3];
	}
	buf_addf(out, "# HELP clubmatch_mail_sent_total Messages sent.\n"
	    "# TYPE clubmatch_mail_sent_total counter\n"
	    "clubmatch_mail_sent_total %" PRId64 "\n"
	    "# HELP clubmatch_mail_failed_total Messages given up on.\n"
	    "# TYPE clubmatch_mail_failed_total counter\n"
	    "clubmatch_mail_failed_total %" PRId64 "\n", sent, failed);
	if (store_outbox_capped(st, &capped, err) < 0)
		return -1;
	buf_addf(out, "# HELP clubmatch_outbox_capped Pending messages the "
	    "member daily cap holds back.\n"
	    "# TYPE clubmatch_outbox_capped gauge\n"
	    "clubmatch_outbox_capped %" PRId64 "\n", capped);
	buf_adds(out, "# HELP clubmatch_replies_total Replies taken from the "
	    "mailbox by kind.\n# TYPE clubmatch_replies_total counter\n");
	if (store_reply_kinds(st, reply_kind, out, err) < 0)
		return -1;
	if (stats_read(st, time(NULL), &s, err) < 0)
		return -1;
	buf_addf(out, "# HELP clubmatch_members Members by mode and status.\n"
	    "# TYPE clubmatch_members gauge\n"
	    "clubmatch_members{mode=\"local\"} %" PRId64 "\n"
	    "clubmatch_members{mode=\"remote\"} %" PRId64 "\n"
	    "clubmatch_members{mode=\"unassigned\"} %" PRId64 "\n"
	    "clubmatch_members{status=\"removed\"} %" PRId64 "\n"
	    "clubmatch_members{status=\"do_not_contact\"} %" PRId64 "\n"
	    "clubmatch_members{status=\"bouncing\"} %" PRId64 "\n"
	    "# HELP clubmatch_clubs Active clubs.\n"
	    "# TYPE clubmatch_clubs gauge\n"
	    "clubmatch_clubs %" PRId64 "\n",
	    s.members.local, s.members.remote, s.members.unassigned,
	    s.members.removed, s.members.do_not_contact, s.members.bouncing,
	    s.clubs.active);
	return 0;
}
