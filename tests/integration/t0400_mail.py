"""t0400_mail.py - e-mail building and delivery against a real SMTP server.

build/tests/tools/mailsend builds invitations with imip_message_build()
and delivers them with mail_send(); the SMTP side is tests/integration/
smtpsink.py (aiosmtpd).  Checks the MIME tree with Python's email package,
the exact bytes, the envelope, connection reuse, the error classes for 4xx,
5xx, a hang mid-DATA and a server that is down, AUTH, and Maildir delivery.
"""
import email
import email.policy
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, done, parse_date  # noqa: E402
from smtpsink import SmtpSink             # noqa: E402
from ca_lib import make_ca                # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("CLUBMATCH_BUILD") or os.path.join(TOP, "build")
MAILSEND = os.path.join(BUILD, "tests", "tools", "mailsend")
FROM = "clubmatch@clubmatch.test"
TO = "zoe@example.com"
CLUB = "Club d'\u00e9checs de Montr\u00e9al"


STDERRS = []     # what mailsend wrote to stderr: must stay empty


def mailsend(*args, stdin=None, timeout=120):
    """Runs mailsend; returns (status, per-message results, summary dict).
    results[i] is "sent" or the error code name."""
    p = subprocess.run([MAILSEND] + [str(a) for a in args],
                       capture_output=True, text=True, input=stdin,
                       timeout=timeout)
    results, summary = {}, {}
    for line in p.stdout.splitlines():
        w = line.split()
        if w and w[0] == "sent":
            results[int(w[1])] = "sent"
        elif w and w[0] == "error":
            results[int(w[1])] = w[2]
        elif w and w[0] == "summary":
            summary = dict(kv.split("=") for kv in w[1:])
    if p.returncode not in (0, 1) or p.stderr:
        STDERRS.append("status %d: %s" % (p.returncode, p.stderr[-3000:]))
    return p.returncode, results, summary, p.stdout


def eq(got, want, name, detail=""):
    """lib.eq() that also prints `detail` (mailsend's output) on failure."""
    return check(got == want, name,
                 "got  %r\nwant %r\n%s" % (got, want, detail))


def tree(msg):
    """The MIME tree as nested (content type, [children])."""
    if msg.is_multipart():
        return (msg.get_content_type(), [tree(p) for p in msg.get_payload()])
    return msg.get_content_type()


def check_message(raw, name, method="REQUEST"):
    """Everything about one received or written message."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    eq(tree(msg), ("multipart/mixed", [
        ("multipart/alternative", ["text/plain", "text/html",
                                   "text/calendar"]),
        "application/ics"]), name + ": MIME tree")
    defects = [(p.get_content_type(), p.defects) for p in msg.walk()
               if p.defects]
    eq(defects, [], name + ": the email package finds no defects")

    # Headers: each once, well-formed, decoded to what we meant.
    for h in ("Date", "Message-ID", "From", "To", "Subject", "MIME-Version",
              "Auto-Submitted", "List-Unsubscribe", "List-Unsubscribe-Post",
              "Content-Type"):
        eq(len(msg.get_all(h) or []), 1, name + ": one %s header" % h)
    for h in ("Cc", "Bcc", "Reply-To"):
        check(msg.get_all(h) is None, name + ": no %s header" % h)
    frm = msg["From"].addresses
    eq([(a.display_name, a.addr_spec) for a in frm], [(CLUB, FROM)],
       name + ": From is the club's name and --mail-from")
    to = msg["To"].addresses
    eq([(a.display_name, a.addr_spec) for a in to],
       [("Zo\u00eb Dupont", TO)], name + ": To is exactly the member")
    check(str(msg["Subject"]).startswith(
        "Cancelled: " if method == "CANCEL" else "Invitation: R\u00e9union"),
        name + ": subject decodes", str(msg["Subject"]))
    check(parse_date(msg["Date"]) is not None, name + ": Date parses",
          str(msg["Date"]))
    check(str(msg["Message-ID"]).startswith("<mailsend.") and
          str(msg["Message-ID"]).endswith("@clubmatch.test>"),
          name + ": Message-ID", str(msg["Message-ID"]))
    eq(str(msg["Auto-Submitted"]), "auto-generated", name + ": Auto-Submitted")
    eq(str(msg["List-Unsubscribe"]),
       "<https://clubmatch.test/unsubscribe/tok>", name + ": List-Unsubscribe")
    eq(str(msg["List-Unsubscribe-Post"]), "List-Unsubscribe=One-Click",
       name + ": List-Unsubscribe-Post (RFC 8058)")

    # Raw form: CRLF only, 7-bit, short lines.
    head = raw.split(b"\r\n\r\n", 1)[0]
    lines = raw.split(b"\r\n")
    check(b"\n" not in raw.replace(b"\r\n", b"") and
          b"\r" not in raw.replace(b"\r\n", b""),
          name + ": every line ends in CRLF")
    check(all(b < 0x80 for b in raw), name + ": 7-bit clean")
    check(max(len(x) for x in head.split(b"\r\n")) <= 78,
          name + ": header lines <= 78 characters")
    check(max(len(x) for x in lines) <= 998, name + ": lines <= 998")

    # The calendar: inline part and attachment carry identical bytes.
    cal = [p for p in msg.walk() if p.get_content_type() == "text/calendar"][0]
    att = [p for p in msg.walk() if p.get_content_type() ==
           "application/ics"][0]
    eq(cal.get_param("method"), method, name + ": method= parameter")
    eq(cal.get_param("charset"), "UTF-8", name + ": calendar charset")
    eq(cal["Content-Transfer-Encoding"], "base64", name + ": calendar base64")
    cal_bytes = cal.get_payload(decode=True)
    att_bytes = att.get_payload(decode=True)
    check(cal_bytes == att_bytes and len(cal_bytes) > 100,
          name + ": attachment bytes equal the inline calendar")
    check(("\r\nMETHOD:%s\r\n" % method).encode() in cal_bytes,
          name + ": METHOD inside equals the parameter")
    eq(att.get_content_disposition(), "attachment", name + ": disposition")
    eq(att.get_filename(), "invite.ics", name + ": attachment name")
    eq(att["Content-Transfer-Encoding"], "base64", name + ": attachment b64")
    cal_text = cal_bytes.decode("utf-8")
    check("SUMMARY:R\u00e9union mensuelle" in cal_text,
          name + ": calendar UTF-8 survives")

    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    check("\n.A line that starts with a dot." in text,
          name + ": a line starting with '.' survives SMTP")
    check("8:00 PM EST (America/New_York)" in text and
          "https://meet.example/abc" in text,
          name + ": text has the member's time and the video link")
    if method == "REQUEST":
        check('href="https://clubmatch.test/rsvp/tok?a=yes"' in html,
              name + ": html has the RSVP link")
    else:
        check("rsvp" not in html, name + ": a cancellation asks no RSVP")
    return msg


def main():
    if not check(os.access(MAILSEND, os.X_OK), "mailsend is built",
                 MAILSEND):
        done()
    dump = tempfile.mkdtemp(prefix="clubmatch-mail-")
    sink = SmtpSink().start()
    try:
        run_smtp(sink, dump)
    finally:
        sink.stop()
    run_auth()
    run_maildir()
    # A sanitizer report exits 1 like a failed send would; look for it.
    check(not STDERRS, "mailsend wrote nothing to stderr (sanitizers clean)",
          "\n".join(STDERRS))
    done()


def run_smtp(sink, dump):
    # A burst over one kept connection, bytes compared with what was built.
    rc, res, summ, out = mailsend("--smtp", sink.url, "--count", 20,
                                  "--dump", dump, "--from", FROM, "--to", TO)
    eq(rc, 0, "burst: mailsend exits 0")
    eq(sorted(res.values()), ["sent"] * 20, "burst: 20 sent")
    msgs = sink.wait_for(20)
    eq(len(msgs), 20, "burst: the sink has 20 messages")
    eq(sink.connections, 1, "burst: one SMTP connection for 20 messages")
    eq(summ.get("connects"), "1", "burst: the transport opened 1 connection")
    eq(sorted({m.conn for m in msgs}), [1], "burst: all on connection 1")
    eq([m.rcpt_tos for m in msgs], [[TO]] * 20,
       "burst: envelope recipient is exactly the one given")
    eq({m.mail_from for m in msgs}, {FROM}, "burst: envelope sender")
    same = all(m.data == open(os.path.join(dump, "%d.eml" % i), "rb").read()
               for i, m in enumerate(msgs))
    check(same, "burst: received bytes equal the built bytes")
    check_message(msgs[0].data, "smtp")
    ids = {email.message_from_bytes(m.data)["Message-ID"] for m in msgs}
    eq(len(ids), 20, "burst: 20 distinct Message-IDs")

    # CANCEL: the method follows the calendar.
    sink.clear()
    rc, res, _, _ = mailsend("--smtp", sink.url, "--method", "CANCEL")
    msgs = sink.wait_for(1)
    if check(rc == 0 and len(msgs) == 1, "cancel: sent"):
        check_message(msgs[0].data, "cancel", method="CANCEL")

    # A new connection per message, for contrast.
    sink.clear()
    rc, res, summ, _ = mailsend("--smtp", sink.url, "--count", 5,
                                "--reconnect")
    eq((rc, len(sink.wait_for(5)), sink.connections), (0, 5, 5),
       "reconnect: 5 messages over 5 connections")

    # 4xx at RCPT for the next 3 messages: transient, then it recovers.
    sink.clear()
    sink.set_mode("tempfail", n=3)
    rc, res, _, out = mailsend("--smtp", sink.url, "--count", 5)
    eq([res.get(i) for i in range(5)],
       ["ERR_UNAVAILABLE"] * 3 + ["sent"] * 2,
       "451 at RCPT -> ERR_UNAVAILABLE, then sends again", out)
    eq(len(sink.wait_for(2)), 2, "tempfail: only the 2 accepted arrived")
    eq(rc, 1, "tempfail: mailsend reports the failures")

    sink.clear()
    sink.set_mode("tempfail", n=1, at="data")
    rc, res, _, out = mailsend("--smtp", sink.url, "--count", 2)
    eq([res.get(0), res.get(1)], ["ERR_UNAVAILABLE", "sent"],
       "451 after DATA -> ERR_UNAVAILABLE", out)

    # 5xx: permanent.
    sink.clear()
    sink.set_mode("permfail", n=1)
    rc, res, _, out = mailsend("--smtp", sink.url, "--count", 2)
    eq([res.get(0), res.get(1)], ["ERR_INVALID", "sent"],
       "550 at RCPT -> ERR_INVALID, next one sent", out)
    sink.clear()
    sink.set_mode("permfail", n=1, at="data")
    rc, res, _, out = mailsend("--smtp", sink.url, "--count", 2)
    eq([res.get(0), res.get(1)], ["ERR_INVALID", "sent"],
       "554 after DATA -> ERR_INVALID, next one sent", out)
    eq(len(sink.wait_for(1)), 1, "permfail: the refused one is not there")

    # A server that takes the data and never answers.
    sink.clear()
    sink.set_mode("hang", n=1)
    t0 = time.time()
    rc, res, summ, out = mailsend("--smtp", sink.url, "--count", 2,
                                  "--timeout", 2)
    elapsed = time.time() - t0
    eq(res.get(0), "ERR_UNAVAILABLE", "hang mid-DATA -> ERR_UNAVAILABLE", out)
    check(elapsed < 2 + 4, "hang: the send gives up within the timeout "
          "(%.1f s for a 2 s timeout)" % elapsed)
    eq(res.get(1), "sent", "hang: the next message goes over a new "
       "connection", out)
    eq(summ.get("connects"), "2", "hang: the stuck connection was dropped")
    sink.set_mode("accept")

    # Down: refused at once.  One kept transport across down and up.
    sink.clear()
    sink.down()
    t0 = time.time()
    rc, res, _, out = mailsend("--smtp", sink.url, "--timeout", 5)
    eq(res.get(0), "ERR_UNAVAILABLE", "down: connection refused -> "
       "ERR_UNAVAILABLE", out)
    check(time.time() - t0 < 3, "down: fails fast")
    sink.up()
    p = subprocess.Popen([MAILSEND, "--smtp", sink.url, "--count", "3",
                          "--step", "--timeout", "5"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline().strip()
    sink.down()
    p.stdin.write("\n")
    p.stdin.flush()
    second = p.stdout.readline().strip()
    sink.up()
    p.stdin.write("\n")
    p.stdin.flush()
    third = p.stdout.readline().strip()
    p.stdin.close()
    p.stdout.read()
    err = p.stderr.read()
    if p.wait(30) not in (0, 1) or err:
        STDERRS.append("down/up status %d: %s" % (p.returncode, err))
    eq(first, "sent 0", "down/up: first message over the kept connection")
    check(second.startswith("error 1 ERR_UNAVAILABLE"),
          "down/up: while down -> ERR_UNAVAILABLE", second)
    eq(third, "sent 2", "down/up: the same transport sends again once up")
    eq(len(sink.wait_for(2)), 2, "down/up: 2 messages arrived")

    # Injection through the envelope: refused before anything is sent.
    sink.clear()
    for bad in ("zoe@example.com\r\nRCPT TO:<mallory@evil.example>",
                "zoe@example.com>,<mallory@evil.example",
                "zoe@example.com mallory@evil.example"):
        rc, res, _, out = mailsend("--smtp", sink.url, "--to", bad)
        eq(res.get(0), "ERR_INVALID", "bad envelope recipient %r refused"
           % bad[:30], out)
    rc, res, _, out = mailsend("--smtp", sink.url,
                               "--from", "x@y.test\r\nRCPT TO:<m@evil.test>")
    eq(res.get(0), "ERR_INVALID", "bad envelope sender refused", out)
    eq((sink.connections, len(sink.messages)), (0, 0),
       "injection: nothing reached the server")


def run_auth():
    # With a user set TLS is required (CONTRACT §14): AUTH over STARTTLS
    # with our private CA; a server without STARTTLS never sees AUTH.
    ca, cert = make_ca(tempfile.mkdtemp(prefix="clubmatch-ca-"))
    sink = SmtpSink(auth=("clubuser", "s3cret pass"), tls="starttls",
                    cert=cert).start()
    plain = SmtpSink(auth=("clubuser", "s3cret pass")).start()
    try:
        rc, res, _, out = mailsend("--smtp", sink.url, "--user", "clubuser",
                                   "--password", "s3cret pass", "--count", 2,
                                   "--ca-file", ca)
        eq((rc, len(sink.wait_for(2))), (0, 2), "auth: sent with AUTH", out)
        eq(sink.auth_attempts, [("clubuser", True)],
           "auth: one AUTH on the kept connection")
        eq(sink.auth_commands, [True], "auth: AUTH only after STARTTLS")
        rc, res, _, out = mailsend("--smtp", sink.url, "--user", "clubuser",
                                   "--password", "wrong", "--ca-file", ca)
        eq(res.get(0), "ERR_UNAVAILABLE",
           "auth: a wrong password is transient (operator's to fix)", out)
        rc, res, _, out = mailsend("--smtp", sink.url, "--ca-file", ca)
        eq(res.get(0), "ERR_INVALID",
           "auth: a server that requires AUTH refuses MAIL with 530", out)
        eq(len(sink.messages), 2, "auth: nothing else arrived")
        rc, res, _, out = mailsend("--smtp", plain.url, "--user", "clubuser",
                                   "--password", "s3cret pass")
        eq(res.get(0), "ERR_UNAVAILABLE",
           "auth: no STARTTLS offered is transient", out)
        check("no STARTTLS" in out, "auth: the error says why", out)
        eq((plain.auth_commands, len(plain.messages)), ([], 0),
           "auth: without STARTTLS no AUTH and no mail")
    finally:
        sink.stop()
        plain.stop()


def run_maildir():
    d = tempfile.mkdtemp(prefix="clubmatch-maildir-")
    md = os.path.join(d, "var", "mail")     # parents are created too
    dump = os.path.join(d, "dump")
    os.mkdir(dump)
    rc, res, _, out = mailsend("--maildir", md, "--count", 7, "--dump", dump)
    eq(rc, 0, "maildir: 7 delivered", out)
    new = sorted(os.listdir(os.path.join(md, "new")))
    eq(len(new), 7, "maildir: exactly one file per message in new/")
    eq(os.listdir(os.path.join(md, "tmp")), [], "maildir: tmp/ is empty")
    check(os.path.isdir(os.path.join(md, "cur")), "maildir: cur/ exists")
    files = [open(os.path.join(md, "new", n), "rb").read() for n in new]
    built = sorted(open(os.path.join(dump, n), "rb").read()
                   for n in os.listdir(dump))
    check(sorted(files) == built, "maildir: files hold the built bytes")
    check(all(":" not in n and "/" not in n for n in new),
          "maildir: names without ':' or '/'")
    mode = os.stat(os.path.join(md, "new", new[0])).st_mode & 0o777
    eq(oct(mode), oct(0o600), "maildir: files are private (0600)")
    check_message(files[0], "maildir")
    # A Maildir removed under a running transport comes back.
    md2 = os.path.join(d, "mail2")
    p = subprocess.Popen([MAILSEND, "--maildir", md2, "--count", "2",
                          "--step"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    first = p.stdout.readline().strip()
    shutil.rmtree(md2)
    out, err = p.communicate("\n", timeout=30)
    if p.returncode != 0 or err:
        STDERRS.append("maildir step status %d: %s" % (p.returncode, err))
    eq((first, out.splitlines()[0]), ("sent 0", "sent 1"),
       "maildir: removed between two sends, recreated")
    eq(len(os.listdir(os.path.join(md2, "new"))), 1,
       "maildir: the second message is in the new new/")


main()
