#!/usr/bin/python3
"""t0600_intake_transport.py - the reply intakes against real transports:
a dovecot IMAP server (STARTTLS, login, our own CA) and a Maildir, driven
by build/tests/tools/intake_check (reader + intake, one poll per run).

Checks what an operator would see: each message is taken once and then
marked \\Seen (IMAP) or moved to cur/ with the S flag (Maildir); a second
poll takes nothing; a failed take leaves the message for the next poll;
a wrong password or an unknown CA is an error, not a silent success.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import BUILD, check, done, eq  # noqa: E402
from imap_lib import Dovecot  # noqa: E402

TOOL = os.path.join(BUILD, "tests", "tools", "intake_check")
FROM = "clubmatch@clubs.example.org"
TAG = "k3v9q2m7x4b8n1c6d0f5"


def message(n, kind="human"):
    head = ("From: Member %d <m%d@example.com>\r\n"
            "To: Club <clubmatch+%s@clubs.example.org>\r\n"
            "Message-ID: <msg%d@example.com>\r\n" % (n, n, TAG, n))
    if kind == "calendar":
        return (head + "Subject: Accepted: Monthly meeting\r\n"
                "Content-Type: text/calendar; method=REPLY\r\n\r\n"
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n"
                "BEGIN:VEVENT\r\nUID:m1@clubs.example.org\r\n"
                "DTSTAMP:20270301T120000Z\r\n"
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:m%d@example.com\r\n"
                "END:VEVENT\r\nEND:VCALENDAR\r\n" % n).encode()
    return (head + "Subject: Re: Invitation\r\n\r\nI will come.\r\n"
            ).encode()


def run(*args):
    p = subprocess.run([TOOL] + list(args), capture_output=True, text=True,
                       timeout=120)
    lines = p.stdout.splitlines()
    return p.returncode, lines, p.stderr


def imap_tests():
    with Dovecot() as d:
        d.append("INBOX", message(1))
        d.append("INBOX", message(2, "calendar"))
        d.append("INBOX", message(3), flags="(\\Seen)")  # read by a person
        creds = [d.url("INBOX"), d.user, d.password, d.ca_file]

        rc, lines, err = run("--fail", "imap", *creds)
        eq(rc, 0, "imap: a poll whose takes fail still succeeds")
        eq(lines[-1:], ["taken 0"], "imap: a failed take takes nothing")
        flags = d.flags()
        check(all("\\Seen" not in flags[u] for u in (1, 2)),
              "imap: a failed take leaves the message unseen", flags)

        rc, lines, err = run("imap", *creds)
        eq(rc, 0, "imap: poll exits 0")
        eq(sorted(lines[:-1]), sorted([
            "human msg1@example.com " + TAG,
            "calendar msg2@example.com " + TAG]),
            "imap: each unseen message taken once, with kind and tag")
        eq(lines[-1:], ["taken 2"], "imap: two taken")
        flags = d.flags()
        check(all("\\Seen" in f for f in flags.values()),
              "imap: taken messages are \\Seen", flags)

        rc, lines, err = run("imap", *creds)
        eq(lines, ["taken 0"], "imap: a second poll takes nothing")

        d.append("INBOX", message(4))
        rc, lines, err = run("imap", *creds)
        eq(lines, ["human msg4@example.com " + TAG, "taken 1"],
           "imap: a new message is taken by the next poll")

        rc, lines, err = run("imap", creds[0], d.user, "wrong", d.ca_file)
        check(rc == 1 and "imap" in err, "imap: a wrong password fails",
              err)
        rc, lines, err = run("imap", creds[0], d.user, d.password)
        check(rc == 1 and "imap" in err,
              "imap: a certificate from an unknown CA fails", err)
        rc, lines, err = run("imap", "imap://127.0.0.1:%d" % d.port,
                             d.user, d.password, d.ca_file)
        check(rc == 1 and "mailbox" in err,
              "imap: a URL without a mailbox is refused", err)


def maildir_tests():
    with tempfile.TemporaryDirectory() as tmp:
        md = os.path.join(tmp, "replies")
        rc, lines, err = run("maildir", md)
        eq((rc, lines), (0, ["taken 0"]), "maildir: created when missing")
        check(all(os.path.isdir(os.path.join(md, s))
                  for s in ("tmp", "new", "cur")), "maildir: tmp new cur")
        for n, kind in ((1, "human"), (2, "calendar")):
            with open(os.path.join(md, "new", "1700000000.M%dP1.host" % n),
                      "wb") as f:
                f.write(message(n, kind))
        rc, lines, err = run("--fail", "maildir", md)
        eq(lines[-1:], ["taken 0"], "maildir: a failed take takes nothing")
        eq(len(os.listdir(os.path.join(md, "new"))), 2,
           "maildir: a failed take stays in new/")
        rc, lines, err = run("maildir", md)
        eq(lines, ["human msg1@example.com " + TAG,
                   "calendar msg2@example.com " + TAG, "taken 2"],
           "maildir: each message taken, oldest first")
        eq(os.listdir(os.path.join(md, "new")), [], "maildir: new/ empty")
        eq(sorted(os.listdir(os.path.join(md, "cur"))),
           ["1700000000.M1P1.host:2,S", "1700000000.M2P1.host:2,S"],
           "maildir: moved to cur/ with :2,S")
        rc, lines, err = run("maildir", md)
        eq(lines, ["taken 0"], "maildir: a second poll takes nothing")


def file_tests():
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"From: a@example.com\r\n\r\n" + b"x" * (11 << 20))
        f.flush()
        rc, lines, err = run("file", f.name)
        check(rc == 1 and "too large" in err,
              "file: over 10 MiB is 'too large'", err)
    p = subprocess.run([TOOL, "file"], input=message(5), capture_output=True,
                       timeout=60)
    eq(p.stdout.decode().splitlines(),
       ["human msg5@example.com " + TAG, "taken 1"], "file: from stdin")


imap_tests()
maildir_tests()
file_tests()
done()
