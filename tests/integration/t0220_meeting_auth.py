"""t0220_meeting_auth.py - who may reach the meeting routes (docs/api.md,
"Authentication and roles", "Tokens"): a club's secretary token reaches
its own club's meetings and nothing of another club (403 on its club's
routes, 404 for its meetings, nothing changed); no token 401; a wrong token 401; the admin token reaches all; a token of a
deactivated club 401; secretary tokens are >= 128 bits and all differ.
Deliberately bad tokens are sent from their own loopback addresses so the
per-address rate limit (429) does not mix into the answers.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403
from meetlib import *                    # noqa: E402,F401,F403


def routes(club_id, meeting_id):
    """Every meeting route, as (name, method, path, body, headers),
    the changing ones last."""
    m = "/api/v1/meetings/%d" % meeting_id
    return [
        ("list meetings", "GET", "/api/v1/clubs/%d/meetings" % club_id,
         None, None),
        ("get meeting", "GET", m, None, None),
        (".ics download", "GET", m + ".ics", None, None),
        ("attendees", "GET", m + "/attendees", None, None),
        ("attendees as CSV", "GET", m + "/attendees", None,
         {"Accept": "text/csv"}),
        ("create meeting", "POST", "/api/v1/clubs/%d/meetings" % club_id,
         meeting_body(title="Intruder"), None),
        ("patch meeting", "PATCH", m, {"title": "Hijacked"}, None),
        ("move occurrence", "PATCH", m + "/occurrences/2027-03-09",
         {"start": "2027-03-10T18:00"}, None),
        ("cancel occurrence", "DELETE", m + "/occurrences/2027-02-09",
         None, None),
        ("cancel meeting", "DELETE", m, None, None),
    ]


def snapshot(s, club_id):
    """What a refused request must not change."""
    return list_meetings(s, club_id)


def main():
    with Server() as s:
        a = mk_club(s, "Alpha Club", "60601")
        b = mk_club(s, "Beta Club", "80202")
        ta = mk_token(s, a["id"])
        ta2 = mk_token(s, a["id"])
        tb = mk_token(s, b["id"])
        for t in (ta, ta2, tb):
            check(re.match(r"^[A-Za-z2-7]{26,}$", t),
                  "secretary token is base32 of >= 128 bits (26+ chars)", t)
        eq(len({ta, ta2, tb}), 3, "every secretary token differs")
        st, me = s.call("GET", "/api/v1/me", token=ta)
        check(st == 200 and me.get("role") == "secretary"
              and me.get("club_id") == a["id"],
              "/me for A's token: secretary of club A", me)
        st, me = s.call("GET", "/api/v1/me", token=ta2)
        check(st == 200 and me.get("club_id") == a["id"],
              "a second token of the same club works too", me)

        ma = mk_meeting(s, a["id"], token=ta, title="Alpha monthly")
        check(isinstance(ma.get("id"), int) and ma["id"] > 0 and
              ma.get("club_id") == a["id"],
              "A's secretary creates a meeting in club A", ma)
        mb = mk_meeting(s, b["id"], token=tb, title="Beta monthly")
        mk_member(s, "Remote Reader", "remote@example.org", "59001")

        # A's token on club B: 403 on club B's routes, 404 for B's
        # meetings (ids cannot be probed: docs/api.md), nothing changed.
        before = snapshot(s, b["id"])
        for name, method, path, body, hdrs in routes(b["id"], mb["id"]):
            st, r = s.call(method, path, body, token=ta, headers=hdrs)
            want = 403 if path.startswith("/api/v1/clubs/") else 404
            check(st == want and error_code(r),
                  "A's secretary on club B: %s -> %d" % (name, want),
                  "%s %r" % (st, r))
        eq(snapshot(s, b["id"]), before,
           "club B's meetings unchanged by A's refused requests")

        # No token: 401 everywhere.
        for name, method, path, body, hdrs in routes(b["id"], mb["id"]):
            st, r = s.call(method, path, body, token=None, headers=hdrs)
            check(st == 401 and error_code(r),
                  "no token: %s -> 401" % name, "%s %r" % (st, r))
        # A wrong token: 401 everywhere (from 127.0.0.2).
        wrong = ta[:-1] + ("a" if ta[-1] != "a" else "b")
        for name, method, path, body, hdrs in routes(b["id"], mb["id"]):
            st, r, h = call_from(s, "127.0.0.2", method, path, body,
                                 token=wrong, headers=hdrs)
            check(st == 401 and error_code(r),
                  "wrong token: %s -> 401" % name, "%s %r" % (st, r))
        eq(snapshot(s, b["id"]), before,
           "club B's meetings unchanged by unauthenticated requests")

        # B's own secretary reaches all of them (changing ones last).
        for name, method, path, body, hdrs in routes(b["id"], mb["id"]):
            st, r = s.call(method, path, body, token=tb, headers=hdrs)
            check(200 <= st < 300, "B's secretary: %s -> 2xx" % name,
                  "%s %r" % (st, r))
        # A's secretary on its own club, and on B's club after all that.
        st, r = s.call("GET", "/api/v1/meetings/%d/attendees" % ma["id"],
                       token=ta)
        check(st == 200, "A's secretary: own attendees -> 200", r)
        st, r = s.call("GET", "/api/v1/clubs", token=ta)
        check(st == 403, "a secretary token on an admin route -> 403", r)
        st, r = s.call("POST", "/api/v1/clubs/%d/tokens" % a["id"], token=ta)
        check(st == 403, "a secretary cannot mint tokens -> 403", r)

        # The admin reaches every route of every club.
        ma2 = mk_meeting(s, a["id"], title="Alpha weekly",
                         start="2027-01-05T19:00",
                         rrule="FREQ=WEEKLY;BYDAY=TU")
        for name, method, path, body, hdrs in routes(a["id"], ma2["id"]):
            if "occurrence" in name:
                path = path.replace("2027-03-09", "2027-03-16").replace(
                    "2027-02-09", "2027-02-16")
            st, r = s.call(method, path, body, headers=hdrs)
            check(200 <= st < 300, "admin: %s -> 2xx" % name,
                  "%s %r" % (st, r))

        # A deactivated club's token stops working (from 127.0.0.4).
        c = mk_club(s, "Gamma Club", "10001")
        tc = mk_token(s, c["id"])
        mc = mk_meeting(s, c["id"], token=tc, title="Gamma monthly",
                        timezone="America/New_York")
        st, r = s.call("DELETE", "/api/v1/clubs/%d" % c["id"])
        check(st in (200, 204), "admin deletes (deactivates) club C", r)
        for name, method, path, body, hdrs in routes(c["id"], mc["id"]):
            st, r, h = call_from(s, "127.0.0.4", method, path, body,
                                 token=tc, headers=hdrs)
            check(st == 401 and error_code(r),
                  "token of a deactivated club: %s -> 401" % name,
                  "%s %r" % (st, r))
        st, r, h = call_from(s, "127.0.0.4", "GET", "/api/v1/me", token=tc)
        check(st == 401, "token of a deactivated club: /me -> 401", r)
        st, r = s.call("GET", "/api/v1/me", token=ta)
        check(st == 200, "other clubs' tokens keep working", r)
    done()


main()
