"""t0470_smtp_tls.py - SMTP over TLS against a real TLS server (CONTRACT
§14; docs/email.md, "TLS"), and the EHLO name (docs/email.md, "EHLO").

The test makes a private CA with the `openssl` command in a temporary
directory and a server certificate for localhost / 127.0.0.1 signed by
it; tests/integration/smtpsink.py (aiosmtpd) serves STARTTLS or implicit
TLS (SMTPS) with that certificate.

  starttls   --smtp-ca-file: the invitation arrives encrypted over
             STARTTLS; EHLO carries a fully qualified name
  smtps      CLUBMATCH_SMTP_CA_FILE: the invitation arrives over SMTPS
  no-ca      without the CA file the certificate is refused: the row
             stays pending, last_error names the certificate problem
             (GET /api/v1/outbox)
  no-tls     --smtp-user and a server that offers AUTH but no STARTTLS:
             no AUTH command is ever sent, no mail, the rows stay
             pending and say why
  auth-tls   --smtp-user and STARTTLS: AUTH comes only after TLS
  bad-ca     an unreadable --smtp-ca-file stops serve with a clear error
"""
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, done, wait_for, Server, BIN    # noqa: E402
from ca_lib import make_ca                                  # noqa: E402
from invite_lib import (Sink, new_club, new_member, new_meeting,  # noqa: E402
                        outbox, FAST_ENV, MAIL_FROM, BASE_URL)

CLUB_ZIP = "60601"
REMOTE = ("Ann Arbor", "ann@remote.test", "61701")
USER, PASSWORD = "clubuser", "s3cret-pass"


def expected_ehlo():
    """What docs/email.md, "EHLO", says we greet with."""
    host = socket.gethostname()
    try:
        canon = socket.getaddrinfo(host, None,
                                   flags=socket.AI_CANONNAME)[0][3]
    except OSError:
        canon = ""
    if "." in canon:
        return canon
    if "." in host:
        return host
    return MAIL_FROM.split("@")[1]


def server(sink, extra=(), env=None, password_file=None):
    e = dict(FAST_ENV)
    e.update(env or {})
    args = ["--smtp", sink.url, "--mail-from", MAIL_FROM,
            "--base-url", BASE_URL] + list(extra)
    return Server(args=args, env=e)


def queue_invitation(s):
    """A club, a remote member and a weekly meeting: one invitation."""
    club = new_club(s, "TLS Chess Club", CLUB_ZIP)
    _, mem = new_member(s, *REMOTE)
    eq(mem["assignment"]["mode"], "remote", "the member is remote")
    new_meeting(s, club["id"])


def pending_rows(s, want_text, what):
    """Waits until every row tried at least once is pending with
    want_text in last_error; returns the rows."""
    def ready():
        rows = outbox(s)
        tried = [r for r in rows if r.get("attempts", 0) >= 1]
        # A row a lane is trying again right now is 'sending'.
        settled = all(r["status"] != "sending" for r in rows)
        return rows if tried and len(tried) == len(rows) and settled \
            else None
    rows = wait_for(ready, timeout=30) or outbox(s)
    check(rows and all(r["status"] == "pending" for r in rows),
          what + ": the rows stay pending",
          [(r["status"], r.get("last_error")) for r in rows])
    check(rows and all(want_text in (r.get("last_error") or "")
                       for r in rows),
          what + ": last_error says %r" % want_text,
          [r.get("last_error") for r in rows])
    return rows


def stop(s):
    rc = s.stop()
    check(rc == 0, "server exits cleanly (status %s)" % rc, s.logtext())


def run_starttls(ca, cert):
    sink = Sink(tls="starttls", cert=cert).start()
    # With this base URL "List-Unsubscribe: <...>" is about 92 octets.
    s = server(sink, ["--smtp-ca-file", ca, "--base-url",
                      "https://clubs.example.org"]).start()
    try:
        queue_invitation(s)
        msgs = sink.wait_for(1)
        eq(len(msgs), 1, "starttls: the invitation arrived")
        head = msgs[0].data.split(b"\r\n\r\n", 1)[0] if msgs else b""
        # Over 78 only a token that no folding can split (one word
        # after the leading white space of a continuation line).
        long_lines = [ln for ln in head.split(b"\r\n") if len(ln) > 78
                      and (not ln[:1].isspace() or b" " in ln.strip())]
        eq(long_lines, [], "header lines: none over 78 octets")
        check(b"List-Unsubscribe:\r\n <https://clubs.example.org/" in head,
              "header lines: List-Unsubscribe folded after the colon", head)
        check(msgs and all(m.tls for m in msgs),
              "starttls: it came encrypted (STARTTLS)")
        check(wait_for(lambda: all(r["status"] == "sent"
                                   for r in outbox(s))),
              "starttls: the row is sent", outbox(s))
        want = expected_ehlo()
        check(sink.ehlo_names and all(n == want for n in sink.ehlo_names),
              "ehlo: every greeting says %r, a fully qualified name" % want,
              sink.ehlo_names)
        check(all("." in n for n in sink.ehlo_names),
              "ehlo: the name has a dot", sink.ehlo_names)
    finally:
        stop(s)
        sink.stop()


def run_smtps(ca, cert):
    sink = Sink(tls="smtps", cert=cert).start()
    s = server(sink, env={"CLUBMATCH_SMTP_CA_FILE": ca}).start()
    try:
        queue_invitation(s)
        msgs = sink.wait_for(1)
        eq(len(msgs), 1, "smtps: the invitation arrived over implicit TLS "
           "(CA from CLUBMATCH_SMTP_CA_FILE)")
        check(wait_for(lambda: all(r["status"] == "sent"
                                   for r in outbox(s))),
              "smtps: the row is sent", outbox(s))
    finally:
        stop(s)
        sink.stop()


def run_no_ca(cert):
    for mode in ("starttls", "smtps"):
        sink = Sink(tls=mode, cert=cert).start()
        s = server(sink).start()
        try:
            queue_invitation(s)
            pending_rows(s, "certificate", "no-ca " + mode)
            eq(len(sink.messages), 0, "no-ca %s: nothing delivered" % mode)
        finally:
            stop(s)
            sink.stop()


def run_no_tls(ca):
    sink = Sink(auth=(USER, PASSWORD)).start()     # AUTH offered, no TLS
    d = tempfile.mkdtemp(prefix="clubmatch-tls-")
    pw = os.path.join(d, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    s = server(sink, ["--smtp-user", USER, "--smtp-password-file", pw,
                      "--smtp-ca-file", ca]).start()
    try:
        queue_invitation(s)
        rows = pending_rows(s, "server offers no STARTTLS; TLS is required "
                            "when --smtp-user is set", "no-tls")
        eq(sink.auth_commands, [], "no-tls: no AUTH command was ever sent")
        eq(sink.auth_attempts, [], "no-tls: the password was never seen")
        eq(len(sink.messages), 0, "no-tls: no mail")
        # Every row, read at one moment: one a lane is trying again is
        # 'sending' meanwhile, with the reason of its last try.
        st, body = s.call("GET", "/api/v1/outbox")
        tried = [r for r in body.get("items", []) if r["status"] in
                 ("pending", "sending") and r["attempts"] >= 1] \
            if st == 200 else []
        check(tried and all("STARTTLS" in r.get("last_error", "")
                            for r in tried),
              "no-tls: GET /api/v1/outbox shows why", body)
        check(len(rows) >= 1, "no-tls: rows were tried")
    finally:
        stop(s)
        sink.stop()


def run_auth_tls(ca, cert):
    sink = Sink(auth=(USER, PASSWORD), tls="starttls", cert=cert).start()
    d = tempfile.mkdtemp(prefix="clubmatch-tls-")
    pw = os.path.join(d, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    s = server(sink, ["--smtp-user", USER, "--smtp-password-file", pw,
                      "--smtp-ca-file", ca]).start()
    try:
        queue_invitation(s)
        msgs = sink.wait_for(1)
        eq(len(msgs), 1, "auth-tls: the invitation arrived")
        check(sink.auth_commands and all(sink.auth_commands),
              "auth-tls: every AUTH came after STARTTLS", sink.auth_commands)
        # The welcome and the secretary's digest go too, perhaps on other
        # sender lanes (four): one AUTH per lane's connection at most,
        # each accepted.
        check(1 <= len(sink.auth_attempts) <= 3 and
              all(a == (USER, True) for a in sink.auth_attempts),
              "auth-tls: one AUTH per sender connection, accepted",
              sink.auth_attempts)
    finally:
        stop(s)
        sink.stop()


def run_bad_ca(d):
    empty = os.path.join(d, "empty.pem")
    open(empty, "w").close()
    for path, what in ((os.path.join(d, "missing.pem"), "missing"),
                       (empty, "empty")):
        w = tempfile.mkdtemp(prefix="clubmatch-tls-")
        tok = os.path.join(w, "admin.token")
        with open(tok, "w") as f:
            f.write("admintoken-0123456789abcdef\n")
        p = subprocess.run(
            [BIN, "serve", "--listen", "127.0.0.1:0", "--db",
             os.path.join(w, "db"), "--smtp", "smtp://127.0.0.1:1",
             "--smtp-ca-file", path, "--admin-token-file", tok],
            capture_output=True, text=True, timeout=30, cwd=w)
        check(p.returncode != 0 and "smtp-ca-file" in p.stderr,
              "bad-ca %s: serve refuses to start, naming --smtp-ca-file" %
              what, (p.returncode, p.stderr))


def main():
    d = tempfile.mkdtemp(prefix="clubmatch-ca-")
    ca, cert = make_ca(d)
    run_starttls(ca, cert)
    run_smtps(ca, cert)
    run_no_ca(cert)
    run_no_tls(ca)
    run_auth_tls(ca, cert)
    run_bad_ca(d)
    done()


main()
