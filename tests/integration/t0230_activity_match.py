"""t0230_activity_match.py - meetings feed into matching (docs/matching.md,
"Activity" and "The policy"): a club's `activity` is the number of its
occurrences in [now-90d, now+30d) (checked against dateutil + zoneinfo); a remote member goes to the most
active candidate of their state even when another is nearer, ties to the
nearer; creating, cancelling or thinning meetings changes the very next
match (no stale cache), for POST /members and for POST /match alike.
"""
import datetime as dt
import math
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403
from meetlib import *                    # noqa: E402,F401,F403

DAY = dt.timedelta(days=1)


def miles(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((la2 - la1) / 2) ** 2 +
         math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 3958.8 * math.asin(math.sqrt(h))


def expected_activity(series, now):
    """series: [(start, tz, rule, exdates(set of UTC datetimes))]."""
    lo, hi = now - 90 * DAY, now + 30 * DAY
    n = 0
    for start, tz, rule, ex in series:
        for d in series_utc(start, tz, rule, until=hi, limit=100000):
            if lo <= d < hi and d not in ex:
                n += 1
    return n


def activity_is(s, club_id, series, name):
    """GET the club's activity; compare with the independent count at the
    moments just before and after the request (an occurrence may cross
    the window's edge in between)."""
    t0 = dt.datetime.now(UTC)
    st, c = s.call("GET", "/api/v1/clubs/%d" % club_id)
    t1 = dt.datetime.now(UTC)
    want = {expected_activity(series, t0), expected_activity(series, t1)}
    check(st == 200 and c.get("activity") in want,
          "%s: activity %s (dateutil says %s)" % (name, c.get("activity"),
                                                  sorted(want)),
          c)
    st, lst = s.call("GET", "/api/v1/clubs?limit=1000")
    got = [x.get("activity") for x in lst["items"] if x["id"] == club_id]
    check(got and got[0] in want, "%s: the club list shows the same "
          "activity" % name, got)
    return c.get("activity")


def tuesday_on_or_after(d):
    return d + (1 - d.weekday()) % 7 * DAY


def main():
    now = dt.datetime.now(UTC)
    with Server() as s:
        dallas = mk_club(s, "Dallas Chess", "75201")
        houston = mk_club(s, "Houston Chess", "77002")
        st, ep = s.call("GET", "/api/v1/zip/79901")
        p = (ep["lat"], ep["lon"])
        dd = miles(p, (dallas["lat"], dallas["lon"]))
        dh = miles(p, (houston["lat"], houston["lon"]))
        check(25 < dd < dh, "El Paso: Dallas (%.0f mi) is nearer than "
              "Houston (%.0f mi), both beyond 25 mi" % (dd, dh))

        m0 = mk_member(s, "Member Zero", "m0@example.org", "79901")
        a = m0["assignment"]
        check(a["club_id"] == dallas["id"] and a["mode"] == "remote",
              "no meetings anywhere: activity tie -> the nearer (Dallas), "
              "remote", a)
        activity_is(s, dallas["id"], [], "Dallas without meetings")

        # Dallas: monthly, started in the past so the window holds some.
        dal = [("2026-01-13T19:00", "America/Chicago",
                "FREQ=MONTHLY;BYDAY=2TU", set())]
        mk_meeting(s, dallas["id"], title="Dallas monthly",
                   start="2026-01-13T19:00")
        na = activity_is(s, dallas["id"], dal, "Dallas with a monthly "
                         "meeting")
        check(na >= 3, "a monthly series counts about 4 in 120 days", na)
        m1 = mk_member(s, "Member One", "m1@example.org", "79901")
        eq(m1["assignment"]["club_id"], dallas["id"],
           "after Dallas's meeting: the next member goes to Dallas")

        # Houston: weekly -> more active, though farther.
        hou = [("2026-01-06T19:00", "America/Chicago",
                "FREQ=WEEKLY;BYDAY=TU", set())]
        hw = mk_meeting(s, houston["id"], title="Houston weekly",
                        start="2026-01-06T19:00",
                        rrule="FREQ=WEEKLY;BYDAY=TU")
        nh = activity_is(s, houston["id"], hou, "Houston with a weekly "
                         "meeting")
        check(nh > na, "weekly (%s) is more active than monthly (%s)"
              % (nh, na))
        m2 = mk_member(s, "Member Two", "m2@example.org", "79901")
        a = m2["assignment"]
        check(a["club_id"] == houston["id"] and a["mode"] == "remote",
              "creating Houston's weekly meeting changes the next match: "
              "the farther, more active club wins (§5.2)", a)
        check(a.get("distance_miles") is not None and
              abs(a["distance_miles"] - dh) < 1.0,
              "the distance given is Houston's (%.1f mi)" % dh, a)
        eq(m0["assignment"]["club_id"], dallas["id"],
           "an earlier member keeps their club")
        st, g = s.call("GET", "/api/v1/members/%d" % m0["id"])
        eq(g["assignment"]["club_id"], dallas["id"],
           "an assigned member is not moved by a new meeting")

        m3 = mk_member(s, "State Only", "m3@example.org", None, state="TX")
        a = m3["assignment"]
        check(a["club_id"] == houston["id"] and a.get("distance_miles") is
              None, "a member with only a state goes to the most active "
              "club of it, distance null", a)

        # The same through CLI import --no-match and POST /match.
        d = tempfile.mkdtemp(prefix="clubmatch-act-")
        csvp = os.path.join(d, "members.csv")
        with open(csvp, "w") as f:
            f.write("name,email,zip\nCsv One,c1@example.org,79901\n"
                    "Csv Two,c2@example.org,79936\n")
        rc, out, err = s.cli(["import", "members", csvp, "--no-match"])
        check(rc == 0, "import members --no-match while serving", err)
        st, r = s.call("POST", "/api/v1/match")
        check(st == 200 and r.get("remote") == 2,
              "POST /match assigns the two imported members remotely", r)
        st, lst = s.call("GET", "/api/v1/members?limit=1000")
        got = {x["email"]: x["assignment"]["club_id"] for x in lst["items"]}
        check(got.get("c1@example.org") == houston["id"] and
              got.get("c2@example.org") == houston["id"],
              "POST /match sends them to the more active Houston", got)

        # One occurrence in the window cancelled: activity drops by one.
        nxt = tuesday_on_or_after(dt.datetime.now(CHI).date() + 2 * DAY)
        st, r = s.call("DELETE", "/api/v1/meetings/%d/occurrences/%s"
                       % (hw["id"], nxt.isoformat()))
        check(st == 200, "cancel Houston's occurrence of %s" % nxt, r)
        hou[0][3].add(dt.datetime(nxt.year, nxt.month, nxt.day, 19, 0,
                                  tzinfo=CHI).astimezone(UTC))
        nh2 = activity_is(s, houston["id"], hou, "Houston after one "
                          "cancelled occurrence")
        eq(nh2, nh - 1, "a cancelled occurrence in the window counts no "
           "more")
        # A single meeting inside the window counts one, outside none.
        inside = (dt.datetime.now(CHI) + 10 * DAY).strftime("%Y-%m-%dT12:00")
        outside = (dt.datetime.now(CHI) + 60 * DAY).strftime(
            "%Y-%m-%dT12:00")
        mk_meeting(s, dallas["id"], title="Inside", rrule=None, start=inside)
        mk_meeting(s, dallas["id"], title="Outside", rrule=None,
                   start=outside)
        dal += [(inside, "America/Chicago", None, set()),
                (outside, "America/Chicago", None, set())]
        eq(activity_is(s, dallas["id"], dal, "Dallas with two single "
                       "meetings"), na + 1,
           "a single meeting in the window adds 1, one after it 0")

        # Houston's series cancelled: it is no more active than Dallas.
        st, r = s.call("DELETE", "/api/v1/meetings/%d" % hw["id"])
        check(st == 200, "cancel Houston's weekly series", r)
        eq(activity_is(s, houston["id"], [], "Houston after cancelling"), 0,
           "a cancelled series counts nothing")
        m4 = mk_member(s, "Member Four", "m4@example.org", "79901")
        eq(m4["assignment"]["club_id"], dallas["id"],
           "after the cancellation the next member goes to Dallas again")

        # Equal activity: the nearer wins.
        mk_meeting(s, houston["id"], title="Houston monthly",
                   start="2026-01-13T19:00")
        mk_meeting(s, houston["id"], title="Houston inside", rrule=None,
                   start=inside)
        mk_meeting(s, houston["id"], title="Houston outside", rrule=None,
                   start=outside)
        eq(activity_is(s, houston["id"], dal, "Houston like Dallas"),
           activity_is(s, dallas["id"], dal, "Dallas unchanged"),
           "Houston and Dallas are equally active")
        m5 = mk_member(s, "Member Five", "m5@example.org", "79901")
        eq(m5["assignment"]["club_id"], dallas["id"],
           "equal activity: the nearer club (Dallas)")
    with Server() as s:
        club_deleted(s)
    done()


def club_deleted(s):
    """A deleted club's remote members are re-matched; the meetings they
    were invited to are cancelled for them."""
    a = mk_club(s, "Billings Go", "59101")
    b = mk_club(s, "Missoula Go", "59801")
    m = mk_meeting(s, a["id"], title="Billings weekly",
                   start="2026-01-06T19:00", rrule="FREQ=WEEKLY",
                   timezone="America/Denver")
    mem = mk_member(s, "Big Sky", "ph@example.org", None, state="MT")
    if not eq(mem["assignment"]["club_id"], a["id"],
              "a state-only member goes to the active Billings club"):
        return
    def outbox():
        st, ob = s.call("GET", "/api/v1/outbox?limit=1000")
        items = [x for x in ob.get("items", [])
                 if x.get("kind") == "invitation"]
        return {"items": items} if items and all(
            x["status"] != "pending" for x in items) else None
    ob = wait_for(outbox, timeout=15) or {}
    check(any(x["status"] == "sent" for x in ob.get("items", [])),
          "the invitation to Billings' meeting was sent", ob)
    st, r = s.call("DELETE", "/api/v1/clubs/%d" % a["id"])
    check(st == 200, "delete the Billings club", r)
    st, at = s.call("GET", "/api/v1/meetings/%d/attendees" % m["id"])
    check(mem["id"] not in [x["member_id"] for x in at.get("items", [])],
          "a member moved away from a deleted club is no longer listed "
          "as its meeting's attendee", at)
    time.sleep(1)
    ob = wait_for(outbox, timeout=15) or {}
    check(any(x["to"] == "ph@example.org" and "ancel" in x["subject"]
              for x in ob.get("items", [])),
          "a member moved away from a deleted club gets a cancellation",
          [(x["to"], x["subject"]) for x in ob.get("items", [])])
    _ = b


main()
