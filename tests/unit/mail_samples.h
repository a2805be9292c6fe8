/*
 * mail_samples.h - replies as mail clients and MTAs write them, for the
 * reader's and ics_reply's unit tests, the fuzz corpus and the bench.
 *
 * The calendars follow what each client sends to an invitation's
 * ORGANIZER (docs/email.md, "Replies"):
 *   Gmail        METHOD:REPLY, UTC times, X-RESPONSE-COMMENT; the message
 *                has a text/calendar part and an invite.ics attachment
 *   Outlook      no ORGANIZER, a Windows VTIMEZONE, COMMENT, subject
 *                "Accepted: ...", quoted-printable calendar part
 *   Apple        an attachment only (application/ics), IANA VTIMEZONE
 *   Thunderbird  text/calendar; method=REPLY, 7bit
 * and the DSNs as Postfix and Exim write them (RFC 3464).
 *
 * Everything is a static function or string, marked unused, so each
 * program takes what it needs.  Lines end in CRLF as on the wire.
 */
#ifndef CLUBMATCH_MAIL_SAMPLES_H
#define CLUBMATCH_MAIL_SAMPLES_H

#include <stdio.h>
#include <string.h>

#include "buf.h"

#define SAMPLE static __attribute__((unused))

/* The service's --mail-from, and the tag of the invitation answered. */
#define SAMPLE_FROM	"clubmatch@clubs.example.org"
#define SAMPLE_TAG	"k3v9q2m7x4b8n1c6d0f5"
#define SAMPLE_TAGGED	"clubmatch+" SAMPLE_TAG "@clubs.example.org"
#define SAMPLE_UID	"m42.c7@clubs.example.org"

SAMPLE const char sample_ics_gmail[] =
	"BEGIN:VCALENDAR\r\n"
	"PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
	"VERSION:2.0\r\n"
	"CALSCALE:GREGORIAN\r\n"
	"METHOD:REPLY\r\n"
	"BEGIN:VEVENT\r\n"
	"DTSTART:20270310T010000Z\r\n"
	"DTEND:20270310T020000Z\r\n"
	"DTSTAMP:20270301T120000Z\r\n"
	"ORGANIZER;CN=Chess Club Chicago:mailto:" SAMPLE_TAGGED "\r\n"
	"UID:" SAMPLE_UID "\r\n"
	"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Ali\r\n"
	" ce O'Neil;X-NUM-GUESTS=0:mailto:Alice.ONeil@gmail.com\r\n"
	"X-RESPONSE-COMMENT:See you there\\, I'll bring a board\\nand clocks\r\n"
	"CREATED:20270301T110000Z\r\n"
	"DESCRIPTION:\r\n"
	"LAST-MODIFIED:20270301T120000Z\r\n"
	"LOCATION:https://video.example/chess\r\n"
	"SEQUENCE:2\r\n"
	"STATUS:CONFIRMED\r\n"
	"SUMMARY:Monthly meeting\r\n"
	"TRANSP:OPAQUE\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

SAMPLE const char sample_ics_outlook[] =
	"BEGIN:VCALENDAR\r\n"
	"METHOD:REPLY\r\n"
	"PRODID:Microsoft Exchange Server 2010\r\n"
	"VERSION:2.0\r\n"
	"BEGIN:VTIMEZONE\r\n"
	"TZID:Central Standard Time\r\n"
	"BEGIN:STANDARD\r\n"
	"DTSTART:16010101T020000\r\n"
	"TZOFFSETFROM:-0500\r\n"
	"TZOFFSETTO:-0600\r\n"
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11\r\n"
	"END:STANDARD\r\n"
	"BEGIN:DAYLIGHT\r\n"
	"DTSTART:16010101T020000\r\n"
	"TZOFFSETFROM:-0600\r\n"
	"TZOFFSETTO:-0500\r\n"
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3\r\n"
	"END:DAYLIGHT\r\n"
	"END:VTIMEZONE\r\n"
	"BEGIN:VEVENT\r\n"
	"ATTENDEE;PARTSTAT=TENTATIVE;CN=Bob Smith:mailto:Bob.Smith@Outlook.com\r\n"
	"COMMENT;LANGUAGE=en-US:Might be late\\n-- Bob\r\n"
	"RECURRENCE-ID;TZID=Central Standard Time:20270309T190000\r\n"
	"SUMMARY;LANGUAGE=en-US:Tentative: Monthly meeting\r\n"
	"DTSTART;TZID=Central Standard Time:20270309T190000\r\n"
	"DTEND;TZID=Central Standard Time:20270309T200000\r\n"
	"UID:" SAMPLE_UID "\r\n"
	"CLASS:PUBLIC\r\n"
	"PRIORITY:5\r\n"
	"DTSTAMP:20270302T150405Z\r\n"
	"TRANSP:OPAQUE\r\n"
	"STATUS:CONFIRMED\r\n"
	"SEQUENCE:3\r\n"
	"LOCATION;LANGUAGE=en-US:https://video.example/chess\r\n"
	"X-MICROSOFT-CDO-APPT-SEQUENCE:3\r\n"
	"X-MICROSOFT-CDO-OWNERAPPTID:-1\r\n"
	"X-MICROSOFT-CDO-INTENDEDSTATUS:TENTATIVE\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

SAMPLE const char sample_ics_apple[] =
	"BEGIN:VCALENDAR\r\n"
	"VERSION:2.0\r\n"
	"PRODID:-//Apple Inc.//macOS 14.4//EN\r\n"
	"METHOD:REPLY\r\n"
	"CALSCALE:GREGORIAN\r\n"
	"BEGIN:VTIMEZONE\r\n"
	"TZID:America/Chicago\r\n"
	"BEGIN:DAYLIGHT\r\n"
	"TZOFFSETFROM:-0600\r\n"
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n"
	"DTSTART:20070311T020000\r\n"
	"TZNAME:CDT\r\n"
	"TZOFFSETTO:-0500\r\n"
	"END:DAYLIGHT\r\n"
	"BEGIN:STANDARD\r\n"
	"TZOFFSETFROM:-0500\r\n"
	"RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"
	"DTSTART:20071104T020000\r\n"
	"TZNAME:CST\r\n"
	"TZOFFSETTO:-0600\r\n"
	"END:STANDARD\r\n"
	"END:VTIMEZONE\r\n"
	"BEGIN:VEVENT\r\n"
	"ATTENDEE;CN=\"Carol Diaz\";CUTYPE=INDIVIDUAL;EMAIL=\"carol@icloud.com\";PA\r\n"
	" RTSTAT=DECLINED:mailto:carol@icloud.com\r\n"
	"DTEND;TZID=America/Chicago:20270309T200000\r\n"
	"DTSTAMP:20270303T101010Z\r\n"
	"DTSTART;TZID=America/Chicago:20270309T190000\r\n"
	"ORGANIZER;CN=\"Chess Club Chicago\":mailto:" SAMPLE_TAGGED "\r\n"
	"RRULE:FREQ=MONTHLY;BYDAY=2TU\r\n"
	"SEQUENCE:2\r\n"
	"SUMMARY:Monthly meeting\r\n"
	"UID:" SAMPLE_UID "\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

SAMPLE const char sample_ics_thunderbird[] =
	"BEGIN:VCALENDAR\r\n"
	"PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\n"
	"VERSION:2.0\r\n"
	"METHOD:REPLY\r\n"
	"BEGIN:VEVENT\r\n"
	"CREATED:20270301T110000Z\r\n"
	"LAST-MODIFIED:20270304T080000Z\r\n"
	"DTSTAMP:20270304T080000Z\r\n"
	"UID:" SAMPLE_UID "\r\n"
	"SUMMARY:Monthly meeting\r\n"
	"ORGANIZER;CN=Chess Club Chicago:mailto:" SAMPLE_TAGGED "\r\n"
	"ATTENDEE;RSVP=TRUE;CN=dave@example.net;PARTSTAT=ACCEPTED;ROLE=REQ-PARTIC\r\n"
	" IPANT:mailto:dave@example.net\r\n"
	"RECURRENCE-ID;VALUE=DATE:20270413\r\n"
	"DTSTART;TZID=America/Chicago:20270413T190000\r\n"
	"DTEND;TZID=America/Chicago:20270413T200000\r\n"
	"SEQUENCE:2\r\n"
	"X-MOZ-RECEIVED-SEQUENCE:2\r\n"
	"X-MOZ-RECEIVED-DTSTAMP:20270301T120000Z\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

/* Thunderbird's "propose a new time". */
SAMPLE const char sample_ics_counter[] =
	"BEGIN:VCALENDAR\r\n"
	"PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\n"
	"VERSION:2.0\r\n"
	"METHOD:COUNTER\r\n"
	"BEGIN:VEVENT\r\n"
	"DTSTAMP:20270305T090000Z\r\n"
	"UID:" SAMPLE_UID "\r\n"
	"ORGANIZER:mailto:" SAMPLE_TAGGED "\r\n"
	"ATTENDEE;PARTSTAT=TENTATIVE:mailto:dave@example.net\r\n"
	"DTSTART;TZID=America/Chicago:20270309T193000\r\n"
	"DTEND;TZID=America/Chicago:20270309T203000\r\n"
	"COMMENT:Half an hour later\\; work\r\n"
	"SEQUENCE:2\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

/* ---- encoders, so the messages carry the calendars as clients do ---- */

SAMPLE void
sample_base64(struct buf *b, const char *s, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		buf_addc(b, t[(v >> 18) & 63]);
		buf_addc(b, t[(v >> 12) & 63]);
		buf_addc(b, i + 1 < n ? t[(v >> 6) & 63] : '=');
		buf_addc(b, i + 2 < n ? t[v & 63] : '=');
		col += 4;
		if (col >= 76) {
			buf_adds(b, "\r\n");
			col = 0;
		}
	}
	if (col)
		buf_adds(b, "\r\n");
}

/* Quoted-printable as Exchange writes it: "=" and 8-bit escaped, soft
 * breaks at 76, CRLF kept as hard breaks. */
SAMPLE void
sample_qp(struct buf *b, const char *s, size_t n)
{
	size_t i, col = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			buf_adds(b, "\r\n");
			i++;
			col = 0;
			continue;
		}
		if (col >= 72) {
			buf_adds(b, "=\r\n");
			col = 0;
		}
		if (c == '=' || c >= 127 || (c < 32 && c != '\t')) {
			buf_addf(b, "=%02X", c);
			col += 3;
		} else {
			buf_addc(b, (char)c);
			col++;
		}
	}
	buf_adds(b, "\r\n");
}

/* ---- whole messages ----------------------------------------------------- */

SAMPLE void
sample_gmail(struct buf *b)
{
	buf_adds(b,
	    "Delivered-To: " SAMPLE_TAGGED "\r\n"
	    "Return-Path: <alice.oneil@gmail.com>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Date: Mon, 01 Mar 2027 12:00:00 +0000\r\n"
	    "Message-ID: <CAGmail123abc@mail.gmail.com>\r\n"
	    "Subject: Accepted: Monthly meeting @ Tue Mar 9, 2027 7pm - 8pm "
	    "(CST) (alice.oneil@gmail.com)\r\n"
	    "From: Alice O'Neil <alice.oneil@gmail.com>\r\n"
	    "To: \"Chess Club Chicago\" <" SAMPLE_TAGGED ">\r\n"
	    "Content-Type: multipart/mixed; boundary=\"000000000000mixed\"\r\n"
	    "\r\n"
	    "--000000000000mixed\r\n"
	    "Content-Type: multipart/alternative; "
	    "boundary=\"000000000000alt\"\r\n"
	    "\r\n"
	    "--000000000000alt\r\n"
	    "Content-Type: text/plain; charset=\"UTF-8\"; format=flowed; "
	    "delsp=yes\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "QWxpY2UgTydOZWlsIGhhcyBhY2NlcHRlZCB0aGlzIGludml0YXRpb24uDQo=\r\n"
	    "--000000000000alt\r\n"
	    "Content-Type: text/calendar; charset=\"UTF-8\"; method=REPLY\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	sample_base64(b, sample_ics_gmail, strlen(sample_ics_gmail));
	buf_adds(b,
	    "--000000000000alt--\r\n"
	    "--000000000000mixed\r\n"
	    "Content-Type: application/ics; name=\"invite.ics\"\r\n"
	    "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	sample_base64(b, sample_ics_gmail, strlen(sample_ics_gmail));
	buf_adds(b, "--000000000000mixed--\r\n");
}

SAMPLE void
sample_outlook(struct buf *b)
{
	buf_adds(b,
	    "Received: from EX1.contoso.example by EX2 with HTTPS\r\n"
	    "From: Bob Smith <Bob.Smith@outlook.com>\r\n"
	    "To: Chess Club Chicago <" SAMPLE_TAGGED ">\r\n"
	    "Subject: Tentative: Monthly meeting\r\n"
	    "Thread-Topic: Monthly meeting\r\n"
	    "Date: Tue, 2 Mar 2027 15:04:05 +0000\r\n"
	    "Message-ID:\r\n"
	    " <DM6PR01MB1234ABCD@DM6PR01MB1234.prod.outlook.com>\r\n"
	    "Content-Language: en-US\r\n"
	    "X-MS-Has-Attach:\r\n"
	    "X-MS-TNEF-Correlator:\r\n"
	    "Content-Type: multipart/alternative;\r\n"
	    "\tboundary=\"_000_DM6PR01MB_\"\r\n"
	    "MIME-Version: 1.0\r\n"
	    "\r\n"
	    "--_000_DM6PR01MB_\r\n"
	    "Content-Type: text/plain; charset=\"us-ascii\"\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "Might be late\r\n\r\n"
	    "--_000_DM6PR01MB_\r\n"
	    "Content-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	sample_qp(b, sample_ics_outlook, strlen(sample_ics_outlook));
	buf_adds(b, "--_000_DM6PR01MB_--\r\n");
}

SAMPLE void
sample_apple(struct buf *b)
{
	buf_adds(b,
	    "Return-Path: <carol@icloud.com>\r\n"
	    "X-Original-To: " SAMPLE_TAGGED "\r\n"
	    "From: Carol Diaz <carol@icloud.com>\r\n"
	    "Content-Type: multipart/mixed;\r\n"
	    "\tboundary=\"Apple-Mail=_1A2B3C\"\r\n"
	    "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.500.171.1.1\\))\r\n"
	    "Subject: Invitation: Monthly meeting (Declined)\r\n"
	    "Message-Id: <A1B2C3D4-E5F6@icloud.com>\r\n"
	    "Date: Wed, 3 Mar 2027 10:10:10 +0000\r\n"
	    "To: " SAMPLE_TAGGED "\r\n"
	    "\r\n"
	    "--Apple-Mail=_1A2B3C\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "Content-Type: text/plain;\r\n\tcharset=us-ascii\r\n\r\n\r\n"
	    "--Apple-Mail=_1A2B3C\r\n"
	    "Content-Disposition: attachment;\r\n\tfilename=iCal-20270303.ics\r\n"
	    "Content-Type: application/octet-stream;\r\n"
	    "\tx-unix-mode=0644;\r\n\tname=\"iCal-20270303.ics\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	sample_base64(b, sample_ics_apple, strlen(sample_ics_apple));
	buf_adds(b, "--Apple-Mail=_1A2B3C--\r\n");
}

SAMPLE void
sample_thunderbird(struct buf *b)
{
	buf_adds(b,
	    "Message-ID: <0b1c2d3e-tb@example.net>\r\n"
	    "Date: Thu, 4 Mar 2027 08:00:00 +0000\r\n"
	    "MIME-Version: 1.0\r\n"
	    "User-Agent: Mozilla Thunderbird\r\n"
	    "From: dave@example.net\r\n"
	    "To: " SAMPLE_TAGGED "\r\n"
	    "Subject: Accepted: Monthly meeting\r\n"
	    "Content-Type: multipart/mixed; boundary=\"------------tb01\"\r\n"
	    "\r\n"
	    "This is a multi-part message in MIME format.\r\n"
	    "--------------tb01\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "dave@example.net has accepted your event invitation.\r\n\r\n"
	    "--------------tb01\r\n"
	    "Content-Type: text/calendar; method=REPLY; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	buf_adds(b, sample_ics_thunderbird);
	buf_adds(b, "--------------tb01--\r\n");
}

SAMPLE void
sample_counter(struct buf *b)
{
	buf_adds(b,
	    "Message-ID: <counter-1@example.net>\r\n"
	    "From: dave@example.net\r\n"
	    "To: " SAMPLE_TAGGED "\r\n"
	    "Subject: New Time Proposed: Monthly meeting\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/calendar; method=COUNTER; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n");
	buf_adds(b, sample_ics_counter);
}

/* Postfix's bounce(8) report for a 5.1.1 "user unknown". */
SAMPLE const char sample_postfix_dsn[] =
	"Return-Path: <>\r\n"
	"Delivered-To: " SAMPLE_FROM "\r\n"
	"Date: Wed,  3 Mar 2027 11:00:00 +0000 (UTC)\r\n"
	"From: MAILER-DAEMON@mx.clubs.example.org (Mail Delivery System)\r\n"
	"Subject: Undelivered Mail Returned to Sender\r\n"
	"To: " SAMPLE_FROM "\r\n"
	"Auto-Submitted: auto-replied\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status;\r\n"
	"\tboundary=\"4F2A1C0E12.1709463600/mx.clubs.example.org\"\r\n"
	"Content-Transfer-Encoding: 8bit\r\n"
	"Message-Id: <20270303110000.5A6B7C8D9E@mx.clubs.example.org>\r\n"
	"\r\n"
	"This is a MIME-encapsulated message.\r\n"
	"\r\n"
	"--4F2A1C0E12.1709463600/mx.clubs.example.org\r\n"
	"Content-Description: Notification\r\n"
	"Content-Type: text/plain; charset=us-ascii\r\n"
	"\r\n"
	"This is the mail system at host mx.clubs.example.org.\r\n"
	"\r\n"
	"I'm sorry to have to inform you that your message could not\r\n"
	"be delivered to one or more recipients.\r\n"
	"\r\n"
	"<nobody@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1\r\n"
	"    <nobody@example.com>: Recipient address rejected: User unknown\r\n"
	"\r\n"
	"--4F2A1C0E12.1709463600/mx.clubs.example.org\r\n"
	"Content-Description: Delivery report\r\n"
	"Content-Type: message/delivery-status\r\n"
	"\r\n"
	"Reporting-MTA: dns; mx.clubs.example.org\r\n"
	"X-Postfix-Queue-ID: 4F2A1C0E12\r\n"
	"X-Postfix-Sender: rfc822; " SAMPLE_FROM "\r\n"
	"Arrival-Date: Wed,  3 Mar 2027 10:59:58 +0000 (UTC)\r\n"
	"\r\n"
	"Final-Recipient: rfc822; Nobody@Example.com\r\n"
	"Original-Recipient: rfc822;nobody@example.com\r\n"
	"Action: failed\r\n"
	"Status: 5.1.1\r\n"
	"Remote-MTA: dns; mx.example.com\r\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: Recipient\r\n"
	"    address rejected: User unknown\r\n"
	"\r\n"
	"--4F2A1C0E12.1709463600/mx.clubs.example.org\r\n"
	"Content-Description: Undelivered Message Headers\r\n"
	"Content-Type: text/rfc822-headers\r\n"
	"Content-Transfer-Encoding: 8bit\r\n"
	"\r\n"
	"Return-Path: <" SAMPLE_FROM ">\r\n"
	"Date: Wed, 03 Mar 2027 10:59:57 +0000\r\n"
	"Message-ID: <m42.s2.r7@clubs.example.org>\r\n"
	"From: Chess Club Chicago <" SAMPLE_FROM ">\r\n"
	"To: <nobody@example.com>\r\n"
	"Subject: Invitation: Monthly meeting\r\n"
	"\r\n"
	"--4F2A1C0E12.1709463600/mx.clubs.example.org--\r\n";

/* Exim's report for a deferred message (4.x.x), with message/rfc822. */
SAMPLE const char sample_exim_dsn[] =
	"Return-path: <>\r\n"
	"Envelope-to: " SAMPLE_FROM "\r\n"
	"X-Failed-Recipients: slow@example.org\r\n"
	"Auto-Submitted: auto-replied\r\n"
	"From: Mail Delivery System <Mailer-Daemon@mx.exim.example>\r\n"
	"To: " SAMPLE_FROM "\r\n"
	"References: <m43.s1.r9@clubs.example.org>\r\n"
	"Content-Type: multipart/report; report-type=delivery-status;"
	" boundary=1709470000-eximdsn-1804289383\r\n"
	"MIME-Version: 1.0\r\n"
	"Subject: Warning: message 1rGx3a-0004Xy-2B delayed 24 hours\r\n"
	"Message-Id: <E1rGx3b-0004Y0-9Z@mx.exim.example>\r\n"
	"Date: Wed, 03 Mar 2027 12:46:40 +0000\r\n"
	"\r\n"
	"--1709470000-eximdsn-1804289383\r\n"
	"Content-type: text/plain; charset=us-ascii\r\n"
	"\r\n"
	"This message was created automatically by mail delivery software.\r\n"
	"A message that you sent has not yet been delivered to one or more\r\n"
	"of its recipients after more than 24 hours on the queue.\r\n"
	"\r\n"
	"  slow@example.org\r\n"
	"    host mx.example.org [192.0.2.9]\r\n"
	"    Delay reason: SMTP error from remote mail server after RCPT:\r\n"
	"    451 4.7.1 Greylisted, try again later\r\n"
	"\r\n"
	"--1709470000-eximdsn-1804289383\r\n"
	"Content-type: message/delivery-status\r\n"
	"\r\n"
	"Reporting-MTA: dns; mx.exim.example\r\n"
	"\r\n"
	"Action: delayed\r\n"
	"Final-Recipient: rfc822;slow@example.org\r\n"
	"Status: 4.7.1\r\n"
	"Remote-MTA: dns; mx.example.org\r\n"
	"Diagnostic-Code: smtp; 451 4.7.1 Greylisted, try again later\r\n"
	"Will-Retry-Until: Sat, 06 Mar 2027 12:46:40 +0000\r\n"
	"\r\n"
	"--1709470000-eximdsn-1804289383\r\n"
	"Content-type: message/rfc822\r\n"
	"\r\n"
	"Return-path: <" SAMPLE_FROM ">\r\n"
	"Message-ID: <m43.s1.r9@clubs.example.org>\r\n"
	"From: Chess Club Chicago <" SAMPLE_FROM ">\r\n"
	"To: slow@example.org\r\n"
	"Subject: Invitation: Monthly meeting\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n"
	"\r\n"
	"You are invited.\r\n"
	"\r\n"
	"--1709470000-eximdsn-1804289383--\r\n";

/* An RFC 3834 vacation reply. */
SAMPLE const char sample_vacation[] =
	"From: Erin <erin@example.com>\r\n"
	"To: " SAMPLE_TAGGED "\r\n"
	"Subject: Out of Office: Invitation: Monthly meeting\r\n"
	"Message-ID: <vac-1@example.com>\r\n"
	"Auto-Submitted: auto-replied\r\n"
	"In-Reply-To: <m42.s2.r7@clubs.example.org>\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n"
	"I am away until March 15.\r\n";

/* A person's answer by plain "Reply", quoting our text, in Latin-1. */
SAMPLE const char sample_human[] =
	"From: =?iso-8859-1?q?Fran=E7ois_Martin?= <francois@example.fr>\r\n"
	"To: Chess Club Chicago <" SAMPLE_TAGGED ">\r\n"
	"Cc: someone@example.org\r\n"
	"Subject: Re: Invitation: Monthly meeting\r\n"
	"Message-ID: <human-1@example.fr>\r\n"
	"In-Reply-To: <m42.s2.r7@clubs.example.org>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Can I bring my son? He is 12 and plays =E0 la fran=E7aise.\r\n"
	"\r\n"
	"On Tue, Mar 2, 2027, Chess Club Chicago wrote:\r\n"
	"> You are invited to Monthly meeting.\r\n"
	"> Yes / No / Maybe\r\n";

/* A person's answer in HTML only. */
SAMPLE const char sample_human_html[] =
	"From: gina@example.com\r\n"
	"To: " SAMPLE_TAGGED "\r\n"
	"Subject: Re: Invitation\r\n"
	"Message-ID: <html-1@example.com>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"\r\n"
	"<html><head><style>p{color:red}</style></head><body><p>I&#39;ll be"
	" there &amp; early.</p><br>Gina</body></html>\r\n";

#endif
