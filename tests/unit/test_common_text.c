/*
 * test_common_text.c - common/text: the one UTF-8 check, e-mail check,
 * HTML escape and integer parser.
 *
 * The e-mail table holds every case of test_imip.c's test_address_is_valid
 * (the mailer's rules), so the API and the mailer cannot drift apart
 * again, plus the addresses the old API check let through.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "text.h"

/* ==== e-mail addresses ================================================== */

struct email_case {
	const char *addr;	/* the input */
	bool ok;		/* whether text_email_is_valid() takes it */
};

static const struct email_case email_cases[] = {
	/* test_imip.c test_address_is_valid */
	{ "alice@example.com", true },
	{ "a.b+tag@mail.example.co.uk", true },
	{ "o'neil@example.com", true },
	{ "", false },
	{ "alice", false },
	{ "alice@localhost", false },
	{ "@example.com", false },
	{ "a@@example.com", false },
	{ "a@b@example.com", false },
	{ "a b@example.com", false },
	{ "a@example.com\r\n", false },
	{ "a@example.com\r\nRCPT TO:<b@x.com>", false },
	{ "a@example.com,b@example.com", false },
	{ "a@example.com>", false },
	{ "<a@example.com", false },
	{ "\"a\"@example.com", false },
	{ "a(b)@example.com", false },
	{ "a;b@example.com", false },
	{ "a:b@example.com", false },
	{ "a\\b@example.com", false },
	{ "a@[127.0.0.1]", false },
	{ "a..b@example.com", false },
	{ "a@example..com", false },
	{ "a@.example.com", false },
	{ "a@example.com.", false },
	{ "a@exa_mple.com", false },
	{ "caf\xc3\xa9@example.com", false },

	/* What service_email_is_valid() used to accept. */
	{ ".a@example.com", false },
	{ "a.@example.com", false },
	{ "a@-x.com", false },
	{ "a@x-.com", false },
	{ "a@x.-com", false },
	{ "a@x.com-", false },
	{ "a@x_y.com", false },
	{ "a@example", false },

	/* More of the same rules. */
	{ "a@b.c", true },
	{ "A.B@EXAMPLE.COM", true },
	{ "a@x-y.example.com", true },
	{ "a@x--y.com", true },
	{ "a@1.2.3.4", true },		/* digit labels are LDH too */
	{ "!$&'*+-=^_`{|}~@example.com", true },
	/* atext, but they would need escaping in a calendar's mailto: URI
	 * (docs/calendar.md), so they are refused everywhere. */
	{ "a#b@example.com", false },
	{ "a%b@example.com", false },
	{ "a/b@example.com", false },
	{ "a?b@example.com", false },
	{ "a_b@example.com", true },	/* '_' is atext, not LDH */
	{ "a@", false },
	{ "@", false },
	{ "ab", false },
	{ "a@.", false },
	{ "a@.com", false },
	{ "a@com.", false },
	{ "a@x..com", false },
	{ "a@x.com@", false },
	{ "a@exa mple.com", false },
	{ "a\t@example.com", false },
	{ "a\x7f@example.com", false },
	{ "a@example.com\n", false },
	{ "a@ex\xc3\xa9.com", false },
	{ "a[b]@example.com", false },
	{ "a@ex!ample.com", false },
	{ "a@ex+ample.com", false },
	{ "a@x.c_m", false },
	{ ".@example.com", false },
	{ "a@-.com", false },
};

/* local 'a's, '@', then a host name of 'b' labels ending in ".com", total
 * bytes in all; out must hold total + 1. */
static void
make_addr(char *out, size_t local, size_t total)
{
	size_t dom = total - local - 1, i;
	char *d = out + local + 1;

	memset(out, 'a', local);
	out[local] = '@';
	for (i = 0; i + 4 < dom; i++)
		d[i] = i % 50 == 49 ? '.' : 'b';
	memcpy(d + dom - 4, ".com", 4);
	out[total] = '\0';
}

static void
test_email_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(email_cases) / sizeof(email_cases[0]); i++) {
		const struct email_case *c = &email_cases[i];

		if (text_email_is_valid(c->addr) != c->ok) {
			fprintf(stderr, "# address '%s': expected %s\n",
			    c->addr, c->ok ? "valid" : "invalid");
			check_failed_now++;
		}
	}
	CHECK(!text_email_is_valid(NULL));
}

static void
test_email_lengths(void)
{
	char a[TEXT_EMAIL_MAX_LEN + 8];

	/* The local part: 64 bytes at most. */
	make_addr(a, 64, 64 + 12);
	CHECK(strlen(a) == 76);
	CHECK(text_email_is_valid(a));
	make_addr(a, 65, 65 + 12);
	CHECK(!text_email_is_valid(a));

	/* The whole address: 254 bytes at most. */
	make_addr(a, 64, 254);
	CHECK(strlen(a) == 254);
	CHECK(text_email_is_valid(a));
	make_addr(a, 64, 255);
	CHECK(strlen(a) == 255);
	CHECK(!text_email_is_valid(a));
	make_addr(a, 1, 254);
	CHECK(text_email_is_valid(a));
	make_addr(a, 1, 255);
	CHECK(!text_email_is_valid(a));

	/* test_imip.c's long addresses: 249 or 250 'a's then "@x.io".  The
	 * 254-byte one passes imip_address_is_valid(), which has no local
	 * part limit; here the 64-byte limit refuses both. */
	memset(a, 'a', 250);
	memcpy(a + 250, "@x.io", 6);
	CHECK(strlen(a) == 255);
	CHECK(!text_email_is_valid(a));
	memcpy(a + 249, "@x.io", 6);
	CHECK(strlen(a) == 254);
	CHECK(!text_email_is_valid(a));
}

/* ==== UTF-8 ============================================================= */

struct utf8_case {
	const char *bytes;	/* the sequence */
	size_t n;		/* bytes available */
	size_t want;		/* text_utf8_char_len() */
};

static const struct utf8_case utf8_cases[] = {
	{ "A", 1, 1 },
	{ "A", 0, 0 },
	{ "", 1, 1 },				/* NUL is U+0000 */
	{ "\x7f", 1, 1 },
	{ "\xc2\x80", 2, 2 },			/* U+0080, the first */
	{ "\xc3\xa9", 2, 2 },			/* é */
	{ "\xdf\xbf", 2, 2 },			/* U+07FF */
	{ "\xe0\xa0\x80", 3, 3 },		/* U+0800, the first */
	{ "\xe2\x82\xac", 3, 3 },		/* € */
	{ "\xed\x9f\xbf", 3, 3 },		/* U+D7FF */
	{ "\xee\x80\x80", 3, 3 },		/* U+E000 */
	{ "\xef\xbf\xbf", 3, 3 },		/* U+FFFF */
	{ "\xf0\x90\x80\x80", 4, 4 },		/* U+10000, the first */
	{ "\xf0\x9f\x8e\x89", 4, 4 },		/* 🎉 */
	{ "\xf4\x8f\xbf\xbf", 4, 4 },		/* U+10FFFF, the last */
	{ "\xc3\xa9xyz", 5, 2 },		/* stops after one */

	/* Overlong forms. */
	{ "\xc0\x80", 2, 0 },
	{ "\xc1\xbf", 2, 0 },
	{ "\xe0\x80\x80", 3, 0 },
	{ "\xe0\x9f\xbf", 3, 0 },
	{ "\xf0\x80\x80\x80", 4, 0 },
	{ "\xf0\x8f\xbf\xbf", 4, 0 },

	/* Surrogates and beyond U+10FFFF. */
	{ "\xed\xa0\x80", 3, 0 },		/* U+D800 */
	{ "\xed\xbf\xbf", 3, 0 },		/* U+DFFF */
	{ "\xf4\x90\x80\x80", 4, 0 },		/* U+110000 */
	{ "\xf5\x80\x80\x80", 4, 0 },
	{ "\xf7\xbf\xbf\xbf", 4, 0 },
	{ "\xf8\x88\x80\x80\x80", 5, 0 },
	{ "\xff", 1, 0 },
	{ "\xfe", 1, 0 },

	/* Stray continuation bytes and bad continuations. */
	{ "\x80", 1, 0 },
	{ "\xbf", 1, 0 },
	{ "\xc3\x41", 2, 0 },
	{ "\xe2\x82\x41", 3, 0 },
	{ "\xe2\xc3\xa9", 3, 0 },
	{ "\xf0\x9f\x8e\x41", 4, 0 },

	/* Truncated: n ends inside the sequence. */
	{ "\xc3\xa9", 1, 0 },
	{ "\xe2\x82\xac", 2, 0 },
	{ "\xe2\x82\xac", 1, 0 },
	{ "\xf0\x9f\x8e\x89", 3, 0 },
	{ "\xf0\x9f\x8e\x89", 2, 0 },
	{ "\xe2\x82", 3, 0 },			/* NUL: no continuation */
	{ "\xc3", 2, 0 },
};

static void
test_utf8_char_len(void)
{
	size_t i, got;

	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		const struct utf8_case *c = &utf8_cases[i];

		got = text_utf8_char_len((const unsigned char *)c->bytes, c->n);
		if (got != c->want) {
			fprintf(stderr, "# utf8 case %zu (n=%zu): got %zu, "
			    "want %zu\n", i, c->n, got, c->want);
			check_failed_now++;
		}
	}
}

static void
test_utf8_valid(void)
{
	static const char mixed[] =
	    "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\x89";	/* a é € 🎉 */
	size_t chars;

	chars = 99;
	CHECK(text_utf8_valid("", 0, &chars));
	CHECK(chars == 0);
	CHECK(text_utf8_valid(NULL, 0, NULL));
	CHECK(text_utf8_valid("plain ascii", 11, &chars));
	CHECK(chars == 11);
	CHECK(text_utf8_valid("caf\xc3\xa9", 5, &chars));
	CHECK(chars == 4);
	CHECK(text_utf8_valid(mixed, sizeof(mixed) - 1, &chars));
	CHECK(sizeof(mixed) - 1 == 10);
	CHECK(chars == 4);
	CHECK(text_utf8_valid("a\0b", 3, &chars));
	CHECK(chars == 3);
	CHECK(text_utf8_valid("caf\xc3\xa9", 5, NULL));

	/* A failure leaves *chars alone. */
	chars = 99;
	CHECK(!text_utf8_valid("ab\xe2\x82", 4, &chars));
	CHECK(chars == 99);
	CHECK(!text_utf8_valid("caf\xc3\xa9", 4, &chars));	/* cut */
	CHECK(!text_utf8_valid("\xc0\x80", 2, &chars));
	CHECK(!text_utf8_valid("x\xe0\x80\x80", 4, &chars));
	CHECK(!text_utf8_valid("x\xed\xa0\x80y", 5, &chars));
	CHECK(!text_utf8_valid("\xf4\x90\x80\x80", 4, &chars));
	CHECK(!text_utf8_valid("ok\x80", 3, &chars));
	CHECK(!text_utf8_valid(mixed, sizeof(mixed) - 2, &chars));
	CHECK(chars == 99);
}

/* ==== text_is_clean ===================================================== */

static void
test_is_clean(void)
{
	/* Length: 1..max bytes, counted in bytes. */
	CHECK(text_is_clean("Alice", 200, false));
	CHECK(!text_is_clean("", 200, false));
	CHECK(!text_is_clean("", 200, true));
	CHECK(!text_is_clean(NULL, 200, false));
	CHECK(text_is_clean("abc", 3, false));
	CHECK(!text_is_clean("abc", 2, false));
	CHECK(text_is_clean("caf\xc3\xa9", 5, false));
	CHECK(!text_is_clean("caf\xc3\xa9", 4, false));

	/* Newlines, tabs and CR only when allowed. */
	CHECK(!text_is_clean("a\nb", 200, false));
	CHECK(text_is_clean("a\nb", 200, true));
	CHECK(!text_is_clean("a\tb", 200, false));
	CHECK(text_is_clean("a\tb", 200, true));
	CHECK(!text_is_clean("a\r\nb", 200, false));
	CHECK(text_is_clean("a\r\nb", 200, true));
	CHECK(text_is_clean("\n", 200, true));

	/* Other C0 controls and DEL never. */
	CHECK(!text_is_clean("a\x01", 200, true));
	CHECK(!text_is_clean("a\x1b[31m", 200, true));
	CHECK(!text_is_clean("a\x0b", 200, true));
	CHECK(!text_is_clean("a\x0c", 200, true));
	CHECK(!text_is_clean("a\x1f", 200, true));
	CHECK(!text_is_clean("a\x7f", 200, true));
	CHECK(!text_is_clean("a\x7f", 200, false));

	/* C1 controls (U+0080..U+009F) never; U+00A0 on is fine. */
	CHECK(!text_is_clean("a\xc2\x85z", 200, false));	/* NEL */
	CHECK(!text_is_clean("a\xc2\x85z", 200, true));
	CHECK(!text_is_clean("\xc2\x80", 200, true));
	CHECK(!text_is_clean("\xc2\x9f", 200, true));
	CHECK(text_is_clean("\xc2\xa0", 200, false));		/* NBSP */
	CHECK(text_is_clean("Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\x89",
	    200, false));

	/* Invalid UTF-8. */
	CHECK(!text_is_clean("caf\xc3", 200, false));
	CHECK(!text_is_clean("\xc0\x80", 200, true));
	CHECK(!text_is_clean("\xc1\x81", 200, true));
	CHECK(!text_is_clean("\xe0\x80\x80", 200, true));
	CHECK(!text_is_clean("\xed\xa0\x80", 200, true));
	CHECK(!text_is_clean("\xf4\x90\x80\x80", 200, true));
	CHECK(!text_is_clean("a\x80", 200, true));
	CHECK(!text_is_clean("\xff", 200, true));
}

/* ==== HTML ============================================================== */

static void
check_escape(const char *in, const char *want, int line)
{
	struct buf b;

	buf_init(&b);
	text_html_escape(&b, in);
	if (strcmp(b.data, want) != 0 || b.len != strlen(want)) {
		fprintf(stderr, "# line %d: escaped '%s', want '%s'\n",
		    line, b.data, want);
		check_failed_now++;
	}
	buf_release(&b);
}

static void
test_html_escape(void)
{
	struct buf b;

	check_escape("", "", __LINE__);
	check_escape("plain text", "plain text", __LINE__);
	check_escape("&", "&amp;", __LINE__);
	check_escape("<", "&lt;", __LINE__);
	check_escape(">", "&gt;", __LINE__);
	check_escape("\"", "&quot;", __LINE__);
	check_escape("'", "&#39;", __LINE__);
	check_escape("<a href=\"x\">O'Neil & co</a>",
	    "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;",
	    __LINE__);
	check_escape("&amp;", "&amp;amp;", __LINE__);	/* no guessing */
	check_escape("<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;", __LINE__);
	check_escape("caf\xc3\xa9 \xf0\x9f\x8e\x89",
	    "caf\xc3\xa9 \xf0\x9f\x8e\x89", __LINE__);
	check_escape("a\r\nb\tc", "a\nb\tc", __LINE__);

	/* It appends, and NULL appends nothing. */
	buf_init(&b);
	buf_adds(&b, "<p>");
	text_html_escape(&b, "1 < 2");
	text_html_escape(&b, NULL);
	buf_adds(&b, "</p>");
	CHECK_STR(b.data, "<p>1 &lt; 2</p>");
	buf_release(&b);
}

/* ==== numbers =========================================================== */

/* Parses s and checks that it gives want. */
static void
check_int(const char *s, int64_t min, int64_t max, int64_t want, int line)
{
	int64_t v = -12345;

	if (text_parse_int64(s, min, max, &v) != 0 || v != want) {
		fprintf(stderr, "# line %d: '%s' not parsed as %lld\n", line,
		    s, (long long)want);
		check_failed_now++;
	}
}

/* Checks that s is refused and *out left alone. */
static void
check_int_bad(const char *s, int64_t min, int64_t max, int line)
{
	int64_t v = -12345;

	if (text_parse_int64(s, min, max, &v) != -1 || v != -12345) {
		fprintf(stderr, "# line %d: '%s' not refused\n", line,
		    s ? s : "(null)");
		check_failed_now++;
	}
}

static void
test_parse_int64(void)
{
	int64_t v;

	check_int("0", 0, 10, 0, __LINE__);
	check_int("7", 0, 10, 7, __LINE__);
	check_int("007", 0, 10, 7, __LINE__);
	check_int("10", 0, 10, 10, __LINE__);
	check_int("1000000", 0, 1000000, 1000000, __LINE__);
	check_int("-5", -10, 10, -5, __LINE__);
	check_int("-10", -10, 10, -10, __LINE__);
	check_int("-0", -1, 1, 0, __LINE__);
	check_int("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX,
	    __LINE__);
	check_int("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN,
	    __LINE__);

	/* Signs and spaces. */
	check_int_bad("+1", 0, 10, __LINE__);
	check_int_bad("+1", -10, 10, __LINE__);
	check_int_bad("-1", 0, 10, __LINE__);
	check_int_bad("-0", 0, 10, __LINE__);
	check_int_bad("-", -10, 10, __LINE__);
	check_int_bad("--1", -10, 10, __LINE__);
	check_int_bad("-+1", -10, 10, __LINE__);
	check_int_bad("- 1", -10, 10, __LINE__);
	check_int_bad(" 1", 0, 10, __LINE__);
	check_int_bad("\t1", 0, 10, __LINE__);
	check_int_bad("1 ", 0, 10, __LINE__);
	check_int_bad("1\n", 0, 10, __LINE__);

	/* Not a decimal number. */
	check_int_bad("", 0, 10, __LINE__);
	check_int_bad(NULL, 0, 10, __LINE__);
	check_int_bad("1x", 0, 10, __LINE__);
	check_int_bad("x1", 0, 10, __LINE__);
	check_int_bad("0x10", 0, 100, __LINE__);
	check_int_bad("1e3", 0, 10000, __LINE__);
	check_int_bad("1.0", 0, 10, __LINE__);
	check_int_bad("1,000", 0, 10000, __LINE__);
	check_int_bad("\xd9\xa1", 0, 10, __LINE__);	/* Arabic-Indic 1 */

	/* Overflow and bounds. */
	check_int_bad("9223372036854775808", INT64_MIN, INT64_MAX, __LINE__);
	check_int_bad("-9223372036854775809", INT64_MIN, INT64_MAX, __LINE__);
	check_int_bad("99999999999999999999999999999999", INT64_MIN,
	    INT64_MAX, __LINE__);
	check_int_bad("-99999999999999999999999999999999", INT64_MIN,
	    INT64_MAX, __LINE__);
	check_int_bad("11", 0, 10, __LINE__);
	check_int_bad("4", 5, 10, __LINE__);
	check_int_bad("-11", -10, 10, __LINE__);
	check_int_bad("1", 2, 1, __LINE__);		/* empty range */

	/* errno is the caller's, success or failure. */
	errno = EINTR;
	CHECK(text_parse_int64("99999999999999999999", 0, INT64_MAX, &v) ==
	    -1);
	CHECK(errno == EINTR);
	CHECK(text_parse_int64("5", 0, 10, &v) == 0 && v == 5);
	CHECK(errno == EINTR);
	errno = 0;
}

static void
test_is_blank(void)
{
	CHECK(text_is_blank(NULL));
	CHECK(text_is_blank(""));
	CHECK(!text_is_blank(" "));
	CHECK(!text_is_blank("a"));
}

int
main(void)
{
	RUN(test_is_blank);
	RUN(test_email_table);
	RUN(test_email_lengths);
	RUN(test_utf8_char_len);
	RUN(test_utf8_valid);
	RUN(test_is_clean);
	RUN(test_html_escape);
	RUN(test_parse_int64);
	return check_done();
}
