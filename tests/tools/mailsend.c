/*
 * mailsend.c - build N invitation messages with imip_message_build() and
 * deliver them with mail_send(), for tests/integration/t0400_mail.py and
 * bench/bench_mail.py.
 *
 *   mailsend [--smtp URL | --maildir DIR] [--count N] [--from ADDR]
 *            [--to ADDR] [--timeout S] [--reconnect] [--user U]
 *            [--password P] [--dump DIR] [--method REQUEST|CANCEL]
 *            [--step]
 *
 * Prints "sent I" or "error I CODE message" per message, then
 * "summary sent=S failed=F connects=C seconds=T rate=R" (messages per
 * second over the sends only; building is done before the clock starts).
 * --reconnect uses a new transport, so a new connection, per message.
 * --dump writes each built message to DIR/I.eml.  --step reads one line
 * from stdin before each message after the first (EOF stops), so a test
 * can change the server between two sends of one kept transport.
 * Exit status: 0 when every message was sent, 1 otherwise, 2 on bad
 * usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "imip.h"
#include "mail.h"
#include "text.h"

#include "../unit/fixtures.h"

static const char ICS_FMT[] =
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//clubmatch//mailsend//EN\r\n"
    "METHOD:%s\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:meeting-42@clubmatch.test\r\n"
    "SEQUENCE:%d\r\n"
    "DTSTAMP:20270301T120000Z\r\n"
    "DTSTART;TZID=America/Chicago:20270309T190000\r\n"
    "DURATION:PT1H30M\r\n"
    "RRULE:FREQ=MONTHLY;BYDAY=2TU\r\n"
    "SUMMARY:R\xc3\xa9union mensuelle\r\n"
    "ORGANIZER;CN=\"Club d'\xc3\xa9" "checs\":mailto:%s\r\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;\r\n"
    " RSVP=TRUE;CN=Zo\xc3\xab:mailto:%s\r\n"
    "LOCATION:https://meet.example/abc\r\n"
    "%s"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n";

static const char *
code_name(enum err_code c)
{
	switch (c) {
	case ERR_OK: return "OK";
	case ERR_INVALID: return "ERR_INVALID";
	case ERR_MALFORMED: return "ERR_MALFORMED";
	case ERR_NOT_FOUND: return "ERR_NOT_FOUND";
	case ERR_CONFLICT: return "ERR_CONFLICT";
	case ERR_FORBIDDEN: return "ERR_FORBIDDEN";
	case ERR_UNAVAILABLE: return "ERR_UNAVAILABLE";
	case ERR_INTERNAL: return "ERR_INTERNAL";
	}
	return "?";
}

static void
usage(void)
{
	fprintf(stderr, "usage: mailsend [--smtp URL | --maildir DIR] "
	    "[--count N] [--from ADDR] [--to ADDR] [--timeout S] "
	    "[--reconnect] [--user U] [--password P] [--dump DIR] "
	    "[--method M] [--step] [--ca-file PEM]\n");
	exit(2);
}

static char *
build_one(int i, const char *from, const char *to, const char *method,
    size_t *len)
{
	struct imip_invite_text t = fixture_invite_text();
	struct imip_message m;
	char *subject, *text, *html, *ics, *msg, id[128];
	struct err e;
	int n;

	t.club_name = "Club d'\xc3\xa9" "checs de Montr\xc3\xa9" "al";
	t.member_name = "Zo\xc3\xab";
	t.title = "R\xc3\xa9union mensuelle";
	t.description = "Bring a board.\n.A line that starts with a dot.";
	t.cancelled = strcmp(method, "CANCEL") == 0;
	imip_invite_text_build(&t, &subject, &text, &html);
	n = snprintf(NULL, 0, ICS_FMT, method, i, from, to,
	    t.cancelled ? "STATUS:CANCELLED\r\n" : "");
	ics = malloc((size_t)n + 1);
	snprintf(ics, (size_t)n + 1, ICS_FMT, method, i, from, to,
	    t.cancelled ? "STATUS:CANCELLED\r\n" : "");
	snprintf(id, sizeof(id), "mailsend.%ld.%d@clubmatch.test",
	    (long)getpid(), i);
	memset(&m, 0, sizeof(m));
	m.from_addr = from;
	m.from_name = t.club_name;
	m.to_addr = to;
	m.to_name = "Zo\xc3\xab Dupont";
	m.subject = subject;
	m.text = text;
	m.html = html;
	m.ics = ics;
	m.ics_len = (size_t)n;
	m.method = method;
	m.message_id = id;
	m.date = time(NULL);
	m.unsubscribe_url = t.unsubscribe_url;
	err_clear(&e);
	msg = imip_message_build(&m, len, &e);
	if (msg == NULL) {
		fprintf(stderr, "mailsend: cannot build message: %s\n", e.msg);
		exit(1);
	}
	free(subject);
	free(text);
	free(html);
	free(ics);
	return msg;
}

int
main(int argc, char **argv)
{
	struct mail_config cfg = { .timeout_seconds = 10 };
	const char *from = "clubmatch@clubmatch.test";
	const char *to = "zoe@example.com", *dump = NULL;
	const char *method = "REQUEST";
	struct mail_transport *t = NULL;
	long count = 1, connects = 0, i;
	bool reconnect = false, step = false;
	int sent = 0, failed = 0;
	char **msgs;
	size_t *lens;
	double t0, dt;
	struct err e;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (strcmp(a, "--reconnect") == 0) {
			reconnect = true;
			continue;
		}
		if (strcmp(a, "--step") == 0) {
			step = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--smtp") == 0) {
			cfg.smtp_url = v;
		} else if (strcmp(a, "--maildir") == 0) {
			cfg.maildir = v;
		} else if (strcmp(a, "--count") == 0) {
			count = strtol(v, &end, 10);
			if (*end != '\0' || count < 0)
				usage();
		} else if (strcmp(a, "--timeout") == 0) {
			cfg.timeout_seconds = strtol(v, &end, 10);
			if (*end != '\0')
				usage();
		} else if (strcmp(a, "--from") == 0) {
			from = v;
			cfg.mail_from = v;
		} else if (strcmp(a, "--to") == 0) {
			to = v;
		} else if (strcmp(a, "--user") == 0) {
			cfg.smtp_user = v;
		} else if (strcmp(a, "--password") == 0) {
			cfg.smtp_password = v;
		} else if (strcmp(a, "--ca-file") == 0) {
			cfg.ca_file = v;
		} else if (strcmp(a, "--dump") == 0) {
			dump = v;
		} else if (strcmp(a, "--method") == 0) {
			method = v;
		} else {
			usage();
		}
	}

	/* Build first, so the clock measures delivery only.  The envelope
	 * recipient is used verbatim; a bad one is mail_send()'s to refuse,
	 * so the message itself is addressed to a valid stand-in then. */
	msgs = calloc((size_t)count + 1, sizeof(*msgs));
	lens = calloc((size_t)count + 1, sizeof(*lens));
	for (i = 0; i < count; i++) {
		msgs[i] = build_one((int)i, text_email_is_valid(from) ? from :
		    "clubmatch@clubmatch.test", text_email_is_valid(to) ? to :
		    "zoe@example.com", method, &lens[i]);
		if (dump != NULL) {
			char path[4096];
			FILE *f;

			snprintf(path, sizeof(path), "%s/%ld.eml", dump, i);
			f = fopen(path, "wb");
			if (f == NULL || fwrite(msgs[i], 1, lens[i], f) != lens[i]) {
				perror(path);
				return 1;
			}
			fclose(f);
		}
	}

	t0 = monotonic_seconds();
	for (i = 0; i < count; i++) {
		if (step && i > 0) {
			char line[64];

			if (fgets(line, sizeof(line), stdin) == NULL)
				break;
		}
		err_clear(&e);
		if (t == NULL) {
			t = mail_transport_new(&cfg, &e);
			if (t == NULL) {
				printf("error %ld %s %s\n", i, code_name(e.code),
				    e.msg);
				failed++;
				continue;
			}
		}
		if (mail_send(t, from, to, msgs[i], lens[i], &e) == 0) {
			printf("sent %ld\n", i);
			sent++;
		} else {
			printf("error %ld %s %s\n", i, code_name(e.code), e.msg);
			failed++;
		}
		fflush(stdout);
		if (reconnect) {
			connects += mail_transport_connects(t);
			mail_transport_free(t);
			t = NULL;
		}
	}
	if (t != NULL) {
		connects += mail_transport_connects(t);
		mail_transport_free(t);
	}
	dt = monotonic_seconds() - t0;
	printf("summary sent=%d failed=%d connects=%ld seconds=%.3f rate=%.1f\n",
	    sent, failed, connects, dt, dt > 0 ? sent / dt : 0.0);
	for (i = 0; i < count; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
	return failed == 0 ? 0 : 1;
}
