/*
 * reader.h - what came back to the --mail-from mailbox, read and sorted
 * (CONTRACT §10; docs/email.md, "Replies").
 *
 * reader_parse() turns one received RFC 5322 message into plain C data and
 * one kind: a calendar answer, a delivery status report, an auto-reply, a
 * person's reply, or junk.  It decides nothing about the database: which
 * invitation a tag names and what an answer changes are the caller's.
 * MIME is GMime's (the only place that includes it), iCalendar is
 * ics_reply's.
 *
 * Bounds: a message over READER_MAX_SIZE is junk without being parsed;
 * parts are visited to depth READER_MAX_DEPTH and at most READER_MAX_PARTS
 * of them; a message nested deeper than that is junk before GMime sees it
 * (its parser recurses); at most READER_MAX_CALENDARS calendar parts are
 * parsed; the kept text is at most READER_TEXT_MAX bytes.
 *
 * Thread safety: reader_init() once in the main thread before any other
 * call (and after ics_init()); then reader_parse() may run in any number
 * of threads on separate struct reader_msg.
 */
#ifndef CLUBMATCH_READER_H
#define CLUBMATCH_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "ics_reply.h"
#include "text.h"

#define READER_MAX_SIZE		(10u * 1024 * 1024)	/* bytes */
#define READER_MAX_DEPTH	16	/* multipart / message nesting */
#define READER_MAX_PARTS	256	/* parts visited */
#define READER_MAX_CALENDARS	4	/* calendar parts parsed */
#define READER_TEXT_MAX		(64u * 1024)	/* human text kept */
#define READER_MAX_TAGS		8
#define READER_TAG_MIN		16
#define READER_TAG_MAX		64
#define READER_MAX_DSN		16	/* recipients of one report */

enum reader_kind {
	READER_JUNK,		/* unparseable, too large, or none below */
	READER_CALENDAR,	/* a text/calendar or .ics, METHOD REPLY or
				 * COUNTER: reply is set */
	READER_BOUNCE,		/* RFC 3464 multipart/report;
				 * report-type=delivery-status */
	READER_AUTO,		/* RFC 3834 auto-reply, list or bulk mail,
				 * "Out of Office" */
	READER_HUMAN,		/* a person's reply: text is set */
};

/* One recipient of a delivery status report (RFC 3464 §2.3). */
struct reader_dsn_rcpt {
	char final_recipient[TEXT_EMAIL_MAX_LEN + 1];	/* the address of
				 * Final-Recipient (rfc822;), lowercased */
	char action[16];	/* failed, delayed, delivered, relayed,
				 * expanded (lowercased), or "" */
	char status[16];	/* "5.1.1"; "" when missing or malformed */
	bool permanent;		/* status class 5 (or Action failed with no
				 * readable status) */
};

struct reader_msg {
	enum reader_kind kind;
	const char *reason;	/* static text for the log: why this kind */
	char *message_id;	/* Message-ID without <>, NULL when none */
	char *in_reply_to;	/* first id of In-Reply-To, without <>, or NULL */
	char from[TEXT_EMAIL_MAX_LEN + 1];	/* From's address, lowercased;
				 * "" when none that fits */
	char *from_name;	/* From's display name (UTF-8), or NULL */
	char *subject;		/* decoded, UTF-8, control characters made
				 * spaces; NULL when none */
	char tags[READER_MAX_TAGS][READER_TAG_MAX + 1];	/* reply tags found in
				 * To, Cc, Delivered-To, X-Original-To,
				 * lowercased, each once */
	size_t n_tags;

	/* READER_CALENDAR */
	char *calendar;		/* the decoded calendar text (NUL-ended) */
	size_t calendar_len;
	struct ics_reply *reply;	/* calendar parsed */

	/* READER_BOUNCE */
	char *original_message_id;	/* the returned message's Message-ID,
					 * without <>, or NULL */
	struct reader_dsn_rcpt dsn[READER_MAX_DSN];
	size_t n_dsn;

	/* READER_HUMAN (also filled for other kinds when found) */
	char *text;		/* text/plain body, or text from the HTML;
				 * valid UTF-8, NUL-ended */
	size_t text_len;
	bool text_truncated;	/* cut at READER_TEXT_MAX */
};

/* Once, in the main thread, after ics_init(): initialises GMime. */
void reader_init(void);
/* Once, after every reader_parse() has returned. */
void reader_shutdown(void);

/*
 * Reads the len bytes at data as one received message.  mail_from is the
 * service's --mail-from address LOCAL@DOMAIN; a reply tag is TAG in a
 * recipient LOCAL+TAG@DOMAIN (compared without regard to case), TAG of
 * READER_TAG_MIN..READER_TAG_MAX letters and digits.
 *
 * Every input gives 0 and a filled *out, junk included; -1 (ERR_INVALID,
 * *out untouched) only when mail_from is NULL.  Release *out with
 * reader_msg_free().
 */
int reader_parse(const char *data, size_t len, const char *mail_from,
    struct reader_msg *out, struct err *err);

/* Frees what *m owns and zeroes it; NULL is a no-op. */
void reader_msg_free(struct reader_msg *m);

/* "junk", "calendar", "bounce", "auto", "human". */
const char *reader_kind_name(enum reader_kind k);

#endif
