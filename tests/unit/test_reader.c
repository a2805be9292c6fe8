/*
 * test_reader.c - reader_parse() on replies as Gmail, Outlook, Apple Mail
 * and Thunderbird send them, Postfix and Exim reports, an RFC 3834
 * auto-reply, people's replies, and broken or hostile messages.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "ics.h"
#include "mail_samples.h"
#include "reader.h"

static struct reader_msg M;

/* Parses b (or s) into M, freeing the previous one. */
static void
parse_n(const char *s, size_t n)
{
	struct err e;

	reader_msg_free(&M);
	err_clear(&e);
	CHECK(reader_parse(s, n, SAMPLE_FROM, &M, &e) == 0);
}

static void
parse(const char *s)
{
	parse_n(s, strlen(s));
}

static void
parse_built(void (*build)(struct buf *))
{
	struct buf b;

	buf_init(&b);
	build(&b);
	parse_n(b.data, b.len);
	buf_release(&b);
}

static bool
has_tag(const char *tag)
{
	size_t i;

	for (i = 0; i < M.n_tags; i++) {
		if (strcmp(M.tags[i], tag) == 0)
			return true;
	}
	return false;
}

static void
test_gmail(void)
{
	parse_built(sample_gmail);
	CHECK(M.kind == READER_CALENDAR);
	CHECK_STR(reader_kind_name(M.kind), "calendar");
	CHECK_STR(M.message_id, "CAGmail123abc@mail.gmail.com");
	CHECK_STR(M.from, "alice.oneil@gmail.com");
	CHECK_STR(M.from_name, "Alice O'Neil");
	CHECK(M.n_tags == 1 && has_tag(SAMPLE_TAG));	/* To + Delivered-To */
	CHECK(M.reply != NULL && M.reply->method == ICS_REPLY_METHOD_REPLY);
	CHECK(M.calendar != NULL && strstr(M.calendar, "METHOD:REPLY"));
	if (M.reply != NULL && M.reply->n_events == 1) {
		CHECK_STR(M.reply->events[0].attendees[0].email,
		    "alice.oneil@gmail.com");
		CHECK(M.reply->events[0].attendees[0].partstat ==
		    ICS_REPLY_PARTSTAT_ACCEPTED);
		CHECK_STR(M.reply->events[0].comment,
		    "See you there, I'll bring a board\nand clocks");
	}
}

static void
test_outlook(void)
{
	parse_built(sample_outlook);
	CHECK(M.kind == READER_CALENDAR);
	CHECK_STR(M.message_id,
	    "DM6PR01MB1234ABCD@DM6PR01MB1234.prod.outlook.com");
	CHECK_STR(M.subject, "Tentative: Monthly meeting");
	CHECK_STR(M.from, "bob.smith@outlook.com");
	CHECK(has_tag(SAMPLE_TAG));
	/* Quoted-printable undone: the folded ATTENDEE line is whole. */
	CHECK(M.reply != NULL && M.reply->n_events == 1 &&
	    M.reply->events[0].attendees[0].partstat ==
	    ICS_REPLY_PARTSTAT_TENTATIVE);
	CHECK(M.reply != NULL && M.reply->n_events == 1 &&
	    M.reply->events[0].recurrence_id.set);
}

static void
test_apple(void)
{
	parse_built(sample_apple);
	CHECK(M.kind == READER_CALENDAR);	/* application/octet-stream .ics */
	CHECK_STR(M.message_id, "A1B2C3D4-E5F6@icloud.com");
	CHECK(M.n_tags == 1 && has_tag(SAMPLE_TAG));
	CHECK(M.reply != NULL && M.reply->events[0].attendees[0].partstat ==
	    ICS_REPLY_PARTSTAT_DECLINED);
}

static void
test_thunderbird(void)
{
	parse_built(sample_thunderbird);
	CHECK(M.kind == READER_CALENDAR);
	CHECK_STR(M.from, "dave@example.net");
	CHECK(M.reply != NULL && M.reply->events[0].recurrence_id.is_date);
	CHECK(M.text != NULL && strstr(M.text, "has accepted") != NULL);
	parse_built(sample_counter);
	CHECK(M.kind == READER_CALENDAR);
	CHECK(M.reply != NULL && M.reply->method == ICS_REPLY_METHOD_COUNTER);
	CHECK_STR(M.reason, "calendar counter");
}

static void
test_postfix_dsn(void)
{
	parse(sample_postfix_dsn);
	CHECK(M.kind == READER_BOUNCE);
	CHECK_STR(M.original_message_id, "m42.s2.r7@clubs.example.org");
	CHECK(M.n_dsn == 1);
	CHECK_STR(M.dsn[0].final_recipient, "nobody@example.com");
	CHECK_STR(M.dsn[0].action, "failed");
	CHECK_STR(M.dsn[0].status, "5.1.1");
	CHECK(M.dsn[0].permanent);
	CHECK(M.n_tags == 0);
}

static void
test_exim_dsn(void)
{
	parse(sample_exim_dsn);
	CHECK(M.kind == READER_BOUNCE);
	CHECK_STR(M.original_message_id, "m43.s1.r9@clubs.example.org");
	CHECK(M.n_dsn == 1);
	CHECK_STR(M.dsn[0].final_recipient, "slow@example.org");
	CHECK_STR(M.dsn[0].action, "delayed");
	CHECK_STR(M.dsn[0].status, "4.7.1");
	CHECK(!M.dsn[0].permanent);
}

static void
test_auto(void)
{
	static const char *const shapes[] = {
		"Auto-Submitted: auto-replied\r\n",
		"Precedence: bulk\r\n",
		"Precedence: list\r\n",
		"X-Autoreply: yes\r\n",
		"X-Autorespond: on\r\n",
		"Return-Path: <>\r\n",
		"Subject: Automatic reply: Invitation\r\n",
		"Subject: Out of Office: Invitation\r\n",
	};
	struct buf b;
	size_t i;

	parse(sample_vacation);
	CHECK(M.kind == READER_AUTO);
	CHECK(has_tag(SAMPLE_TAG));
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		buf_init(&b);
		buf_addf(&b, "From: x@example.com\r\nTo: " SAMPLE_TAGGED
		    "\r\n%sMessage-ID: <a%zu@x>\r\n\r\nHello\r\n", shapes[i],
		    i);
		parse(b.data);
		CHECK(M.kind == READER_AUTO);
		if (M.kind != READER_AUTO)
			fprintf(stderr, "#   shape %zu: %s\n", i, shapes[i]);
		buf_release(&b);
	}
	/* "Auto-Submitted: no" is a person. */
	parse("From: x@example.com\r\nAuto-Submitted: no\r\n"
	    "Subject: Re: hi\r\n\r\nI will come\r\n");
	CHECK(M.kind == READER_HUMAN);
}

static void
test_human(void)
{
	parse(sample_human);
	CHECK(M.kind == READER_HUMAN);
	CHECK_STR(M.from, "francois@example.fr");
	CHECK_STR(M.from_name, "Fran\xc3\xa7ois Martin");
	CHECK_STR(M.in_reply_to, "m42.s2.r7@clubs.example.org");
	CHECK(has_tag(SAMPLE_TAG) && M.n_tags == 1);
	/* Latin-1 made UTF-8, the quoted text kept, CRLF made LF. */
	CHECK(M.text != NULL &&
	    strstr(M.text, "plays \xc3\xa0 la fran\xc3\xa7" "aise.\n") != NULL);
	CHECK(M.text != NULL && strstr(M.text, "> Yes / No / Maybe") != NULL);
	CHECK(M.text != NULL && strchr(M.text, '\r') == NULL);
	CHECK(!M.text_truncated);

	parse(sample_human_html);
	CHECK(M.kind == READER_HUMAN);
	CHECK(M.text != NULL && strstr(M.text, "I'll be there & early.") !=
	    NULL);
	CHECK(M.text != NULL && strstr(M.text, "color") == NULL);
}

/* Tags: case, other domains, other locals, too short or long. */
static void
test_tags(void)
{
	parse("From: a@example.com\r\n"
	    "To: CLUBMATCH+ABCDEFGHIJ0123456789@Clubs.Example.Org, "
	    "clubmatch+short@clubs.example.org\r\n"
	    "Cc: clubmatch+aaaaaaaaaaaaaaaaaaaa@other.example.org, "
	    "club+bbbbbbbbbbbbbbbbbbbb@clubs.example.org, "
	    "Friends: clubmatch+cccccccccccccccccccc@clubs.example.org;\r\n"
	    "Delivered-To: clubmatch+dddddddddddddddd-x@clubs.example.org\r\n"
	    "X-Original-To: clubmatch+"
	    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	    "@clubs.example.org\r\n"
	    "Bcc: clubmatch+ffffffffffffffffffff@clubs.example.org\r\n"
	    "\r\nhi\r\n");
	CHECK(M.n_tags == 2);
	CHECK(has_tag("abcdefghij0123456789"));
	CHECK(has_tag("cccccccccccccccccccc"));	/* inside a group */
}

static void
test_truncated_and_bad(void)
{
	struct buf b, m;
	size_t cut;

	/* Cut in the middle of the base64 calendar, and at every 97th
	 * byte: never a crash, whatever the kind. */
	buf_init(&b);
	sample_gmail(&b);
	for (cut = 0; cut < b.len; cut += 97)
		parse_n(b.data, cut);
	parse_n(b.data, b.len / 2);
	CHECK(M.kind != READER_CALENDAR || M.reply != NULL);
	buf_release(&b);

	/* Bad base64 in the calendar part. */
	parse("From: x@example.com\r\nTo: " SAMPLE_TAGGED "\r\n"
	    "Content-Type: text/calendar; method=REPLY\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "!!!!****@@@@====QkVHSU46VkNBTEVOREFS\r\n%%%%\r\n");
	CHECK(M.kind == READER_JUNK);

	/* A calendar that is our own REQUEST (a forward) is not an answer. */
	parse("From: x@example.com\r\nContent-Type: text/calendar\r\n\r\n"
	    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:a\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n");
	CHECK(M.kind != READER_CALENDAR);

	/* Not mail at all. */
	parse_n("", 0);
	CHECK(M.kind == READER_JUNK);
	parse_n("\0\0\0\xff\xfe", 5);
	CHECK(M.kind == READER_JUNK);
	parse("just some words\r\n");
	CHECK(M.kind == READER_JUNK || M.kind == READER_HUMAN);

	/* Missing closing boundary, boundary never used. */
	parse("From: x@example.com\r\nContent-Type: multipart/mixed; "
	    "boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\n"
	    "I will come\r\n");
	CHECK(M.kind == READER_HUMAN);

	/* Invalid UTF-8 and controls in a subject and text. */
	buf_init(&m);
	buf_adds(&m, "From: x@example.com\r\nSubject: a\x01\xff" "b\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\nok\xc3(\x7f\r\n");
	parse_n(m.data, m.len);
	CHECK(M.subject != NULL && text_utf8_valid(M.subject,
	    strlen(M.subject), NULL) && strchr(M.subject, '\x01') == NULL);
	CHECK(M.text != NULL && text_utf8_valid(M.text, M.text_len, NULL));
	buf_release(&m);
}

static void
test_limits(void)
{
	struct buf b;
	size_t i;
	char *big;

	/* 12 MiB: junk without parsing. */
	big = malloc(12u << 20);
	CHECK(big != NULL);
	if (big != NULL) {
		memset(big, 'a', 12u << 20);
		memcpy(big, "From: x@example.com\r\n\r\n", 24);
		parse_n(big, 12u << 20);
		CHECK(M.kind == READER_JUNK);
		CHECK_STR(M.reason, "too large");
		free(big);
	}

	/* A calendar with 1,000 VEVENTs: 50 read. */
	buf_init(&b);
	buf_adds(&b, "From: x@example.com\r\nTo: " SAMPLE_TAGGED "\r\n"
	    "Content-Type: text/calendar; method=REPLY\r\n\r\n"
	    "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n");
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "BEGIN:VEVENT\r\nUID:%zu\r\nATTENDEE;PARTSTAT="
		    "ACCEPTED:mailto:x@example.com\r\nEND:VEVENT\r\n", i);
	buf_adds(&b, "END:VCALENDAR\r\n");
	parse_n(b.data, b.len);
	CHECK(M.kind == READER_CALENDAR);
	CHECK(M.reply != NULL && M.reply->n_events == ICS_REPLY_MAX_EVENTS &&
	    M.reply->n_ignored == 950);
	buf_release(&b);

	/* Nested multiparts: 500 deep parses (walked to depth 16); 50,000
	 * deep is junk before GMime's recursive parser sees it. */
	for (int depth = 500; depth <= 50000; depth *= 100) {
		buf_init(&b);
		buf_adds(&b, "From: x@example.com\r\n");
		for (i = 0; i < (size_t)depth; i++)
			buf_addf(&b, "Content-Type: multipart/mixed; "
			    "boundary=b%zu\r\n\r\n--b%zu\r\n", i, i);
		buf_adds(&b, "Content-Type: text/plain\r\n\r\ndeep\r\n");
		parse_n(b.data, b.len);
		CHECK(M.kind == READER_JUNK);
		buf_release(&b);
	}

	/* Long text: cut at 64 KiB on a character boundary. */
	buf_init(&b);
	buf_adds(&b, "From: x@example.com\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\n\r\n");
	for (i = 0; i < 40000; i++)
		buf_adds(&b, "\xc3\xa9");
	parse_n(b.data, b.len);
	CHECK(M.kind == READER_HUMAN);
	CHECK(M.text_truncated && M.text_len <= READER_TEXT_MAX);
	CHECK(M.text != NULL && text_utf8_valid(M.text, M.text_len, NULL));
	buf_release(&b);
}

int
main(void)
{
	struct err e;
	struct reader_msg untouched;

	err_clear(&e);
	if (ics_init(&e) != 0)
		return check_setup_failed("ics_init", e.msg);
	reader_init();
	memset(&untouched, 0x5a, sizeof(untouched));
	if (reader_parse("x", 1, NULL, &untouched, &e) != -1 ||
	    e.code != ERR_INVALID)
		return check_setup_failed("reader_parse", "NULL mail_from");
	RUN(test_gmail);
	RUN(test_outlook);
	RUN(test_apple);
	RUN(test_thunderbird);
	RUN(test_postfix_dsn);
	RUN(test_exim_dsn);
	RUN(test_auto);
	RUN(test_human);
	RUN(test_tags);
	RUN(test_truncated_and_bad);
	RUN(test_limits);
	reader_msg_free(&M);
	reader_shutdown();
	ics_shutdown();
	return check_done();
}
