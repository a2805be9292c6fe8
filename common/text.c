/*
 * text.c - UTF-8, e-mail, HTML and integer checks shared by every wing.
 *
 * See text.h for what each function accepts.  Character classes are
 * written out in ASCII rather than taken from <ctype.h>, so that no locale
 * can widen what "a letter" means in an address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

/* ==== character classes ================================================= */

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
}

/* RFC 5322 atext, the characters of a dot-atom besides '.', without
 * # % / ?: an address goes unescaped into the iCalendar "mailto:" URI
 * of ORGANIZER and ATTENDEE, where those would begin a fragment, an
 * escape, a path or a query (docs/calendar.md). */
static bool
is_atext(unsigned char c)
{
	return is_alnum(c) ||
	    (c != '\0' && strchr("!$&'*+-=^_`{|}~", c) != NULL);
}

bool
text_is_blank(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* ==== UTF-8 ============================================================= */

size_t
text_utf8_char_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	/* C0 and C1 can only start overlong two-byte forms; F5..FF would
	 * start code points above U+10FFFF. */
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool
text_utf8_valid(const char *s, size_t len, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, count = 0, l;

	while (i < len) {
		l = text_utf8_char_len(p + i, len - i);
		if (l == 0)
			return false;
		i += l;
		count++;
	}
	if (chars != NULL)
		*chars = count;
	return true;
}

bool
text_is_clean(const char *s, size_t max_bytes, bool allow_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i = 0, l;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len == 0 || len > max_bytes)
		return false;
	while (i < len) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			if (!(allow_newlines && (p[i] == '\n' ||
			    p[i] == '\t' || p[i] == '\r')))
				return false;
			i++;
			continue;
		}
		l = text_utf8_char_len(p + i, len - i);
		if (l == 0)
			return false;
		/* U+0080..U+009F are control characters too (NEL among
		 * them): mail headers refuse them, so names must not hold
		 * them. */
		if (l == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
			return false;
		/* One line of text shows what it says: no line or paragraph
		 * separator (U+2028, U+2029), bidirectional override
		 * (U+202A..U+202E, U+2066..U+2069) or zero-width character
		 * (U+200B..U+200D, U+FEFF) that would reorder or hide what
		 * a Subject or a From name shows (CONTRACT §9). */
		if (!allow_newlines && l == 3 &&
		    ((p[i] == 0xe2 && p[i + 1] == 0x80 &&
		    ((p[i + 2] >= 0x8b && p[i + 2] <= 0x8d) ||
		    (p[i + 2] >= 0xa8 && p[i + 2] <= 0xae))) ||
		    (p[i] == 0xe2 && p[i + 1] == 0x81 && p[i + 2] >= 0xa6 &&
		    p[i + 2] <= 0xa9) ||
		    (p[i] == 0xef && p[i + 1] == 0xbb && p[i + 2] == 0xbf)))
			return false;
		i += l;
	}
	return true;
}

/* ==== e-mail addresses ================================================== */

/* dot-atom-text: atext runs separated by single dots. */
static bool
is_dot_atom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
		} else if (!is_atext((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* A host name: two or more LDH labels (RFC 1035 §2.3.1 "preferred name
 * syntax", digits allowed first as RFC 1123 §2.1 says), no root dot. */
static bool
is_host_name(const char *d)
{
	const char *p = d, *start;
	size_t labels = 0;

	for (;;) {
		start = p;
		while (is_alnum((unsigned char)*p) || *p == '-')
			p++;
		if (p == start || start[0] == '-' || p[-1] == '-')
			return false;
		labels++;
		if (*p == '\0')
			break;
		if (*p != '.')
			return false;
		p++;
	}
	return labels >= 2;
}

bool
text_email_is_valid(const char *addr)
{
	const char *at;
	size_t n;

	if (addr == NULL)
		return false;
	n = strlen(addr);
	if (n < 3 || n > TEXT_EMAIL_MAX_LEN)
		return false;
	at = strchr(addr, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return false;
	n = (size_t)(at - addr);
	if (n > TEXT_EMAIL_LOCAL_MAX || !is_dot_atom(addr, n))
		return false;
	return is_host_name(at + 1);
}

/* ==== HTML ============================================================== */

void
text_html_escape(struct buf *b, const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		/* HTML reads a line break as LF alone, and a mail part must
		 * not carry a bare CR: the LF of CR LF is kept. */
		case '\r': break;
		default: buf_addc(b, *s); break;
		}
	}
}

/* ==== numbers =========================================================== */

int
text_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p;
	char *end;
	long long v;
	int saved, failed;

	if (s == NULL)
		return -1;
	p = s;
	if (*p == '-' && min < 0)
		p++;
	/* strtoll() would skip spaces and take '+': refuse both here. */
	if (!is_digit((unsigned char)*p))
		return -1;
	saved = errno;
	errno = 0;
	v = strtoll(s, &end, 10);
	failed = errno != 0;
	errno = saved;
	if (failed || end == s || *end != '\0')
		return -1;
	if (v < min || v > max)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* ==== IP addresses ====================================================== */
bool
text_ip_normalize(const char *s, char *out, size_t size)
{
	unsigned char a[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };

	if (size < 46)
		return false;
	if (inet_pton(AF_INET, s, a) == 1)
		return inet_ntop(AF_INET, a, out, (socklen_t)size) != NULL;
	if (inet_pton(AF_INET6, s, a) != 1)
		return false;
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return inet_ntop(AF_INET, a + 12, out, (socklen_t)size) != NULL;
	return inet_ntop(AF_INET6, a, out, (socklen_t)size) != NULL;
}
