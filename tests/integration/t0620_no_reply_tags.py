#!/usr/bin/python3
"""t0620_no_reply_tags.py - `serve --no-reply-tags` (CONTRACT §7, §10;
docs/email.md, "Reply tags"): for a mail host that cannot deliver
`LOCAL+TAG@` addresses.

The same club, two remote members and a meeting, once without and once
with the flag, the invitations sent by the real binary to a real SMTP
sink.  Without it, each invitation's ORGANIZER and Reply-To are
`invites+TAG@` (a different tag each) and a reply must name the tag: one
to the plain address is ignored.  With it, the ORGANIZER and Reply-To are
the plain `--mail-from` and no tag appears anywhere in the message; a
calendar REPLY to that plain address (through --reply-maildir and by
`clubmatch intake --no-reply-tags`) is applied to the invitation of its
UID when its From is that invitation's member, and to no one else; a
person's reply goes on to the secretary.
"""
import email.utils
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, done, eq, wait_for  # noqa: E402
from invite_lib import (FAST_ENV, MAIL_FROM, Mail, Sink, attendee,  # noqa: E402
                        deliver, intake, mail_server, new_club,
                        new_meeting, new_member)

SEC = "sec@tags.test"
CLUB = "Tagless Club"
ANN, BEN = "ann@tags.test", "ben@tags.test"
STRANGER = "mallory@evil.test"
TAGGED = re.compile(r"^invites\+([a-z0-9]{16,})@clubmatch\.test$")
STAMP = [0]


def stamp():
    """A DTSTAMP later than the one before."""
    STAMP[0] += 1
    return time.strftime("%Y%m%dT%H%M%SZ",
                         time.gmtime(time.time() + STAMP[0]))


class Inv(Mail):
    """One invitation as received: its member, ORGANIZER and Reply-To."""

    def __init__(self, m):
        Mail.__init__(self, m)
        self.to = m.rcpt_tos[0]
        org = self.prop("ORGANIZER")
        self.organizer = org[0].split("mailto:", 1)[1] if len(org) == 1 \
            else None
        self.reply_to = [a.addr_spec for a in self.msg["Reply-To"].addresses] \
            if self.msg["Reply-To"] else []
        self.from_ = [a.addr_spec for a in self.msg["From"].addresses]


def reply(inv, frm, to, partstat, attendees=None):
    """A calendar REPLY to inv (Thunderbird's shape) from frm to to;
    attendees: (address, PARTSTAT) pairs, default the invited member's."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Test//NoTags//EN", "VERSION:2.0",
             "METHOD:REPLY", "BEGIN:VEVENT", "UID:" + inv.value("UID"),
             "SEQUENCE:" + (inv.value("SEQUENCE") or "0"),
             "DTSTAMP:" + stamp(), "ORGANIZER:mailto:" + to]
    for addr, ps in attendees or [(inv.to, partstat)]:
        lines.append("ATTENDEE;PARTSTAT=%s:mailto:%s" % (ps, addr))
    lines += ["DTSTART:20300101T180000Z", "END:VEVENT", "END:VCALENDAR", ""]
    cal = "\r\n".join(lines)
    return ("From: %s\r\nTo: %s\r\nSubject: %s: %s\r\nMessage-ID: "
            "<%s.%f@client.test>\r\nDate: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"t1\"\r\n\r\n"
            "--t1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n"
            "--t1\r\nContent-Type: text/calendar; charset=UTF-8; "
            "method=REPLY\r\n\r\n%s\r\n--t1--\r\n"
            % (frm, to, partstat.title(), inv.msg["Subject"], partstat,
               time.time(), email.utils.formatdate(), partstat, cal)
            ).encode()


def human(inv, frm, to, text):
    return ("From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: "
            "<human.%f@client.test>\r\nDate: %s\r\nIn-Reply-To: %s\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n"
            % (frm, to, inv.msg["Subject"], time.time(),
               email.utils.formatdate(), inv.msgid, text)).encode()


def rsvp(s, mid, addr):
    a = attendee(s, mid, addr)
    return (a["rsvp"], a["rsvp_via"]) if a else None


def setup(extra):
    """A sink, a server (with extra flags) reading replies from a
    Maildir, a club with two remote members and a weekly meeting; returns
    (sink, server, maildir, meeting id, {member: Inv})."""
    sink = Sink().start()
    replies = tempfile.mkdtemp(prefix="clubmatch-t0620-")
    for d in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(replies, d))
    s = mail_server(sink, extra=["--reply-maildir", replies] + extra,
                    env=FAST_ENV).start()
    club = new_club(s, CLUB, "60601", secretary=SEC)
    for name, addr, z in (("Ann Tags", ANN, "46204"),
                          ("Ben Tags", BEN, "53703")):
        st, m = new_member(s, name, addr, z)
        if m["assignment"]["mode"] != "remote":
            raise RuntimeError("%s is not remote: %r" % (addr, m))
    mid = new_meeting(s, club["id"], "Tag weekly")["id"]
    got = wait_for(lambda: len(sink.snapshot()) >= 2 and sink.snapshot(),
                   timeout=30) or []
    invs = {m.rcpt_tos[0]: Inv(m) for m in got}
    return sink, s, replies, mid, invs


def finish(s, sink):
    rc = s.stop()
    check(rc == 0, "server exits cleanly (status %s)" % rc,
          s.logtext()[-2000:])
    sink.stop()


def taken(maildir, name):
    """Whether the reader moved the Maildir file name to cur/."""
    return wait_for(lambda: any(n.startswith(name) for n in
                                os.listdir(os.path.join(maildir, "cur"))),
                    timeout=10)


def with_tags():
    sink, s, replies, mid, invs = setup([])
    try:
        eq(sorted(invs), [ANN, BEN], "without the flag: one invitation each")
        if sorted(invs) != [ANN, BEN]:
            return
        ann, ben = invs[ANN], invs[BEN]
        tags = []
        for who, inv in (("Ann", ann), ("Ben", ben)):
            m = TAGGED.match(inv.organizer or "")
            check(m is not None, "without the flag: %s's ORGANIZER is "
                  "invites+TAG@clubmatch.test" % who, inv.organizer)
            tags.append(m.group(1) if m else None)
            eq(inv.reply_to, [inv.organizer],
               "... and %s's Reply-To is the same tagged address" % who)
            eq(inv.from_, [MAIL_FROM], "... From is the plain --mail-from")
        check(tags[0] != tags[1], "the two invitations carry different "
              "tags", tags)

        # A reply to the plain address proves nothing here: ignored.
        rc, out, err = intake(s, reply(ann, ANN, MAIL_FROM, "ACCEPTED"))
        check(rc == 0 and out.startswith("ignored"),
              "without the flag: Ann's calendar reply to the plain address "
              "is ignored", (rc, out, err))
        eq(rsvp(s, mid, ANN), ("needs-action", None),
           "... and Ann's answer is unchanged")
        # The same reply to her tagged address counts.
        name = deliver(replies, reply(ann, ANN, ann.organizer, "ACCEPTED"))
        got = wait_for(lambda: rsvp(s, mid, ANN) == ("accepted", "calendar"),
                       timeout=10)
        check(got, "her reply to the tagged address (Maildir): accepted, "
              "via calendar", rsvp(s, mid, ANN))
        check(taken(replies, name), "... and the file moved to cur/")
    finally:
        finish(s, sink)


def without_tags():
    sink, s, replies, mid, invs = setup(["--no-reply-tags"])
    try:
        eq(sorted(invs), [ANN, BEN], "--no-reply-tags: one invitation each")
        if sorted(invs) != [ANN, BEN]:
            return
        ann, ben = invs[ANN], invs[BEN]
        for who, inv in (("Ann", ann), ("Ben", ben)):
            eq(inv.organizer, MAIL_FROM, "--no-reply-tags: %s's ORGANIZER is "
               "the plain %s" % (who, MAIL_FROM))
            eq(inv.reply_to, [MAIL_FROM],
               "... and %s's Reply-To is the plain address" % who)
            eq(inv.from_, [MAIL_FROM], "... and From too")
            check(b"invites+" not in inv.raw,
                  "... and no tagged address anywhere in %s's message" % who,
                  re.findall(rb"invites\+\S*", inv.raw)[:3])
        eq(rsvp(s, mid, ANN), ("needs-action", None),
           "Ann has not answered yet")

        # Ann answers with her calendar: To the plain address, From her,
        # her UID; Ben's ATTENDEE in it is no answer of Ben's.
        name = deliver(replies, reply(ann, ANN, MAIL_FROM, "ACCEPTED",
                                      attendees=[(ANN, "ACCEPTED"),
                                                 (BEN, "ACCEPTED")]))
        got = wait_for(lambda: rsvp(s, mid, ANN) == ("accepted", "calendar"),
                       timeout=10)
        check(got, "--no-reply-tags: Ann's calendar reply to the plain "
              "address (Maildir) is applied: accepted, via calendar",
              rsvp(s, mid, ANN))
        check(taken(replies, name), "... and the file moved to cur/")
        eq(rsvp(s, mid, BEN), ("needs-action", None),
           "... and Ben's ATTENDEE in Ann's reply changed nothing for Ben")

        flag = ["--no-reply-tags"]
        rc, out, err = intake(s, reply(ben, BEN, MAIL_FROM, "DECLINED"), flag)
        eq(rc, 0, "Ben's reply by clubmatch intake --no-reply-tags: exit 0")
        eq(rsvp(s, mid, BEN), ("declined", "calendar"),
           "... Ben declined, via calendar")
        eq(rsvp(s, mid, ANN), ("accepted", "calendar"),
           "... and Ann's answer is still hers")

        # Whose a reply is comes from its From and the UID together.
        for what, frm in (("a stranger", STRANGER), ("Ben", BEN)):
            rc, out, err = intake(s, reply(ann, frm, MAIL_FROM, "DECLINED"),
                                  flag)
            check(rc == 0 and out.startswith("ignored"),
                  "a reply with Ann's UID from %s is ignored" % what,
                  (rc, out, err))
        eq((rsvp(s, mid, ANN), rsvp(s, mid, BEN)),
           (("accepted", "calendar"), ("declined", "calendar")),
           "... neither changed Ann's or Ben's answer")
        rc, out, err = intake(s, reply(ann, ANN, MAIL_FROM, "TENTATIVE"),
                              flag)
        eq((rc, rsvp(s, mid, ANN)), (0, ("tentative", "calendar")),
           "Ann's own newer reply still changes hers: tentative")

        # A person's reply to the plain address reaches the secretary.
        rc, out, err = intake(s, human(ann, ANN, MAIL_FROM,
                                       "Is there a dial-in number?"), flag)
        eq(rc, 0, "Ann's written reply by intake: exit 0")
        fwd = wait_for(lambda: [x for x in sink.everything()
                                if SEC in x.rcpt_tos and
                                b"dial-in number" in x.data], timeout=15)
        check(bool(fwd), "the secretary gets Ann's written reply", out)
        if fwd:
            f = Mail(fwd[0])
            eq([a.addr_spec for a in f.msg["Reply-To"].addresses], [ANN],
               "... with Reply-To Ann")
    finally:
        finish(s, sink)


with_tags()
without_tags()
done()
