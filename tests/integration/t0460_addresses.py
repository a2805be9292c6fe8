"""t0460_addresses.py - one e-mail address check for the API, the calendar
and the mailer (docs/api.md, "Limits"; docs/email.md).

A table of good and bad addresses goes through POST /api/v1/members and
the CSV import.  Every bad one is refused (422 naming "email"; the import
names the line) and stored nowhere.  Every good one is taken, and the
member, remote to a club with a weekly meeting, gets exactly one
invitation through the real SMTP sink: envelope recipient, To header and
the calendar's ATTENDEE are that address, and the outbox shows it sent,
never failed.  So an address the API takes is one the mailer sends to.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq                   # noqa: E402
from invite_lib import (with_mail_server, Mail, new_club,  # noqa: E402
                        new_meeting, outbox)

GOOD = ["plain@example.com", "first.last@example.com", "o'neil@example.com",
        "a+tag@mail.example.co.uk", "x_y@example.com", "a-b@ex-ample.com",
        "ALL.CAPS@EXAMPLE.ORG", "n1@1.example.net", "~{|}^`=*$&!@example.org",
        "a" * 64 + "@example.com"]
BAD = ["a..b@example.com", ".a@example.com", "a.@example.com",
       "a@-x.com", "a@x-.com", "a@x_y.com", "a@example", "a@example.com.",
       "a@.example.com", "a@example..com", "a@[127.0.0.1]", "a b@example.com",
       "\"a\"@example.com", "a(b)@example.com", "a,b@example.com",
       "a;b@example.com", "a<b@example.com", "a/b@example.com",
       "a#b@example.com", "a?b@example.com", "a%b@example.com",
       "caf\u00e9@example.com", "@example.com", "a@", "a@@example.com",
       "a@b@example.com", "a" * 65 + "@example.com",
       "a@" + "b" * 250 + ".com"]
FAR_ZIP = "59001"           # Montana: far from the Chicago club


def api_table(s):
    for i, addr in enumerate(BAD):
        st, body = s.call("POST", "/api/v1/members",
                          {"name": "Bad %d" % i, "email": addr,
                           "zip": FAR_ZIP})
        err = body.get("error", {}) if isinstance(body, dict) else {}
        check(st == 422 and err.get("field") == "email",
              "API refuses %r with 422 naming email" % addr, (st, body))
    ids = {}
    for i, addr in enumerate(GOOD):
        st, body = s.call("POST", "/api/v1/members",
                          {"name": "Good %d" % i, "email": addr,
                           "zip": FAR_ZIP})
        check(st == 201 and body.get("email") == addr,
              "API takes %r" % addr, (st, body))
        if st == 201:
            ids[addr] = body
    return ids


def import_table(s):
    rows = ["name,email,zip"] + ["Imp %d,%s,%s" % (i, a, FAR_ZIP)
                                 for i, a in enumerate(BAD)
                                 if "," not in a and '"' not in a]
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("\n".join(rows) + "\n")
        path = f.name
    try:
        rc, _, err = s.cli(["import", "members", path])
    finally:
        os.unlink(path)
    n = len(rows) - 1
    check(rc == 1, "import of bad addresses exits 1", err)
    for line in range(2, n + 2):
        check(("%s:%d: email:" % (path, line)) in err,
              "import names line %d and the email field" % line, err)
    check("%d rows, 0 imported, 0 already imported, %d rejected" % (n, n)
          in err,
          "import takes none of them", err)


def main():
    with_mail_server(run)


def run(s, sink):
    club = new_club(s, "Chicago Chess", "60601", secretary="sec@chi.test")
    new_meeting(s, club["id"], "Chicago weekly")
    members = api_table(s)
    import_table(s)
    st, body = s.call("GET", "/api/v1/members?limit=1000")
    eq(sorted(m["email"] for m in body["items"]), sorted(members),
       "only the good addresses are stored")
    check(all(m["assignment"]["mode"] == "remote" for m in members.values()),
          "every good member is remote to the club",
          [m["assignment"] for m in members.values()])
    sink.wait_for(len(GOOD), timeout=30)
    msgs = sink.settle(quiet=1.0)
    eq(sorted(r for m in msgs for r in m.rcpt_tos), sorted(GOOD),
       "one invitation per good address, to that address")
    for m in msgs:
        addr = m.rcpt_tos[0]
        mail = Mail(m)
        check(addr in mail.msg["To"], "To header holds %r" % addr,
              mail.msg["To"])
        att = mail.prop("ATTENDEE")
        check(len(att) == 1 and att[0].lower().endswith(
              "mailto:" + addr.lower()),
              "the calendar's one ATTENDEE is %r" % addr, att)
    rows = outbox(s)
    eq(sorted(r["to"] for r in rows), sorted(GOOD),
       "the outbox holds one invitation per good address")
    eq([r["to"] for r in rows if r["status"] != "sent"], [],
       "every invitation is sent, none failed or pending")


if __name__ == "__main__":
    main()
