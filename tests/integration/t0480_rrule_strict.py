"""t0480_rrule_strict.py - recurrence rules checked part by part, as
libical would read them (docs/calendar.md, "Recurrence"), and one broken
stored meeting does not break the club's feeds (docs/calendar.md, "Feed
and download").

  refused   a part given twice (INTERVAL=1;INTERVAL=70000 was taken: only
            the first was checked), an unknown part, numbers out of range
            -> 422 with field "rrule", on POST and on PATCH; nothing
            changes
  taken     ordinary rules still work
  stored    a meeting whose rule was written straight into the database
            (as a restore from an old version could) is left out of the
            member's feed (200, the other meeting is there, the log says
            which was left out); its own .ics is a 409 naming the rule,
            never a 422 for a GET; the other meeting's .ics is 200
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, done, Server                    # noqa: E402
from meetlib import (mk_club, mk_member, mk_meeting, meeting_body,  # noqa: E402
                     feed_path, get_raw)

BAD = [
    "FREQ=DAILY;INTERVAL=1;INTERVAL=70000",
    "FREQ=DAILY;INTERVAL=70000",
    "FREQ=WEEKLY;FREQ=DAILY",
    "FREQ=DAILY;COUNT=5;COUNT=6",
    "FREQ=MONTHLY;BYMONTHDAY=40",
    "FREQ=MONTHLY;BYMONTHDAY=0",
    "FREQ=YEARLY;BYMONTH=13",
    "FREQ=YEARLY;BYMONTH=1,1x",
    "FREQ=DAILY;COUNT=0",
    "FREQ=DAILY;FOO=1",
    "FREQ=DAILY;COUNT",
    "FREQ=DAILY;;COUNT=2",
    "FREQ=DAILY;",
    "FREQ=MONTHLY;BYDAY=2TU;BYDAY=3TU",
]
GOOD = [
    ("FREQ=MONTHLY;BYDAY=2TU", "2027-01-12T19:00"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "2027-01-31T19:00"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=10", "2027-01-12T19:00"),
    ("freq=daily;interval=1000", "2027-01-12T19:00"),
]


def field_of(body):
    try:
        return body["error"]["field"]
    except (TypeError, KeyError):
        return None


def uids(ics):
    return set(re.findall(r"^UID:(.*?)\r?$", ics.decode(), re.M))


def main():
    with Server() as s:
        club = mk_club(s, "Rule Club", "60601")
        base = mk_meeting(s, club["id"], title="Base")
        path = "/api/v1/clubs/%d/meetings" % club["id"]
        for rule in BAD:
            st, body = s.call("POST", path, meeting_body(rrule=rule))
            eq((st, field_of(body)), (422, "rrule"),
               "POST refuses %s with 422 rrule" % rule)
            st, body = s.call("PATCH", "/api/v1/meetings/%d" % base["id"],
                              {"rrule": rule})
            eq((st, field_of(body)), (422, "rrule"),
               "PATCH refuses %s with 422 rrule" % rule)
        st, body = s.call("GET", "/api/v1/meetings/%d" % base["id"])
        eq(body.get("rrule"), base["rrule"], "refused PATCHes changed nothing")
        st, body = s.call("GET", path)
        eq(len(body["items"]), 1, "refused POSTs created nothing")
        st, body = s.call("POST", path, meeting_body(
            rrule="FREQ=DAILY;INTERVAL=1;INTERVAL=70000"))
        check("twice" in body["error"]["message"],
              "the message says the part is given twice", body)

        for rule, start in GOOD:
            st, body = s.call("POST", path, meeting_body(rrule=rule,
                                                         start=start))
            eq(st, 201, "POST takes %s" % rule)

        # ---- a broken rule stored by an older version --------------------
        club2 = mk_club(s, "Feed Club", "30301")
        good = mk_meeting(s, club2["id"], title="Good one")
        broken = mk_meeting(s, club2["id"], title="Broken one")
        member = mk_member(s, "Mia Member", "mia@example.org", "30302")
        eq(member["assignment"]["club_id"], club2["id"],
           "the member is in the club")
        st, before = get_raw(s, feed_path(s, member["id"]), token=None)
        eq(st, 200, "feed before: 200")
        p = subprocess.run(
            ["sqlite3", s.db, "UPDATE meetings SET rrule = "
             "'FREQ=DAILY;INTERVAL=1;INTERVAL=70000' WHERE id = %d" %
             broken["id"]], capture_output=True, text=True)
        check(p.returncode == 0, "sqlite3 wrote the old rule", p.stderr)
        st, after = get_raw(s, feed_path(s, member["id"]), token=None)
        eq(st, 200, "feed with a broken meeting: still 200")
        st, good_ics = get_raw(s, "/api/v1/meetings/%d.ics" % good["id"])
        eq(st, 200, "the good meeting's .ics: 200")
        good_uid = uids(good_ics)
        check(good_uid and good_uid <= uids(after),
              "the feed still holds the good meeting", after[:600])
        eq(len(uids(after)), len(uids(before)) - 1,
           "the feed leaves out exactly the broken meeting")
        check(b"Broken one" not in after, "the broken one is not in it")
        st, body = s.call("GET", "/api/v1/meetings/%d.ics" % broken["id"])
        check(st == 409 and field_of(body) == "rrule",
              "the broken meeting's .ics: 409 naming rrule, not 422",
              (st, body))
        eq([e.get("meeting") for e in s.events("feed_meeting_left_out")][-1:],
           [str(broken["id"])], "the log names the meeting left out")
    done()


main()
