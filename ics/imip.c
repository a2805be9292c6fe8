/*
 * imip.c - the RFC 5322/MIME text of an iMIP invitation.
 *
 * See imip.h for the tree.  Two rules shape this file:
 *
 *  - Headers are written through struct hdr, which only ever adds whole
 *    tokens and folds between them, so a line is ≤ 78 characters unless
 *    one token (an address, a URL) is longer by itself.  Tokens that came
 *    from users are either checked against a strict alphabet (addresses,
 *    Message-ID, URL) or RFC 2047-encoded, so nothing a user types can end
 *    a header line.
 *
 *  - Bodies are quoted-printable or base64, which are 7-bit, have short
 *    lines and can never contain "=_": our boundaries start with "=_", so
 *    they cannot occur inside a part (the trick RFC 2045 §6.7 allows).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "imip.h"
#include "rand.h"
#include "text.h"
#include "xalloc.h"

#define HDR_SOFT	78	/* RFC 5322 §2.1.1 "SHOULD" line length */
#define QP_LINE		76	/* RFC 2045 §6.7 (5) */
#define B64_LINE	76	/* RFC 2045 §6.8 */
#define EW_BYTES	39	/* UTF-8 bytes per encoded-word: 52 base64
				 * characters, a 64-character word that fits
				 * after "Subject: " (RFC 2047 §2: ≤ 75) */
#define URL_MAX		900	/* keeps List-Unsubscribe under 998 */
#define ID_MAX		250

/* ------------------------------------------------------------------ */
/* Character classes                                                   */
/* ------------------------------------------------------------------ */

/* A one-line header text: empty, or clean text without newlines
 * (text_is_clean(): valid UTF-8, no C0 control, DEL or C1 control), so
 * no CR, LF, TAB or NUL either. */
static bool
is_header_text(const char *s)
{
	return s[0] == '\0' || text_is_clean(s, SIZE_MAX, false);
}

static bool
is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* A Message-ID without its <>: id-left "@" id-right.  Ours are always
 * shaped like a plain address (a row's number and the domain of
 * --mail-from), so the address check is the check: stricter than RFC
 * 5322 section 3.6.4, never looser. */
static bool
is_message_id(const char *id)
{
	return strlen(id) <= ID_MAX && text_email_is_valid(id);
}

/* An http(s) or mailto URL we may put between <> in a header. */
static bool
is_header_url(const char *u)
{
	size_t n = strlen(u);

	if (n > URL_MAX)
		return false;
	if (strncasecmp(u, "https://", 8) != 0 &&
	    strncasecmp(u, "http://", 7) != 0 &&
	    strncasecmp(u, "mailto:", 7) != 0)
		return false;
	for (; *u != '\0'; u++) {
		unsigned char c = (unsigned char)*u;

		if (c <= 0x20 || c >= 0x7f || strchr("<>\"\\", c) != NULL)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Encoders                                                            */
/* ------------------------------------------------------------------ */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends the base64 of data with no line breaks. */
static void
b64_add(struct buf *b, const unsigned char *data, size_t len)
{
	char q[4];
	size_t i;
	uint32_t v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 |
		    data[i + 2];
		q[0] = b64_alphabet[v >> 18];
		q[1] = b64_alphabet[(v >> 12) & 63];
		q[2] = b64_alphabet[(v >> 6) & 63];
		q[3] = b64_alphabet[v & 63];
		buf_add(b, q, 4);
	}
	if (i < len) {
		v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		q[0] = b64_alphabet[v >> 18];
		q[1] = b64_alphabet[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		q[3] = '=';
		buf_add(b, q, 4);
	}
}

/* A base64 body: 76-character lines, each ended by CRLF. */
static void
b64_body(struct buf *b, const char *data, size_t len)
{
	/* 57 input bytes make exactly one 76-character line. */
	const size_t chunk = B64_LINE / 4 * 3;
	size_t i;

	for (i = 0; i < len; i += chunk) {
		b64_add(b, (const unsigned char *)data + i,
		    len - i < chunk ? len - i : chunk);
		buf_add(b, "\r\n", 2);
	}
}

/*
 * A quoted-printable body.  Any of LF, CRLF ends a line and becomes CRLF;
 * a lone CR is data (=0D).  Besides what RFC 2045 requires we encode a
 * '.' that starts a line and "From " at a line start (as =46), so a
 * naive relay or mbox reader cannot mangle the text.  A text that does
 * not end in a line break decodes without one.
 */
static void
qp_body(struct buf *b, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t col = 0, i, n = strlen(text);
	char enc[4];
	size_t elen;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];
		bool eol_next;

		if (c == '\n' || (c == '\r' && i + 1 < n && s[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			buf_add(b, "\r\n", 2);
			col = 0;
			continue;
		}
		eol_next = i + 1 >= n || s[i + 1] == '\n' ||
		    (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !eol_next)) {
			enc[0] = (char)c;
			elen = 1;
		} else {
			snprintf(enc, sizeof(enc), "=%02X", c);
			elen = 3;
		}
		/* Room for the character and a soft break's '='. */
		if (col + elen > QP_LINE - 1) {
			buf_add(b, "=\r\n", 3);
			col = 0;
		}
		if (col == 0 && elen == 1 && (c == '.' || (c == 'F' &&
		    strncmp((const char *)s + i, "From ", 5) == 0))) {
			snprintf(enc, sizeof(enc), "=%02X", c);
			elen = 3;
		}
		buf_add(b, enc, elen);
		col += elen;
	}
	/* No CRLF of our own at the end: the one before the next boundary
	 * delimiter belongs to the delimiter (RFC 2046 §5.1.1). */
}

/* ------------------------------------------------------------------ */
/* Header lines                                                        */
/* ------------------------------------------------------------------ */

/* One header being written: tokens are joined by a space, or by CRLF SP
 * when the line would pass 78 characters. */
struct hdr {
	struct buf *b;		/* the message */
	size_t col;		/* characters on the current line */
	size_t start;		/* col right after "Name:" */
};

static void
hdr_begin(struct hdr *h, struct buf *b, const char *name)
{
	h->b = b;
	buf_adds(b, name);
	buf_addc(b, ':');
	h->col = strlen(name) + 1;
	h->start = h->col;
}

static void
hdr_token(struct hdr *h, const char *tok, size_t n)
{
	/* Fold before a token that would pass the soft limit, the first
	 * one too ("List-Unsubscribe:" CRLF SP "<url>") when it then fits:
	 * a token longer than a whole line stays where it is. */
	if (h->col + 1 + n > HDR_SOFT &&
	    (h->col > h->start || 1 + n <= HDR_SOFT)) {
		buf_add(h->b, "\r\n ", 3);
		h->col = 1;
	} else {
		buf_addc(h->b, ' ');
		h->col++;
	}
	buf_add(h->b, tok, n);
	h->col += n;
}

static void
hdr_end(struct hdr *h)
{
	buf_add(h->b, "\r\n", 2);
}

/* RFC 2047 B-encoded words for s (valid UTF-8), each holding whole
 * characters (§5), each a token of its own. */
static void
hdr_encoded_words(struct hdr *h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, j, l;
	struct buf w;

	buf_init(&w);
	while (i < n) {
		j = i;
		while (j < n) {
			l = text_utf8_char_len(p + j, n - j);
			if (l == 0)	/* the caller checked; be safe */
				l = 1;
			if (j + l - i > EW_BYTES)
				break;
			j += l;
		}
		buf_reset(&w);
		buf_adds(&w, "=?UTF-8?B?");
		b64_add(&w, p + i, j - i);
		buf_adds(&w, "?=");
		hdr_token(h, w.data, w.len);
		i = j;
	}
	buf_release(&w);
}

/* Unstructured text (Subject): plain words when that is safe and fits,
 * otherwise encoded-words. */
static void
hdr_text(struct hdr *h, const char *s)
{
	const char *p, *sp;
	bool plain;

	plain = is_printable_ascii(s) && strstr(s, "=?") == NULL &&
	    strstr(s, "  ") == NULL && s[0] != ' ' &&
	    (s[0] == '\0' || s[strlen(s) - 1] != ' ');
	for (p = s; plain && *p != '\0'; p = sp + 1) {
		sp = strchrnul(p, ' ');
		if (sp - p > HDR_SOFT - 10)
			plain = false;
		if (*sp == '\0')
			break;
	}
	if (!plain) {
		hdr_encoded_words(h, s);
		return;
	}
	for (p = s; *p != '\0'; p = *sp ? sp + 1 : sp) {
		sp = strchrnul(p, ' ');
		hdr_token(h, p, (size_t)(sp - p));
	}
}

/* A mailbox: [display-name] <addr>.  A printable ASCII name that fits on
 * the line becomes a quoted-string with " and \ escaped; any other name
 * becomes encoded-words (which may not sit inside quotes). */
static void
hdr_mailbox(struct hdr *h, const char *name, const char *addr)
{
	struct buf t;
	const char *p;

	buf_init(&t);
	if (name != NULL && name[0] != '\0') {
		if (is_printable_ascii(name) && strstr(name, "=?") == NULL) {
			buf_addc(&t, '"');
			for (p = name; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					buf_addc(&t, '\\');
				buf_addc(&t, *p);
			}
			buf_addc(&t, '"');
		}
		/* A quoted-string cannot be folded safely everywhere, so a
		 * long name is encoded-words, which fold between words. */
		if (t.len > 0 && t.len <= HDR_SOFT - 20)
			hdr_token(h, t.data, t.len);
		else
			hdr_encoded_words(h, name);
	}
	buf_reset(&t);
	buf_addc(&t, '<');
	buf_adds(&t, addr);
	buf_addc(&t, '>');
	hdr_token(h, t.data, t.len);
	buf_release(&t);
}

static void
hdr_simple(struct buf *b, const char *name, const char *value)
{
	struct hdr h;

	hdr_begin(&h, b, name);
	hdr_token(&h, value, strlen(value));
	hdr_end(&h);
}

/* RFC 5322 §3.3 date-time in UTC, independent of the locale. */
static void
hdr_date(struct buf *b, time_t t)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	buf_addf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ------------------------------------------------------------------ */
/* The message                                                         */
/* ------------------------------------------------------------------ */

/* The METHOD property of the VCALENDAR: the first unfolded line that
 * starts with "METHOD:".  Copies at most outsz-1 bytes into out; returns
 * false when there is none. */
static bool
ics_method(const char *ics, size_t len, char *out, size_t outsz)
{
	size_t i = 0, e, n;

	while (i < len) {
		e = i;
		while (e < len && ics[e] != '\n')
			e++;
		n = e - i;
		if (n > 0 && ics[i + n - 1] == '\r')
			n--;
		/* A folded continuation line starts with a space or tab and
		 * never begins a property. */
		if (n >= 7 && strncasecmp(ics + i, "METHOD:", 7) == 0) {
			n -= 7;
			if (n >= outsz)
				return false;
			memcpy(out, ics + i + 7, n);
			out[n] = '\0';
			return true;
		}
		i = e + 1;
	}
	return false;
}

static int
check_input(const struct imip_message *m, const char **method,
    struct err *err)
{
	static const char *const methods[] = { "REQUEST", "CANCEL", "PUBLISH" };
	char inner[32];
	size_t i;

	if (!text_email_is_valid(m->from_addr))
		return err_set_field(err, ERR_INVALID, "from_addr",
		    "invalid sender address");
	if (!text_email_is_valid(m->to_addr))
		return err_set_field(err, ERR_INVALID, "to_addr",
		    "invalid recipient address");
	if (m->from_name != NULL && !is_header_text(m->from_name))
		return err_set_field(err, ERR_INVALID, "from_name",
		    "sender name has a control character or invalid UTF-8");
	if (m->to_name != NULL && !is_header_text(m->to_name))
		return err_set_field(err, ERR_INVALID, "to_name",
		    "recipient name has a control character or invalid UTF-8");
	if (m->subject == NULL || !is_header_text(m->subject))
		return err_set_field(err, ERR_INVALID, "subject",
		    "subject is missing, has a control character or invalid "
		    "UTF-8");
	if (m->message_id == NULL || !is_message_id(m->message_id))
		return err_set_field(err, ERR_INVALID, "message_id",
		    "invalid message id");
	if (m->unsubscribe_url != NULL && !is_header_url(m->unsubscribe_url))
		return err_set_field(err, ERR_INVALID, "unsubscribe_url",
		    "unsubscribe url must be a short http(s) or mailto url "
		    "without spaces");
	if (m->reply_to_addr != NULL && !text_email_is_valid(m->reply_to_addr))
		return err_set_field(err, ERR_INVALID, "reply_to_addr",
		    "invalid reply-to address");
	if (m->reply_to_name != NULL && !is_header_text(m->reply_to_name))
		return err_set_field(err, ERR_INVALID, "reply_to_name",
		    "reply-to name has a control character or invalid UTF-8");
	*method = NULL;
	if (m->ics == NULL && m->method == NULL)
		return 0;	/* a message without a calendar */
	if (m->ics == NULL || m->ics_len == 0)
		return err_set_field(err, ERR_INVALID, "ics",
		    "no calendar data");
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (m->method != NULL && strcasecmp(m->method, methods[i]) == 0)
			*method = methods[i];
	if (*method == NULL)
		return err_set_field(err, ERR_INVALID, "method",
		    "method must be REQUEST, CANCEL or PUBLISH");
	if (!ics_method(m->ics, m->ics_len, inner, sizeof(inner)))
		return err_set_field(err, ERR_INVALID, "ics",
		    "calendar has no METHOD property");
	if (strcasecmp(inner, *method) != 0)
		return err_set_field(err, ERR_INVALID, "method",
		    "mime method %s differs from the calendar's METHOD",
		    *method);
	return 0;
}

/* The multipart/alternative part: its Content-Type line, plain text,
 * HTML when there is some, and the calendar when method is set. */
static void
alternative(struct buf *b, const struct imip_message *m, const char *alt,
    const char *method)
{
	buf_addf(b, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"%s\"\r\n\r\n", alt);
	if (method == NULL)
		buf_adds(b, "This is a MIME message.\r\n\r\n");
	buf_addf(b, "--%s\r\n", alt);
	buf_adds(b, "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	qp_body(b, m->text != NULL ? m->text : "");
	if (m->html != NULL) {
		buf_addf(b, "\r\n--%s\r\n", alt);
		buf_adds(b, "Content-Type: text/html; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		qp_body(b, m->html);
	}
	if (method != NULL) {
		/* The inline part is what Outlook and Gmail act on
		 * (docs/email.md, "Anatomy of a message"). */
		buf_addf(b, "\r\n--%s\r\n", alt);
		buf_addf(b, "Content-Type: text/calendar; charset=UTF-8; "
		    "method=%s\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		    method);
		b64_body(b, m->ics, m->ics_len);
	}
	buf_addf(b, "\r\n--%s--\r\n", alt);
}

char *
imip_message_build(const struct imip_message *m, size_t *len,
    struct err *err)
{
	char mixed[48], alt[48], rnd[25];
	const char *method = NULL;
	struct buf b;
	struct hdr h;

	if (check_input(m, &method, err) == -1)
		return NULL;

	/* Random, so a forwarded message quoted inside another of ours
	 * cannot collide; "=_" keeps them out of QP and base64 text. */
	rand_base32(rnd, 24);
	snprintf(mixed, sizeof(mixed), "=_cm_mixed_%s", rnd);
	rand_base32(rnd, 24);
	snprintf(alt, sizeof(alt), "=_cm_alt_%s", rnd);

	buf_init(&b);
	hdr_date(&b, m->date);
	buf_addf(&b, "Message-ID: <%s>\r\n", m->message_id);
	hdr_begin(&h, &b, "From");
	hdr_mailbox(&h, m->from_name, m->from_addr);
	hdr_end(&h);
	hdr_begin(&h, &b, "To");
	hdr_mailbox(&h, m->to_name, m->to_addr);
	hdr_end(&h);
	if (m->reply_to_addr != NULL) {
		hdr_begin(&h, &b, "Reply-To");
		hdr_mailbox(&h, m->reply_to_name, m->reply_to_addr);
		hdr_end(&h);
	}
	hdr_begin(&h, &b, "Subject");
	hdr_text(&h, m->subject);
	hdr_end(&h);
	buf_adds(&b, "MIME-Version: 1.0\r\n");
	/* RFC 3834: vacation responders must not answer us. */
	buf_adds(&b, "Auto-Submitted: auto-generated\r\n");
	if (m->unsubscribe_url != NULL) {
		struct buf u;

		buf_init(&u);
		buf_addf(&u, "<%s>", m->unsubscribe_url);
		hdr_simple(&b, "List-Unsubscribe", u.data);
		buf_release(&u);
		/* RFC 8058 one-click: a POST to the URL unsubscribes. */
		buf_adds(&b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
		    "\r\n");
	}
	if (method == NULL) {
		alternative(&b, m, alt, NULL);
		return buf_take(&b, len);
	}
	buf_addf(&b, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n",
	    mixed);
	buf_adds(&b, "\r\nThis is a MIME message with a calendar invitation."
	    "\r\n");

	buf_addf(&b, "\r\n--%s\r\n", mixed);
	alternative(&b, m, alt, method);

	/* The same bytes again, for clients that only import attachments. */
	buf_addf(&b, "\r\n--%s\r\n", mixed);
	buf_adds(&b, "Content-Type: application/ics; name=\"invite.ics\"\r\n"
	    "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	b64_body(&b, m->ics, m->ics_len);
	buf_addf(&b, "\r\n--%s--\r\n", mixed);

	return buf_take(&b, len);
}

/* ------------------------------------------------------------------ */
/* The human texts                                                     */
/* ------------------------------------------------------------------ */

/* Appends s with every control character (CR and LF included) as a space
 * and every invalid UTF-8 byte as U+FFFD, so the result is one line of
 * header text. */
static void
add_one_line(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, l;

	while (i < n) {
		l = text_utf8_char_len(p + i, n - i);
		if (l == 0) {
			buf_adds(b, "\xef\xbf\xbd");
			i++;
		} else if ((l == 1 && (p[i] < 0x20 || p[i] == 0x7f)) ||
		    (l == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			buf_addc(b, ' ');
			i += l;
		} else {
			buf_add(b, p + i, l);
			i += l;
		}
	}
}

/* Collapses runs of spaces and trims, so the subject is tidy after
 * add_one_line() replaced line breaks. */
static char *
squeeze(struct buf *b)
{
	size_t i, o = 0;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == ' ' && (o == 0 || b->data[o - 1] == ' '))
			continue;
		b->data[o++] = b->data[i];
	}
	while (o > 0 && b->data[o - 1] == ' ')
		o--;
	b->len = o;
	if (b->cap > 0)
		b->data[o] = '\0';
	return buf_take(b, NULL);
}

/* Only http(s) URLs become links: a "javascript:" URL stays text. */
static bool
is_web_url(const char *u)
{
	return u != NULL && (strncasecmp(u, "https://", 8) == 0 ||
	    strncasecmp(u, "http://", 7) == 0);
}

static void
html_link(struct buf *b, const char *url, const char *label)
{
	if (is_web_url(url)) {
		buf_adds(b, "<a href=\"");
		text_html_escape(b, url);
		buf_adds(b, "\">");
		text_html_escape(b, label != NULL ? label : url);
		buf_adds(b, "</a>");
	} else {
		text_html_escape(b, label != NULL ? label : url);
	}
}

static bool
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}


static void
text_subject(const struct imip_invite_text *t, struct buf *b)
{
	const char *title = set(t->title) ? t->title : "Meeting";

	if (t->cancelled)
		buf_adds(b, "Cancelled: ");
	else if (t->occurrence != NULL)
		buf_adds(b, "Moved: ");
	else
		buf_adds(b, "Invitation: ");
	add_one_line(b, title);
	if (t->cancelled && set(t->occurrence)) {
		buf_adds(b, " @ ");
		add_one_line(b, t->occurrence);
	} else if (set(t->when_meeting)) {
		buf_adds(b, " @ ");
		add_one_line(b, t->when_meeting);
	}
	if (set(t->club_name)) {
		buf_adds(b, " (");
		add_one_line(b, t->club_name);
		buf_addc(b, ')');
	}
}

/*
 * One renderer for both bodies, so the text and the HTML never say
 * different things.  In HTML mode every input goes through text_html_escape().
 */
struct out {
	struct buf *b;
	bool html;
};

static void
put(struct out *o, const char *s)
{
	if (o->html)
		text_html_escape(o->b, s);
	else
		buf_adds(o->b, s);
}

/* Markup: written only in HTML mode, never user input. */
static void
tag(struct out *o, const char *markup)
{
	if (o->html)
		buf_adds(o->b, markup);
}

static void
put_link(struct out *o, const char *url, const char *label)
{
	if (o->html) {
		html_link(o->b, url, label);
	} else if (label != NULL) {
		buf_adds(o->b, label);
		buf_adds(o->b, ": ");
		buf_adds(o->b, url);
	} else {
		buf_adds(o->b, url);
	}
}

static void
row(struct out *o, const char *label, const char *value, bool is_link)
{
	if (!set(value))
		return;
	tag(o, "<tr><th align=\"left\" valign=\"top\">");
	put(o, label);
	if (!o->html)
		buf_addc(o->b, ':');
	tag(o, "</th><td>");
	if (!o->html)
		buf_addf(o->b, "%*s", (int)(11 - strlen(label)), "");
	if (is_link)
		put_link(o, value, NULL);
	else
		put(o, value);
	tag(o, "</td></tr>");
	put(o, "\n");
}

static void
render(const struct imip_invite_text *t, struct out *o)
{
	const char *title = set(t->title) ? t->title : "a meeting";
	const char *club = set(t->club_name) ? t->club_name : "your club";
	bool rsvp;

	tag(o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>");
	if (o->html)
		text_html_escape(o->b, title);
	tag(o, "</title></head>\n<body style=\"font-family: sans-serif\">\n"
	    "<p>");
	put(o, "Hello");
	if (set(t->member_name)) {
		put(o, " ");
		put(o, t->member_name);
	}
	put(o, ",");
	tag(o, "</p>\n<p>");
	put(o, o->html ? "" : "\n\n");
	if (t->cancelled || t->occurrence != NULL) {
		put(o, "The ");
		put(o, club);
		put(o, " meeting \u201c");
		put(o, title);
		put(o, "\u201d");
		if (t->occurrence != NULL) {
			put(o, " on ");
			put(o, t->occurrence);
		}
		put(o, !t->cancelled ? " has moved. The new time is below." :
		    t->occurrence != NULL ? " is cancelled. The other dates "
		    "stay as they are." : " is cancelled.");
	} else {
		put(o, "You are invited to \u201c");
		put(o, title);
		put(o, "\u201d, a meeting of ");
		put(o, club);
		put(o, ". Open the attached invitation to add it to your "
		    "calendar.");
	}
	tag(o, "</p>\n<table>");
	put(o, o->html ? "\n" : "\n\n");
	row(o, "When", t->when_meeting, false);
	row(o, "Your time", t->when_member, false);
	row(o, "Repeats", t->recurrence_text, false);
	row(o, "Video", t->video_url, true);
	row(o, "Place", t->location, false);
	tag(o, "</table>\n");
	if (set(t->description)) {
		tag(o, "<p style=\"white-space: pre-line\">");
		put(o, "\n");
		put(o, t->description);
		tag(o, "</p>");
		put(o, "\n");
	}
	rsvp = !t->cancelled && (set(t->rsvp_yes_url) || set(t->rsvp_no_url) ||
	    set(t->rsvp_maybe_url));
	if (rsvp) {
		tag(o, "<p>");
		put(o, o->html ? "Will you come? " : "\nWill you come?\n");
		if (set(t->rsvp_yes_url)) {
			put(o, o->html ? "" : "  ");
			put_link(o, t->rsvp_yes_url, "Yes");
			put(o, o->html ? " \u00b7 " : "\n");
		}
		if (set(t->rsvp_no_url)) {
			put(o, o->html ? "" : "  ");
			put_link(o, t->rsvp_no_url, "No");
			put(o, o->html ? " \u00b7 " : "\n");
		}
		if (set(t->rsvp_maybe_url)) {
			put(o, o->html ? "" : "  ");
			put_link(o, t->rsvp_maybe_url, "Maybe");
			put(o, o->html ? "" : "\n");
		}
		tag(o, "</p>\n");
	}
	if (set(t->feed_url)) {
		tag(o, "<p>");
		put(o, "\nAll of ");
		put(o, club);
		put(o, "\u2019s meetings in your calendar (subscribe): ");
		put_link(o, t->feed_url, NULL);
		tag(o, "</p>");
		put(o, "\n");
	}
	if (set(t->secretary_name) || set(t->secretary_email)) {
		tag(o, "<p>");
		put(o, "\nQuestions? Write to ");
		if (set(t->secretary_name))
			put(o, t->secretary_name);
		if (set(t->secretary_email)) {
			put(o, set(t->secretary_name) ? " <" : "");
			if (o->html &&
			    text_email_is_valid(t->secretary_email)) {
				buf_adds(o->b, "<a href=\"mailto:");
				text_html_escape(o->b, t->secretary_email);
				buf_adds(o->b, "\">");
				text_html_escape(o->b, t->secretary_email);
				buf_adds(o->b, "</a>");
			} else {
				put(o, t->secretary_email);
			}
			put(o, set(t->secretary_name) ? ">" : "");
		}
		put(o, ", the club\u2019s secretary.");
		tag(o, "</p>");
		put(o, "\n");
	}
	tag(o, "<hr>\n<p style=\"font-size: small; color: #555\">");
	put(o, o->html ? "" : "\n-- \n");
	put(o, "You receive this e-mail as a remote member of ");
	put(o, club);
	put(o, ".");
	if (set(t->unsubscribe_url)) {
		put(o, o->html ? " " : "\n");
		put_link(o, t->unsubscribe_url, "Unsubscribe");
	}
	tag(o, "</p>\n</body></html>");
	put(o, "\n");
}

void
imip_invite_text_build(const struct imip_invite_text *t, char **subject,
    char **text, char **html)
{
	struct buf b;
	struct out o;

	buf_init(&b);
	text_subject(t, &b);
	*subject = squeeze(&b);

	buf_init(&b);
	o.b = &b;
	o.html = false;
	render(t, &o);
	*text = buf_take(&b, NULL);

	buf_init(&b);
	o.html = true;
	render(t, &o);
	*html = buf_take(&b, NULL);
}
