/*
 * test_imip.c - the iMIP message builder, checked by taking its output
 * apart again: headers unfolded, multipart bodies split at the declared
 * boundaries, base64, quoted-printable and RFC 2047 decoded by small
 * independent decoders below.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "err.h"
#include "fixtures.h"
#include "imip.h"
#include "text.h"

static const char ICS[] =
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//clubmatch//test//EN\r\n"
    "METHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:m1@test\r\n"
    "SUMMARY:Caf\xc3\xa9 r\xc3\xa9union \xe2\x80\x94 \xf0\x9f\x8e\x89\r\n"
    "DESCRIPTION:line one\\nline two =3D not qp\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n";

/* ------------------------------------------------------------------ */
/* Independent decoders                                                */
/* ------------------------------------------------------------------ */

static int
b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64, skipping CR/LF; returns a malloc'd buffer or NULL on a
 * bad character or bad padding. */
static char *
b64_decode(const char *s, size_t n, size_t *outlen)
{
	char *out = malloc(n + 1);
	unsigned v = 0;
	int bits = 0, pad = 0;
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || b64_val((unsigned char)s[i]) < 0) {
			free(out);
			return NULL;
		}
		v = (v << 6) | (unsigned)b64_val((unsigned char)s[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes quoted-printable; hard line breaks stay CRLF. */
static char *
qp_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' &&
		    s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* The unfolded value of header `name` in the header block of msg, or
 * NULL; *count gets how many such headers there are. */
static char *
header(const char *msg, const char *name, int *count)
{
	const char *p = msg, *end, *eoh;
	size_t nl = strlen(name);
	char *val = NULL;
	int c = 0;

	eoh = strstr(msg, "\r\n\r\n");
	if (eoh == NULL)
		eoh = msg + strlen(msg);
	while (p < eoh) {
		end = strstr(p, "\r\n");
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t o = 0;

			c++;
			free(val);
			val = malloc(strlen(v) + 1);
			/* Unfold: CRLF followed by WSP is removed. */
			for (;;) {
				end = strstr(v, "\r\n");
				memcpy(val + o, v, (size_t)(end - v));
				o += (size_t)(end - v);
				if (end[2] == ' ' || end[2] == '\t')
					v = end + 2;
				else
					break;
			}
			val[o] = '\0';
			while (val[0] == ' ')
				memmove(val, val + 1, strlen(val));
		}
		p = end + 2;
	}
	if (count != NULL)
		*count = c;
	return val;
}

/* Decodes RFC 2047 B-words (UTF-8) in a header value, dropping the white
 * space between adjacent encoded-words as §6.2 says. */
static char *
ew_decode(const char *v)
{
	char *out = malloc(strlen(v) * 2 + 1);
	size_t o = 0, o_before_ws = 0;
	bool last_ew = false;
	const char *p = v;

	while (*p != '\0') {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			const char *e = strstr(p + 10, "?=");
			size_t dl;
			char *d;

			if (last_ew)
				o = o_before_ws;
			d = b64_decode(p + 10, (size_t)(e - p - 10), &dl);
			memcpy(out + o, d, dl);
			o += dl;
			free(d);
			p = e + 2;
			last_ew = true;
			o_before_ws = o;
		} else {
			if (*p != ' ')
				last_ew = false;
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

/* Every physical header line of the message's top header block is at
 * most max characters, and every line of the message ends in CRLF. */
static bool
lines_ok(const char *msg, size_t len, size_t max_header, size_t max_body)
{
	size_t i, start = 0;
	bool in_headers = true;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\n') {
			size_t l;

			if (i == 0 || msg[i - 1] != '\r')
				return false;
			l = i - 1 - start;
			if (l > (in_headers ? max_header : max_body)) {
				fprintf(stderr, "# long line (%zu): %.*s\n", l,
				    (int)l, msg + start);
				return false;
			}
			if (l == 0)
				in_headers = false;
			start = i + 1;
		} else if (msg[i] == '\r' && (i + 1 >= len || msg[i + 1] != '\n')) {
			return false;
		}
	}
	return start == len;
}

/* The boundary="..." parameter of a Content-Type value. */
static char *
boundary_of(const char *ctype)
{
	const char *p = strstr(ctype, "boundary=\"");
	const char *e;

	if (p == NULL)
		return NULL;
	p += 10;
	e = strchr(p, '"');
	return e == NULL ? NULL : strndup(p, (size_t)(e - p));
}

/* Splits body at --boundary lines; parts[i] points at each part's
 * header block, plen[i] its length up to the CRLF before the next
 * delimiter.  Returns the number of parts, or -1 when the closing
 * delimiter is missing. */
static int
split(const char *body, const char *boundary, const char **parts,
    size_t *plen, int max)
{
	char delim[128];
	const char *p, *next;
	int n = 0;

	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	p = strstr(body, delim);
	if (p == NULL)
		return -1;
	for (;;) {
		p += strlen(delim);
		if (strncmp(p, "--", 2) == 0)
			return n;
		if (strncmp(p, "\r\n", 2) != 0)
			return -1;
		p += 2;
		next = strstr(p, delim);
		if (next == NULL || n == max)
			return -1;
		parts[n] = p;
		plen[n] = (size_t)(next - p);
		n++;
		p = next;
	}
}

/* The body of a part (after its blank line), as a new string. */
static char *
part_body(const char *part, size_t len, size_t *blen)
{
	const char *b = strstr(part, "\r\n\r\n");

	if (b == NULL || b >= part + len)
		return NULL;
	b += 4;
	*blen = (size_t)(part + len - b);
	return strndup(b, *blen);
}

static char *
part_header(const char *part, size_t len, const char *name)
{
	char *copy = strndup(part, len);
	char *v = header(copy, name, NULL);

	free(copy);
	return v;
}

static struct imip_message
sample(void)
{
	struct imip_message m = {
		.from_addr = "clubmatch@clubs.example.org",
		.from_name = "Chess Club Chicago",
		.to_addr = "alice@example.com",
		.to_name = "Alice O'Neil",
		.subject = "Invitation: Monthly meeting",
		.text = "Hello Alice,\n\nSee you there. 1+1=2\ntrailing space \n"
		    ".dot line\nFrom here\n",
		.html = "<p>Hello <b>Alice</b></p>\n",
		.ics = ICS,
		.ics_len = sizeof(ICS) - 1,
		.method = "REQUEST",
		.message_id = "m1.s2.r3@clubs.example.org",
		.date = 1804554000,	/* 2027-03-09 01:00:00 UTC */
		.unsubscribe_url = "https://clubs.example.org/u/tok123",
	};
	return m;
}

static char *
build(const struct imip_message *m, size_t *len, struct err *e)
{
	err_clear(e);
	return imip_message_build(m, len, e);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* The mailer takes exactly the addresses the API takes (the one check,
 * common/text.c; docs/api.md, "Limits"): every good address of the table
 * builds a message as From and as To, no bad one does. */
static void
test_address_table(void)
{
	static const struct {
		const char *addr;
		bool good;
	} table[] = {
		{ "alice@example.com", true },
		{ "a.b+tag@mail.example.co.uk", true },
		{ "o'neil@example.com", true },
		{ "x_y@example.com", true },
		{ "", false }, { "alice", false }, { "alice@localhost", false },
		{ "@example.com", false }, { "a@@example.com", false },
		{ "a@b@example.com", false }, { "a b@example.com", false },
		{ "a@example.com\r\n", false },
		{ "a@example.com\r\nRCPT TO:<b@x.com>", false },
		{ "a@example.com,b@example.com", false },
		{ "a@example.com>", false }, { "<a@example.com", false },
		{ "\"a\"@example.com", false }, { "a(b)@example.com", false },
		{ "a;b@example.com", false }, { "a:b@example.com", false },
		{ "a\\b@example.com", false }, { "a@[127.0.0.1]", false },
		{ "a..b@example.com", false }, { "a@example..com", false },
		{ "a@.example.com", false }, { "a@example.com.", false },
		{ "a@exa_mple.com", false }, { "caf\xc3\xa9@example.com", false },
		{ ".a@example.com", false }, { "a.@example.com", false },
		{ "a@-x.com", false }, { "a@x-.com", false },
		{ "a@x_y.com", false }, { "a/b@example.com", false },
		{ "a#b@example.com", false }, { "a?b@example.com", false },
		{ "a%b@example.com", false },
	};
	struct imip_message m;
	struct err e;
	size_t i, len;
	char *msg;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		CHECK(text_email_is_valid(table[i].addr) == table[i].good);
		m = sample();
		m.to_addr = table[i].addr;
		msg = build(&m, &len, &e);
		CHECK((msg != NULL) == table[i].good);
		free(msg);
		m = sample();
		m.from_addr = table[i].addr;
		msg = build(&m, &len, &e);
		CHECK((msg != NULL) == table[i].good);
		free(msg);
	}
}

static void
test_structure(void)
{
	struct imip_message m = sample();
	struct err e;
	size_t len, blen, dlen;
	const char *parts[8], *alts[8];
	size_t plen[8], alen[8];
	char *msg, *ct, *bm, *ba, *v, *body, *dec;
	int n, na, count;

	msg = build(&m, &len, &e);
	CHECK(msg != NULL);
	if (msg == NULL)
		return;
	CHECK(len == strlen(msg));
	CHECK(lines_ok(msg, len, 78, 76));

	/* Each top-level header exactly once, with the expected value. */
	v = header(msg, "Date", &count);
	CHECK_STR(v, "Tue, 09 Mar 2027 01:00:00 +0000");
	CHECK(count == 1);
	free(v);
	v = header(msg, "Message-ID", &count);
	CHECK_STR(v, "<m1.s2.r3@clubs.example.org>");
	free(v);
	v = header(msg, "From", &count);
	CHECK_STR(v, "\"Chess Club Chicago\" <clubmatch@clubs.example.org>");
	CHECK(count == 1);
	free(v);
	v = header(msg, "To", &count);
	CHECK_STR(v, "\"Alice O'Neil\" <alice@example.com>");
	CHECK(count == 1);
	free(v);
	v = header(msg, "Subject", &count);
	CHECK_STR(v, "Invitation: Monthly meeting");
	free(v);
	v = header(msg, "MIME-Version", NULL);
	CHECK_STR(v, "1.0");
	free(v);
	v = header(msg, "Auto-Submitted", NULL);
	CHECK_STR(v, "auto-generated");
	free(v);
	v = header(msg, "List-Unsubscribe", NULL);
	CHECK_STR(v, "<https://clubs.example.org/u/tok123>");
	free(v);
	v = header(msg, "List-Unsubscribe-Post", NULL);
	CHECK_STR(v, "List-Unsubscribe=One-Click");
	free(v);
	v = header(msg, "Cc", &count);
	CHECK(v == NULL && count == 0);
	v = header(msg, "Bcc", &count);
	CHECK(v == NULL && count == 0);

	/* multipart/mixed: the alternative, then the attachment. */
	ct = header(msg, "Content-Type", NULL);
	CHECK(ct != NULL && strncmp(ct, "multipart/mixed;", 16) == 0);
	bm = ct != NULL ? boundary_of(ct) : NULL;
	CHECK(bm != NULL);
	free(ct);
	if (bm == NULL)
		goto out;
	n = split(strstr(msg, "\r\n\r\n"), bm, parts, plen, 8);
	CHECK(n == 2);
	if (n != 2)
		goto out;

	ct = part_header(parts[0], plen[0], "Content-Type");
	CHECK(ct != NULL && strncmp(ct, "multipart/alternative;", 22) == 0);
	ba = ct != NULL ? boundary_of(ct) : NULL;
	free(ct);
	CHECK(ba != NULL && strcmp(ba, bm) != 0);
	if (ba == NULL)
		goto out;
	/* split() wants the CRLF before the first delimiter. */
	{
		char *p0 = strndup(parts[0] - 2, plen[0] + 2);

		na = split(p0, ba, alts, alen, 8);
		CHECK(na == 3);
		if (na == 3) {
			char *h0 = part_header(alts[0], alen[0], "Content-Type");
			char *h1 = part_header(alts[1], alen[1], "Content-Type");
			char *h2 = part_header(alts[2], alen[2], "Content-Type");
			char *t0 = part_header(alts[0], alen[0],
			    "Content-Transfer-Encoding");
			char *t2 = part_header(alts[2], alen[2],
			    "Content-Transfer-Encoding");

			CHECK_STR(h0, "text/plain; charset=UTF-8");
			CHECK_STR(h1, "text/html; charset=UTF-8");
			/* RFC 6047 §2.4: method= equals METHOD. */
			CHECK_STR(h2, "text/calendar; charset=UTF-8; "
			    "method=REQUEST");
			CHECK_STR(t0, "quoted-printable");
			CHECK_STR(t2, "base64");
			free(h0);
			free(h1);
			free(h2);
			free(t0);
			free(t2);

			body = part_body(alts[0], alen[0], &blen);
			dec = qp_decode(body, blen);
			CHECK_STR(dec, "Hello Alice,\r\n\r\nSee you there. 1+1=2"
			    "\r\ntrailing space \r\n.dot line\r\nFrom here\r\n");
			/* No raw trailing space, no raw '.' line start. */
			CHECK(strstr(body, " \r\n") == NULL);
			CHECK(strstr(body, "\r\n.") == NULL);
			free(body);
			free(dec);

			body = part_body(alts[2], alen[2], &blen);
			dec = b64_decode(body, blen, &dlen);
			CHECK(dec != NULL && dlen == sizeof(ICS) - 1 &&
			    memcmp(dec, ICS, dlen) == 0);
			free(body);
			free(dec);
		}
		free(p0);
	}

	{
		char *h = part_header(parts[1], plen[1], "Content-Type");
		char *d = part_header(parts[1], plen[1], "Content-Disposition");
		char *t = part_header(parts[1], plen[1],
		    "Content-Transfer-Encoding");

		CHECK_STR(h, "application/ics; name=\"invite.ics\"");
		CHECK_STR(d, "attachment; filename=\"invite.ics\"");
		CHECK_STR(t, "base64");
		free(h);
		free(d);
		free(t);
		body = part_body(parts[1], plen[1], &blen);
		dec = b64_decode(body, blen, &dlen);
		CHECK(dec != NULL && dlen == sizeof(ICS) - 1 &&
		    memcmp(dec, ICS, dlen) == 0);
		free(body);
		free(dec);
	}
	free(ba);
out:
	free(bm);
	free(msg);
}

static void
test_boundaries_random(void)
{
	struct imip_message m = sample();
	struct err e;
	size_t l1, l2;
	char *a = build(&m, &l1, &e), *b = build(&m, &l2, &e);
	char *ca = header(a, "Content-Type", NULL);
	char *cb = header(b, "Content-Type", NULL);

	/* Same length (fixed-size random boundaries), different bytes. */
	CHECK(l1 == l2);
	CHECK(ca != NULL && cb != NULL && strcmp(ca, cb) != 0);
	free(a);
	free(b);
	free(ca);
	free(cb);
}

static void
test_method(void)
{
	static const char cancel[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "METHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:x@y\r\n"
	    "STATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	static const char none[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "BEGIN:VEVENT\r\nUID:x@y\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	struct imip_message m = sample();
	struct err e;
	size_t len = 12345;
	char *msg;

	m.method = "CANCEL";	/* the calendar says REQUEST */
	msg = build(&m, &len, &e);
	CHECK(msg == NULL);
	CHECK(e.code == ERR_INVALID);
	CHECK_STR(e.field, "method");
	CHECK(len == 12345);

	m.ics = cancel;
	m.ics_len = sizeof(cancel) - 1;
	msg = build(&m, &len, &e);
	CHECK(msg != NULL);
	CHECK(msg != NULL && strstr(msg, "text/calendar; charset=UTF-8; "
	    "method=CANCEL\r\n") != NULL);
	free(msg);

	m.method = "cancel";	/* written upper case */
	msg = build(&m, &len, &e);
	CHECK(msg != NULL && strstr(msg, "method=CANCEL\r\n") != NULL);
	free(msg);

	m.method = "REQUEST\r\nBcc: x@y.com";
	msg = build(&m, &len, &e);
	CHECK(msg == NULL && e.code == ERR_INVALID);

	m.method = NULL;
	msg = build(&m, &len, &e);
	CHECK(msg == NULL && e.code == ERR_INVALID);

	m.method = "REQUEST";
	m.ics = none;
	m.ics_len = sizeof(none) - 1;
	msg = build(&m, &len, &e);
	CHECK(msg == NULL && e.code == ERR_INVALID);
	CHECK_STR(e.field, "ics");
}

static void
test_rfc2047(void)
{
	struct imip_message m = sample();
	struct err e;
	size_t len;
	char *msg, *v, *d;

	m.from_name = "Club d'\xc3\xa9" "checs de Montr\xc3\xa9" "al";
	m.to_name = "Zo\xc3\xab \xe5\xbc\xa0\xe4\xbc\x9f \xf0\x9f\x98\x80";
	m.subject = "Invitation: R\xc3\xa9union mensuelle \xe2\x80\x94 mardi";
	msg = build(&m, &len, &e);
	CHECK(msg != NULL);
	if (msg == NULL)
		return;
	CHECK(lines_ok(msg, len, 78, 76));
	/* Nothing but 7-bit in the message. */
	{
		size_t i;
		bool ascii = true;

		for (i = 0; i < len; i++)
			if ((unsigned char)msg[i] >= 0x80)
				ascii = false;
		CHECK(ascii);
	}
	v = header(msg, "From", NULL);
	CHECK(v != NULL && strncmp(v, "=?UTF-8?B?", 10) == 0);
	d = ew_decode(v);
	CHECK_STR(d, "Club d'\xc3\xa9" "checs de Montr\xc3\xa9"
	    "al <clubmatch@clubs.example.org>");
	free(v);
	free(d);
	v = header(msg, "To", NULL);
	d = ew_decode(v);
	CHECK_STR(d, "Zo\xc3\xab \xe5\xbc\xa0\xe4\xbc\x9f \xf0\x9f\x98\x80"
	    " <alice@example.com>");
	free(v);
	free(d);
	v = header(msg, "Subject", NULL);
	d = ew_decode(v);
	CHECK_STR(d, "Invitation: R\xc3\xa9union mensuelle \xe2\x80\x94 mardi");
	free(v);
	free(d);
	free(msg);

	/* Something that looks like an encoded-word is encoded itself, so
	 * a reader decodes it back to the literal text. */
	m = sample();
	m.subject = "=?UTF-8?B?SGk=?=";
	msg = build(&m, &len, &e);
	v = msg != NULL ? header(msg, "Subject", NULL) : NULL;
	d = v != NULL ? ew_decode(v) : NULL;
	CHECK_STR(d, "=?UTF-8?B?SGk=?=");
	free(v);
	free(d);
	free(msg);
}

/* Every attempt to smuggle a header line or a recipient either fails the
 * build or stays inside one header value. */
static void
test_injection(void)
{
	static const char *const bad_text[] = {
		"Alice\r\nBcc: mallory@evil.example",
		"Alice\nBcc: mallory@evil.example",
		"Alice\rBcc: mallory@evil.example",
		"Alice\r\n\r\n<html>body</html>",
		"Alice\tTab",
		"Alice\x7f",
		"Alice\xc2\x85next line",	/* U+0085 NEL */
		"Alice \xff\xfe bad utf-8",
		"Alice \xc0\xaf overlong",
		"Alice \xed\xa0\x80 surrogate",
	};
	static const char *const bad_addr[] = {
		"alice@example.com\r\nBcc: mallory@evil.example",
		"alice@example.com\nRCPT TO:<mallory@evil.example>",
		"alice@example.com, mallory@evil.example",
		"alice@example.com>,<mallory@evil.example",
		"Alice <alice@example.com>",
		"alice@example.com mallory@evil.example",
	};
	struct imip_message m;
	struct err e;
	size_t len, i;
	char *msg, *v;
	int count;

	for (i = 0; i < sizeof(bad_text) / sizeof(bad_text[0]); i++) {
		m = sample();
		m.to_name = bad_text[i];
		msg = build(&m, &len, &e);
		CHECK(msg == NULL && e.code == ERR_INVALID);
		CHECK_STR(e.field, "to_name");
		free(msg);
		m = sample();
		m.from_name = bad_text[i];
		msg = build(&m, &len, &e);
		CHECK(msg == NULL && e.code == ERR_INVALID);
		free(msg);
		m = sample();
		m.subject = bad_text[i];
		msg = build(&m, &len, &e);
		CHECK(msg == NULL && e.code == ERR_INVALID);
		CHECK_STR(e.field, "subject");
		free(msg);
	}
	for (i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		m = sample();
		m.to_addr = bad_addr[i];
		msg = build(&m, &len, &e);
		CHECK(msg == NULL && e.code == ERR_INVALID);
		CHECK_STR(e.field, "to_addr");
		free(msg);
		m = sample();
		m.from_addr = bad_addr[i];
		msg = build(&m, &len, &e);
		CHECK(msg == NULL && e.code == ERR_INVALID);
		free(msg);
	}
	m = sample();
	m.message_id = "x@y>\r\nBcc: mallory@evil.example";
	msg = build(&m, &len, &e);
	CHECK(msg == NULL && e.code == ERR_INVALID);
	m = sample();
	m.unsubscribe_url = "https://x.example/u>\r\nBcc: m@evil.example";
	msg = build(&m, &len, &e);
	CHECK(msg == NULL && e.code == ERR_INVALID);
	m.unsubscribe_url = "javascript:alert(1)";
	msg = build(&m, &len, &e);
	CHECK(msg == NULL && e.code == ERR_INVALID);

	/* Printable specials in a name are quoted and escaped: still one
	 * address in To:, and the name reads back verbatim. */
	m = sample();
	m.to_name = "Eve \"<mallory@evil.example>, Bob\\\" <x@y.z>";
	msg = build(&m, &len, &e);
	CHECK(msg != NULL);
	if (msg != NULL) {
		v = header(msg, "To", &count);
		CHECK(count == 1);
		CHECK_STR(v, "\"Eve \\\"<mallory@evil.example>, Bob\\\\\\\" "
		    "<x@y.z>\" <alice@example.com>");
		free(v);
		v = header(msg, "Bcc", &count);
		CHECK(v == NULL && count == 0);
		free(msg);
	}
}

static void
test_long_fold(void)
{
	char name[1200], subj[2000];
	struct imip_message m = sample();
	struct err e;
	size_t len, i, o;
	char *msg, *v, *d;

	/* A 300-character non-ASCII name with 2-, 3- and 4-byte
	 * characters, so word splits land everywhere. */
	o = 0;
	for (i = 0; i < 100; i++) {
		memcpy(name + o, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\x89", 9);
		o += 9;
		if (i % 7 == 0)
			name[o++] = ' ';
	}
	name[o] = '\0';
	m.to_name = name;
	/* An ASCII subject with one 200-character word and many spaces. */
	o = 0;
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(subj + o, sizeof(subj) - o, "word%zu ", i);
	memset(subj + o, 'x', 200);
	o += 200;
	subj[o] = '\0';
	m.subject = subj;
	m.from_name = "A very long club name that goes on and on well past "
	    "the seventy-eight character soft limit of RFC 5322";
	msg = build(&m, &len, &e);
	CHECK(msg != NULL);
	if (msg == NULL)
		return;
	CHECK(lines_ok(msg, len, 78, 76));
	v = header(msg, "To", NULL);
	d = ew_decode(v);
	CHECK(d != NULL && strncmp(d, name, strlen(name)) == 0 &&
	    strcmp(d + strlen(name), " <alice@example.com>") == 0);
	free(v);
	free(d);
	v = header(msg, "Subject", NULL);
	d = ew_decode(v);
	CHECK_STR(d, subj);
	free(v);
	free(d);
	v = header(msg, "From", NULL);
	d = ew_decode(v);
	CHECK_STR(d, "A very long club name that goes on and on well past the "
	    "seventy-eight character soft limit of RFC 5322 "
	    "<clubmatch@clubs.example.org>");
	free(v);
	free(d);
	free(msg);

	/* A plain subject with ordinary words folds between them and
	 * unfolds to the same text. */
	m = sample();
	m.subject = "Invitation: a rather long meeting title that keeps going "
	    "@ Tuesday, March 9, 2027, 7:00 PM CST (America/Chicago)";
	msg = build(&m, &len, &e);
	CHECK(msg != NULL && lines_ok(msg, len, 78, 76));
	v = msg != NULL ? header(msg, "Subject", NULL) : NULL;
	CHECK_STR(v, m.subject);
	CHECK(v != NULL && strstr(v, "=?") == NULL);
	free(v);
	free(msg);

	/* An unsubscribe link that makes an 89-octet header line (issue
	 * seen through Postfix): folded after the colon, every header line
	 * within 78, the value unchanged. */
	m = sample();
	m.unsubscribe_url = "https://clubs.example.org/unsubscribe/"
	    "abcdefghijklmnopqrstuvwxyz234567abcd";
	CHECK(strlen("List-Unsubscribe: <>") + strlen(m.unsubscribe_url) ==
	    94);
	msg = build(&m, &len, &e);
	CHECK(msg != NULL && lines_ok(msg, len, 78, 76));
	CHECK(msg != NULL && strstr(msg, "List-Unsubscribe:\r\n <https://")
	    != NULL);
	v = msg != NULL ? header(msg, "List-Unsubscribe", NULL) : NULL;
	CHECK(v != NULL && strncmp(v, "<https://clubs.example.org/", 27) == 0);
	CHECK(v != NULL && strstr(v, m.unsubscribe_url) != NULL);
	free(v);
	free(msg);

	/* The longest valid address (254 bytes: a 64-byte local part and
	 * a 189-byte domain): one line over 78 but far under 998. */
	{
		char addr[300], label[62];

		memset(label, 'b', 61);
		label[61] = '\0';
		snprintf(addr, sizeof(addr), "%.64s@%s.%s.%s.com",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaa", label, label, label);
		CHECK(strlen(addr) == 254 && text_email_is_valid(addr));
		m = sample();
		m.to_addr = addr;
		msg = build(&m, &len, &e);
		CHECK(msg != NULL && lines_ok(msg, len, 998, 76));
		free(msg);
	}
}

static void
test_base64(void)
{
	static const char ics[] = "METHOD:REQUEST\r\n";
	static const char *const ics_ab[] = {
		"METHOD:REQUEST\r\nX", "METHOD:REQUEST\r\nXY",
		"METHOD:REQUEST\r\nXYZ",
	};
	static const char *const want[] = {
		"TUVUSE9EOlJFUVVFU1QNClg=\r\n", "TUVUSE9EOlJFUVVFU1QNClhZ\r\n",
		"TUVUSE9EOlJFUVVFU1QNClhZWg==\r\n",
	};
	struct imip_message m = sample();
	struct err e;
	size_t len, i;
	char *msg, *big;

	/* RFC 4648 vectors, through the real encoder. */
	m.ics = ics;
	m.ics_len = sizeof(ics) - 1;
	msg = build(&m, &len, &e);
	CHECK(msg != NULL && strstr(msg, "\r\n\r\nTUVUSE9EOlJFUVVFU1QNCg==\r\n")
	    != NULL);
	free(msg);
	for (i = 0; i < 3; i++) {
		m.ics = ics_ab[i];
		m.ics_len = strlen(ics_ab[i]);
		msg = build(&m, &len, &e);
		CHECK(msg != NULL && strstr(msg, want[i]) != NULL);
		free(msg);
	}

	/* All 256 byte values, long enough for many 76-column lines, come
	 * back identical from both parts. */
	big = malloc(4096 + 16);
	memcpy(big, "METHOD:REQUEST\r\n", 16);
	for (i = 0; i < 4096; i++)
		big[16 + i] = (char)(i * 7 + 3);
	m.ics = big;
	m.ics_len = 4096 + 16;
	msg = build(&m, &len, &e);
	CHECK(msg != NULL && lines_ok(msg, len, 78, 76));
	if (msg != NULL) {
		const char *p = msg;
		int found = 0;

		while ((p = strstr(p, "Content-Transfer-Encoding: base64\r\n"
		    "\r\n")) != NULL) {
			const char *s = p + 37, *end = strstr(s, "\r\n\r\n");
			size_t dl;
			char *d = b64_decode(s, (size_t)(end - s), &dl);

			CHECK(d != NULL && dl == m.ics_len &&
			    memcmp(d, big, dl) == 0);
			free(d);
			found++;
			p = end;
		}
		CHECK(found == 2);
	}
	free(msg);
	free(big);
}

static void
test_qp(void)
{
	struct imip_message m = sample();
	struct err e;
	size_t len;
	char text[600], *msg;
	size_t o = 0;
	int i;

	/* A long line with '=' and non-ASCII; a lone CR; tabs at the end. */
	for (i = 0; i < 30; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s",
		    "a=b \xc3\xa9t\xc3\xa9 ");
	snprintf(text + o, sizeof(text) - o, "%s", "\r\nlone\rcr\t\t\nend");
	m.text = text;
	msg = build(&m, &len, &e);
	CHECK(msg != NULL && lines_ok(msg, len, 78, 76));
	if (msg != NULL) {
		const char *s = strstr(msg, "quoted-printable\r\n\r\n") + 20;
		const char *end = strstr(s, "\r\n--");
		char *d = qp_decode(s, (size_t)(end - s));
		char want[700];

		snprintf(want, sizeof(want), "%.*s\r\nlone\rcr\t\t\r\nend",
		    (int)(strstr(text, "\r\n") - text), text);
		CHECK_STR(d, want);
		free(d);
	}
	free(msg);
}

static void
test_invite_text(void)
{
	struct imip_invite_text t = fixture_invite_text();
	char *subject, *text, *html;
	struct imip_message m = sample();
	struct err e;
	size_t len;
	char *msg;

	/* Texts to escape, and links elsewhere, one of them not http(s). */
	t.club_name = "Chess & Go <Chicago>";
	t.member_name = "Alice <script>alert(1)</script>";
	t.title = "Monthly\r\nBcc: x@y.z meeting";
	t.description = "Bring a board.\nAnd a \"clock\".";
	t.video_url = "https://meet.example/abc?x=1&y=2";
	t.location = "Room 4";
	t.rsvp_yes_url = "https://c.example/r/yes?t=1";
	t.rsvp_no_url = "javascript:alert(1)";
	t.rsvp_maybe_url = "https://c.example/r/maybe?t=1";
	t.feed_url = "https://c.example/feed/abc.ics";
	t.unsubscribe_url = "https://c.example/u/abc";
	imip_invite_text_build(&t, &subject, &text, &html);
	CHECK_STR(subject, "Invitation: Monthly Bcc: x@y.z meeting @ Tuesday, "
	    "March 9, 2027, 7:00 PM CST (America/Chicago) "
	    "(Chess & Go <Chicago>)");
	CHECK(strstr(text, "8:00 PM EST (America/New_York)") != NULL);
	CHECK(strstr(text, "https://meet.example/abc?x=1&y=2") != NULL);
	CHECK(strstr(text, "Yes: https://c.example/r/yes?t=1") != NULL);
	CHECK(strstr(text, "https://c.example/feed/abc.ics") != NULL);
	CHECK(strstr(text, "Every 2nd Tuesday") != NULL);
	CHECK(strstr(text, "Unsubscribe: https://c.example/u/abc") != NULL);
	CHECK(strstr(html, "<script>") == NULL);
	CHECK(strstr(html, "Alice &lt;script&gt;") != NULL);
	CHECK(strstr(html, "Chess &amp; Go &lt;Chicago&gt;") != NULL);
	CHECK(strstr(html, "href=\"https://meet.example/abc?x=1&amp;y=2\"")
	    != NULL);
	CHECK(strstr(html, "href=\"javascript") == NULL);
	CHECK(strstr(html, "&quot;clock&quot;") != NULL);
	CHECK(strstr(html, "href=\"mailto:sam@example.org\"") != NULL);

	/* The filled-in texts go through the builder as they are. */
	m.subject = subject;
	m.text = text;
	m.html = html;
	msg = build(&m, &len, &e);
	CHECK(msg != NULL && lines_ok(msg, len, 78, 76));
	free(msg);
	free(subject);
	free(text);
	free(html);

	t.cancelled = true;
	t.occurrence = "Tuesday, April 13, 2027";
	imip_invite_text_build(&t, &subject, &text, &html);
	CHECK(strncmp(subject, "Cancelled: ", 11) == 0);
	CHECK(strstr(subject, "April 13") != NULL);
	CHECK(strstr(text, "is cancelled") != NULL);
	CHECK(strstr(text, "Will you come?") == NULL);
	free(subject);
	free(text);
	free(html);

	t.cancelled = false;
	imip_invite_text_build(&t, &subject, &text, &html);
	CHECK(strncmp(subject, "Moved: ", 7) == 0);
	CHECK(strstr(text, "has moved") != NULL);
	free(subject);
	free(text);
	free(html);

	/* Nothing but the required parts. */
	memset(&t, 0, sizeof(t));
	t.club_name = "Club";
	t.title = "Meet";
	imip_invite_text_build(&t, &subject, &text, &html);
	CHECK_STR(subject, "Invitation: Meet (Club)");
	CHECK(strstr(text, "Hello,") != NULL);
	free(subject);
	free(text);
	free(html);
}

int
main(void)
{
	RUN(test_address_table);
	RUN(test_structure);
	RUN(test_boundaries_random);
	RUN(test_method);
	RUN(test_rfc2047);
	RUN(test_injection);
	RUN(test_long_fold);
	RUN(test_base64);
	RUN(test_qp);
	RUN(test_invite_text);
	return check_done();
}
