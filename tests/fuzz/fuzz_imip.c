/*
 * fuzz_imip.c - the iMIP message builder (ics/imip.c) on any names,
 * addresses, subject, bodies and URL: either it refuses, naming the
 * field, or the message keeps the invariants of ics/imip.h: CRLF line
 * ends only, header lines of at most 998 octets, exactly one From, To
 * and Subject header (no input adds a header or a recipient), and the
 * texts of imip_invite_text_build() never break a line in the subject.
 *
 * The input is NUL-separated: from name, to name, to address, subject,
 * text, html, unsubscribe URL, Message-ID, method, then the invitation
 * texts' club name, title, description, location and video URL.
 */
#include "fuzz.h"
#include "imip.h"

static const char ICS[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//clubmatch//fuzz//EN\r\n"
	"METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u1@clubmatch.test\r\n"
	"DTSTAMP:20300101T000000Z\r\nDTSTART:20300107T190000Z\r\n"
	"SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/* How many header lines of the message start with name (e.g. "To:"). */
static int
headers_named(const char *msg, size_t hlen, const char *name)
{
	size_t n = strlen(name);
	int count = 0;
	const char *p = msg;

	while (p < msg + hlen) {
		const char *eol = strstr(p, "\r\n");

		if (eol == NULL || eol > msg + hlen)
			break;
		if ((size_t)(eol - p) >= n && strncasecmp(p, name, n) == 0)
			count++;
		p = eol + 2;
	}
	return count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[14];
	struct imip_message m;
	struct imip_invite_text t;
	struct err err;
	char *copy, *msg, *subject, *text, *html;
	const char *body, *p;
	size_t len = 0, hlen;

	if (size > 50000)
		return 0;
	copy = fuzz_fields(data, size, f, 14);

	memset(&t, 0, sizeof(t));
	t.club_name = f[9] ? f[9] : "Loop";
	t.title = f[10] ? f[10] : "Book club";
	t.description = f[11];
	t.location = f[12];
	t.video_url = f[13];
	t.member_name = f[1];
	t.when_meeting = "Mon 7 Jan 2030, 19:00";
	t.rsvp_yes_url = f[6];
	t.unsubscribe_url = f[6];
	imip_invite_text_build(&t, &subject, &text, &html);
	FUZZ_ASSERT(strpbrk(subject, "\r\n") == NULL, "a line break in the "
	    "subject: %s", subject);

	memset(&m, 0, sizeof(m));
	m.from_addr = "clubmatch@clubmatch.test";
	m.from_name = f[0];
	m.to_name = f[1];
	m.to_addr = f[2] && f[2][0] ? f[2] : "ann@example.org";
	m.subject = f[3] ? f[3] : subject;
	m.text = f[4] ? f[4] : text;
	m.html = f[5] ? f[5] : html;
	m.unsubscribe_url = f[6] && f[6][0] ? f[6] : NULL;
	m.message_id = f[7] && f[7][0] ? f[7] : "m1.s1.r1@clubmatch.test";
	m.method = f[8] && f[8][0] ? f[8] : "REQUEST";
	m.ics = ICS;
	m.ics_len = sizeof(ICS) - 1;
	m.date = 1893456000;
	err_clear(&err);
	msg = imip_message_build(&m, &len, &err);
	if (msg == NULL) {
		FUZZ_ASSERT(err.code == ERR_INVALID && err.field[0],
		    "a refusal names no field: %s", err.msg);
	} else {
		FUZZ_ASSERT(strlen(msg) == len, "a NUL inside the message");
		body = strstr(msg, "\r\n\r\n");
		FUZZ_ASSERT(body != NULL, "no end of headers");
		hlen = (size_t)(body - msg) + 2;
		for (p = msg; *p; p++) {
			FUZZ_ASSERT(*p != '\n' || (p > msg && p[-1] == '\r'),
			    "a bare LF at %zu", (size_t)(p - msg));
			FUZZ_ASSERT(*p != '\r' || p[1] == '\n',
			    "a bare CR at %zu", (size_t)(p - msg));
		}
		for (p = msg; p < msg + hlen;) {
			const char *eol = strstr(p, "\r\n");

			FUZZ_ASSERT(eol - p <= 998, "a header line of %zu "
			    "octets", (size_t)(eol - p));
			p = eol + 2;
		}
		FUZZ_ASSERT(headers_named(msg, hlen, "From:") == 1 &&
		    headers_named(msg, hlen, "To:") == 1 &&
		    headers_named(msg, hlen, "Subject:") == 1 &&
		    headers_named(msg, hlen, "Cc:") == 0 &&
		    headers_named(msg, hlen, "Bcc:") == 0,
		    "headers added by input:\n%.*s", (int)hlen, msg);
		free(msg);
	}
	free(subject);
	free(text);
	free(html);
	free(copy);
	return 0;
}
