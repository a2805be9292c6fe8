#!/usr/bin/python3
"""t0610_replies.py - every way a member answers reaches the secretary,
and nothing else does (docs/email.md, "Replies"; CONTRACT §10).

The real binary sends invitations to a real SMTP sink; the test builds
each client's reply from the invitation actually received (Gmail,
Outlook, Apple Calendar, Thunderbird shapes; Postfix and Exim bounces; a
person's reply) and hands it in three ways: into --reply-maildir, by
`clubmatch intake`, and through a real IMAP server (dovecot, started by
the test).  It then checks what the secretary sees in the attendee list,
and that duplicates, strangers, older answers and junk change nothing.
"""
import base64
import email.utils
import os
import quopri
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, done, eq, run_cli, wait_for  # noqa: E402
from invite_lib import (FAST_ENV, MAIL_FROM, Mail, Sink, attendee,  # noqa: E402
                        deliver, intake, mail_server, new_club,
                        new_meeting, new_member)

SEC = "sec@replies.test"
STAMP = [0]


def stamp(offset=0):
    """A DTSTAMP, later with every call (and offset seconds more)."""
    STAMP[0] += 1
    t = time.gmtime(time.time() + STAMP[0] + offset)
    return time.strftime("%Y%m%dT%H%M%SZ", t)


def vcal(method, inv, partstat, comment=None, recurrence=None, dtstamp=None,
         attendee=None, organizer=True, extra=""):
    """A calendar reply to invitation inv (a Mail), as clients write it."""
    uid = inv.value("UID")
    seq = inv.value("SEQUENCE") or "0"
    org = inv.prop("ORGANIZER")[0].split(":", 1)[1] if organizer else None
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Test//Replies//EN", "VERSION:2.0",
             "METHOD:" + method, "BEGIN:VEVENT", "UID:" + uid,
             "SEQUENCE:" + seq, "DTSTAMP:" + (dtstamp or stamp())]
    if org:
        lines.append("ORGANIZER:" + org)
    if recurrence:
        lines.append(recurrence)
    lines.append("ATTENDEE;PARTSTAT=%s;CN=Member:mailto:%s"
                 % (partstat, attendee or inv.to))
    if comment:
        lines.append(comment)
    if extra:
        lines.append(extra)
    lines += ["DTSTART:20300101T180000Z", "END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def headers(frm, to, subject, msgid, extra=""):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n"
            "Date: %s\r\nMIME-Version: 1.0\r\n%s"
            % (frm, to, subject, msgid, email.utils.formatdate(), extra))


def new_id(tag):
    return "<%s.%d.%f@client.test>" % (tag, os.getpid(), time.time())


def gmail(inv, partstat, comment=None, msgid=None, mangle=False, **kw):
    """Gmail: a text/calendar part and the same as invite.ics, base64,
    with Google's X-RESPONSE-COMMENT.  mangle: base64 that is not."""
    cal = vcal("REPLY", inv, partstat, extra=("X-RESPONSE-COMMENT:" + comment
               if comment else ""), **kw)
    b = base64.encodebytes(cal.encode()).decode().replace("\n", "\r\n")
    if mangle:
        b = "".join("!" if c.isalnum() and i % 3 == 0 else c
                    for i, c in enumerate(b))
    return (headers(inv.to, inv.org_addr, "Accepted: " + inv.subject,
                    msgid or new_id("gmail"),
                    'Content-Type: multipart/mixed; boundary="g1"\r\n') +
            '\r\n--g1\r\nContent-Type: multipart/alternative; '
            'boundary="g2"\r\n\r\n--g2\r\nContent-Type: text/plain; '
            'charset=UTF-8\r\n\r\nAccepted.\r\n--g2\r\nContent-Type: '
            'text/calendar; charset=UTF-8; method=REPLY\r\n'
            'Content-Transfer-Encoding: base64\r\n\r\n' + b +
            '\r\n--g2--\r\n--g1\r\nContent-Type: application/ics; '
            'name="invite.ics"\r\nContent-Disposition: attachment; '
            'filename="invite.ics"\r\nContent-Transfer-Encoding: base64\r\n'
            '\r\n' + b + '\r\n--g1--\r\n').encode()


def outlook(inv, partstat, recurrence=None, msgid=None):
    """Outlook: no ORGANIZER, "Declined:" subject, quoted-printable."""
    cal = vcal("REPLY", inv, partstat, organizer=False,
               recurrence=recurrence, comment="COMMENT:Sorry\\, away")
    qp = quopri.encodestring(cal.encode()).decode()
    return (headers(inv.to, inv.org_addr, "Declined: " + inv.subject,
                    msgid or new_id("outlook"),
                    'Content-Type: text/calendar; charset="utf-8"; '
                    'method=REPLY\r\nContent-Transfer-Encoding: '
                    'quoted-printable\r\n') + "\r\n" + qp).encode()


def apple(inv, partstat):
    """Apple Calendar: the calendar as an attachment only."""
    cal = vcal("REPLY", inv, partstat)
    b = base64.encodebytes(cal.encode()).decode().replace("\n", "\r\n")
    return (headers(inv.to, inv.org_addr, "Invitation: " + inv.subject,
                    new_id("apple"),
                    'Content-Type: multipart/mixed; boundary="a1"\r\n') +
            '\r\n--a1\r\nContent-Type: text/plain\r\n\r\nTentative\r\n'
            '--a1\r\nContent-Type: application/ics; name="reply.ics"\r\n'
            'Content-Disposition: attachment; filename="reply.ics"\r\n'
            'Content-Transfer-Encoding: base64\r\n\r\n' + b +
            '\r\n--a1--\r\n').encode()


def thunderbird(inv, partstat):
    cal = vcal("REPLY", inv, partstat)
    return (headers(inv.to, inv.org_addr, "Accepted: " + inv.subject,
                    new_id("tb"),
                    'Content-Type: multipart/mixed; boundary="t1"\r\n') +
            '\r\n--t1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n'
            'Accepted\r\n--t1\r\nContent-Type: text/calendar; charset=UTF-8;'
            ' method=REPLY\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
            cal + '\r\n--t1--\r\n').encode()


def postfix_dsn(inv):
    return (headers("MAILER-DAEMON@mx.test (Mail Delivery System)",
                    MAIL_FROM, "Undelivered Mail Returned to Sender",
                    new_id("dsn"), 'Content-Type: multipart/report; '
                    'report-type=delivery-status; boundary="d1"\r\n'
                    'Auto-Submitted: auto-replied\r\n') +
            "\r\n--d1\r\nContent-Type: text/plain\r\n\r\nI'm sorry.\r\n"
            "--d1\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.test\r\n\r\nFinal-Recipient: rfc822; %s"
            "\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; "
            "550 5.1.1 no such user\r\n\r\n--d1\r\nContent-Type: "
            "text/rfc822-headers\r\n\r\nMessage-ID: %s\r\nTo: %s\r\n"
            "\r\n--d1--\r\n" % (inv.to, inv.msgid, inv.to)).encode()


def human(inv, text):
    return (headers(inv.to, inv.org_addr, "Re: " + inv.subject,
                    new_id("human"), "Content-Type: text/plain; "
                    "charset=UTF-8\r\nIn-Reply-To: %s\r\n" % inv.msgid) +
            "\r\n" + text + "\r\n\r\n> the invitation\r\n").encode()


def auto_reply(inv):
    return (headers(inv.to, inv.org_addr, "Out of Office", new_id("ooo"),
                    "Auto-Submitted: auto-replied\r\nContent-Type: "
                    "text/plain\r\n") + "\r\nI am away.\r\n").encode()


class Inv(Mail):
    """The invitation a member received, with what a reply needs."""

    def __init__(self, m):
        Mail.__init__(self, m)
        self.to = m.rcpt_tos[0]
        self.subject = str(self.msg["Subject"])
        self.org_addr = self.prop("ORGANIZER")[0].split("mailto:", 1)[1]


def main():
    sink = Sink().start()
    sink.calendar_only = False
    replies = tempfile.mkdtemp(prefix="clubmatch-replies-")
    for d in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(replies, d))
    s = mail_server(sink, extra=["--reply-maildir", replies],
                    env=FAST_ENV).start()
    try:
        run(s, sink, replies)
    finally:
        rc = s.stop()
        check(rc == 0, "server exits cleanly (status %s)" % rc,
              s.logtext()[-2000:])
        sink.stop()
    done()


def invitations(sink, n):
    def got():
        msgs = [m for m in sink.snapshot() if b"text/calendar" in m.data]
        return msgs if len(msgs) >= n else None
    return [Inv(m) for m in (wait_for(got, timeout=30) or [])]


def run(s, sink, replies):
    club = new_club(s, "Reply Club", "60601", secretary=SEC)
    people = [("Ann Reply", "ann@r.test", "46204"),
              ("Ben Reply", "ben@r.test", "53703"),
              ("Cy Reply", "cy@r.test", "48104"),
              ("Di Reply", "di@r.test", "43215")]
    for name, addr, z in people:
        new_member(s, name, addr, z)
    start = time.strftime("%Y-%m-%dT19:00", time.localtime(
        time.time() + 3 * 86400))   # the machine's zone is UTC in CI
    m = new_meeting(s, club["id"], "Reply weekly", start=start,
                    rrule="FREQ=WEEKLY;COUNT=6")
    invs = {i.to: i for i in invitations(sink, 4)}
    eq(sorted(invs), sorted(p[1] for p in people), "four invitations")
    if len(invs) < 4:
        return
    ann, ben, cy, di = (invs[p[1]] for p in people)
    mid = m["id"]
    # The second occurrence's date in the meeting's zone (the club's,
    # America/Chicago): a week after the first.
    next_date = time.strftime("%Y-%m-%d", time.localtime(
        time.time() + 10 * 86400))

    # ---- Gmail, through the Maildir intake ---------------------------------
    raw = gmail(ann, "ACCEPTED", comment="Looking forward!")
    name = deliver(replies, raw)
    a = wait_for(lambda: (attendee(s, mid, ann.to) or {}).get("rsvp") ==
                 "accepted" and attendee(s, mid, ann.to), timeout=10)
    check(bool(a), "gmail reply in the Maildir: Ann accepted within 10 s",
          attendee(s, mid, ann.to))
    if a:
        eq((a["rsvp_via"], a["comment"]), ("calendar", "Looking forward!"),
           "gmail reply: via calendar, Google's comment kept")
    check(wait_for(lambda: any(n.startswith(name) and n.endswith(":2,S")
                               for n in os.listdir(os.path.join(replies,
                                                                "cur"))),
                   timeout=5),
          "the Maildir message moved to cur/ with the S flag")

    # the same message again, after a newer answer by link: nothing changes
    rc, out, err = intake(s, raw)
    eq(rc, 0, "the same Message-ID by intake: exit 0")
    check("taken before" in out, "... and says it was taken before", out)

    # an older DTSTAMP never overwrites a newer answer
    rc, out, _ = intake(s, gmail(ann, "DECLINED", dtstamp="20200101T000000Z"))
    eq((rc, attendee(s, mid, ann.to)["rsvp"]), (0, "accepted"),
       "an older reply (DTSTAMP 2020) does not overwrite the answer")

    # ---- Outlook, one occurrence, by intake -------------------------------
    if next_date:
        rid = "RECURRENCE-ID;TZID=%s:%sT190000" % (
            "America/Chicago", next_date.replace("-", ""))
        rc, out, _ = intake(s, outlook(ben, "DECLINED", recurrence=rid))
        eq(rc, 0, "outlook reply by intake: exit 0")
        eq((attendee(s, mid, ben.to, next_date) or {}).get("rsvp"),
           "declined", "outlook: Ben declined the occurrence of %s"
           % next_date)
        eq(attendee(s, mid, ben.to)["rsvp"], "needs-action",
           "... and the series answer is unchanged")
        eq((attendee(s, mid, ben.to, next_date) or {}).get("comment"),
           "Sorry, away", "outlook: COMMENT kept (unescaped)")
        rc, out, _ = intake(s, outlook(ben, "ACCEPTED",
                                       recurrence="RECURRENCE-ID;TZID="
                                       "America/Chicago:20991231T190000"))
        check(rc == 0 and "not a date" in out,
              "a RECURRENCE-ID that is not a date of the rule is ignored", out)

    # ---- Apple (attachment only), by intake --------------------------------
    rc, out, _ = intake(s, apple(cy, "TENTATIVE"))
    eq((rc, attendee(s, mid, cy.to)["rsvp"]), (0, "tentative"),
       "apple reply (attachment only): Cy tentative")

    # ---- a COUNTER is kept as a comment, never applied --------------------
    counter = outlook(cy, "TENTATIVE").replace(b"METHOD:REPLY",
                                               b"METHOD:COUNTER")
    rc, out, _ = intake(s, counter.replace(b"method=REPLY", b"method=COUNTER"))
    c = attendee(s, mid, cy.to)
    check(rc == 0 and c["rsvp"] == "tentative" and
          c["comment"].startswith("Proposes a new time"),
          "a COUNTER becomes a comment for the secretary, the answer stays",
          (rc, out, c))

    # ---- strangers and junk change nothing ---------------------------------
    before = [attendee(s, mid, p[1]) for p in people]
    cases = [
        ("an ATTENDEE that is someone else",
         gmail(di, "ACCEPTED", attendee="mallory@evil.test")),
        ("a tag that does not exist",
         gmail(di, "ACCEPTED").replace(di.org_addr.encode(),
                                       MAIL_FROM.replace("@", "+zzzzzzzz"
                                                         "zzzzzzzzzz@")
                                       .encode())),
        ("an auto-reply", auto_reply(di)),
        ("truncated MIME", gmail(di, "ACCEPTED")[:600]),
        ("bad base64", gmail(di, "ACCEPTED", mangle=True)),
        ("a 12 MiB message", gmail(di, "ACCEPTED") + b"X" * (12 << 20)),
    ]
    for what, bad in cases:
        rc, out, err = intake(s, bad)
        check(rc == 0 and out.startswith("ignored"),
              "%s: intake exits 0 and ignores it" % what, (rc, out, err))
    eq([attendee(s, mid, p[1]) for p in people], before,
       "none of them changed an answer")

    # ---- a person's reply: sent on to the secretary -------------------------
    rc, out, _ = intake(s, human(di, "Can I bring my daughter?"))
    eq(rc, 0, "a person's reply by intake: exit 0")
    fwd = wait_for(lambda: [x for x in sink.for_rcpt(SEC)
                            if b"bring my daughter" in x.data], timeout=15)
    check(bool(fwd), "the secretary gets Di's reply", out)
    if fwd:
        f = Mail(fwd[0])
        eq([a.addr_spec for a in f.msg["Reply-To"].addresses], [di.to],
           "the forwarded reply has Reply-To the member")

    # ---- a bounce stops mail to the address ---------------------------------
    rc, out, _ = intake(s, postfix_dsn(di))
    eq(rc, 0, "a Postfix DSN by intake: exit 0")
    st, mem = s.call("GET", "/api/v1/members?email_status=bouncing")
    eq([x["email"] for x in mem.get("items", [])], [di.to],
       "the bounced address is bouncing")
    n_di = len(sink.for_rcpt(di.to))
    new_meeting(s, club["id"], "After the bounce", start=start)
    wait_for(lambda: len([x for x in sink.for_rcpt(ann.to)
                          if b"After the bounce" in x.data]) > 0, timeout=15)
    eq(len(sink.for_rcpt(di.to)), n_di, "no more mail to the bouncing address")

    # ---- Thunderbird, through IMAP ------------------------------------------
    imap(s, sink, thunderbird(ben, "ACCEPTED"), mid, ben.to)


def imap(s, sink, raw, mid, addr):
    try:
        from imap_lib import Dovecot
    except ImportError as e:
        check(False, "imap_lib is importable", repr(e))
        return
    with Dovecot() as d:
        pw = os.path.join(d.tmp if hasattr(d, "tmp") else s.dir, "imap.pw")
        with open(pw, "w") as f:
            f.write(d.password + "\n")
        s.stop()
        s.args += ["--imap", d.url("INBOX"), "--imap-user", d.user,
                   "--imap-password-file", pw, "--smtp-ca-file", d.ca_file]
        s.start()
        d.append("INBOX", raw)
        ok = wait_for(lambda: (attendee(s, mid, addr) or {}).get("rsvp") ==
                      "accepted", timeout=40)
        check(ok, "thunderbird reply through IMAP: accepted within 40 s",
              attendee(s, mid, addr))
        check(wait_for(lambda: all("Seen" in v for v in
                                   d.flags("INBOX").values()), timeout=10),
              "the IMAP message is marked \\Seen", d.flags("INBOX"))


main()
