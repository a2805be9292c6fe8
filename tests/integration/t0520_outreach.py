#!/usr/bin/python3
"""t0520_outreach.py - no new member left uncontacted (docs/outreach.md;
CONTRACT §11), against the real binary and the real SMTP sink.

An import while serve runs: every assigned member gets one welcome (no
calendar, Reply-To the secretary, the calendar buttons and the member
page), each secretary ONE digest; one-by-one members are told within a
minute; first-contact tasks and every outcome's effect; PATCH and DELETE
of members (re-match with a CANCEL, prank removal recognised on a
re-import); phone numbers; the organizer's digest of overdue tasks.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, done, eq, wait_for  # noqa: E402
from invite_lib import (FAST_ENV, MAIL_FROM, Mail, Sink, mail_server,  # noqa: E402
                        new_club, new_meeting, secretary_token)

ORGANIZER = "organizer@party.test"
SEC_A, SEC_B = "sec@chicago.test", "sec@denver.test"
CSV = """name,email,zip,phone,preferred_channel
Ann Local,ann@o.test,60602,(312) 555-0101,phone
Ben Local,ben@o.test,60614,,email
Cy Remote,cy@o.test,46204,317-555-0102,sms
Di Denver,di@o.test,80203,,
Ed Remote,ed@o.test,53703,+1 608 555 0103,phone
"""


def mails_to(sink, addr, needle=None):
    return [m for m in sink.everything()
            if addr in m.rcpt_tos and (needle is None or needle in m.data)]


def contacts(s, cid, token="admin", status=None):
    st, body = s.call("GET", "/api/v1/clubs/%d/contacts%s" % (
        cid, "?status=" + status if status else ""), token=token)
    return st, body.get("items", []) if st == 200 else body


def member(s, mid):
    return s.call("GET", "/api/v1/members/%d" % mid)[1]


def log(s, mid, outcome, token="admin", **kw):
    body = {"channel": kw.pop("channel", "phone"), "outcome": outcome}
    body.update(kw)
    return s.call("POST", "/api/v1/members/%d/contacts" % mid, body,
                  token=token)


def main():
    sink = Sink().start()
    sink.calendar_only = False
    s = mail_server(sink, extra=["--organizer-email", ORGANIZER,
                                 "--contact-due-days", "0"],
                    env=FAST_ENV).start()
    try:
        run(s, sink)
    finally:
        rc = s.stop()
        check(rc == 0, "server exits cleanly (status %s)" % rc,
              s.logtext()[-2000:])
        sink.stop()
    done()


def run(s, sink):
    chi = new_club(s, "Chicago Chess", "60601", secretary=SEC_A,
                   sec_name="Sam Secretary")
    den = new_club(s, "Denver Draughts", "80202", secretary=SEC_B,
                   accepts_remote=False)
    new_meeting(s, chi["id"], "Chicago weekly")
    path = os.path.join(s.dir, "members.csv")
    with open(path, "w") as f:
        f.write(CSV)
    # The import is its own process: it reads the same settings from
    # the environment (docs/operations.md).
    rc, out, err = s.cli(["import", "members", path],
                         env={"CLUBMATCH_CONTACT_DUE_DAYS": "0"})
    check(rc == 0, "import of 5 members while serve runs", err)
    st, body = s.call("GET", "/api/v1/members")
    by = {m["email"]: m for m in body["items"]}
    eq(sorted((a, m["assignment"]["mode"], m["assignment"]["club_id"])
              for a, m in by.items()),
       sorted([("ann@o.test", "local", chi["id"]),
               ("ben@o.test", "local", chi["id"]),
               ("cy@o.test", "remote", chi["id"]),
               ("di@o.test", "local", den["id"]),
               ("ed@o.test", "remote", chi["id"])]),
       "the members are matched")
    eq(by["ann@o.test"]["phone"], "+13125550101", "phones are stored E.164")

    # ---- welcome and digest ------------------------------------------------
    ok = wait_for(lambda: all(mails_to(sink, a, b"Welcome to") for a in by)
                  and mails_to(sink, SEC_A) and mails_to(sink, SEC_B),
                  timeout=30)
    check(ok, "every member got a welcome and each secretary a digest")
    for a in by:
        eq(len(mails_to(sink, a, b"Welcome to")), 1,
           "%s: exactly one welcome" % a)
    w = Mail(mails_to(sink, "cy@o.test", b"Welcome to")[0])
    eq([x.addr_spec for x in w.msg["Reply-To"].addresses], [SEC_A],
       "the welcome's Reply-To is the secretary")
    eq(w.msg.get_content_type(), "multipart/alternative",
       "the welcome is plain text + HTML, no calendar")
    check(w.msg["List-Unsubscribe"] is not None,
          "the welcome has List-Unsubscribe")
    for what, pat in (("webcal", "webcal://"),
                      ("Google Calendar", "calendar.google.com/calendar/"
                       "render?cid=webcal"),
                      ("feed", "/feeds/"), ("member page", "/m/"),
                      ("reason", "remote")):
        check(pat in w.text and pat.replace("&", "&amp;") in w.html,
              "the welcome has the %s (text and HTML)" % what)
    check("Chicago weekly" in w.text, "the welcome lists the next meeting")
    check(any(b"text/calendar" in m.data for m in mails_to(sink, "cy@o.test")),
          "the remote member also gets the invitation")
    eq(len(mails_to(sink, SEC_A)), 1, "the import gave Chicago's secretary "
       "ONE digest")
    d = Mail(mails_to(sink, SEC_A)[0])
    check(all(n in d.text for n in ("Ann Local", "Ben Local", "Cy Remote",
                                    "Ed Remote")) and "Di Denver" not in d.text,
          "the digest lists the club's four new members, not Denver's",
          d.text[:800])
    check("+13125550101" in d.text and "/secretary" in d.text,
          "the digest has their phones and the dashboard link")

    # ---- one by one: told within a minute ------------------------------------
    st, fay = s.call("POST", "/api/v1/members", {
        "name": "Fay Later", "email": "fay@o.test", "zip": "60603",
        "phone": "312.555.0199"})
    eq(st, 201, "a member posted one by one")
    ok = wait_for(lambda: any(b"Fay Later" in m.data
                              for m in mails_to(sink, SEC_A)), timeout=60)
    check(ok, "the secretary hears of a one-by-one member within a minute")
    st, body = s.call("POST", "/api/v1/members", {
        "name": "Bad Phone", "email": "bad@o.test", "zip": "60603",
        "phone": "12345"})
    check(st == 422 and body["error"]["field"] == "phone",
          "a phone that cannot be one is 422 naming phone", body)

    # ---- tasks --------------------------------------------------------------
    tok_a, tok_b = secretary_token(s, chi["id"]), secretary_token(s, den["id"])
    st, items = contacts(s, chi["id"], tok_a)
    eq(st, 200, "the secretary lists the club's first contacts")
    eq(sorted(t["name"] for t in items),
       ["Ann Local", "Ben Local", "Cy Remote", "Ed Remote", "Fay Later"],
       "one task per new member of the club")
    check(all(t["status"] == "overdue" for t in items),
          "with --contact-due-days 0 they are overdue at once",
          [t["status"] for t in items])
    st, _ = contacts(s, chi["id"], tok_b)
    eq(st, 403, "another club's secretary cannot list them")
    st, _ = log(s, by["ann@o.test"]["id"], "reached", token=tok_b)
    eq(st, 404, "nor log a call to them")

    st, t = log(s, by["ann@o.test"]["id"], "no_answer")
    check(st == 201 and t["status"] == "open" and t["attempts"] == 1,
          "no_answer keeps the task open, due again later", t)
    st, t = log(s, by["ann@o.test"]["id"], "bad_number")
    eq(member(s, by["ann@o.test"]["id"])["phone_status"], "bad",
       "bad_number marks the phone bad")
    st, t = log(s, by["ann@o.test"]["id"], "reached", channel="email")
    check(st == 201 and t["status"] == "done" and t["attempts"] == 3,
          "reached closes the task", t)
    st, body = log(s, by["ann@o.test"]["id"], "fainted")
    check(st == 422 and body["error"]["field"] == "outcome",
          "an unknown outcome is 422 naming outcome", body)

    st, t = log(s, by["ben@o.test"]["id"], "do_not_contact")
    eq(member(s, by["ben@o.test"]["id"])["status"], "do_not_contact",
       "do_not_contact sets the member's status")

    # moved: re-matched elsewhere; the old club's invitations get a CANCEL
    n_ed = len(mails_to(sink, "ed@o.test"))
    st, t = log(s, by["ed@o.test"]["id"], "moved", zip="80204")
    eq(st, 201, "moved with a new zip")
    ed = member(s, by["ed@o.test"]["id"])
    eq((ed["assignment"]["club_id"], ed["assignment"]["mode"]),
       (den["id"], "local"), "moved: Ed is re-matched to Denver")
    ok = wait_for(lambda: any(b"METHOD:CANCEL" in Mail(m).ics
                              for m in mails_to(sink, "ed@o.test")[n_ed:])
                  and mails_to(sink, "ed@o.test", b"Welcome to Denver"),
                  timeout=30)
    check(ok, "moved: the old club's invitation is withdrawn with a CANCEL "
          "and Denver welcomes him")
    st, items = contacts(s, den["id"], tok_b)
    check(any(x["name"] == "Ed Remote" and x["status"] != "done"
              for x in items), "Denver has a task for Ed", items)
    st, items = contacts(s, chi["id"], tok_a)
    check(all(x["name"] != "Ed Remote" for x in items
              if x["status"] != "done"), "Chicago's task for Ed is closed")
    st, club = s.call("GET", "/api/v1/clubs/%d" % chi["id"])
    eq(club["remote_members"], 1, "Ed's remote place in Chicago is freed")

    # PATCH a new ZIP: the same re-match
    st, cy = s.call("PATCH", "/api/v1/members/%d" % by["cy@o.test"]["id"],
                    {"zip": "60605"})
    check(st == 200 and cy["assignment"]["mode"] == "local",
          "PATCH zip re-matches Cy as a local member", cy)
    st, body = s.call("PATCH", "/api/v1/members/%d" % by["cy@o.test"]["id"],
                      {"name": "Cy\u202eevil"})
    check(st == 422 and body["error"]["field"] == "name",
          "a bidi override in a name is refused, naming name", body)

    # ---- removal -------------------------------------------------------------
    n_ben = len(mails_to(sink, "ben@o.test"))
    new_meeting(s, chi["id"], "After the removals")
    st, gone = s.call("DELETE", "/api/v1/members/%d?reason=prank"
                      % fay["id"])
    check(st == 200 and gone["status"] == "removed" and gone["email"] == ""
          and gone["name"] == "" and gone["phone"] is None,
          "a prank removal blanks name, e-mail and phone", gone)
    st, body = s.call("GET", "/api/v1/members")
    check(all(m["id"] != gone["id"] for m in body["items"]),
          "removed members are left out of the list")
    st, body = s.call("GET", "/api/v1/members?status=removed")
    eq([m["id"] for m in body["items"]], [gone["id"]],
       "?status=removed shows them")
    again = os.path.join(s.dir, "again.csv")
    with open(again, "w") as f:
        f.write("name,email,zip\nFay Again,FAY@o.test,60603\n")
    rc, out, err = s.cli(["import", "members", again])
    check(rc != 0 and "again.csv:2" in err and "prank" in err,
          "re-importing a prank's address reports its line", err)
    st, body = s.call("DELETE", "/api/v1/members/%d?reason=bored"
                      % by["di@o.test"]["id"])
    check(st == 422 and body["error"]["field"] == "reason",
          "an unknown removal reason is 422", body)
    sink.settle(quiet=1.5, timeout=20)
    eq(len(mails_to(sink, "ben@o.test")), n_ben,
       "a do-not-contact member gets no more mail")

    # ---- the organizer -------------------------------------------------------
    ok = wait_for(lambda: mails_to(sink, ORGANIZER), timeout=30)
    check(ok, "the organizer gets the digest of overdue first contacts")
    if ok:
        o = Mail(mails_to(sink, ORGANIZER)[0])
        check("Chicago Chess" in o.text and "Denver Draughts" in o.text,
              "by club", o.text[:600])
    sink.settle(quiet=6.0, timeout=20)
    eq(len(mails_to(sink, ORGANIZER)), 1, "at most one a day")


main()
