/*
 * imip.h - the e-mail that carries an iCalendar invitation (iMIP, RFC 6047).
 *
 * Pure text building: no I/O, no libcurl.  imip_message_build() turns a
 * filled struct imip_message into the exact RFC 5322 bytes that
 * scheduler/mail.c hands to SMTP or writes into a Maildir, so both
 * transports carry the same message.
 *
 * The tree (docs/email.md, "Anatomy of a message"):
 *
 *   multipart/mixed
 *     multipart/alternative
 *       text/plain; charset=UTF-8            quoted-printable
 *       text/html; charset=UTF-8             quoted-printable (if html set)
 *       text/calendar; charset=UTF-8; method=M   base64
 *     application/ics; name="invite.ics"     base64, attachment
 *
 * Invariant: no byte of user input reaches a header unchecked.  Display
 * names and the subject are either a quoted-string of printable ASCII or
 * RFC 2047 encoded-words; addresses, the Message-ID and the unsubscribe
 * URL are validated and refused otherwise.  A CR or LF anywhere in them
 * refuses the whole build, so no input can add a header or a recipient.
 * Every header line is at most 78 characters except when a single
 * address or URL is longer (never more than 998).
 *
 * Thread-safety: every function is reentrant; they share no state.
 */
#ifndef CLUBMATCH_IMIP_H
#define CLUBMATCH_IMIP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

/* Every pointer is borrowed for the duration of the call only. */
struct imip_message {
	const char *from_addr;		/* --mail-from: envelope and From: */
	const char *from_name;		/* the club's name, or NULL */
	const char *to_addr;		/* the one recipient */
	const char *to_name;		/* the member's name, or NULL */
	const char *subject;		/* UTF-8, one line */
	const char *text;		/* UTF-8 text/plain body, NULL = "" */
	const char *html;		/* UTF-8 text/html body, NULL = none */
	const char *ics;		/* the VCALENDAR bytes; NULL (with
					 * method NULL) for a message without
					 * a calendar: then the whole message
					 * is multipart/alternative */
	size_t ics_len;			/* their length */
	const char *method;		/* "REQUEST", "CANCEL" or "PUBLISH" */
	const char *message_id;		/* without <>: "m1.s2.r3@host" */
	time_t date;			/* the Date: header, written in UTC */
	const char *unsubscribe_url;	/* List-Unsubscribe URL, or NULL */
	const char *reply_to_addr;	/* Reply-To:, or NULL */
	const char *reply_to_name;	/* its display name, or NULL */
};

/*
 * Builds the whole message with CRLF line ends: Date, Message-ID, From,
 * To, Subject, MIME-Version, Auto-Submitted: auto-generated,
 * List-Unsubscribe + List-Unsubscribe-Post (RFC 8058 one-click, when
 * unsubscribe_url is set), then the MIME tree above.  method must be one
 * of the three words and equal (ignoring case) the METHOD property of the
 * VCALENDAR (RFC 6047 §2.4).
 *
 * Returns the message, NUL-terminated, with its length (not counting the
 * NUL) in *len; the caller free()s it.  On bad input (CR/LF or another
 * control character in a name or the subject, invalid UTF-8, an invalid
 * address, Message-ID or URL, a method mismatch) returns NULL with *err
 * set to ERR_INVALID and err->field naming the member, and *len is left
 * alone.
 */
char *imip_message_build(const struct imip_message *m, size_t *len,
    struct err *err);

/* The human parts of an invitation; every pointer is borrowed. */
struct imip_invite_text {
	const char *club_name;		/* required */
	const char *member_name;	/* for the greeting, or NULL */
	const char *title;		/* the meeting's title, required */
	const char *description;	/* free text, or NULL */
	const char *when_meeting;	/* preformatted, meeting's zone */
	const char *when_member;	/* the same instant in the member's
					 * zone, or NULL when they are equal */
	const char *recurrence_text;	/* "Every 2nd Tuesday", or NULL */
	const char *video_url;		/* or NULL */
	const char *location;		/* a physical place, or NULL */
	const char *secretary_name;	/* or NULL */
	const char *secretary_email;	/* or NULL */
	const char *rsvp_yes_url;	/* the three RSVP links, or NULL */
	const char *rsvp_no_url;
	const char *rsvp_maybe_url;
	const char *feed_url;		/* the member's feed, or NULL */
	const char *unsubscribe_url;	/* or NULL */
	bool cancelled;			/* a cancellation, not an invitation */
	const char *occurrence;		/* non-NULL: about this one occurrence
					 * (moved or cancelled), a human date */
};

/*
 * Fills *subject (one line: CR, LF and other control characters in the
 * inputs become spaces), *text (plain UTF-8, LF line ends) and *html (a
 * small self-contained page; every input is HTML-escaped, and links are
 * only made of http(s) URLs).  The caller free()s all three.  NULL
 * members are left out of the texts.  Never fails.
 */
void imip_invite_text_build(const struct imip_invite_text *t,
    char **subject, char **text, char **html);

#endif
