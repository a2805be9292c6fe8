"""t0440_rsvp_attendees.py - RSVP links from real invitation e-mails and
the secretary's attendee list (docs/dashboard.md, "Pages behind links";
docs/api.md, "Meetings" and "Tokens").

Two clubs (Chicago with four remote members and one local one, Seattle
with one remote member), a meeting each, the invitations taken from a
real SMTP sink.  For each mail the RSVP links are read from the text
part and followed: yes -> an HTML page that confirms it and the
attendee list says accepted with responded_at; no -> declined; maybe ->
tentative; a bad answer -> 400 and nothing changes; a tampered token, or
member A's secret with member B's invitation number -> 404 and B's answer
stays.  The attendee list as JSON (admin and the club's own secretary;
another club's secretary 404, no token 401) and as CSV (Accept: text/csv:
the header row and one row per invited member, values equal to the JSON),
with counts.
"""
import csv
import io
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, error_code      # noqa: E402
from invite_lib import (with_mail_server, Mail, new_club, new_member,  # noqa: E402
                        new_meeting, secretary_token, path_of)

CHI = [("Ann Arbor", "ann@r.test", "61701"),
       ("Ben Brook", "ben@r.test", "46204"),
       ("Cy Canyon", "cy@r.test", "62701"),
       ("Dee Delta", "dee@r.test", "61820")]
LOCAL = ("Lou Local", "lou@l.test", "60602")
SEA = [("Wes West", "wes@r.test", "99201")]
FIELDS = ["name", "email", "city", "state", "distance_miles", "mode", "rsvp",
          "rsvp_via", "comment", "attended", "invited_at", "responded_at"]
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def iso_epoch(s):
    return time.mktime(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone


def attendees(s, mid, token="admin"):
    st, body = s.call("GET", "/api/v1/meetings/%d/attendees" % mid,
                      token=token)
    if st != 200:
        raise RuntimeError("attendees %d -> %s %r" % (mid, st, body))
    return body


def rsvp_of(s, mid, addr):
    for a in attendees(s, mid)["items"]:
        if a["email"] == addr:
            return a
    return None


def post_form(s, path, fields):
    """A form post, as the answer page's button sends it."""
    return s.call("POST", path, token=None,
                  raw=urllib.parse.urlencode(fields).encode(),
                  headers={"Content-Type":
                           "application/x-www-form-urlencoded"})


def answer(s, url, what, want_status=200):
    """Opens the link (a GET, as a mail scanner would: it must change
    nothing and offer one button), then presses the button (a POST)."""
    path = path_of(url)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    st, page = s.call("GET", path, token=None)
    eq(st, 200, what + ": the link shows the page")
    check('method="post"' in page and "Press the button" in page,
          what + ": the page has the button that records the answer",
          page[:400])
    fields = {k: v[0] for k, v in query.items()}
    st, page = post_form(s, path.split("?")[0], fields)
    eq(st, want_status, what + " -> %d" % want_status)
    return st, page


def main():
    with_mail_server(run)


def run(s, sink):
    chi = new_club(s, "Chicago Chess", "60601", secretary="sec@chi.test")
    sea = new_club(s, "Seattle Go", "98101", secretary="sec@sea.test")
    tok_chi = secretary_token(s, chi["id"])
    tok_sea = secretary_token(s, sea["id"])
    members = {}
    for name, addr, zipc in CHI + [LOCAL] + SEA:
        _, body = new_member(s, name, addr, zipc)
        members[addr] = body
    eq([members[a]["assignment"]["club_id"] for _, a, _ in CHI + SEA],
       [chi["id"]] * 4 + [sea["id"]], "members are remote members of "
       "their clubs")
    m_chi = new_meeting(s, chi["id"], "Chicago weekly")
    m_sea = new_meeting(s, sea["id"], "Seattle weekly")
    sink.wait_for(5, timeout=30)
    msgs = sink.settle(quiet=1.0)
    eq(sorted(r for m in msgs for r in m.rcpt_tos),
       sorted(a for _, a, _ in CHI + SEA), "one invitation per remote member")
    mails = {m.rcpt_tos[0]: Mail(m) for m in msgs}
    links = {a: mails[a].links() for a in mails}
    check(all(links[a][k] for a in links for k in ("yes", "no", "maybe")),
          "every invitation's text has yes/no/maybe links")
    tokens = {a: re.search(r"/rsvp/([^?]+)\?", links[a]["yes"]).group(1)
              for a in links}
    eq(len(set(tokens.values())), 5, "every invitation has its own token")

    # ---- before any answer -------------------------------------------------
    att = attendees(s, m_chi["id"])
    eq(sorted(a["email"] for a in att["items"]),
       sorted(a for _, a, _ in CHI), "attendees: the four remote members, "
       "not the local one")
    check(all(set(FIELDS) <= set(a) for a in att["items"]),
          "attendees carry " + ", ".join(FIELDS), att["items"][:1])
    check(all(a["rsvp"] == "needs-action" and a["responded_at"] is None
              and ISO.match(a["invited_at"] or "") for a in att["items"]),
          "before answering: needs-action, responded_at null, invited_at "
          "set", att["items"])
    eq(att.get("counts"), {"needs-action": 4, "accepted": 0, "declined": 0,
                           "tentative": 0}, "counts before answering")
    ben = [a for a in att["items"] if a["email"] == "ben@r.test"][0]
    eq((ben["city"], ben["state"], ben["mode"], ben["distance_miles"]),
       ("Indianapolis", "IN", "remote",
        members["ben@r.test"]["assignment"]["distance_miles"]),
       "attendee: city, state, mode and distance of the member")

    # a link without an answer shows the state and changes nothing
    st, page = s.call("GET", path_of(links["ann@r.test"]["yes"]).split("?")[0],
                      token=None)
    check(st == 200 and "not answered" in page,
          "the RSVP link without ?answer shows the page, no answer yet",
          page[:300])
    eq(rsvp_of(s, m_chi["id"], "ann@r.test")["rsvp"], "needs-action",
       "... and records nothing")

    # ---- Ann: yes, then no, then maybe ---------------------------------------
    t0 = int(time.time())
    st, page = answer(s, links["ann@r.test"]["yes"], "Ann answers yes")
    check(s.last_headers.get("content-type", "").startswith("text/html"),
          "the RSVP answer is an HTML page",
          s.last_headers.get("content-type"))
    check("<html" in page.lower() and "Yes, I will attend" in page and
          "Chicago weekly" in page,
          "the page confirms the answer and names the meeting", page[:500])
    a = rsvp_of(s, m_chi["id"], "ann@r.test")
    eq((a["rsvp"], a["rsvp_via"]), ("accepted", "link"),
       "attendees: Ann accepted, by link")
    check(a["responded_at"] and ISO.match(a["responded_at"]) and
          t0 - 2 <= iso_epoch(a["responded_at"]) <= time.time() + 2,
          "attendees: Ann's responded_at is now", a["responded_at"])
    answer(s, links["ann@r.test"]["no"], "Ann changes to no")
    eq(rsvp_of(s, m_chi["id"], "ann@r.test")["rsvp"], "declined",
       "attendees: Ann declined")
    st, page = answer(s, links["ann@r.test"]["maybe"], "Ann changes to maybe")
    check("Maybe" in page, "the page confirms maybe")
    eq(rsvp_of(s, m_chi["id"], "ann@r.test")["rsvp"], "tentative",
       "attendees: Ann tentative")
    answer(s, links["ann@r.test"]["yes"], "Ann says yes again")
    answer(s, links["ann@r.test"]["maybe"], "and maybe again (idempotent "
           "answers)")

    # ---- bad answers ------------------------------------------------------
    base = path_of(links["ann@r.test"]["yes"]).split("?")[0]
    # A NUL in the answer must not cut "yes%00" short to "yes".
    for bad in ("perhaps", "YES", "", "accepted", "yes%20", "yess",
                "yes%00", "no%00x"):
        st, page = s.call("POST", base, token=None,
                          raw=("answer=" + bad).encode(),
                          headers={"Content-Type":
                                   "application/x-www-form-urlencoded"})
        eq(st, 400, "answer=%r -> 400" % bad)
        if bad:
            st, page = s.call("GET", base + "?answer=" + bad, token=None)
            eq(st, 400, "GET answer=%r -> 400 too" % bad)
    eq(rsvp_of(s, m_chi["id"], "ann@r.test")["rsvp"], "tentative",
       "bad answers changed nothing")

    # ---- tokens: tampered, or A's secret on B's invitation ------------------
    ann_tok, ben_tok = tokens["ann@r.test"], tokens["ben@r.test"]
    answer(s, links["ben@r.test"]["yes"], "Ben answers yes")
    flipped = ann_tok[:-1] + ("a" if ann_tok[-1] != "a" else "b")
    st, _ = post_form(s, "/rsvp/%s" % flipped, {"answer": "no"})
    eq(st, 404, "a token with one character changed -> 404")
    ann_id, ann_secret = ann_tok.split("-", 1)
    ben_id, ben_secret = ben_tok.split("-", 1)
    st, _ = post_form(s, "/rsvp/%s-%s" % (ben_id, ann_secret),
                      {"answer": "no"})
    eq(st, 404, "Ann's secret with Ben's invitation number -> 404")
    st, _ = post_form(s, "/rsvp/%s" % ben_secret, {"answer": "no"})
    eq(st, 404, "the secret alone -> 404")
    eq(rsvp_of(s, m_chi["id"], "ben@r.test")["rsvp"], "accepted",
       "Ben's answer is untouched by the tampered links")
    eq(rsvp_of(s, m_chi["id"], "ann@r.test")["rsvp"], "tentative",
       "Ann's answer is untouched too")
    st, _ = s.call("GET", "/unsubscribe/%s" % ann_tok, token=None)
    eq(st, 404, "an RSVP token is no unsubscribe token")

    # ---- the rest answer ------------------------------------------------------
    answer(s, links["cy@r.test"]["no"], "Cy answers no")
    answer(s, links["wes@r.test"]["yes"], "Wes (Seattle) answers yes")

    # ---- attendee lists: who may see them -------------------------------------
    path = "/api/v1/meetings/%d/attendees" % m_chi["id"]
    admin = attendees(s, m_chi["id"])
    sec = attendees(s, m_chi["id"], token=tok_chi)
    eq(sec["items"], admin["items"], "the club's secretary sees the same "
       "list as the admin")
    st, body = s.call("GET", path, token=tok_sea)
    eq((st, error_code(body) is not None), (404, True),
       "another club's secretary -> 404 with an error body (as for an "
       "unknown meeting)")
    st, body = s.call("GET", path, token=tok_sea,
                      headers={"Accept": "text/csv"})
    eq(st, 404, "another club's secretary asking for CSV -> 404")
    st, body = s.call("GET", path, token=None)
    eq(st, 401, "no token -> 401")
    st, body = s.call("GET", "/api/v1/meetings/%d/attendees" % m_sea["id"],
                      token=tok_chi)
    eq(st, 404, "the Chicago secretary cannot read Seattle's list (404)")
    st, body = s.call("GET", "/api/v1/meetings/99999/attendees")
    eq(st, 404, "attendees of a meeting that does not exist -> 404")
    sea_att = attendees(s, m_sea["id"], token=tok_sea)
    eq([(a["email"], a["rsvp"]) for a in sea_att["items"]],
       [("wes@r.test", "accepted")], "Seattle's list: Wes accepted")

    by = {a["email"]: a for a in admin["items"]}
    eq({a: by[a]["rsvp"] for a in by},
       {"ann@r.test": "tentative", "ben@r.test": "accepted",
        "cy@r.test": "declined", "dee@r.test": "needs-action"},
       "every answer is recorded on the right member")
    check(all((by[a]["responded_at"] is None) == (a == "dee@r.test")
              for a in by), "responded_at set exactly for those who answered")
    eq(admin.get("counts"), {"needs-action": 1, "accepted": 1, "declined": 1,
                             "tentative": 1}, "counts")

    # ---- CSV ---------------------------------------------------------------
    for who, tok in (("admin", "admin"), ("secretary", tok_chi)):
        st, text = s.call("GET", path, token=tok,
                          headers={"Accept": "text/csv"})
        eq(st, 200, "CSV for the %s -> 200" % who)
        check(s.last_headers.get("content-type", "").startswith("text/csv"),
              "CSV for the %s: Content-Type text/csv" % who,
              s.last_headers.get("content-type"))
        rows = list(csv.reader(io.StringIO(text)))
        eq(rows[0] if rows else None, FIELDS, "CSV for the %s: header row"
           % who)
        body = rows[1:]
        eq(len(body), 4, "CSV for the %s: one row per invited member" % who)
        want = []
        for a in admin["items"]:
            d = a["distance_miles"]
            want.append([a["name"], a["email"], a["city"], a["state"],
                         "" if d is None else "%.1f" % d, a["mode"],
                         a["rsvp"], a["rsvp_via"] or "", a["comment"],
                         "" if a["attended"] is None else
                         str(a["attended"]).lower(), a["invited_at"] or "",
                         a["responded_at"] or ""])
        eq(sorted(body), sorted(want), "CSV for the %s: the values of the "
           "JSON list" % who)
    # A spreadsheet must not run a formula from a member's name.
    new_member(s, "=HYPERLINK(\"http://evil.example\")", "formula@r.test",
               "62901")
    sink.wait_for(6, timeout=20)
    st, text = s.call("GET", path, headers={"Accept": "text/csv"})
    rows = [r for r in csv.reader(io.StringIO(text))
            if len(r) > 1 and r[1] == "formula@r.test"]
    check(len(rows) == 1 and not rows[0][0].startswith(("=", "+", "-", "@")),
          "CSV: a name starting with = does not start the cell with =",
          rows)


main()
