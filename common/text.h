/*
 * text.h - the one place that decides what text, e-mail addresses and
 * numbers we accept: UTF-8 checks, the e-mail check, HTML escaping and the
 * integer parser, used by the API, the calendar builders and the mailer
 * alike (docs/architecture.md, "Who may include what": one thing, one place).
 *
 * Invariant: a string that passes a check here is safe for every consumer
 * at once.  In particular an address text_email_is_valid() accepts is one
 * the mailer will send to, so the API never stores an address that later
 * fails in the outbox (docs/email.md, docs/api.md "Limits").
 *
 * Thread-safety: every function is reentrant and keeps no state.  The
 * character classes are spelled out in ASCII, so the locale never changes
 * an answer.
 */
#ifndef CLUBMATCH_TEXT_H
#define CLUBMATCH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* RFC 5321 §4.5.3.1: a path is at most 256 octets with its <>, so 254
 * for the address; the local part at most 64.  TEXT_EMAIL_MAX_LEN is the
 * same number as EMAIL_MAX_LEN in scheduler/store/model.h. */
#define TEXT_EMAIL_MAX_LEN	254
#define TEXT_EMAIL_LOCAL_MAX	64

/* ==== UTF-8 ============================================================= */

/*
 * Length (1..4) of the well-formed UTF-8 sequence at s, reading at most n
 * bytes, or 0 when it is not one: a stray continuation byte, C0/C1 or
 * F5..FF lead bytes, an overlong form, a surrogate (U+D800..U+DFFF), a
 * code point above U+10FFFF, or a sequence cut short by n.  n == 0 gives
 * 0.  A NUL byte is U+0000 and has length 1: callers that must not see
 * one use text_is_clean().
 */
size_t text_utf8_char_len(const unsigned char *s, size_t n);

/*
 * True when the len bytes at s are well-formed UTF-8 in the sense of
 * text_utf8_char_len().  On success *chars (when chars is not NULL) gets
 * the number of code points; on failure it is left alone.  len == 0 is
 * valid with 0 code points.  s may be NULL only when len is 0.
 */
bool text_utf8_valid(const char *s, size_t len, size_t *chars);

/*
 * True when the C string s is 1..max_bytes bytes of valid UTF-8 holding
 * no control character: no C0 control (U+0000..U+001F) other than \n, \t
 * and \r, and those only when allow_newlines; no DEL (U+007F); no C1
 * control (U+0080..U+009F, NEL among them); and, unless allow_newlines
 * (one line of text), no line or paragraph separator (U+2028, U+2029),
 * bidirectional override (U+202A..U+202E, U+2066..U+2069) or zero-width
 * character (U+200B..U+200D, U+FEFF).  Names and subjects go into
 * mail headers and iCalendar lines, which such characters could end or
 * corrupt (docs/email.md, docs/calendar.md); docs/api.md states the limit
 * for names.  NULL is not clean.
 */
bool text_is_clean(const char *s, size_t max_bytes, bool allow_newlines);

/* True when s is NULL or "": an input field that was not given. */
bool text_is_blank(const char *s);

/* ==== e-mail addresses ================================================== */

/*
 * True when addr is a plain addr-spec local@domain that the mailer will
 * put into a header and an SMTP envelope unchanged:
 *
 *  - at most TEXT_EMAIL_MAX_LEN bytes, exactly one '@';
 *  - the local part is an RFC 5322 dot-atom of ASCII atext but for
 *    # % / ? (letters, digits and !$&'*+-=^_`{|}~) with single dots,
 *    none first or last, at most TEXT_EMAIL_LOCAL_MAX bytes; no quoted
 *    local part, so no spaces, controls or any of <>"(),;:\[] and no
 *    8-bit bytes.  # % / ? would need escaping in the calendar's
 *    mailto: URIs, which some clients get wrong;
 *  - the domain is at least two labels separated by single dots, each of
 *    letters, digits and '-', not starting or ending with '-'; no '_', no
 *    address literal ("[127.0.0.1]"), no trailing dot.
 *
 * Narrower than RFC 5321 on purpose: nothing a user types can end a
 * header line, add a recipient or split an iCalendar property
 * (docs/email.md, docs/calendar.md).  NULL is not valid.
 */
bool text_email_is_valid(const char *addr);

/* ==== HTML ============================================================== */

/*
 * Appends s to b with & < > " and ' replaced by &amp; &lt; &gt; &quot; and
 * &#39;, CR dropped (HTML reads CR LF as LF, and a mail part must carry
 * no bare CR), every other byte copied as it is, so the result is safe
 * both as element text and inside a quoted attribute value.  s should be valid
 * UTF-8 (check it first); NULL appends nothing.
 */
void text_html_escape(struct buf *b, const char *s);

/* ==== numbers =========================================================== */

/*
 * Parses s as a strict decimal integer in [min, max]: one or more ASCII
 * digits, with a leading '-' only when min < 0; no '+', no whitespace
 * anywhere, nothing after the digits.  Leading zeros are allowed ("007"
 * is 7).  Returns 0 and sets *out, or returns -1 and leaves *out alone
 * when s is NULL, empty, malformed, overflows int64_t or is out of range.
 * errno is as it was before the call either way.
 * Query parameters and CSV fields come through here, so " 1", "1x" and
 * "+1" are refused rather than quietly read as 1.
 */
int text_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* ==== IP addresses ====================================================== */

/*
 * Whether s is a bare IPv4 or IPv6 address (no port, no brackets); then
 * writes its one spelling (inet_ntop's, an IPv4-mapped IPv6 address as
 * IPv4) into out, so that two spellings of one address compare equal.
 * out needs 46 bytes (INET6_ADDRSTRLEN).
 */
bool text_ip_normalize(const char *s, char *out, size_t size);

#endif
